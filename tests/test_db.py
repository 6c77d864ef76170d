"""The store: schema, migrations, refusals, and the read queries the dashboard uses."""

import sqlite3
from datetime import date

import pytest

from negotiation_watch.store.db import connection, feed_rows, queries, story_rows, writes


def _article(conn, feed_id, guid, title, published, summary="", read=0):
    cursor = conn.execute(
        "INSERT INTO articles (feed_id, guid, title, summary, published, fetched, content_hash, is_read) "
        "VALUES (?, ?, ?, ?, ?, ?, 'h', ?)",
        (feed_id, guid, title, summary, published, published, read),
    )
    writes.index_articles(conn, cursor.lastrowid, cursor.lastrowid)
    return cursor.lastrowid


def _tag(conn, article_id, kind, tag_id, start=0, text="x"):
    conn.execute(
        'INSERT INTO tags (article_id, kind, tag_id, field, start, "end", text) VALUES (?, ?, ?, ?, ?, ?, ?)',
        (article_id, kind, tag_id, "title", start, start + len(text), text),
    )


def tables(db: sqlite3.Connection) -> set[str]:
    return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_new_database_has_schema_wal_and_foreign_keys(db_path):
    db = connection.connect(db_path)
    assert {"feeds", "articles", "tags", "meta", "articles_fts"} <= tables(db)
    assert connection.get_meta(db, "schema_version") == str(connection.SCHEMA_VERSION)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == connection.BUSY_TIMEOUT_MS


def test_reopening_keeps_data(db_path):
    db = connection.connect(db_path)
    feed_rows.add_feed(db, "https://example.org/feed")
    db.close()
    again = connection.connect(db_path)
    assert [f["url"] for f in feed_rows.list_feeds(again)] == ["https://example.org/feed"]


def test_newer_schema_is_refused_and_left_untouched(db_path):
    db = connection.connect(db_path)
    connection.set_meta(db, "schema_version", str(connection.SCHEMA_VERSION + 1))
    db.close()
    before = db_path.read_bytes()
    with pytest.raises(connection.StoreError, match="newer negotiation-watch"):
        connection.connect(db_path)
    assert db_path.read_bytes() == before


def test_garbage_file_is_refused_and_left_untouched(db_path):
    db_path.write_bytes(b"this is not sqlite at all" * 100)
    before = db_path.read_bytes()
    with pytest.raises(connection.StoreError, match="not a readable negotiation-watch database"):
        connection.connect(db_path)
    assert db_path.read_bytes() == before


def test_directory_is_refused(tmp_path):
    with pytest.raises(connection.StoreError, match="is a directory"):
        connection.connect(tmp_path)


def test_foreign_database_is_refused(db_path):
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE feeds (x)")
    conn.commit()
    conn.close()
    with pytest.raises(connection.StoreError, match="no negotiation-watch schema"):
        connection.connect(db_path)


def test_add_feed_reports_duplicates(db_path):
    db = connection.connect(db_path)
    first = feed_rows.add_feed(db, "https://example.org/a")
    again = feed_rows.add_feed(db, "https://example.org/a")
    assert first[1] is True and again == (first[0], False)
    assert feed_rows.find_feed(db, "https://example.org/a")["id"] == first[0]
    assert feed_rows.find_feed(db, first[0])["url"] == "https://example.org/a"


def test_removing_a_feed_removes_its_articles_tags_and_search_rows(db_path):
    db = connection.connect(db_path)
    feed_id, _ = feed_rows.add_feed(db, "https://example.org/a")
    with connection.write_transaction(db) as conn:
        article = _article(conn, feed_id, "g1", "Lavrov meets Blinken", "2022-01-21T10:00:00Z")
        _tag(conn, article, "party", "RUS")
    assert queries.search_articles(db, "lavrov")
    feed_rows.remove_feed(db, feed_id)
    assert db.execute("SELECT count(*) FROM tags").fetchone()[0] == 0
    assert queries.search_articles(db, "lavrov") == []


def test_write_transaction_rolls_back_on_error(db_path):
    db = connection.connect(db_path)
    feed_id, _ = feed_rows.add_feed(db, "https://example.org/a")
    with pytest.raises(RuntimeError):
        with connection.write_transaction(db) as conn:
            _article(conn, feed_id, "g1", "half", "2022-01-21T10:00:00Z")
            raise RuntimeError("crash mid-ingest")
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 0


def test_latest_articles_filters_by_tag_pages_and_carries_labels(db_path):
    db = connection.connect(db_path)
    feed_id, _ = feed_rows.add_feed(db, "https://example.org/a", title="Wire")
    with connection.write_transaction(db) as conn:
        for day in range(1, 8):
            article = _article(conn, feed_id, f"g{day}", f"item {day}", f"2025-08-0{day}T09:00:00Z")
            _tag(conn, article, "party", "RUS" if day % 2 else "UKR")
            _tag(conn, article, "track", "russia-ukraine-talks")
    rus = queries.latest_articles(db, "party", "RUS", limit=2)
    assert [r.title for r in rus] == ["item 7", "item 5"]
    assert rus[0].feed_title == "Wire"
    assert {(t.kind, t.tag_id) for t in rus[0].tags} == {("party", "RUS"), ("track", "russia-ukraine-talks")}
    page_two = queries.latest_articles(db, "party", "RUS", limit=2, before=(rus[-1].published, rus[-1].id))
    assert [r.title for r in page_two] == ["item 3", "item 1"]
    assert len(queries.latest_articles(db)) == 7


def test_tag_counts_daily_counts_and_read_state(db_path):
    from datetime import date

    db = connection.connect(db_path)
    feed_id, _ = feed_rows.add_feed(db, "https://example.org/a")
    with connection.write_transaction(db) as conn:
        a1 = _article(conn, feed_id, "g1", "one", "2025-08-01T09:00:00Z")
        a2 = _article(conn, feed_id, "g2", "two", "2025-08-03T09:00:00Z")
        _tag(conn, a1, "party", "RUS")
        _tag(conn, a1, "party", "RUS", start=5)  # two evidence spans, one article
        _tag(conn, a2, "party", "RUS")
        story_rows.group(conn, [a1, a2])
    writes.set_read(db, a1)
    counts = {(c.kind, c.tag_id): c for c in queries.tag_counts(db)}
    # unread counts stories: "one" and "two" are two stories, one of them read
    rus = counts["party", "RUS"]
    assert (rus.articles, rus.unread, rus.stories, rus.unread_stories) == (2, 1, 2, 1)
    assert queries.daily_counts(db, "party", "RUS", days=4, end=date(2025, 8, 4)) == [1, 0, 1, 0]
    detail = queries.get_article(db, a1)
    assert detail.is_read and len(detail.evidence) == 2


def test_search_survives_fts_syntax_and_filters_by_tag(db_path):
    db = connection.connect(db_path)
    feed_id, _ = feed_rows.add_feed(db, "https://example.org/a")
    with connection.write_transaction(db) as conn:
        a1 = _article(conn, feed_id, "g1", "Normandy Format meets in Paris", "2019-12-09T09:00:00Z")
        _article(conn, feed_id, "g2", "Normandy beaches reopen", "2019-12-10T09:00:00Z")
        _tag(conn, a1, "track", "normandy-format")
    assert len(queries.search_articles(db, "normandy")) == 2
    assert [r.id for r in queries.search_articles(db, "normandy", "track", "normandy-format")] == [a1]
    with pytest.raises(queries.SearchSyntaxError, match="cannot search for"):  # said, not crashed
        queries.search_articles(db, 'norm" OR * NEAR(')
    assert [r.id for r in queries.search_articles(db, "title:paris OR title:nothing")] == [a1]  # FTS5's own syntax
    assert queries.search_articles(db, "   ") == []


def test_stats_counts_feed_health(db_path):
    db = connection.connect(db_path)
    ok, _ = feed_rows.add_feed(db, "https://example.org/ok")
    bad, _ = feed_rows.add_feed(db, "https://example.org/bad")
    feed_rows.update_feed(db, ok, last_fetch="2025-08-01T00:00:00Z", consecutive_errors=0)
    feed_rows.update_feed(db, bad, last_fetch="2025-08-01T00:00:00Z", consecutive_errors=3)
    s = queries.stats(db)
    assert (s.feeds, s.feeds_ok, s.feeds_failing) == (2, 1, 1)
    # paused wins over failing, and a feed never fetched is new: one definition for the
    # status line's counts and every feed's word
    held, _ = feed_rows.add_feed(db, "https://example.org/held")
    feed_rows.update_feed(db, held, last_fetch="2025-08-01T00:00:00Z", consecutive_errors=2)
    feed_rows.set_feed_paused(db, held, True)
    feed_rows.add_feed(db, "https://example.org/new")
    s = queries.stats(db)
    assert (s.feeds, s.feeds_ok, s.feeds_failing, s.feeds_paused) == (4, 1, 1, 1)
    assert [feed["health"] for feed in feed_rows.list_feeds(db)] == ["ok", "failing", "paused", "new"]
    with pytest.raises(ValueError):
        feed_rows.update_feed(db, ok, bogus=1)


def test_latest_articles_pages_the_same_through_frequent_and_rare_tags(db_path, monkeypatch):
    db = connection.connect(db_path)
    feed_id, _ = feed_rows.add_feed(db, "https://example.org/feed")
    with connection.write_transaction(db) as conn:
        for n in range(30):
            article = _article(conn, feed_id, f"g{n}", f"t{n}", f"2022-01-{1 + n % 5:02d}T00:00:00Z")
            if n % 3:
                _tag(conn, article, "party", "RUS")
    expected = [row.id for row in queries.latest_articles(db, "party", "RUS", limit=100)]
    for threshold in (1, 10_000):  # forces the walk-the-newest plan, then the tag-index plan
        monkeypatch.setattr(queries, "FREQUENT_TAG_ROWS", threshold)
        pages, before = [], None
        while True:
            rows = queries.latest_articles(db, "party", "RUS", limit=7, before=before)
            if not rows:
                break
            pages += [row.id for row in rows]
            before = (rows[-1].published, rows[-1].id)
        assert pages == expected and len(pages) == 20


def test_daily_counts_all_matches_daily_counts(db_path):
    from datetime import date

    db = connection.connect(db_path)
    feed_id, _ = feed_rows.add_feed(db, "https://example.org/feed")
    with connection.write_transaction(db) as conn:
        for n in range(12):
            article = _article(conn, feed_id, f"g{n}", f"t{n}", f"2022-01-{1 + n:02d}T10:00:00Z")
            _tag(conn, article, "party", "RUS")
            _tag(conn, article, "party", "RUS", start=5)  # two spans, still one article
            if n % 2:
                _tag(conn, article, "track", "normandy-format")
    end = date(2022, 1, 10)
    every = queries.daily_counts_all(db, days=7, end=end)
    assert every[("party", "RUS")] == queries.daily_counts(db, "party", "RUS", days=7, end=end) == [1] * 7
    assert every[("track", "normandy-format")] == queries.daily_counts(db, "track", "normandy-format", days=7, end=end)
    assert set(every) == {("party", "RUS"), ("track", "normandy-format")}


def test_many_connections_to_a_new_file_at_once_all_succeed(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    for attempt in range(15):
        path = tmp_path / f"fresh-{attempt}.db"
        with ThreadPoolExecutor(6) as pool:
            databases = list(pool.map(lambda _: connection.connect(path), range(6)))
        assert all(connection.get_meta(db, "schema_version") == str(connection.SCHEMA_VERSION) for db in databases)


def test_search_ranks_best_first_breaks_ties_by_date_and_keeps_to_the_limit(db_path):
    db = connection.connect(db_path)
    feed_id, _ = feed_rows.add_feed(db, "https://example.org/a")
    with connection.write_transaction(db) as conn:
        older = _article(conn, feed_id, "g1", "Ceasefire talks", "2024-01-01T00:00:00Z", summary="Envoys met.")
        newer = _article(conn, feed_id, "g2", "Ceasefire talks", "2024-02-01T00:00:00Z", summary="Envoys met.")
        best = _article(conn, feed_id, "g3", "Ceasefire ceasefire ceasefire", "2023-01-01T00:00:00Z",
                        summary="Ceasefire, ceasefire.")
        for n in range(5):
            _article(conn, feed_id, f"x{n}", f"Unrelated {n}", "2024-03-01T00:00:00Z")
    assert [r.id for r in queries.search_articles(db, "ceasefire")] == [best, newer, older]
    assert [r.id for r in queries.search_articles(db, "ceasefire", limit=1)] == [best]


def test_search_ranks_only_the_newest_matches(db_path, monkeypatch):
    db = connection.connect(db_path)
    feed_id, _ = feed_rows.add_feed(db, "https://example.org/a")
    with connection.write_transaction(db) as conn:
        oldest_best = _article(conn, feed_id, "g0", "Truce truce truce", "2024-01-01T00:00:00Z", summary="Truce.")
        recent = [_article(conn, feed_id, f"g{n}", f"Truce item {n}", "2024-02-01T00:00:00Z") for n in range(1, 4)]
    assert queries.search_articles(db, "truce")[0].id == oldest_best
    monkeypatch.setattr(queries, "RANKED_MATCHES", 3)
    assert sorted(r.id for r in queries.search_articles(db, "truce")) == recent


def _recounted(db):
    """tag_counts the slow way, straight from tags and articles."""
    return sorted(
        db.execute(
            "SELECT t.kind, t.tag_id, count(DISTINCT t.article_id), "
            "count(DISTINCT CASE WHEN a.is_read = 0 THEN a.id END) FROM tags t "
            "JOIN articles a ON a.id = t.article_id GROUP BY t.kind, t.tag_id"
        )
    )


def _counted(db):
    return sorted((c.kind, c.tag_id, c.articles, c.unread) for c in queries.tag_counts(db))


def _churn(db, seed: int, days: list[str], edit, check) -> None:
    """300 random changes, each in its own transaction and checked by `check()` after it:
    new articles with up to four tags (repeated evidence of one tag counts once),
    re-tags, `edit(conn, rng, article)` and deletions; then a feed removed with its articles."""
    import random

    rng = random.Random(seed)
    feeds = [feed_rows.add_feed(db, f"https://example.org/{n}")[0] for n in range(3)]
    ids = []
    for step in range(300):
        action = rng.random()
        with connection.write_transaction(db) as conn:
            if action < 0.4 or not ids:
                article = _article(conn, rng.choice(feeds), f"g{step}", "t", rng.choice(days))
                for _ in range(rng.randint(0, 4)):
                    _tag(conn, article, rng.choice(["party", "track"]), rng.choice("ABC"), start=rng.randint(0, 9))
                ids.append(article)
            elif action < 0.55:  # re-tagging replaces an article's tags
                article = rng.choice(ids)
                conn.execute("DELETE FROM tags WHERE article_id = ?", (article,))
                _tag(conn, article, "party", rng.choice("ABCD"))
            elif action < 0.85:
                edit(conn, rng, rng.choice(ids))
            else:
                article = ids.pop(rng.randrange(len(ids)))
                conn.execute("DELETE FROM articles WHERE id = ?", (article,))
        check(f"step {step}")
    feed_rows.remove_feed(db, feeds[0])
    check("feed removed")


def test_tag_totals_follow_every_kind_of_change(db_path):
    db = connection.connect(db_path)

    def read_or_unread(conn, rng, article):
        conn.execute("UPDATE articles SET is_read = ? WHERE id = ?", (rng.randint(0, 1), article))

    def check(when):
        assert _counted(db) == _recounted(db), when

    _churn(db, 5, ["2025-01-01T00:00:00Z"], read_or_unread, check)


def _days_recounted(db):
    """tag_days the slow way: distinct articles per tag and day of publication."""
    return sorted(
        db.execute(
            "SELECT substr(a.published, 1, 10), t.kind, t.tag_id, count(DISTINCT a.id) FROM tags t "
            "JOIN articles a ON a.id = t.article_id GROUP BY 1, 2, 3"
        )
    )


def _days_counted(db):
    return sorted(db.execute("SELECT day, kind, tag_id, articles FROM tag_days WHERE articles > 0"))


def test_tag_days_follow_every_kind_of_change(db_path):
    db = connection.connect(db_path)
    days = ["2025-01-01T09:00:00Z", "2025-01-01T23:59:59Z", "2025-01-02T00:00:00Z", "2025-01-05T12:00:00Z"]

    def redate(conn, rng, article):  # a feed gives a date (or a new one) for a stored article
        conn.execute("UPDATE articles SET published = ? WHERE id = ?", (rng.choice(days), article))

    def check(when):
        assert _days_counted(db) == _days_recounted(db), when

    _churn(db, 11, days, redate, check)
    end = date(2025, 1, 5)
    by_tag = queries.daily_counts_all(db, days=5, end=end)
    for kind, tag_id in by_tag:
        assert by_tag[(kind, tag_id)] == queries.daily_counts(db, kind, tag_id, days=5, end=end)


def test_schema_1_database_gains_its_tag_totals(db_path):
    db = connection.connect(db_path)
    feed_id, _ = feed_rows.add_feed(db, "https://example.org/a")
    with connection.write_transaction(db) as conn:
        for n in range(4):
            article = _article(conn, feed_id, f"g{n}", "t", "2025-01-01T00:00:00Z", read=n % 2)
            _tag(conn, article, "party", "RUS")
        conn.execute("DROP TABLE tag_totals")
        conn.execute("DROP TABLE tag_days")
        for trigger in ("tags_ai", "tags_ad", "articles_bd", "articles_read"):
            conn.execute(f"DROP TRIGGER {trigger}")
    connection.set_meta(db, "schema_version", "1")
    db.close()
    again = connection.connect(db_path)
    assert connection.get_meta(again, "schema_version") == str(connection.SCHEMA_VERSION)
    assert _counted(again) == [("party", "RUS", 4, 2)] == _recounted(again)
    assert _days_counted(again) == [("2025-01-01", "party", "RUS", 4)] == _days_recounted(again)


def test_schema_2_database_stops_indexing_row_by_row(db_path):
    """Schema 2 indexed each new article through a trigger; schema 3 indexes whole
    batches, so the trigger must go, or every ingested article would be indexed twice."""
    db = connection.connect(db_path)
    feed_id, _ = feed_rows.add_feed(db, "https://example.org/a")
    with connection.write_transaction(db) as conn:
        _article(conn, feed_id, "g1", "Envoys meet in Geneva", "2025-01-01T00:00:00Z")
        conn.execute(
            "CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN INSERT INTO articles_fts "
            "(rowid, title, summary) VALUES (new.id, new.title, new.summary); END"
        )
    connection.set_meta(db, "schema_version", "2")
    db.close()
    again = connection.connect(db_path)
    assert connection.get_meta(again, "schema_version") == str(connection.SCHEMA_VERSION)
    triggers = {row[0] for row in again.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert "articles_ai" not in triggers
    with connection.write_transaction(again) as conn:
        _article(conn, feed_id, "g2", "Envoys meet in Vienna", "2025-01-02T00:00:00Z")
    again.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
    assert [row.title for row in queries.search_articles(again, "envoys")] == [
        "Envoys meet in Vienna", "Envoys meet in Geneva"
    ]
