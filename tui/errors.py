"""Failed workers become notifications: the one place that turns errors into messages."""

from __future__ import annotations

from textual.worker import Worker, WorkerState

from negotiation_watch.store.db.connection import StoreError
from negotiation_watch.store.db.queries import SearchSyntaxError


class ReportsWorkerErrors:
    """Mixed into every screen and widget that starts workers (all run with exit_on_error=False).

    Textual delivers a worker's state only to the node that started it, so each such node
    needs the handler; the handling itself lives here.
    """

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.app.notify(describe(event.worker.error), title="Something went wrong", severity="error",
                            markup=False)


def describe(error: BaseException | None) -> str:
    """The store explains its own errors for the user; anything else is named plainly."""
    if isinstance(error, (StoreError, SearchSyntaxError)):
        return str(error)
    return f"{type(error).__name__}: {error}"
