"""The command line: the dashboard by default, and the brief, fetch, feeds, tag and retag commands."""

from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path

import click

from negotiation_watch.store.version import __version__
from negotiation_watch.store.config import DB_ENV, default_db_path


@dataclass
class CliContext:
    db_path: Path
    chosen_db: bool  # --db or the environment named the file: never seed it with default feeds

    def open_db(self):
        """Open the database for a command; a StoreError becomes a clear message, exit 1.

        The user's own default database gets the curated feed list the first time it is made.
        """
        from negotiation_watch.store.db import connection
        from negotiation_watch.store.pipeline.subscribe import seed_defaults

        is_new = not self.db_path.exists()
        try:
            db = connection.connect(self.db_path)
        except connection.StoreError as exc:
            raise click.ClickException(str(exc)) from exc
        if is_new and not self.chosen_db:
            count = seed_defaults(db)
            click.echo(f"New database {self.db_path}: added {count} default feeds.", err=True)
        return db


class UserError(click.ClickException):
    """Bad input from the user (a URL, a file): a clear message and exit status 2."""

    exit_code = 2


pass_context = click.make_pass_decorator(CliContext)


@click.group(invoke_without_command=True)
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path),
    envvar=DB_ENV,
    help=f"SQLite database to use (default: the user data folder; env {DB_ENV}).",
)
@click.option("--demo", is_flag=True, help="Open the dashboard on a throwaway database of bundled sample feeds.")
@click.version_option(__version__, prog_name="negotiation-watch")
@click.pass_context
def cli(ctx: click.Context, db_path: Path | None, demo: bool) -> None:
    """Follow who is negotiating with whom, live from news feeds."""
    ctx.obj = CliContext(db_path=db_path or default_db_path(), chosen_db=db_path is not None)
    if ctx.invoked_subcommand is None:
        from negotiation_watch.tui.app import run_dashboard

        run_dashboard(ctx.obj.db_path, demo=demo)



def main() -> None:
    try:
        cli(prog_name="negotiation-watch")
    finally:
        # The command is over; the interpreter's last garbage collection would still walk
        # every object left (~45 ms, a twentieth of a fetch with nothing new). Frozen
        # objects are skipped by it; finalizers and exit handlers run as usual.
        gc.freeze()


def _register_commands() -> None:
    """Each command lives in its own module; the group learns of them here."""
    from negotiation_watch.brief_command import brief
    from negotiation_watch.feeds_command import feeds
    from negotiation_watch.fetch_command import fetch
    from negotiation_watch.retag_command import retag
    from negotiation_watch.tag_command import tag

    for command in (brief, feeds, fetch, retag, tag):
        cli.add_command(command)


_register_commands()
