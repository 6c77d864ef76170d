"""Adding a feed: check the URL, fetch it once, and only then store it."""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static
from textual.worker import get_current_worker

from negotiation_watch.store.db import connection, feed_rows
from negotiation_watch.store.fetch.urls import InvalidURL, feed_url
from negotiation_watch.tui.data import with_db
from negotiation_watch.tui.errors import ReportsWorkerErrors
from negotiation_watch.tui.network_run import NetworkRun
from negotiation_watch.tui.widgets.clean_input import CleanInput

def url_problem(url: str) -> str | None:
    """Why `url` cannot be a feed address, or None when it looks usable: the CLI's own
    check (store.fetch.urls.feed_url), so the dialog takes what `feeds add` takes, local
    paths included."""
    if not url:
        return "Type the address of a feed or of a web page that links to one, or a feed file's path."
    try:
        feed_url(url)
    except InvalidURL as exc:
        return f"Cannot use this: {exc}."
    return None


class AddFeedScreen(ReportsWorkerErrors, ModalScreen):
    """Dismisses with the successful Probe, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="add-feed.cancel")]

    def __init__(self) -> None:
        super().__init__()
        self._probing = NetworkRun()

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Add a feed: paste its address (a web page that links to a feed works too) "
                         "or a feed file's path.",
                         classes="question")
            yield CleanInput(placeholder="https://example.org/feed.xml", id="url")
            yield Static("", id="result")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Add", variant="primary", id="add")

    def on_mount(self) -> None:
        self.query_one("#url", Input).focus()

    def on_unmount(self) -> None:
        self._probing.close()  # cancelled or quit: stop waiting for the server now

    def _say(self, message: str, *, error: bool = False) -> None:
        result = self.query_one("#result", Static)
        result.update(Text(message))  # may quote feed text or server errors: never markup
        result.set_class(error, "error")

    @on(Input.Submitted, "#url")
    @on(Button.Pressed, "#add")
    def _add(self) -> None:
        url = self.query_one("#url", Input).value.strip()
        problem = url_problem(url)
        if problem:
            self._say(problem, error=True)
            return
        self._say(f"Fetching {url} …")
        self.query_one("#add", Button).disabled = True
        self.check(url)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def check(self, url: str) -> None:
        """Fetch the URL once (following autodiscovery); store the feed only if it parses."""
        from negotiation_watch.store.fetch.fetcher import probe_feed

        try:
            probe = self._probing.run(probe_feed(url))
        except asyncio.CancelledError:
            return  # the screen was closed: the user no longer wants it added
        if get_current_worker().is_cancelled:  # closed just as the answer came
            return
        if probe.error is not None:
            self.app.call_from_thread(self._failed, f"Could not use this address: {probe.error}")
            return
        try:
            feed_id, new = with_db(self.app.db_path, feed_rows.add_feed, probe.url, probe.title)
            if not new:
                with_db(self.app.db_path, feed_rows.set_feed_due_now, feed_id)
        except connection.StoreError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._added, probe, new)

    def _added(self, probe, new: bool) -> None:
        if not new:
            self.notify(f"{probe.url} was already in your feeds; fetching it again.", markup=False)
        self.dismiss(probe)

    def _failed(self, message: str) -> None:
        self.query_one("#add", Button).disabled = False
        self._say(message, error=True)
