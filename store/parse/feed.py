"""Feed bytes -> clean entries: feedparser (or, for simple RSS 2.0, store.fastfeed, which
reads it the same way in a fraction of the time) does the XML; this module decides what to keep.

parse_feed is pure and its result picklable, so the pipeline can run it in a process pool.
Every string it returns has been through store.clean.
"""

from __future__ import annotations

import calendar
import functools
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

import feedparser

from negotiation_watch.store.parse.clean import clean_text, html_to_text, one_line
from negotiation_watch.store.parse.fastfeed import read_simple_feed

MAX_TITLE = 1_000
MAX_SUMMARY = 20_000
MAX_AUTHOR = 200
MAX_URL = 2_000
MAX_GUID = 500
MAX_FEED_TITLE = 300
_HTML_TYPES = {"text/html", "application/xhtml+xml", "html", "xhtml"}
# Tags and entity references a body may hold. feedparser keeps ~100 bytes per one, so a
# 10 MB body of "&a;" grew a parser past 300 MB; real feeds hold under 40,000 per MB.
MAX_MARKUP = 300_000
# Entity declarations in a feed's DOCTYPE (quoted values may hold ">"), and the only ones
# kept: a single character or character reference, so no reference can expand the text.
_ENTITY_DECL = re.compile(rb"""<!ENTITY\s(?:[^>"']|"[^"]*"|'[^']*')*>""")
_ONE_CHAR_ENTITY = re.compile(rb"""<!ENTITY\s+\w+\s+(["'])(?:&#x?[0-9A-Fa-f]+;|[^&%"'<]{1,4})\1\s*>""")
_FIRST_ELEMENT = re.compile(rb"<\w")


class ParseError(Exception):
    """The body is not a feed at all; the message says so for the feed's health line."""


class Entry(NamedTuple):
    """One item of a feed, as stored. A named tuple: cheap to make, and to send between
    processes by the tens of thousands (a dataclass pickled at twice the cost)."""

    guid: str
    url: str | None
    title: str
    summary: str
    author: str | None
    published: datetime | None  # UTC; None when the feed gives no usable date
    content_hash: str


@dataclass
class ParsedFeed:
    title: str | None
    site_url: str | None
    entries: list[Entry] = field(default_factory=list)
    bozo_message: str | None = None  # what was wrong with a feed that still parsed


def parse_feed(body: bytes, headers: dict, url: str) -> ParsedFeed:
    """Parse a feed body; `headers` (HTTP response headers) decide the encoding, `url`
    resolves relative links. Malformed feeds still yield what could be read."""
    _check_markup(body)
    headers, base = prepare(headers, url)
    fast = read_simple_feed(body, headers) if fast_reader_agrees() else None
    return parsed_feed(fast or read_with_feedparser(body, headers), base)


# A feed in the shape most servers send, touching every feedparser helper the fast reader
# borrows: dates, links and guids, Dublin Core and content namespaces, text fix-ups
# (U+0093 and U+0094 are the C1 codes a server means as Windows-1252 quotes).
_KNOWN_FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Known wire</title><link>https://wire.example/</link>
<item><title>Envoys meet on the \u0093grain deal\u0094</title><link>https://wire.example/1</link>
<guid isPermaLink="false">known-1</guid><pubDate>Tue, 01 Dec 2026 09:30:00 +0100</pubDate>
<dc:creator>A. Reporter</dc:creator>
<description>&lt;p&gt;Talks &lt;b&gt;resume&lt;/b&gt; in Geneva.&lt;/p&gt;</description>
<content:encoded><![CDATA[<p>Delegations met <em>again</em> on Tuesday.</p>]]></content:encoded></item>
<item><title>Caf\u00e9 talks end</title><guid>https://wire.example/2</guid>
<dc:date>2026-12-02T10:00:00Z</dc:date><description>No joint statement.</description></item>
</channel></rss>""".encode()


@functools.cache
def fast_reader_agrees() -> bool:
    """Whether store.parse.fastfeed may read feeds in this process: it leans on
    feedparser's private helpers, which any release could change, so it is trusted only
    once it has read a known feed exactly as feedparser does (checked once per process,
    before its first feed: each of the parser's worker processes checks for itself)."""
    headers, base = prepare({"Content-Type": "application/rss+xml; charset=utf-8"}, "https://wire.example/rss")
    try:
        fast = read_simple_feed(_KNOWN_FEED, headers)
        slow = read_with_feedparser(_KNOWN_FEED, headers)
        return fast is not None and parsed_feed(fast, base) == parsed_feed(slow, base)
    except Exception:  # noqa: BLE001 (a changed helper may fail in any way: that is the answer)
        return False


def prepare(headers: dict, url: str) -> tuple[dict, str]:
    """Response headers as the readers want them, and the base URL for relative links."""
    headers = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    # Relative links are resolved here rather than by feedparser, which would spend a
    # third of its time resolving every element against a Content-Location base.
    base = urljoin(url, headers.pop("content-location", ""))
    # Without a Content-Type (files, careless servers) feedparser would assume Latin-1;
    # XML's own rule (the declaration, else UTF-8) is the better guess.
    headers.setdefault("content-type", "application/xml")
    return headers, base


def parsed_feed(result, base: str) -> ParsedFeed:
    """What to keep of a reader's result (feedparser's, or store.fastfeed's in its shape)."""
    bozo_message = _require_feed(result)
    return ParsedFeed(
        title=_feed_title(result["feed"]),
        site_url=_web_url(result["feed"].get("link"), base),
        entries=_unique(_entry(raw, base) for raw in result["entries"]),
        bozo_message=bozo_message,
    )


def title_and_count(body: bytes, headers: dict, url: str) -> tuple[str | None, int]:
    """What checking a new address needs: the feed's title and its number of items, read
    as parse_feed reads them but without cleaning every entry (2,000 feeds are checked
    in seconds, not minutes); ParseError when the body is no feed."""
    _check_markup(body)
    headers, _base = prepare(headers, url)
    result = read_simple_feed(body, headers) or read_with_feedparser(body, headers)
    _require_feed(result)
    return _feed_title(result["feed"]), len(result["entries"])


def _require_feed(result) -> str | None:
    """The reader's complaint about a feed that still parsed; ParseError for no feed at all."""
    bozo_message = _bozo_message(result)
    if not result["entries"] and not result.get("version"):
        raise ParseError(f"not an RSS, Atom or RDF feed ({bozo_message or 'no feed elements found'})")
    return bozo_message


def _feed_title(feed) -> str | None:
    return _cap(one_line(_text_of(feed.get("title", ""), feed.get("title_detail"))), MAX_FEED_TITLE) or None


def _check_markup(body: bytes) -> None:
    """Refuse a body with more tags and entity references than any news feed holds."""
    markup = body.count(b"<") + body.count(b"&")
    if markup > MAX_MARKUP:
        raise ParseError(
            f"the feed holds {markup:,} tags and entity references, more than the {MAX_MARKUP:,} "
            "a news feed needs; not read, to keep memory bounded"
        )


def read_with_feedparser(body: bytes, headers: dict):
    """feedparser's reading of any feed, with the options this module relies on."""
    return feedparser.parse(
        io.BytesIO(_defuse_entities(body)),  # never a str: feedparser would treat one as a URL or a path
        response_headers=headers,
        sanitize_html=False,  # html_to_text keeps only text, scripts and all dropped
        resolve_relative_uris=False,  # links inside HTML are discarded with the markup
    )


def _defuse_entities(body: bytes) -> bytes:
    """Drop DOCTYPE entity declarations that could expand text (a 200 kB feed whose one
    100 kB entity is referenced 30,000 times grew feedparser to gigabytes), and external
    ones; a declaration of one character, as old feeds make for &nbsp;, stays."""
    first = _FIRST_ELEMENT.search(body)
    head_end = first.start() if first else len(body)
    if b"<!ENTITY" not in body[:head_end]:
        return body
    head = _ENTITY_DECL.sub(_keep_if_one_char, body[:head_end])
    return head + body[head_end:]


def _keep_if_one_char(declaration: re.Match) -> bytes:
    return declaration.group() if _ONE_CHAR_ENTITY.fullmatch(declaration.group()) else b""


def _bozo_message(result) -> str | None:
    if not result.get("bozo"):
        return None
    exc = result.get("bozo_exception")
    return one_line(f"{type(exc).__name__}: {exc}" if exc else "malformed feed")[:300]


def _entry(raw, base: str) -> Entry:
    # dict.get, not raw.get: FeedParserDict's own lookup (key aliases, warnings) is slow,
    # and only the real keys are wanted here.
    title = _cap(one_line(_text_of(dict.get(raw, "title", ""), dict.get(raw, "title_detail"))), MAX_TITLE)
    summary = _cap(_summary_of(raw), MAX_SUMMARY)
    url = _web_url(dict.get(raw, "link"), base)
    published = _date_of(raw)
    return Entry(
        guid=_guid_of(raw, url, title, published),
        url=url,
        title=title,
        summary=summary,
        author=_cap(one_line(dict.get(raw, "author", "")), MAX_AUTHOR) or None,
        published=published,
        content_hash=content_hash(title, summary, url),
    )


def _text_of(value: str, detail) -> str:
    """Plain text of a feed field, whether the feed declared it HTML or text."""
    kind = dict.get(detail or {}, "type", "text/html")
    return html_to_text(value) if kind in _HTML_TYPES else clean_text(value)


def _summary_of(raw) -> str:
    """The most complete text the entry offers: the longest of its summary and contents
    (content is often the whole article, summary a teaser), as plain text."""
    candidates = [(dict.get(raw, "summary", ""), dict.get(raw, "summary_detail"))]
    candidates += [(dict.get(c, "value", ""), c) for c in dict.get(raw, "content", [])]
    # Convert the longest first: markup length predicts text length well enough, and
    # converting every candidate would double the work for most feeds.
    for value, detail in sorted(candidates, key=lambda c: len(c[0] or ""), reverse=True):
        text = _text_of((value or "")[: MAX_SUMMARY * 10], detail)  # bound the work on huge entries
        if text:
            return text
    return ""


def _date_of(raw) -> datetime | None:
    """Publication time in UTC: published, else updated, else None."""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = dict.get(raw, key)  # plain lookup: FeedParserDict would alias (and warn)
        if parsed:
            try:
                return datetime.fromtimestamp(calendar.timegm(parsed), timezone.utc)
            except (OverflowError, ValueError, OSError):
                continue
    return None


def _guid_of(raw, url: str | None, title: str, published: datetime | None) -> str:
    """The entry's identity within its feed: guid, else link, else a hash of its title
    and date (so a feed without either still does not store an entry twice)."""
    guid = clean_text(dict.get(raw, "id", "") or "")
    if guid:
        return guid if len(guid) <= MAX_GUID else "sha1:" + hashlib.sha1(guid.encode()).hexdigest()
    if url:
        return url
    key = f"{title}\n{published.isoformat() if published else dict.get(raw, 'published', '')}"
    if not key.strip():
        key = _summary_of(raw)
    return "hash:" + hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()


def _web_url(value, base: str) -> str | None:
    """An absolute http(s) link or nothing: javascript:, data: and the like never reach the UI."""
    if not value or not isinstance(value, str):
        return None
    value = "%20".join(clean_text(value).split())  # padding gone, inner spaces escaped
    if len(value) > MAX_URL:
        return None
    if value.startswith(("https://", "http://")):  # the usual case needs no parsing
        return value
    try:
        value = urljoin(base, value)
        scheme = urlsplit(value).scheme.lower()
    except ValueError:
        return None
    return value if scheme in ("http", "https") and len(value) <= MAX_URL else None


def _unique(entries) -> list[Entry]:
    """Keep the first entry of each guid: feeds list newest first, so a duplicate guid
    further down is an older copy of the same item."""
    seen: dict[str, Entry] = {}
    for entry in entries:
        seen.setdefault(entry.guid, entry)
    return list(seen.values())


def content_hash(title: str, summary: str, url: str | None) -> str:
    """Changes when the stored text or link of an entry changes: then it is re-tagged."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (title, summary, url or ""):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def _cap(text: str, limit: int) -> str:
    """Cut overlong text at a word boundary near the limit, marking the cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ", limit - 200)
    return (cut[:space] if space > 0 else cut).rstrip() + "…"
