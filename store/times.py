"""UTC times as the database stores them: ISO-8601 strings with a Z, which sort as text."""

from __future__ import annotations

from datetime import datetime, timezone


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def to_iso(moment: datetime) -> str:
    """UTC ISO-8601 with a Z, to the second: the one time format stored (naive means UTC)."""
    if moment.tzinfo is not None and moment.tzinfo is not timezone.utc:
        moment = moment.astimezone(timezone.utc)
    # isoformat, not strftime: always four-digit years (sortable, readable by from_iso), faster
    return moment.replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def from_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
