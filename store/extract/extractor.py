"""The extractor: a pure function from (taxonomy, title, text, date) to tagged parties and tracks."""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from negotiation_watch.store.extract.dateline import DATELINE
from negotiation_watch.store.extract.fold import fold_text
from negotiation_watch.store.extract.interactions import Interaction, find_interactions
from negotiation_watch.store.extract.matcher import (
    NOT,
    OFFICE,
    PARTY,
    PERSON,
    TRACK,
    TRIGGER,
    CompiledRule,
    CompiledTrap,
    Matcher,
    matcher_for,
)
from negotiation_watch.store.extract.taxonomy import Taxonomy

FIELDS = ("title", "text")
LEDE_CHARS = 300  # of the text: how far a title's trap reads for its context words
# A capital after one of these words names a place, not the government seated there.
_VENUE_BEFORE = re.compile(
    r"(?:^| )(?:(?:in|at|near|outside|inside|around|across|via|visit|visits|visited|visiting|arrived|arrives"
    r"|arriving|landed|reached)(?: the)?"
    r"|(?:flew|fly|flies|flying|flight|flights|travel|travels|travelled|traveled|travelling|traveling|trip"
    r"|visit|journey|went|go|goes|going|came|come|return|returned|returns|returning|headed|heading|back"
    r"|moved|delegation|delegations|take off|took off|departed|departing|road|way) (?:to|from|for)(?: the)?"
    r"|from(?: [a-z0-9]+){1,3} to(?: the)?) $"
)
# The words that make a venue phrase of their own before a capital ("in", "arrived"; the
# regex's first branch), and those that need the regex to say ("to", "from", "for"): a
# capital after any other word (or after "the" after any other) is no venue.
_VENUE_WORDS = frozenset(
    "in at near outside inside around across via visit visits visited visiting arrived arrives arriving landed"
    " reached".split()
)
_VENUE_LAST_WORDS = _VENUE_WORDS | {"to", "from", "for"}
_NEXT_WORD = re.compile(r"\w+")
# "Kenya: ..." or "KENYA - ...": an aggregator's section label opening the field.
_LABEL_AFTER = re.compile(r"\s*(?::|\s[-\u2013\u2014]\s)")
_ROUTE_AFTER = re.compile(r" +(?:to|for|and back) ")
# Capitalised words that start sentences or clauses; a name after them is not a surname.
_FUNCTION_WORDS = frozenset(
    "a an and as at after before both but by during for from if in into including like meanwhile"
    " neighbouring neighboring of on or over since so the then though to unlike until when where"
    " whereas while with within without yet also even only now today yesterday tomorrow"
    " monday tuesday wednesday thursday friday saturday sunday january february march april may"
    " june july august september october november december".split()
)


class Evidence(NamedTuple):
    """Where a tag was read: field ("title"|"text"), offsets into that exact string, the
    matched text, and the official a name or title resolved to. A named tuple: articles
    hold tens of thousands of these, and a frozen dataclass took three times as long to make."""

    field: str
    start: int
    end: int
    text: str
    person: str | None = None

    def to_json(self) -> dict:
        out = {"field": self.field, "start": self.start, "end": self.end, "text": self.text}
        if self.person is not None:
            out["person"] = self.person
        return out


@dataclass(slots=True)
class Tag:
    """A party or track found in an article, with all its evidence in reading order."""

    kind: str
    id: str
    name: str
    evidence: list[Evidence] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "evidence": [e.to_json() for e in self.evidence]}


@dataclass
class Extraction:
    """Everything read from one article: parties and tracks in order of first mention, and
    the interactions between the parties in reading order."""

    parties: list[Tag]
    tracks: list[Tag]
    interactions: list[Interaction] = field(default_factory=list)

    def to_json(self) -> dict:
        """The design's tag output shape, without the article id."""
        return {"parties": [t.to_json() for t in self.parties], "tracks": [t.to_json() for t in self.tracks],
                "interactions": [i.to_json() for i in self.interactions]}


@dataclass(slots=True)
class _Field:
    """One scanned field: its text, folded form, offset map and the selected hits."""

    name: str
    text: str
    spaced: str  # " " + folded + " ": the automaton's input
    offsets: list[int] | None
    shouting: bool
    party_hits: list = field(default_factory=list)  # (fs, fe, target)
    form_hits: list = field(default_factory=list)  # (end, form) of the interaction finder's action forms
    track_hits: list = field(default_factory=list)
    party_spans: list = field(default_factory=list)  # (start, end, party) of the evidence kept, for the finder
    dateline_end: int = -1  # where the places of an opening dateline end, in the text
    lede: str = ""  # a title's: the folded opening of the text, where its traps' context words also count

    def span(self, fs: int, fe: int) -> tuple[int, int]:
        """Original start and end of folded [fs, fe)."""
        if self.offsets is None:
            return fs, fe
        return self.offsets[fs], self.offsets[fe - 1] + 1


def extract(taxonomy: Taxonomy, title: str, text: str = "", date: datetime.date | None = None) -> Extraction:
    """Parties and tracks named in an article, each with the evidence where it was read."""
    matcher = matcher_for(taxonomy)
    fields = [_scan(matcher, name, value) for name, value in zip(FIELDS, (title, text)) if value]
    if len(fields) == 2:  # a headline's context is its lede ("Georgia's organizers" above "... Democrats")
        fields[0].lede = fields[1].spaced[:LEDE_CHARS]
    party_read = [_read_parties(matcher, f, date) for f in fields]
    party_read = _confirm_doubtful(matcher, fields, party_read)
    party_found = _resolve_shared(party_read, set())
    article_parties = {party for found in party_found for (_, party, _, _, _) in found}
    verdicts: dict[int, bool] = {}  # whole-article rules decide once per article
    plans: dict[str, list] = {}  # and each trigger's rules are sorted out once per article
    track_found = _named_only([_read_tracks(matcher, f, fields, article_parties, date, verdicts, plans)
                               for f in fields])
    if party_found is not party_read:  # a shared name may belong to a tagged track's member
        members = {p for _, found in track_found for hit in found for p in matcher.track_members[hit[2]]}
        party_found = _resolve_shared(party_read, members)
    parties: dict[str, Tag] = {}
    for f, found, (tracks_spans, _) in zip(fields, party_found, track_found):
        # Most hits lie outside every track span: the spans' bounds say so without a loop.
        low, high = (min(span[0] for span in tracks_spans), max(span[1] for span in tracks_spans)) \
            if tracks_spans else (1, 0)
        plain = f.offsets is None
        for fs, party, person, fe, role in found:
            if low <= fs and fe <= high and _named_in_track(matcher, fs, fe, party, role, tracks_spans):
                continue  # "Minsk agreements", "the Barbados agreement": a place in a track's name
            start, end = (fs, fe) if plain else f.span(fs, fe)
            tag = parties.get(party)
            if tag is None:
                tag = parties[party] = Tag(PARTY, party, matcher.party_names[party])
            elif (tag.evidence[-1].start, tag.evidence[-1].end, tag.evidence[-1].field) == (start, end, f.name):
                continue  # two entries of one party on one span
            tag.evidence.append(Evidence(f.name, start, end, f.text[start:end], person))
            f.party_spans.append((start, end, party))
    tracks: dict[str, Tag] = {}
    for f, (_, found) in zip(fields, track_found):
        for fs, fe, track, _ in found:
            start, end = f.span(fs, fe)
            tag = tracks.get(track)
            if tag is None:
                tag = tracks[track] = Tag(TRACK, track, matcher.track_names[track])
            elif (tag.evidence[-1].start, tag.evidence[-1].end, tag.evidence[-1].field) == (start, end, f.name):
                continue  # an alias and a trigger on one span
            tag.evidence.append(Evidence(f.name, start, end, f.text[start:end]))
    interactions = _interactions(matcher, fields, parties, tracks)
    return Extraction(list(parties.values()), list(tracks.values()), interactions)


def _interactions(matcher: Matcher, fields: list[_Field], parties: dict[str, Tag],
                  tracks: dict[str, Tag]) -> list[Interaction]:
    """What the parties found do to one another, field by field (officials count as their party)."""
    if len(parties) < 2 or matcher.actions is None:
        return []
    only_track = None
    if len(tracks) == 1:
        track = next(iter(tracks))
        only_track = (track, matcher.track_members[track])
    found = []
    for f in fields:
        if not f.form_hits:
            continue  # no word in it signals an action
        places = [(e.start, e.end, t.id) for t in tracks.values() for e in t.evidence if e.field == f.name]
        found += find_interactions(matcher.actions, f.name, f.text, f.spaced, f.form_hits, f.span, f.party_spans,
                                   places, only_track)
    return found


def _scan(matcher: Matcher, name: str, text: str) -> _Field:
    folded, offsets = fold_text(text)
    f = _Field(name, text, f" {folded} ", offsets, text.isupper())
    dateline = DATELINE.match(text)  # its places are no parties
    if dateline is not None:
        f.dateline_end = dateline.end("places")
    hits: tuple[list, list] = ([], [])
    plain = offsets is None and not f.shouting
    forms = f.form_hits
    for end, (keylen, variants, traps, form) in matcher.automaton.iter(f.spaced):
        if form is not None:
            forms.append((end, form))
            if not variants:
                continue
        fs = end - keylen + 1
        if len(variants) == 1:
            uppers, lowers, target, tail, layer = variants[0]
            if lowers is None and (not uppers or (plain and (text[fs + uppers[0]].isupper() if len(uppers) == 1
                                                             else _capitals(text, fs, uppers)))):
                hits[layer].append((fs, end - 1, target, tail, traps))
            elif _case_ok(f, fs, uppers, lowers):
                hits[layer].append((fs, end - 1, target, tail, traps))
            continue
        seen = set()
        for uppers, lowers, target, tail, layer in variants:
            if target not in seen and _case_ok(f, fs, uppers, lowers):
                seen.add(target)  # spellings differing only in case name one thing once
                hits[layer].append((fs, end - 1, target, tail, traps))
    f.party_hits = _longest_first(hits[0])
    f.track_hits = _longest_first(hits[1])
    return f


def _capitals(text: str, fs: int, uppers: tuple[int, ...]) -> bool:
    for k in uppers:
        if not text[fs + k].isupper():
            return False
    return True


def _case_ok(f: _Field, fs: int, uppers: tuple[int, ...], lowers: tuple[int, ...] | None) -> bool:
    """Capitals in the pattern are capitals in the text; exact patterns match case fully."""
    if lowers is None and (f.shouting or not uppers):
        return True
    text, offsets = f.text, f.offsets
    for k in uppers:
        if not text[fs + k if offsets is None else offsets[fs + k]].isupper():
            return False
    for k in lowers or ():
        if not text[fs + k if offsets is None else offsets[fs + k]].islower():
            return False
    return True


def _place_then_longest(hit: tuple) -> tuple[int, int]:
    return hit[0], -hit[1]


def _longest_first(hits: list) -> list:
    """Non-overlapping hits, the longest at each place; equal spans all stay."""
    previous_end = -1
    for hit in hits:  # the automaton reports by end; without overlaps that is the answer
        if hit[0] < previous_end:
            break
        previous_end = hit[1]
    else:
        return hits
    hits.sort(key=_place_then_longest)
    kept = []
    last_start, last_end = -1, -1
    for hit in hits:
        if hit[0] >= last_end:
            kept.append(hit)
            last_start, last_end = hit[0], hit[1]
        elif hit[0] == last_start and hit[1] == last_end:
            kept.append(hit)
    return kept


def _read_parties(matcher: Matcher, f: _Field, date: datetime.date | None) -> list[tuple]:
    """(fs, party, person, fe, role) for every party-layer hit that survives the trap rules."""
    found = []
    for fs, fe, (kind, ident, role), tail, traps in f.party_hits:
        if tail and f.text.startswith(tail, f.span(fs, fe)[1]):
            fe += len(tail)
        if kind == NOT:
            continue
        if kind == PARTY:
            if f.dateline_end > 0 and f.span(fs, fe)[1] <= f.dateline_end and (
                    role.endswith("metonyms") or role.endswith("aliases")):
                continue  # the place a report was filed from
            if role.endswith("metonyms") and _is_venue(matcher, f, fs, fe):
                continue
            if role[0] == "?" and _looks_like_name(f, fs, fe):
                if not _title_case(f.text):
                    continue
                role = "!" + role  # "Jordan Says No": kept only if the article confirms it
            elif role == "acronym":
                role = "!acronym"  # "RSF" alone: kept only with its context or another name
            elif fs < 4 and _is_label(f, fs, fe):
                role = "!label"  # "Kenya: ..." over a story about Sudan: kept only if confirmed
            if traps and _trapped(traps, f, fs, fe - len(tail)):
                continue
            found.append((fs, ident, None, fe, role))
        elif kind == PERSON:
            if traps and _trapped(traps, f, fs, fe - len(tail)):
                continue
            found.append((fs, _person_party(matcher, ident, date), ident, fe, role))
        elif kind == OFFICE:
            if found and found[-1][1] != matcher.office_party[ident] and _adjacent(f, found[-1], fs, fe):
                continue  # "Indian Foreign Secretary": the title of another party's official
            found.append((fs, matcher.office_party[ident], _holder(matcher, ident, date), fe, role))
    return found


def _confirm_doubtful(matcher: Matcher, fields: list[_Field], found_by_field: list[list[tuple]]) -> list[list[tuple]]:
    """A doubtful hit stands when the article names the party another way; an acronym also
    when one of its party's context words is there; a label ("Kenya: ...") also when its
    field names no other party; a name-like title word also when there is no text."""
    if not any(hit[4][0] == "!" for found in found_by_field for hit in found):
        return found_by_field
    confirmed = {hit[1] for found in found_by_field for hit in found if hit[4][0] != "!"}
    for found in found_by_field:
        for hit in found:
            if hit[4] == "!acronym" and hit[1] not in confirmed:
                if any(matcher.party_context[hit[1]].search(f.spaced) for f in fields):
                    confirmed.add(hit[1])
    alone = len(fields) < 2
    return [[hit for hit in found if hit[4][0] != "!" or hit[1] in confirmed
             or (hit[4] == "!label" and all(other[1] == hit[1] for other in found))
             or (alone and hit[4] not in ("!acronym", "!label"))]
            for found in found_by_field]


def _resolve_shared(found_by_field: list[list[tuple]], preferred: set[str]) -> list[list[tuple]]:
    """A string naming several parties ("Brussels": EU and NATO) keeps those named elsewhere
    in the article or belonging to one of its tracks (`preferred`)."""
    # Hits at one start are neighbours in a field's list: without two neighbours starting
    # together with different parties, no span is shared (the common case, said cheaply).
    if not any(a[0] == b[0] and a[1] != b[1] for found in found_by_field for a, b in zip(found, found[1:])):
        return found_by_field
    by_span: dict[tuple, set[str]] = {}
    for index, found in enumerate(found_by_field):
        for fs, party, _, fe, _ in found:
            by_span.setdefault((index, fs, fe), set()).add(party)
    shared = {span for span, named in by_span.items() if len(named) > 1}
    if not shared:
        return found_by_field
    sure = {party for span, named in by_span.items() if span not in shared for party in named} | preferred
    return [
        [hit for hit in found if (index, hit[0], hit[3]) not in shared or hit[1] in sure]
        for index, found in enumerate(found_by_field)
    ]


def _adjacent(f: _Field, previous: tuple, fs: int, fe: int) -> bool:
    """Nothing but spaces, or a possessive 's, between the `previous` hit and the one at
    [fs, fe) in the text ("Israel, Egypt's foreign minister" is two, though folding makes
    the comma a space)."""
    between = f.text[f.span(previous[0], previous[3])[1]:f.span(fs, fe)[0]].strip()
    return between in ("", "'s", "’s", "s")


def _is_venue(matcher: Matcher, f: _Field, fs: int, fe: int) -> bool:
    """'talks in Moscow', 'flew to Beijing', 'from Addis Ababa to Nairobi', 'the Budapest
    summit', 'the Helsinki Final Act': a place, or a name taken from it, no party. The
    words around it are the data's ([[venue]]) besides the motion verbs here."""
    spaced = f.spaced
    word = _word_before(spaced, fs)
    if word in _VENUE_WORDS or (word in _VENUE_LAST_WORDS and _VENUE_BEFORE.search(spaced, max(0, fs - 32), fs + 1)):
        return True
    if matcher.venue_before and (" " + spaced[max(0, fs - 40):fs + 1].rstrip()).endswith(matcher.venue_before):
        return True
    if matcher.venue_after and (spaced[fe + 1:fe + 40].lstrip() + " ").startswith(matcher.venue_after):
        # "Washington-Tehran talks" joins two sides; "the Tehran talks" names a venue.
        start = f.span(fs, fe)[0]
        return start == 0 or f.text[start - 1] not in "-\u2010\u2011\u2013\u2014/"
    return spaced.endswith(" from ", 0, fs + 1) and _ROUTE_AFTER.match(spaced, fe + 1) is not None


def _word_before(spaced: str, fs: int) -> str:
    """The word before the hit at `fs`, or before its "the"."""
    start = spaced.rfind(" ", 0, fs)
    word = spaced[start + 1:fs]
    if word == "the":
        word = spaced[spaced.rfind(" ", 0, start) + 1:start]
    return word


def _is_label(f: _Field, fs: int, fe: int) -> bool:
    """The party opens the field as a label: 'Kenya: ...', 'Sudan - ...'."""
    start, end = f.span(fs, fe)
    return not f.text[:start].strip() and _LABEL_AFTER.match(f.text, end) is not None


def _looks_like_name(f: _Field, fs: int, fe: int) -> bool:
    """An ambiguous alias next to another capitalised word is part of a name ("Chad Smith")."""
    if f.shouting:
        return False
    text = f.text
    start, end = f.span(fs, fe)
    after = text[end:end + 2]
    if len(after) == 2 and after[0] == " " and after[1].isupper() and all(h[0] != fe + 1 for h in f.party_hits):
        next_word = _NEXT_WORD.match(text, end + 1)
        if next_word is None or next_word.group().lower() not in _FUNCTION_WORDS:
            return True
    if start >= 2 and text[start - 1] == " " and text[start - 2].isalpha():
        word_start = start - 1
        while word_start > 0 and text[word_start - 1].isalpha():
            word_start -= 1
        word = text[word_start:start - 1]
        return word[0].isupper() and word.lower() not in _FUNCTION_WORDS
    return False


@functools.lru_cache(maxsize=256)
def _title_case(text: str) -> bool:
    """A headline In Title Case: most of its longer words start with a capital."""
    words = [w for w in text.split() if len(w) > 3 and w[0].isalpha()]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.8 * len(words)


def _trapped(traps: tuple[CompiledTrap, ...], f: _Field, fs: int, fe: int) -> bool:
    """Context around the alias says it names something else (a trap from the data)."""
    spaced = f.spaced
    for trap in traps:
        if trap.near is not None and (trap.near.search(spaced, max(0, fs - trap.window), fe + 2 + trap.window)
                                      or f.lede and trap.near.search(f.lede)):
            return True
        if trap.next and (spaced[fe + 1:fe + 40].lstrip() + " ").startswith(trap.next):
            return True
        if trap.prev and (" " + spaced[max(0, fs - 40):fs + 1].rstrip()).endswith(trap.prev):
            return True
    return False


def _person_party(matcher: Matcher, person: str, date: datetime.date | None) -> str:
    """The party of an office the person held on that date, else the person's own party."""
    if date is not None:
        for start, end, party in matcher.person_terms.get(person, ()):
            if _within(date, start, end):
                return party
    return matcher.person_party[person]


def _holder(matcher: Matcher, office: str, date: datetime.date | None) -> str | None:
    """Who held the office on the date (undated: whoever holds it now), if the data knows."""
    holder = None
    for start, end, person in matcher.office_holders.get(office, ()):
        if date is None:
            if end is None:
                holder = person
        elif _within(date, start, end):
            holder = person
    return holder


def _within(date: datetime.date, start: datetime.date | None, end: datetime.date | None) -> bool:
    return (start is None or start <= date) and (end is None or date <= end)


def _read_tracks(matcher: Matcher, f: _Field, fields: list[_Field], parties: set[str],
                 date: datetime.date | None, verdicts: dict[int, bool],
                 plans: dict[str, list]) -> tuple[list, list]:
    """([(fs, fe, track, by its alias)] spans that name a track, [(fs, fe, track, supporting
    only)]) for aliases and triggers whose rule fires."""
    spans, found, said = [], [], set()
    for fs, fe, (kind, ident, role), _tail, _traps in f.track_hits:
        if kind == TRACK:
            spans.append((fs, fe, ident, True))
            found.append((fs, fe, ident, role == "support"))
        elif kind == TRIGGER:
            plan = plans.get(ident)
            if plan is None:
                rules = matcher.rules.get(ident)
                plan = plans[ident] = _trigger_plan(rules.possible(parties) if rules else (), fields, parties,
                                                    date, verdicts)
            fired = {}
            for track, placed, support in plan:
                if placed is None or _words_agree(placed, fields, f, fs, fe):
                    fired[track] = fired.get(track, True) and support  # one naming rule is enough
            if fired:
                # One piece of evidence per trigger word: "talks" five times says no more.
                fresh = [t for t in fired if (t, ident) not in said]
                said.update((t, ident) for t in fresh)
                spans.extend((fs, fe, track, False) for track in fired)
                found.extend((fs, fe, track, fired[track]) for track in fresh)
    return spans, found


def _named_only(track_found: list[tuple[list, list]]) -> list[tuple[list, list]]:
    """Drop the tracks whose only evidence is supporting ("peace efforts", "package of
    measures"): a generic phrase backs a track that something else names, never makes one."""
    if not any(hit[3] for _, found in track_found for hit in found):
        return track_found
    named = {hit[2] for _, found in track_found for hit in found if not hit[3]}
    return [([span for span in spans if span[2] in named], [hit for hit in found if hit[2] in named])
            for spans, found in track_found]


def _trigger_plan(rules: tuple[CompiledRule, ...], fields: list[_Field], parties: set[str],
                  date: datetime.date | None, verdicts: dict[int, bool]) -> list[tuple[str, CompiledRule | None, bool]]:
    """What a trigger's rules say in this article, in their order: (track, None, support)
    for a rule that fires wherever the trigger stands, (track, rule, support) for one that
    looks near each hit. Rules that cannot fire in this article are left out."""
    plan = []
    for rule in rules:
        if not _applies(rule, parties, date):
            continue
        if rule.window:
            plan.append((rule.track, rule, rule.support))
            continue
        verdict = verdicts.get(id(rule))
        if verdict is None:
            verdict = verdicts[id(rule)] = _words_agree(rule, fields, None, 0, 0)
        if verdict:
            plan.append((rule.track, None, rule.support))
    return plan


def _applies(rule: CompiledRule, parties: set[str], date: datetime.date | None) -> bool:
    """The rule's dates and parties agree with the article."""
    if date is not None and ((rule.after and date < rule.after) or (rule.before and date > rule.before)):
        return False
    if not rule.parties <= parties or (rule.not_party & parties):
        return False
    return not rule.any_party or bool(rule.any_party & parties)


def _words_agree(rule: CompiledRule, fields: list[_Field], f: _Field | None, fs: int, fe: int) -> bool:
    """None of the rule's `unless` words and one of its `near` words, within its window of
    the hit in `f` at [fs, fe) (window 0: anywhere in the article, and no hit is needed)."""
    if rule.unless is not None and _near(rule.unless, rule.window, f, fs, fe, fields):
        return False
    return rule.near is None or _near(rule.near, rule.window, f, fs, fe, fields)


def _near(words: re.Pattern, window: int, f: _Field | None, fs: int, fe: int, fields: list[_Field]) -> bool:
    """Any of the words within `window` characters of the hit (0: anywhere in the article)."""
    if window == 0:
        return any(words.search(other.spaced) for other in fields)
    return words.search(f.spaced, max(0, fs - window), fe + 2 + window) is not None


def _named_in_track(matcher: Matcher, fs: int, fe: int, party: str, role: str, spans: list[tuple]) -> bool:
    """A party string inside a track's evidence names the track, not the party, when it is
    a capital or seat ("Minsk agreements"), or a party outside the track inside its alias
    ("Barbados agreement": the venue of Venezuela's talks)."""
    for s, e, track, alias in spans:
        if s <= fs and fe <= e and (role.endswith("metonyms") or (alias and party not in matcher.track_members[track])):
            return True
    return False
