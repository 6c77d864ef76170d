"""Article writes outside ingest: the search index of new rows, read marks."""

from __future__ import annotations

import sqlite3


from negotiation_watch.store.db.connection import write_transaction


def index_articles(conn: sqlite3.Connection, first_id: int, last_id: int) -> None:
    """Add articles first_id..last_id to the search index, inside the caller's transaction.

    Whoever inserts articles calls this (ingest does, once per feed); edits and deletions
    are indexed by triggers. One statement for the batch is what makes it cheap.
    """
    conn.execute(
        "INSERT INTO articles_fts (rowid, title, summary) "
        "SELECT id, title, summary FROM articles WHERE id BETWEEN ? AND ?",
        (first_id, last_id),
    )


def next_article_id(conn: sqlite3.Connection) -> int:
    """The id SQLite would give the next article; stable while the caller holds the write lock."""
    return conn.execute("SELECT coalesce(max(id), 0) + 1 FROM articles").fetchone()[0]


def set_read(db: sqlite3.Connection, article_id: int, read: bool = True) -> None:
    with write_transaction(db) as conn:
        conn.execute("UPDATE articles SET is_read = ? WHERE id = ?", (int(read), article_id))



def set_story_read(db: sqlite3.Connection, story_id: int, read: bool = True) -> None:
    """Mark every article of a story read (reading the story is reading them) or unread."""
    with write_transaction(db) as conn:
        conn.execute(
            "UPDATE articles SET is_read = ? WHERE story_id = ? AND is_read != ?", (int(read), story_id, int(read))
        )


def mark_all_read(db: sqlite3.Connection, **scope) -> int:
    """Mark every unread article of a scope read (queries.unread_count's scopes: a party or
    track, a search, a feed, or everything); returns how many changed."""
    from negotiation_watch.store.db.queries import explain_search_errors, scope_where

    where, params = scope_where(**scope)
    with explain_search_errors(scope.get("query") or ""), write_transaction(db) as conn:
        return conn.execute(f"UPDATE articles AS a SET is_read = 1 WHERE a.is_read = 0 AND {where}", params).rowcount
