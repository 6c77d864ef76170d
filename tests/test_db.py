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


def _article_totals_recounted(db):
    return db.execute("SELECT count(*), coalesce(sum(is_read = 0), 0) FROM articles").fetchone()


def test_article_totals_follow_every_kind_of_change(db_path):
    """stats() reads kept totals, not the articles table: they must match a recount after
    inserts, read marks, deletions and a feed's removal."""
    db = connection.connect(db_path)

    def read_or_unread(conn, rng, article):
        conn.execute("UPDATE articles SET is_read = ? WHERE id = ?", (rng.randint(0, 1), article))

    def check(when):
        s = queries.stats(db)
        assert (s.articles, s.unread) == _article_totals_recounted(db), when

    _churn(db, 3, ["2025-01-01T00:00:00Z"], read_or_unread, check)
    writes.set_read(db, db.execute("SELECT max(id) FROM articles").fetchone()[0], False)
    check("marked unread through the store")


def test_schema_3_database_gains_its_article_totals(db_path):
    db = connection.connect(db_path)
    feed_id, _ = feed_rows.add_feed(db, "https://example.org/a")
    with connection.write_transaction(db) as conn:
        for n in range(5):
            article = _article(conn, feed_id, f"g{n}", "Envoys meet", "2025-01-01T00:00:00Z", read=n % 2)
            _tag(conn, article, "party", "RUS")
        conn.execute("DROP TABLE article_totals")
        for trigger in ("articles_count_ai", "articles_count_ad", "articles_count_read"):
            conn.execute(f"DROP TRIGGER {trigger}")
    connection.set_meta(db, "schema_version", "3")
    db.close()
    again = connection.connect(db_path)
    assert connection.get_meta(again, "schema_version") == str(connection.SCHEMA_VERSION)
    s = queries.stats(again)
    assert (s.articles, s.unread) == (5, 3) == _article_totals_recounted(again)
    assert [r.title for r in queries.search_articles(again, "envoys")] == ["Envoys meet"] * 5
    assert _counted(again) == [("party", "RUS", 5, 3)]


def _fill(db, feed_id, n, start=0):
    with connection.write_transaction(db) as conn:
        for i in range(start, start + n):
            article = _article(conn, feed_id, f"g{i}", f"Envoys meet {i} " + "x" * 400, "2025-01-01T00:00:00Z",
                               summary="y" * 1500)
            _tag(conn, article, "party", "RUS")


def test_removing_a_big_feed_takes_the_lock_in_batches_and_gives_the_space_back(db_path, monkeypatch):
    monkeypatch.setattr(feed_rows, "REMOVE_BATCH", 100)
    db = connection.connect(db_path)
    assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental, from the start
    big, _ = feed_rows.add_feed(db, "https://example.org/big")
    kept, _ = feed_rows.add_feed(db, "https://example.org/kept")
    _fill(db, big, 450)
    _fill(db, kept, 5, start=1000)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    full = db_path.stat().st_size
    statements = []
    db.set_trace_callback(statements.append)
    feed_rows.remove_feed(db, big)
    db.set_trace_callback(None)
    # pause, 5 batches of at most 100 articles, the feed row, then at least one step giving space back
    assert sum(statement.startswith("BEGIN IMMEDIATE") for statement in statements) >= 8
    assert db.execute("PRAGMA freelist_count").fetchone()[0] == 0
    assert db_path.stat().st_size < full / 4
    s = queries.stats(db)
    assert (s.feeds, s.articles) == (1, 5) and queries.tag_counts(db)[0].articles == 5
    db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_giving_space_back_frees_a_full_step_per_transaction(db_path, monkeypatch):
    """Each transaction frees VACUUM_STEP_PAGES pages, not one: a step of the pragma per
    page, run to its end (one `execute` of it freed a single page, so a re-tag that left
    20,000 free pages committed 20,000 times)."""
    monkeypatch.setattr(connection, "VACUUM_STEP_PAGES", 50)
    db = connection.connect(db_path)
    feed_id, _ = feed_rows.add_feed(db, "https://example.org/a")
    _fill(db, feed_id, 500)
    with connection.write_transaction(db) as conn:
        conn.execute("DELETE FROM articles")
    free = db.execute("PRAGMA freelist_count").fetchone()[0]
    assert free > 200
    statements = []
    db.set_trace_callback(statements.append)
    given = connection.give_back_space(db)
    db.set_trace_callback(None)
    assert db.execute("PRAGMA freelist_count").fetchone()[0] == 0
    steps = sum("incremental_vacuum" in statement for statement in statements)
    assert steps == -(-free // 50)
    assert given == free
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_giving_space_back_on_a_read_only_file_is_refused(db_path):
    db = connection.connect(db_path)
    feed_id, _ = feed_rows.add_feed(db, "https://example.org/a")
    _fill(db, feed_id, 50)
    with connection.write_transaction(db) as conn:
        conn.execute("DELETE FROM articles")
    db.execute("PRAGMA query_only = 1")
    with pytest.raises(connection.StoreError, match="read-only"):
        connection.give_back_space(db)


def test_bulk_writes_settings_are_restored_even_after_an_error(db_path):
    db = connection.connect(db_path)
    before = [db.execute(f"PRAGMA {name}").fetchone()[0] for name in ("cache_size", "wal_autocheckpoint")]
    with pytest.raises(RuntimeError), connection.bulk_writes(db):
        assert db.execute("PRAGMA cache_size").fetchone()[0] == -connection.BULK_CACHE_KIB
        assert db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == connection.BULK_CHECKPOINT_PAGES
        raise RuntimeError("a batch failed")
    assert [db.execute(f"PRAGMA {name}").fetchone()[0] for name in ("cache_size", "wal_autocheckpoint")] == before


def test_compact_shrinks_an_older_file_and_converts_it(db_path):
    db = connection.connect(db_path)
    db.execute("PRAGMA auto_vacuum = NONE")
    db.execute("VACUUM")  # as files were made before schema 5
    feed_id, _ = feed_rows.add_feed(db, "https://example.org/a")
    _fill(db, feed_id, 200)
    with connection.write_transaction(db) as conn:
        conn.execute("DELETE FROM articles")
    assert connection.give_back_space(db) == 0  # not possible in this mode
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = db_path.stat().st_size
    free = db.execute("PRAGMA freelist_count").fetchone()[0] * db.execute("PRAGMA page_size").fetchone()[0]
    assert free > before / 2
    connection.compact(db)
    assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2
    assert db_path.stat().st_size <= before - free + 4096  # the free pages gone; a page of auto-vacuum's map


def test_a_single_letter_is_a_word_not_a_prefix(db_path):
    """Search as you type: the first letter alone would match most of the index as a prefix."""
    db = connection.connect(db_path)
    feed_id, _ = feed_rows.add_feed(db, "https://example.org/a")
    with connection.write_transaction(db) as conn:
        _article(conn, feed_id, "g1", "Summit in Sochi", "2025-01-01T00:00:00Z")
        _article(conn, feed_id, "g2", "Plan B for the summit", "2025-01-02T00:00:00Z")
    assert [r.title for r in queries.search_articles(db, "s")] == []
    assert [r.title for r in queries.search_articles(db, "b")] == ["Plan B for the summit"]
    assert len(queries.search_articles(db, "su")) == 2
    assert [r.title for r in queries.search_articles(db, "so")] == ["Summit in Sochi"]


def test_schema_3_database_gains_interactions_keeps_articles_and_asks_for_a_retag(db_path):
    db = connection.connect(db_path)
    feed_id, _ = feed_rows.add_feed(db, "https://example.org/a")
    with connection.write_transaction(db) as conn:
        for n in range(3):
            _tag(conn, _article(conn, feed_id, f"g{n}", "Putin meets Erdogan", "2025-01-01T00:00:00Z"), "party", "RUS")
        conn.execute("DROP TABLE interactions")
        conn.execute("DROP TRIGGER articles_bd_interactions")
    connection.set_meta(db, "schema_version", "3")
    connection.set_meta(db, "taxonomy_version", "from-before")
    db.close()
    again = connection.connect(db_path)
    assert connection.get_meta(again, "schema_version") == str(connection.SCHEMA_VERSION)
    assert again.execute("SELECT count(*) FROM articles").fetchone()[0] == 3
    assert again.execute("SELECT count(*) FROM tags").fetchone()[0] == 3
    assert again.execute("SELECT count(*) FROM interactions").fetchone()[0] == 0
    assert connection.get_meta(again, "taxonomy_version") == "before-interactions"  # the next run re-tags, filling them


def _interaction(conn, article_id, action, source, target, mutual=0, track=None, text="x"):
    conn.execute(
        'INSERT INTO interactions (article_id, action, source, target, mutual, track, field, start, "end", text, '
        "signal_start, signal_end) VALUES (?, ?, ?, ?, ?, ?, 'title', 0, ?, ?, 0, 1)",
        (article_id, action, source, target, mutual, track, len(text), text),
    )


def test_matrices_count_articles_per_pair_in_the_window_and_filter(db_path):
    db = connection.connect(db_path)
    feed_id, _ = feed_rows.add_feed(db, "https://example.org/a")
    with connection.write_transaction(db) as conn:
        a1 = _article(conn, feed_id, "g1", "one", "2025-03-10T08:00:00Z")
        a2 = _article(conn, feed_id, "g2", "two", "2025-03-20T08:00:00Z")
        old = _article(conn, feed_id, "g3", "old", "2024-12-01T08:00:00Z")
        _interaction(conn, a1, "meet", "RUS", "UKR", 1, "russia-ukraine-talks")
        _interaction(conn, a1, "meet", "RUS", "UKR", 1, "russia-ukraine-talks")  # a second sentence: one article
        _interaction(conn, a2, "reject", "UKR", "RUS", 0, "russia-ukraine-talks")
        _interaction(conn, a2, "mediate", "TUR", "RUS", 0, None)
        _interaction(conn, old, "meet", "USA", "CHN", 1, None)
    end = date(2025, 3, 31)
    counts = queries.interaction_counts(db, days=30, end=end)
    pairs = queries.party_matrix(counts)
    assert pairs.rows == pairs.columns == ["RUS", "UKR", "TUR"]  # the busiest first
    assert pairs.count("UKR", "RUS") == 2 and pairs.count("RUS", "UKR") == 1  # met both ways, rejected one way
    assert pairs.count("TUR", "RUS") == 1 and pairs.count("RUS", "TUR") == 0
    assert pairs.peak == 2  # the meeting said twice in one article counts once
    assert queries.party_matrix(counts, action="meet").count("UKR", "RUS") == 1
    assert queries.party_matrix(counts, track="russia-ukraine-talks").rows == ["RUS", "UKR"]
    formats = queries.party_track_matrix(counts)
    assert formats.columns == ["russia-ukraine-talks"] and formats.count("RUS", "russia-ukraine-talks") == 2
    assert queries.facet_values(counts) == (["mediate", "meet", "reject"], ["russia-ukraine-talks"])
    assert queries.party_matrix(queries.interaction_counts(db, days=365, end=end)).count("USA", "CHN") == 1
    listed = queries.cell_articles(db, "UKR", "RUS", end=end)
    assert [(i.article.title, i.interaction["action"]) for i in listed] == [("two", "reject"), ("one", "meet")]
    assert queries.cell_articles(db, "RUS", "UKR", end=end, action="reject") == []
    in_track = queries.cell_articles(db, "RUS", "russia-ukraine-talks", by_track=True, end=end, action="reject")
    assert [i.article.title for i in in_track] == ["two"]
    assert queries.cell_articles(db, "USA", "CHN", end=end) == []  # outside the window
    with connection.write_transaction(db) as conn:
        conn.execute("DELETE FROM articles WHERE id = ?", (a1,))
    assert db.execute("SELECT count(*) FROM interactions WHERE article_id = ?", (a1,)).fetchone()[0] == 0


def test_interaction_days_follow_inserts_deletions_redates_and_removed_articles(db_path):
    import random

    db = connection.connect(db_path)
    feed_id, _ = feed_rows.add_feed(db, "https://example.org/a")
    rng = random.Random(4)
    parties, actions, tracks = ["RUS", "UKR", "TUR"], ["meet", "reject"], [None, "russia-ukraine-talks"]
    with connection.write_transaction(db) as conn:
        ids = [_article(conn, feed_id, f"g{n}", "t", f"2025-01-0{1 + n % 4}T08:00:00Z") for n in range(12)]
        for _ in range(60):
            source, target = rng.sample(parties, 2)
            _interaction(conn, rng.choice(ids), rng.choice(actions), source, target, rng.randint(0, 1), rng.choice(tracks))
    for step in range(30):
        with connection.write_transaction(db) as conn:
            choice = rng.random()
            if choice < 0.4:
                row = conn.execute("SELECT id FROM interactions ORDER BY random() LIMIT 1").fetchone()
                if row:
                    conn.execute("DELETE FROM interactions WHERE id = ?", row)
            elif choice < 0.7:
                conn.execute("UPDATE articles SET published = ? WHERE id = ?",
                             (f"2025-01-0{rng.randint(1, 6)}T09:00:00Z", rng.choice(ids)))
            elif choice < 0.8 and len(ids) > 4:
                conn.execute("DELETE FROM articles WHERE id = ?", (ids.pop(rng.randrange(len(ids))),))
            else:
                source, target = rng.sample(parties, 2)
                _interaction(conn, rng.choice(ids), rng.choice(actions), source, target, 1, rng.choice(tracks))
        kept = sorted(db.execute("SELECT * FROM interaction_days WHERE articles > 0").fetchall())
        recounted = sorted(db.execute(
            "SELECT substr(a.published, 1, 10), i.action, i.source, i.target, i.mutual, coalesce(i.track, ''), "
            "count(DISTINCT i.article_id) FROM interactions i JOIN articles a ON a.id = i.article_id "
            "GROUP BY 1, 2, 3, 4, 5, 6").fetchall())
        assert kept == recounted, f"step {step}"
        assert db.execute("SELECT count(*) FROM interaction_days WHERE articles < 0").fetchone()[0] == 0


def test_the_readme_schema_table_names_every_column_of_every_table(db_path):
    """The README promises every column of every table (FTS5's own shadow tables aside)."""
    import re
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The database", 1)[1].split("\n\n", 2)[2].split("\n\n", 1)[0]
    named: dict[str, set[str]] = {}
    for line in section.splitlines()[2:]:
        _, table, columns, *_ = line.split("|")
        if table.strip():
            current = re.findall(r"`([^`]+)`", table)[0]
        named.setdefault(current, set()).update(re.findall(r"`(?:\w+\.)?(\w+)`", columns))
    db = connection.connect(db_path)
    shadow = re.compile(r"articles_fts_\w+|sqlite_\w+")
    schema = {name: [row[1] for row in db.execute(f"PRAGMA table_info('{name}')")]
              for name in tables(db) if not shadow.fullmatch(name)}
    assert set(named) == set(schema)
    assert {name: [c for c in columns if c not in named[name]] for name, columns in schema.items()} == \
        {name: [] for name in schema}


def _open_after_old_trigger(db_path, name: str, old_sql, version: int):
    """Replace trigger `name` with what `old_sql` makes of today's SQL, mark the file as
    schema `version`, and open it again: the upgrade must bring back today's trigger, which
    the script alone (CREATE TRIGGER IF NOT EXISTS) would leave as it was. Returns the
    reopened connection and today's SQL."""
    db = connection.connect(db_path)
    current = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
    with connection.write_transaction(db) as conn:
        old = old_sql(current)
        assert old != current
        conn.execute(f"DROP TRIGGER {name}")
        conn.execute(old)
    connection.set_meta(db, "schema_version", str(version))
    db.close()
    again = connection.connect(db_path)
    assert connection.get_meta(again, "schema_version") == str(connection.SCHEMA_VERSION)
    assert again.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0] == current
    return again


def test_schema_10_database_gets_the_trigger_that_reads_a_storys_own_articles(db_path):
    """Schema 11 rewrites the trigger an article's deletion fires so it checks its story's
    tags through the story's articles."""
    again = _open_after_old_trigger(db_path, "articles_story_ad", lambda sql: sql.replace("CROSS JOIN", "JOIN"), 10)
    again.close()


def test_schema_11_database_gets_the_story_tag_trigger_that_leaves_a_given_last_seen(db_path):
    """Schema 12 fires story_tags_seen only for a row inserted without its story's
    last_seen (ingest now gives it)."""
    again = _open_after_old_trigger(
        db_path, "story_tags_seen", lambda sql: sql.replace(" WHEN new.last_seen = ''", ""), 11)
    with connection.write_transaction(again) as conn:
        conn.execute("INSERT INTO stories (id, first_seen, last_seen) VALUES (1, '2026-01-01', '2026-01-02')")
        conn.execute("INSERT INTO story_tags (kind, tag_id, story_id) VALUES ('party', 'RUS', 1)")
    assert again.execute("SELECT last_seen FROM story_tags").fetchall() == [("2026-01-02",)]
    again.close()
