"""`negotiation-watch retag`: re-tag every stored article with the current taxonomy."""

from __future__ import annotations

import sys

import click

from negotiation_watch.cli import db_option, pass_context


@click.command()
@db_option
@click.option("--force", is_flag=True, help="Re-tag even if the tags already come from the current taxonomy.")
@pass_context
def retag(ctx, force: bool) -> None:
    """Re-tag the stored articles after the taxonomy changed (an interrupted re-tag goes
    on where it stopped)."""
    from negotiation_watch.store.db.ingest import retag_all, retag_job, taxonomy_state
    from negotiation_watch.store.db.queries import stats
    from negotiation_watch.store.extract.taxonomy import default_taxonomy
    from negotiation_watch.store.pipeline.retag import parallel_tagger

    db = ctx.open_db(write=True)
    try:
        taxonomy = default_taxonomy()
        for problem in taxonomy.problems:
            click.echo(f"warning: taxonomy: {problem}", err=True)
        if taxonomy_state(db, taxonomy) == "current" and not force:
            click.echo(f"nothing to re-tag: the tags already come from taxonomy {taxonomy.version} "
                       "(--force re-tags anyway)")
            return
        job = retag_job(db)
        resuming = job is not None and job.version == taxonomy.version and not force
        start, total = (job.done, job.total) if resuming else (0, stats(db).articles)
        with parallel_tagger(taxonomy) as tagger, click.progressbar(
            length=max(total - start, 1), label="re-tagging", file=sys.stderr
        ) as bar:
            count = retag_all(db, taxonomy, lambda done, _total: bar.update(done - start - bar.pos),
                              force=force, tagger=tagger)
    finally:
        db.close()
    resumed = f", resuming after {start:,} done earlier" if start else ""
    click.echo(f"re-tagged {count} articles (taxonomy {taxonomy.version}{resumed})")
