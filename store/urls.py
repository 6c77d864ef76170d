"""Checking and normalising the feed URLs users type: http, https and file only."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ALLOWED_SCHEMES = ("http", "https", "file")
_HOST = re.compile(r"^[A-Za-z0-9.\-\[\]:_]+$")
_UNSAFE = re.compile(r"[\x00-\x20\x7f]")


class InvalidURL(ValueError):
    """A feed URL the app refuses, with the reason in words."""


def feed_url(text: str) -> str:
    """The canonical form of a feed URL or local path typed by a user; InvalidURL if unusable.

    A local path becomes a file:// URL; "example.org/feed" gains https://.
    """
    raw = text.strip()
    if not raw:
        raise InvalidURL("empty URL")
    if _UNSAFE.search(raw):
        raise InvalidURL(f"{raw!r} contains spaces or control characters")
    if raw.startswith(("/", "./", "../", "~")) or Path(raw).exists():
        return Path(raw).expanduser().resolve().as_uri()
    parts = _split(raw, raw)
    if not parts.scheme or (parts.scheme not in ALLOWED_SCHEMES and "." in parts.scheme):
        if "." not in raw.split("/")[0]:
            raise InvalidURL(f"{raw!r} is not a URL: expected http://, https:// or file://")
        parts = _split("https://" + raw, raw)
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise InvalidURL(f"{raw!r}: the {scheme}: scheme is not supported (use http, https or file)")
    if scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path:
            raise InvalidURL(f"{raw!r}: a file URL must name a local path, like file:///home/me/feed.xml")
        return urlunsplit(("file", "", parts.path, "", ""))
    host = parts.hostname or ""
    if not host or not _HOST.match(parts.netloc.rsplit("@", 1)[-1]):
        raise InvalidURL(f"{raw!r} has no valid host name")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise InvalidURL(f"{raw!r}: {exc}") from exc
    return urlunsplit((scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))


def _split(url: str, typed: str):
    """urlsplit, with InvalidURL for what it cannot read ("http://[::1", "a.b[/x")."""
    try:
        return urlsplit(url)
    except ValueError as exc:
        raise InvalidURL(f"{typed!r}: {exc}") from None
