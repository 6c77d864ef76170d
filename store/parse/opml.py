"""OPML subscription lists in and out, so users can move their feeds between readers."""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree import ElementTree
from xml.parsers import expat

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
    folder: str | None = None  # the outline folders around it, outermost first, joined by "/"


def read_opml(data: bytes) -> tuple[list[Subscription], list[str]]:
    """Feeds in an OPML document (nested outlines flattened, duplicates dropped) and the
    reasons any outline was skipped."""
    if len(data) > MAX_OPML_BYTES:
        raise OPMLError(f"the file is larger than {MAX_OPML_BYTES // 1_000_000} MB")
    if not data.strip():
        raise OPMLError("the file is empty")
    if data.count(b"<outline") > MAX_OUTLINES:
        raise OPMLError(f"the file lists more than {MAX_OUTLINES:,} outlines; split it into smaller files")
    listed = _listed_urls(data)
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
            skipped.append(f"{url}: listed twice; kept the first")
            continue
        seen.add(url)
        if listed.get(item.url, 0) > 1:  # listparser keeps one of each and says nothing
            skipped.append(f"{url}: listed {listed[item.url]} times; kept the first")
        folders = [one_line(name) for name in (item.categories[0] if item.categories else []) if one_line(name)]
        subscriptions.append(Subscription(url, one_line(item.title or "")[:MAX_TITLE] or None,
                                          "/".join(folders)[:MAX_TITLE] or None))
    return subscriptions, skipped


def _listed_urls(data: bytes) -> dict[str, int]:
    """How often each feed address appears in the file; OPMLError with the XML parser's own
    words and line for a broken file: listparser reads what it can of a truncated one and
    says nothing, which would import half a list."""
    listed: dict[str, int] = {}

    def start(name: str, attributes: dict) -> None:
        url = attributes.get("xmlUrl") or attributes.get("xmlurl")
        if name == "outline" and url:
            listed[url.strip()] = listed.get(url.strip(), 0) + 1

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise OPMLError(
            f"not well-formed XML: {expat.ErrorString(exc.code)} at line {exc.lineno}, column {exc.offset + 1} "
            "(is the file cut short?)"
        ) from None
    return listed


def write_opml(feeds: list[dict], title: str = "negotiation-watch feeds") -> str:
    """An OPML 2.0 document listing `feeds` (rows with url, title, site_url)."""
    root = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(root, "head")
    ElementTree.SubElement(head, "title").text = title
    body = ElementTree.SubElement(root, "body")
    folders: dict[str, ElementTree.Element] = {"": body}
    for feed in feeds:
        name = _xml_text(feed.get("title") or "") or feed["url"]
        parent = _folder(folders, _xml_text(feed.get("folder") or ""))
        outline = ElementTree.SubElement(parent, "outline", type="rss", text=name, title=name, xmlUrl=feed["url"])
        if feed.get("site_url"):
            outline.set("htmlUrl", feed["site_url"])
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"


def _folder(folders: dict[str, ElementTree.Element], path: str) -> ElementTree.Element:
    """The outline for folder `path` ("News/Europe"), made (with its parents) on first use."""
    if path not in folders:
        parent_path, _, name = path.rpartition("/")
        folders[path] = ElementTree.SubElement(_folder(folders, parent_path), "outline", text=name, title=name)
    return folders[path]


def _xml_text(text: str) -> str:
    """Text XML 1.0 can carry: cleaned (no controls, no lone surrogates) and without the
    two non-characters U+FFFE/U+FFFF, so the exported file always reads back."""
    return one_line(text).replace("\ufffe", "").replace("\uffff", "")
