"""Compile a Taxonomy into one Aho-Corasick automaton plus lookup tables, cached on disk."""

from __future__ import annotations

import datetime
import functools
import hashlib
import re
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import ahocorasick
from negotiation_watch.store.extract.cache import cache_file, read_pickle, write_pickle
from negotiation_watch.store.extract.fold import fold_pattern, fold_words
from negotiation_watch.store.extract.interactions import CompiledActions, compile_actions
from negotiation_watch.store.extract.taxonomy import Rule, Taxonomy

PARTY_LAYER, TRACK_LAYER = 0, 1
# Target kinds; a target is (kind, id, role).
PARTY, PERSON, OFFICE, NOT, TRACK, TRIGGER = "party", "person", "office", "not", "track", "trigger"
LAYER = {PARTY: PARTY_LAYER, PERSON: PARTY_LAYER, OFFICE: PARTY_LAYER, NOT: PARTY_LAYER,
         TRACK: TRACK_LAYER, TRIGGER: TRACK_LAYER}
PARTY_ROLES = ("aliases", "demonyms", "metonyms", "institutions")


@dataclass
class CompiledRule:
    track: str
    near: re.Pattern | None
    unless: re.Pattern | None
    window: int
    parties: frozenset[str]
    any_party: frozenset[str]
    not_party: frozenset[str]
    after: datetime.date | None
    before: datetime.date | None
    support: bool = False


@dataclass
class TriggerRules:
    """One trigger's rules, indexed by the parties they need: "talks" has eighteen, and an
    article naming two parties reads only the few those parties can satisfy."""

    free: tuple[tuple[int, CompiledRule], ...]  # (place in the data's order, rule) needing no party
    by_party: dict[str, tuple[tuple[int, CompiledRule], ...]]
    free_rules: tuple[CompiledRule, ...] = ()  # the free ones alone, the answer when no party adds any

    @classmethod
    def of(cls, rules: list[CompiledRule]) -> TriggerRules:
        free, by_party = [], {}
        for place, rule in enumerate(rules):
            # A rule needing all of several parties is found through one of them; one
            # needing any of several, through each.
            keys = [min(rule.parties)] if rule.parties else sorted(rule.any_party)
            if not keys:
                free.append((place, rule))
            for party in keys:
                by_party.setdefault(party, []).append((place, rule))
        return cls(tuple(free), {party: tuple(found) for party, found in by_party.items()},
                   tuple(rule for _, rule in free))

    def possible(self, parties: set[str]) -> tuple[CompiledRule, ...]:
        """The rules these parties may satisfy, in the data's order (which decides evidence order)."""
        added = [self.by_party[party] for party in parties if party in self.by_party]
        if not added:
            return self.free_rules
        found = dict(self.free)
        for rules in added:
            found.update(rules)
        return tuple(found[place] for place in sorted(found))


@dataclass
class CompiledTrap:
    near: re.Pattern | None
    next: tuple[str, ...]  # folded words that may follow, each with its space after: "w "
    prev: tuple[str, ...]  # folded words that may come before, each with its space before: " w"
    window: int


@dataclass
class Matcher:
    version: str
    automaton: ahocorasick.Automaton
    party_names: dict[str, str]
    track_names: dict[str, str]
    track_members: dict[str, frozenset[str]]
    office_party: dict[str, str]
    office_holders: dict[str, list[tuple[datetime.date | None, datetime.date | None, str]]]
    person_party: dict[str, str]
    person_terms: dict[str, list[tuple[datetime.date | None, datetime.date | None, str]]]
    rules: dict[str, TriggerRules] = field(default_factory=dict)  # trigger key -> its rules
    party_context: dict[str, re.Pattern] = field(default_factory=dict)  # party -> words confirming its acronyms
    venue_before: tuple[str, ...] = ()  # folded words before a seat, each with its space before: " w"
    venue_after: tuple[str, ...] = ()  # folded words after a seat, each with its space after: "w "
    actions: CompiledActions | None = None  # the interaction finder's forms and cues


def matcher_for(taxonomy: Taxonomy) -> Matcher:
    """The taxonomy's compiled matcher: memory, then the disk cache, then a fresh build."""
    if taxonomy._matcher is not None:
        return taxonomy._matcher
    path = _cache_path(taxonomy.version)
    matcher = _read_cache(path, taxonomy.version)
    if matcher is None:
        matcher = build_matcher(taxonomy)
        write_pickle(path, matcher)
    taxonomy._matcher = matcher
    return matcher


def build_matcher(taxonomy: Taxonomy) -> Matcher:
    """Every string the taxonomy knows, folded, in one automaton keyed ' phrase '."""
    patterns = _Patterns(taxonomy.suppressed, taxonomy.spellings)
    _add_parties(patterns, taxonomy)
    _add_offices(patterns, taxonomy)
    for person in taxonomy.people.values():
        for name in [person.name, *person.aliases]:
            patterns.add(name, (PERSON, person.id, "name"))
        for name in person.exact:
            patterns.add(name, (PERSON, person.id, "name"), exact=True)
    rules: dict[str, list[CompiledRule]] = {}
    for track in taxonomy.tracks.values():
        for alias in track.aliases:  # not the display name: "Coalition of the willing" needs its rule
            patterns.add(alias, (TRACK, track.id, "alias"))
        for phrase in track.support:
            patterns.add(phrase, (TRACK, track.id, "support"))
        for rule in track.rules:
            compiled = _compile_rule(track.id, rule)
            for trigger in rule.trigger:
                key = fold_pattern(trigger)[0]  # the trigger's target names its key, to find its rules
                if patterns.add(trigger, (TRIGGER, key, "trigger")):
                    rules.setdefault(key, []).append(compiled)
    traps = _compile_traps(taxonomy)
    actions = compile_actions(taxonomy)
    automaton = ahocorasick.Automaton()
    for key, variants in patterns.variants.items():
        # The value carries what a hit needs: key length, variants, the traps guarding the
        # key, and the action form it also is (one pass over a text finds both).
        spaced = f" {key} "
        automaton.add_word(spaced, (len(key) + 2, tuple(variants), tuple(traps.get(key, ())),
                                    actions.forms.get(spaced)))
    for spaced, form in actions.forms.items():
        if spaced not in automaton:
            automaton.add_word(spaced, (len(spaced), (), (), form))
    automaton.make_automaton()
    return Matcher(
        version=taxonomy.version,
        automaton=automaton,
        party_names={p.id: p.name for p in taxonomy.parties.values()},
        track_names={t.id: t.name for t in taxonomy.tracks.values()},
        track_members={t.id: frozenset(t.members) for t in taxonomy.tracks.values()},
        office_party={o.id: o.party for o in taxonomy.offices.values()},
        office_holders=_office_holders(taxonomy),
        person_party={p.id: p.party for p in taxonomy.people.values()},
        person_terms={
            p.id: [(t.start, t.end, taxonomy.offices[t.office].party) for t in p.offices]
            for p in taxonomy.people.values()
        },
        rules={key: TriggerRules.of(found) for key, found in rules.items()},
        party_context={p.id: _words_re(p.context) for p in taxonomy.parties.values() if p.context},
        venue_before=tuple(dict.fromkeys(" " + fold_words(w) for w in taxonomy.venue_before)),
        venue_after=tuple(dict.fromkeys(fold_words(w) + " " for w in taxonomy.venue_after)),
        actions=actions,
    )


class _Patterns:
    """Folded key -> [(capital positions, lower-case positions or None, target, final dots, layer)]."""

    def __init__(self, suppressed: set[str], spellings: list[list[str]] = ()) -> None:
        self.suppressed = {fold_pattern(s)[0] for s in suppressed}
        self.variants: dict[str, list] = {}
        # Each group's spellings as whole words ("ceasefire|cease-fire|cease fire"), any case.
        self.spellings = [(_any_word(group), group) for group in spellings]
        self.any_spelling = _any_word([v for group in spellings for v in group]) if spellings else None
        self.group_of = {v.lower(): index for index, group in enumerate(spellings) for v in group}

    def add(self, surface: str, target: tuple[str, str, str], exact: bool = False, respell: bool = True) -> str | None:
        """Add the surface and, unless exact, its other spellings ("cease-fire" for
        "ceasefire"); returns the surface's own key, or None when it is suppressed."""
        key = self._add_one(surface, target, exact)
        if key is not None and respell and not exact:
            for other in self._respelt(surface):
                self._add_one(other, target, exact)
        return key

    def _respelt(self, surface: str) -> list[str]:
        """The surface with each spelling group's other variants, in every combination."""
        if self.any_spelling is None:
            return []
        found = {self.group_of[m.group(0).lower()] for m in self.any_spelling.finditer(surface)}
        if not found:
            return []  # most strings hold no variant: one search says so
        forms = [surface]
        for pattern, group in (self.spellings[index] for index in sorted(found)):
            forms += [pattern.sub(variant, form) for form in list(forms) if pattern.search(form)
                      for variant in group]
        return [form for form in dict.fromkeys(forms) if form != surface]

    def _add_one(self, surface: str, target: tuple[str, str, str], exact: bool) -> str | None:
        key, uppers, kept = fold_pattern(surface)
        if not key or key in self.suppressed:
            return None
        lowers = tuple(i for i, c in enumerate(kept) if c.islower()) if exact else None
        # A final "." ("U.S.") folds away; evidence takes it back when the text has it.
        tail = surface[len(surface.rstrip(".")):]
        variant = (uppers, lowers, target, tail, LAYER[target[0]])
        bucket = self.variants.setdefault(key, [])
        if variant not in bucket:
            bucket.append(variant)
        return key


def _any_word(words: list[str]) -> re.Pattern:
    """Any of the words as a whole word, in any case."""
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(r"(?<!\w)(?:" + alternatives + r")(?!\w)", re.IGNORECASE)


def _add_parties(patterns: _Patterns, taxonomy: Taxonomy) -> None:
    for party in taxonomy.parties.values():
        # "?" marks an ambiguous string: the matcher applies its trap rules to it.
        ambiguous = set(party.ambiguous)
        # A party with context words has acronyms that need them ("RSF", "M23", "ELN").
        acronyms = set(party.exact) if party.context else set()
        listed = set()
        for role in PARTY_ROLES:
            for surface in getattr(party, role):
                listed.add(surface)
                if surface not in acronyms:
                    patterns.add(surface, (PARTY, party.id, f"?{role}" if surface in ambiguous else role))
        for surface in [party.name, *party.ambiguous]:
            if surface not in listed and surface not in acronyms:
                patterns.add(surface, (PARTY, party.id, "?aliases" if surface in ambiguous else "aliases"))
        for surface in party.exact:
            patterns.add(surface, (PARTY, party.id, "acronym" if surface in acronyms else "exact"), exact=True)
        for surface in party.not_:
            patterns.add(surface, (NOT, party.id, "not"))


def _add_offices(patterns: _Patterns, taxonomy: Taxonomy) -> None:
    """Titles as written, plus the role qualified by each of its party's names."""
    for office in taxonomy.offices.values():
        target = (OFFICE, office.id, "title")
        for title in office.titles:
            patterns.add(title, target)
        party = taxonomy.parties[office.party]
        roles = [office.role, *taxonomy.roles.get(office.role, [])]
        names = [_bare(n) for n in [party.name, *party.aliases, *party.demonyms] if n not in party.ambiguous]
        seats = [_bare(n) for n in party.metonyms]
        owners = [_bare(n) for n in [party.name, *party.aliases] if n not in party.ambiguous] + seats
        for role in roles:
            for name in names + seats:
                patterns.add(f"{name} {role}", target, respell=False)  # role variants list the spellings
            for owner in owners:
                for form in ("{o}'s {r}", "{r} of {o}", "{r} of the {o}", "{r} for {o}", "{r} for the {o}"):
                    patterns.add(form.format(o=owner, r=role), target, respell=False)


def _bare(name: str) -> str:
    """A name without a leading article, for building 'the Kremlin's spokesman'-like forms."""
    return name[4:] if name.lower().startswith("the ") else name


def _office_holders(taxonomy: Taxonomy) -> dict[str, list]:
    holders: dict[str, list] = {}
    for person in taxonomy.people.values():
        for tenure in person.offices:
            if taxonomy.offices[tenure.office].shared:
                continue  # a deputy's or envoy's title does not say which one
            holders.setdefault(tenure.office, []).append((tenure.start, tenure.end, person.id))
    for terms in holders.values():
        terms.sort(key=lambda t: t[0] or datetime.date.min)
    return holders


def _compile_rule(track: str, rule: Rule) -> CompiledRule:
    return CompiledRule(
        track=track,
        near=_words_re(rule.near),
        unless=_words_re(rule.unless),
        window=rule.window,
        parties=frozenset(rule.parties),
        any_party=frozenset(rule.any_party),
        not_party=frozenset(rule.not_party),
        after=rule.after,
        before=rule.before,
        support=rule.support,
    )


def _compile_traps(taxonomy: Taxonomy) -> dict[str, list[CompiledTrap]]:
    traps: dict[str, list[CompiledTrap]] = {}
    for trap in taxonomy.traps:
        compiled = CompiledTrap(
            near=_words_re(trap.near),
            next=tuple(fold_words(w) + " " for w in trap.next),
            prev=tuple(" " + fold_words(w) for w in trap.prev),
            window=trap.window,
        )
        for alias in trap.aliases:
            traps.setdefault(fold_pattern(alias)[0], []).append(compiled)
    return traps


def _words_re(words: list[str]) -> re.Pattern | None:
    """Any of the words as whole words in folded text (lower case, punctuation as spaces)."""
    folded = sorted({fold_words(w) for w in words if fold_words(w)}, key=len, reverse=True)
    if not folded:
        return None
    return re.compile("(?<![^ ])(?:" + "|".join(re.escape(w) for w in folded) + ")(?![^ ])")


def _cache_path(version: str) -> Path:
    """Keyed by the data's version and by this code, so a pickle never outlives its classes."""
    return cache_file(f"matcher-{version}-{_code_hash()}.pickle")


@functools.cache
def _code_hash() -> str:
    """This code, the automaton library and Python: what a pickle depends on besides data."""
    here = Path(__file__).parent
    blob = b"".join((here / name).read_bytes() for name in ("matcher.py", "fold.py", "extractor.py", "interactions.py"))
    blob += f"{sys.version}|{metadata.version('pyahocorasick')}".encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def _read_cache(path: Path, version: str) -> Matcher | None:
    """A cached matcher of this version, or None when missing, stale or unreadable."""
    matcher = read_pickle(path, Matcher)
    return matcher if matcher is not None and matcher.version == version else None

