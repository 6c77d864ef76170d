"""The chronology behind a brief: what was stored about a subject, oldest first, an
entry per story with its outlets, parties, tracks and interactions.

Articles are grouped by the story they belong to (`articles.story_id`): a story's entry
lists every one of its articles in the period, the subject's and the others from the
same event, under the story's headline; an article without a story stands alone.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from negotiation_watch.store import times
from negotiation_watch.store.db import queries
from negotiation_watch.store.parse.clean import one_line

Names = Callable[[str, str], str]  # (kind, id) -> display name
ID_CHUNK = 500  # ids per IN (...) list, well under SQLite's limit on bound values


@dataclass(frozen=True)
class Subject:
    """What a brief is about: a party or track, search words (alone or within one), or one story."""

    kind: str | None = None  # "party" or "track"
    tag_id: str | None = None
    words: str = ""
    article_id: int | None = None  # the story this article belongs to

    def describe(self, names: Names) -> str:
        """A title for the brief: "Normandy Format", "“ceasefire” in Egypt" (a story's is its headline)."""
        if self.article_id is not None:
            return "One story"
        name = names(self.kind, self.tag_id) if self.kind and self.tag_id else ""
        if self.words:
            return f"“{self.words}” in {name}" if name else f"“{self.words}”"
        return name or "All articles"

    def slug(self) -> str:
        """A file-name friendly name: track-normandy-format, search-ceasefire-talks."""
        if self.article_id is not None:
            return f"story-{self.article_id}"
        parts = [f"{self.kind}-{self.tag_id}"] if self.kind and self.tag_id else []
        if self.words:
            parts.append("search-" + "-".join(self.words.split()))
        raw = "-".join(parts) or "all"
        kept = "".join(c if c.isalnum() or c in "-_" else "-" for c in raw.lower())
        return "-".join(filter(None, kept.split("-")))[:80] or "brief"


@dataclass(frozen=True)
class Named:
    id: str
    name: str


@dataclass
class Source:
    """One article of a story: the outlet that carried it, its own headline and link."""

    article_id: int
    outlet: str
    title: str
    url: str | None
    published: str
    parties: list[Named] = field(default_factory=list)
    tracks: list[Named] = field(default_factory=list)
    interactions: list[Interaction] = field(default_factory=list)


@dataclass(frozen=True)
class Interaction:
    """Who did what to whom (display names), with the words it was read from."""

    action: str
    source: str
    target: str | None
    track: str | None
    evidence: str
    mutual: bool = False


@dataclass
class Entry:
    """One story in the chronology."""

    story: str  # "article:12" until stories exist
    published: str  # its first source's time, UTC
    headline: str
    sources: list[Source]
    parties: list[Named]
    tracks: list[Named]
    interactions: list[Interaction] = field(default_factory=list)

    @property
    def day(self) -> str:
        return self.published[:10]


@dataclass
class Brief:
    subject: Subject
    title: str
    since: date | None
    until: date | None
    generated: str
    entries: list[Entry]
    truncated: bool = False  # `limit` cut off older entries

    def outlets(self) -> list[str]:
        return sorted({source.outlet for entry in self.entries for source in entry.sources})

    def by_day(self) -> Iterator[tuple[str, list[Entry]]]:
        """(day, entries) in the entries' order."""
        day, group = None, []
        for entry in self.entries:
            if entry.day != day and group:
                yield day, group
                group = []
            day = entry.day
            group.append(entry)
        if group:
            yield day, group


def read_brief(
    db: sqlite3.Connection,
    subject: Subject,
    *,
    names: Names,
    since: date | None = None,
    until: date | None = None,
    now: datetime | None = None,
    limit: int | None = None,
) -> Brief:
    """The subject's stories from `since` to `until` (whole UTC days, both included),
    oldest first; with `limit`, only the newest `limit` articles are read."""
    rows = _with_story_mates(db, _articles(db, subject, since, until, limit), since, until)
    headlines = _headlines(db, {row[5] for row in rows if row[5] is not None})
    tags = _tags(db, [row[0] for row in rows])
    stated = _interactions(db, [row[0] for row in rows])
    named = _Namer(names)
    outlets: dict[str, str] = {}  # cleaned once per feed, not once per article
    entries: dict[str, Entry] = {}
    for article_id, outlet, title, url, published, story_id in rows:
        outlet = outlets.get(outlet) or outlets.setdefault(outlet, one_line(outlet or ""))
        source = Source(article_id, outlet, one_line(title or ""), url, published)
        for kind, tag_id in tags.get(article_id, ()):
            (source.parties if kind == "party" else source.tracks).append(named(kind, tag_id))
        source.interactions = [
            Interaction(action, named("party", who).name, named("party", whom).name,
                        named("track", track).name if track else None, one_line(text), bool(mutual))
            for action, who, whom, mutual, track, text in stated.get(article_id, ())
        ]
        source.parties.sort(key=_by_name)
        source.tracks.sort(key=_by_name)
        _add_source(entries, story_key(article_id, story_id), source, headlines.get(story_id))
    generated = times.to_iso(now or times.utc_now())
    truncated = limit is not None and len(rows) >= limit
    stories = list(entries.values())
    title = stories[0].headline if subject.article_id is not None and stories else subject.describe(names)
    return Brief(subject, title, since, until, generated, stories, truncated)


class _Namer:
    """One Named per party or track, its display name cleaned once for the whole brief."""

    def __init__(self, names: Names) -> None:
        self.names, self.known = names, {}

    def __call__(self, kind: str, tag_id: str) -> Named:
        key = (kind, tag_id)
        found = self.known.get(key)
        if found is None:
            found = self.known[key] = Named(tag_id, one_line(self.names(kind, tag_id)))
        return found


def _by_name(named: Named) -> str:
    return named.name.lower()  # as a reader looks for them


def story_key(article_id: int, story_id: int | None) -> str:
    """What an entry and an alert count as one story: "story:7", or "article:12" for an
    article not grouped (yet)."""
    return f"story:{story_id}" if story_id is not None else f"article:{article_id}"


def _add_source(entries: dict[str, Entry], key: str, source: Source, headline: str | None) -> None:
    """Put an article into its story's entry, whose parties and tracks are its sources' together."""
    entry = entries.get(key)
    if entry is None:
        title = one_line(headline) if headline else source.title
        entries[key] = Entry(key, source.published, title, [source], source.parties, source.tracks,
                             list(dict.fromkeys(source.interactions)))
        return
    entry.sources.append(source)
    entry.interactions.extend(i for i in source.interactions if i not in entry.interactions)
    for name in ("parties", "tracks"):
        mine, theirs = getattr(entry, name), getattr(source, name)
        if theirs is not mine and any(named not in mine for named in theirs):
            setattr(entry, name, sorted({*mine, *theirs}, key=_by_name))  # a new list: the first source keeps its own


def _articles(db, subject: Subject, since: date | None, until: date | None, limit: int | None) -> list[tuple]:
    where, params = [], []
    if subject.article_id is not None:  # the article's story, or the article alone
        where.append("(a.id = ? OR a.story_id = (SELECT story_id FROM articles WHERE id = ?))")
        params += [subject.article_id, subject.article_id]
    if subject.kind and subject.tag_id:
        where.append("a.id IN (SELECT article_id FROM tags WHERE kind = ? AND tag_id = ?)")
        params += [subject.kind, subject.tag_id]
    if subject.words:
        match = queries.fts_query(subject.words)
        if not match:
            return []
        where.append("a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
        params.append(match)
    if since:
        where.append("a.published >= ?")
        params.append(since.isoformat())
    if until:
        where.append("a.published < ?")  # the whole of that day: before the next one starts
        params.append((until + timedelta(days=1)).isoformat())
    order = "DESC" if limit else "ASC"
    sql = (
        f"SELECT {_ARTICLE_COLUMNS} FROM articles a JOIN feeds f ON f.id = a.feed_id "
        + ("WHERE " + " AND ".join(where) + " " if where else "")
        + f"ORDER BY a.published {order}, a.id {order}"
        + (" LIMIT ?" if limit else "")
    )
    rows = db.execute(sql, (*params, limit) if limit else params).fetchall()
    return rows[::-1] if limit else rows


_ARTICLE_COLUMNS = "a.id, coalesce(f.title, f.url), a.title, a.url, a.published, a.story_id"


def _with_story_mates(db, rows: list[tuple], since: date | None, until: date | None) -> list[tuple]:
    """`rows` and the other articles of their stories in the same period, oldest first:
    a story's entry names every outlet that carried it."""
    have = {row[0] for row in rows}
    story_ids = sorted({row[5] for row in rows if row[5] is not None})
    extra = []
    for start in range(0, len(story_ids), ID_CHUNK):
        chunk = story_ids[start:start + ID_CHUNK]
        where, params = [f"a.story_id IN ({','.join('?' * len(chunk))})"], list(chunk)
        if since:
            where.append("a.published >= ?")
            params.append(since.isoformat())
        if until:
            where.append("a.published < ?")
            params.append((until + timedelta(days=1)).isoformat())
        extra += [row for row in db.execute(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE {' AND '.join(where)}",
            params) if row[0] not in have]
    if not extra:
        return rows
    return sorted(rows + extra, key=lambda row: (row[4], row[0]))


def _headlines(db, story_ids: set[int]) -> dict[int, str]:
    """Each story's headline (its newest article's title)."""
    ids, found = sorted(story_ids), {}
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start:start + ID_CHUNK]
        found.update(db.execute(
            f"SELECT id, title FROM stories WHERE id IN ({','.join('?' * len(chunk))})", chunk))
    return found


def _interactions(db, article_ids: list[int]) -> dict[int, list[tuple]]:
    """Each article's interactions: (action, source, target, mutual, track, text)."""
    found: dict[int, list[tuple]] = {}
    for start in range(0, len(article_ids), ID_CHUNK):
        chunk = article_ids[start:start + ID_CHUNK]
        for article_id, *rest in db.execute(
            "SELECT article_id, action, source, target, mutual, track, text FROM interactions "
            f"WHERE article_id IN ({','.join('?' * len(chunk))}) ORDER BY article_id, field DESC, start", chunk
        ):
            found.setdefault(article_id, []).append(tuple(rest))
    return found


def _tags(db, article_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """Each article's distinct (kind, id) tags."""
    found: dict[int, list[tuple[str, str]]] = {}
    for start in range(0, len(article_ids), ID_CHUNK):
        chunk = article_ids[start:start + ID_CHUNK]
        marks = ",".join("?" * len(chunk))
        for article_id, kind, tag_id in db.execute(
            f"SELECT DISTINCT article_id, kind, tag_id FROM tags WHERE article_id IN ({marks})", chunk
        ):
            found.setdefault(article_id, []).append((kind, tag_id))
    return found


def most_involved(
    entries: list[Entry], kind: str, *, leave_out: str | None = None, top: int = 8
) -> list[tuple[Named, int]]:
    """The parties (or tracks) in the most stories, most first, each with its count;
    `leave_out` is the subject itself."""
    counts: dict[str, int] = {}
    named: dict[str, Named] = {}
    for entry in entries:
        for tag in entry.parties if kind == "party" else entry.tracks:
            if tag.id != leave_out:
                counts[tag.id] = counts.get(tag.id, 0) + 1
                named[tag.id] = tag
    ranked = sorted(counts, key=lambda tag_id: (-counts[tag_id], named[tag_id].name.lower()))
    return [(named[tag_id], counts[tag_id]) for tag_id in ranked[:top]]
