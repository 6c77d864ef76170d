"""Checking and normalising the feed URLs users type: http, https and file only."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ALLOWED_SCHEMES = ("http", "https", "file")
_HOST = re.compile(r"^[\w.\-\[\]:]+$")
_UNSAFE = re.compile(r"[\x00-\x20\x7f]")
_HOST_PORT = re.compile(r"^[\w.-]+:\d+(/|$)")


class InvalidURL(ValueError):
    """A feed URL the app refuses, with the reason in words."""


def feed_url(text: str) -> str:
    """The canonical form of a feed URL or local path typed by a user; InvalidURL if unusable.

    A local path becomes a file:// URL; "example.org/feed" is refused with a hint rather
    than guessed, so a mistyped file name never turns into a web request.
    """
    raw = text.strip()
    if not raw:
        raise InvalidURL("no address given")
    if _UNSAFE.search(raw):
        raise InvalidURL(f"{raw!r} contains spaces or control characters")
    if raw.startswith(("/", "./", "../", "~")) or Path(raw).expanduser().exists():
        path = Path(raw).expanduser()
        if not path.exists():
            raise InvalidURL(f"no such file: {raw}")
        return path.resolve().as_uri()
    try:
        parts = urlsplit(raw)
    except ValueError as exc:
        raise InvalidURL(f"{raw!r} is not a valid address: {exc}") from None
    if parts.scheme.lower() not in ALLOWED_SCHEMES and (
        not parts.scheme or "." in parts.scheme or _HOST_PORT.match(raw)
    ):
        raise InvalidURL(f"{raw} is not a URL and no such file exists (did you mean https://{raw} ?)")
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
