"""`negotiation-watch compact`: rewrite the database without its free pages."""

from __future__ import annotations

import click

from negotiation_watch.cli import CliContext, db_option, pass_context


@click.command()
@db_option
@pass_context
def compact(obj: CliContext) -> None:
    """Shrink the database file to what it holds. Files created by this version give space
    back by themselves after a re-tag or a feed's removal; this converts an older file so it
    does too. Fetching waits meanwhile (about a minute per GB); the dashboard can stay open."""
    from negotiation_watch.store.db import connection

    db = obj.open_db(write=True)
    try:
        before = obj.db_path.stat().st_size
        connection.compact(db)
    finally:
        db.close()
    after = obj.db_path.stat().st_size
    click.echo(f"compacted {obj.db_path}: {before / 1e6:,.1f} MB -> {after / 1e6:,.1f} MB")
