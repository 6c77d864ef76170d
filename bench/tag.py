"""Extractor speed and memory: library call, the `tag --jsonl` CLI, matcher build, a re baseline;
and the library again without the interaction finder, as a reference run in the same process,
on these items and on bench/ingest.py's longer ones (~900 chars).

Run: .venv/bin/python bench/tag.py [N]   (default 10,000 generated news items, ~600 chars)
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from negotiation_watch.store.extract import matcher as matcher_module
from negotiation_watch.store.extract.cache import write_pickle
from negotiation_watch.store.extract.extractor import extract
from negotiation_watch.store.extract.taxonomy import Taxonomy, load_taxonomy

RE_SAMPLE = 500
# articles/s, (the library on one core, `tag --jsonl` end to end): issue 14's with the
# interaction finder, and issue 17's "speed stays" (what the extractor did before the finder)
TARGETS = {"14": (5_000, 2_500), "17": (10_000, 5_000)}
HEADLINES = [
    "{A} and {B} resume talks on {T}",
    "{P} says {A} is ready for a deal",
    "{A} rejects {B} proposal as {T} stalls",
    "Envoys from {A} arrive in {C} for {T}",
    "{T}: what we know after the latest round",
    "{P} meets {Q} amid pressure over {T}",
    "Markets steady as {A} weighs new tariffs",
]
SENTENCES = [
    "Officials from {A} said on Tuesday that the latest round of {T} had made progress on several points,"
    " although a final text was still some weeks away.",
    "{P} told reporters in {C} that {A} would not accept any agreement that ignored its security concerns"
    " or left the question of sanctions unresolved.",
    "A spokesman for {B} said the delegation would return next week after consultations at home, adding"
    " that the mood in the room had been businesslike.",
    "Diplomats familiar with the discussions said the two sides remained far apart on sequencing, on"
    " guarantees and on who would monitor any deal.",
    "The {D} foreign minister called for restraint and urged both sides to keep talking, warning that a"
    " collapse would hurt civilians most.",
    "{Q} is expected to travel to {C} later this month, according to a statement issued after a phone"
    " call between the two leaders on Sunday.",
    "Analysts said the weather, the economy and local elections would weigh on the timetable, and few"
    " expected a breakthrough before the summer.",
    "Negotiators worked late into the night, but no joint statement was issued and both teams declined"
    " to comment on the draft that was circulating.",
    "The talks in {C} were described by one participant as frank and at times difficult, with long"
    " breaks while envoys called their capitals.",
    "Critics at home accused the government of giving too much ground to {B}, and opposition lawmakers"
    " demanded to see the full text.",
]


def surfaces(tax: Taxonomy) -> list[str]:
    """Every string the taxonomy lists (not the role forms the matcher derives from them)."""
    out: list[str] = []
    for p in tax.parties.values():
        out += [p.name, *p.aliases, *p.demonyms, *p.metonyms, *p.institutions, *p.exact, *p.not_]
    for person in tax.people.values():
        out += [person.name, *person.aliases]
    for office in tax.offices.values():
        out += office.titles
    for track in tax.tracks.values():
        out += [track.name, *track.aliases] + [w for rule in track.rules for w in rule.trigger]
    return sorted(set(out))


def make_items(tax: Taxonomy, count: int) -> list[dict]:
    """Realistic items (~600 chars): a headline and four sentences built from the taxonomy's names."""
    rng = random.Random(20260127)
    states = [p for p in tax.parties.values() if p.aliases] or [None]
    names = [p.name for p in tax.people.values()] or ["the envoy"]
    track_names = [t.aliases[0] if t.aliases else t.name for t in tax.tracks.values()]
    cities = ["Geneva", "Vienna", "Doha", "Istanbul", "Riyadh", "Oslo", "Cairo", "Brussels"]
    items = []
    for index in range(count):
        a, b, d = (rng.choice(states) for _ in range(3))
        fill = {
            "A": a.aliases[0] if a else "one side", "B": b.aliases[0] if b else "the other side",
            "D": (d.demonyms or d.aliases)[0] if d else "regional",
            "P": rng.choice(names), "Q": rng.choice(names), "T": rng.choice(track_names), "C": rng.choice(cities),
        }
        title = rng.choice(HEADLINES).format(**fill)
        text = " ".join(rng.choice(SENTENCES).format(**fill) for _ in range(4))
        date = f"202{rng.randint(0, 5)}-0{rng.randint(1, 9)}-15"
        items.append({"id": index, "title": title, "text": text, "date": date})
    return items


def tag_all(tax: Taxonomy, items: list[dict], dates: list) -> tuple[int, int]:
    """Tag every item as an ingest would (result used, then dropped); the number of tags
    and of interactions."""
    found = interactions = 0
    for item, date in zip(items, dates):
        result = extract(tax, item["title"], item["text"], date)
        found += len(result.parties) + len(result.tracks)
        interactions += len(result.interactions)
    return found, interactions


def ingest_entries(feeds: int = 200, per_feed: int = 50) -> list:
    """bench/ingest.py's generated entries (~900 chars each), parsed as an ingest parses them."""
    import ingest  # bench/ingest.py, beside this file

    from negotiation_watch.store.parse.feed import parse_feed

    return [e for f in range(feeds) for e in parse_feed(ingest.make_feed(f, per_feed), {}, "http://bench/").entries]


def per_article_cpu(runs: dict[str, Taxonomy], entries: list, date: datetime.date) -> dict[str, float]:
    """CPU seconds an article for each taxonomy over `entries`, each run twice alternating, best kept."""
    best = {name: float("inf") for name in runs}
    for _ in range(2):
        for name, taxonomy in runs.items():
            cpu = time.process_time()
            for entry in entries:
                extract(taxonomy, entry.title, entry.summary, date)
            best[name] = min(best[name], (time.process_time() - cpu) / len(entries))
    return best


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as cache:
        os.environ["NEGOTIATION_WATCH_CACHE_DIR"] = cache
        load_s, tax = timed(load_taxonomy)
        cold_s, matcher = timed(lambda: matcher_module.build_matcher(tax))
        write_pickle(matcher_module._cache_path(tax.version), matcher)
        cached_s, _ = timed(lambda: matcher_module._read_cache(matcher_module._cache_path(tax.version), tax.version))
        tax._matcher = matcher
        items = make_items(tax, count)
        dates = [datetime.date.fromisoformat(i["date"]) for i in items]
        before = copy.copy(tax)  # the extractor without its interaction finder: the reference
        before._matcher = dataclasses.replace(matcher, actions=None)
        # Each twice, alternating, best kept: the first pass over the items warms caches
        # that the second would otherwise get for free.
        runs = {"with": [], "without": []}
        for _ in range(2):
            for name, taxonomy in (("without", before), ("with", tax)):
                cpu = time.process_time()
                wall, (found, interactions) = timed(lambda t=taxonomy: tag_all(t, items, dates))
                runs[name].append((time.process_time() - cpu, wall))
        lib_cpu, lib_s = min(runs["with"])
        ref_cpu = min(runs["without"])[0]
        entries = ingest_entries()
        ingest_cpu = per_article_cpu({"without": before, "with": tax}, entries, datetime.date(2026, 11, 20))
        lib_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the re baseline
        chars = sum(len(i["title"]) + len(i["text"]) for i in items)
        pattern = re.compile(
            r"\b(?:" + "|".join(re.escape(s) for s in sorted(surfaces(tax), key=len, reverse=True)) + r")\b",
            re.IGNORECASE,
        )
        sample = items[:RE_SAMPLE]  # the alternation is slow; a sample gives its rate
        re_cpu = time.process_time()
        re_s, _ = timed(lambda: [(pattern.findall(i["title"]), pattern.findall(i["text"])) for i in sample])
        re_cpu = time.process_time() - re_cpu
        jsonl_s, startup_s, cli_cpu, lines, cli_rss, helpers = run_cli(items, cache)

    print(f"items: {count}, mean {chars / count:.0f} chars, {found} tags, {interactions} interactions, "
          f"{len(tax.parties)} parties, {len(tax.tracks)} tracks, {len(matcher.automaton)} patterns")
    print(f"taxonomy load (TOML): {load_s * 1000:.0f} ms")
    print(f"matcher build: cold {cold_s * 1000:.0f} ms, cached {cached_s * 1000:.0f} ms")
    print(f"library extract(): {count / lib_s:,.0f} articles/s by the wall clock ({lib_s:.2f} s), "
          f"{count / lib_cpu:,.0f} articles/s of CPU time (one core); "
          f"{_verdicts(count / lib_cpu, 0)}")
    print(f"  beside it, the same run without the interaction finder (the extractor before it): "
          f"{count / ref_cpu:,.0f} articles/s of CPU time; the finder costs "
          f"{(lib_cpu - ref_cpu) / count * 1e6:.0f} µs an article ({lib_cpu / ref_cpu - 1:+.0%})")
    print(f"  on bench/ingest.py's {len(entries):,} items (mean "
          f"{sum(len(e.title) + len(e.summary) for e in entries) / len(entries):.0f} chars): "
          f"{ingest_cpu['with'] * 1e6:.0f} µs an article of CPU time, {ingest_cpu['without'] * 1e6:.0f} µs "
          f"without the finder; the finder costs {(ingest_cpu['with'] - ingest_cpu['without']) * 1e6:.0f} µs")
    print(f"CLI tag --jsonl (subprocess, {os.cpu_count()} cores): {count / jsonl_s:,.0f} articles/s with start-up "
          f"({jsonl_s:.2f} s, {lines} lines); start-up alone {startup_s:.2f} s, "
          f"so {count / (jsonl_s - startup_s):,.0f} articles/s after it; "
          f"{count / cli_cpu:,.0f} articles/s of its and its workers' CPU time (sampled), start-up included; "
          f"with start-up "
          f"{_verdicts(count / jsonl_s, 1)}")
    re_rate, lib_rate = len(sample) / re_cpu, count / lib_cpu
    print(f"re baseline ({len(surfaces(tax))} listed aliases, one IGNORECASE alternation, {len(sample)} items): "
          f"{re_rate:,.0f} articles/s of CPU time; extract() runs at {lib_rate / re_rate:.1f}x the re rate")
    print(f"peak RSS: library run (taxonomy, matcher, {count} items) {lib_rss:.0f} MB, "
          f"CLI process and its {helpers} helper processes together {cli_rss:.0f} MB")


def _verdicts(rate: float, which: int) -> str:
    """Each issue's target for this rate (0: library, 1: CLI) and whether it is met."""
    return "; ".join(f"issue {issue} target {targets[which]:,} {'OK' if rate >= targets[which] else 'MISSED'}"
                     for issue, targets in TARGETS.items())


def run_cli(items: list[dict], cache: str) -> tuple[float, float, float, int, float, int]:
    """Time the real CLI on the same items through --jsonl (it spreads them over a worker
    process a core); also its start-up, and the peak memory of it and its helper processes."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as handle:
        for item in items:
            handle.write(json.dumps(item) + "\n")
    env = {**os.environ, "NEGOTIATION_WATCH_CACHE_DIR": cache,
           "NEGOTIATION_WATCH_CONFIG_DIR": tempfile.mkdtemp(prefix="nw-bench-config-")}
    command = [sys.executable, "-m", "negotiation_watch", "tag", "--jsonl"]
    try:
        startup_s, _ = timed(lambda: subprocess.run(command, input="", capture_output=True, env=env, check=True))
        with open(handle.name, encoding="utf-8") as source, tempfile.TemporaryFile("w+") as out:
            start = time.perf_counter()
            proc = subprocess.Popen(command, stdin=source, stdout=out, stderr=subprocess.DEVNULL, env=env)
            # The CLI's own and each of its workers' (forked by a server, so never its
            # children in rusage): peak memory, and CPU seconds as last seen, every 20 ms.
            peaks: dict[int, int] = {}
            cpus: dict[int, float] = {}
            while proc.poll() is None:
                for pid in [proc.pid, *_descendants(proc.pid)]:
                    peaks[pid] = max(peaks.get(pid, 0), _peak_kb(pid))
                    cpus[pid] = max(cpus.get(pid, 0.0), _cpu_s(pid))
                time.sleep(0.02)
            elapsed = time.perf_counter() - start
            cpu = sum(cpus.values())
            out.seek(0)
            lines = sum(1 for _ in out)
    finally:
        Path(handle.name).unlink()
    return elapsed, startup_s, cpu, lines, sum(peaks.values()) / 1024, len(peaks) - 1


def _descendants(pid: int) -> list[int]:
    """`pid`'s children and theirs, from /proc (Linux); none when unavailable."""
    found, parents = [], [pid]
    while parents:
        parent = parents.pop()
        try:
            children = [int(c) for c in Path(f"/proc/{parent}/task/{parent}/children").read_text().split()]
        except OSError:
            continue
        found += children
        parents += children
    return found


def _cpu_s(pid: int) -> float:
    """The process's user and system CPU seconds so far (Linux /proc), 0 when unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_kb(pid: int) -> int:
    """The process's resident high-water mark (Linux /proc), 0 when unavailable."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


if __name__ == "__main__":
    main()
