"""Fold text for matching (no case, no diacritics, punctuation as space) keeping an offset map."""

from __future__ import annotations

import functools
import re
import unicodedata

# Letters NFKD leaves alone but a reader sees as plain Latin ones.
_SPECIAL = {"ß": "ss", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ı": "i",
            "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D"}
_ASCII_TABLE = bytes(
    ord(chr(b).lower()) if chr(b).isalnum() else ord(" ") for b in range(128)
) + b" " * 128


def fold_case_kept(char: str) -> str:
    """One character without diacritics, case kept; punctuation and spaces become one space."""
    if char in _SPECIAL:
        return _SPECIAL[char]
    plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return "".join(c if c.isalnum() or _in_word(c) else " " for c in plain)


def _in_word(char: str) -> bool:
    """A mark that decomposition leaves (Bengali and Devanagari vowel signs, Thai vowels):
    a letter's part, so the word goes on. As a space it cut "শিক্ষার্থী" into fragments
    that unrelated texts share."""
    return unicodedata.category(char)[0] == "M"


def _fold_char(char: str) -> str:
    kept = fold_case_kept(char)
    # Lower-case letter by letter so the folded length never depends on lower() expanding.
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in kept)


class _FoldTable(dict):
    """str.translate table filled on demand; remembers characters that fold to != 1 char."""

    def __init__(self) -> None:
        super().__init__()
        self.irregular: set[str] = set()
        self.irregular_re: re.Pattern | None = None
        for code in list(range(0x80, 0x250)) + list(range(0x2000, 0x2070)):
            self.__missing__(code)

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = _fold_char(char)
        self[code] = folded
        if len(folded) != 1:
            self.irregular.add(char)
            self.irregular_re = None
        return folded

    def has_irregular(self, text: str) -> bool:
        if self.irregular_re is None:
            chars = "".join(re.escape(c) for c in sorted(self.irregular))
            self.irregular_re = re.compile(f"[{chars}]") if chars else re.compile(r"(?!)")
        return self.irregular_re.search(text) is not None


_TABLE = _FoldTable()


def fold_text(text: str) -> tuple[str, list[int] | None]:
    """Folded text and, when lengths differ, the original index of every folded character."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_TABLE).decode("ascii"), None
    folded = text.translate(_TABLE)
    if len(folded) == len(text) and not _TABLE.has_irregular(text):
        return folded, None
    pieces: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        piece = _TABLE[ord(char)]
        pieces.append(piece)
        offsets.extend([index] * len(piece))
    return "".join(pieces), offsets


def fold_pattern(pattern: str) -> tuple[str, tuple[int, ...], str]:
    """A pattern's folded key, the positions of its capitals, and its folded form with case."""
    # Character for character as the text is folded, so "U.S. president" keeps the two
    # spaces that "U.S. president" has in a folded text.
    if pattern.isascii():
        kept = _ASCII_GAPS.sub(" ", pattern).strip()
        return kept.lower(), tuple(m.start() for m in _ASCII_UPPER.finditer(kept)), kept
    kept = "".join(_kept(c) for c in pattern).strip()
    key = "".join(c.lower() if len(c.lower()) == 1 else c for c in kept)
    return key, tuple(i for i, c in enumerate(kept) if c.isupper()), kept


_ASCII_GAPS = re.compile(r"[^A-Za-z0-9]")
_ASCII_UPPER = re.compile(r"[A-Z]")
_kept = functools.cache(fold_case_kept)


def fold_words(text: str) -> str:
    """Folded, lower-case form of a short phrase (for context words), spaced as in a text."""
    return fold_text(text)[0].strip()
