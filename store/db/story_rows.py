"""Story rows: an article joins the story it reports or starts one, inside the caller's
write transaction. Whoever stores articles calls `group` once their tags are stored
(ingest does for new and changed articles, retag for every article, in the order they
arrived), as it calls writes.index_articles.

The judgement is store/extract/stories.py; this module finds its candidates through the
story_keys index (a few newest stories per key, within the time window), so the work for
one article is bounded whatever the number stored, and writes the verdict.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass

from negotiation_watch.store import times
from negotiation_watch.store.extract import stories
from negotiation_watch.store.extract.stories import Features

STORIES_PER_KEY = 4  # newest stories looked at for one index key
CANDIDATES = 2  # stories compared with the article, those sharing most keys
BATCH = 1000  # arrivals judged between two writes: what a batch holds in memory stays bounded (retag)
CACHE_SIZE = 20_000  # articles' features kept between judgements, by (id, content hash)


class _FeatureCache(OrderedDict):
    """Stored articles' features, the least recently used dropped first: a re-tag walks the
    articles in order, so the stories it compares with move slowly through time (emptying
    it all when full made a re-tag compute most members' features again). A fetch run
    stores feeds while its re-tag thread works: each step holds the lock."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()

    def find(self, key: tuple[int, str]) -> Features | None:
        with self.lock:
            found = self.get(key)
            if found is not None:
                self.move_to_end(key)
            return found

    def keep(self, key: tuple[int, str], found: Features) -> None:
        with self.lock:
            self[key] = found
            self.move_to_end(key)
            if len(self) > CACHE_SIZE:
                self.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            super().clear()


_cache = _FeatureCache()


@dataclass
class _Tags:
    """An article's tags as the judgement reads them."""

    pairs: list[tuple[str, str]]  # (kind, tag_id), repeats allowed
    texts: list[str]  # the words its parties and tracks were found by


def _tags_of(conn: sqlite3.Connection, article_ids: list[int]) -> dict[int, _Tags]:
    marks = ",".join("?" * len(article_ids))
    found: dict[int, _Tags] = {}
    for article_id, kind, tag_id, text in conn.execute(
        f"SELECT article_id, kind, tag_id, text FROM tags WHERE article_id IN ({marks})", article_ids
    ):
        tags = found.setdefault(article_id, _Tags([], []))
        tags.pairs.append((kind, tag_id))
        tags.texts.append(text)
    return found


@dataclass
class _Arrival:
    """An article stored (story_id still empty) and waiting for its story."""

    id: int
    feed_id: int
    title: str
    summary: str
    published: str
    is_read: bool
    content_hash: str
    url: str | None
    tags: _Tags


def group(conn: sqlite3.Connection, article_ids: list[int], known: dict[int, Features] | None = None) -> None:
    """Put stored articles without a story (their tags stored) each in the story it
    reports, oldest first, so a story grows in the order of events. `known`: features
    already made for some of them (by the parser's worker processes), by article id."""
    known = known or {}
    arrivals = []
    for start in range(0, len(article_ids), 500):  # SQLite's limit on parameters
        arrivals += _arrivals(conn, article_ids[start:start + 500], known)
    arrivals.sort(key=lambda a: (a.published, a.id))
    for start in range(0, len(arrivals), BATCH):
        batch = _Batch(conn)
        for arrival in arrivals[start:start + BATCH]:
            _assign(conn, arrival, known.get(arrival.id), batch)
        batch.write(conn)


@dataclass
class _Change:
    """What a batch does to one story, written at the batch's end."""

    new: bool
    articles: int = 0
    unread: int = 0
    outlets: int = 0
    first: str = ""
    last: str = ""
    lead: tuple[int, str] = (0, "")  # the batch's newest article: id, title


class _Batch:
    """One call of `group`: the judgement reads stories as they stood before it plus what
    it has done so far, held here, and its writes go to the database together at its end
    (a few statements for the batch rather than several for each article)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.next_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM stories").fetchone()[0]
        self.keys = _NewKeys()
        self.members: dict[int, list[Features]] = {}  # story -> its newest members, stored and new
        self.outlets: set[tuple[int, int]] = set()  # (story, feed) pairs the batch added
        self.changes: dict[int, _Change] = {}
        self.links: list[tuple[int, int]] = []  # (story, article)
        self.tags: set[tuple[int, str, str]] = set()  # (story, kind, tag_id) the batch's articles carry

    def start(self, article: _Arrival, found: Features) -> int:
        story_id, self.next_id = self.next_id, self.next_id + 1
        self.members[story_id] = []
        self.changes[story_id] = _Change(True, first=article.published, last=article.published)
        self.join(None, story_id, article, found)
        return story_id

    def join(self, conn: sqlite3.Connection | None, story_id: int, article: _Arrival, found: Features) -> None:
        change = self.changes.get(story_id)
        if change is None:
            change = self.changes[story_id] = _Change(False, first=article.published, last=article.published)
        change.articles += 1
        change.unread += not article.is_read
        change.first, change.last = min(change.first, article.published), max(change.last, article.published)
        change.lead = (article.id, article.title)  # arrivals come oldest first
        if (story_id, article.feed_id) not in self.outlets:
            self.outlets.add((story_id, article.feed_id))
            change.outlets += change.new or conn.execute(
                "SELECT NOT EXISTS (SELECT 1 FROM articles WHERE story_id = ? AND feed_id = ?)",
                (story_id, article.feed_id),
            ).fetchone()[0]
        members = self.members[story_id]
        members.append(found)
        members.sort(key=lambda m: m.when, reverse=True)
        del members[stories.MEMBERS_COMPARED:]
        self.keys.add(found, story_id, article.published)
        self.links.append((story_id, article.id))
        self.tags.update((story_id, "party", party) for party in found.parties)
        self.tags.update((story_id, "track", track) for track in found.tracks)

    def write(self, conn: sqlite3.Connection) -> None:
        """Stories first, then the articles' links, then the stories' tags (their
        triggers read whether a story is unread, and they copy its last_seen)."""
        conn.executemany(
            "INSERT INTO stories (id, title, lead_id, first_seen, last_seen, articles, outlets, unread) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(story_id, c.lead[1], c.lead[0], c.first, c.last, c.articles, c.outlets, c.unread)
             for story_id, c in self.changes.items() if c.new],
        )
        conn.executemany(
            "UPDATE stories SET articles = articles + :articles, unread = unread + :unread, "
            "outlets = outlets + :outlets, first_seen = min(first_seen, :first), "
            "title = CASE WHEN :last >= last_seen THEN :title ELSE title END, "
            "lead_id = CASE WHEN :last >= last_seen THEN :lead ELSE lead_id END, "
            "last_seen = max(last_seen, :last) WHERE id = :story",
            [{"story": story_id, "articles": c.articles, "unread": c.unread, "outlets": c.outlets,
              "first": c.first, "last": c.last, "lead": c.lead[0], "title": c.lead[1]}
             for story_id, c in self.changes.items() if not c.new],
        )
        conn.executemany("UPDATE articles SET story_id = ? WHERE id = ?", self.links)
        conn.executemany(  # last_seen as the stories' rows now say
            "INSERT OR IGNORE INTO story_tags (kind, tag_id, story_id, last_seen) "
            "VALUES (?1, ?2, ?3, (SELECT last_seen FROM stories WHERE id = ?3))",
            [(kind, tag_id, story_id) for (story_id, kind, tag_id) in self.tags],
        )
        conn.executemany(
            "INSERT INTO story_keys (key, story_id, seen) VALUES (?, ?, ?) "
            "ON CONFLICT (key, story_id) DO UPDATE SET seen = max(seen, excluded.seen)",
            self.keys.rows(),
        )


class _NewKeys(dict):
    """Index keys of the batch in hand, key -> {story_id: newest time}, written together at
    its end; the batch's later articles find its new stories here meanwhile."""

    def add(self, found: Features, story_id: int, seen: str) -> None:
        for key in found.keys:
            stories_seen = self.setdefault(key, {})
            if stories_seen.get(story_id, "") < seen:
                stories_seen[story_id] = seen

    def rows(self) -> list[tuple[int, int, str]]:
        return [(key, story_id, seen) for key, stories_seen in self.items() for story_id, seen in stories_seen.items()]

    def shared(self, found: Features, low: str, high: str) -> Counter:
        """How many of the article's keys each story of the batch shares, within the window."""
        return Counter(
            story_id for key in found.keys for story_id, seen in self.get(key, {}).items() if low <= seen <= high
        )


def _arrivals(conn: sqlite3.Connection, article_ids: list[int], known: dict[int, Features]) -> list[_Arrival]:
    """The articles as stored; the text and tags only of those whose features are not known."""
    marks = ",".join("?" * len(article_ids))
    unknown = [article_id for article_id in article_ids if article_id not in known]
    tags = _tags_of(conn, unknown) if unknown else {}
    return [
        _Arrival(article_id, feed_id, title, lede or "", published, bool(is_read), digest, url,
                 tags.get(article_id, _Tags([], [])))
        for article_id, feed_id, title, lede, published, is_read, digest, url in conn.execute(
            f"SELECT id, feed_id, title, CASE WHEN id IN ({','.join(map(str, unknown)) or 'NULL'}) "
            f"THEN substr(summary, 1, {stories.LEDE_CHARS}) END, published, is_read, "
            f"content_hash, url FROM articles WHERE id IN ({marks}) AND story_id IS NULL",
            article_ids,
        )
    ]


def _assign(conn: sqlite3.Connection, article: _Arrival, found: Features | None, batch: _Batch) -> int:
    """Put the article in the story it reports (or a new one); returns the story's id."""
    if found is None:
        found = _features(article)
    else:
        _cache.keep((article.id, article.content_hash), found)
    candidates = _candidates(conn, found, batch.keys)
    _load_members(conn, [story_id for story_id in candidates if story_id not in batch.members], batch.members)
    story_id = stories.best_story(found, {story_id: batch.members[story_id] for story_id in candidates})
    if story_id is None:
        return batch.start(article, found)
    batch.join(conn, story_id, article, found)
    return story_id


def detach(conn: sqlite3.Connection, article_ids: list[int]) -> None:
    """Take articles out of their stories (before they are judged again); an emptied story
    goes. Each story they leave is counted again once, however many of them leave it."""
    left: set[int] = set()
    for start in range(0, len(article_ids), 500):  # SQLite's limit on parameters
        chunk = article_ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        left.update(story_id for story_id, in conn.execute(
            f"SELECT DISTINCT story_id FROM articles WHERE id IN ({marks}) AND story_id IS NOT NULL", chunk))
        conn.execute(f"UPDATE articles SET story_id = NULL WHERE id IN ({marks})", chunk)
    for story_id in sorted(left):
        _refresh(conn, story_id)


def start_rejudging(conn: sqlite3.Connection) -> None:
    """Before every article is judged again: the index forgets every story, so each
    article is compared only with stories already re-formed in this pass."""
    conn.execute("DELETE FROM story_keys")
    _cache.clear()  # the tags in them may be from the old taxonomy


def _features(article: _Arrival) -> Features:
    found = stories.features(article.title, article.summary, times.from_iso(article.published),
                             article.tags.pairs, article.tags.texts, article.feed_id, article.url)
    _cache.keep((article.id, article.content_hash), found)
    return found


def _candidates(conn: sqlite3.Connection, article: Features, new_keys: _NewKeys) -> list[int]:
    """Recent stories sharing the article's index keys (stored, or new in this batch),
    those sharing most first."""
    if not article.keys:
        return []
    reach = stories.WINDOW + stories.SAME_NEWS_CYCLE
    low, high = times.to_iso(article.when - reach), times.to_iso(article.when + reach)
    # counted as the rows come, one-tuples: a generator unpacking each cost more than the query
    shared = Counter(conn.execute(_candidate_sql(len(article.keys)), (low, high, STORIES_PER_KEY, *article.keys)))
    for story_id, count in new_keys.shared(article, low, high).items():
        row = (story_id,)
        shared[row] = max(shared[row], count)  # a stored story may have gained keys here
    return [story_id for (story_id,), _ in shared.most_common(CANDIDATES)]


@functools.cache
def _candidate_sql(keys: int) -> str:
    """The newest few stories (?3) seen between ?1 and ?2 for each of `keys` index keys
    (?4 on), one row per key shared (counting them in SQL is slower)."""
    one = (
        "SELECT story_id FROM (SELECT story_id FROM story_keys WHERE key = ?{} AND seen BETWEEN ?1 AND ?2 "
        "ORDER BY seen DESC LIMIT ?3)"
    )
    union = " UNION ALL ".join(one.format(number) for number in range(4, keys + 4))
    return union


def _load_members(conn: sqlite3.Connection, story_ids: list[int], members: dict[int, list[Features]]) -> None:
    """The newest few stored articles' features of each story (newest first), into `members`."""
    if not story_ids:
        return
    one = (
        "SELECT * FROM (SELECT id, story_id, content_hash FROM articles WHERE story_id = ? "
        "ORDER BY published DESC LIMIT ?)"
    )
    rows = conn.execute(
        " UNION ALL ".join([one] * len(story_ids)),
        [value for story_id in story_ids for value in (story_id, stories.MEMBERS_COMPARED)],
    ).fetchall()
    _load_missing(conn, [(article_id, digest) for article_id, _, digest in rows if (article_id, digest) not in _cache])
    for story_id in story_ids:
        members.setdefault(story_id, [])
    for article_id, story_id, digest in rows:
        found = _cache.find((article_id, digest))
        if found is not None:
            members[story_id].append(found)


def _load_missing(conn: sqlite3.Connection, keys: list[tuple[int, str]]) -> None:
    """Features of stored articles not in the cache, read in two queries."""
    if not keys:
        return
    marks = ",".join("?" * len(keys))
    ids = [article_id for article_id, _ in keys]
    tags = _tags_of(conn, ids)
    for article_id, title, lede, published, digest, feed_id, url in conn.execute(
        f"SELECT id, title, substr(summary, 1, {stories.LEDE_CHARS}), published, content_hash, feed_id, url "
        f"FROM articles WHERE id IN ({marks})",
        ids,
    ):
        own = tags.get(article_id, _Tags([], []))
        found = stories.features(title, lede, times.from_iso(published), own.pairs, own.texts, feed_id, url)
        _cache.keep((article_id, digest), found)


def _refresh(conn: sqlite3.Connection, story_id: int) -> None:
    """Count a story again from its articles after one left; delete it when none is left."""
    count, outlets, unread, first, last = conn.execute(
        "SELECT count(*), count(DISTINCT feed_id), coalesce(sum(1 - is_read), 0), min(published), "
        "max(published) FROM articles WHERE story_id = ?",
        (story_id,),
    ).fetchone()
    conn.execute(  # unread first, so the counts per tag hear of it
        "UPDATE stories SET articles = ?, outlets = ?, unread = ?, first_seen = coalesce(?, first_seen), "
        "last_seen = coalesce(?, last_seen) WHERE id = ?",
        (count, outlets, unread, first, last, story_id),
    )
    if not count:
        conn.execute("DELETE FROM stories WHERE id = ?", (story_id,))
        return
    conn.execute(
        "UPDATE stories SET (lead_id, title) = (SELECT id, title FROM articles WHERE story_id = ?1 "
        "ORDER BY published DESC, id DESC LIMIT 1) WHERE id = ?1",
        (story_id,),
    )
    # the tags none of its articles carry any more; CROSS JOIN keeps the story's own few
    # articles the outer loop: in a file without statistics (ANALYZE) SQLite otherwise
    # walked every article with the tag, milliseconds a story for a common party
    conn.execute(
        "DELETE FROM story_tags WHERE story_id = ?1 AND NOT EXISTS (SELECT 1 FROM articles a "
        "CROSS JOIN tags t ON t.article_id = a.id WHERE a.story_id = ?1 AND t.kind = story_tags.kind "
        "AND t.tag_id = story_tags.tag_id)",
        (story_id,),
    )
