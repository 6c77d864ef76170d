"""OPML subscription lists in and out, so users can move their feeds between readers."""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree import ElementTree

import listparser

from negotiation_watch.store.parse.clean import one_line
from negotiation_watch.store.fetch.urls import InvalidURL, feed_url

MAX_OPML_BYTES = 20_000_000
# listparser keeps ~0.9 kB per outline: 300,000 tiny ones in 18 MB took 260 MB and 11 s
# before a single feed was stored. Real subscription lists hold hundreds.
MAX_OUTLINES = 10_000
MAX_TITLE = 300  # as parse.py keeps a feed's own title


class OPMLError(ValueError):
    """An OPML file that cannot be read as a subscription list."""


@dataclass
class Subscription:
    url: str
    title: str | None = None


def read_opml(data: bytes) -> tuple[list[Subscription], list[str]]:
    """Feeds in an OPML document (nested outlines flattened, duplicates dropped) and the
    reasons any outline was skipped."""
    if len(data) > MAX_OPML_BYTES:
        raise OPMLError(f"the file is larger than {MAX_OPML_BYTES // 1_000_000} MB")
    if not data.strip():
        raise OPMLError("the file is empty")
    if data.count(b"<outline") > MAX_OUTLINES:
        raise OPMLError(f"the file lists more than {MAX_OUTLINES:,} outlines; split it into smaller files")
    try:
        result = listparser.parse(data)
    except (UnicodeDecodeError, ValueError) as exc:  # listparser decodes bytes as UTF-8 without a fallback
        raise OPMLError(f"not a readable OPML file ({one_line(str(exc))[:200]})") from None
    if not result.feeds:
        reason = f" ({result.bozo_exception})" if result.bozo else ""
        raise OPMLError(f"no feeds found: not an OPML subscription list{reason}")
    subscriptions, skipped, seen = [], [], set()
    for item in result.feeds:
        try:
            url = feed_url(item.url)
        except InvalidURL as exc:
            skipped.append(str(exc))
            continue
        if url.startswith("file:"):
            skipped.append(f"{item.url!r}: an imported list may not point at local files")
            continue
        if url in seen:
            continue
        seen.add(url)
        subscriptions.append(Subscription(url, one_line(item.title or "")[:MAX_TITLE] or None))
    return subscriptions, skipped


def write_opml(feeds: list[dict], title: str = "negotiation-watch feeds") -> str:
    """An OPML 2.0 document listing `feeds` (rows with url, title, site_url)."""
    root = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(root, "head")
    ElementTree.SubElement(head, "title").text = title
    body = ElementTree.SubElement(root, "body")
    for feed in feeds:
        name = _xml_text(feed.get("title") or "") or feed["url"]
        outline = ElementTree.SubElement(body, "outline", type="rss", text=name, title=name, xmlUrl=feed["url"])
        if feed.get("site_url"):
            outline.set("htmlUrl", feed["site_url"])
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"


def _xml_text(text: str) -> str:
    """Text XML 1.0 can carry: cleaned (no controls, no lone surrogates) and without the
    two non-characters U+FFFE/U+FFFF, so the exported file always reads back."""
    return one_line(text).replace("\ufffe", "").replace("\uffff", "")
