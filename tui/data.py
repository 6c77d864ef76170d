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
