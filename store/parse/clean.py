"""Turn untrusted feed text into safe plain text before it is stored.

Feed text ends up on a terminal, so nothing that a terminal would interpret (escape
sequences, control characters) and nothing invisible that could disguise text (bidi
overrides, zero-width characters) survives. Square brackets stay literal: escaping
markup is the UI's job when it displays text, not the store's.
"""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

# ESC-introduced sequences, whole: CSI (ESC [ ... final), string commands OSC/DCS/SOS/PM/APC
# (payload up to BEL or ST, or to the end if never terminated), and two/three-byte escapes.
# The 8-bit C1 forms (U+009B CSI, U+009D OSC, ...) are matched the same way.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    r"|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"
)
# Controls (C0 but tab and newline, DEL, C1), bidi embeddings/overrides/isolates,
# zero-width characters, soft hyphens, and lone surrogates (which SQLite cannot store).
_INVISIBLE_CHARS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200d\u2060\ufeff\u202a-\u202e\u2066-\u2069\ud800-\udfff"
)
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]")
# One quick scan decides whether the slower substitutions are needed at all (mostly not).
_SUSPECT = re.compile(f"[{_INVISIBLE_CHARS}\u2028\u2029]")


def clean_text(text: str) -> str:
    """Plain, printable text: escapes and invisible characters gone, whitespace tidy
    (single spaces, no blank line runs, nothing at either end)."""
    if not text:
        return ""
    if _SUSPECT.search(text):
        text = _LINE_BREAKS.sub("\n", text)
        text = _ESCAPES.sub("", text)
        text = _INVISIBLE.sub("", text)
        if not text:
            return ""
    if text.isascii():
        # Line breaks and spaces at the ends go whatever else is done (HTML leaves a
        # paragraph's break after the last one); what is left is often tidy already.
        text = text.strip(" \n")
        if not text or _tidy_ascii(text):
            return text
    elif not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return _tidy_lines(text)


def _tidy_ascii(text: str) -> bool:
    """True when ASCII text, controls already gone and ends stripped, is as _tidy_lines
    would leave it (most feed text is): a few substring scans instead of splitting it into words."""
    return not ("\t" in text or "  " in text or " \n" in text or "\n " in text or "\n\n\n" in text)


def _tidy_lines(text: str) -> str:
    """Single spaces, at most one blank line in a row, nothing at either end."""
    lines: list[str] = []
    for raw in text.split("\n"):
        line = " ".join(raw.split())  # str.split() knows every Unicode space, tabs included
        if line or (lines and lines[-1]):  # at most one blank line in a row
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def one_line(text: str) -> str:
    """clean_text folded onto one line: for titles, authors and feed names."""
    cleaned = clean_text(text)
    return " ".join(cleaned.split()) if "\n" in cleaned else cleaned  # its lines are tidy already


# Block elements end a line; paragraph-like ones also leave a blank line after them.
_PARAGRAPHS = frozenset("blockquote h1 h2 h3 h4 h5 h6 p pre table ul ol dl figure".split())
_BLOCKS = _PARAGRAPHS | frozenset(
    "address article aside br dd details div dt figcaption footer form header hr li main nav "
    "section summary tbody thead tfoot tr".split()
)
_CELLS = frozenset({"td", "th"})
# Elements whose content is never readable text (object, iframe, noscript hold fallback text).
_HIDDEN = frozenset({"script", "style", "template", "head"})
# Break markers while collecting (control characters never survive from the data itself);
# a run of them becomes one line break, or a blank line if any of them was a paragraph.
_LINE, _PARA = "\x01", "\x02"
_NOT_IN_DATA = re.compile("[\r\n\x01\x02]")
# Runs are matched from their first marker: a pattern that could start at any space would
# be tried at every space of the text. Spaces left before a run go with clean_text.
_LINE_RUN = re.compile("\x01[ \x01]*(?![ \x01\x02])")
_PARA_RUN = re.compile("[\x01\x02][ \x01\x02]*")


class _TextCollector(HTMLParser):
    """Collects the readable text of an HTML fragment, with line breaks at block edges."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _HIDDEN:
            self.hidden_depth += 1
        elif tag in _BLOCKS:
            self.parts.append(_PARA if tag in _PARAGRAPHS else _LINE)
        elif tag in _CELLS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in _BLOCKS:  # <br/>, <hr/>
            self.parts.append(_LINE)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden_depth = max(0, self.hidden_depth - 1)
        elif tag in _BLOCKS:
            self.parts.append(_PARA if tag in _PARAGRAPHS else _LINE)

    def handle_data(self, data: str) -> None:
        if not self.hidden_depth:
            # Source newlines inside a paragraph are just spaces in HTML.
            self.parts.append(_NOT_IN_DATA.sub(" ", data))


def html_to_text(html: str) -> str:
    """The readable text of an HTML fragment: blocks on their own lines, scripts and
    styles dropped, entities decoded, then cleaned like any other feed text."""
    if not html:
        return ""
    if "<" not in html and "&" not in html:
        return clean_text(html.replace("\n", " "))
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return clean_text(_breaks("".join(collector.parts)))


def _breaks(marked: str) -> str:
    """Each run of break markers (and the spaces between them) as a line break, or a blank
    line when one of them ended a paragraph."""
    if _LINE in marked:
        marked = _LINE_RUN.sub("\n", marked)
    return _PARA_RUN.sub("\n\n", marked)
