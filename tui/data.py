"""Database access for the UI: each call opens its own connection, so any thread may use it.

The UI never builds SQL; it calls store functions through `with_db` from thread workers.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from negotiation_watch.store.db import connection

T = TypeVar("T")


def with_db(db_path: Path, action: Callable[..., T], *args, **kwargs) -> T:
    """Run one store function on a fresh connection (cheap) and close it."""
    db = connection.connect(db_path)
    try:
        return action(db, *args, **kwargs)
    finally:
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
