"""Stories: the judgement (store/extract/stories.py) and its upkeep by ingest and retag,
on real SQLite files with the real extractor."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone

import pytest
from feedgen import item, rss
from sqlite_steps import vm_steps

from negotiation_watch.store.db import connection, feed_rows, queries, story_rows, writes
from negotiation_watch.store.db.ingest import RETAG_JOB_KEY, STORIES_VERSION_KEY, ingest, needs_retag, retag_all
from negotiation_watch.store.extract import stories
from negotiation_watch.store.extract.fold import fold_text
from negotiation_watch.store.extract.taxonomy import default_taxonomy, load_taxonomy
from negotiation_watch.store.parse.feed import parse_feed

NOW = datetime(2022, 1, 12, 9, 0, tzinfo=timezone.utc)
GENEVA = "US and Russian envoys meet in Geneva on security"
GENEVA_TEXT = ("Wendy Sherman and Sergei Ryabkov met at the US mission in Geneva on Monday for the Strategic "
               "Stability Dialogue, with Moscow pressing its demand that NATO stop expanding eastward.")
# the same event, three outlets: the wire copy, a rewrite, a follow-up the next day
GENEVA_ITEMS = {
    "wire": item("g-wire", GENEVA, GENEVA_TEXT, "Mon, 10 Jan 2022 18:20:00 GMT"),
    "daily": item("g-daily", "Sherman and Ryabkov end Geneva round without breakthrough",
                  "After a long session in Geneva, Wendy Sherman said Washington had pushed back on proposals "
                  "that were non-starters; Sergei Ryabkov called the talks difficult.", "Mon, 10 Jan 2022 19:05:00 GMT"),
    "post": item("g-post", "Ryabkov sees little reason for optimism after Geneva",
                 "A day after meeting Wendy Sherman in Geneva, Sergei Ryabkov said the United States had not moved "
                 "on NATO enlargement.", "Tue, 11 Jan 2022 09:15:00 GMT"),
}
# the same parties two days later, another event
COUNCIL = item("nrc", "NATO-Russia Council meets in Brussels", "Alexander Grushko led a Russian delegation to NATO "
               "headquarters in Brussels, where Jens Stoltenberg offered talks on arms control.",
               "Wed, 12 Jan 2022 16:00:00 GMT")


@pytest.fixture(scope="module")
def taxonomy():
    return default_taxonomy()


@pytest.fixture
def db(db_path):
    database = connection.connect(db_path)
    yield database
    database.close()


def store(db, taxonomy, outlet: str, *items: str) -> int:
    url = f"https://{outlet}.example/feed.xml"
    feed_id, _ = feed_rows.add_feed(db, url)
    ingest(db, feed_id, parse_feed(rss(*items, title=outlet.title()), {}, url), taxonomy, now=NOW)
    return feed_id


def story_of(db, guid: str) -> int:
    return db.execute("SELECT story_id FROM articles WHERE guid = ?", (guid,)).fetchone()[0]


def test_three_outlets_on_one_event_make_one_story_and_another_event_its_own(db, taxonomy):
    for outlet, body in GENEVA_ITEMS.items():
        store(db, taxonomy, outlet, body)
    store(db, taxonomy, "council", COUNCIL)
    geneva = story_of(db, "g-wire")
    assert story_of(db, "g-daily") == story_of(db, "g-post") == geneva != story_of(db, "nrc")
    rows = {row.id: row for row in queries.latest_stories(db)}
    assert set(rows) == {geneva, story_of(db, "nrc")}
    assert (rows[geneva].articles, rows[geneva].outlets) == (3, 3)
    assert rows[geneva].title == "Ryabkov sees little reason for optimism after Geneva"  # the newest
    assert rows[geneva].lead_id == db.execute("SELECT id FROM articles WHERE guid = 'g-post'").fetchone()[0]
    assert ("party", "RUS") in {(t.kind, t.tag_id) for t in rows[geneva].tags}
    detail = queries.get_story(db, geneva)
    assert [a.title for a in detail.articles][0] == rows[geneva].title
    assert len(detail.articles) == 3 and detail.first_seen == "2022-01-10T18:20:00Z"


def test_reading_a_story_reads_its_articles_and_counts_unread_stories(db, taxonomy):
    for outlet, body in GENEVA_ITEMS.items():
        store(db, taxonomy, outlet, body)
    store(db, taxonomy, "council", COUNCIL)
    russia = {(c.kind, c.tag_id): c for c in queries.tag_counts(db)}["party", "RUS"]
    assert (russia.articles, russia.unread, russia.stories, russia.unread_stories) == (4, 4, 2, 2)
    writes.set_story_read(db, story_of(db, "g-wire"))
    russia = {(c.kind, c.tag_id): c for c in queries.tag_counts(db)}["party", "RUS"]
    assert (russia.unread, russia.unread_stories) == (1, 1)
    assert [row.is_read for row in queries.latest_stories(db, "party", "RUS")] == [False, True]


def test_a_changed_article_is_judged_again(db, taxonomy):
    for outlet, body in GENEVA_ITEMS.items():
        store(db, taxonomy, outlet, body)
    geneva = story_of(db, "g-wire")
    feed_id = feed_rows.find_feed(db, "https://post.example/feed.xml")["id"]
    # the outlet reuses its guid for a report on the Brussels council
    changed = COUNCIL.replace("<guid>nrc</guid>", "<guid>g-post</guid>")
    ingest(db, feed_id, parse_feed(rss(changed), {}, "https://post.example/feed.xml"), taxonomy, now=NOW)
    assert story_of(db, "g-post") != geneva
    row = next(r for r in queries.latest_stories(db) if r.id == geneva)
    assert (row.articles, row.outlets, row.title) == (2, 2, "Sherman and Ryabkov end Geneva round without breakthrough")


def test_retag_judges_every_story_again_and_records_the_judgement(db, taxonomy):
    for outlet, body in GENEVA_ITEMS.items():
        store(db, taxonomy, outlet, body)
    with connection.write_transaction(db) as conn:  # as a file from before stories would hold them
        conn.execute("UPDATE articles SET story_id = NULL")
        conn.execute("DELETE FROM stories")
        conn.execute("DELETE FROM story_keys")
        conn.execute("INSERT INTO stories (id, title, first_seen, last_seen) VALUES (99, 'x', '2022', '2022')")
        conn.execute("UPDATE articles SET story_id = 99")
    connection.set_meta(db, STORIES_VERSION_KEY, "0")
    assert needs_retag(db, taxonomy)
    retag_all(db, taxonomy)
    assert not needs_retag(db, taxonomy)
    assert story_of(db, "g-wire") == story_of(db, "g-daily") == story_of(db, "g-post") != 99
    assert db.execute("SELECT count(*) FROM stories").fetchone()[0] == 1
    assert _story_counts(db) == _story_recounts(db)


def _story_writes(db, action):
    """Run `action`, returning the ids of the articles it took out of their stories and the
    ids whose interactions it rewrote (read from SQLite's own statement trace)."""
    detached, rewritten = [], []

    def seen(statement: str) -> None:
        if statement.startswith("UPDATE articles SET story_id = NULL WHERE id IN ("):
            detached.extend(int(i) for i in statement.split("(", 1)[1].rstrip(")").split(","))
        elif statement.startswith("DELETE FROM interactions WHERE article_id IN ("):
            rewritten.extend(int(i) for i in statement.split("(", 1)[1].rstrip(")").split(","))
        elif statement.startswith("DELETE FROM story_keys"):
            detached.append("every story")

    db.set_trace_callback(seen)
    try:
        action()
    finally:
        db.set_trace_callback(None)
    return detached, rewritten


def test_a_taxonomy_change_judges_again_only_the_articles_whose_tags_it_changes(db, taxonomy, tmp_path):
    for outlet, body in GENEVA_ITEMS.items():
        store(db, taxonomy, outlet, body)
    store(db, taxonomy, "council", COUNCIL)
    retag_all(db, taxonomy)  # tags and judgement recorded as current
    stories_before = {guid: story_of(db, guid) for guid in ("g-wire", "g-daily", "g-post", "nrc")}
    user = tmp_path / "taxonomy.d"
    user.mkdir()
    (user / "arms.toml").write_text(
        '[[party]]\nid = "ARMS"\nkind = "nonstate"\nname = "Arms Control Desk"\naliases = ["arms control"]\n')
    extended = load_taxonomy(user)
    council = db.execute("SELECT id FROM articles WHERE guid = 'nrc'").fetchone()[0]
    detached, rewritten = _story_writes(db, lambda: retag_all(db, extended))
    assert detached == [council]  # the one article the new party names, not every story
    assert set(rewritten) <= {council}
    assert {guid: story_of(db, guid) for guid in stories_before} == stories_before
    assert _story_counts(db) == _story_recounts(db)
    assert not needs_retag(db, extended)


def test_a_new_judgement_forms_every_story_again_and_so_does_a_job_stored_before_that_choice(db, taxonomy):
    for outlet, body in GENEVA_ITEMS.items():
        store(db, taxonomy, outlet, body)
    retag_all(db, taxonomy)
    connection.set_meta(db, STORIES_VERSION_KEY, "0")  # as after an upgrade that changed the judgement
    detached, _ = _story_writes(db, lambda: retag_all(db, taxonomy))
    assert detached[0] == "every story" and len(detached) == 4
    job = {"version": taxonomy.version, "after_id": 0, "until_id": 10, "done": 0, "total": 3}  # no "stories"
    connection.set_meta(db, RETAG_JOB_KEY, json.dumps(job))
    detached, _ = _story_writes(db, lambda: retag_all(db, taxonomy))
    assert detached[0] == "every story"
    assert story_of(db, "g-wire") == story_of(db, "g-daily") == story_of(db, "g-post")


def test_removing_a_feed_takes_its_articles_out_of_their_stories(db, taxonomy):
    feeds = [store(db, taxonomy, outlet, body) for outlet, body in GENEVA_ITEMS.items()]
    geneva = story_of(db, "g-wire")
    feed_rows.remove_feed(db, feeds[2])  # the newest article's outlet
    row = queries.stories_by_id(db, [geneva])[0]
    assert (row.articles, row.outlets, row.title) == (2, 2, "Sherman and Ryabkov end Geneva round without breakthrough")
    feed_rows.remove_feed(db, feeds[0])
    feed_rows.remove_feed(db, feeds[1])
    assert queries.stories_by_id(db, [geneva]) == []
    assert db.execute("SELECT count(*) FROM story_tags").fetchone()[0] == 0


def _story_recounts(db):
    """Every story's counts and tags, and the counts per tag, the slow way."""
    per_story = db.execute(
        "SELECT story_id, count(*), count(DISTINCT feed_id), sum(1 - is_read), min(published), max(published) "
        "FROM articles WHERE story_id IS NOT NULL GROUP BY story_id ORDER BY story_id"
    ).fetchall()
    tags = db.execute(  # with the story's last_seen, which its tags' rows copy for the panes
        "SELECT DISTINCT a.story_id, t.kind, t.tag_id, s.last_seen FROM tags t JOIN articles a ON a.id = t.article_id "
        "JOIN stories s ON s.id = a.story_id ORDER BY 1, 2, 3"
    ).fetchall()
    totals = db.execute(
        "SELECT t.kind, t.tag_id, count(*), sum(s.unread > 0) FROM story_tags t JOIN stories s ON s.id = t.story_id "
        "GROUP BY 1, 2 ORDER BY 1, 2"
    ).fetchall()
    return per_story, tags, totals


def _story_counts(db):
    per_story = db.execute(
        "SELECT id, articles, outlets, unread, first_seen, last_seen FROM stories ORDER BY id"
    ).fetchall()
    tags = db.execute("SELECT story_id, kind, tag_id, last_seen FROM story_tags ORDER BY 1, 2, 3").fetchall()
    totals = db.execute(
        "SELECT kind, tag_id, stories, unread FROM story_totals WHERE stories > 0 ORDER BY 1, 2"
    ).fetchall()
    return per_story, tags, totals


TOPICS = [
    ("Russia and Ukraine swap prisoners in Istanbul", "The exchange in Istanbul was brokered by Turkey."),
    ("Iran nuclear talks resume in Vienna", "Negotiators from Iran met European officials in Vienna."),
    ("Gaza ceasefire talks in Doha", "Qatar and Egypt pressed Israel and Hamas in Doha."),
    ("NATO-Russia Council meets in Brussels", "Jens Stoltenberg met Alexander Grushko in Brussels."),
]


def test_story_counts_follow_every_kind_of_change(db, taxonomy):
    """Random arrivals from four outlets, edits, read marks and a feed removed: every
    story's counts, tags and the counts per tag stay what the articles say."""
    rng = random.Random(3)
    urls = [f"https://outlet{n}.example/feed.xml" for n in range(4)]
    feeds = [feed_rows.add_feed(db, url)[0] for url in urls]
    for step in range(40):
        outlet = rng.randrange(4)
        items = []
        for n in range(rng.randint(1, 3)):
            title, text = rng.choice(TOPICS)
            day = datetime(2022, 1, 1, tzinfo=timezone.utc) + timedelta(days=rng.randint(0, 6), hours=rng.randint(0, 23))
            guid = f"o{outlet}-{rng.randint(0, 12)}"  # repeats: the outlet's updated versions
            items.append(item(guid, title, f"{text} Item {step}-{n}.", day.strftime("%a, %d %b %Y %H:%M:%S GMT")))
        ingest(db, feeds[outlet], parse_feed(rss(*items), {}, urls[outlet]), taxonomy, now=NOW)
        ids = [row[0] for row in db.execute("SELECT id FROM articles")]
        writes.set_read(db, rng.choice(ids), rng.random() < 0.6)
        if rng.random() < 0.2:
            writes.set_story_read(db, story_of(db, db.execute("SELECT guid FROM articles LIMIT 1").fetchone()[0]))
        assert _story_counts(db) == _story_recounts(db), f"step {step}"
    feed_rows.remove_feed(db, feeds[1])
    assert _story_counts(db) == _story_recounts(db)
    retag_all(db, taxonomy)
    assert _story_counts(db) == _story_recounts(db)


@pytest.mark.parametrize("leave", ["detach", "delete"])
def test_a_story_an_article_leaves_checks_its_tags_through_its_own_articles(db_path, taxonomy, leave):
    """When an article leaves a story (judged again, or deleted with its feed), the story's
    tags are checked against its own few articles, not against every article sharing a
    tag: a new file has no statistics, and SQLite's guess walked each tag's articles (4.6 ms
    a story at 10,000 articles: most of a re-tag's time, and of a feed's removal)."""

    def steps_to_leave(others: int) -> int:
        path = db_path.with_name(f"{leave}-{others}.db")
        db = connection.connect(path)
        # stored first, so a walk of a tag's articles in id order meets them before the story's
        store(db, taxonomy, "others", *[
            item(f"o{n}", f"Russia and the United States trade accusations over shipment {n}",
                 f"Moscow and Washington exchanged notes on cargo {n}.", "Mon, 03 Jan 2022 10:00:00 GMT")
            for n in range(others)])
        store(db, taxonomy, "wire", GENEVA_ITEMS["wire"])
        daily = store(db, taxonomy, "daily", GENEVA_ITEMS["daily"])
        assert story_of(db, "g-wire") == story_of(db, "g-daily")
        leaving = db.execute("SELECT id FROM articles WHERE guid = 'g-daily'").fetchone()[0]

        def work() -> None:
            if leave == "delete":
                feed_rows.remove_feed(db, daily)
            else:
                with connection.write_transaction(db) as conn:
                    story_rows.detach(conn, [leaving])

        steps = vm_steps(db, work)
        assert db.execute("SELECT articles FROM stories WHERE id = ?", (story_of(db, "g-wire"),)).fetchone()[0] == 1
        db.close()
        return steps

    few, many = steps_to_leave(0), steps_to_leave(300)
    assert many < few * 1.5, (few, many)


def test_one_new_article_costs_the_same_whatever_is_stored(db, taxonomy):
    """The work for one arrival is bounded: as many statements with 1 story stored as
    with 400 (each an index lookup, LIMITed), however many share its words."""

    def statements_for_one(guid: str) -> list[str]:
        traced: list[str] = []
        db.set_trace_callback(traced.append)
        store(db, taxonomy, guid, item(guid, GENEVA, GENEVA_TEXT, "Mon, 10 Jan 2022 18:20:00 GMT"))
        db.set_trace_callback(None)
        return traced

    store(db, taxonomy, "first", item("first", GENEVA, GENEVA_TEXT, "Mon, 10 Jan 2022 18:00:00 GMT"))
    few = statements_for_one("joins")  # joins the first story, as "later" joins one below
    filler = [item(f"f{n}", f"{GENEVA} {n}", f"{GENEVA_TEXT} Round {n}.", "Mon, 10 Jan 2022 12:00:00 GMT")
              for n in range(400)]
    store(db, taxonomy, "filler", *filler)
    many = statements_for_one("later")
    assert len(many) == len(few)
    lookup = next(s for s in many if "FROM story_keys" in s)
    plan = " ".join(row[-1] for row in db.execute("EXPLAIN QUERY PLAN " + lookup.replace("?", "0")))
    assert "story_keys_seen" in plan or "PRIMARY KEY" in plan


def test_similarity_separates_wire_copy_from_another_event():
    when = NOW
    wire = stories.features(GENEVA, GENEVA_TEXT, when, [("party", "USA"), ("party", "RUS")])
    same_copy = stories.features("Geneva: Russia presses NATO demand", GENEVA_TEXT, when + timedelta(hours=2))
    other = stories.features("NATO-Russia Council meets in Brussels", "Alexander Grushko led a delegation to "
                             "Brussels, where Jens Stoltenberg offered talks on arms control.", when)
    later = stories.features(GENEVA, GENEVA_TEXT, when + stories.WINDOW * 3)
    assert stories.similarity(wire, same_copy) > 2 * stories.THRESHOLD
    assert stories.similarity(wire, other) < stories.THRESHOLD
    assert stories.similarity(wire, later) == 0
    assert stories.best_story(wire, {1: [other], 2: [same_copy]}) == 2
    assert stories.best_story(wire, {1: [other]}) is None


def test_folding_reads_names_as_the_extractor_folds_them():
    accented = stories.features("Lavrov in Genève", "Sergueï Lavrov a rencontré Antony Blinken à Genève.", NOW)
    plain = stories.features("Lavrov in Geneve", "Sergei Lavrov met Antony Blinken in Geneve.", NOW)
    key = stories.word_mark  # as features keep them
    assert key("geneve") in accented.names and key("lavrov") in accented.names and key("blinken") in plain.names
    assert key("sergei") not in accented.words  # folding strips marks, it does not translate


def test_schema_3_file_keeps_every_article_and_gains_stories(db_path, taxonomy):
    db = connection.connect(db_path)
    for outlet, body in GENEVA_ITEMS.items():
        store(db, taxonomy, outlet, body)
    _downgrade_to_schema_3(db)
    db.close()
    again = connection.connect(db_path)
    try:
        assert connection.get_meta(again, "schema_version") == str(connection.SCHEMA_VERSION)
        assert again.execute("SELECT count(*) FROM articles WHERE story_id IS NOT NULL").fetchone()[0] == 3
        assert len(queries.latest_stories(again)) == 3  # one each until they are judged
        assert needs_retag(again, taxonomy)
        writes.set_read(again, again.execute("SELECT id FROM articles LIMIT 1").fetchone()[0])
        assert _story_counts(again) == _story_recounts(again)  # the read trigger counts stories too
        retag_all(again, taxonomy)
        assert len(queries.latest_stories(again)) == 1
        assert _story_counts(again) == _story_recounts(again)
    finally:
        again.close()


def _downgrade_to_schema_3(db) -> None:
    """What a schema-3 file holds: no story tables, triggers, index or column."""
    with connection.write_transaction(db) as conn:
        for trigger in ("story_tags_ai", "story_tags_ad", "stories_unread", "stories_bd", "articles_story_ad",
                        "articles_read"):
            conn.execute(f"DROP TRIGGER {trigger}")
        for table in ("story_keys", "story_totals", "story_tags", "stories"):
            conn.execute(f"DROP TABLE {table}")
        conn.execute("DROP INDEX articles_story")
        conn.execute("DROP INDEX articles_story_feed")
        conn.execute("DROP INDEX articles_story_of")
        conn.execute("ALTER TABLE articles DROP COLUMN story_id")
        conn.execute(
            "CREATE TRIGGER articles_read AFTER UPDATE OF is_read ON articles WHEN old.is_read != new.is_read "
            "BEGIN UPDATE tag_totals SET unread = unread + (CASE WHEN new.is_read THEN -1 ELSE 1 END) "
            "WHERE (kind, tag_id) IN (SELECT DISTINCT kind, tag_id FROM tags WHERE article_id = new.id); END"
        )
        conn.execute("DELETE FROM meta WHERE key = ?", (STORIES_VERSION_KEY,))
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")


def test_group_places_articles_stored_by_other_tools(db, taxonomy):
    feed_id, _ = feed_rows.add_feed(db, "https://tool.example/feed")
    with connection.write_transaction(db) as conn:
        first = writes.next_article_id(conn)
        for n, title in enumerate([GENEVA, GENEVA + " (updated)"]):
            conn.execute(
                "INSERT INTO articles (feed_id, guid, title, summary, published, fetched, content_hash) "
                "VALUES (?, ?, ?, ?, '2022-01-10T18:00:00Z', '2022-01-10T18:00:00Z', ?)",
                (feed_id, f"t{n}", title, GENEVA_TEXT, f"h{n}"),
            )
        story_rows.group(conn, [first, first + 1])
    assert len(queries.latest_stories(db)) == 1


def test_digests_and_explainers_stand_alone():
    wire = stories.features(GENEVA, GENEVA_TEXT, NOW)
    explainer = stories.features("Explainer: what the Geneva talks are about", GENEVA_TEXT, NOW)
    digest = stories.features("Morning brief: Geneva, Brussels, Vienna", GENEVA_TEXT, NOW)
    plain_colon = stories.features("Geneva: Russia presses NATO demand", GENEVA_TEXT, NOW)
    assert explainer.standalone and digest.standalone and not plain_colon.standalone and not wire.standalone
    assert stories.best_story(explainer, {1: [wire]}) is None  # the same words, but not the same piece
    assert stories.best_story(wire, {1: [digest]}) is None  # and nothing joins one
    assert stories.best_story(plain_colon, {1: [wire]}) == 1


def test_an_address_that_files_a_piece_as_an_explainer_or_opinion_makes_it_stand_alone():
    def standalone(url):
        return stories.features(GENEVA, GENEVA_TEXT, NOW, url=url).standalone

    assert standalone("https://outlet.example/background/2022/01/10/explainer-geneva-security-talks")
    assert standalone("https://outlet.example/opinion/2022/jan/10/geneva-talks")
    assert standalone("https://outlet.example/world/live/2022/jan/10/russia-ukraine-latest")
    assert not standalone("https://outlet.example/world/2022/01/10/geneva-talks-analysis-of-demands")
    assert not standalone("https://live.example/world/geneva-talks")  # a host is not a section
    assert not standalone(None) and not standalone("not a url")
    wire = stories.features(GENEVA, GENEVA_TEXT, NOW, url="https://wire.example/world/us-russia-geneva")
    filed = stories.features(GENEVA, GENEVA_TEXT, NOW, url="https://notes.example/explainer-us-russia-geneva")
    assert stories.best_story(filed, {1: [wire]}) is None and stories.best_story(wire, {1: [filed]}) is None


def test_a_second_paragraph_about_another_event_does_not_make_it_the_same_story():
    us = stories.features(
        "Washington blacklists Rosneft and Lukoil",
        "The Treasury Department froze the American assets of the two oil majors and warned foreign banks "
        "that handle their payments.", NOW, [("party", "USA"), ("party", "RUS")])
    eu_lede = ("Member states approved a nineteenth package of measures against Moscow, phasing out imports of "
               "liquefied gas by 2027 and listing more tankers of the shadow fleet.")
    mention = "It came a day after Washington blacklisted Rosneft and Lukoil, freezing the American assets of the two oil majors."

    def eu(summary):
        return stories.features("EU ends Russian gas imports in new package", summary, NOW,
                                [("party", "EU"), ("party", "RUS"), ("party", "USA")])

    assert stories.best_story(eu(eu_lede + "\n\n" + mention), {1: [us]}) is None
    assert stories.best_story(eu(eu_lede + " " + mention), {1: [us]}) == 1  # in its lede, the same words count
    byline = "By a staff reporter\n\n"  # a first paragraph too short to be the lede takes the next one with it
    assert set(stories.features(GENEVA, GENEVA_TEXT, NOW).words) <= set(stories.features(GENEVA, byline + GENEVA_TEXT, NOW).words)


def test_days_later_the_same_sides_next_event_needs_a_headline_word_in_common():
    sides, names = [("party", "ISR"), ("party", "HAMAS"), ("party", "EGY")], ["Israel", "Hamas", "Egyptian", "Egypt"]
    opening = stories.features(
        "Indirect Israel-Hamas talks open in Cairo", "Delegations from Israel and Hamas began indirect "
        "negotiations in the Egyptian capital on Monday, with mediators carrying written proposals between two "
        "hotel floors and envoys expected later in the week.", NOW, sides, names, outlet=1)

    def deal(title, after):
        return stories.features(
            title, "Mediators said Israel and Hamas had signed off on a first phase after three days in Egypt: "
            "fighting stops at noon, troops pull back to agreed lines, and detainees are exchanged within a week.",
            NOW + after, sides, names, outlet=2)

    days_later = timedelta(days=2, hours=12)
    assert stories.best_story(deal("Israel and Hamas agree on a first phase", days_later), {1: [opening]}) is None
    # within a news cycle, or days later under a headline that names the talks again, it joins
    assert stories.best_story(deal("Israel and Hamas agree on a first phase", timedelta(hours=20)), {1: [opening]}) == 1
    assert stories.best_story(deal("Cairo talks: Israel and Hamas agree on a first phase", days_later),
                              {1: [opening]}) == 1


def test_an_agency_dateline_on_every_item_does_not_make_its_day_one_story():
    # an agency opens every item with the same dateline: as names, its words joined
    # unrelated reports of one day (a real agency's feed became one story of 16 items)
    dateline = "ANKARA, Mar. 4 (WNA) – "
    harvest = stories.features("Drought cuts wheat harvest in the south", dateline + "Farmers in Konya reported "
                               "the smallest wheat harvest in a decade after a dry winter.", NOW, outlet=1)
    stadium = stories.features("Football club opens new stadium", dateline + "Fans filled the new ground in "
                               "Trabzon for its first match on Saturday.", NOW, outlet=1)
    rewrite = stories.features("Konya farmers count drought losses", dateline + "A dry winter left Konya's farmers "
                               "with the smallest wheat harvest in ten years, officials said.", NOW, outlet=2)
    assert stories.best_story(stadium, {1: [harvest]}) is None
    assert stories.best_story(rewrite, {1: [harvest]}) == 1
    # a stored article's features are made from the first LEDE_CHARS of its summary: the same ones
    long = dateline + "Farmers in Konya reported the smallest wheat harvest in a decade. " * 12
    assert stories.features("Harvest", long, NOW) == stories.features("Harvest", long[:stories.LEDE_CHARS], NOW)


def test_reports_in_a_script_without_capitals_need_more_than_a_shared_number():
    # Hindi in our own words: no capital marks a name, so a shared "5" stood for the names,
    # and vowel signs folded to spaces cut every word into fragments the day's reports share
    rain = stories.features(
        "दिल्ली में भारी बारिश से ५ घंटे यातायात बंद",
        "राजधानी दिल्ली में सुबह से हो रही भारी बारिश के कारण कई सड़कों पर पानी भर गया और ५ घंटे तक यातायात बंद रहा। "
        "मौसम विभाग ने कल के लिए भी चेतावनी जारी की है।", NOW, outlet=1)
    hospitals = stories.features(
        "मुंबई में ५ नए सरकारी अस्पताल खुले",
        "मुंबई नगर निगम ने शहर के उपनगरों में ५ नए सरकारी अस्पताल शुरू किए हैं, जिनमें कुल मिलाकर पाँच सौ बिस्तर हैं। "
        "स्वास्थ्य मंत्री ने उद्घाटन के समय कहा कि और अस्पताल बनेंगे।", NOW, outlet=1)
    rain_again = stories.features(
        "भारी बारिश के बाद दिल्ली की सड़कों पर ५ घंटे जाम",
        "दिल्ली में भारी बारिश के बाद सड़कों पर पानी भर जाने से ५ घंटे तक यातायात ठप रहा। "
        "मौसम विभाग ने कल फिर बारिश की चेतावनी दी है।", NOW, outlet=2)
    assert stories.best_story(hospitals, {1: [rain]}) is None
    assert stories.best_story(rain_again, {1: [rain]}) == 1
    assert fold_text("शिक्षा मंत्री")[0].split() == ["शिकषा", "मंतरी"]  # the virama goes, the word stays


def test_features_made_in_another_process_compare_as_those_made_here():
    """The parser's worker processes make features; hash() differs between processes."""
    import pickle
    import subprocess
    import sys

    script = (
        "import pickle, sys; from datetime import datetime, timezone; "
        "from negotiation_watch.store.extract import stories; "
        f"sys.stdout.buffer.write(pickle.dumps(stories.features({GENEVA!r}, {GENEVA_TEXT!r}, "
        "datetime(2022, 1, 12, 9, tzinfo=timezone.utc))))"
    )
    there = pickle.loads(subprocess.run([sys.executable, "-c", script], capture_output=True, check=True).stdout)
    here = stories.features(GENEVA, GENEVA_TEXT, NOW)
    assert there == here
