"""Database access for the UI: each call has a connection to itself, so any thread may use it.

The UI never builds SQL; it calls store functions through `with_db` from thread workers.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from negotiation_watch.store.db import connection

T = TypeVar("T")

# Connections kept open per database between calls: opening one reads the whole schema
# (~1.5 ms), and a refresh after another process's commit makes a call per pane, all
# six panes at once.
IDLE_CONNECTIONS = 8
_idle: dict[str, tuple[tuple[int, ...], list[sqlite3.Connection]]] = {}  # path -> (file state, connections)
_idle_lock = threading.Lock()


def with_db(db_path: Path, action: Callable[..., T], *args, **kwargs) -> T:
    """Run one store function on a connection no other thread holds meanwhile: one kept
    open for this file if there is one (the same file as it was: one put in its place, or
    this one written since, is opened afresh), else a new one, kept for the next call
    afterwards."""
    path = str(db_path)
    db = _take_idle(path)
    if db is None:
        db = connection.connect(db_path)
    try:
        result = action(db, *args, **kwargs)
    except BaseException:
        db.close()
        raise
    _give_back(path, db)
    return result


def close_connections() -> None:
    """Close the connections kept open (the app quits)."""
    with _idle_lock:
        kept = [db for _, connections in _idle.values() for db in connections]
        _idle.clear()
    for db in kept:
        db.close()


def _file_state(path: str) -> tuple[int, ...] | None:
    """Which file is at `path` and when it was last written. Only a checkpoint writes the
    database file itself (commits go to its -wal), so this changes seldom; but when another
    program rewrites the file in place, a kept connection would go on reading its cached
    pages and never say the file is ruined."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino, found.st_mtime_ns, found.st_size


def _take_idle(path: str) -> sqlite3.Connection | None:
    state = _file_state(path)
    with _idle_lock:
        kept = _idle.get(path)
        if kept is None:
            return None
        if kept[0] != state:  # replaced, moved, deleted or written since: its connections read the old file
            del _idle[path]
            stale = kept[1]
        else:
            return kept[1].pop() if kept[1] else None
    for db in stale:
        db.close()
    return None


def _give_back(path: str, db: sqlite3.Connection) -> None:
    state = _file_state(path)
    with _idle_lock:
        kept = _idle.setdefault(path, (state, []))
        if kept[0] == state and not db.in_transaction and len(kept[1]) < IDLE_CONNECTIONS:
            kept[1].append(db)
            return
    db.close()


def pin_key(kind: str, tag_id: str) -> str:
    """How a pinned party or track is written in the settings: "party:RUS"."""
    return f"{kind}:{tag_id}"


def parse_pin(text: str) -> tuple[str, str] | None:
    """The (kind, id) of a settings entry, or None when it is not "party:X" or "track:Y"."""
    kind, sep, tag_id = text.partition(":")
    if sep and kind in ("party", "track") and tag_id:
        return kind, tag_id
    return None


def sort_key(source, search_key: str | None = None) -> str:
    """How a list's order is keyed in the settings: its pin ("party:RUS", a saved search's
    "search::ceasefire"), "all" for every story, or `search_key` for any search of a list
    that shows many (the search screen's results)."""
    if source.query and search_key:
        return search_key
    return source_pin(source) or "all"


SEARCH_PIN = "search:"
FOLDER_PIN = "folder:"


def source_pin(source) -> str:
    """How a pane is written in `pinned`: "party:RUS", a feed folder "folder:News/Europe",
    or a saved search with its filter, "search::ceasefire" or
    "search:track:gaza-ceasefire-talks:hostage deal"."""
    if source.folder:
        return f"{FOLDER_PIN}{source.folder}"
    filter_ = pin_key(source.kind, source.tag_id) if source.kind and source.tag_id else ""
    return f"{SEARCH_PIN}{filter_}:{source.query}" if source.query else filter_


def parse_source_pin(text: str):
    """The Source a `pinned` entry names, or None when it names none."""
    from negotiation_watch.tui.widgets.article_list import Source

    if text.startswith(FOLDER_PIN):
        folder = text.removeprefix(FOLDER_PIN).strip()
        return Source(folder=folder) if folder else None
    if not text.startswith(SEARCH_PIN):
        pin = parse_pin(text)
        return Source(*pin) if pin else None
    rest = text.removeprefix(SEARCH_PIN)
    if rest.startswith(":"):
        query, kind, tag_id = rest[1:], None, None
    else:
        kind, _, rest = rest.partition(":")
        tag_id, _, query = rest.partition(":")
        if not parse_pin(f"{kind}:{tag_id}"):
            return None
    return Source(kind, tag_id, query.strip()) if query.strip() else None
