"""Ingest benchmark: `negotiation-watch fetch` against newsboat over the same local feeds.

Generates FEEDS RSS feeds of ITEMS items each (templated news items written for this
script), serves them on loopback addresses with ETag/Last-Modified support, and times:
  - a cold `negotiation-watch fetch` into an empty database, then a warm one with nothing
    changed (`fetch --all`, so every feed is asked again and answers 304);
  - `newsboat -x reload` (reload-threads 16) over the same URLs, cold and warm.
  - a second cold `negotiation-watch fetch` into another empty database with story
    grouping left out (store/db/story_rows.group replaced by a no-op for that process
    only), so the cost of stories is measured against the same build in the same run.
Prints wall seconds, items per second, peak memory and the ratios against the targets:
cold ours/newsboat < 1.0 (goal 0.5), warm ours/newsboat <= 0.1, peak memory < 150 MB,
cold with stories / without <= 1.15.

Run: .venv/bin/python bench/ingest.py [--feeds 200] [--items 50] [--hosts 20] [--rounds 1]
newsboat is the reference: `apt-get install newsboat` (Debian) if it is missing.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

from bytecode import compile_project

TARGET_COLD, GOAL_COLD, TARGET_WARM, TARGET_MB, TARGET_STORIES = 1.0, 0.5, 0.1, 150, 1.15
# The CLI with story grouping replaced by a no-op: the reference for what stories cost.
WITHOUT_STORIES = (
    "import sys; from negotiation_watch.store.db import story_rows; "
    "story_rows.group = lambda *args, **kwargs: None; "
    "from negotiation_watch.cli import main; sys.argv[0] = 'negotiation-watch'; main()"
)

PARTIES = [
    "Russia", "Ukraine", "Iran", "Israel", "Hamas", "Qatar", "Egypt", "the United States",
    "France", "Germany", "China", "Turkey", "Saudi Arabia", "the European Union", "NATO",
    "the United Nations", "Armenia", "Azerbaijan", "Serbia", "Kosovo", "Sudan", "Ethiopia",
]
CITIES = ["Geneva", "Vienna", "Doha", "Cairo", "Istanbul", "Minsk", "Brussels", "Oslo", "Muscat", "Riyadh"]
TOPICS = [
    "a prisoner exchange", "a ceasefire along the front line", "the nuclear programme",
    "grain shipments through the Black Sea", "humanitarian corridors", "sanctions relief",
    "the return of displaced families", "border demarcation", "energy transit fees",
    "the release of detained journalists",
]
HEADLINES = [
    "{a} and {b} envoys meet in {city} over {topic}",
    "Talks between {a} and {b} stall on {topic}",
    "{a} signals flexibility on {topic} ahead of {city} round",
    "Mediators in {city} report progress on {topic}",
    "{a} rejects {b} proposal on {topic}",
    "New round of {city} talks opens with {topic} on the agenda",
]
SENTENCES = [
    "Officials from {a} said the delegation had arrived in {city} late on {day} evening.",
    "A spokesperson for {b} told reporters that {topic} remained the main obstacle.",
    "Diplomats familiar with the discussions described the atmosphere as cautious but workmanlike.",
    "The previous round ended without a joint statement, and both sides blamed the other.",
    "Analysts expect any agreement on {topic} to be narrow and to need months of follow-up work.",
    "Hosts in {city} offered to keep the venue available for a further session next week.",
    "{a} has repeatedly said it will not negotiate under pressure, while {b} insists on guarantees.",
    "Observers from several neighbouring states attended the opening session as guests.",
    "Humanitarian groups urged both delegations to agree on {topic} before winter.",
    "The talks are the first direct contact between the two sides since the spring.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def make_item(rng: random.Random, feed: int, item: int, when: datetime) -> str:
    a, b = rng.sample(PARTIES, 2)
    words = {"a": a, "b": b, "city": rng.choice(CITIES), "topic": rng.choice(TOPICS), "day": rng.choice(DAYS)}
    title = rng.choice(HEADLINES).format(**words)
    title = title[0].upper() + title[1:]
    paragraphs = [
        " ".join(s.format(**words) for s in rng.sample(SENTENCES, rng.randint(2, 4)))
        for _ in range(rng.randint(2, 4))
    ]
    html = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        "<item>"
        f"<title>{escape(title)}</title>"
        f"<link>https://news.example/{feed}/{item}</link>"
        f'<guid isPermaLink="false">bench-{feed}-{item}</guid>'
        f"<pubDate>{format_datetime(when)}</pubDate>"
        f"<description>{escape(html)}</description>"
        "</item>"
    )


def make_feed(feed: int, items: int) -> bytes:
    rng = random.Random(feed)
    now = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
    entries = "".join(make_item(rng, feed, i, now - timedelta(minutes=37 * i + feed)) for i in range(items))
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Bench wire {feed}</title><link>https://news.example/{feed}/</link>"
        f"<description>Generated feed {feed}</description>{entries}</channel></rss>"
    ).encode()


class FeedServer:
    """Feeds on several loopback addresses (like feeds on many hosts), honouring
    If-None-Match and If-Modified-Since with 304 as real servers do."""

    def __init__(self, feeds: dict[str, bytes], hosts: int) -> None:
        self.feeds = {path: (body, '"' + hashlib.sha1(body).hexdigest() + '"') for path, body in feeds.items()}
        self.modified = format_datetime(datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc), usegmt=True)
        self.requests = 0
        handler = self._handler()
        first = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = first.server_address[1]
        self.servers = [first] + [ThreadingHTTPServer((f"127.0.0.{h}", self.port), handler) for h in range(2, hosts + 1)]
        for server in self.servers:
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def url(self, index: int, path: str) -> str:
        return f"http://127.0.0.{index % len(self.servers) + 1}:{self.port}{path}"

    def _handler(self):
        bench = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 (http.server's name)
                bench.requests += 1
                found = bench.feeds.get(self.path)
                if not found:
                    self.send_error(404)
                    return
                body, etag = found
                fresh = self.headers.get("If-None-Match") == etag or (
                    self.headers.get("If-Modified-Since") == bench.modified and "If-None-Match" not in self.headers
                )
                self.send_response(304 if fresh else 200)
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", bench.modified)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("Content-Length", "0" if fresh else str(len(body)))
                self.end_headers()
                if not fresh:
                    self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler

    def close(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


@dataclass
class Measured:
    seconds: float  # wall clock
    peak_mb: float  # peak RSS of the command's own process
    tree_mb: float  # peak PSS of its whole process tree (shared pages counted once), sampled
    cpu: float  # user+system seconds of the whole tree, sampled


def timed(command: list[str], env: dict) -> Measured:
    """Run a command and measure it, failing loudly if it fails."""
    out_file, err_file = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # pipes could fill and block it
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=out_file, stderr=err_file)
    tree = _TreeSampler(process.pid)
    _, status, usage = os.wait4(process.pid, 0)  # the one reaper: its rusage is the child's own
    seconds = time.perf_counter() - started
    tree.stop()
    out, err = (_read_back(f) for f in (out_file, err_file))
    returncode = os.waitstatus_to_exitcode(status)
    if returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({returncode}):\n{out}\n{err}")
    if out.strip():
        print("   ", out.strip().splitlines()[-1])
    return Measured(seconds, usage.ru_maxrss / 1024, tree.peak_kb / 1024, tree.cpu_seconds())


def _read_back(file) -> str:
    file.seek(0)
    return file.read().decode(errors="replace")


class _TreeSampler:
    """Samples a process and its descendants: each process's last seen CPU time every
    20 ms (worker processes are not the command's children, so its rusage alone would miss
    them), and every 100 ms the tree's processes and its peak summed PSS. The sampling is
    kept light: it runs beside the measured command on the same cores, and reading PSS
    walks a process's page tables (a scan every 20 ms slowed a multi-process command by
    5-10%, a single-process one less)."""

    def __init__(self, root: int) -> None:
        self.root, self.peak_kb, self.ticks = root, 0, {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        pids: list[int] = []
        for turn in itertools.count():
            if self.done.is_set():
                break
            if turn % 5 == 0:
                pids = _descendants(self.root)
                self.peak_kb = max(self.peak_kb, sum(_pss_kb(pid) for pid in pids))
            for pid in pids:
                self.ticks[pid] = max(self.ticks.get(pid, 0), _cpu_ticks(pid))
            time.sleep(0.02)

    def stop(self) -> None:
        self.done.set()
        self.thread.join()

    def cpu_seconds(self) -> float:
        return sum(self.ticks.values()) / os.sysconf("SC_CLK_TCK")


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime, stime
    except (OSError, IndexError, ValueError):
        return 0


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def ours(work: Path, urls: list[str]) -> dict:
    from negotiation_watch.store.db.feed_rows import add_feed
    from negotiation_watch.store.db.connection import connect
    from negotiation_watch.store.db.queries import stats

    compile_project()

    db_path = work / "ours.db"
    db = connect(db_path)
    for url in urls:
        add_feed(db, url)
    env = {**os.environ, "NEGOTIATION_WATCH_CONFIG_DIR": str(work / "config"), "NEGOTIATION_WATCH_DATA_DIR": str(work)}
    # The interpreter running this script, so the bench measures the installed copy it can import.
    command = [sys.executable, "-m", "negotiation_watch", "--db", str(db_path), "fetch"]
    # The checked taxonomy and the compiled matcher are cached after a first run (the
    # matcher takes seconds to build): time the runs a user makes every day after that.
    subprocess.run([sys.executable, "-m", "negotiation_watch", "tag", "Lavrov"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    print("negotiation-watch fetch, cold:")
    cold = timed(command, env)
    articles = stats(db).articles
    print("negotiation-watch fetch --all, warm (nothing changed):")
    warm = timed(command + ["--all"], env)
    if stats(db).articles != articles:
        sys.exit("the warm fetch stored articles twice")
    stories = db.execute("SELECT count(*) FROM stories").fetchone()[0]
    db.close()
    plain_path = work / "ours-without-stories.db"
    plain_db = connect(plain_path)
    for url in urls:
        add_feed(plain_db, url)
    plain_db.close()
    print("negotiation-watch fetch, cold, story grouping left out:")
    plain = timed([sys.executable, "-c", WITHOUT_STORIES, "--db", str(plain_path), "fetch"], env)
    return {"cold": cold, "warm": warm, "articles": articles, "stories": stories, "plain": plain}


def newsboat(work: Path, urls: list[str]) -> dict | None:
    binary = shutil.which("newsboat")
    if not binary:
        print("newsboat is not installed, so there is no reference run.")
        print("Install it with: sudo apt-get install newsboat   (Debian/Ubuntu)")
        return None
    home = work / "newsboat-home"
    home.mkdir()
    (home / "urls").write_text("\n".join(urls) + "\n")
    (home / "config").write_text("reload-threads 16\n")
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home), "XDG_DATA_HOME": str(home)}
    command = [binary, "-x", "reload", "-u", str(home / "urls"), "-c", str(home / "cache.db"), "-C", str(home / "config")]
    print("newsboat -x reload, cold:")
    cold = timed(command, env)
    print("newsboat -x reload, warm (nothing changed):")
    warm = timed(command, env)
    return {"cold": cold, "warm": warm}


def report(ours_: dict, ref: dict | None, items: int) -> None:
    def line(name: str, run: Measured) -> str:
        return (
            f"  {name:<24}{run.seconds:7.2f} s {items / run.seconds:7.0f} items/s  cpu {run.cpu:6.2f} s  "
            f"peak {run.peak_mb:5.1f} MB (tree PSS {run.tree_mb:5.1f} MB)"
        )

    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"\n{items} items, {ours_['articles']} stored; load average {load} on {os.cpu_count()} cores")
    print(line("negotiation-watch cold", ours_["cold"]))
    print(line("negotiation-watch warm", ours_["warm"]))
    print(line("cold without stories", ours_["plain"]))
    with_stories = ours_["cold"].seconds / ours_["plain"].seconds
    print(f"\ncold with stories / without {with_stories:.2f} ({ours_['stories']} stories from "
          f"{ours_['articles']} articles; target <= {TARGET_STORIES}): {_verdict(with_stories <= TARGET_STORIES)}; "
          f"cpu {ours_['cold'].cpu / ours_['plain'].cpu:.2f}")
    if ref:
        print(line("newsboat cold", ref["cold"]))
        print(line("newsboat warm", ref["warm"]))
        cold = ours_["cold"].seconds / ref["cold"].seconds
        warm = ours_["warm"].seconds / ref["warm"].seconds
        print(f"\ncold ours/newsboat {cold:.2f}  (target < {TARGET_COLD}, goal {GOAL_COLD}): {_verdict(cold < TARGET_COLD)}")
        print(f"warm ours/newsboat {warm:.2f}  (target <= {TARGET_WARM}): {_verdict(warm <= TARGET_WARM)}")
        cpu_cold = ours_["cold"].cpu / ref["cold"].cpu
        print(f"cpu seconds cold ours/newsboat {cpu_cold:.2f} (less sensitive to other load on the machine)")
    peak = max(ours_["cold"].peak_mb, ours_["warm"].peak_mb)
    tree = max(ours_["cold"].tree_mb, ours_["warm"].tree_mb)
    print(
        f"peak memory ours {peak:.0f} MB, with its worker processes {tree:.0f} MB PSS "
        f"(target < {TARGET_MB} MB): {_verdict(peak < TARGET_MB)}"
    )


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--hosts", type=int, default=20, help="loopback addresses to spread the feeds over")
    parser.add_argument(
        "--rounds", type=int, default=1, help="repeat both commands, alternating, and report the median ratios"
    )
    args = parser.parse_args()
    feeds = {f"/feed/{i}.xml": make_feed(i, args.items) for i in range(args.feeds)}
    size = sum(map(len, feeds.values()))
    server = FeedServer(feeds, args.hosts)
    urls = [server.url(i, path) for i, path in enumerate(feeds)]
    print(f"{args.feeds} feeds x {args.items} items, {size / 1e6:.1f} MB of RSS on {args.hosts} loopback addresses")
    try:
        with tempfile.TemporaryDirectory(prefix="nw-bench-") as tmp:
            ratios, story_ratios = [], []
            for round_ in range(1, args.rounds + 1):
                if args.rounds > 1:
                    print(f"\n--- round {round_} of {args.rounds}")
                work = Path(tmp) / f"round-{round_}"
                work.mkdir()
                ours_ = ours(work, urls)
                ref = newsboat(work, urls)
                report(ours_, ref, args.feeds * args.items)
                story_ratios.append(ours_["cold"].seconds / ours_["plain"].seconds)
                if ref:
                    ratios.append((ours_["cold"].seconds / ref["cold"].seconds, ours_["warm"].seconds / ref["warm"].seconds))
            if len(ratios) > 1:
                report_rounds(ratios)
            if len(story_ratios) > 1:
                median = statistics.median(story_ratios)
                print(f"cold with stories / without median {median:.2f}  (rounds "
                      f"{', '.join(f'{r:.2f}' for r in story_ratios)}): {_verdict(median <= TARGET_STORIES)}")
    finally:
        server.close()


def report_rounds(ratios: list[tuple[float, float]]) -> None:
    """Single runs on a shared machine vary by tens of percent: the median of several says more."""
    cold, warm = ([r[i] for r in ratios] for i in (0, 1))
    print(f"\nover {len(ratios)} rounds (each: ours, then newsboat, same feeds):")
    print(f"cold ours/newsboat median {statistics.median(cold):.2f}  (rounds {', '.join(f'{r:.2f}' for r in cold)})"
          f": {_verdict(statistics.median(cold) < TARGET_COLD)}")
    print(f"warm ours/newsboat median {statistics.median(warm):.2f}  (rounds {', '.join(f'{r:.2f}' for r in warm)})"
          f": {_verdict(statistics.median(warm) <= TARGET_WARM)}")


if __name__ == "__main__":
    main()
