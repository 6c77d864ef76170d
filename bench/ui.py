"""Dashboard benchmark on 100,000 articles: startup, key-to-screen latency, memory, query plans.

What is measured, exactly:
  - "launch -> first full dashboard", for the first run ever and for later launches (pins
    saved, names cached): wall time from starting a fresh Python process
    (subprocess.Popen in this script) until the app composes the first frame in which the
    sidebar has its counts, names and sparklines and every pane holds its first page. The
    app runs under Textual's headless driver (run_test, 120x40); the frame is turned into
    terminal output text, only the write to a real terminal is missing.
  - key -> screen: from posting a key event to the first composed frame that shows the
    result (pane focused, article loaded, search results in), in the same process; also
    the CPU time the process (all its threads) spent meanwhile, which other programs
    competing for the cores do not inflate.
  - peak memory: the child's maximum resident set size (getrusage) after all of the above.
  - store queries: time and EXPLAIN QUERY PLAN of each read the dashboard makes.
  - the who-talks-to-whom screen (w): key -> both matrices drawn, 30 days of interactions
    read and counted (target < 300 ms at 100k articles), and back.

  - cold and warm: a cold launch first evicts the database file from the page cache
    (posix_fadvise DONTNEED), as after a reboot or a day of other work; warm launches find
    it cached. Store reads are timed both ways too.

Run: .venv/bin/python bench/ui.py [--articles 100000] [--rounds 20] [--out DIR]
With --articles above 100,000 the 100,000-article figures are measured in the same run
and printed beside them. Each database is generated once into bench/out/ (or DIR: a
million articles take 1.7 GB; bench/ui_data.py) and reused; the rarest party is then
given old stories of its own, a frequent tag whose news is all old.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bytecode import compile_project

HERE = Path(__file__).resolve().parent
TARGET_STARTUP, TARGET_MEDIAN_MS, TARGET_WORST_MS, TARGET_MB = 1.0, 50, 150, 250
TARGET_MATRIX_MS = 300  # the who-talks-to-whom screen, from w to both matrices drawn
MATRIX_KEYS = ("open who talks to whom (w)", "back from the matrix (escape)")
SEARCHES = ["ceasefire", "envoys summit", "Story 4242", "corridor monitors", "sanctions", "framework round",
            "prisoners", "guarantees", "mediators proposal", "Story 77"]


# --------------------------------------------------------------------------- parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20, help="repetitions of each key measurement")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="where the generated databases are kept")
    parser.add_argument("--child", metavar="DB", help=argparse.SUPPRESS)
    parser.add_argument("--watch", type=float, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        asyncio.run(child(Path(args.child), args.rounds, args.watch))
        return
    sizes = [REFERENCE_ARTICLES, args.articles] if args.articles > REFERENCE_ARTICLES else [args.articles]
    compile_project()
    figures = {}
    for articles in sizes:
        print(f"\n================ {articles:,} articles")
        figures[articles] = measure(articles, args.rounds, args.out)
    if len(sizes) > 1:
        side_by_side(figures)


REFERENCE_ARTICLES = 100_000


def measure(articles: int, rounds: int, out: Path) -> dict:
    """Everything for one database size; returns the headline figures."""
    sys.path.insert(0, str(HERE))
    import ui_data

    db_path = out / f"ui-{articles}-v{ui_data.VERSION}.db"
    ensure_database(db_path, articles)
    ui_data.add_old_frequent_tag(db_path)
    figures = query_report(db_path)
    with tempfile.TemporaryDirectory() as home:
        # the first launch ever: no pins saved (defaults come from the counts), no names cached
        first, _ = run_child(db_path, rounds, Path(home), keys=False)
        # later launches: the pins the first run saved, names from the cache
        startups, results = [], None
        for _ in range(3):
            seconds, results = run_child(db_path, rounds, Path(home), keys=_ == 2)
            startups.append(seconds)
        colds = []
        for _ in range(3):
            evict(db_path)
            colds.append(run_child(db_path, 0, Path(home), keys=False)[0])
        report(first, startups, colds, results)
        following = cpu_while_another_process_commits(db_path, Path(home))
    if articles == REFERENCE_ARTICLES:
        keys_during_retag(db_path, rounds)
    every = [sample for samples in results["keys"].values() for sample in samples]
    return {**figures, "first launch (s)": first, "later launch, warm, median (s)": statistics.median(startups),
            "launch, cold, median (s)": statistics.median(colds),
            "keys median (ms)": statistics.median(every), "keys worst (ms)": max(every),
            "peak memory (MB)": results["peak_mb"], "CPU while another process commits (%)": following * 100,
            "file (MB)": db_path.stat().st_size / 1e6,
            "bytes per article": db_path.stat().st_size / articles}


WRITER = """
import sys, time
from negotiation_watch.store.db import connection, writes
db = connection.connect(sys.argv[1])
article = db.execute("SELECT max(id) FROM articles").fetchone()[0]
for n in range(int(sys.argv[2])):
    writes.set_read(db, article, n % 2 == 0)  # one small commit, as a fetch of an unchanged feed
    time.sleep(2)
"""
FOLLOW_SECONDS = 20
TARGET_FOLLOWING_CPU = 0.05


def cpu_while_another_process_commits(db_path: Path, home: Path) -> float:
    """The share of a core the dashboard spends following the file while another process
    commits every 2 s (a read mark toggled back and forth, so the file ends as it was)."""
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db_path), str(FOLLOW_SECONDS // 2 + 4)])
    try:
        _, results = run_child(db_path, 0, home, keys=False, watch=FOLLOW_SECONDS)
    finally:
        writer.terminate()
        writer.wait()
    share = results["following_cpu"]
    print(f"\nCPU of the dashboard while another process commits every 2 s: {share:.1%} of a core "
          f"(target <= {TARGET_FOLLOWING_CPU:.0%}) {_verdict(share <= TARGET_FOLLOWING_CPU)}")
    return share


def keys_during_retag(db_path: Path, rounds: int) -> None:
    """Key latencies while a re-tag runs as the dashboard runs it (store/pipeline/retag.py,
    a process of its own), on a copy whose tags claim an older taxonomy."""
    import shutil

    from negotiation_watch.store.db import connection, ingest
    from negotiation_watch.store.pipeline import retag

    with tempfile.TemporaryDirectory() as home:
        copy = Path(home) / "retag.db"
        shutil.copy(db_path, copy)
        db = connection.connect(copy)
        connection.set_meta(db, ingest.TAXONOMY_VERSION_KEY, "an-older-taxonomy")
        db.close()
        retag_process = retag.start_process(copy, os.getpid())
        try:
            time.sleep(2)  # under way
            _, results = run_child(copy, rounds, Path(home), keys=True)
        finally:
            retag_process.terminate()
            retag_process.join()
    print("\nkey -> screen during a re-tag (the dashboard's re-tag process on the same file), ms:")
    for name, samples in results["keys"].items():
        print(f"  {name:34s} median {statistics.median(samples):6.1f}   worst {max(samples):6.1f}")


def evict(db_path: Path) -> None:
    """Drop the database (and its WAL) from the page cache, so the next reader goes to disk."""
    for path in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        if path.exists():
            with open(path, "rb") as file:
                os.posix_fadvise(file.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


def side_by_side(figures: dict[int, dict]) -> None:
    sizes = sorted(figures)
    print("\n================ side by side (same run)")
    print(f"  {'':44s}" + "".join(f"{size:>14,}" for size in sizes))
    for name in figures[sizes[0]]:
        print(f"  {name:44s}" + "".join(f"{figures[size][name]:14.2f}" for size in sizes))


def ensure_database(db_path: Path, articles: int) -> None:
    if db_path.exists():
        return
    import ui_data

    db_path.parent.mkdir(parents=True, exist_ok=True)
    partial = db_path.with_suffix(".partial")
    for leftover in db_path.parent.glob(partial.name + "*"):
        leftover.unlink()
    started = time.perf_counter()
    ui_data.build(partial, articles)
    os.replace(partial, db_path)
    print(f"generated {articles:,} articles in {time.perf_counter() - started:.1f} s -> {db_path}")
    from negotiation_watch.store.db import connection

    db = connection.connect(db_path)
    stories, biggest = db.execute("SELECT count(*), max(articles) FROM stories").fetchone()
    db.close()
    print(f"  in {stories:,} stories (the biggest of {biggest} articles)")


def query_report(db_path: Path) -> dict:
    """Time each read the dashboard makes, warm (best of 3) and cold (file evicted first,
    a new connection), and show SQLite's plan for every statement they run."""
    from negotiation_watch.store.db import connection, queries
    from negotiation_watch.store import times

    import ui_data

    db = connection.connect(db_path)
    counts = queries.tag_counts(db)
    common, rare = counts[0], counts[-1]
    old = next(c for c in counts if c.tag_id == connection.get_meta(db, ui_data.OLD_TAG_KEY))
    newest = queries.latest_stories(db, limit=1)[0]
    end = times.from_iso(newest.published).date()
    page = queries.latest_stories(db, common.kind, common.tag_id, limit=60)
    old_page = queries.latest_stories(db, old.kind, old.tag_id, limit=60)
    outlets_page = queries.latest_stories(db, common.kind, common.tag_id, limit=60, order="outlets")
    found = queries.search_stories(db, "ceasefire", common.kind, common.tag_id, limit=60)
    biggest = db.execute("SELECT id FROM stories ORDER BY articles DESC LIMIT 1").fetchone()[0]
    calls = [
        ("tag_counts", lambda db: queries.tag_counts(db)),
        ("stats", lambda db: queries.stats(db)),
        ("latest_stories (all)", lambda db: queries.latest_stories(db, limit=60)),
        (f"latest_stories {common.tag_id} ({common.stories:,} stories)",
         lambda db: queries.latest_stories(db, common.kind, common.tag_id, limit=60)),
        (f"latest_stories {common.tag_id}, next page",
         lambda db: queries.latest_stories(db, common.kind, common.tag_id, limit=60,
                                           before=(page[-1].published, page[-1].id))),
        (f"latest_stories {rare.tag_id} ({rare.stories:,} stories)",
         lambda db: queries.latest_stories(db, rare.kind, rare.tag_id, limit=60)),
        (f"latest_stories {old.tag_id} ({old.stories:,} stories, all old)",
         lambda db: queries.latest_stories(db, old.kind, old.tag_id, limit=60)),
        (f"latest_stories {old.tag_id}, next page",
         lambda db: queries.latest_stories(db, old.kind, old.tag_id, limit=60,
                                           before=queries.page_key(old_page[-1]))),
        ("latest_stories (all), most outlets", lambda db: queries.latest_stories(db, limit=60, order="outlets")),
        (f"latest_stories {common.tag_id}, most outlets",
         lambda db: queries.latest_stories(db, common.kind, common.tag_id, limit=60, order="outlets")),
        (f"latest_stories {common.tag_id}, most outlets, next page",
         lambda db: queries.latest_stories(db, common.kind, common.tag_id, limit=60, order="outlets",
                                           before=queries.page_key(outlets_page[-1], "outlets"))),
        (f"latest_stories {rare.tag_id}, most outlets",
         lambda db: queries.latest_stories(db, rare.kind, rare.tag_id, limit=60, order="outlets")),
        ("daily_counts_all (30 days)", lambda db: queries.daily_counts_all(db, end=end)),
        ("search_stories 'ceasefire'", lambda db: queries.search_stories(db, "ceasefire", limit=60)),
        ("search_stories 's' (one letter)", lambda db: queries.search_stories(db, "s")),
        (f"search_stories 'ceasefire' in {common.tag_id}",
         lambda db: queries.search_stories(db, "ceasefire", common.kind, common.tag_id, limit=60)),
        (f"search_stories 'ceasefire' in {common.tag_id}, next page",
         lambda db: queries.search_stories(db, "ceasefire", common.kind, common.tag_id, limit=60, after=found.after)),
        (f"search_stories 'ceasefire' in {common.tag_id}, most outlets",
         lambda db: queries.search_stories(db, "ceasefire", common.kind, common.tag_id, limit=60, order="outlets")),
        (f"search_stories 'ceasefire' in {rare.tag_id}",
         lambda db: queries.search_stories(db, "ceasefire", rare.kind, rare.tag_id, limit=60)),
        (f"search_stories 'ceasefire' in {old.tag_id}",
         lambda db: queries.search_stories(db, "ceasefire", old.kind, old.tag_id, limit=60)),
        ("get_story (the biggest)", lambda db: queries.get_story(db, biggest)),
        ("get_article", lambda db: queries.get_article(db, page[0].lead_id)),
        ("interaction_counts (30 days)", lambda db: queries.interaction_counts(db, end=end)),
        ("party_matrix + party_track_matrix (30 days, counted)",
         lambda db: _matrices(queries.interaction_counts(db, end=end))),
        ("interaction_counts (365 days)", lambda db: queries.interaction_counts(db, days=365, end=end)),
    ]
    print("\nstore reads on the benchmark database (warm: best of 3; cold: file evicted, new connection):")
    figures = {}
    for name, call in calls:
        warm = min(_timed(lambda: call(db)) for _ in range(3))
        evict(db_path)
        cold_db = connection.connect(db_path)
        cold = _timed(lambda: call(cold_db))
        cold_db.close()
        print(f"  warm {warm * 1000:8.1f} ms   cold {cold * 1000:8.1f} ms   {name}")
        if name == "stats":
            figures["stats warm (ms)"], figures["stats cold (ms)"] = warm * 1000, cold * 1000
        if name == f"search_stories 'ceasefire' in {common.tag_id}":
            figures["filtered search warm (ms)"] = warm * 1000
        if name == f"search_stories 'ceasefire' in {common.tag_id}, next page":
            figures["filtered search, next page warm (ms)"] = warm * 1000
        if name == "search_stories 'ceasefire'":
            figures["plain search warm (ms)"] = warm * 1000
        if name == f"latest_stories {old.tag_id} ({old.stories:,} stories, all old)":
            figures["pane of an old frequent tag warm (ms)"] = warm * 1000
    print("\nquery plans of every statement above:")
    traced = []
    db.set_trace_callback(traced.append)
    for _, call in calls:
        call(db)
    db.set_trace_callback(None)
    for sql in dict.fromkeys(s for s in traced if s.lstrip().upper().startswith("SELECT")):
        print("  " + " ".join(sql.split())[:150])
        for row in db.execute("EXPLAIN QUERY PLAN " + sql):
            print("      " + row[-1])
    db.close()
    return figures


def _matrices(counts) -> None:
    from negotiation_watch.store.db import queries

    queries.party_matrix(counts)
    queries.party_track_matrix(counts)


def _timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def run_child(db_path: Path, rounds: int, home: Path, *, keys: bool, watch: float = 0) -> tuple[float, dict | None]:
    """One launch with its config and cache under `home`; `keys`: also measure key presses;
    `watch`: also the CPU the dashboard spends following the database for that many seconds."""
    env = {**os.environ, "NEGOTIATION_WATCH_CONFIG_DIR": str(home / "config"), "XDG_CACHE_HOME": str(home / "cache")}
    started = time.perf_counter()
    child_process = subprocess.Popen(
        [sys.executable, __file__, "--child", str(db_path), "--rounds", str(rounds if keys else 0),
         "--watch", str(watch)],
        stdout=subprocess.PIPE, text=True, env=env,
    )
    ready_line = child_process.stdout.readline()
    startup = time.perf_counter() - started
    if ready_line.strip() != "ready":
        raise SystemExit(f"the dashboard did not come up: {ready_line!r}")
    results = json.loads(child_process.stdout.readline())
    child_process.wait(timeout=60)
    return startup, results if keys or watch else None


def report(first: float, startups: list[float], colds: list[float], results: dict) -> None:
    print(f"\nlaunch -> first full dashboard, first run ever (default pins from the counts, "
          f"names read from the taxonomy): {first:.2f} s")
    print(f"launch -> first full dashboard, cold (file evicted from the page cache): "
          f"{', '.join(f'{s:.2f}' for s in colds)} s; median {statistics.median(colds):.2f} s "
          f"(target < {TARGET_STARTUP} s) {_verdict(statistics.median(colds) < TARGET_STARTUP)}")
    print(f"launch -> first full dashboard, later launches: "
          f"{', '.join(f'{s:.2f}' for s in startups)} s; median {statistics.median(startups):.2f} s "
          f"(target < {TARGET_STARTUP} s) {_verdict(statistics.median(startups) < TARGET_STARTUP)}")
    print(f"\nkey -> screen, ms (last launch; target median < {TARGET_MEDIAN_MS}, worst < {TARGET_WORST_MS}):")
    every = []
    for name, samples in results["keys"].items():
        if name not in MATRIX_KEYS:  # the matrix has its own target
            every += samples
        cpu = results["cpu"][name]
        print(f"  {name:34s} median {statistics.median(samples):6.1f}   worst {max(samples):6.1f}   "
              f"(CPU of the process: median {statistics.median(cpu):5.1f}, worst {max(cpu):5.1f})   n={len(samples)}")
    matrix = results["keys"].get("open who talks to whom (w)")
    if matrix:
        print(f"  who talks to whom opens in median {statistics.median(matrix):.0f} ms, worst {max(matrix):.0f} ms "
              f"(target < {TARGET_MATRIX_MS} ms) {_verdict(max(matrix) < TARGET_MATRIX_MS)}")
    median, worst = statistics.median(every), max(every)
    print(f"  {'all keys':34s} median {median:6.1f}   worst {worst:6.1f}   "
          f"{_verdict(median < TARGET_MEDIAN_MS and worst < TARGET_WORST_MS)}")
    print(f"\npeak memory of the dashboard process: {results['peak_mb']:.0f} MB (target < {TARGET_MB} MB) "
          f"{_verdict(results['peak_mb'] < TARGET_MB)}")


def _verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


# --------------------------------------------------------------------------- child


async def child(db_path: Path, rounds: int, watch: float = 0) -> None:
    import resource

    from textual import events

    import negotiation_watch.cli  # noqa: F401  (the console script's import path, to count its cost)
    from negotiation_watch.store.db import connection, queries
    from negotiation_watch.store import times
    from negotiation_watch.tui.app import NegotiationWatchApp
    from negotiation_watch.tui.names import display_name
    from negotiation_watch.tui.screens.article import ArticleScreen
    from negotiation_watch.tui.screens.dashboard import DashboardScreen
    from negotiation_watch.tui.screens.matrix import MatrixScreen
    from negotiation_watch.tui.screens.search import SearchScreen
    from negotiation_watch.tui.screens.story import StoryScreen
    from negotiation_watch.tui.widgets.article_list import ArticleList

    # the sparklines end on the newest article's day, as in the demo (the data is not today's)
    db = connection.connect(db_path)
    today = times.from_iso(queries.latest_stories(db, limit=1)[0].published).date()
    db.close()
    app = NegotiationWatchApp(db_path, today=today, live=False)
    frames = FrameWatch(app)

    def dashboard() -> DashboardScreen:
        return app.screen_stack[0]

    def dashboard_full() -> bool:
        screen = app.screen_stack[0] if app.screen_stack else None
        return (
            isinstance(screen, DashboardScreen) and screen.counts is not None and bool(screen.daily)
            and len(screen.panes) >= 4 and all(pane.loaded for pane in screen.panes)
            and display_name("party", "RUS") != "RUS"
        )

    frames.expect(dashboard_full)
    async with app.run_test(size=(120, 40)) as pilot:
        await frames.wait()
        print("ready", flush=True)
        keys: dict[str, list[float]] = {"pane switch (1-6, tab)": [], "cursor down (j)": [],
                                        "open story or article (enter)": [], "back (escape)": [],
                                        "open search (/)": [], "search (enter)": [],
                                        "open who talks to whom (w)": [], "back from the matrix (escape)": []}
        cpu: dict[str, list[float]] = {name: [] for name in keys}

        async def measure(name: str, key: str, condition) -> None:
            frames.expect(condition)
            started, cpu_started = time.perf_counter(), time.process_time()
            app._driver.send_message(events.Key(key, key if len(key) == 1 else None))
            keys[name].append((await frames.wait(name) - started) * 1000)
            cpu[name].append((frames.seen_cpu - cpu_started) * 1000)

        if rounds:
            await pilot.pause(0.5)  # let the first pane take focus
        for n in range(rounds):
            panes = dashboard().panes
            current = panes.index(app.focused) if app.focused in panes else -1
            target = panes[(current + 1) % len(panes)]
            # alternate tab and the number keys; tab from the last pane would reach the sidebar
            key = "tab" if n % 2 and 0 <= current < len(panes) - 1 else str(panes.index(target) + 1)
            await measure("pane switch (1-6, tab)", key, lambda t=target: app.focused is t)
            pane = app.focused
            before = pane.cursor
            await measure("cursor down (j)", "j", lambda p=pane, b=before: p.cursor == b + 1)
            # a story of several articles opens the story screen, a lone article the article
            await measure("open story or article (enter)", "enter",
                          lambda: isinstance(app.screen, ArticleScreen) and app.screen.article is not None
                          or isinstance(app.screen, StoryScreen) and app.screen.story is not None)
            await measure("back (escape)", "escape", lambda: isinstance(app.screen, DashboardScreen))
            await measure("open search (/)", "slash", lambda: isinstance(app.screen, SearchScreen))
            words = SEARCHES[n % len(SEARCHES)]
            query = app.screen.query_one("#query")
            with app.screen.prevent(type(query).Changed):  # typed at once: no search-as-you-type
                query.value = words
            await pilot.pause()
            results = app.screen.query_one("#results", ArticleList)
            await measure("search (enter)", "enter",
                          lambda r=results, w=words: r.source.query == w and r.loaded and bool(r.rows))
            await pilot.press("escape")
            await pilot.pause()
            await measure("open who talks to whom (w)", "w", lambda: _matrices_drawn(app, MatrixScreen))
            await measure("back from the matrix (escape)", "escape", lambda: isinstance(app.screen, DashboardScreen))
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        following = None
        if watch:
            app.watch_database()  # as a live dashboard does (the bench's app is not live)
            cpu_started = time.process_time()
            await asyncio.sleep(watch)
            following = (time.process_time() - cpu_started) / watch
        print(json.dumps({"keys": keys, "cpu": cpu, "peak_mb": peak_mb, "following_cpu": following}), flush=True)
        app.exit()


def _matrices_drawn(app, screen_class) -> bool:
    """The matrix screen is up with both of its matrices counted and shown."""
    screen = app.screen
    if not isinstance(screen, screen_class) or screen.counts is None:
        return False
    return all(grid.matrix.rows for grid in screen.query("MatrixGrid"))


class FrameWatch:
    """Timestamps the first composed frame in which `condition()` holds.

    Wraps App._display, which receives every composed screen update; under the headless
    driver it would skip making terminal output, so this does that work too (and drops it).
    """

    def __init__(self, app) -> None:
        self.app = app
        self.condition = None
        self.seen: float | None = None
        self.seen_cpu = 0.0
        self.shown = asyncio.Event()
        display = app._display

        def watched(screen, renderable) -> None:
            display(screen, renderable)
            if renderable is None:
                return
            if hasattr(renderable, "render_segments"):
                renderable.render_segments(app.console)
            if self.condition is not None and self.seen is None and self.condition():
                self.seen, self.seen_cpu = time.perf_counter(), time.process_time()
                self.shown.set()

        app._display = watched

    def expect(self, condition) -> None:
        self.condition, self.seen = condition, None
        self.shown.clear()

    async def wait(self, what: str = "the first dashboard", timeout: float = 10.0) -> float:
        # woken by the frame itself: a polling loop here kept the event loop busy and
        # slowed the app's worker threads, which a person's idle terminal does not
        try:
            await asyncio.wait_for(self.shown.wait(), timeout)
        except TimeoutError:
            raise SystemExit(f"timed out waiting for the screen to show {what}") from None
        return self.seen


if __name__ == "__main__":
    main()
