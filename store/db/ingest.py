"""Store parsed entries: one transaction per feed for articles, their tags and the feed's
own columns, so a crash leaves the database exactly as before that feed.

The extractor runs outside the write lock (it is pure CPU work), and the transaction then
re-reads what is stored, so two processes ingesting the same feed never store an entry
twice and never keep tags computed from text that has since changed.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from negotiation_watch.store.db import connection, feed_rows, writes
from negotiation_watch.store import times

# store.tagging (the parser and extractor) and story_rows (the similarity library) load on
# first use, so a run where every feed is unchanged never imports feedparser, the matcher
# or rapidfuzz.
if TYPE_CHECKING:
    import threading

    from negotiation_watch.store.extract.stories import Features
    from negotiation_watch.store.parse.feed import Entry, ParsedFeed
    from negotiation_watch.store.pipeline.tagging import TagRow, TagRows

    # retag_all's tagger: a batch's (title, summary, published, feed id, url) tuples and
    # whether their story features are wanted -> (rows, features or None) pairs
    Tagger = Callable[[list[tuple], bool], list[tuple[TagRows, Features | None]]]

TAXONOMY_VERSION_KEY = "taxonomy_version"
STORIES_VERSION_KEY = "stories_version"
RETAG_JOB_KEY = "retag_job"
RETAG_BATCH = 500

@dataclass
class IngestResult:
    new: int = 0
    updated: int = 0


def stored_hashes(db: sqlite3.Connection, feed_id: int) -> dict[str, str]:
    """guid -> content hash of a feed's stored articles (its own and those it shares with
    another feed): what tagging.parse_and_tag may skip."""
    return {guid: digest for guid, (_, digest, _) in _stored_hashes(db, feed_id).items()}


def ingest(
    db: sqlite3.Connection,
    feed_id: int,
    parsed: ParsedFeed,
    taxonomy,
    *,
    now: datetime | None = None,
    feed_updates: dict | None = None,
    tags: dict[str, list[TagRow]] | None = None,
    features: dict | None = None,
) -> IngestResult:
    """Insert new entries, update changed ones in place (re-tagged), leave the rest, and
    set the feed's title, site link and `feed_updates` columns, all in one transaction.

    Entries without a date are dated `now` (the first time they are seen), marked estimated.
    Passing the fetch's validators as `feed_updates` means a crash before the commit
    loses them too, so the next run fetches the feed again instead of skipping it.
    `tags` are rows already made with this taxonomy (tagging.parse_and_tag), by guid, and
    `features` what the stories' judgement reads of those entries, made with them.
    """
    now = now or times.utc_now()
    fetched = times.to_iso(now)
    stored = _stored_hashes(db, feed_id)
    features = {guid: found for guid, found in (features or {}).items() if guid in (tags or {})}
    tags = dict(tags or {})
    for entry in parsed.entries:
        if entry.guid not in tags and stored.get(entry.guid, (None, None))[1] != entry.content_hash:
            tags[entry.guid] = _tags_for(taxonomy, entry, now)
    result = IngestResult()
    with connection.write_transaction(db) as conn:
        stored = _stored_hashes(conn, feed_id)  # again, under the lock: another writer may have been first
        new: list[tuple[Entry, list[TagRow]]] = []
        for entry in parsed.entries:
            known = stored.get(entry.guid)
            if known and known[1] == entry.content_hash:
                continue
            if known and not known[2]:  # another feed's article: its own feed keeps the text
                _relink(conn, feed_id, entry, known[0])
                continue
            rows = tags.get(entry.guid)
            if rows is None:  # changed between the two reads: tag what is current
                rows = _tags_for(taxonomy, entry, now)
                features.pop(entry.guid, None)
            if known:
                _update_article(conn, known[0], entry)
                _replace_tags(conn, known[0], rows)
                _judge_again(conn, known[0])
                result.updated += 1
            else:
                new.append((entry, rows))
        if new:
            new = _link_carried_elsewhere(conn, feed_id, new)
            _insert_articles(conn, feed_id, new, fetched, features)
            result.new = len(new)
        _update_feed_columns(conn, feed_id, parsed, feed_updates or {})
    return result


def _stored_hashes(conn: sqlite3.Connection, feed_id: int) -> dict[str, tuple[int, str, bool]]:
    """guid -> (article id, content hash, whether the article is this feed's own rather
    than another feed's that this one carries too)."""
    return {
        guid: (article_id, digest, bool(own))
        for guid, article_id, digest, own in conn.execute(
            "SELECT guid, id, content_hash, 1 FROM articles WHERE feed_id = ? UNION ALL "
            "SELECT guid, article_id, content_hash, 0 FROM article_feeds WHERE feed_id = ?",
            (feed_id, feed_id),
        )
    }


def _shared_guid(guid: str) -> bool:
    """Whether a guid names the story beyond its feed (a URL, a tag: or urn: name), so the
    same guid in two feeds is the same article; "1234" in two feeds is two articles."""
    return ":" in guid


def _link_carried_elsewhere(
    conn: sqlite3.Connection, feed_id: int, new: list[tuple[Entry, list[TagRow]]]
) -> list[tuple[Entry, list[TagRow]]]:
    """Entries another feed already stored (the same link, or the same global guid: an
    aggregator and its source) become links to that article in article_feeds, decided
    here, at ingest, so every pane lists the article once; the rest are returned to insert."""
    urls = list({entry.url for entry, _ in new if entry.url})
    guids = list({entry.guid for entry, _ in new if _shared_guid(entry.guid)})
    if not urls and not guids:
        return new
    found: dict[str, int] = {}
    for column, values in (("url", urls), ("guid", guids)):
        for start in range(0, len(values), 500):  # SQLite's limit on parameters, with room
            chunk = values[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for value, article_id in conn.execute(
                f"SELECT {column}, min(id) FROM articles WHERE {column} IN ({marks}) AND feed_id != ? "
                f"GROUP BY {column}", (*chunk, feed_id),
            ):
                found[f"{column}:{value}"] = article_id
    if not found:
        return new
    rest = []
    for entry, rows in new:
        article_id = found.get(f"url:{entry.url}") or found.get(f"guid:{entry.guid}")
        if article_id is None:
            rest.append((entry, rows))
        else:
            _relink(conn, feed_id, entry, article_id)
    return rest


def _relink(conn: sqlite3.Connection, feed_id: int, entry: Entry, article_id: int) -> None:
    """Record (or refresh) that `feed_id` carries article `article_id` as `entry`."""
    conn.execute(
        "INSERT INTO article_feeds (article_id, feed_id, guid, content_hash) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (feed_id, guid) DO UPDATE SET article_id = excluded.article_id, "
        "content_hash = excluded.content_hash",
        (article_id, feed_id, entry.guid, entry.content_hash),
    )


def _tags_for(taxonomy, entry: Entry, now: datetime) -> list[TagRow]:
    from negotiation_watch.store.pipeline.tagging import tags_for

    return tags_for(taxonomy, entry, now)


def _insert_articles(
    conn: sqlite3.Connection, feed_id: int, new: list[tuple[Entry, list[TagRow]]], fetched: str, features: dict
) -> None:
    """A feed's new articles, their tags, search index entries and stories, each in one
    batch: ids are given here (the caller holds the write lock) so the tags can name them."""
    first_id = writes.next_article_id(conn)
    conn.executemany(
        "INSERT INTO articles (id, feed_id, guid, url, title, summary, author, published, "
        "date_estimated, fetched, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                article_id, feed_id, entry.guid, entry.url, entry.title, entry.summary, entry.author,
                times.to_iso(entry.published) if entry.published else fetched,
                int(entry.published is None), fetched, entry.content_hash,
            )
            for article_id, (entry, _) in enumerate(new, first_id)
        ],
    )
    _insert_tags(conn, [(article_id, *row) for article_id, (_, rows) in enumerate(new, first_id) for row in rows])
    _insert_interactions(conn, [(article_id, *row) for article_id, (_, rows) in enumerate(new, first_id)
                                for row in getattr(rows, "interactions", ())])
    writes.index_articles(conn, first_id, first_id + len(new) - 1)
    from negotiation_watch.store.db import story_rows

    known = {  # features are made with their feed's id where the parser knew it (a fetch)
        article_id: found if found.outlet == feed_id else dataclasses.replace(found, outlet=feed_id)
        for article_id, (entry, _) in enumerate(new, first_id) if (found := features.get(entry.guid)) is not None
    }
    story_rows.group(conn, list(range(first_id, first_id + len(new))), known)


def _judge_again(conn: sqlite3.Connection, article_id: int) -> None:
    """New text may tell of another event: the article leaves its story and is judged afresh."""
    from negotiation_watch.store.db import story_rows

    story_rows.detach(conn, [article_id])
    story_rows.group(conn, [article_id])


def _update_article(conn: sqlite3.Connection, article_id: int, entry: Entry) -> None:
    """New text in place: the reader's read mark stays, and an estimated date stays
    as first seen unless the feed now gives a real one."""
    conn.execute(
        "UPDATE articles SET url = ?, title = ?, summary = ?, author = ?, content_hash = ?, "
        "published = coalesce(?, published), date_estimated = CASE WHEN ? IS NULL "
        "THEN date_estimated ELSE 0 END WHERE id = ?",
        (
            entry.url, entry.title, entry.summary, entry.author, entry.content_hash,
            *(2 * [times.to_iso(entry.published) if entry.published else None]), article_id,
        ),
    )


def _insert_tags(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    """Tag rows, each (article_id, *TagRow)."""
    conn.executemany(
        'INSERT INTO tags (article_id, kind, tag_id, field, start, "end", text, person) '
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def _insert_interactions(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    """Interaction rows, each (article_id, *InteractionRow)."""
    conn.executemany(
        'INSERT INTO interactions (article_id, action, source, target, mutual, track, field, start, "end", '
        "text, signal_start, signal_end) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def _replace_tags(conn: sqlite3.Connection, article_id: int, rows: list[TagRow]) -> None:
    """An article's tags and interactions from new text or a new taxonomy: the old ones
    go, these come."""
    conn.execute("DELETE FROM tags WHERE article_id = ?", (article_id,))
    conn.execute("DELETE FROM interactions WHERE article_id = ?", (article_id,))
    _insert_tags(conn, [(article_id, *row) for row in rows])
    _insert_interactions(conn, [(article_id, *row) for row in getattr(rows, "interactions", ())])


def _update_feed_columns(conn: sqlite3.Connection, feed_id: int, parsed: ParsedFeed, updates: dict) -> None:
    """The feed's own name and site when it gives them, plus the fetch's columns."""
    columns = {k: v for k, v in (("title", parsed.title), ("site_url", parsed.site_url)) if v}
    save_feed_columns(conn, feed_id, {**columns, **updates})


def save_feed_columns(conn: sqlite3.Connection, feed_id: int, columns: dict) -> None:
    """db.update_feed inside the caller's transaction, minus a redirect URL already taken."""
    feed_rows.set_feed_columns(conn, feed_id, _keep_own_url(conn, feed_id, columns))


def _keep_own_url(conn: sqlite3.Connection, feed_id: int, updates: dict) -> dict:
    """Drop a permanent redirect's new URL when another feed already has it (the URL is
    unique), and say so in last_error instead of failing the whole write."""
    new_url = updates.get("url")
    if not new_url:
        return updates
    other = conn.execute("SELECT id FROM feeds WHERE url = ? AND id != ?", (new_url, feed_id)).fetchone()
    if not other:
        return updates
    kept = {k: v for k, v in updates.items() if k != "url"}
    note = f"moved permanently to {new_url}, which is already feed {other[0]}; kept the old URL"
    kept["last_error"] = f"{updates['last_error']}; {note}" if updates.get("last_error") else note
    return kept


def needs_retag(db: sqlite3.Connection, taxonomy) -> bool:
    """True when the stored tags came from another taxonomy than this one, or the stories
    from another judgement (or none: a file from before stories), or a re-tag to them is
    still under way."""
    return not _applied(db, taxonomy) or retag_job(db) is not None


def _applied(conn: sqlite3.Connection, taxonomy) -> bool:
    """Whether the stored tags come from `taxonomy` and the stories from this judgement."""
    from negotiation_watch.store.extract import stories

    return (
        connection.get_meta(conn, TAXONOMY_VERSION_KEY) == taxonomy.version
        and connection.get_meta(conn, STORIES_VERSION_KEY) == stories.VERSION
    )


@dataclass
class RetagJob:
    """A re-tag under way, kept in the meta table and advanced in each batch's own
    transaction, so quitting at any moment and starting again resumes where it stopped."""

    version: str  # the taxonomy being applied
    after_id: int  # with after_published, the last article done: articles go in time order
    until_id: int  # the newest article when it began: later ones were tagged with `version` when stored
    done: int
    total: int
    # Every story formed anew (the judgement itself changed, or forced); otherwise only
    # the articles whose tags changed are judged again. Jobs stored before this field
    # re-formed every story, as they still do.
    stories: bool = True
    # Articles are walked by (published, id): a story's candidates are then the ones just
    # judged, whose features the cache holds (in id order, feed after feed, most had to be
    # made again). A job stored before this field walked ids: it goes over them again.
    after_published: str = ""


def retag_job(db: sqlite3.Connection) -> RetagJob | None:
    raw = connection.get_meta(db, RETAG_JOB_KEY)
    return RetagJob(**json.loads(raw)) if raw else None


def taxonomy_state(db: sqlite3.Connection, taxonomy) -> str:
    """How the stored tags relate to `taxonomy`: "current"; "changed" (another taxonomy,
    or a re-tag to this one under way: a re-tag applies it); "unknown" (articles but no
    taxonomy recorded, as in a file from before versions were kept or a generated one:
    re-tagging that is the user's call, not something a fetch starts unannounced)."""
    if _applied(db, taxonomy) and retag_job(db) is None:
        return "current"
    if connection.get_meta(db, TAXONOMY_VERSION_KEY) is None and retag_job(db) is None and _article_count(db):
        return "unknown"
    return "changed"


def _article_count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT articles FROM article_totals WHERE id = 1").fetchone()[0]


def retag_all(
    db: sqlite3.Connection,
    taxonomy,
    progress: Callable[[int, int], None] | None = None,
    stop: threading.Event | None = None,
    *,
    force: bool = False,
    tagger: Tagger | None = None,
) -> int:
    """Re-tag the stored articles with `taxonomy` and judge their stories again,
    RETAG_BATCH at a time (one transaction each, so readers and fetchers get their turn),
    in the order they were published, resuming a job begun earlier; returns how many this
    call re-tagged. Nothing to do (tags and stories already current, and not `force`) is
    0 and no work.

    When `stop` is set it returns after the batch in hand; the job stays in the database
    and the next call goes on from there (minutes at a million articles: quitting must
    not wait for that, nor lose it). `tagger` turns a batch's (title, summary, published,
    feed id, url) tuples and whether their story features are wanted into (rows, features
    or None) pairs (default: here, one after another; store/pipeline/retag.py spreads them
    over worker processes)."""
    job = _begin_or_resume(db, taxonomy, force)
    if job is None:
        return 0
    from negotiation_watch.store.pipeline.tagging import retag_rows

    tagger = tagger or (lambda articles, features: [retag_rows(taxonomy, *article, features) for article in articles])
    with connection.bulk_writes(db):
        return _run_job(db, job, tagger, progress, stop)


def _run_job(
    db: sqlite3.Connection, job: RetagJob, tagger: Tagger,
    progress: Callable[[int, int], None] | None, stop: threading.Event | None,
) -> int:
    """retag_all's batches, until the job is done or `stop` is set; returns how many it re-tagged."""
    from negotiation_watch.store.db import story_rows

    done = 0
    while stop is None or not stop.is_set():
        batch = db.execute(
            "SELECT id, title, summary, published, feed_id, url, content_hash FROM articles "
            "WHERE id <= ? AND (published, id) > (?, ?) ORDER BY published, id LIMIT ?",
            (job.until_id, job.after_published, job.after_id, RETAG_BATCH),
        ).fetchall()
        if not batch:
            _finish(db, job)
            connection.give_back_space(db)  # replaced tags leave free pages behind
            if progress and job.done != job.total:  # articles deleted meanwhile: say it is over
                progress(job.total, job.total)
            break
        # when every article is judged again, its story features are made beside its tags
        made = tagger([(title, summary, times.from_iso(published), feed_id, url)
                       for _, title, summary, published, feed_id, url, _ in batch], job.stories)
        tagged = {article_id: (digest, rows) for (article_id, *_, digest), (rows, _) in zip(batch, made)}
        known = {article_id: found for (article_id, *_), (_, found) in zip(batch, made) if found is not None}
        with connection.write_transaction(db) as conn:
            stored = retag_job(conn)
            if stored != job:  # another process (a second dashboard, `fetch`) works on it too
                if stored is None or stored.version != job.version:
                    return done  # it finished, or a newer taxonomy's job replaced it
                job = stored
                continue  # go on from where that one got to
            if job.after_id == 0 and job.stories:  # the job's first batch: stories are formed anew from here
                story_rows.start_rejudging(conn)
            current = [aid for aid, _ in _still_current(conn, tagged)]
            changed = _changed_rows(conn, "tags", _TAG_COLUMNS, {aid: tagged[aid][1] for aid in current})
            if changed:
                conn.execute(f"DELETE FROM tags WHERE article_id IN ({','.join('?' * len(changed))})", tuple(changed))
                _insert_tags(conn, [(aid, *row) for aid, rows in changed.items() for row in rows])
            # The actions read may change with the taxonomy even where the tags do not.
            acting = _changed_rows(conn, "interactions", _INTERACTION_COLUMNS,
                                   {aid: getattr(tagged[aid][1], "interactions", []) for aid in current})
            if acting:
                conn.execute(f"DELETE FROM interactions WHERE article_id IN ({','.join('?' * len(acting))})",
                             tuple(acting))
                _insert_interactions(conn, [(aid, *row) for aid, rows in acting.items() for row in rows])
            # A story is judged by its articles' words, times and tags: with the judgement
            # unchanged, only an article whose tags changed can belong elsewhere now.
            judged = current if job.stories else [aid for aid in current if aid in changed]
            story_rows.detach(conn, judged)
            story_rows.group(conn, judged, known)
            job.after_published, job.after_id, job.done = batch[-1][3], batch[-1][0], job.done + len(batch)
            _save_job(conn, job)
        done += len(batch)
        if progress:
            progress(min(job.done, job.total), max(job.total, job.done))
    return done


def _begin_or_resume(db: sqlite3.Connection, taxonomy, force: bool) -> RetagJob | None:
    """The job to run for `taxonomy`: the stored one if it applies this taxonomy, else a
    new one over every stored article (None when the tags already come from it)."""
    with connection.write_transaction(db) as conn:
        stored = connection.get_meta(conn, RETAG_JOB_KEY)
        if stored and json.loads(stored)["version"] == taxonomy.version and not force:
            return RetagJob(**json.loads(stored))
        if _applied(conn, taxonomy) and not stored and not force:
            return None
        from negotiation_watch.store.extract import stories

        until = conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
        every_story = force or connection.get_meta(conn, STORIES_VERSION_KEY) != stories.VERSION
        job = RetagJob(taxonomy.version, 0, until, 0, _article_count(conn), every_story)
        _save_job(conn, job)
        return job


def _finish(db: sqlite3.Connection, job: RetagJob) -> None:
    from negotiation_watch.store.extract import stories

    with connection.write_transaction(db) as conn:
        conn.execute("DELETE FROM meta WHERE key = ?", (RETAG_JOB_KEY,))
        connection.put_meta(conn, TAXONOMY_VERSION_KEY, job.version)
        connection.put_meta(conn, STORIES_VERSION_KEY, stories.VERSION)


def _save_job(conn: sqlite3.Connection, job: RetagJob) -> None:
    connection.put_meta(conn, RETAG_JOB_KEY, json.dumps(asdict(job)))


_TAG_COLUMNS = 'kind, tag_id, field, start, "end", text, person'
_INTERACTION_COLUMNS = 'action, source, target, mutual, track, field, start, "end", text, signal_start, signal_end'


def _changed_rows(conn: sqlite3.Connection, table: str, columns: str, found: dict[int, list[tuple]]) -> dict[int, list[tuple]]:
    """Those of `found` (article id -> its new rows of `table`, as `columns`) whose rows
    differ from the stored ones: a taxonomy change touches few articles, and rewriting the
    others' tags and interactions cost most of a re-tag's time (and left free pages behind)."""
    if not found:
        return {}
    stored: dict[int, list[tuple]] = {aid: [] for aid in found}
    marks = ",".join("?" * len(found))
    for aid, *row in conn.execute(f"SELECT article_id, {columns} FROM {table} WHERE article_id IN ({marks})",
                                  tuple(found)):
        stored[aid].append(tuple(row))
    return {aid: rows for aid, rows in found.items() if Counter(stored[aid]) != Counter(map(tuple, rows))}


def _still_current(conn: sqlite3.Connection, tagged: dict) -> list[tuple[int, str]]:
    """Articles of the batch whose text has not changed (or vanished) since it was read."""
    marks = ",".join("?" * len(tagged))
    current = dict(conn.execute(f"SELECT id, content_hash FROM articles WHERE id IN ({marks})", tuple(tagged)))
    return [(aid, digest) for aid, (digest, _) in tagged.items() if current.get(aid) == digest]
