"""Stories: which articles report the same event, judged one article at a time as it arrives.

Pure: an article's title, summary, time and tags go in; `features` makes what the
judgement needs, `best_story` picks the matching story among candidates or none.
store/db/ingest.py finds the candidates (recent stories sharing an index key, bounded) and
writes the verdict, so the cost of one article never depends on how many are stored.

Text is folded as the extractor folds it (store/extract/fold.py); the similarity of two
word lists is rapidfuzz's (a normalised Indel similarity, which for two sorted lists of
distinct words is their Dice coefficient).
"""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from rapidfuzz.distance import Indel

from negotiation_watch.store.extract.dateline import DATELINE
from negotiation_watch.store.extract.fold import fold_text

# Changed whenever the judgement changes: stored stories are then formed again (retag).
VERSION = "5"
# A follow-up joins a story whose newest article is at most this much older (or newer:
# feeds arrive in any order).
WINDOW = timedelta(days=3)
# Within this, time says nothing; beyond it, the bar rises towards WINDOW.
SAME_NEWS_CYCLE = timedelta(hours=36)
# The lede says what happened; later paragraphs drift into background, often another
# event's ("The move came a day after ..."): its first paragraphs, up to LEDE_CHARS, and
# more than a byline or a dateline (LEDE_AT_LEAST).
LEDE_CHARS, LEDE_AT_LEAST = 400, 120
MAX_KEYS = 8  # index keys per article
THRESHOLD = 0.12  # a candidate story at or above this mean score takes the article (tuned on bench/stories.py)
SAME_OUTLET = 0.8  # its updated version repeats itself and still scores far above THRESHOLD
# Beyond a news cycle, a report whose headline shares none of the other's words but the
# parties' and tracks' names is mostly the same sides' next event ("talks open" and, days
# later, "deal agreed"): its score is scaled by this.
LATER_OTHER = 0.7
MEMBERS_COMPARED = 4  # a story is judged by its newest few articles
# Parties: each one the article naming fewer names and the other does not scales the
# score by PARTY_MISSING (two reports of one event name the same sides, or one of them
# fewer); an article naming a single party may name only one side, so by LONE_PARTY_MISSING.
# Each shared party (up to SHARED_COUNTED) raises it by PARTY_SHARED.
PARTY_MISSING, LONE_PARTY_MISSING, PARTY_SHARED, SHARED_COUNTED = 0.3, 0.5, 0.05, 3

# Words that say nothing about which event a text reports.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself just
    me more most my no nor not now of off on once only or other our out over own same she should
    so some such than that the their them then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you your
    s t says said say saying told tells according amid after while during new also one two
    year years week weeks day days time today yesterday tomorrow monday tuesday wednesday
    thursday friday saturday sunday""".split()
)
# Words every diplomacy story uses: kept for the text's similarity, but too common to
# find candidates by or to count as a name.
COMMON = frozenset(
    """talks talk meeting meet meets met round session summit official officials minister
    ministers foreign president prime government governments leader leaders delegation
    delegations envoy envoys diplomat diplomats diplomatic spokesman spokeswoman spokesperson
    statement statements agreement deal negotiations negotiators negotiator sides side
    country countries state states people reporters news report reports update updated
    breaking analysis live latest brief briefing morning evening first last next""".split()
)
# A headline's kicker ("Explainer: ...", "Morning brief: ...") that marks a piece about
# several events or about the background, never one event's report: it stands alone.
KICKERS = frozenset(
    """explainer explained analysis opinion comment commentary editorial column factbox
    timeline briefing brief digest roundup round-up newsletter podcast week weekend ahead
    morning evening q&a interview profile""".split()
)
_KICKER = re.compile(r"^\s*([^:]{1,40}):")
# An address's section or slug that marks the same kinds of piece, where outlets file
# them: /opinion/..., /commentisfree/..., /2025/09/11/explainer-..., /live/...
URL_KINDS = frozenset(
    """explainer explainers explained analysis opinion opinions comment commentisfree commentary
    editorial editorials column columns factbox podcast podcasts newsletter newsletters live
    liveblog live-blog""".split()
)
_URL_PATH = re.compile(r"^[a-z][a-z0-9+.-]*://[^/?#]*([^?#]*)", re.IGNORECASE)
_SLUG_GAP = re.compile(r"[-_.]")
# A word after a space that follows no sentence's end: where a capital means a name.
_INNER_WORD = re.compile(r"(?<=[^.!?:;\s]) +([^\W\d_][\w'’-]*)")
TITLE_CASE = 0.7  # a headline with this share of capitalised words capitalises them all by custom


@dataclass(frozen=True)
class Features:
    """What the judgement knows of one article."""

    # distinct words as one character each (word_mark), sorted: rapidfuzz compares two
    # strings several times faster than two tuples, and of two sorted strings of distinct
    # characters its Indel similarity is the Dice coefficient of the word sets
    words: str  # content words of the title and lede
    names: str  # names, places and numbers among them
    title_words: str  # content words of the title
    title_event: str  # those of them that are not a party's or track's evidence
    keys: tuple[int, ...]  # the index keys (word_key): names and title words, the most telling first
    parties: frozenset[str]
    tracks: frozenset[str]
    when: datetime
    outlet: int | None = None  # the feed it came from
    standalone: bool = False  # a digest, explainer or analysis: a story of its own


def features(
    title: str, summary: str, when: datetime, tags: Iterable[tuple[str, str]] = (), tag_texts: Iterable[str] = (),
    outlet: int | None = None, url: str | None = None,
) -> Features:
    """An article's features: `tags` are its (kind, tag_id) pairs, repeats allowed;
    `tag_texts` the words its parties and tracks were found by ("Kremlin", "Normandy
    Format"): they name who negotiates what, which the tags compare already, not which
    event it was, so they do not count as names. `url`, its address, can say it is an
    explainer or the like where the headline does not."""
    tags = set(tags)
    title_words, title_names = _words(title, headline=True)
    lede_words, lede_names = _words(_lede(summary), headline=False)
    capitalised = title_names | lede_names
    tag_words = {word for text in set(tag_texts) for word in _folded_words(text)}
    names = capitalised - tag_words
    words = title_words | lede_words
    # candidates are found by names (the event's own first, then a party's or track's),
    # then the headline's words; longer words tell more
    ranked = sorted(names, key=_telling) + sorted(capitalised & tag_words, key=_telling)
    ranked += sorted(title_words - capitalised - COMMON, key=_telling)
    keys = tuple(word_key(w) for w in ranked[:MAX_KEYS])
    return Features(
        _marks(words), _marks(names), _marks(title_words), _marks(title_words - tag_words), keys,
        frozenset(t for k, t in tags if k == "party"), frozenset(t for k, t in tags if k == "track"), when, outlet,
        _standalone(title) or _standalone_address(url),
    )


def _lede(summary: str) -> str:
    """The summary's first paragraphs after any dateline: as many as make LEDE_AT_LEAST
    characters, within LEDE_CHARS. An agency opens every item with the same "TEHRAN, Aug.
    13 (MNA) -": as names, its words made one outlet's day a single story."""
    summary = summary[:LEDE_CHARS]  # all a stored article's features are made from (story_rows)
    dateline = DATELINE.match(summary)
    if dateline is not None:
        summary = summary[dateline.end():]
    end = 0
    while end < LEDE_AT_LEAST:
        next_break = summary.find("\n\n", end + 1)
        if next_break < 0:
            return summary[:LEDE_CHARS]
        end = next_break
    return summary[:min(end, LEDE_CHARS)]


def _standalone(title: str) -> bool:
    """Whether a headline's kicker says the piece is a digest, explainer or the like."""
    kicker = _KICKER.match(title)
    return bool(kicker) and not KICKERS.isdisjoint(kicker.group(1).lower().split())


def _standalone_address(url: str | None) -> bool:
    """Whether an address files the piece as one: a section of its path is a kind of
    piece (/opinion/), or its last part begins with one (/explainer-nato-russia-council)."""
    path = _URL_PATH.match(url or "")
    if not path:
        return False
    parts = [part for part in path.group(1).lower().split("/") if part]
    if not parts:
        return False
    *sections, slug = parts
    return not URL_KINDS.isdisjoint(sections) or _SLUG_GAP.split(slug, maxsplit=1)[0] in URL_KINDS


@functools.lru_cache(maxsize=1 << 16)
def _folded_words(text: str) -> tuple[str, ...]:
    """A party's or track's evidence, or a capitalised word of the text, folded into words
    (the same names recur all day)."""
    return tuple(fold_text(text)[0].split())


def _telling(word: str) -> tuple[int, str]:
    """Longer words first (they tell more), then alphabetical, so every process picks the same keys."""
    return -len(word), word


# News repeats its words: these are cached, as _folded_words is (a call through the cache
# costs a tenth of one through the function, and a re-tag makes the features of tens of
# thousands of articles).
@functools.lru_cache(maxsize=1 << 16)
def word_key(word: str) -> int:
    """A folded word as a number: stable across processes (unlike hash()), so it keys the index."""
    return zlib.crc32(word.encode())


@functools.lru_cache(maxsize=1 << 16)
def word_mark(word: str) -> str:
    """A folded word as one character outside the Basic Multilingual Plane, from its
    word_key: stable across processes; two words of one comparison rarely share one."""
    return chr(0x10000 + word_key(word) % 0x100000)


def _marks(words: set[str]) -> str:
    return "".join(sorted(set(map(word_mark, words))))


def _words(text: str, *, headline: bool) -> tuple[set[str], set[str]]:
    """Content words of a text, folded, and those that look like names or numbers.

    A capital means a name only where it is not there by custom: a sentence's first word
    is not a name, nor is any word of a headline written in title case.
    """
    words = {w for w in fold_text(text)[0].split() if w not in STOPWORDS and (len(w) >= 3 or w.isdigit())}
    capitalised = [m for m in _INNER_WORD.findall(text) if m[0].isupper()]
    if headline and len(capitalised) >= TITLE_CASE * len(text.split()[1:]) > 1:
        capitalised = []
    names = {w for part in capitalised for w in _folded_words(part)[:1] if w in words and w not in COMMON}
    if not _has_case(text):
        return words, names  # none: numbers alone (a date, a count) would stand for the names
    return words, names | {w for w in words if w.isdigit()}


def _has_case(text: str) -> bool:
    """Whether the text's script has capitals. Where it has none (Bengali, Chinese) no
    word is marked as a name, and the day's unrelated reports sharing a "5" or a "13"
    scored as alike as two reports of one event."""
    return text.isascii() or text.lower() != text.upper()


def similarity(a: Features, b: Features) -> float:
    """How likely two articles report the same event, 0 to 1.

    The text's words, its names and numbers (who, where, which date), and the headline
    each count; parties shared raise it; parties or tracks that do not meet, one outlet
    twice, and time apart lower it.
    """
    return min(1.0, _text_score(a, b) * _factor(a, b))


def _text_score(a: Features, b: Features) -> float:
    """How alike the two texts are, 0 to 1: the costly part, so best_story skips it
    where the factor alone rules a story out."""
    text = Indel.normalized_similarity(a.words, b.words)
    names = Indel.normalized_similarity(a.names, b.names) if a.names and b.names else text
    title = Indel.normalized_similarity(a.title_words, b.title_words)
    return 0.62 * text + 0.29 * names + 0.09 * title


def _factor(a: Features, b: Features) -> float:
    """What the parties, tracks, outlets and times make of the texts' likeness."""
    gap = abs(a.when - b.when)
    factor = _party_factor(a.parties, b.parties) * _time_factor(gap)
    if a.tracks and b.tracks and not a.tracks & b.tracks:
        factor *= 0.4  # two different negotiations
    if a.outlet is not None and a.outlet == b.outlet:
        factor *= SAME_OUTLET  # an outlet's second piece on a subject is mostly a new development
    if gap > SAME_NEWS_CYCLE and set(a.title_event).isdisjoint(b.title_event):
        factor *= LATER_OTHER  # days apart, and the headlines name no event in common
    return factor


def _party_factor(a: frozenset[str], b: frozenset[str]) -> float:
    """How the parties the two name move the score: 1 when either names none."""
    if not a or not b:
        return 1.0
    fewer, more = (a, b) if len(a) <= len(b) else (b, a)
    missing = len(fewer - more)
    per_missing = PARTY_MISSING if len(fewer) > 1 else LONE_PARTY_MISSING
    return per_missing ** missing * (1 + PARTY_SHARED * min(len(fewer & more), SHARED_COUNTED))


def _time_factor(gap: timedelta) -> float:
    """1 within a news cycle, falling to 0.4 at the window's edge, 0 beyond it."""
    if gap <= SAME_NEWS_CYCLE:
        return 1.0
    if gap > WINDOW + SAME_NEWS_CYCLE:
        return 0.0
    return 1.0 - 0.6 * (gap - SAME_NEWS_CYCLE) / WINDOW


def best_story(article: Features, candidates: dict[int, list[Features]]) -> int | None:
    """The candidate story (id -> its newest members' features) the article belongs to,
    or None when none scores THRESHOLD: the article then starts a story of its own, as a
    digest or explainer always does (and nothing joins one). A story scores the mean over
    its members compared, so it cannot drift from one event to the next one member at a
    time."""
    if article.standalone:
        return None
    best, best_score = None, THRESHOLD
    reach = WINDOW + SAME_NEWS_CYCLE
    for story_id, members in candidates.items():
        near = [m for m in members[:MEMBERS_COMPARED] if abs(article.when - m.when) <= reach and not m.standalone]
        if not near:
            continue
        factors = [_factor(article, m) for m in near]
        if sum(min(1.0, f) for f in factors) < best_score * len(near):
            continue  # even texts word for word alike would not score enough
        score = sum(min(1.0, f * _text_score(article, m)) for f, m in zip(factors, near)) / len(near)
        if score >= best_score:
            best, best_score = story_id, score
    return best
