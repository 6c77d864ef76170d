"""The Textual app: screens, live updates from the fetcher and from other processes."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import sys
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from multiprocessing import resource_tracker
from pathlib import Path

from textual import on, work
from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.signal import Signal

from negotiation_watch.store import config
from negotiation_watch.store.db import connection, feed_rows, queries
from negotiation_watch.store import times
from negotiation_watch.tui.commands import ActionsProvider
from negotiation_watch.tui import terminal
from negotiation_watch.tui.data import close_connections, sort_key, with_db
from negotiation_watch.tui.errors import ReportsWorkerErrors
from negotiation_watch.tui.format import safe, shorten_middle
from negotiation_watch.tui.names import load_cached_names, load_names
from negotiation_watch.tui.network_run import NetworkRun
from negotiation_watch.tui.screens.dashboard import DashboardScreen
from negotiation_watch.tui.widgets.article_list import Source, orders_for

POLL_SECONDS = 1.5
RETAG_POLL_SECONDS = 0.5
REFRESH_DELAY = 1.0  # changes arriving within a second are shown together (a re-count costs ~0.3 s at 100k)
STARTUP_FETCH_DELAY = 1.0
MAX_ALERT_NOTES = 3  # more hits at once make one notification
FAILURES_SHOWN = 3  # a notification each for a run's first failing feeds; a thousand would bury the screen


class DataChanged(Message):
    """Another connection committed: what is on screen may be stale."""


class FeedFinished(Message):
    """The fetcher finished one feed (posted from the fetch thread)."""

    def __init__(self, done) -> None:
        super().__init__()
        self.done = done


class RetagProgress(Message):
    """The taxonomy changed, so stored articles are being re-tagged (apply_taxonomy)."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total


class FetchEnded(Message):
    """A fetch run is over; `summary` is the pipeline's FetchSummary, or None after an error."""

    def __init__(self, summary) -> None:
        super().__init__()
        self.summary = summary


class AlertCommandDone(Message):
    """An alert's command finished during this dashboard's fetch (posted from the fetch thread)."""

    def __init__(self, hit) -> None:
        super().__init__()
        self.hit = hit


class NegotiationWatchApp(ReportsWorkerErrors, App):
    """negotiation-watch's dashboard."""

    TITLE = "negotiation-watch"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {ActionsProvider}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]

    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", key_display="?", id="app.help"),
        Binding("slash", "search", "Search", key_display="/", id="app.search"),
        Binding("r", "fetch_now", "Fetch", tooltip="Fetch every feed now", id="app.fetch"),
        Binding("a", "add_feed", "Add feed", id="app.add-feed"),
        Binding("F", "feeds", "Feeds", id="app.feeds"),
        Binding("C", "mark_everything_read", "Mark all read", tooltip="Mark every stored article read",
                show=False, id="app.mark-everything-read"),
        Binding("w", "matrix", "Who talks to whom", tooltip="Who talks to whom: interactions between parties",
                id="app.matrix"),
    ]

    # What the fetcher is doing, watched by the status line: (feeds done, feeds due) while a
    # fetch runs, (articles re-tagged, to re-tag) while the taxonomy's change is applied.
    fetch_progress: reactive[tuple[int, int] | None] = reactive(None, init=False)
    retag_progress: reactive[tuple[int, int] | None] = reactive(None, init=False)

    def __init__(
        self,
        db_path: Path | str,
        *,
        clock: Callable[[], datetime] | None = None,
        today: date | None = None,
        settings_path: Path | None = None,
        live: bool = True,
    ) -> None:
        super().__init__(driver_class=terminal.driver_class())
        self.db_path = Path(db_path)
        self.clock = clock or times.utc_now
        self.fixed_today = today  # the demo shows old news as if it were today's
        self.settings_path = settings_path
        self.settings = config.load_settings(settings_path)
        self.live = live  # poll the database and fetch on the interval
        self.read_only = _opens_read_only(self.db_path)  # shown, never written: no fetching, no read marks
        # What screens listen to (subscribe in on_mount; published on the UI thread only)
        self.data_changed_signal: Signal[None] = Signal(self, "data-changed")  # something was written
        self.names_changed_signal: Signal[None] = Signal(self, "names-changed")  # display names loaded
        self.counts_changed_signal: Signal[None] = Signal(self, "counts-changed")  # app.tag_counts renewed
        self.article_read_signal: Signal[int] = Signal(self, "article-read")  # an article was opened
        self.story_read_signal: Signal[int] = Signal(self, "story-read")  # a story was opened, all of it read
        self._quiet_fetch = False
        self._failures_shown = 0  # feeds of this fetch run that failed so far
        self._refresh_timer = None
        self.tag_counts: list[queries.TagCount] = []  # the latest counts the dashboard loaded
        self._stop_polling = threading.Event()
        self._fetching = NetworkRun()
        self._names_cached = False
        self._retag_process = None
        self._applying_taxonomy = threading.Lock()
        self._told_unknown_taxonomy = False
        self.exit_signal: int | None = None  # set by tui/terminal.py when a signal ends the app
        self._alerts_seen: int | None = None  # the last alert hit shown; None until read

    def _handle_exception(self, error: Exception) -> None:
        """Once a signal has asked the app to end, an error from a screen half put together
        (keys were still arriving) is not worth a traceback screen that would take longer to
        draw than the exit may take."""
        if self.exit_signal is None:
            super()._handle_exception(error)

    def today(self) -> date:
        """The day sparklines end on and times count from (frozen in tests and the demo)."""
        return self.fixed_today or self.clock().date()

    def get_default_screen(self) -> Screen:
        return DashboardScreen()

    def on_load(self) -> None:
        self._names_cached = load_cached_names()  # before any screen draws a name
        if self.settings.keys:
            self.set_keymap(self.settings.keys)

    def on_mount(self) -> None:
        # What the first frame was made of (modules, classes, styles, the dashboard's
        # widgets) lives as long as the app: moved out of the collector's sight, a full
        # collection no longer walks it, which took ~50 ms each time (the slowest key press).
        self.call_after_refresh(gc.freeze)
        if not self._names_cached:
            self.load_names()
        else:
            self._check_alert_ids()
        for problem in self.settings.problems:
            self.notify(problem, title="Settings", severity="warning", markup=False)
        if self.settings.keys:
            self.call_after_refresh(self._check_keymap)
        self.check_alerts()  # the first read only notes where alerts stand: old ones are not news
        if self.live:
            self.watch_database()
            self.call_after_refresh(self.apply_taxonomy)
            # feeds already due are fetched soon after the first paint, then on the interval
            self.set_timer(STARTUP_FETCH_DELAY, lambda: self.start_fetch(force=False, quiet=True))
            self.set_interval(self.settings.fetch_interval_seconds, lambda: self.start_fetch(force=False, quiet=True))

    def on_unmount(self) -> None:
        self._stop_polling.set()
        self._fetching.close()  # quitting must not wait for slow feeds
        if self._retag_process is not None and self._retag_process.is_alive():
            self._retag_process.terminate()  # safe between and within batches; the next launch resumes
            self._retag_process.join(RETAG_POLL_SECONDS)
        close_connections()

    def _check_keymap(self) -> None:
        """Report [keys] entries that name no binding or give a key two jobs (after the
        first paint: knowing every binding means importing every screen)."""
        from negotiation_watch.tui.screens.help import binding_ids, key_clashes

        unknown = sorted(set(self.settings.keys) - binding_ids())
        problems = [f"no key binding is called {name}" for name in unknown] + key_clashes(self.settings.keys)
        for problem in problems:
            self.notify(f"config.toml [keys]: {problem}; the help screen (?) names every binding.",
                        title="Settings", severity="warning", markup=False)

    def save_pins(self) -> None:
        """Keep the pinned set in config.toml (the rest of the file stays as the user wrote it)."""
        try:
            config.save_pins(self.settings.pinned, self.settings_path)
        except (config.SettingsError, OSError) as exc:
            self.notify(f"Pins not saved: {exc}", severity="error", markup=False)

    def sort_order(self, source: Source, search_key: str | None = None) -> str:
        """The order a list of `source` was last given (its default until the user picks
        another); `search_key`: where a list that shows many searches keeps theirs."""
        orders = orders_for(source)
        order = self.settings.sort.get(sort_key(source, search_key), orders[0])
        return order if order in orders else orders[0]

    def remember_sort(self, source: Source, order: str, search_key: str | None = None) -> None:
        """Keep a list's order in config.toml (the user asked for it: S), only when it changed."""
        key, kept = sort_key(source, search_key), dict(self.settings.sort)
        if order == orders_for(source)[0]:
            self.settings.sort.pop(key, None)
        else:
            self.settings.sort[key] = order
        if self.settings.sort == kept:
            return
        try:
            config.save_sort(self.settings.sort, self.settings_path)
        except (config.SettingsError, OSError) as exc:
            self.notify(f"Order not saved: {exc}", severity="error", markup=False)

    # ------------------------------------------------------------------ marking read

    def mark_all_read(self, where: str, **scope) -> None:
        """Ask, with the count, then mark every unread article of `scope` (see
        queries.unread_count) read; `where` names it in the question ("in Russia")."""
        self._count_for_marking(where, scope)

    @work(thread=True, group="mark-read", exit_on_error=False)
    def _count_for_marking(self, where: str, scope: dict) -> None:
        count = with_db(self.db_path, lambda db: queries.unread_count(db, **scope))
        self.call_from_thread(self._confirm_marking, where, scope, count)

    def _confirm_marking(self, where: str, scope: dict, count: int) -> None:
        from rich.text import Text

        from negotiation_watch.tui.screens.confirm import ConfirmScreen

        if not count:
            self.notify(f"Nothing unread {where}.", markup=False)
            return
        question = Text(f"Mark {count:,} unread article{'' if count == 1 else 's'} ")
        question.append(where, style="bold")  # a Text: feed and search text never read as markup
        question.append(" read?")
        self.push_screen(ConfirmScreen(question, yes="Yes, mark read"),
                         lambda yes: yes and self._mark_read(where, scope))

    @work(thread=True, group="mark-read", exit_on_error=False)
    def _mark_read(self, where: str, scope: dict) -> None:
        from negotiation_watch.store.db import writes

        count = with_db(self.db_path, lambda db: writes.mark_all_read(db, **scope))
        self.call_from_thread(self._marked, where, count)

    def _marked(self, where: str, count: int) -> None:
        self.notify(f"Marked {count:,} article{'' if count == 1 else 's'} {where} read.", markup=False)
        self.data_changed_signal.publish(None)  # at once, not at the next poll

    def action_mark_everything_read(self) -> None:
        self.mark_all_read("in every feed")

    @work(thread=True, exit_on_error=False)
    def load_names(self) -> None:
        load_names()
        self.call_from_thread(self.names_changed_signal.publish, None)
        self.call_from_thread(self._check_alert_ids)

    def _check_alert_ids(self) -> None:
        """[[alert]] entries naming a track or party the taxonomy lacks would never fire."""
        from negotiation_watch.store.pipeline.alerts import unknown_ids
        from negotiation_watch.tui.names import names_of

        for problem in unknown_ids(self.settings.alerts, names_of):
            self.notify(problem, title="Settings", severity="warning", markup=False)

    # ------------------------------------------------------------------ screens

    @work(thread=True, exclusive=True, group="open-article", exit_on_error=False)
    def open_article(self, article_id: int, focus: dict | None = None) -> None:
        """Load the article (marking it read) first, then show it: one paint, no "Loading".
        `focus`: an interaction of the article whose sentence is to stand out."""
        from negotiation_watch.tui.screens.article import load_article

        article = with_db(self.db_path, load_article, article_id)
        self.call_from_thread(self._show_article, article_id, article, focus)

    def _show_article(self, article_id: int, article, focus: dict | None = None) -> None:
        """One kept article screen, filled and pushed (composing a new one costs a frame)."""
        from negotiation_watch.tui.screens.article import ArticleScreen

        if not self.is_screen_installed("article"):
            self.install_screen(ArticleScreen(), "article")
        screen = self.get_screen("article")
        screen.show(article_id, article, focus)
        if self.screen is not screen:
            self.push_screen(screen)

    def open_story(self, story: queries.StoryRow) -> None:
        """A story of one article opens the article; a bigger one the story screen."""
        if story.articles <= 1:
            self.open_article(story.lead_id)
        else:
            self._open_story(story.id)

    @work(thread=True, exclusive=True, group="open-article", exit_on_error=False)
    def _open_story(self, story_id: int) -> None:
        """Load the story (marking it read) first, then show it, as open_article does."""
        from negotiation_watch.tui.screens.story import load_story

        story = with_db(self.db_path, load_story, story_id)
        self.call_from_thread(self._show_story, story_id, story)

    def _show_story(self, story_id: int, story) -> None:
        from negotiation_watch.tui.screens.story import StoryScreen

        if not self.is_screen_installed("story"):
            self.install_screen(StoryScreen(), "story")
        screen = self.get_screen("story")
        screen.show(story_id, story)
        if self.screen is not screen:
            self.push_screen(screen)

    def open_list(self, source: Source) -> None:
        """Search, or one party's or track's articles: one kept screen, pointed at `source`."""
        from negotiation_watch.tui.screens.search import SearchScreen

        if not self.is_screen_installed("search"):
            self.install_screen(SearchScreen(), "search")
        screen = self.get_screen("search")
        if self.screen is not screen:
            screen.prepare(source)
            self.push_screen(screen)

    def open_timeline(self, kind: str, tag_id: str) -> None:
        """A party's or track's timeline, made afresh (it reads 90 days when it opens)."""
        from negotiation_watch.tui.screens.timeline import TimelineScreen

        self.push_screen(TimelineScreen(kind, tag_id))

    def export_brief(self, subject, *, since: date | None = None) -> None:
        """Write the subject's brief where [brief] in config.toml says (since `since`, or
        [brief] days back), then say where it went and offer to copy it."""
        if since is None and self.settings.brief.days and subject.article_id is None:
            since = self.today() - timedelta(days=self.settings.brief.days - 1)
        self._write_brief(subject, since)

    @work(thread=True, group="brief", exit_on_error=False)
    def _write_brief(self, subject, since: date | None) -> None:
        from negotiation_watch.store.briefs import files
        from negotiation_watch.store.briefs.chronology import read_brief
        from negotiation_watch.store.briefs.render import render
        from negotiation_watch.tui.names import display_name

        brief = with_db(self.db_path, read_brief, subject, names=display_name, since=since, now=self.clock())
        text = render(brief, self.settings.brief.format)
        try:
            path = files.save_new(config.brief_folder(self.settings), subject.slug(), self.settings.brief.format,
                                  text, self.clock())
        except OSError as exc:
            self.call_from_thread(self.notify, f"The brief could not be written: {exc}", severity="error",
                                  markup=False)
            return
        self.call_from_thread(self._brief_written, path, text, len(brief.entries))

    def _brief_written(self, path: Path, text: str, stories: int) -> None:
        from negotiation_watch.tui.screens.brief_saved import BriefSavedScreen

        self.push_screen(BriefSavedScreen(path, text, stories))

    def open_link(self, url: str | None) -> None:
        """Open an article's link in the browser; when nothing can, say so and offer the copy key."""
        from negotiation_watch.tui.links import link_problem

        problem = link_problem(url)
        if problem:
            self.notify(problem, severity="warning", markup=False)
        else:
            self._open_link(url)

    @work(thread=True, group="browser", exit_on_error=False)
    def _open_link(self, url: str) -> None:
        from negotiation_watch.tui.links import open_in_browser

        problem = open_in_browser(url)  # a browser may take a while to answer: off the UI thread
        if problem:
            self.call_from_thread(self.notify, f"{problem}: {url}\nPress c to copy the link instead.",
                                  title="Not opened", severity="warning", markup=False)
        else:
            self.call_from_thread(self.notify, f"Opened {url}", markup=False)

    def copy_link(self, url: str | None) -> None:
        """Put an article's link on the terminal's clipboard (OSC 52, which most terminals honour)."""
        if not url:
            self.notify("This article has no link.", severity="warning")
            return
        self.copy_to_clipboard(url)
        self.notify(f"Copied {url}", markup=False)

    def action_help(self) -> None:
        from negotiation_watch.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_search(self) -> None:
        self.open_list(Source())

    def action_matrix(self) -> None:
        """Who talks to whom: one kept screen (composing it anew cost a frame each time)."""
        from negotiation_watch.tui.screens.matrix import MatrixScreen

        if not self.is_screen_installed("matrix"):
            self.install_screen(MatrixScreen(), "matrix")
        screen = self.get_screen("matrix")
        if screen not in self.screen_stack:
            self.push_screen(screen)

    def action_feeds(self) -> None:
        from negotiation_watch.tui.screens.feeds import FeedsScreen

        if not isinstance(self.screen, FeedsScreen):
            self.push_screen(FeedsScreen())

    def action_add_feed(self) -> None:
        from negotiation_watch.tui.screens.add_feed import AddFeedScreen

        if self.read_only:
            self.notify("The database is read-only: feeds cannot be added.", severity="warning")
            return
        self.push_screen(AddFeedScreen(), self._feed_added)

    def _feed_added(self, probe) -> None:
        if probe is None:
            return
        items = f"{probe.item_count} item{'' if probe.item_count == 1 else 's'}"
        self.notify(f"Added {probe.title or probe.url} ({items}); fetching it now.", markup=False)
        self.start_fetch(force=False)

    # ------------------------------------------------------------------ live data

    @work(thread=True, group="retag", exit_on_error=False)
    def apply_taxonomy(self) -> None:
        """Re-tag the stored articles when the taxonomy changed (checked at launch and after
        each fetch), in a process of its own (store/pipeline/retag.py), showing its progress
        from the database until it is done; quitting stops it and the next launch goes on
        from there. Articles of a file that records no taxonomy are left as they are, and a
        note says (once) how to re-tag them."""
        if not self._applying_taxonomy.acquire(blocking=False):
            return  # already at it
        try:
            self._apply_taxonomy()
        finally:
            self._applying_taxonomy.release()

    def _apply_taxonomy(self) -> None:
        from negotiation_watch.store.db import ingest
        from negotiation_watch.store.extract.taxonomy import default_taxonomy
        from negotiation_watch.store.pipeline import retag
        from negotiation_watch.store.pipeline.run import UNKNOWN_TAXONOMY_NOTE

        taxonomy = default_taxonomy()
        db = connection.connect(self.db_path)
        try:
            state = ingest.taxonomy_state(db, taxonomy)
            if state == "unknown" and not self._told_unknown_taxonomy:
                self._told_unknown_taxonomy = True
                note = UNKNOWN_TAXONOMY_NOTE[0].upper() + UNKNOWN_TAXONOMY_NOTE[1:] + "."
                self.call_from_thread(self.notify, note, title="Tags", severity="warning", timeout=15, markup=False)
            if state != "changed" or not queries.stats(db).articles:
                return  # an empty file records the taxonomy with its first fetch
            _start_resource_tracker()
            self._retag_process = retag.start_process(self.db_path, os.getpid())
            while self._retag_process.is_alive() and not self._stop_polling.wait(RETAG_POLL_SECONDS):
                job = ingest.retag_job(db)
                if job is not None:
                    self.post_message(RetagProgress(job.done, job.total))
            if not self._stop_polling.is_set():
                self.post_message(RetagProgress(1, 1))  # over
                if self._retag_process.exitcode:
                    self.call_from_thread(self.notify, "Re-tagging stopped with an error; it goes on at the "
                                          "next launch, or run `negotiation-watch retag`.", title="Tags",
                                          severity="error", markup=False)
        finally:
            db.close()

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False)
    def watch_database(self) -> None:
        """Notice commits by other processes (and our own workers) through PRAGMA data_version.

        One long-lived thread with its own connection: data_version only compares within
        one connection, and a single loop can never overlap itself.
        """
        db = connection.connect(self.db_path)
        try:
            seen = connection.data_version(db)
            while not self._stop_polling.wait(POLL_SECONDS):
                version = connection.data_version(db)
                if version != seen:
                    seen = version
                    self.post_message(DataChanged())
        finally:
            db.close()

    @on(DataChanged)
    def _data_changed(self) -> None:
        self.notice_change()

    def notice_change(self) -> None:
        """Refresh what is shown, once per burst: a fetch finishing feed after feed, or the
        poller and a feed report noticing the same commit, cost one re-query, not dozens."""
        if self._refresh_timer is None:
            self._refresh_timer = self.set_timer(REFRESH_DELAY, self._refresh_now)

    def _refresh_now(self) -> None:
        self._refresh_timer = None
        if isinstance(self.screen, ModalScreen):  # no redraw under a dialog: once it closes
            self.notice_change()
            return
        self.data_changed_signal.publish(None)
        self.check_alerts()

    # ------------------------------------------------------------------ alerts

    @work(thread=True, exclusive=True, group="alerts", exit_on_error=False)
    def check_alerts(self) -> None:
        """Alert hits recorded since the last look, by this dashboard's fetch or any other."""
        from negotiation_watch.store.pipeline import alerts

        if self._alerts_seen is None:
            self._alerts_seen = with_db(self.db_path, alerts.latest_hit_id)
            return
        hits = with_db(self.db_path, alerts.hits_after, self._alerts_seen)
        if hits:
            self._alerts_seen = hits[-1].id
            self.call_from_thread(self._show_alerts, hits)

    def _show_alerts(self, hits) -> None:
        """A notification per hit (one for the lot when many came at once), and the bell
        if any of their alerts asks for it."""
        from negotiation_watch.tui.format import safe

        if len(hits) <= MAX_ALERT_NOTES:
            for hit in hits:
                self.notify(safe(hit.title), title=f"Alert: {safe(hit.alert)}", markup=False, timeout=10)
        else:
            watched = ", ".join(dict.fromkeys(safe(hit.alert) for hit in hits))
            self.notify(f"{len(hits)} new stories: {safe(hits[-1].title)}, …", title=f"Alerts: {watched}",
                        markup=False, timeout=10)
        ringing = {alert.name for alert in self.settings.alerts if alert.bell}
        if any(hit.alert in ringing for hit in hits):
            self.bell()

    @on(AlertCommandDone)
    def _alert_command_done(self, message: AlertCommandDone) -> None:
        from negotiation_watch.tui.format import safe

        hit = message.hit
        if hit.status not in (None, "ok"):
            detail = f": {safe(hit.error)}" if hit.error else ""
            self.notify(f"its command failed ({hit.status}){detail}", title=f"Alert: {safe(hit.alert)}",
                        severity="warning", markup=False)

    def action_fetch_now(self) -> None:
        self.start_fetch(force=True)

    def start_fetch(self, *, force: bool, quiet: bool = False) -> None:
        """Run the fetch pipeline unless a run is already going (`quiet`: a timer asked, so
        only news or failures are worth a notification)."""
        if self.read_only:
            if not quiet:
                self.notify("The database is read-only: fetching would need to write to it.", severity="warning")
            return
        if self.fetch_progress is not None:
            if not quiet:
                self.notify("A fetch is already running.")
            return
        self._quiet_fetch = quiet
        self._failures_shown = 0
        self.fetch_progress = (0, 0)
        self._fetch(force)

    @work(thread=True, group="fetch", exit_on_error=False)
    def _fetch(self, force: bool) -> None:
        """The pipeline in its own event loop on a thread, so parsing and writing never stall the UI."""
        from negotiation_watch.store.fetch.fetcher import FetchLimits
        from negotiation_watch.store.pipeline.run import run_fetch

        summary = None
        try:
            db = connection.connect(self.db_path)
            try:
                total = len(feed_rows.due_feeds(db, force=force))
            finally:
                db.close()
            self.call_from_thread(self._set_progress, 0, total)
            _start_resource_tracker()
            limits = FetchLimits(concurrency=self.settings.concurrency)
            summary = self._fetching.run(
                run_fetch(self.db_path, limits=limits, force=force,
                          on_feed_done=lambda done: self.post_message(FeedFinished(done)),
                          retag=False,  # apply_taxonomy does that, in a process of its own
                          alerts=self.settings.alerts,
                          on_alert=lambda hit: self.post_message(AlertCommandDone(hit)))
            )
        except asyncio.CancelledError:
            pass  # the app is closing; feeds not stored yet are fetched again next time
        finally:
            self.post_message(FetchEnded(summary))

    def _set_progress(self, done: int, total: int) -> None:
        self.fetch_progress = (done, total)

    @on(FeedFinished)
    def _feed_finished(self, message: FeedFinished) -> None:
        done, total = self.fetch_progress or (0, 0)
        self._set_progress(done + 1, max(total, done + 1))
        if message.done.error:
            self._failures_shown += 1
            if self._failures_shown <= FAILURES_SHOWN:  # the rest are in the run's summary and on F
                where, why = shorten_middle(safe(message.done.url), 60), shorten_middle(safe(message.done.error), 160)
                self.notify(f"{where}: {why}", title="Feed failed", severity="warning", markup=False)
        if message.done.new or message.done.updated:
            self.notice_change()

    @on(RetagProgress)
    def _retag_progress(self, message: RetagProgress) -> None:
        self.retag_progress = None if message.done >= message.total else (message.done, message.total)

    def activity(self) -> str | None:
        """What the fetcher is doing, for the status line; None when idle."""
        if self.retag_progress is not None:
            done, total = self.retag_progress
            return f"re-tagging articles {done:,}/{total:,}"
        if self.fetch_progress is None:
            return None
        done, total = self.fetch_progress
        return f"fetching {done}/{total} feeds" if total else "checking feeds…"

    @on(FetchEnded)
    def _fetch_ended(self, message: FetchEnded) -> None:
        self.fetch_progress = None
        self.notice_change()
        if self.live:
            self.apply_taxonomy()  # the taxonomy files may have changed since launch
        summary = message.summary
        if summary is not None and not (self._quiet_fetch and not summary.new_articles and not summary.feeds_failed):
            self.notify(
                f"{summary.new_articles} new articles from {summary.feeds_ok} feeds"
                + (f"; {summary.feeds_failed} failed (F shows them)" if summary.feeds_failed else ""),
                title="Fetch finished", markup=False,
            )
        for problem in summary.alert_problems if summary is not None else ():
            self.notify(problem, title="Alerts", severity="warning", markup=False)


def _opens_read_only(db_path: Path) -> bool:
    """Whether the database opens read-only (a file or folder the user cannot write)."""
    try:
        db = connection.connect(db_path)
    except connection.StoreError:
        return False  # the screens report the error itself when they read
    try:
        return connection.is_read_only(db)
    finally:
        db.close()


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with the real stderr.

    The tracker hands its child sys.stderr's file descriptor; inside the app sys.stderr is
    Textual's capture object whose fileno() is -1, and the pipeline's parser pool then
    fails with "bad value(s) in fds_to_keep". Started once here, it is reused after.
    """
    with contextlib.redirect_stderr(sys.__stderr__):
        resource_tracker.ensure_running()


def run_dashboard(db_path: Path | str, demo: bool = False, seed: bool = False) -> None:
    """Open the dashboard on `db_path`, or on a throwaway database of sample feeds with demo;
    `seed`: the user's default database, which starts with the curated feeds."""
    if demo:
        from negotiation_watch.tui.demo import demo_database

        with demo_database() as demo:
            _demo_settings(demo.settings_path)
            _run(NegotiationWatchApp(demo.db_path, today=demo.today, settings_path=demo.settings_path))
        return
    from negotiation_watch.store.pipeline.subscribe import seed_defaults

    try:
        db = connection.connect(db_path)
        if seed and not connection.is_read_only(db):
            seed_defaults(db)
        db.close()
    except connection.StoreError as exc:
        raise SystemExit(f"negotiation-watch: {exc}") from exc
    _run(NegotiationWatchApp(db_path))


def _demo_settings(path: Path) -> None:
    """The user's settings (keys, interval) for the demo, but not the user's pins, which
    name the user's own parties and tracks; the demo's pins stay in its folder."""
    with contextlib.suppress(OSError):
        path.write_bytes(config.config_path().read_bytes())
    with contextlib.suppress(OSError, config.SettingsError):
        config.save_pins(None, path)


def _run(app: NegotiationWatchApp) -> None:
    """Run the app, ending it on SIGTERM, SIGHUP (terminal closed) and SIGINT (tui/terminal.py)."""
    terminal.exit_on_signals(app)
    app.run()
