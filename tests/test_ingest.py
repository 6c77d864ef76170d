"""ingest, retag_all and needs_retag on real SQLite files with the real extractor."""

import sqlite3
import threading
from datetime import datetime, timezone

import pytest
from feedgen import item, rss
from negotiation_watch.store.db import connection, feed_rows, queries, writes
from negotiation_watch.store.db.ingest import ingest, needs_retag, retag_all, stored_hashes
from negotiation_watch.store.parse.feed import parse_feed
from negotiation_watch.store.pipeline.tagging import parse_and_tag
from negotiation_watch.store.extract.taxonomy import default_taxonomy, load_taxonomy

FEED_URL = "http://127.0.0.1:9/wire.xml"
NOW = datetime(2025, 6, 10, 9, 0, tzinfo=timezone.utc)


STORIES = [
    item("a1", "Russia and Ukraine swap prisoners", "The exchange was brokered by the United Arab Emirates."),
    item("a2", "Iran nuclear talks resume in Vienna", "Negotiators from Iran met European officials on Tuesday."),
    item("a3", "Harvest festival opens", "A quiet local story with no parties in it at all."),
]


@pytest.fixture
def db(db_path):
    database = connection.connect(db_path)
    yield database
    database.close()


@pytest.fixture
def feed_id(db):
    return feed_rows.add_feed(db, FEED_URL)[0]


@pytest.fixture(scope="module")
def taxonomy():
    return default_taxonomy()


def parsed(*items: str, **kw):
    return parse_feed(rss(*items, **kw), {"content-type": "application/rss+xml"}, FEED_URL)


def count(db, sql: str, *params) -> int:
    return db.execute(sql, params).fetchone()[0]


def test_ingesting_twice_stores_nothing_twice(db, feed_id, taxonomy):
    first = ingest(db, feed_id, parsed(*STORIES), taxonomy, now=NOW)
    tags = count(db, "SELECT count(*) FROM tags")
    second = ingest(db, feed_id, parsed(*STORIES), taxonomy, now=NOW)
    assert (first.new, first.updated) == (3, 0)
    assert (second.new, second.updated) == (0, 0)
    assert count(db, "SELECT count(*) FROM articles") == 3
    assert count(db, "SELECT count(*) FROM tags") == tags > 0


def test_every_article_has_its_tags_and_is_searchable(db, feed_id, taxonomy):
    ingest(db, feed_id, parsed(*STORIES), taxonomy, now=NOW)
    rows = dict(db.execute("SELECT guid, id FROM articles").fetchall())

    def parties(guid):
        sql = "SELECT tag_id FROM tags WHERE article_id = ? AND kind = 'party'"
        return {tag for (tag,) in db.execute(sql, (rows[guid],))}

    assert {"RUS", "UKR"} <= parties("a1")
    assert "IRN" in parties("a2")
    assert parties("a3") == set()
    evidence = queries.get_article(db, rows["a1"]).evidence
    title = queries.get_article(db, rows["a1"]).title
    for ev in evidence:  # each evidence span points at the stored text it quotes
        if ev["field"] == "title":
            assert title[ev["start"] : ev["end"]] == ev["text"]
    db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
    assert [a.id for a in queries.search_articles(db, "prisoners")] == [rows["a1"]]
    assert [a.id for a in queries.search_articles(db, "Vienna")] == [rows["a2"]]


def test_changed_text_updates_in_place_and_retags(db, feed_id, taxonomy):
    ingest(db, feed_id, parsed(*STORIES), taxonomy, now=NOW)
    before = db.execute("SELECT id, published FROM articles WHERE guid = 'a3'").fetchone()
    writes.set_read(db, before[0])
    edited = item("a3", "Harvest festival opens", "Late addition: Iran sent a delegation to the opening.")
    result = ingest(db, feed_id, parsed(STORIES[0], STORIES[1], edited), taxonomy, now=NOW)
    assert (result.new, result.updated) == (0, 1)
    after = queries.get_article(db, before[0])
    assert after.summary.startswith("Late addition") and after.is_read  # same row, read mark kept
    assert count(db, "SELECT count(*) FROM articles") == 3
    assert {e["tag_id"] for e in after.evidence} == {"IRN"}
    assert [a.id for a in queries.search_articles(db, "delegation")] == [before[0]]
    assert queries.search_articles(db, "quiet") == []  # the old text left the index
    db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")


def test_undated_entries_are_dated_when_first_seen(db, feed_id, taxonomy):
    undated = item("u1", "Undated bulletin", "No date in the feed.", date=None)
    ingest(db, feed_id, parsed(undated), taxonomy, now=NOW)
    later = datetime(2025, 6, 11, 9, 0, tzinfo=timezone.utc)
    edited = item("u1", "Undated bulletin", "Still no date, new words.", date=None)
    ingest(db, feed_id, parsed(edited), taxonomy, now=later)
    row = db.execute("SELECT published, date_estimated, fetched FROM articles").fetchone()
    assert row == ("2025-06-10T09:00:00Z", 1, "2025-06-10T09:00:00Z")


def test_a_real_date_replaces_an_estimated_one(db, feed_id, taxonomy):
    ingest(db, feed_id, parsed(item("u2", "Bulletin", "First version.", date=None)), taxonomy, now=NOW)
    ingest(db, feed_id, parsed(item("u2", "Bulletin", "Dated version.")), taxonomy, now=NOW)
    row = db.execute("SELECT published, date_estimated FROM articles").fetchone()
    assert row == ("2025-06-03T10:00:00Z", 0)


def test_feed_title_site_and_fetch_columns_are_stored(db, feed_id, taxonomy):
    updates = {"etag": '"v1"', "body_hash": "abc", "last_status": "fetched", "consecutive_errors": 0}
    ingest(db, feed_id, parsed(STORIES[0], title="Wire &amp; Co"), taxonomy, now=NOW, feed_updates=updates)
    feed = feed_rows.find_feed(db, feed_id)
    assert (feed["title"], feed["site_url"], feed["etag"], feed["body_hash"]) == (
        "Wire & Co", "https://wire.example/", '"v1"', "abc"
    )


def test_failure_mid_feed_leaves_the_database_as_before(db, feed_id, taxonomy):
    """A feed is one transaction: articles, tags, FTS and its validators commit together."""
    ingest(db, feed_id, parsed(STORIES[0]), taxonomy, now=NOW, feed_updates={"etag": '"old"'})
    snapshot = db.execute("SELECT count(*), (SELECT count(*) FROM tags) FROM articles").fetchone()
    # A real SQLite failure part-way through the feed: the second new article is refused.
    db.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON articles WHEN new.guid = 'a3' "
        "BEGIN SELECT RAISE(ABORT, 'disk trouble'); END"
    )
    with pytest.raises(sqlite3.DatabaseError, match="disk trouble"):
        ingest(db, feed_id, parsed(*STORIES), taxonomy, now=NOW, feed_updates={"etag": '"new"'})
    assert db.execute("SELECT count(*), (SELECT count(*) FROM tags) FROM articles").fetchone() == snapshot
    assert feed_rows.find_feed(db, feed_id)["etag"] == '"old"'  # so the next run fetches it again
    assert not db.in_transaction
    db.execute("DROP TRIGGER refuse")
    assert ingest(db, feed_id, parsed(*STORIES), taxonomy, now=NOW).new == 2


def test_a_redirect_onto_another_feeds_url_keeps_the_old_url(db, feed_id, taxonomy):
    other_id, _ = feed_rows.add_feed(db, "http://127.0.0.1:9/other.xml")
    updates = {"url": "http://127.0.0.1:9/other.xml", "last_error": None}
    ingest(db, feed_id, parsed(STORIES[0]), taxonomy, now=NOW, feed_updates=updates)
    feed = feed_rows.find_feed(db, feed_id)
    assert feed["url"] == FEED_URL
    assert f"already feed {other_id}" in feed["last_error"]
    assert count(db, "SELECT count(*) FROM articles") == 1


def test_retag_all_applies_a_changed_taxonomy(db, feed_id, taxonomy, tmp_path):
    story = item("z1", "Zephyr Front joins the Geneva talks", "Delegates of the Zephyr Front arrived on Monday.")
    ingest(db, feed_id, parsed(story, *STORIES), taxonomy, now=NOW)
    assert needs_retag(db, taxonomy)  # nothing recorded the taxonomy yet
    assert retag_all(db, taxonomy) == 4
    assert not needs_retag(db, taxonomy)

    user_dir = tmp_path / "taxonomy.d"
    user_dir.mkdir()
    (user_dir / "zephyr.toml").write_text(
        '[[party]]\nid = "ZEPHYR"\nkind = "nonstate"\nname = "Zephyr Front"\naliases = ["Zephyr Front"]\n'
    )
    extended = load_taxonomy(user_dir)
    assert not extended.problems and extended.version != taxonomy.version
    assert needs_retag(db, extended)
    before = count(db, "SELECT count(*) FROM tags WHERE tag_id <> 'ZEPHYR'")
    seen = []
    assert retag_all(db, extended, lambda done, total: seen.append((done, total))) == 4
    assert seen[-1] == (4, 4)
    zephyr = count(db, "SELECT count(DISTINCT article_id) FROM tags WHERE tag_id = 'ZEPHYR'")
    assert zephyr == 1
    assert count(db, "SELECT count(*) FROM tags WHERE tag_id <> 'ZEPHYR'") == before  # nothing else lost
    assert not needs_retag(db, extended) and needs_retag(db, taxonomy)


def test_retag_works_in_batches(db, feed_id, taxonomy, monkeypatch):
    from negotiation_watch.store.db import ingest as ingest_module

    monkeypatch.setattr(ingest_module, "RETAG_BATCH", 2)
    ingest(db, feed_id, parsed(*STORIES, item("a4", "Russia again", "More on Russia.")), taxonomy, now=NOW)
    tags = count(db, "SELECT count(*) FROM tags")
    seen = []
    assert retag_all(db, taxonomy, lambda done, total: seen.append(done)) == 4
    assert seen == [2, 4]
    assert count(db, "SELECT count(*) FROM tags") == tags


def test_a_stopped_retag_ends_after_its_batch_and_leaves_the_taxonomy_to_apply(db, feed_id, taxonomy, monkeypatch):
    """A run that ends (quit, Ctrl-C) stops its re-tag between batches; the taxonomy is not
    recorded as applied, so the next run re-tags everything again."""
    from negotiation_watch.store.db import ingest as ingest_module

    monkeypatch.setattr(ingest_module, "RETAG_BATCH", 2)
    ingest(db, feed_id, parsed(*STORIES, item("a4", "Russia again", "More on Russia.")), taxonomy, now=NOW)
    stop = threading.Event()
    seen = []

    def progress(done, total):
        seen.append(done)
        stop.set()

    assert retag_all(db, taxonomy, progress, stop) == 2
    assert seen == [2] and needs_retag(db, taxonomy)
    assert retag_all(db, taxonomy) == 4 and not needs_retag(db, taxonomy)


def test_worker_side_tags_match_and_skip_stored_entries(db, feed_id, taxonomy, db_path):
    """parse_and_tag (run in worker processes) tags only what is not stored, exactly as
    ingest would have."""
    body = rss(*STORIES)
    ingest(db, feed_id, parse_feed(rss(STORIES[0]), {}, FEED_URL), taxonomy, now=NOW)
    tagged = parse_and_tag(body, {}, FEED_URL, stored_hashes(db, feed_id), taxonomy, now=NOW)
    assert set(tagged.tags) == {"a2", "a3"}
    ingest(db, feed_id, tagged.parsed, taxonomy, now=NOW, tags=tagged.tags)
    with_worker_tags = db.execute(
        'SELECT a.guid, t.kind, t.tag_id, t.field, t.start, t."end" FROM tags t JOIN articles a ON a.id = t.article_id '
        "ORDER BY 1, 2, 3, 4, 5"
    ).fetchall()

    other = connection.connect(db_path.with_name("other.db"))
    other_feed = feed_rows.add_feed(other, FEED_URL)[0]
    ingest(other, other_feed, parse_feed(body, {}, FEED_URL), taxonomy, now=NOW)
    tagged_here = other.execute(
        'SELECT a.guid, t.kind, t.tag_id, t.field, t.start, t."end" FROM tags t JOIN articles a ON a.id = t.article_id '
        "ORDER BY 1, 2, 3, 4, 5"
    ).fetchall()
    other.close()
    assert with_worker_tags == tagged_here and tagged_here


def _linked(guid: str, title: str, link: str | None, text: str = "Envoys from Russia and Ukraine met.") -> str:
    where = f"<link>{link}</link>" if link else ""
    return (f"<item><guid isPermaLink=\"false\">{guid}</guid><title>{title}</title>{where}"
            f"<description>{text}</description><pubDate>Tue, 03 Jun 2025 10:00:00 GMT</pubDate></item>")


def _feed(db, url: str, taxonomy, *items: str, title: str = "Wire"):
    feed = feed_rows.add_feed(db, url, title)[0]
    return feed, ingest(db, feed, parse_feed(rss(*items, title=title), {}, url), taxonomy, now=NOW)


def test_the_same_story_from_two_feeds_is_one_article_listing_both(db, taxonomy):
    source, _ = _feed(db, "http://127.0.0.1:9/source.xml", taxonomy,
                      _linked("s1", "Russia and Ukraine swap prisoners", "https://news.example.org/swap"),
                      _linked("tag:wire.example,2025:77", "Iran talks resume", None),
                      _linked("1", "Local item one", None), title="Source")
    aggregator, result = _feed(db, "http://127.0.0.1:9/agg.xml", taxonomy,
                               _linked("agg-9", "Russia, Ukraine swap prisoners (via Source)",
                                       "https://news.example.org/swap", "Aggregated copy."),
                               _linked("tag:wire.example,2025:77", "Iran talks resume", None),
                               _linked("1", "Another feed's item one", None), title="Aggregator")
    assert result.new == 1  # only the numeric guid, which names nothing beyond its feed
    rows = queries.latest_articles(db)
    assert len(rows) == 4
    swap = next(r for r in rows if r.title == "Russia and Ukraine swap prisoners")
    assert swap.feed_title == "Source" and swap.also_in == ["Aggregator"]
    assert next(r for r in rows if r.title == "Iran talks resume").also_in == ["Aggregator"]
    assert queries.get_article(db, swap.id).also_in == ["Aggregator"]
    assert [len(queries.search_articles(db, "prisoners"))] == [1]
    again = ingest(db, aggregator, parse_feed(rss(
        _linked("agg-9", "Russia, Ukraine swap prisoners (edited)", "https://news.example.org/swap", "Changed."),
        _linked("tag:wire.example,2025:77", "Iran talks resume", None),
        _linked("1", "Another feed's item one", None), title="Aggregator"), {}, FEED_URL), taxonomy, now=NOW)
    assert (again.new, again.updated) == (0, 0)  # the source's own text stays
    assert queries.get_article(db, swap.id).title == "Russia and Ukraine swap prisoners"
    counts = {f["title"]: f["article_count"] for f in feed_rows.list_feeds(db)}
    assert counts == {"Source": 3, "Aggregator": 3}


def test_removing_the_first_feed_keeps_what_another_feed_carries(db, taxonomy):
    source, _ = _feed(db, "http://127.0.0.1:9/source.xml", taxonomy,
                      _linked("s1", "Russia and Ukraine swap prisoners", "https://news.example.org/swap"),
                      _linked("s2", "Only in the source", "https://news.example.org/only"), title="Source")
    aggregator, _ = _feed(db, "http://127.0.0.1:9/agg.xml", taxonomy,
                          _linked("agg-9", "Copy", "https://news.example.org/swap"), title="Aggregator")
    swap = next(r for r in queries.latest_articles(db) if r.url == "https://news.example.org/swap")
    writes.set_read(db, swap.id)
    tags_before = queries.get_article(db, swap.id).evidence
    feed_rows.remove_feed(db, source)
    rows = queries.latest_articles(db)
    assert [(r.id, r.feed_title, r.also_in, r.is_read) for r in rows] == [(swap.id, "Aggregator", [], True)]
    assert queries.get_article(db, swap.id).evidence == tags_before
    again = ingest(db, aggregator, parse_feed(rss(_linked("agg-9", "Copy", "https://news.example.org/swap"),
                                                  title="Aggregator"), {}, FEED_URL), taxonomy, now=NOW)
    assert again.new == 0 and len(queries.latest_articles(db)) == 1
    assert db.execute("SELECT count(*) FROM article_feeds").fetchone()[0] == 0
