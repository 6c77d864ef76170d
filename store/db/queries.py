"""The reads the dashboard and the CLI make: panes, search, counts, one article, stats.

Panes and search list stories (StoryRow: one row per event, however many outlets reported
it; latest_stories, search_stories); a story's articles are ArticleRows (get_story).
tag_counts gives unread stories per party and track beside unread articles.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

from negotiation_watch.store.db.connection import dict_rows
from negotiation_watch.store.db.feed_rows import HEALTH
from negotiation_watch.store.times import utc_now

# A search ranks at most this many of its newest matches: news readers want the recent
# ones, and ranking every match of a common word would keep the UI waiting.
RANKED_MATCHES = 3_000


@dataclass
class TagLabel:
    kind: str
    tag_id: str


@dataclass
class ArticleRow:
    """One line of a pane: enough to draw it without another query."""

    id: int
    feed_id: int
    feed_title: str
    title: str
    url: str | None
    published: str
    is_read: bool
    tags: list[TagLabel] = field(default_factory=list)
    also_in: list[str] = field(default_factory=list)  # other feeds carrying it (article_feeds)


@dataclass
class StoryRow:
    """One line of a pane or of search results: a story, enough to draw it without
    another query. `published` is its newest article's time, `lead_id` that article (the
    one opened directly when it is the story's only one), `feed_title` its outlet."""

    id: int
    title: str
    published: str
    lead_id: int
    feed_title: str
    articles: int
    outlets: int
    is_read: bool  # every article of it read
    url: str | None = None  # its newest article's link
    tags: list[TagLabel] = field(default_factory=list)  # the union of its articles' tags


@dataclass
class TagCount:
    kind: str
    tag_id: str
    articles: int
    unread: int  # unread articles
    stories: int = 0
    unread_stories: int = 0  # what the sidebar and the panes' titles show


# An article from a feed of a folder or its subfolders, as its own or carried (article_feeds).
_FOLDER_FEEDS = "SELECT id FROM feeds WHERE folder = ? OR substr(folder, 1, length(?) + 1) = ? || '/'"
_IN_FOLDER = (
    f"(a.feed_id IN ({_FOLDER_FEEDS}) OR a.id IN (SELECT article_id FROM article_feeds "
    f"WHERE feed_id IN ({_FOLDER_FEEDS})))"
)

# How a pane can be sorted: name -> (ORDER BY, the row-value comparison that pages past
# the last row shown). Newest first is the default; more orders are more entries here.
ORDERS = {
    "newest": ("a.published DESC, a.id DESC", "<"),
    "oldest": ("a.published ASC, a.id ASC", ">"),
}


def latest_articles(
    db: sqlite3.Connection,
    kind: str | None = None,
    tag_id: str | None = None,
    *,
    limit: int = 50,
    before: tuple[str, int] | None = None,
    order: str = "newest",
    unread_only: bool = False,
    folder: str = "",
) -> list[ArticleRow]:
    """Newest first (or another of ORDERS), optionally only those tagged kind/tag_id, only
    unread ones, only those from the feeds of a folder (and its subfolders); `before` =
    (published, id) of the last row shown, for paging without OFFSET."""
    order_by, past = ORDERS[order]
    where, params = [], []
    if unread_only:
        where.append("a.is_read = 0")
    if folder:
        where.append(_IN_FOLDER)
        params += [folder] * 6
    if kind and tag_id:
        if _is_frequent(db, kind, tag_id):
            # walk the newest articles and keep the tagged ones: stops after `limit` hits
            where.append("EXISTS (SELECT 1 FROM tags t WHERE t.kind = ? AND t.tag_id = ? AND t.article_id = a.id)")
        else:
            # few articles: fetch them all through the tag index and sort that short list
            where.append("a.id IN (SELECT article_id FROM tags WHERE kind = ? AND tag_id = ?)")
        params += [kind, tag_id]
    if before:
        where.append(f"(a.published, a.id) {past} (?, ?)")  # a row value lets SQLite seek in the index
        params += [before[0], before[1]]
    sql = (
        "SELECT a.id, a.feed_id, coalesce(f.title, f.url), a.title, a.url, a.published, a.is_read "
        "FROM articles a JOIN feeds f ON f.id = a.feed_id "
        + ("WHERE " + " AND ".join(where) + " " if where else "")
        + f"ORDER BY {order_by} LIMIT ?"
    )
    rows = [ArticleRow(*row[:6], bool(row[6])) for row in db.execute(sql, (*params, limit))]
    _attach_tags(db, rows)
    return rows


FREQUENT_TAG_ROWS = 2500  # about sqrt(page x articles) for 100k articles: where the two plans cost the same


def _is_frequent(db: sqlite3.Connection, kind: str, tag_id: str) -> bool:
    """Whether a tag has more than FREQUENT_TAG_ROWS evidence rows (counting stops there)."""
    row = db.execute(
        "SELECT count(*) FROM (SELECT 1 FROM tags WHERE kind = ? AND tag_id = ? LIMIT ?)",
        (kind, tag_id, FREQUENT_TAG_ROWS + 1),
    ).fetchone()
    return row[0] > FREQUENT_TAG_ROWS


def search_articles(
    db: sqlite3.Connection,
    query: str,
    kind: str | None = None,
    tag_id: str | None = None,
    *,
    limit: int = 100,
    unread_only: bool = False,
) -> list[ArticleRow]:
    """Full-text search over titles and summaries, best matches first, newest breaking ties;
    without a party or track filter, the best among the newest RANKED_MATCHES matches.

    Plain words are quoted (each must appear, as a prefix); a query written in FTS5's own
    syntax is passed on, and SearchSyntaxError says why FTS5 could not read it.
    """
    found = _ranked_matches(db, query, kind, tag_id, limit, unread_only)
    rows = [ArticleRow(*row[:6], bool(row[6])) for row in found]
    _attach_tags(db, rows)
    return rows


def _ranked_matches(db: sqlite3.Connection, query: str, kind: str | None, tag_id: str | None,
                    limit: int, unread_only: bool = False) -> list[tuple]:
    """Matching articles' rows (_RESULT_COLUMNS), best first."""
    match = fts_query(query)
    if not match:
        return []
    unread = " AND a.is_read = 0" if unread_only else ""
    with explain_search_errors(query):
        if kind and tag_id or unread_only:
            tagged = " AND a.id IN (SELECT article_id FROM tags WHERE kind = ? AND tag_id = ?)" if kind and tag_id else ""
            return db.execute(
                f"SELECT {_RESULT_COLUMNS} FROM articles_fts "
                "JOIN articles a ON a.id = articles_fts.rowid JOIN feeds f ON f.id = a.feed_id "
                f"WHERE articles_fts MATCH ?{tagged}{unread} "
                "ORDER BY articles_fts.rank, a.published DESC LIMIT ?",
                (match, *((kind, tag_id) if tagged else ()), limit),
            ).fetchall()
        return _best_of_newest(db, match, limit)


def search_stories(
    db: sqlite3.Connection,
    query: str,
    kind: str | None = None,
    tag_id: str | None = None,
    *,
    limit: int = 100,
    unread_only: bool = False,
) -> list[StoryRow]:
    """search_articles, one row per story: a story ranks as its best-matching article.

    Asks for a few times `limit` articles, since several may belong to one story.
    """
    found = _ranked_matches(db, query, kind, tag_id, limit * STORY_SEARCH_FACTOR, unread_only)
    story_ids = list(dict.fromkeys(row[7] for row in found if row[7] is not None))[:limit]
    return stories_by_id(db, story_ids)


STORY_SEARCH_FACTOR = 3


_RESULT_COLUMNS = "a.id, a.feed_id, coalesce(f.title, f.url), a.title, a.url, a.published, a.is_read, a.story_id"


def _best_of_newest(db: sqlite3.Connection, match: str, limit: int) -> list[tuple]:
    """The `limit` best-scored of the newest RANKED_MATCHES matches, best first, newest
    first among equals.

    One pass over the index: FTS5 walks its lists newest first cheaply, and the best are
    picked here; ranking inside FTS5 needed a second pass to find where the newest matches
    begin, which doubled the time.
    """
    scored = db.execute(
        "SELECT rowid, bm25(articles_fts) FROM articles_fts WHERE articles_fts MATCH ? "
        "ORDER BY rowid DESC LIMIT ?",
        (match, RANKED_MATCHES),
    ).fetchall()
    best = dict(sorted(scored, key=lambda hit: hit[1])[:limit])
    marks = ",".join("?" * len(best))
    rows = db.execute(
        f"SELECT {_RESULT_COLUMNS} FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE a.id IN ({marks})",
        tuple(best),
    )
    found = sorted(rows, key=lambda row: row[5], reverse=True)  # newest first among equals...
    found.sort(key=lambda row: best[row[0]])  # ...once sorted (stably) by score
    return found


class SearchSyntaxError(ValueError):
    """A search written in FTS5's syntax that FTS5 cannot read; the message says why."""


# Characters and words that mean the user is writing FTS5's own syntax: a phrase, a group,
# a column filter (title:x), a prefix, or an operator.
_FTS_SYNTAX = set('"():*^')
_FTS_OPERATORS = {"AND", "OR", "NOT", "NEAR"}


def fts_query(text: str) -> str:
    """What a user typed as an FTS5 query: plain words each quoted (every one must appear,
    as a prefix); text in FTS5's own syntax as it is, for FTS5 to read or refuse."""
    words = text.split()
    if any(c in _FTS_SYNTAX for c in text) or any(w in _FTS_OPERATORS for w in words):
        return text.strip()
    return " ".join(f'"{w}"*' for w in words if w)


_STORE_TROUBLE = ("locked", "busy", "disk", "readonly", "malformed", "no such table", "unable to open")


@contextmanager
def explain_search_errors(query: str) -> Iterator[None]:
    """FTS5's complaint about a query as a SearchSyntaxError the user can act on."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        message = str(exc)
        if any(word in message for word in _STORE_TROUBLE):  # the file's trouble, not the query's
            raise
        raise SearchSyntaxError(
            f"cannot search for {query.strip()}: {message.removeprefix('fts5: ')}. Plain words always work; "
            'FTS5 syntax needs balanced "quotes" and (brackets), and title: or summary: before a word.'
        ) from None


def search_count(
    db: sqlite3.Connection, query: str, kind: str | None = None, tag_id: str | None = None,
    *, unread_only: bool = False,
) -> int:
    """How many articles match the search (all of them, not only the ranked ones)."""
    count = unread_count if unread_only else _count
    return count(db, kind=kind, tag_id=tag_id, query=query)


def scope_where(kind=None, tag_id=None, query: str = "", feed_id: int | None = None, folder: str = "") -> tuple[str, list]:
    """WHERE conditions on articles `a` for a pane, a search, a feed, a folder or (none)
    everything: what the counts read and mark_all_read writes."""
    where, params = ["1"], []
    if folder:
        where.append(_IN_FOLDER)
        params += [folder] * 6
    if kind and tag_id:
        where.append("a.id IN (SELECT article_id FROM tags WHERE kind = ? AND tag_id = ?)")
        params += [kind, tag_id]
    if query:
        match = fts_query(query)
        where.append("a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)" if match else "0")
        params += [match] if match else []
    if feed_id is not None:
        where.append("(a.feed_id = ? OR a.id IN (SELECT article_id FROM article_feeds WHERE feed_id = ?))")
        params += [feed_id, feed_id]
    return " AND ".join(where), params


def _count(db: sqlite3.Connection, **scope) -> int:
    where, params = scope_where(**scope)
    with explain_search_errors(scope.get("query") or ""):
        return db.execute(f"SELECT count(*) FROM articles a WHERE {where}", params).fetchone()[0]


def unread_count(db: sqlite3.Connection, **scope) -> int:
    """Unread articles in a scope (kind/tag_id, query, feed_id; none: everything)."""
    where, params = scope_where(**scope)
    with explain_search_errors(scope.get("query") or ""):
        return db.execute(f"SELECT count(*) FROM articles a WHERE a.is_read = 0 AND {where}", params).fetchone()[0]



def _attach_tags(db: sqlite3.Connection, rows: list[ArticleRow]) -> None:
    """Each row's parties and tracks, and the other feeds that carry it, in two reads."""
    if not rows:
        return
    by_id = {row.id: row for row in rows}
    _attach_feeds(db, by_id)
    marks = ",".join("?" * len(by_id))
    for article_id, kind, tag_id in db.execute(
        f"SELECT DISTINCT article_id, kind, tag_id FROM tags WHERE article_id IN ({marks}) "
        "ORDER BY article_id, kind DESC, tag_id",
        tuple(by_id),
    ):
        by_id[article_id].tags.append(TagLabel(kind, tag_id))


def _attach_feeds(db: sqlite3.Connection, by_id: dict[int, ArticleRow]) -> None:
    marks = ",".join("?" * len(by_id))
    for article_id, name in db.execute(
        f"SELECT af.article_id, coalesce(f.title, f.url) FROM article_feeds af JOIN feeds f ON f.id = af.feed_id "
        f"WHERE af.article_id IN ({marks}) ORDER BY af.article_id, f.id",
        tuple(by_id),
    ):
        by_id[article_id].also_in.append(name)


def also_in(db: sqlite3.Connection, article_id: int) -> list[str]:
    """The names of the other feeds that carry an article besides its own."""
    return [row[0] for row in db.execute(
        "SELECT coalesce(f.title, f.url) FROM article_feeds af JOIN feeds f ON f.id = af.feed_id "
        "WHERE af.article_id = ? ORDER BY f.id", (article_id,))]


def tag_counts(db: sqlite3.Connection) -> list[TagCount]:
    """Articles, unread articles, stories and unread stories per party and per track, most
    articles first."""
    return [
        TagCount(*row)
        for row in db.execute(
            "SELECT t.kind, t.tag_id, t.articles, t.unread, coalesce(s.stories, 0), coalesce(s.unread, 0) "
            "FROM tag_totals t LEFT JOIN story_totals s ON s.kind = t.kind AND s.tag_id = t.tag_id "
            "WHERE t.articles > 0 ORDER BY t.articles DESC, t.kind, t.tag_id"
        )
    ]


# --------------------------------------------------------------------------- stories

_STORY_COLUMNS = (
    "s.id, s.title, s.last_seen, s.lead_id, coalesce(f.title, f.url, ''), s.articles, s.outlets, s.unread = 0, a.url"
)
_STORY_FROM = "stories s LEFT JOIN articles a ON a.id = s.lead_id LEFT JOIN feeds f ON f.id = a.feed_id"
# ORDERS for stories: by their newest article's time.
STORY_ORDERS = {"newest": ("s.last_seen DESC, s.id DESC", "<"), "oldest": ("s.last_seen ASC, s.id ASC", ">")}
FREQUENT_TAG_STORIES = 2500  # as FREQUENT_TAG_ROWS: where walking the newest stories and sorting the tagged ones cost the same


def latest_stories(
    db: sqlite3.Connection,
    kind: str | None = None,
    tag_id: str | None = None,
    *,
    limit: int = 50,
    before: tuple[str, int] | None = None,
    order: str = "newest",
    unread_only: bool = False,
    folder: str = "",
) -> list[StoryRow]:
    """Stories newest first by their newest article (or oldest first: ORDERS), optionally
    only those tagged kind/tag_id, only unread ones, only those with an article from a
    folder's feeds; `before` = (published, id) of the last row shown, for paging."""
    order_by, past = STORY_ORDERS[order]
    where, params = [], []
    if unread_only:
        where.append("s.unread > 0")
    if folder:
        where.append(f"s.id IN (SELECT a.story_id FROM articles a WHERE {_IN_FOLDER})")
        params += [folder] * 6
    if kind and tag_id:
        total = db.execute(
            "SELECT stories FROM story_totals WHERE kind = ? AND tag_id = ?", (kind, tag_id)
        ).fetchone()
        if total and total[0] > FREQUENT_TAG_STORIES:
            where.append("EXISTS (SELECT 1 FROM story_tags t WHERE t.kind = ? AND t.tag_id = ? AND t.story_id = s.id)")
        else:
            where.append("s.id IN (SELECT story_id FROM story_tags WHERE kind = ? AND tag_id = ?)")
        params += [kind, tag_id]
    if before:
        where.append(f"(s.last_seen, s.id) {past} (?, ?)")
        params += [before[0], before[1]]
    sql = (
        f"SELECT {_STORY_COLUMNS} FROM {_STORY_FROM} "
        + ("WHERE " + " AND ".join(where) + " " if where else "")
        + f"ORDER BY {order_by} LIMIT ?"
    )
    rows = [_story_row(row) for row in db.execute(sql, (*params, limit))]
    _attach_story_tags(db, rows)
    return rows


def stories_by_id(db: sqlite3.Connection, story_ids: list[int]) -> list[StoryRow]:
    """The stories with these ids, in that order (ids no longer stored are left out)."""
    if not story_ids:
        return []
    marks = ",".join("?" * len(story_ids))
    found = {
        row[0]: _story_row(row)
        for row in db.execute(f"SELECT {_STORY_COLUMNS} FROM {_STORY_FROM} WHERE s.id IN ({marks})",
                                   tuple(story_ids))
    }
    rows = [found[story_id] for story_id in story_ids if story_id in found]
    _attach_story_tags(db, rows)
    return rows


def _story_row(row: tuple) -> StoryRow:
    return StoryRow(*row[:7], bool(row[7]), row[8])


def _attach_story_tags(db: sqlite3.Connection, rows: list[StoryRow]) -> None:
    if not rows:
        return
    by_id = {row.id: row for row in rows}
    marks = ",".join("?" * len(by_id))
    for story_id, kind, tag_id in db.execute(
        f"SELECT story_id, kind, tag_id FROM story_tags WHERE story_id IN ({marks}) "
        "ORDER BY story_id, kind DESC, tag_id",
        tuple(by_id),
    ):
        by_id[story_id].tags.append(TagLabel(kind, tag_id))


@dataclass
class StoryDetail:
    """A story with every article of it, newest first, for the story screen and the CLI."""

    id: int
    title: str
    first_seen: str
    last_seen: str
    outlets: int
    unread: int
    tags: list[TagLabel]
    articles: list[ArticleRow]


def get_story(db: sqlite3.Connection, story_id: int) -> StoryDetail | None:
    row = db.execute(
        "SELECT id, title, first_seen, last_seen, outlets, unread FROM stories WHERE id = ?", (story_id,)
    ).fetchone()
    if not row:
        return None
    return _story_details(db, [row])[0]


def _story_details(db: sqlite3.Connection, rows: list[tuple]) -> list[StoryDetail]:
    """StoryDetails for stories rows (id, title, first_seen, last_seen, outlets, unread)."""
    if not rows:
        return []
    details = {row[0]: StoryDetail(*row, [], []) for row in rows}
    marks = ",".join("?" * len(details))
    for story_id, kind, tag_id in db.execute(
        f"SELECT story_id, kind, tag_id FROM story_tags WHERE story_id IN ({marks}) ORDER BY kind DESC, tag_id",
        tuple(details),
    ):
        details[story_id].tags.append(TagLabel(kind, tag_id))
    members = []
    for row in db.execute(
        "SELECT a.id, a.feed_id, coalesce(f.title, f.url), a.title, a.url, a.published, a.is_read, a.story_id "
        f"FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE a.story_id IN ({marks}) "
        "ORDER BY a.published DESC, a.id DESC",
        tuple(details),
    ):
        article = ArticleRow(*row[:6], bool(row[6]))
        details[row[7]].articles.append(article)
        members.append(article)
    _attach_tags(db, members)
    return list(details.values())


def list_stories(
    db: sqlite3.Connection,
    *,
    track: str | None = None,
    party: str | None = None,
    since: str | None = None,
    limit: int | None = None,
) -> list[StoryDetail]:
    """Stories newest first with all their articles, optionally only those tagged with a
    track and/or a party, whose newest article is at `since` (UTC ISO) or later."""
    where, params = [], []
    for kind, tag_id in (("track", track), ("party", party)):
        if tag_id:
            where.append("id IN (SELECT story_id FROM story_tags WHERE kind = ? AND tag_id = ?)")
            params += [kind, tag_id]
    if since:
        where.append("last_seen >= ?")
        params.append(since)
    sql = (
        "SELECT id, title, first_seen, last_seen, outlets, unread FROM stories "
        + ("WHERE " + " AND ".join(where) + " " if where else "")
        + "ORDER BY last_seen DESC, id DESC"
        + (" LIMIT ?" if limit else "")
    )
    rows = db.execute(sql, (*params, limit) if limit else tuple(params)).fetchall()
    details = []
    for start in range(0, len(rows), 500):  # SQLite's limit on parameters
        details += _story_details(db, rows[start:start + 500])
    return details


def daily_counts(
    db: sqlite3.Connection, kind: str, tag_id: str, *, days: int = 30, end: date | None = None
) -> list[int]:
    """Articles per day for one party or track over the `days` days ending with `end`
    (default today, UTC), oldest first: the sidebar's sparkline."""
    end = end or utc_now().date()
    start = end - timedelta(days=days - 1)
    counts = dict(
        db.execute(
            "SELECT day, articles FROM tag_days WHERE day BETWEEN ? AND ? AND kind = ? AND tag_id = ?",
            (start.isoformat(), end.isoformat(), kind, tag_id),
        )
    )
    return [counts.get((start + timedelta(days=i)).isoformat(), 0) for i in range(days)]


def daily_counts_all(
    db: sqlite3.Connection, *, days: int = 30, end: date | None = None
) -> dict[tuple[str, str], list[int]]:
    """daily_counts for every party and track at once: {(kind, tag_id): counts oldest
    first}; ones without articles in the window are absent."""
    end = end or utc_now().date()
    start = end - timedelta(days=days - 1)
    index = {(start + timedelta(days=i)).isoformat(): i for i in range(days)}
    result: dict[tuple[str, str], list[int]] = {}
    for day, kind, tag_id, count in db.execute(
        "SELECT day, kind, tag_id, articles FROM tag_days WHERE day BETWEEN ? AND ? AND articles > 0",
        (start.isoformat(), end.isoformat()),
    ):
        result.setdefault((kind, tag_id), [0] * days)[index[day]] = count
    return result


@dataclass
class ArticleDetail:
    id: int
    feed_id: int
    feed_title: str
    title: str
    summary: str
    url: str | None
    author: str | None
    published: str
    date_estimated: bool
    fetched: str
    is_read: bool
    evidence: list[dict]  # {kind, tag_id, field, start, end, text, person}
    also_in: list[str] = field(default_factory=list)  # other feeds carrying it


def get_article(db: sqlite3.Connection, article_id: int) -> ArticleDetail | None:
    """One article with every tag's evidence, for the article screen."""
    row = db.execute(
        "SELECT a.id, a.feed_id, coalesce(f.title, f.url), a.title, a.summary, a.url, a.author, "
        "a.published, a.date_estimated, a.fetched, a.is_read "
        "FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE a.id = ?",
        (article_id,),
    ).fetchone()
    if not row:
        return None
    evidence = dict_rows(
        db,
        'SELECT kind, tag_id, field, start, "end", text, person FROM tags WHERE article_id = ? '
        "ORDER BY kind DESC, tag_id, field DESC, start",
        (article_id,),
    )
    return ArticleDetail(*row[:8], bool(row[8]), row[9], bool(row[10]), evidence, also_in(db, article_id))


@dataclass
class Stats:
    feeds: int
    feeds_ok: int
    feeds_failing: int
    feeds_paused: int
    articles: int
    unread: int
    last_fetch: str | None


def stats(db: sqlite3.Connection) -> Stats:
    """Figures for the status line."""
    feeds, ok, failing, paused, last_fetch = db.execute(
        "SELECT count(*), coalesce(sum(health = 'ok'), 0), coalesce(sum(health = 'failing'), 0), "
        f"coalesce(sum(health = 'paused'), 0), max(last_fetch) FROM (SELECT {HEALTH} AS health, "
        "last_fetch FROM feeds)"
    ).fetchone()
    articles, unread = db.execute(
        "SELECT count(*), coalesce(sum(1 - is_read), 0) FROM articles"
    ).fetchone()
    return Stats(feeds, ok, failing, paused, articles, unread, last_fetch)


