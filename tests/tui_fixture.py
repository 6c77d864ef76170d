"""A small, fixed database for the dashboard tests, written through the store's functions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from negotiation_watch.store.db import connection, feed_rows, story_rows, writes
from negotiation_watch.store import times

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)


def frozen_clock() -> datetime:
    return NOW


# (feed, hours before NOW, title, summary, [(kind, tag_id, field, matched text, person)])
ARTICLES = [
    ("Wire", 1, "Normandy Format advisers meet in Berlin",
     "Advisers from France, Germany, Russia and Ukraine met in Berlin to revive the Normandy Format.",
     [("track", "normandy-format", "title", "Normandy Format", None),
      ("party", "FRA", "text", "France", None), ("party", "DEU", "text", "Germany", None),
      ("party", "RUS", "text", "Russia", None), ("party", "UKR", "text", "Ukraine", None)]),
    ("Wire", 3, "Kremlin says Minsk agreements remain the only basis",
     "The Kremlin said the Minsk agreements were still the basis for any settlement, Lavrov added.",
     [("track", "minsk-agreements", "title", "Minsk agreements", None),
      ("party", "RUS", "title", "Kremlin", None), ("party", "RUS", "text", "Lavrov", "sergey-lavrov")]),
    ("Daily", 5, "Qatar and Egypt press for Gaza ceasefire deal",
     "Mediators from Qatar and Egypt pressed Israel and Hamas to accept a phased ceasefire.",
     [("track", "gaza-ceasefire-talks", "title", "Gaza ceasefire", None),
      ("party", "QAT", "title", "Qatar", None), ("party", "EGY", "title", "Egypt", None),
      ("party", "ISR", "text", "Israel", None), ("party", "HAMAS", "text", "Hamas", None)]),
    ("Daily", 26, "[bold]Vienna[/bold] talks on Iran nuclear deal resume \x1b[31m",
     "Negotiators returned to Vienna as Iran and the E3 discussed the JCPOA.",
     [("track", "iran-nuclear-talks", "text", "JCPOA", None), ("party", "IRN", "text", "Iran", None)]),
    ("Wire", 30, "Ukraine and Russia exchange prisoners after talks in Istanbul",
     "Ukraine and Russia swapped prisoners following direct talks in Istanbul.",
     [("track", "russia-ukraine-talks", "title", "talks in Istanbul", None),
      ("party", "UKR", "title", "Ukraine", None), ("party", "RUS", "title", "Russia", None),
      ("party", "TUR", "text", "Istanbul", None)]),
    ("Wire", 50, "OSCE monitors report ceasefire violations",
     "The OSCE said its monitors recorded violations; the Trilateral Contact Group will meet.",
     [("track", "trilateral-contact-group", "text", "Trilateral Contact Group", None),
      ("party", "OSCE", "title", "OSCE", None)]),
    ("Daily", 75, "EU foreign ministers discuss Normandy Format prospects",
     "EU ministers weighed whether the Normandy Format could be revived after the summit.",
     [("track", "normandy-format", "title", "Normandy Format", None), ("party", "EU", "title", "EU", None)]),
    ("Daily", 100, "Hamas delegation arrives in Cairo for talks",
     "A Hamas delegation arrived in Cairo for ceasefire talks with Egyptian mediators.",
     [("track", "gaza-ceasefire-talks", "text", "ceasefire talks", None),
      ("party", "HAMAS", "title", "Hamas", None), ("party", "EGY", "text", "Egyptian", None)]),
]


def build(path) -> None:
    """Two feeds, eight articles over four days, tags with evidence; the oldest three read."""
    db = connection.connect(path)
    try:
        feeds = {}
        for name in ("Wire", "Daily"):
            # port 9 on loopback: a fetch that slips through is refused at once and never leaves the machine
            feed_id, _ = feed_rows.add_feed(db, f"http://127.0.0.1:9/{name.lower()}.xml", f"{name} News")
            feed_rows.update_feed(db, feed_id, last_fetch=times.to_iso(NOW - timedelta(minutes=5)),
                              last_ok=times.to_iso(NOW - timedelta(minutes=5)), last_status="fetched",
                              next_fetch_due=times.to_iso(NOW + timedelta(minutes=10)))
            feeds[name] = feed_id
        for index, (feed, hours, title, summary, tags) in enumerate(ARTICLES):
            insert_article(db, feeds[feed], f"guid-{index}", title, summary,
                           NOW - timedelta(hours=hours), tags, read=index >= len(ARTICLES) - 3)
    finally:
        db.close()


def insert_article(db, feed_id, guid, title, summary, published, tags, *, read=False) -> int:
    """One article, its tags and its story in one transaction, offsets computed from the matched text."""
    with connection.write_transaction(db) as conn:
        cursor = conn.execute(
            "INSERT INTO articles (feed_id, guid, url, title, summary, published, fetched, content_hash, is_read)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (feed_id, guid, f"https://news.example.org/{guid}", title, summary, times.to_iso(published),
             times.to_iso(published), guid, int(read)),
        )
        article_id = cursor.lastrowid
        writes.index_articles(conn, article_id, article_id)
        for kind, tag_id, field, text, person in tags:
            source = title if field == "title" else summary
            start = source.index(text)
            conn.execute(
                'INSERT INTO tags (article_id, kind, tag_id, field, start, "end", text, person)'
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (article_id, kind, tag_id, field, start, start + len(text), text, person),
            )
        story_rows.group(conn, [article_id])
    return article_id


# Another outlet's report of the Gaza article above: with it, that event is one story of two.
SECOND_REPORT = ("Wire", 6, "Mediators urge Israel and Hamas to accept phased Gaza ceasefire",
                 "Qatar and Egypt urged Israel and Hamas to accept a phased ceasefire, mediators in Doha said.",
                 [("track", "gaza-ceasefire-talks", "title", "Gaza ceasefire", None),
                  ("party", "QAT", "text", "Qatar", None), ("party", "EGY", "text", "Egypt", None),
                  ("party", "ISR", "title", "Israel", None), ("party", "HAMAS", "title", "Hamas", None)])


def add_second_report(path) -> None:
    """Store SECOND_REPORT in a database that build() made."""
    db = connection.connect(path)
    try:
        feed, hours, title, summary, tags = SECOND_REPORT
        feed_id = feed_rows.find_feed(db, f"http://127.0.0.1:9/{feed.lower()}.xml")["id"]
        insert_article(db, feed_id, "guid-second", title, summary, NOW - timedelta(hours=hours), tags)
    finally:
        db.close()


def pause_fixture_feeds(path) -> None:
    """Keep the two fixture feeds out of a fetch run, so only the test's own server is asked."""
    db = connection.connect(path)
    try:
        for feed in feed_rows.list_feeds(db):
            if feed["url"].startswith("http://127.0.0.1:9/"):
                feed_rows.set_feed_paused(db, feed["id"], True)
    finally:
        db.close()
