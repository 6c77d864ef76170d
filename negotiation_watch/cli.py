"""The command line: the dashboard by default, and the fetch, feeds, tag and retag commands."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from negotiation_watch import __version__
from negotiation_watch.config import DB_ENV, default_db_path
from negotiation_watch.tag_command import tag


@dataclass
class CliContext:
    db_path: Path


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
    ctx.obj = CliContext(db_path=db_path or default_db_path())
    if ctx.invoked_subcommand is None:
        from negotiation_watch.tui.app import run_dashboard

        run_dashboard(ctx.obj.db_path, demo=demo)


cli.add_command(tag)


def main() -> None:
    cli(prog_name="negotiation-watch")
