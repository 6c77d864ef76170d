"""`negotiation-watch retag`: re-tag every stored article with the current taxonomy."""

from __future__ import annotations

import sys

import click

from negotiation_watch.cli import db_option, pass_context


@click.command()
@db_option
@pass_context
def retag(ctx) -> None:
    """Re-tag every stored article (after editing the taxonomy files)."""
    from negotiation_watch.store.db.queries import stats
    from negotiation_watch.store.db.ingest import retag_all
    from negotiation_watch.store.extract.taxonomy import default_taxonomy

    db = ctx.open_db(write=True)
    try:
        taxonomy = default_taxonomy()
        for problem in taxonomy.problems:
            click.echo(f"warning: taxonomy: {problem}", err=True)
        with click.progressbar(length=stats(db).articles, label="re-tagging", file=sys.stderr) as bar:
            count = retag_all(db, taxonomy, lambda done, _total: bar.update(done - bar.pos))
    finally:
        db.close()
    click.echo(f"re-tagged {count} articles (taxonomy {taxonomy.version})")
