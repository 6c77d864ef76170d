"""A 100,000-article database for the dashboard benchmark, written through store's write API.

Articles spread over two years (denser recently), from 60 feeds, each tagged with 3-6
parties and tracks drawn from a skewed (Zipf-like) distribution over the real taxonomy
identifiers, so a few parties and tracks are very common and most are rare, as in news.
Events are told by one to four feeds within hours, each report in partly its own words,
and grouped into stories by store's own judgement as they are written (story_rows.group).
About half the articles state an interaction between two of their parties, one or two
sentences' worth, as the extractor stores them.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

from negotiation_watch.store.db import connection, feed_rows, story_rows, writes
from negotiation_watch.store import times

NEWEST = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)
DAYS = 730
FEEDS = 60
BATCH = 5_000
VERSION = 3  # of what build() writes: 2 has events told by several feeds, and stories; 3 interactions

ACTIONS = ("meet", "meet", "meet", "agree", "propose", "reject", "demand", "threaten", "mediate", "accuse")
MUTUAL = {"meet", "agree"}
WORDS = ("envoys talks ceasefire summit ministers delegation agreement sanctions prisoners "
         "mediators framework round proposal guarantees corridor monitors settlement").split()


def identifiers() -> tuple[list[str], list[str]]:
    """Party and track ids from the bundled taxonomy (the ones the extractor emits)."""
    from negotiation_watch.store.extract.taxonomy import default_taxonomy

    taxonomy = default_taxonomy()
    return sorted(taxonomy.parties), sorted(taxonomy.tracks)


def build(path: Path, articles: int = 100_000, seed: int = 7) -> None:
    rng = random.Random(seed)
    parties, tracks = identifiers()
    rng.shuffle(parties)
    rng.shuffle(tracks)
    party_weights = [1 / (rank + 1) ** 1.1 for rank in range(len(parties))]
    track_weights = [1 / (rank + 1) ** 1.0 for rank in range(len(tracks))]
    db = connection.connect(path)
    try:
        feed_ids = []
        for n in range(FEEDS):
            feed_id, _ = feed_rows.add_feed(db, f"http://127.0.0.1:9/bench-{n}.xml", f"Bench Wire {n}")
            feed_rows.set_feed_paused(db, feed_id, True)  # never fetched: the bench measures reading
            feed_ids.append(feed_id)
        event = None
        for start in range(0, articles, BATCH):
            with connection.write_transaction(db) as conn:
                first_id = writes.next_article_id(conn)
                for n in range(start, min(start + BATCH, articles)):
                    if event is None or event.reports_left == 0:
                        event = _Event(rng, n, parties, party_weights, tracks, track_weights)
                    _insert(conn, rng, n, feed_ids, event)
                last_id = writes.next_article_id(conn) - 1
                writes.index_articles(conn, first_id, last_id)  # the batch at once
                story_rows.group(conn, list(range(first_id, last_id + 1)))
        db.execute("ANALYZE")
    finally:
        db.close()


class _Event:
    """One event: when, who and what, its own words, and how many feeds still report it."""

    def __init__(self, rng, n, parties, party_weights, tracks, track_weights) -> None:
        age_days = DAYS * rng.random() ** 2  # denser towards NEWEST
        self.when = NEWEST - timedelta(days=age_days)
        self.parties = set(rng.choices(parties, party_weights, k=rng.randint(2, 4)))
        self.tracks = set(rng.choices(tracks, track_weights, k=rng.randint(1, 2)))
        self.words = [f"{rng.choice(PLACES)}{rng.randrange(1000)}" for _ in range(3)]  # its names and places
        self.number = n
        self.reports_left = rng.choice((1, 1, 2, 3, 4))


PLACES = ("Ardel", "Brevik", "Corvan", "Dunmar", "Elsig", "Farrow", "Galen", "Harlow", "Istra", "Jorvik")


def _insert(conn, rng, n, feed_ids, event: _Event) -> None:
    event.reports_left -= 1
    published = times.to_iso(event.when + timedelta(minutes=rng.randint(0, 300)))
    words = " ".join(rng.choices(WORDS, k=4))
    names = " ".join(event.words)
    title = f"{' and '.join(sorted(event.parties))} {words} {names}"
    summary = f"Story {event.number}: {names} {words}. " * 3
    cursor = conn.execute(
        "INSERT INTO articles (feed_id, guid, url, title, summary, published, fetched, content_hash, is_read)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (rng.choice(feed_ids), f"g{n}", f"https://bench.example/{n}", title, summary, published, published,
         f"h{n}", int(rng.random() < 0.7)),
    )
    article_id = cursor.lastrowid
    rows = [(article_id, "party", p, "title", 0, len(p), p, None) for p in event.parties]
    rows += [(article_id, "track", t, "text", 0, len(t), t, None) for t in event.tracks]
    conn.executemany(
        'INSERT INTO tags (article_id, kind, tag_id, field, start, "end", text, person)'
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    if len(set(event.parties)) >= 2 and rng.random() < 0.5:
        _interactions(conn, rng, article_id, title, sorted(set(event.parties)), sorted(set(event.tracks)))


def _interactions(conn, rng, article_id, title, parties, tracks) -> None:
    """One or two interactions between the article's parties, its title as the sentence."""
    rows = []
    for _ in range(rng.randint(1, 2)):
        source, target = rng.sample(parties, 2)
        action = rng.choice(ACTIONS)
        rows.append((article_id, action, source, target, int(action in MUTUAL),
                     rng.choice(tracks) if tracks and rng.random() < 0.7 else None, "title", 0, len(title), title,
                     0, 1))
    conn.executemany(
        'INSERT INTO interactions (article_id, action, source, target, mutual, track, field, start, "end", text,'
        " signal_start, signal_end) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


OLD_TAG_KEY = "bench_old_tag"  # meta: the party add_old_frequent_tag gave old stories
OLD_TAG = "BENCH-OLD"  # a party of the benchmark's own, so no recent article carries it
OLD_TAG_ARTICLES = 20_000  # about 3,100 stories (100k or 1M): above FREQUENT_TAG_STORIES


def add_old_frequent_tag(path: Path, seed: int = 11) -> str:
    """Add a frequent tag whose stories are all old: OLD_TAG_ARTICLES more articles about
    OLD_TAG (and one real party), all from the generated years' first month, so its pane's
    newest story is older than nearly every other (issue 19's slow pane). Done once per
    file; returns the party."""
    db = connection.connect(path)
    try:
        if connection.get_meta(db, OLD_TAG_KEY):
            return OLD_TAG
        rng = random.Random(seed)
        parties, tracks = identifiers()
        feed_ids = [row[0] for row in db.execute("SELECT id FROM feeds ORDER BY id")]
        first_n = db.execute("SELECT max(id) FROM articles").fetchone()[0] + 1
        with connection.write_transaction(db) as conn:
            first_id = writes.next_article_id(conn)
            event = None
            for n in range(first_n, first_n + OLD_TAG_ARTICLES):
                if event is None or event.reports_left == 0:
                    event = _Event(rng, n, parties, [1.0] * len(parties), tracks, [1.0] * len(tracks))
                    event.parties = {OLD_TAG, rng.choice(parties)}
                    event.when = NEWEST - timedelta(days=DAYS - 30 * rng.random())
                _insert(conn, rng, n, feed_ids, event)
            last_id = writes.next_article_id(conn) - 1
            writes.index_articles(conn, first_id, last_id)
            story_rows.group(conn, list(range(first_id, last_id + 1)))
            connection.put_meta(conn, OLD_TAG_KEY, OLD_TAG)
        return OLD_TAG
    finally:
        db.close()
