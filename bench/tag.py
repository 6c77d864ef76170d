"""Extractor speed and memory: library call, the `tag --jsonl` CLI, matcher build, a re baseline.

Run: .venv/bin/python bench/tag.py [N]   (default 10,000 generated news items, ~600 chars)
"""

from __future__ import annotations

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

from negotiation_watch.store import matcher as matcher_module
from negotiation_watch.store.extract import extract
from negotiation_watch.store.taxonomy import Taxonomy, load_taxonomy

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
    "Officials from {A} said on Tuesday that the latest round of {T} had made progress on several points.",
    "{P} told reporters in {C} that {A} would not accept any agreement that ignored its security concerns.",
    "A spokesman for {B} said the delegation would return next week after consultations at home.",
    "Diplomats familiar with the discussions said the two sides remained far apart on sequencing.",
    "The {D} foreign minister called for restraint and urged both sides to keep talking.",
    "{Q} is expected to travel to {C} later this month, according to a statement.",
    "Analysts said the weather, the economy and local elections would weigh on the timetable.",
    "Negotiators worked late into the night, but no joint statement was issued.",
    "The talks in {C} were described by one participant as frank and at times difficult.",
    "Critics at home accused the government of giving too much ground to {B}.",
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
    """Realistic items: a headline and three sentences built from the taxonomy's names."""
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
        text = " ".join(rng.choice(SENTENCES).format(**fill) for _ in range(3))
        items.append({"id": index, "title": title, "text": text, "date": f"202{rng.randint(0, 5)}-0{rng.randint(1, 9)}-15"})
    return items


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
        matcher_module._write_cache(matcher_module._cache_path(tax.version), matcher)
        cached_s, _ = timed(lambda: matcher_module._read_cache(matcher_module._cache_path(tax.version), tax.version))
        tax._matcher = matcher
        items = make_items(tax, count)
        import datetime

        dates = [datetime.date.fromisoformat(i["date"]) for i in items]
        lib_s, tags = timed(lambda: [extract(tax, i["title"], i["text"], d) for i, d in zip(items, dates)])
        found = sum(len(t.parties) + len(t.tracks) for t in tags)
        chars = sum(len(i["title"]) + len(i["text"]) for i in items)
        pattern = re.compile(
            r"\b(?:" + "|".join(re.escape(s) for s in sorted(surfaces(tax), key=len, reverse=True)) + r")\b",
            re.IGNORECASE,
        )
        re_s, _ = timed(lambda: [(pattern.findall(i["title"]), pattern.findall(i["text"])) for i in items])
        lib_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        jsonl_s, lines = run_cli(items, cache)
        cli_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    print(f"items: {count}, mean {chars / count:.0f} chars, {found} tags, "
          f"{len(tax.parties)} parties, {len(tax.tracks)} tracks, {len(matcher.automaton)} patterns")
    print(f"taxonomy load (TOML): {load_s * 1000:.0f} ms")
    print(f"matcher build: cold {cold_s * 1000:.0f} ms, cached {cached_s * 1000:.0f} ms")
    print(f"library extract(): {count / lib_s:,.0f} articles/s ({lib_s:.2f} s)")
    print(f"CLI tag --jsonl (subprocess, incl. start-up): {count / jsonl_s:,.0f} articles/s ({jsonl_s:.2f} s, "
          f"{lines} lines)")
    print(f"re baseline ({len(surfaces(tax))} listed aliases, one IGNORECASE alternation): "
          f"{count / re_s:,.0f} articles/s ({re_s:.2f} s); extract() is {re_s / lib_s:.1f}x the re speed")
    print(f"peak RSS: bench process {lib_rss:.0f} MB, CLI process {cli_rss:.0f} MB")


def run_cli(items: list[dict], cache: str) -> tuple[float, int]:
    """Time the real CLI on the same items through --jsonl."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as handle:
        for item in items:
            handle.write(json.dumps(item) + "\n")
    env = {**os.environ, "NEGOTIATION_WATCH_CACHE_DIR": cache,
           "NEGOTIATION_WATCH_CONFIG_DIR": tempfile.mkdtemp(prefix="nw-bench-config-")}
    try:
        with open(handle.name, encoding="utf-8") as source:
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "negotiation_watch", "tag", "--jsonl"],
                                  stdin=source, capture_output=True, text=True, env=env, check=True)
            elapsed = time.perf_counter() - start
    finally:
        Path(handle.name).unlink()
    return elapsed, len(done.stdout.splitlines())


if __name__ == "__main__":
    main()
