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

Run: .venv/bin/python bench/ui.py [--articles 100000] [--rounds 20]
The database is generated once into bench/out/ (bench/ui_data.py) and reused.
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
SEARCHES = ["ceasefire", "envoys summit", "Story 4242", "corridor monitors", "sanctions", "framework round",
            "prisoners", "guarantees", "mediators proposal", "Story 77"]


# --------------------------------------------------------------------------- parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20, help="repetitions of each key measurement")
    parser.add_argument("--child", metavar="DB", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        asyncio.run(child(Path(args.child), args.rounds))
        return
    sys.path.insert(0, str(HERE))
    import ui_data

    db_path = HERE / "out" / f"ui-{args.articles}-v{ui_data.VERSION}.db"
    ensure_database(db_path, args.articles)
    query_report(db_path)
    compile_project()
    with tempfile.TemporaryDirectory() as home:
        # the first launch ever: no pins saved (defaults come from the counts), no names cached
        first, _ = run_child(db_path, args.rounds, Path(home), keys=False)
        # later launches: the pins the first run saved, names from the cache
        startups, results = [], None
        for _ in range(3):
            seconds, results = run_child(db_path, args.rounds, Path(home), keys=_ == 2)
            startups.append(seconds)
    report(first, startups, results)


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


def query_report(db_path: Path) -> None:
    """Time each read the dashboard makes, and show SQLite's plan for it."""
    from negotiation_watch.store.db import connection, queries
    from negotiation_watch.store import times

    db = connection.connect(db_path)
    counts = queries.tag_counts(db)
    common, rare = counts[0], counts[-1]
    newest = queries.latest_stories(db, limit=1)[0]
    end = times.from_iso(newest.published).date()
    page = queries.latest_stories(db, common.kind, common.tag_id, limit=60)
    biggest = db.execute("SELECT id FROM stories ORDER BY articles DESC LIMIT 1").fetchone()[0]
    calls = [
        ("tag_counts", lambda: queries.tag_counts(db)),
        ("stats", lambda: queries.stats(db)),
        (f"latest_stories {common.tag_id} ({common.stories:,} stories)",
         lambda: queries.latest_stories(db, common.kind, common.tag_id, limit=60)),
        (f"latest_stories {common.tag_id}, next page",
         lambda: queries.latest_stories(db, common.kind, common.tag_id, limit=60,
                                        before=(page[-1].published, page[-1].id))),
        (f"latest_stories {rare.tag_id} ({rare.stories:,} stories)",
         lambda: queries.latest_stories(db, rare.kind, rare.tag_id, limit=60)),
        ("daily_counts_all (30 days)", lambda: queries.daily_counts_all(db, end=end)),
        ("search_stories 'ceasefire'", lambda: queries.search_stories(db, "ceasefire")),
        (f"search_stories 'ceasefire' in {common.tag_id}",
         lambda: queries.search_stories(db, "ceasefire", common.kind, common.tag_id)),
        ("get_story (the biggest)", lambda: queries.get_story(db, biggest)),
        ("get_article", lambda: queries.get_article(db, page[0].lead_id)),
    ]
    print("\nstore reads on the benchmark database (best of 3):")
    for name, call in calls:
        best = min(_timed(call) for _ in range(3))
        print(f"  {best * 1000:8.1f} ms  {name}")
    print("\nquery plans (every pane and sidebar read uses an index):")
    traced = []
    db.set_trace_callback(traced.append)
    queries.tag_counts(db)
    queries.latest_stories(db, common.kind, common.tag_id, limit=60, before=(page[-1].published, page[-1].id))
    queries.latest_stories(db, rare.kind, rare.tag_id, limit=60)
    queries.daily_counts_all(db, end=end)
    queries.search_stories(db, "ceasefire", common.kind, common.tag_id)
    db.set_trace_callback(None)
    for sql in dict.fromkeys(s for s in traced if s.lstrip().upper().startswith("SELECT")):
        print("  " + " ".join(sql.split())[:150])
        for row in db.execute("EXPLAIN QUERY PLAN " + sql):
            print("      " + row[-1])
    db.close()


def _timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def run_child(db_path: Path, rounds: int, home: Path, *, keys: bool) -> tuple[float, dict | None]:
    """One launch with its config and cache under `home`; `keys`: also measure key presses."""
    env = {**os.environ, "NEGOTIATION_WATCH_CONFIG_DIR": str(home / "config"), "XDG_CACHE_HOME": str(home / "cache")}
    started = time.perf_counter()
    child_process = subprocess.Popen(
        [sys.executable, __file__, "--child", str(db_path), "--rounds", str(rounds if keys else 0)],
        stdout=subprocess.PIPE, text=True, env=env,
    )
    ready_line = child_process.stdout.readline()
    startup = time.perf_counter() - started
    if ready_line.strip() != "ready":
        raise SystemExit(f"the dashboard did not come up: {ready_line!r}")
    results = json.loads(child_process.stdout.readline())
    child_process.wait(timeout=60)
    return startup, results if keys else None


def report(first: float, startups: list[float], results: dict) -> None:
    print(f"\nlaunch -> first full dashboard, first run ever (default pins from the counts, "
          f"names read from the taxonomy): {first:.2f} s")
    print(f"launch -> first full dashboard, later launches: "
          f"{', '.join(f'{s:.2f}' for s in startups)} s; median {statistics.median(startups):.2f} s "
          f"(target < {TARGET_STARTUP} s) {_verdict(statistics.median(startups) < TARGET_STARTUP)}")
    print(f"\nkey -> screen, ms (last launch; target median < {TARGET_MEDIAN_MS}, worst < {TARGET_WORST_MS}):")
    every = []
    for name, samples in results["keys"].items():
        every += samples
        cpu = results["cpu"][name]
        print(f"  {name:34s} median {statistics.median(samples):6.1f}   worst {max(samples):6.1f}   "
              f"(CPU of the process: median {statistics.median(cpu):5.1f}, worst {max(cpu):5.1f})   n={len(samples)}")
    median, worst = statistics.median(every), max(every)
    print(f"  {'all keys':34s} median {median:6.1f}   worst {worst:6.1f}   "
          f"{_verdict(median < TARGET_MEDIAN_MS and worst < TARGET_WORST_MS)}")
    print(f"\npeak memory of the dashboard process: {results['peak_mb']:.0f} MB (target < {TARGET_MB} MB) "
          f"{_verdict(results['peak_mb'] < TARGET_MB)}")


def _verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


# --------------------------------------------------------------------------- child


async def child(db_path: Path, rounds: int) -> None:
    import resource

    from textual import events

    import negotiation_watch.cli  # noqa: F401  (the console script's import path, to count its cost)
    from negotiation_watch.store.db import connection, queries
    from negotiation_watch.store import times
    from negotiation_watch.tui.app import NegotiationWatchApp
    from negotiation_watch.tui.names import display_name
    from negotiation_watch.tui.screens.article import ArticleScreen
    from negotiation_watch.tui.screens.dashboard import DashboardScreen
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
                                        "open search (/)": [], "search (enter)": []}
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
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"keys": keys, "cpu": cpu, "peak_mb": peak_mb}), flush=True)
        app.exit()


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
        display = app._display

        def watched(screen, renderable) -> None:
            display(screen, renderable)
            if renderable is None:
                return
            if hasattr(renderable, "render_segments"):
                renderable.render_segments(app.console)
            if self.condition is not None and self.seen is None and self.condition():
                self.seen, self.seen_cpu = time.perf_counter(), time.process_time()

        app._display = watched

    def expect(self, condition) -> None:
        self.condition, self.seen = condition, None

    async def wait(self, what: str = "the first dashboard", timeout: float = 10.0) -> float:
        deadline = time.perf_counter() + timeout
        while self.seen is None:
            if time.perf_counter() > deadline:
                raise SystemExit(f"timed out waiting for the screen to show {what}")
            await asyncio.sleep(0.0005)
        return self.seen


if __name__ == "__main__":
    main()
