"""A fast reader for the common clean case: a well-formed RSS 2.0 document in UTF-8.

feedparser spends most of a feed's parse time in Python handlers for every element and
every piece of text. For the documents most servers send (RSS 2.0, UTF-8, no DOCTYPE,
only the usual elements) the C expat parser behind ElementTree builds the tree in a
fraction of that time, and this module turns it into the same raw entries feedparser
would give (the keys store.parse reads), using feedparser's own helpers for dates, links
and text fix-ups. Anything it is not sure to read exactly as feedparser does returns
None, and the caller hands the document to feedparser unchanged.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

# feedparser's own helpers, private ones: pyproject.toml pins the releases they were
# checked against, and store.parse.feed uses this reader only once it has read a known
# feed exactly as feedparser does (fast_reader_agrees), so a release that changed them
# costs speed, never a wrong reading.
try:
    from feedparser.datetimes import _parse_date
    from feedparser.html import _cp1252
    from feedparser.mixin import _FeedParserMixin
    from feedparser.urls import _urljoin

    # Namespace URI (lower-case) -> feedparser's own prefix ("" for the RSS/Atom family).
    _KNOWN_NAMESPACES = {uri.lower(): prefix for uri, prefix in _FeedParserMixin.namespaces.items()}
except (ImportError, AttributeError):  # moved or renamed: every feed goes to feedparser
    HELPERS_FOUND = False
else:
    HELPERS_FOUND = True
_XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"
_BASE_ATTRIBUTES = ("base", f"{{{_XML_NAMESPACE}}}base")  # either one moves feedparser's base URI
_XML_DECLARATION = re.compile(rb"<\?xml[^>]*?>")
_DECLARED_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")
_DTD = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_QUERY_ENTITY = re.compile("&([A-Za-z0-9_]+);")
# Item elements read here, each at most once and as plain text (no attributes, no children).
_ITEM_TEXT = {"title", "link", "pubdate", "content_encoded", "dc_date", "updated"}
_DESCRIPTIONS = {"description", "media_description", "dc_description"}  # one handler in feedparser
_AUTHORS = {"author", "dc_creator"}  # the last one given is the entry's author
# Elements feedparser has handlers for that set none of the keys store.parse reads.
_ITEM_HARMLESS = {
    "category", "enclosure", "source", "media_content", "media_thumbnail", "media_credit", "media_keywords",
    "media_category", "dc_subject", "dc_rights", "dc_language",
}
_CHANNEL_HARMLESS = {
    "description", "language", "copyright", "lastbuilddate", "pubdate", "generator",
    "managingeditor", "webmaster", "category", "cloud", "dc_date", "updated", "dc_publisher",
    "dc_language", "dc_rights", "dc_subject",
}
# Attributes an Atom-style <link href> may carry here (url= and uri= would stand in for href).
_LINK_ATTRIBUTES = {"href", "rel", "type", "title", "hreflang", "length"}
_IMAGE_PARTS = {"title", "link", "description", "url", "width", "height"}
_ENTRY_KEYS = {"title", "title_detail", "summary", "summary_detail", "content", "link", "id", "author",
               "published", "published_parsed", "updated", "updated_parsed", "created_parsed"}
_FEED_KEYS = {"title", "title_detail", "link"}


class _NotSimple(Exception):
    """The document needs feedparser: something here is not read exactly as it would."""


def read_simple_feed(body: bytes, headers: dict) -> dict | None:
    """feedparser's result (version, feed, entries: plain dicts with the keys store.parse
    reads) for a simple RSS 2.0 document in UTF-8, or None for anything else.

    `headers` are the response headers with lower-case names, Content-Type included."""
    if not HELPERS_FOUND or not _is_plain_utf8(body, headers.get("content-type", "")):
        return None
    try:
        root, prefixes = _tree(body)
        return _read_rss(root, _Names(prefixes))
    except (ET.ParseError, _NotSimple, ValueError):
        return None


def _is_plain_utf8(body: bytes, content_type: str) -> bool:
    """UTF-8 by every account (no BOM, no other charset declared anywhere), an XML media
    type that lets the declaration speak, and no DTD (entities stay feedparser's to refuse)."""
    media_type, _, params = content_type.partition(";")
    media_type = media_type.strip().lower()
    charset = _charset(params)
    if media_type == "application/xml" or (media_type.startswith("application/") and media_type.endswith("+xml")):
        if charset not in (None, "utf-8"):
            return False
    elif media_type in ("text/xml",) or (media_type.startswith("text/") and media_type.endswith("+xml")):
        if charset != "utf-8":  # text/* without a charset means US-ASCII to feedparser
            return False
    else:
        return False
    if not body.startswith(b"<"):  # a BOM, leading space or another encoding
        return False
    declaration = _XML_DECLARATION.match(body)
    if declaration:
        declared = _DECLARED_ENCODING.search(declaration.group())
        if declared and declared.group(1).strip().lower() != b"utf-8":
            return False
    return _DTD.search(body) is None


def _charset(params: str) -> str | None:
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'").strip().lower()
    return None


def _tree(body: bytes):
    """The element tree and every namespace binding (prefix, URI) in document order."""
    parser = ET.XMLPullParser(events=("start-ns", "start"))
    parser.feed(body)
    parser.close()
    root, prefixes = None, []
    for event, value in parser.read_events():
        if event == "start-ns":
            prefixes.append(value)
        elif root is None:
            root = value
    return root, prefixes


class _Names:
    """Element names as feedparser's handlers know them: "title", "dc_creator"..."""

    def __init__(self, bindings: list[tuple[str, str]]) -> None:
        self.unknown: dict[str, str] = {}  # URI feedparser does not know -> the document's prefix
        bound: dict[str, str] = {}
        for prefix, uri in bindings:
            if bound.setdefault(prefix, uri) != uri:
                raise _NotSimple("a prefix bound to two namespaces")
            known = uri.lower() in _KNOWN_NAMESPACES or "backend.userland.com/rss" in uri.lower()
            if not known and self.unknown.setdefault(uri, prefix) != prefix:
                raise _NotSimple("a namespace bound to two prefixes")
        self.cache: dict[str, str] = {}

    def key(self, tag: str) -> str:
        found = self.cache.get(tag)
        if found is None:
            found = self.cache[tag] = self._key(tag)
        return found

    def _key(self, tag: str) -> str:
        if tag[0] != "{":
            return tag.lower()
        uri, local = tag[1:].split("}", 1)
        lowered = uri.lower()
        if "backend.userland.com/rss" in lowered:
            prefix = ""
        elif lowered in _KNOWN_NAMESPACES:
            prefix = _KNOWN_NAMESPACES[lowered]
        else:
            prefix = self.unknown.get(uri)
            if prefix is None:
                raise _NotSimple("a namespace seen only through an entity")
        return f"{prefix}_{local}".lower() if prefix else local.lower()


def _has_handler(key: str) -> bool:
    return hasattr(_FeedParserMixin, "_start_" + key) or hasattr(_FeedParserMixin, "_end_" + key)


def _read_rss(root, names: _Names) -> dict:
    if root.tag != "rss" or not root.get("version", "").startswith("2."):
        raise _NotSimple("not RSS 2.0")
    channels = [child for child in root if names.key(child.tag) == "channel"]
    if len(root) != 1 or len(channels) != 1 or root[0].attrib:
        raise _NotSimple("not one plain channel")
    _no_base(root)
    feed, entries = {}, []
    for child in channels[0]:
        key = names.key(child.tag)
        _no_base(child)
        if key == "item":
            entries.append(_read_item(child, names))
        else:
            _read_channel_part(feed, key, child, names)
    return {"version": "rss20", "feed": feed, "entries": entries, "bozo": False}


def _read_channel_part(feed: dict, key: str, element, names: _Names) -> None:
    if key == "title":
        if "title" in feed:
            raise _NotSimple("two channel titles")
        title = _plain(_leaf(element))
        feed["title"] = _fixed(title)
        feed["title_detail"] = {"type": _guess_type(title)}
    elif key == "link" and not element.attrib:
        if "link" in feed:
            raise _NotSimple("two channel links")
        feed["link"] = _entities_as_text(_fixed(_urljoin("", _plain(_leaf(element)))))
    elif key == "link":
        href = _attribute_link(element)
        if href is not None:
            feed["link"] = href
    elif key == "image":
        for part in element:
            _no_base(part)
            if names.key(part.tag) not in _IMAGE_PARTS or len(part) or part.attrib:
                raise _NotSimple("an unusual image")
    elif key in _CHANNEL_HARMLESS:
        _leaf(element, attributes=True)  # <cloud domain=...>, <category domain=...>
    else:
        _unknown(element, key, names, _FEED_KEYS)


def _read_item(item, names: _Names) -> dict:
    if item.attrib:
        raise _NotSimple("item attributes")
    raw: dict = {}
    seen: set[str] = set()
    has_content = ended = False
    for child in item:
        if ended:
            raise _NotSimple("elements after a second description")
        key = names.key(child.tag)
        _no_base(child)
        if key in _DESCRIPTIONS:
            ended = _read_description(raw, child, has_content)
        elif key == "link" and child.attrib:
            href = _attribute_link(child)
            if href is not None:
                raw["link"] = href
        elif key in _ITEM_TEXT:
            if key in seen:
                raise _NotSimple(f"two {key} elements")
            seen.add(key)
            has_content = has_content or key == "content_encoded"
            _read_text(raw, key, _leaf(child))
        elif key in _AUTHORS:
            author = _fixed(_plain(_leaf(child)))
            if "@" in author:  # feedparser splits out e-mail addresses its own way
                raise _NotSimple("an author with an e-mail address")
            raw["author"] = author
        elif key == "guid":
            if "id" in raw or set(child.attrib) - {"isPermaLink"} or len(child):
                raise _NotSimple("an unusual guid")
            guid_is_link = child.get("isPermaLink", "true") == "true"
            guid = _plain(child)
            raw["id"] = _fixed(_urljoin("", guid)) if guid_is_link and guid else _fixed(guid)
            if guid_is_link:
                raw.setdefault("link", raw["id"])
        elif key in _ITEM_HARMLESS:
            _harmless(child, names)
        else:
            _unknown(child, key, names, _ENTRY_KEYS)
    return raw


def _read_text(raw: dict, key: str, element) -> None:
    """One plain-text item element, stored under feedparser's key."""
    if key == "title":
        title = _plain(element)
        raw["title"] = _fixed(title)
        raw["title_detail"] = {"type": _guess_type(title)}
    elif key == "link":
        link = _fixed(_urljoin("", _plain(element)))
        raw["link"] = _entities_as_text(link.replace("&amp;", "&"))
    elif key == "content_encoded":
        value = _fixed(_plain(element))
        raw["content"] = [{"type": "text/html", "value": value}]
        raw.setdefault("summary", value)
    elif key == "pubdate":
        raw["published"] = _fixed(_plain(element))
        raw["published_parsed"] = _parse_date(raw["published"])
    elif key in ("dc_date", "updated"):
        raw["updated"] = _fixed(_plain(element))
        raw["updated_parsed"] = _parse_date(raw["updated"])


def _read_description(raw: dict, element, has_content: bool) -> bool:
    """A description (RSS, Media RSS or Dublin Core): the summary, or, after a summary and
    before any content:encoded, one more content entry. feedparser then leaves an element
    on its stack that swallows whatever the item holds after it, so True means: nothing
    may follow (the caller refuses the document if something does)."""
    if set(_leaf(element, attributes=True).attrib) - {"type"}:
        raise _NotSimple("description attributes")
    second = "summary" in raw and not has_content
    kind = _FeedParserMixin.map_content_type(element.get("type", "text/plain" if second else "text/html"))
    if kind not in ("text/plain", "text/html"):  # other types may be base64 to feedparser
        raise _NotSimple("an unusual description type")
    text = _plain(element)
    if kind == "text/plain" and _FeedParserMixin.looks_like_html(text):
        kind = "text/html"
    if second:
        raw.setdefault("content", []).append({"type": kind, "value": _fixed(text)})
        return True
    raw["summary"] = _fixed(text)
    raw["summary_detail"] = {"type": kind}
    return False


def _harmless(element, names: _Names) -> None:
    """An element whose handler sets nothing read here; only media:content holds others."""
    if len(element) and names.key(element.tag) != "media_content":
        raise _NotSimple("markup where text was expected")
    for child in element:
        _no_base(child)
        if names.key(child.tag) not in _ITEM_HARMLESS:
            raise _NotSimple("an unusual media:content")
        _harmless(child, names)


def _attribute_link(element) -> str | None:
    """An Atom-style <link href=...> (Atom's namespace in RSS): the link it sets, if any.
    Only rel="alternate" to an HTML type sets one, unchanged but for feedparser's join."""
    if len(element) or set(element.attrib) - _LINK_ATTRIBUTES or not element.get("href"):
        raise _NotSimple("an unusual link element")
    rel = element.get("rel", "alternate").lower()
    kind = element.get("type", "application/atom+xml" if rel == "self" else "text/html").lower()
    if rel == "alternate" and _FeedParserMixin.map_content_type(kind) in _FeedParserMixin.html_types:
        return _urljoin("", element.get("href"))
    return None


def _unknown(element, key: str, names: _Names, read_keys: set[str], parent: str | None = None) -> None:
    """An element feedparser has no handler for lands under its own name: harmless
    unless that name is one store.parse reads, or its children could be handled."""
    if _has_handler(key) or key in read_keys or key == parent:
        raise _NotSimple(f"element {key}")
    for child in element:
        _no_base(child)
        _unknown(child, names.key(child.tag), names, read_keys, key)


def _entities_as_text(link: str) -> str:
    """feedparser's reading of "&name;" in a link: "&name" (most links have no "&" at all)."""
    return _QUERY_ENTITY.sub(r"&\g<1>", link) if "&" in link else link


def _leaf(element, attributes: bool = False):
    if len(element) or (element.attrib and not attributes):
        raise _NotSimple("markup where text was expected")
    return element


def _no_base(element) -> None:
    if element.attrib and any(name in element.attrib for name in _BASE_ATTRIBUTES):
        raise _NotSimple("a base URI")


def _plain(element) -> str:
    """The element's text as feedparser pops it: stripped."""
    return (element.text or "").strip()


def _fixed(text: str) -> str:
    """feedparser's last touches to UTF-8 text: undo text that was UTF-8 read as Latin-1,
    and map the C1 range to the Windows-1252 characters servers meant by it."""
    if text.isascii():
        return text
    try:
        text = text.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    return text.translate(_cp1252)


def _guess_type(text: str) -> str:
    """RSS titles are plain text unless they look like HTML (feedparser's own test)."""
    return "text/html" if _FeedParserMixin.looks_like_html(text) else "text/plain"
