"""The command line: the dashboard by default, and the brief, fetch, feeds, tag, retag, knowledge and stories commands."""

from __future__ import annotations

import gc
import importlib
from dataclasses import dataclass
from pathlib import Path

import click

from negotiation_watch.store.version import __version__
from negotiation_watch.store.config import DB_ENV, default_db_path


@dataclass
class CliContext:
    db_path: Path
    chosen_db: bool  # --db or the environment named the file: never seed it with default feeds

    def open_db(self, *, write: bool = False):
        """Open the database for a command; a StoreError becomes a clear message, exit 1.
        A file that cannot be written opens read-only, which is enough for reading
        commands; one that must write (`write`) says so instead.

        The user's own default database gets the curated feed list the first time it is made.
        """
        from negotiation_watch.store.db import connection
        from negotiation_watch.store.pipeline.subscribe import seed_defaults

        try:
            db = connection.connect(self.db_path)
        except connection.StoreError as exc:
            raise click.ClickException(str(exc)) from exc
        if connection.is_read_only(db):
            if write:
                db.close()
                raise click.ClickException(f"{self.db_path} is read-only: this command needs to write to it.")
            return db
        count = 0 if self.chosen_db else seed_defaults(db)
        if count:
            click.echo(f"New database {self.db_path}: added {plural(count, 'default feed')}.", err=True)
        return db


def plural(count: int, noun: str) -> str:
    """"1 feed", "2 feeds", "1,204 articles": a count with its noun agreeing."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


class UserError(click.ClickException):
    """Bad input from the user (a URL, a file): a clear message and exit status 2."""

    exit_code = 2


pass_context = click.make_pass_decorator(CliContext)

DB_HELP = f"SQLite database to use (default: the user data folder; env {DB_ENV})."


def _db_path(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    """--db's value as a path; an empty one is a mistake, not the current folder."""
    if value is None:
        return None
    if not value.strip():
        raise click.BadParameter("is empty: give the path of a database file", ctx=ctx, param=param)
    return Path(value)


def _db_after_command(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """--db given after a command (`feeds list --db X`) means the same as before it."""
    path = _db_path(ctx, param, value)
    if path is not None:
        obj = ctx.find_object(CliContext)
        obj.db_path, obj.chosen_db = path, True


def db_option(command):
    """The group's --db, accepted after a command's name too."""
    return click.option("--db", type=str, expose_value=False, callback=_db_after_command, is_eager=True,
                        help=DB_HELP)(command)


class _Commands(click.Group):
    """The group whose commands are imported only when asked for: `fetch` need not load
    the brief writer, the Wikidata client or the feeds editor (a twentieth of a fetch
    with nothing new went on those imports)."""

    # command name -> its module in this package (each module defines the command by that name)
    MODULES = {
        "brief": "brief_command", "compact": "compact_command", "feeds": "feeds_command",
        "fetch": "fetch_command", "knowledge": "knowledge_command", "retag": "retag_command",
        "stories": "stories_command", "tag": "tag_command",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.MODULES)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module = self.MODULES.get(name)
        if module is None:
            return None
        return getattr(importlib.import_module(f"negotiation_watch.{module}"), name)


@click.group(cls=_Commands, invoke_without_command=True)
@click.option("--db", "db_path", type=str, envvar=DB_ENV, callback=_db_path, help=DB_HELP)
@click.option("--demo", is_flag=True, help="Open the dashboard on a throwaway database of bundled sample feeds.")
@click.version_option(__version__, prog_name="negotiation-watch")
@click.pass_context
def cli(ctx: click.Context, db_path: Path | None, demo: bool) -> None:
    """Follow who is negotiating with whom, live from news feeds."""
    ctx.obj = CliContext(db_path=db_path or default_db_path(), chosen_db=db_path is not None)
    if ctx.invoked_subcommand is None:
        from negotiation_watch.tui.app import run_dashboard

        run_dashboard(ctx.obj.db_path, demo=demo, seed=not ctx.obj.chosen_db)



def main() -> None:
    try:
        cli(prog_name="negotiation-watch")
    finally:
        # The command is over; the interpreter's last garbage collection would still walk
        # every object left (~45 ms, a twentieth of a fetch with nothing new). Frozen
        # objects are skipped by it; finalizers and exit handlers run as usual.
        gc.freeze()

