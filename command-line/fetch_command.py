"""`negotiation-watch fetch`: fetch due feeds once, or every DURATION until Ctrl-C."""

from __future__ import annotations

import asyncio
import signal
import threading

import click

from negotiation_watch.cli import db_option, pass_context, plural
from negotiation_watch.live_line import LiveLine

INTERRUPTED = 130  # what a shell reports for a command stopped by Ctrl-C (128 + SIGINT)


@click.command()
@click.option("--every", "every", metavar="DURATION", help="Keep fetching, waking at least this often (15m, 1h, 90s).")
@click.option(
    "--concurrency", type=click.IntRange(1, 256), default=None, help="Feeds fetched at once (default: settings, 16)."
)
@click.option("--all", "fetch_all", is_flag=True, help="Fetch every unpaused feed now, due or not.")
@db_option
@pass_context
def fetch(ctx, every: str | None, concurrency: int | None, fetch_all: bool) -> None:
    """Fetch due feeds and store new articles, tagged."""
    from negotiation_watch.store.config import load_settings, parse_duration
    from negotiation_watch.store.db.connection import StoreError
    from negotiation_watch.store.fetch.fetcher import FetchLimits

    settings = load_settings()
    for problem in settings.problems:
        click.echo(f"warning: {problem}", err=True)
    interval = settings.fetch_interval_seconds
    if every is not None:
        try:
            interval = parse_duration(every)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--every") from None
    limits = FetchLimits(concurrency=concurrency or settings.concurrency, interval=interval)
    alerts = settings.alerts
    if alerts:
        _warn_about_alerts(alerts)
    ctx.open_db(write=True).close()  # a clear message for a bad file; a new default database gets its feeds
    progress = _Progress()
    try:
        with CtrlC() as ctrl_c:
            if every is None:
                _fetch_once(ctx.db_path, limits, fetch_all, progress, alerts, ctrl_c)
            else:
                _fetch_forever(ctx.db_path, limits, fetch_all, interval, progress, alerts, ctrl_c)
    except StoreError as exc:  # the file went bad during the run
        raise click.ClickException(str(exc)) from exc
    except KeyboardInterrupt:
        # --every ends this way by design; a single fetch cut short says so in its status
        progress.clear()
        kept = f"{plural(progress.total_done, 'feed')} fetched, {plural(progress.total_new, 'new article')} stored"
        if every is not None:
            click.echo(f"stopped: {kept}", err=True)
            return
        click.echo(f"interrupted: kept {kept}; feeds cut short are fetched again next time", err=True)
        raise SystemExit(INTERRUPTED) from None


def _warn_about_alerts(alerts) -> None:
    """Alerts that name an id no taxonomy entry has would never fire: say so up front."""
    from negotiation_watch.store.pipeline.alerts import unknown_ids
    from negotiation_watch.tui.names import load_names, names_of

    load_names()
    for problem in unknown_ids(alerts, names_of):
        click.echo(f"warning: {problem}", err=True)


def _fetch_once(db_path, limits, fetch_all: bool, progress: _Progress, alerts, ctrl_c: CtrlC) -> None:
    from negotiation_watch.store.pipeline.run import run_fetch

    progress.start_run()
    summary = ctrl_c.run(
        run_fetch(
            db_path,
            limits=limits,
            force=fetch_all,
            on_feed_done=progress.feed_done,
            on_retag_progress=progress.retagged,
            alerts=alerts,
            on_alert=progress.alerted,
        )
    )
    progress.clear()
    for problem in summary.taxonomy_problems:
        click.echo(f"warning: taxonomy: {problem}", err=True)
    if summary.retag_note:
        click.echo(f"note: {summary.retag_note}", err=True)
    for problem in summary.alert_problems:
        click.echo(f"warning: alerts: {problem}", err=True)
    click.echo(
        f"{plural(summary.feeds_ok, 'feed')} ok, {summary.feeds_failed} failed, "
        f"{plural(summary.new_articles, 'new article')}, {summary.updated} updated in {summary.seconds:.1f} s"
    )
    if summary.feeds_ok + summary.feeds_failed == 0:
        click.echo(_why_nothing(db_path), err=True)


def _why_nothing(db_path) -> str:
    from negotiation_watch.store.db.connection import connect
    from negotiation_watch.store.db.queries import stats

    db = connect(db_path)
    try:
        figures = stats(db)
    finally:
        db.close()
    if figures.feeds == 0:
        return "no feeds yet: add some with `negotiation-watch feeds add URL`"
    if figures.feeds == figures.feeds_paused:
        return "every feed is paused"
    return "no feed is due yet (--all fetches them anyway)"


def _fetch_forever(db_path, limits, fetch_all: bool, interval: int, progress: _Progress, alerts, ctrl_c: CtrlC) -> None:
    """Fetch, sleep until the next feed is due (at most `interval`), repeat; Ctrl-C stops
    it cleanly between or during runs (a feed being stored is committed or not at all)."""
    from negotiation_watch.store.db.connection import connect
    from negotiation_watch.store.db.feed_rows import next_due_time
    from negotiation_watch.store.times import utc_now

    while True:
        _fetch_once(db_path, limits, fetch_all, progress, alerts, ctrl_c)
        db = connect(db_path)
        try:
            due = next_due_time(db)
        finally:
            db.close()
        wait = interval if due is None else (due - utc_now()).total_seconds()
        wait = min(max(wait, 1.0), interval)
        click.echo(f"next fetch in {wait:.0f} s (Ctrl-C to stop)", err=True)
        ctrl_c.sleep(wait)


class CtrlC:
    """Ctrl-C for the whole command, kept as a flag until the command has stopped. With
    asyncio's own handler a press only cancels the run in hand, and a cancel (or the
    KeyboardInterrupt outside a run) can be lost on its way out: a `fetch --every` in the
    test suite went on fetching for 30 s after one Ctrl-C. A flag cannot be lost, and each
    step asks it. A second press stops at once, as with asyncio's handler."""

    def __init__(self) -> None:
        self.pressed = threading.Event()
        self.task: asyncio.Task | None = None  # the run in hand

    def __enter__(self) -> CtrlC:
        self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc_info) -> None:
        signal.signal(signal.SIGINT, self.previous)

    def _handle(self, signum, frame) -> None:
        again = self.pressed.is_set()
        self.pressed.set()
        if self.task is None or again:
            raise KeyboardInterrupt
        self.task.get_loop().call_soon_threadsafe(self.task.cancel)  # the run stops as a cancelled one does

    def run(self, coroutine):
        """asyncio.run, cancelled by Ctrl-C, after which it raises KeyboardInterrupt."""
        async def main():
            self.task = asyncio.current_task()
            try:
                return await coroutine
            finally:
                self.task = None

        if self.pressed.is_set():
            coroutine.close()
            raise KeyboardInterrupt
        try:
            result = asyncio.run(main())
        except asyncio.CancelledError:
            if not self.pressed.is_set():
                raise
        if self.pressed.is_set():
            raise KeyboardInterrupt
        return result

    def sleep(self, seconds: float) -> None:
        if self.pressed.wait(seconds):
            raise KeyboardInterrupt


class _Progress:
    """A live line on stderr when it is a terminal; silence when piped, except failures."""

    def __init__(self) -> None:
        self.line = LiveLine()
        self.done = self.new = self.failed = 0
        self.total_done = self.total_new = 0  # over every run of --every: what Ctrl-C reports

    def start_run(self) -> None:
        self.done = self.new = self.failed = 0

    def feed_done(self, done) -> None:
        from negotiation_watch.store.parse.clean import one_line

        self.done += 1
        self.new += done.new
        self.total_done += 1
        self.total_new += done.new
        if done.error:
            self.failed += 1
            self.line.clear()
            click.echo(f"failed: {one_line(done.url)}: {one_line(done.error)}", err=True)
        self.line.show(f"fetched {plural(self.done, 'feed')}, {plural(self.new, 'new article')}, {self.failed} failed")

    def alerted(self, hit) -> None:
        """An alert fired: a line on stdout (cron mails it), and on stderr if its command failed."""
        from negotiation_watch.store.parse.clean import one_line

        self.clear()
        link = f" <{one_line(hit.url)}>" if hit.url else ""
        click.echo(f"alert {one_line(hit.alert)}: {hit.title}{link}")
        if hit.status not in (None, "ok"):
            detail = f": {hit.error}" if hit.error else ""
            click.echo(f"alert {one_line(hit.alert)}: its command failed ({hit.status}){detail}", err=True)

    def retagged(self, done: int, total: int) -> None:
        self.line.show(f"re-tagging stored articles for the new taxonomy: {done}/{total}")

    def clear(self) -> None:
        self.line.clear()
