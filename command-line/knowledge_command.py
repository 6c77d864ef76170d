"""`negotiation-watch knowledge update`: refresh the dated officials from Wikidata."""

from __future__ import annotations

import datetime

import click

from negotiation_watch.cli import db_option, pass_context


@click.group()
def knowledge() -> None:
    """The extractor's knowledge: refresh officials from Wikidata (only when asked)."""


@knowledge.command()
@click.option("--endpoint", default=None, metavar="URL", help="SPARQL endpoint (default: Wikidata's).")
@click.option("--timeout", type=click.FloatRange(min=1), default=None, metavar="SECONDS",
              help="Give up after this long without an answer (default 60).")
@db_option
@pass_context
def update(ctx, endpoint: str | None, timeout: float | None) -> None:
    """Ask Wikidata who held each linked office, write taxonomy.d/officials-wikidata.toml,
    then re-tag the stored articles if the knowledge changed. A bad answer changes nothing."""
    from negotiation_watch.store.config import taxonomy_override_dir
    from negotiation_watch.store.extract import wikidata
    from negotiation_watch.store.extract.taxonomy import default_taxonomy
    from negotiation_watch.store.version import __version__

    folder = taxonomy_override_dir()
    taxonomy = wikidata.base_taxonomy(folder)
    offices = wikidata.linked_offices(taxonomy)
    if not offices:
        raise click.ClickException("no office in the taxonomy names a Wikidata position (its `wikidata` field)")
    try:
        query = wikidata.build_query(list(offices))
        rows = wikidata.fetch_bindings(
            query, endpoint or wikidata.ENDPOINT, timeout or wikidata.TIMEOUT_SECONDS,
            user_agent=f"negotiation-watch/{__version__} (knowledge update)")
        found = wikidata.holdings(rows, offices)
        wikidata.check_single_holders(found, taxonomy)
    except wikidata.KnowledgeError as exc:
        raise click.ClickException(f"knowledge update: {exc}") from None
    now = datetime.datetime.now(datetime.timezone.utc)
    text = wikidata.officials_file(found, taxonomy, now)
    if not wikidata.write_file(folder, text):
        click.echo(f"officials unchanged: {len(found)} terms of {len(offices)} offices ({folder / wikidata.FILE_NAME})")
        return
    click.echo(f"wrote {len(found)} terms of {len(offices)} offices to {folder / wikidata.FILE_NAME}")
    default_taxonomy.cache_clear()
    _retag_if_changed(ctx, default_taxonomy())


def _retag_if_changed(ctx, taxonomy) -> None:
    """Re-tag the database's articles with the new knowledge, if there is a database."""
    from negotiation_watch.store.db.ingest import needs_retag, retag_all

    for problem in taxonomy.problems:
        click.echo(f"warning: taxonomy: {problem}", err=True)
    if not ctx.db_path.exists():
        click.echo("no database yet: articles will be tagged with the new knowledge as they arrive")
        return
    db = ctx.open_db()
    try:
        if not needs_retag(db, taxonomy):
            return
        count = retag_all(db, taxonomy)
    finally:
        db.close()
    click.echo(f"re-tagged {count} articles (taxonomy {taxonomy.version})")
