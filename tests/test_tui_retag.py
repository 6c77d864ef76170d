"""The dashboard applies a changed taxonomy as a job of its own: a separate process that
re-tags the stored articles while the app stays usable, stopped on quit and resumed on
the next launch from the progress kept in the database."""

from negotiation_watch.store.db import connection, ingest
from negotiation_watch.store import times
from negotiation_watch.store.extract.taxonomy import default_taxonomy
from negotiation_watch.store.pipeline.tagging import tag_rows

import tui_fixture
from tui_helpers import make_app, panes, wait_until


def _meta(db_path, key):
    db = connection.connect(db_path)
    try:
        return connection.get_meta(db, key)
    finally:
        db.close()


def _fixture_tagged_by(db_path, version: str) -> None:
    tui_fixture.build(db_path)
    db = connection.connect(db_path)
    connection.set_meta(db, ingest.TAXONOMY_VERSION_KEY, version)
    db.close()


async def test_a_changed_taxonomy_is_applied_in_the_background(db_path):
    _fixture_tagged_by(db_path, "an-older-taxonomy")
    current = default_taxonomy().version
    app = make_app(db_path, live=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: len(panes(app)) == 6 and all(p.loaded for p in panes(app)))
        await wait_until(pilot, lambda: _meta(db_path, ingest.TAXONOMY_VERSION_KEY) == current, timeout=30)
        await wait_until(pilot, lambda: app.retag_progress is None and not app._retag_process.is_alive())
        assert app._retag_process.exitcode == 0
    assert _meta(db_path, ingest.RETAG_JOB_KEY) is None
    taxonomy = default_taxonomy()
    db = connection.connect(db_path)
    try:  # every article's tags are now the extractor's, not the fixture's hand-made rows
        for article_id, title, summary, published in db.execute(
            "SELECT id, title, summary, published FROM articles"
        ).fetchall():
            stored = db.execute('SELECT kind, tag_id, field, start, "end" FROM tags WHERE article_id = ?',
                                     (article_id,)).fetchall()
            made = tag_rows(taxonomy, title, summary, times.from_iso(published).date())
            assert sorted(stored) == sorted(tuple(row[:5]) for row in made), title
    finally:
        db.close()


async def test_an_unrecorded_taxonomy_is_left_alone_and_the_user_told(db_path):
    tui_fixture.build(db_path)  # written without a taxonomy version, as bench's generated files
    app = make_app(db_path, live=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: any("negotiation-watch retag" in str(n.message)
                                            for n in app._notifications), timeout=15)
        assert app._retag_process is None
    assert _meta(db_path, ingest.RETAG_JOB_KEY) is None
