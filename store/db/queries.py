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
from typing import NamedTuple

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

# How latest_articles can sort: name -> (ORDER BY, the row-value comparison that pages past
# the last row shown).
_ARTICLE_ORDERS = {
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
    order_by, past = _ARTICLE_ORDERS[order]
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


# How search results can be sorted; the first is the default.
SEARCH_ORDERS = ("relevance", "newest", "outlets")


@dataclass(frozen=True)
class SearchMark:
    """Where a page of search results ends: among the stories of the window of matches
    below article id `below` (None: the newest), after the first `shown` of them."""

    below: int | None = None
    shown: int = 0


@dataclass
class SearchPage:
    """A page of search results, where the next one starts (None: nothing left) and the
    number of matching articles: exact unless `more_than`, when at least that many match."""

    rows: list[StoryRow]
    after: SearchMark | None
    matches: int
    more_than: bool = False


def search_stories(
    db: sqlite3.Connection,
    query: str,
    kind: str | None = None,
    tag_id: str | None = None,
    *,
    limit: int = 100,
    unread_only: bool = False,
    order: str = "relevance",
    after: SearchMark | None = None,
) -> SearchPage:
    """Full-text search over titles and summaries, one row per story, optionally within a
    party or track and only unread articles: the stories of the newest RANKED_MATCHES
    matching articles (a window), best match first (a story ranks as its best article;
    the newer first among equals), or newest or most outlets first (SEARCH_ORDERS).
    Paging past a window goes on with the next-older one, so each page costs about the
    same however many articles match. The count is the window's: exact when it is not
    full, else a lower bound (match_count counts them all).

    Plain words are quoted (each must appear, as a prefix); a query written in FTS5's own
    syntax is passed on, and SearchSyntaxError says why FTS5 could not read it.
    """
    match = fts_query(query)
    if not match:
        return SearchPage([], None, 0)
    mark = after or SearchMark()
    with explain_search_errors(query):
        story_ids, found, lowest = _window_stories(db, match, kind, tag_id, unread_only, mark.below, order)
    full = found == RANKED_MATCHES
    # a full window is a lower bound: match_count gives the exact figure, apart, so that
    # the first page need not wait for a count of every match
    matches, more_than = found, full or mark.below is not None
    shown = mark.shown + limit
    if shown < len(story_ids):
        next_mark = SearchMark(mark.below, shown)
    else:
        next_mark = SearchMark(lowest, 0) if full else None
    return SearchPage(stories_by_id(db, story_ids[mark.shown:shown]), next_mark, matches, more_than)


# A window's stories in each of SEARCH_ORDERS; a story ranks as its best article (bm25:
# lower is better).
_WINDOW_ORDERS = {
    "relevance": "min(w.score), s.last_seen DESC, s.id DESC",
    "newest": "s.last_seen DESC, s.id DESC",
    "outlets": "s.outlets DESC, s.last_seen DESC, s.id DESC",
}


def _window_stories(db: sqlite3.Connection, match: str, kind: str | None, tag_id: str | None,
                    unread_only: bool, below: int | None, order: str) -> tuple[list[int], int, int | None]:
    """The stories of the window: the newest RANKED_MATCHES articles that match, within the
    filters, below article id `below` (FTS5 walks its matches newest first and stops
    there), in `order`; with the window's number of articles and its lowest article id.
    One statement, so the window's articles and stories are read inside SQLite. A party or
    track is checked against whichever side is smaller (_tag_condition). Each article's
    story comes from the narrow articles_story_of index: by rowid SQLite would read each
    article's whole row, thousands of scattered pages when they are not cached."""
    where, params = ["articles_fts MATCH ?"], [match]
    if below is not None:
        where.append("rowid < ?")
        params.append(below)
    if kind and tag_id:
        where.append(_tag_condition(db, match, kind, tag_id))
        params += [kind, tag_id]
    if unread_only:
        where.append("EXISTS (SELECT 1 FROM articles a WHERE a.id = articles_fts.rowid AND a.is_read = 0)")
    rows = db.execute(
        "SELECT s.id, sum(count(*)) OVER (), min(min(w.id)) OVER () FROM (SELECT rowid AS id, "
        f"bm25(articles_fts) AS score FROM articles_fts WHERE {' AND '.join(where)} ORDER BY rowid DESC LIMIT ?) w "
        "JOIN articles a INDEXED BY articles_story_of ON a.id = w.id JOIN stories s ON s.id = a.story_id "
        f"GROUP BY s.id ORDER BY {_WINDOW_ORDERS[order]}",
        (*params, RANKED_MATCHES),
    ).fetchall()
    if not rows:
        return [], 0, None
    return [row[0] for row in rows], rows[0][1], rows[0][2]


def _tag_condition(db: sqlite3.Connection, match: str, kind: str, tag_id: str) -> str:
    """How a filtered search keeps a tag's articles, from the kept count of the tag's
    articles against the matches the walk would read: a tag with fewer articles than that
    is read once into a list that each match is looked up in; a bigger one is looked up
    in the tags index for each match read, and the walk stops after RANKED_MATCHES hits."""
    row = db.execute("SELECT articles FROM tag_totals WHERE kind = ? AND tag_id = ?", (kind, tag_id)).fetchone()
    tagged = row[0] if row else 0
    total = db.execute("SELECT articles FROM article_totals WHERE id = 1").fetchone()[0]
    walk = RANKED_MATCHES * total // max(tagged, 1)  # matches read to find RANKED_MATCHES tagged ones
    # FTS5 keeps no count per term (fts5vocab reads a term's whole list to give one), so
    # count the matches only as far as they matter: up to the tag's size
    if tagged < walk and _match_count(db, match, tagged) >= tagged:
        # `+rowid`: a filter on each match, not a rowid lookup per tagged article
        return "+rowid IN (SELECT article_id FROM tags WHERE kind = ? AND tag_id = ?)"
    return "EXISTS (SELECT 1 FROM tags t WHERE t.kind = ? AND t.tag_id = ? AND t.article_id = articles_fts.rowid)"


def _match_count(db: sqlite3.Connection, match: str, up_to: int | None = None) -> int:
    """How many articles match (at most `up_to`), from the search index alone."""
    if up_to is None:
        return db.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", (match,)).fetchone()[0]
    return db.execute(
        "SELECT count(*) FROM (SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? LIMIT ?)", (match, up_to)
    ).fetchone()[0]


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


PREFIX_MIN_CHARS = 2  # one letter as a prefix matches most of the index: 1.2 s at a million articles


def fts_query(text: str) -> str:
    """What a user typed as an FTS5 query: plain words each quoted (every one must appear,
    as a prefix once it has PREFIX_MIN_CHARS characters, a single letter only as a word of
    its own); text in FTS5's own syntax as it is, for FTS5 to read or refuse."""
    words = text.split()
    if any(c in _FTS_SYNTAX for c in text) or any(w in _FTS_OPERATORS for w in words):
        return text.strip()
    return " ".join(f'"{w}"*' if len(w) >= PREFIX_MIN_CHARS else f'"{w}"' for w in words if w)


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


def match_count(db: sqlite3.Connection, query: str) -> int:
    """How many articles match a search over everything (all of them, not only a window),
    from the search index alone: what the search screen shows once the first page is up."""
    match = fts_query(query)
    if not match:
        return 0
    with explain_search_errors(query):
        return _match_count(db, match)


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

# How a pane of stories can be sorted: name -> (ORDER BY, the columns of its key, the
# comparison that pages past the last row shown). Newest first is the default.
ORDERS = {
    "newest": ("s.last_seen DESC, s.id DESC", ("last_seen", "id"), "<"),
    "oldest": ("s.last_seen ASC, s.id ASC", ("last_seen", "id"), ">"),
    "outlets": ("s.outlets DESC, s.last_seen DESC, s.id DESC", ("outlets", "last_seen", "id"), "<"),
}
# Above this many stories a tag's pane sorted by outlets walks stories_outlets and keeps
# the tag's stories; below it, it sorts that tag's few stories.
FREQUENT_TAG_STORIES = 2500


def page_key(row: StoryRow, order: str = "newest") -> tuple:
    """The sort key of a row in `order`: what `before` takes to page on past it."""
    values = {"last_seen": row.published, "id": row.id, "outlets": row.outlets}
    return tuple(values[column] for column in ORDERS[order][1])


def latest_stories(
    db: sqlite3.Connection,
    kind: str | None = None,
    tag_id: str | None = None,
    *,
    limit: int = 50,
    before: tuple | None = None,
    order: str = "newest",
    unread_only: bool = False,
    folder: str = "",
) -> list[StoryRow]:
    """Stories in one of ORDERS (by default newest first by their newest article),
    optionally only those tagged kind/tag_id, only unread ones, only those with an article
    from a folder's feeds; `before` = page_key of the last row shown, for paging."""
    where, params = [], []
    if unread_only:
        where.append("s.unread > 0")
    if folder:
        where.append(f"s.id IN (SELECT a.story_id FROM articles a WHERE {_IN_FOLDER})")
        params += [folder] * 6
    if kind and tag_id and order != "outlets":
        return _tag_stories(db, kind, tag_id, where, params, limit, before, order)
    order_by, columns, past = ORDERS[order]
    if kind and tag_id:
        total = db.execute(
            "SELECT stories FROM story_totals WHERE kind = ? AND tag_id = ?", (kind, tag_id)
        ).fetchone()
        if total and total[0] > FREQUENT_TAG_STORIES:
            # walk the most-reported stories and keep the tagged ones: stops after `limit` hits
            where.append("EXISTS (SELECT 1 FROM story_tags t WHERE t.kind = ? AND t.tag_id = ? AND t.story_id = s.id)")
        else:
            where.append("s.id IN (SELECT story_id FROM story_tags WHERE kind = ? AND tag_id = ?)")
        params += [kind, tag_id]
    if before:
        where.append(f"({', '.join('s.' + c for c in columns)}) {past} ({', '.join('?' * len(columns))})")
        params += list(before)  # a row value lets SQLite seek in the index
    return _stories(db, f"FROM {_STORY_FROM}", where, params, order_by, limit)


def _tag_stories(db: sqlite3.Connection, kind: str, tag_id: str, where: list[str], params: list, limit: int,
                 before: tuple | None, order: str) -> list[StoryRow]:
    """A tag's stories newest (or oldest) first: a walk of story_tags_newest from the tag's
    newest (or oldest) story, so its cost follows the page, not the age of the tag's news."""
    direction, past = ("DESC", "<") if order == "newest" else ("ASC", ">")
    where = ["t.kind = ?", "t.tag_id = ?", *where]
    params = [kind, tag_id, *params]
    if before:
        where.append(f"(t.last_seen, t.story_id) {past} (?, ?)")
        params += list(before)
    return _stories(db, f"FROM story_tags t JOIN {_STORY_FROM.replace('stories s', 'stories s ON s.id = t.story_id', 1)}",
                    where, params, f"t.last_seen {direction}, t.story_id {direction}", limit)


def _stories(db: sqlite3.Connection, source: str, where: list[str], params: list, order_by: str,
             limit: int) -> list[StoryRow]:
    sql = (f"SELECT {_STORY_COLUMNS} {source} " + ("WHERE " + " AND ".join(where) + " " if where else "")
           + f"ORDER BY {order_by} LIMIT ?")
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


def _kind(label: TagLabel) -> str:
    return label.kind


def _attach_story_tags(db: sqlite3.Connection, rows: list[StoryRow]) -> None:
    if not rows:
        return
    by_id = {row.id: row for row in rows}
    marks = ",".join("?" * len(by_id))
    # in the index's order (no sort in SQL: a pane's stories carry thousands of tags);
    # tracks then go first, each kind by id
    for story_id, kind, tag_id in db.execute(
        f"SELECT story_id, kind, tag_id FROM story_tags WHERE story_id IN ({marks}) ORDER BY story_id, kind, tag_id",
        tuple(by_id),
    ):
        by_id[story_id].tags.append(TagLabel(kind, tag_id))
    for row in rows:
        row.tags.sort(key=_kind, reverse=True)


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
    # {action, source, target, mutual, track, field, start, end, text, signal_start, signal_end}
    interactions: list[dict] = field(default_factory=list)


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
    interactions = dict_rows(
        db,
        'SELECT action, source, target, mutual, track, field, start, "end", text, signal_start, signal_end '
        "FROM interactions WHERE article_id = ? ORDER BY field DESC, start, id",
        (article_id,),
    )
    return ArticleDetail(*row[:8], bool(row[8]), row[9], bool(row[10]), evidence, also_in(db, article_id),
                         interactions)


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
    """Figures for the status line: a pass over the feeds (a few hundred rows) and the
    kept article totals, so it costs the same at any number of articles."""
    feeds, ok, failing, paused, last_fetch = db.execute(
        "SELECT count(*), coalesce(sum(health = 'ok'), 0), coalesce(sum(health = 'failing'), 0), "
        f"coalesce(sum(health = 'paused'), 0), max(last_fetch) FROM (SELECT {HEALTH} AS health, "
        "last_fetch FROM feeds)"
    ).fetchone()
    articles, unread = db.execute("SELECT articles, unread FROM article_totals WHERE id = 1").fetchone()
    return Stats(feeds, ok, failing, paused, articles, unread, last_fetch)



# ---------------------------------------------------------------------------- interactions


class InteractionCount(NamedTuple):
    """How many articles of a window state that `source` did `action` to `target` in
    `track` (`mutual`: a symmetric action, the pair unordered)."""

    action: str
    source: str
    target: str
    mutual: bool
    track: str | None
    articles: int


def _window(days: int, end: date | None) -> tuple[str, str]:
    """[first day, the day after `end`) of a `days`-day window, as stored times compare."""
    end = end or utc_now().date()
    return (end - timedelta(days=days - 1)).isoformat(), (end + timedelta(days=1)).isoformat()


def interaction_counts(db: sqlite3.Connection, *, days: int = 30, end: date | None = None) -> list[InteractionCount]:
    """Interactions of the articles published in the `days` days ending with `end` (default
    today, UTC), counted per action, pair and track: what the matrix screen shows. Read
    once per window (from interaction_days, kept by triggers), so changing the action or
    track filter costs no query; an article that says one thing twice counts once."""
    first, after = _window(days, end)
    rows = db.execute(
        "SELECT action, source, target, mutual, track, sum(articles) FROM interaction_days "
        "WHERE day >= ? AND day < ? AND articles > 0 GROUP BY 1, 2, 3, 4, 5",
        (first, after[:10]),
    )
    return [InteractionCount(action, source, target, bool(mutual), track or None, n)
            for action, source, target, mutual, track, n in rows]


@dataclass
class Matrix:
    """Interactions per (row, column), rows and columns busiest first."""

    rows: list[str]
    columns: list[str]
    cells: dict[tuple[str, str], int]

    def count(self, row: str, column: str) -> int:
        return self.cells.get((row, column), 0)

    @property
    def peak(self) -> int:
        return max(self.cells.values(), default=0)


def party_matrix(counts: list[InteractionCount], *, action: str | None = None, track: str | None = None) -> Matrix:
    """Who acts on whom: the interactions in which the row party did something to the
    column party (a mutual one, such as a meeting, counts both ways); the parties most
    involved first."""
    cells: dict[tuple[str, str], int] = {}
    involved: dict[str, int] = {}
    for c in filter_counts(counts, action, track):
        for source, target in ((c.source, c.target), (c.target, c.source)) if c.mutual else ((c.source, c.target),):
            cells[(source, target)] = cells.get((source, target), 0) + c.articles
        involved[c.source] = involved.get(c.source, 0) + c.articles
        involved[c.target] = involved.get(c.target, 0) + c.articles
    parties = sorted(involved, key=lambda p: (-involved[p], p))
    return Matrix(parties, parties, cells)


def party_track_matrix(counts: list[InteractionCount], *, action: str | None = None) -> Matrix:
    """Which parties act in which formats: interactions with the party as source or target,
    per track; parties and tracks most active first."""
    cells: dict[tuple[str, str], int] = {}
    rows: dict[str, int] = {}
    columns: dict[str, int] = {}
    for c in filter_counts(counts, action, None):
        if c.track is None:
            continue
        for party in (c.source, c.target):
            cells[(party, c.track)] = cells.get((party, c.track), 0) + c.articles
            rows[party] = rows.get(party, 0) + c.articles
        columns[c.track] = columns.get(c.track, 0) + c.articles
    return Matrix(sorted(rows, key=lambda p: (-rows[p], p)), sorted(columns, key=lambda t: (-columns[t], t)), cells)


def filter_counts(counts: list[InteractionCount], action: str | None = None, track: str | None = None):
    """The counts of one action and one track (None: any)."""
    return (c for c in counts if (action is None or c.action == action) and (track is None or c.track == track))


def facet_values(counts: list[InteractionCount]) -> tuple[list[str], list[str]]:
    """The actions and the tracks found in a window, most frequent first: the filters' choices."""
    actions: dict[str, int] = {}
    tracks: dict[str, int] = {}
    for c in counts:
        actions[c.action] = actions.get(c.action, 0) + c.articles
        if c.track is not None:
            tracks[c.track] = tracks.get(c.track, 0) + c.articles
    return sorted(actions, key=lambda a: (-actions[a], a)), sorted(tracks, key=lambda t: (-tracks[t], t))


@dataclass
class InteractionArticle:
    """An article behind a matrix cell and the first of its interactions the cell counts."""

    article: ArticleRow
    interaction: dict  # {action, source, target, mutual, track, field, start, end, text, signal_start, signal_end}


def cell_articles(
    db: sqlite3.Connection, row: str, column: str, *, by_track: bool = False, days: int = 30,
    end: date | None = None, action: str | None = None, track: str | None = None, limit: int = 200,
) -> list[InteractionArticle]:
    """The articles behind a cell, newest first, each with the first interaction that put it
    there: `row` acting on `column` (or, mutual, either way), or (`by_track`) party `row` in
    track `column`; within the window and the filters the matrix had."""
    if by_track:
        where, params = "(i.source = ? OR i.target = ?) AND i.track = ?", [row, row, column]
    else:
        where = "((i.source = ? AND i.target = ?) OR (i.mutual = 1 AND i.source = ? AND i.target = ?))"
        params = [row, column, column, row]
    for name, value in (("action", action), ("track", track)):
        if value:
            where += f" AND i.{name} = ?"
            params.append(value)
    found = dict_rows(
        db,
        f"SELECT i.article_id, {', '.join('i.' + c for c in _INTERACTION_COLUMNS)} FROM articles a "
        f"JOIN interactions i ON i.article_id = a.id WHERE a.published >= ? AND a.published < ? AND {where} "
        "ORDER BY a.published DESC, a.id DESC, i.field DESC, i.start, i.id",
        (*_window(days, end), *params),
    )
    first: dict[int, dict] = {}
    for interaction in found:
        article_id = interaction.pop("article_id")
        if article_id not in first and len(first) < limit:
            first[article_id] = interaction
    if not first:
        return []
    marks = ",".join("?" * len(first))
    articles = {
        r[0]: ArticleRow(*r[:6], bool(r[6]))
        for r in db.execute(
            f"SELECT {_RESULT_COLUMNS} FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE a.id IN ({marks})",
            tuple(first),
        )
    }
    listed = [InteractionArticle(articles[i], first[i]) for i in first if i in articles]
    _attach_tags(db, [item.article for item in listed])
    return listed


_INTERACTION_COLUMNS = ("action", "source", "target", "mutual", "track", "field", "start", '"end"', "text",
                        "signal_start", "signal_end")
