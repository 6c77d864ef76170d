"""Who did what to whom: the interactions a sentence states between parties already found.

A pure function of one field's text, the party and track spans the extractor read in it,
and the actions compiled from the taxonomy (store/taxonomy/actions.toml). For each form
that signals an action ("met", "rejected", "brokered"), the finder reads its source in the
party group before it and its targets in the group after it, within one clause of one
sentence, and drops what the words around it deny or only imagine:

- negation and hypotheticals ("did not meet", "may meet", "agreed to meet": the meeting is
  not stated; an infinitive right before a form states nothing);
- the passive ("was rejected by Ukraine": the agent after "by" is the source);
- reported speech ("the Kremlin said it rejected ..."): the speaker stays the source;
- -ing clauses ("..., accusing Kyiv of ...", "Blaming Hamas, Israel postponed ..."): the
  subject of the clause beside them acts;
- mediators ("Qatar mediated between Israel and Hamas", "an Egyptian-brokered truce"):
  the mediator is the source, the two sides the targets;
- nouns ("talks between A and B", "the A-B summit", "A's meeting with B", "A and B
  discussed ... in a phone call") for actions that list them, unless planned, denied or
  cancelled.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import NamedTuple

from negotiation_watch.store.extract.dateline import DATELINE
from negotiation_watch.store.extract.fold import fold_words

# Words that may stand between two mentions of one group ("Russia and Ukraine", "Russia's
# Lavrov", "Putin and his Turkish counterpart Erdogan"): anything else ends the group.
_JOINERS = frozenset(
    "'s ’s s' , and & / - – his her their its the counterpart counterparts president prime minister"
    " foreign defence defense leader leaders top chief envoy envoys officials delegation delegations government"
    " governments authorities forces army military negotiators diplomats".split()
)
_CONJUNCTIONS = frozenset(", and & / - –".split())
# A group right after one of these names a place or topic, not a party acted upon.
_PLACE_WORDS = frozenset(
    "in at near outside inside across over about on into through around within toward towards"
    " against for amid during regarding concerning under beyond".split()
)
# A group right after one of these belongs to the phrase before it ("the envoy to Ukraine").
_ATTACHING = _PLACE_WORDS | {"to"}
# Words an auxiliary chain may hold between a pronoun and a form in reported speech.
_AUXILIARIES = frozenset(
    "that had has have was were is are did does do been be being also already now then still again"
    " formally officially finally earlier later recently publicly openly firmly flatly once"
    " on monday tuesday wednesday thursday friday saturday sunday last this week month year"
    " yesterday today late early".split()
)
_BE = frozenset("was were is are been being be".split())
# In the sentence of a symmetric action with a target, its subjects acted apart ("separate deals").
_APART = re.compile(r"\b(?:separate|separately|respective|respectively|individually|each)\b", re.IGNORECASE)
# a plural agreement within a few words after the form: one each ("signed defence deals with")
_DEALS = re.compile(r"(?:\W+\w+){0,3}?\W+(?:deals|agreements|accords|pacts|treaties|documents|memoranda|contracts)\b",
                    re.IGNORECASE)
# What may join a verb to the previous verb's target when both share a subject.
_COORDINATION = frozenset(", and then but also later yet".split())
_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?|'s|’s|[^\sa-z0-9]")
# A sentence ends at . ! ? and spaces, but not after an initial ("U.S.", "J.") or a title
# or month shortened with a full stop ("Mr.", "Gen.", "Aug."); and at a line break.
# A full stop needs spaces after it ("3.5" and "U.S" are no end); a line break does not.
# (One character class first lets the regex engine skip ahead to the next candidate.)
_SENTENCE_END = re.compile(r"[.!?\n](?:(?<=\n)[.!?]*[\"'”’)\]]*\s*|(?<!\n)[.!?]*[\"'”’)\]]*\s+)")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st gen col lt sen rep gov prof jan feb mar apr aug sep sept oct nov dec no vs"
    " jr sr maj capt adm sgt cmdr amb pres".split()
)
_STOPS = frozenset(";:()[]?!.\"“”")
_FULL_STOP = re.compile(r"[.;:!?]")
# Before a verb form, these make it an adjective or a noun ("the agreed text", "a call on").
_DETERMINERS = tuple(f" {word} " for word in ("a", "an", "the", "its", "their", "his", "her"))
_APOSTROPHES = str.maketrans("'’", "  ")  # inside a gap: the gap crosses a clause or sentence
MAX_GAP_TOKENS = 9  # between a form and its source or target; a longer gap is a new thought
MAX_PHRASE_TAIL = 3  # words after a target that still belong to its phrase ("the Russian plan")
CLAUSE_REACH = 200  # characters before a form read for its clause's cues
LEAD_WORDS = 3  # words before a clause's opening word that a cue of several words may start with
_CLAUSE_BREAKS = frozenset(",;:()—–")
_QUOTES = frozenset("\"”’'")
MAX_SETTING_TAIL = 8  # words of place and time after a meeting's party ("in Busan on Thursday")
NEAR = 200  # characters each side of a form where its source and targets must be
# Where a noun of meeting is the setting of what its sentence's subjects do ("in a phone
# call", "during their talks"), and the words that may stand between it and the noun.
_SETTINGS = frozenset("in during at on".split())
_SETTING_WORDS = frozenset("a an the their his her video telephone bilateral".split())
MAX_SETTING_GAP = 12  # words between the sentence's subjects and the setting
# What may stand before "after meeting" opening a sentence: "A day after", "Minutes before".
_TIME_WORDS = frozenset("a an the one two three few day days hour hours minute minutes week weeks moments"
                        " shortly just only soon right".split())
# before a noun of meeting that is worth reading without a party beside it
_SETTING_BEFORE = re.compile(r"(?<!\w)(?:in|during|at|on)(?: (?:" + "|".join(sorted(_SETTING_WORDS)) + r")){0,2} $",
                             re.IGNORECASE)
_AFTER_BEFORE = re.compile(r"(?<!\w)(?:after|before) $", re.IGNORECASE)  # "after meeting Zelensky, ..."


class Interaction(NamedTuple):
    """One action stated in one sentence: source, targets, the sentence and the signal word."""

    action: str
    source: str
    targets: tuple[str, ...]
    track: str | None
    field: str
    start: int  # the sentence, as offsets into the field
    end: int
    text: str
    signal_start: int  # the form that signals the action
    signal_end: int
    symmetric: bool

    def to_json(self) -> dict:
        return {
            "action": self.action, "source": self.source, "targets": list(self.targets), "track": self.track,
            "evidence": {"field": self.field, "start": self.start, "end": self.end, "text": self.text},
            "signal": {"start": self.signal_start, "end": self.signal_end,
                       "text": self.text[self.signal_start - self.start:self.signal_end - self.start]},
        }


@dataclass
class CompiledActions:
    """The taxonomy's actions: their forms, which the matcher's automaton finds in the same
    pass as every other name (store/extract/matcher.py), plus the cue words as patterns."""

    forms: dict[str, tuple[int, str, bool, bool]]  # " form " -> (key length, action, is a noun, has a space)
    symmetric: frozenset[str]
    between: frozenset[str]
    unless: dict[str, re.Pattern]
    cues: dict[str, re.Pattern | None]
    cue_words: dict[str, frozenset[str]]  # the cues of one word, by kind: one token is looked up
    cue_ends: dict[str, frozenset[str]]  # the last words of the cues, by kind
    present: frozenset[str]  # first words of verb forms in the present tense ("accepts", "meet")

    def cue(self, kind: str, words: str) -> bool:
        """Whether folded `words` (" w w ") hold a cue of that kind."""
        pattern = self.cues.get(kind)
        return pattern is not None and pattern.search(words) is not None

    def cue_word(self, kind: str, word: str) -> bool:
        """Whether one token is a cue of that kind, as `cue` reads it ("it's" is "it s")."""
        if "'" in word or "’" in word:
            return self.cue(kind, _spaced([word]))
        return word in self.cue_words.get(kind, ())


def compile_actions(taxonomy) -> CompiledActions:
    """Every action's forms, keyed as the matcher's automaton keys a phrase (the first
    action listing a form has it)."""
    forms: dict[str, tuple[int, str, bool, bool]] = {}
    for action in taxonomy.actions.values():
        for listed, noun in ((action.verbs, False), (action.nouns, True)):
            for form in listed:
                key = fold_words(form)
                if key:
                    forms.setdefault(f" {key} ", (len(key) + 2, action.id, noun, " " in key))
    return CompiledActions(
        forms=forms,
        symmetric=frozenset(a.id for a in taxonomy.actions.values() if a.symmetric),
        between=frozenset(a.id for a in taxonomy.actions.values() if a.between),
        unless={a.id: _words_re(a.unless) for a in taxonomy.actions.values() if a.unless},
        cues={kind: _words_re(words) for kind, words in taxonomy.cues.items()},
        cue_words={kind: frozenset(w for w in map(fold_words, words) if w and " " not in w)
                   for kind, words in taxonomy.cues.items()},
        cue_ends={kind: frozenset(w.split()[-1] for w in map(fold_words, words) if w)
                  for kind, words in taxonomy.cues.items()},
        present=_present_tense({fold_words(form).split()[0] for action in taxonomy.actions.values()
                                for form in action.verbs if fold_words(form)}),
    )


def _present_tense(first_words: set[str]) -> frozenset[str]:
    """The forms' first words that are in the present tense: those whose third person the
    forms also list ("accept" beside "accepts") and those third persons; "accepted" and
    "met" are past."""
    third = {w for w in first_words if (w.endswith("s") and w[:-1] in first_words)
             or (w.endswith("es") and w[:-2] in first_words)}
    return frozenset(third | {w for w in first_words if w + "s" in third or w + "es" in third})


def _words_re(words: list[str]) -> re.Pattern | None:
    folded = sorted({fold_words(w) for w in words if fold_words(w)}, key=len, reverse=True)
    if not folded:
        return None
    return re.compile(" (?:" + "|".join(re.escape(w) for w in folded) + ") ")


class _Group(NamedTuple):
    """Party mentions read as one noun phrase: "Russia and Ukraine", "Russia's Lavrov"."""

    start: int
    end: int
    members: tuple[str, ...]  # distinct parties, in reading order
    joined: bool  # two parties joined by a conjunction or a hyphen
    # the members joined only by apposition or a possessive ("Afghanistan's Taliban
    # government") name one side: they never pair up with each other
    sides: tuple[frozenset[str], ...] = ()


class _Form(NamedTuple):
    start: int
    end: int
    action: str
    noun: bool


@dataclass
class _Sentence:
    start: int
    end: int
    groups: list[_Group]
    tracks: list[tuple[int, int, str]]
    pairs: bool  # it names two parties or more
    mentions: list[tuple[int, int, str]]  # the parties' spans, sorted
    names: bool  # capitalised words are names, not a headline's custom (see _named_between)


def find_interactions(compiled: CompiledActions, field: str, text: str, folded: str,
                      form_hits: list[tuple[int, tuple]], span,
                      parties: list[tuple[int, int, str]], tracks: list[tuple[int, int, str]],
                      article_track: tuple[str, frozenset[str]] | None) -> list[Interaction]:
    """The interactions stated in one field. `form_hits` are the automaton's hits of
    action forms in `folded`, the field folded between two spaces (" w w "), as (end,
    form's value in `compiled.forms`); `span(fs, fe)` maps folded offsets back to
    `text`; `parties` and `tracks` are
    (start, end, id) spans into `text`; `article_track` is (id, members) of the one track
    of an article that has only one: a sentence that names no track is in it when the
    track's members include every party of the interaction."""
    if not form_hits or len({p for _, _, p in parties}) < 2:
        return []
    forms = _forms(text, folded, form_hits, span)
    if not forms:
        return []
    parties = sorted(parties)
    starts = [p[0] for p in parties]
    ends = {p[1] for p in parties}
    ids = [p[2] for p in parties]
    forms = [f for f in forms if _worth_reading(text, f, ids, starts, ends)]
    if not forms:
        return []
    bounds = _sentence_bounds(text, forms[-1].start)
    low = _lowered(text)
    sentences: dict[int, _Sentence] = {}
    found: list[Interaction] = []
    acted_on = None  # (target group, sources) of the last form read with a target: a next verb may share them
    for form in forms:
        number = bisect.bisect_right(bounds, form.start) - 1
        sentence = sentences.get(number)
        if sentence is None:
            sentence = sentences[number] = _sentence(text, low, bounds, number, parties, starts, tracks,
                                                     field != "title")
        if not sentence.pairs:
            continue  # fewer than two parties: nothing between parties to read
        reader = _Reader(compiled, text, low, sentence, form, forms)
        pairs = reader.read_noun() if form.noun else reader.read_verb(acted_on)
        if pairs is None:
            continue
        sources, targets, target_group = pairs
        if target_group is not None:
            acted_on = (target_group, sources)
        track = _track_for(sentence, form) or _members_track(article_track, sources, targets)
        found.extend(_emit(compiled, field, text, sentence, form, sources, targets, track))
    return _unique(found)


def _forms(text: str, folded: str, form_hits: list[tuple[int, tuple]], span) -> list[_Form]:
    """Form hits in `text` order, the longest where several overlap, none across a full
    stop, and no verb after an article ("the proposed deal", "a call on Monday": an
    adjective or a noun)."""
    hits = []
    for end, (keylen, action, noun, words) in form_hits:
        if not noun and folded.endswith(_DETERMINERS, 0, end - keylen + 2):
            continue
        start, stop = span(end - keylen + 1, end - 1)
        # a full stop folds to a space: only a form of several words can hold one
        if words and _FULL_STOP.search(text, start, stop) is not None:
            continue
        hits.append((start, -stop, action, noun))
    hits.sort()  # by start, the longest first (two hits never share both ends)
    kept: list[_Form] = []
    reach = -1
    for start, stop, action, noun in hits:
        if start >= reach:
            reach = -stop
            kept.append(_Form(start, reach, action, noun))
    return kept


def _worth_reading(text: str, form: _Form, ids: list[str], starts: list[int], ends: set[int]) -> bool:
    """A cheap first look: two parties near the form, and for a noun the words it needs."""
    if form.noun and not (text.startswith((" between", " with"), form.end)
                          or any(form.start - gap in ends for gap in (0, 1, 3))
                          or _SETTING_BEFORE.search(text, max(0, form.start - 40), form.start)
                          or text.startswith("Meeting", form.start)  # opening its sentence
                          or (text[form.start:form.end].lower() == "meeting"
                              and _AFTER_BEFORE.search(text, max(0, form.start - 8), form.start))):
        return False
    near = ids[bisect.bisect_left(starts, form.start - NEAR):bisect.bisect_left(starts, form.end + NEAR)]
    return len(set(near)) >= 2


def _sentence_bounds(text: str, until: int) -> list[int]:
    """Start offsets of the field's sentences (0 first), up to the first after `until`:
    the sentences after the last form's are never read."""
    starts = [0]
    for match in _SENTENCE_END.finditer(text):
        stop = match.start()
        if text[stop] == ".":
            word = text[text.rfind(" ", 0, stop) + 1:stop]
            if len(word) <= 1 or "." in word or word.lower() in _ABBREVIATIONS:
                continue
        if match.end() < len(text):
            starts.append(match.end())
            if match.end() > until:
                break
    return starts


def _sentence(text: str, low: str | None, bounds: list[int], number: int, parties, starts: list[int],
              tracks, names: bool) -> _Sentence:
    """Sentence `number` with its party groups; `parties` sorted, `starts` their offsets."""
    start = bounds[number]
    end = bounds[number + 1] if number + 1 < len(bounds) else len(text)
    while end > start and text[end - 1].isspace():
        end -= 1
    first, last = bisect.bisect_left(starts, start), bisect.bisect_left(starts, end)
    if last - first < 2:  # one mention or none: no list needed to see it
        return _Sentence(start, end, [], [], False, [], names)
    inside = [p for p in parties[first:last] if p[1] <= end]
    if len({p[2] for p in inside}) < 2:
        return _Sentence(start, end, [], [], False, [], names)
    within = [t for t in tracks if start <= t[0] and t[1] <= end]
    return _Sentence(start, end, _groups(text, low, inside, names), within, True, inside, names)


def _groups(text: str, low: str | None, parties: list[tuple[int, int, str]], names: bool) -> list[_Group]:
    """Join neighbouring mentions into groups; mentions inside one another merge; with
    `names`, also across the names of their officials ("Iran's Defence Minister Aziz
    Nasirzadeh and his Malaysian counterpart")."""
    groups: list[_Group] = []
    for start, end, party in parties:
        if groups:
            last = groups[-1]
            if start < last.end:  # one span inside another ("Brussels" for EU and NATO)
                members = last.members + (party,) * (party not in last.members)
                sides = last.sides[:-1] + (last.sides[-1] | {party},)
                groups[-1] = _Group(last.start, max(end, last.end), members, last.joined, sides)
                continue
            words = _words(text, low, last.end, start)
            if all(w in _JOINERS for w in words) or (names and "and" in words
                                                      and _named_between(text, last.end, start, words)):
                conjoined = any(w in _CONJUNCTIONS for w in words)
                joined = last.joined or (party not in last.members and conjoined)
                members = last.members + (party,) * (party not in last.members)
                sides = last.sides + (frozenset({party}),) if conjoined else (
                    last.sides[:-1] + (last.sides[-1] | {party},))
                groups[-1] = _Group(last.start, end, members, joined, sides)
                continue
        groups.append(_Group(start, end, (party,), False, (frozenset({party}),)))
    return groups


def _named_between(text: str, start: int, end: int, words: list[str]) -> bool:
    """Between two mentions joined by "and", only joiners and capitalised words: the names
    and ranks of officials the data does not know ("Brigadier General Ahmad Vahidi")."""
    return len(words) <= MAX_GAP_TOKENS + 3 and all(
        piece[0].isupper() or piece.lower().strip(",") in _JOINERS for piece in text[start:end].split())


def _words(text: str, low: str | None, start: int, end: int) -> list[str]:
    """The tokens of text[start:end], lower case, read in `low`, the lowered field, unless
    lowering moved its offsets (a letter like "İ" lowers to two)."""
    if low is None:
        return _TOKEN.findall(text[start:end].lower())
    return _TOKEN.findall(low, start, end)


def _lowered(text: str) -> str | None:
    low = text.lower()
    return low if len(low) == len(text) else None


def _spaced(words: list[str]) -> str:
    """Tokens (lower case already) as the cue patterns read them: " w w ", apostrophes as
    spaces, as the folded cue words have them ("didn't" is "didn t")."""
    return " " + " ".join(words).translate(_APOSTROPHES) + " "


class _Reader:
    """Reads one form's source and targets in its sentence."""

    def __init__(self, compiled: CompiledActions, text: str, low: str | None, sentence: _Sentence, form: _Form,
                 forms: list[_Form]) -> None:
        self.compiled, self.text, self.low, self.sentence, self.form, self.forms = \
            compiled, text, low, sentence, form, forms

    # ------------------------------------------------------------------ verbs

    def read_verb(self, previous) -> tuple | None:
        """(sources, targets, target group) for a verb form, or None when it states nothing."""
        form, compiled = self.form, self.compiled
        if form.action not in compiled.symmetric and self.sentence.groups[-1].start < form.end \
                and not self._each_other(form.end) and self._addressee(form) is None:
            return None  # a one-sided action with no party after it has no target: it states nothing
        lead, before = self._clause(form.start)
        if self._denied(before) or self._opened_by("hypothetical", lead) or (before and before[-1] == "to") \
                or _infinitive(before):
            return None
        if self._condition(lead, before):
            return None
        if self._hearsay(form.start):
            return None
        agent = self._agent_before(form.start)  # "Egyptian-brokered", "US-proposed"
        subject = agent or self._subject(form.start) or self._participle_subject(form, previous) \
            or self._spliced_subject(form)
        inherited = self._coordinated(previous, form.start)
        target, gap = self._target(form.end)
        if compiled.unless.get(form.action) and self._other_sense(form, gap or [], target):
            return None
        if target is None:
            target = self._addressee(form)
        core = [w for w in gap or () if w not in ("the", "a", "an")]
        if target is not None and core[-1:] == ["by"] and not agent and (core == ["by"] or _passive(before)):
            # the passive: the agent after "by" acts on the subject ("was rejected by Ukraine")
            after, _ = self._target(target.end, between_only=True)
            subject, target = target, after if after is not None else subject
        if inherited is not None:
            sources = inherited
        elif subject is None:
            return None
        else:
            sources = subject.members
        if target is not None:
            target = self._more_targets(target)
        if self._each_other(form.end):
            return sources, ("*",), None
        return sources, target.members if target else (), target

    def _addressee(self, form: _Form) -> _Group | None:
        """"Hamas tells Egypt and Qatar it accepts their truce proposal": "their" right after
        the form stands for those the speaker addressed, the group before the pronoun."""
        if self.text[form.end:form.end + 7].lower() != " their ":
            return None
        before = [g for g in self.sentence.groups if g.end <= form.start]
        if len(before) < 2:
            return None
        speaker, addressed = before[-2], before[-1]
        words = _words(self.text, self.low, addressed.end, form.start)
        if words and self.compiled.cue_word("pronoun", words[0]) and self._told(speaker, addressed):
            return addressed
        return None

    def _told(self, speaker: _Group, addressed: _Group) -> bool:
        """Whether the words between two groups report speech: "Hamas tells Egypt and Qatar"."""
        between = _words(self.text, self.low, speaker.end, addressed.start)
        return bool(between) and self.compiled.cue("report", _spaced(between))

    def _coordinated(self, previous, position: int) -> tuple[str, ...] | None:
        """"Russia met Turkey and then signed a deal", "Ukraine rejected the Russian plan but
        accepted ...": a verb right after the previous verb's target (and the rest of its
        phrase), joined by "and" or "but", has the previous verb's subject."""
        if previous is None:
            return None
        group, sources = previous
        if group.end > position:
            return None
        words = _words(self.text, self.low, group.end, position)
        joint = max((i for i, w in enumerate(words) if w in ("and", "but")), default=-1)
        if joint < 0 or not set(words[joint + 1:]) <= _COORDINATION:
            return None
        phrase = words[:joint]  # "plan", "offer ,": the target's phrase, no other clause's words
        if len(phrase) > MAX_PHRASE_TAIL or any(w in _STOPS for w in phrase) or phrase.count(",") > 1 \
                or (phrase and self.compiled.cue("clause", _spaced(phrase))):
            return None
        return sources

    def _hearsay(self, position: int) -> bool:
        """The form sits in a clause after "claims that", "denied that": not stated as fact."""
        if self.low is not None and self.low.find("that", self.sentence.start, position) < 0:
            return False  # no "that" in the letters, so none among the tokens
        words = _words(self.text, self.low, self.sentence.start, position)
        if "that" not in words:
            return False
        index = len(words) - 1 - words[::-1].index("that")
        between = words[index + 1:]
        if any(w in _STOPS or w == "," for w in between):
            return False
        return self.compiled.cue("hearsay", _spaced(words[max(0, index - 2):index]))

    def _more_targets(self, target: _Group) -> _Group:
        """"spoke with Putin and then with Zelensky": a second target after the same preposition."""
        for group in self.sentence.groups:
            if group.start >= target.end:
                words = _words(self.text, self.low, target.end, group.start)
                if words and set(words) <= _COORDINATION | {"with", "to"} and set(words) & {"with", "to"} \
                        and set(words) & {"and", "then"}:
                    members = target.members + tuple(m for m in group.members if m not in target.members)
                    return _Group(target.start, group.end, members, True, target.sides + group.sides)
                return target
        return target

    def _clause(self, position: int) -> tuple[list[str], list[str]]:
        """The words leading into the form's clause, ending with the word that opens it
        ("as long as", "when"; none after punctuation or at the sentence's start), and the
        tokens from there to `position` (or the last few dozen words: a clause that starts
        further back says nothing about the form)."""
        words = _words(self.text, self.low, max(self.sentence.start, position - CLAUSE_REACH), position)
        clause = self.compiled.cue_words.get("clause", ())  # a token has no apostrophe a cue has
        for index in range(len(words) - 1, -1, -1):
            word = words[index]
            if word in _CLAUSE_BREAKS and index != len(words) - 1:
                return [], words[index + 1:]
            if word in clause:
                lead = words[max(0, index - LEAD_WORDS):index + 1]
                while lead[:-1] and not set(lead[:-1]).isdisjoint(_CLAUSE_BREAKS):
                    lead = lead[1:]  # the lead-in stays within the clause before
                return lead, words[index + 1:]
        return [], words

    def _denied(self, before: list[str]) -> bool:
        phrase = _spaced(before[-6:])
        return self.compiled.cue("negation", phrase) or self.compiled.cue("hypothetical", phrase)

    def _condition(self, lead: list[str], before: list[str]) -> bool:
        """"only when the US accepts", "as long as they agree": a present-tense form in a
        clause of condition or time states what is to happen ("when Russia signed" stays a fact)."""
        if not self._opened_by("condition", lead) and not self.compiled.cue("condition", _spaced(before[-6:])):
            return False
        words = _words(self.text, self.low, self.form.start, self.form.end)
        return bool(words) and words[0] in self.compiled.present

    def _opened_by(self, kind: str, lead: list[str]) -> bool:
        """Whether a cue of that kind ends with the word opening the clause: "when", "as
        soon as", "provided that" (a clause word, "as" or "that", cuts the clause there)."""
        if not lead or lead[-1] not in self.compiled.cue_ends.get(kind, ()):
            return False
        pattern = self.compiled.cues[kind]
        return any(pattern.fullmatch(_spaced(lead[-size:])) for size in range(1, len(lead) + 1))

    def _agent_before(self, position: int) -> _Group | None:
        """A party joined to the form by a hyphen: "Qatari-brokered", "US-drafted"."""
        for group in reversed(self.sentence.groups):
            if group.end <= position:
                return group if self.text[group.end:position] in ("-", "–") else None
        return None

    def _subject(self, position: int) -> _Group | None:
        """The nearest group before the form that can be its subject, also across reported
        speech ("Moscow said it had rejected ...")."""
        candidates = [g for g in self.sentence.groups if g.end <= position]
        for index in range(len(candidates) - 1, -1, -1):
            group = candidates[index]
            words = _words(self.text, self.low, group.end, position)
            if words and self.compiled.cue_word("pronoun", words[0]):
                # "Hamas tells Egypt and Qatar it accepts ...": the speaker, not the addressee
                speaker = candidates[index - 1] if index else None
                return speaker if speaker is not None and self._told(speaker, group) else None
            if self._plain_gap(words, left=True):
                if self._attached(group) or self._bystander(group):
                    continue  # "the envoy to Ukraine met ...": look further left
                if index and _object_tail(words) and self._object_of_verb(candidates[index - 1], group):
                    return candidates[index - 1]  # "the EU summoned Russia's envoy and accused ..."
                return group
            return group if self._reported(words) or _relative(words) else None
        return None

    def _object_of_verb(self, subject: _Group, group: _Group) -> bool:
        """Whether `group` is the object of a verb the data does not list, right after
        `subject`: "The EU summoned Russia's envoy" (one word, in the past tense)."""
        words = _words(self.text, self.low, subject.end, group.start)
        return len(words) in (1, 2) and words[0].endswith("ed") and words[1:] in ([], ["the"])

    def _participle_subject(self, form: _Form, previous) -> _Group | None:
        """An -ing form opening a clause of its own has the subject of the clause beside it:
        "Moscow dismissed the report, accusing London ..." and "Zelensky met Trump, blaming
        Russia ..." (the one before, not its object); "Pezeshkian said Iran had ..., blaming
        the US" (the speaker, not the reported clause's subject); "Condemning the strikes,
        Tehran's spokesman said ..." (the one after)."""
        if not self.text[form.start:form.end].lower().endswith("ing"):
            return None
        if self._opens_sentence(form.start):
            return self._subject_after_phrase(form)
        nearest = next((g for g in reversed(self.sentence.groups) if g.end <= form.start), None)
        if nearest is None:
            return None
        words = _words(self.text, self.low, nearest.end, form.start)
        while words and words[-1] in _QUOTES:
            words.pop()  # '... international law," blaming'
        if words[-1:] != [","] or "," in words[:-1]:
            return None
        if previous is not None and previous[0] == nearest:
            return _Group(nearest.start, nearest.end, previous[1], len(previous[1]) > 1)
        speaker = self._speaker_before(nearest)
        if speaker is not None:
            return speaker
        gap = words[:-1]  # "Moscow dismissed the report" or the speaker's "Russia said"
        spoke = len(gap) == 1 and self.compiled.cue_word("report", gap[0])
        return nearest if (spoke or self._plain_gap(gap, left=True)) and not self._attached(nearest) else None

    def _own_start(self, position: int) -> int:
        """Where the sentence's own words begin before `position`: its start, or the end of
        the field's opening dateline ("TEHRAN, Aug. 13 (MNA) –")."""
        if self.sentence.start:
            return self.sentence.start
        dateline = DATELINE.match(self.text, 0, position)
        return dateline.end() if dateline is not None else 0

    def _spliced_subject(self, form: _Form) -> _Group | None:
        """In a headline, a verb right after a comma shares the subject that opens it:
        "Poland shoots down Russian drones, asks NATO for talks", "Trump says a deal is
        close, urges Tehran to act" (a headline's comma joins its verbs as "and" would)."""
        if self.sentence.names or not self.sentence.groups:
            return None  # body text, where a comma before a verb is seldom such a join
        opener = self.sentence.groups[0]
        if opener.end > form.start or not self._opens_sentence(opener.start):
            return None
        words = _words(self.text, self.low, opener.end, form.start)
        if len(words) < 3 or words[-1] != "," or "," in words[:-1] or len(words) > MAX_GAP_TOKENS + 3:
            return None
        if words[0] in _JOINERS or words[0] in _PREPOSITIONS or any(w in _STOPS for w in words):
            return None  # "Poland's army ...", "Talks in Geneva ...": no verb of the opener's
        said = 1 if self.compiled.cue_word("report", words[0]) else 0  # "Trump says ..., urges": still his
        if self.compiled.cue("clause", _spaced(words[said:-1])):
            return None  # "Russia, which ..., ", "... as talks stall, urges": another clause's verb
        return opener

    def _opens_sentence(self, position: int) -> bool:
        """Nothing but punctuation before `position` in its sentence, a dateline aside."""
        return not any(c.isalnum() for c in self.text[self._own_start(position):position])

    def _speaker_before(self, group: _Group) -> _Group | None:
        """The sentence's speaker when `group` is in what it reports: an earlier group whose
        first word after it (an official's title aside) reports speech ("Pezeshkian told")."""
        for speaker in self.sentence.groups:
            if speaker.end > group.start:
                return None
            words = _words(self.text, self.low, speaker.end, group.start)
            first = next((w for w in words if w not in _JOINERS), None)
            if first is not None and self.compiled.cue_word("report", first):
                return speaker
        return None

    def _subject_after_phrase(self, form: _Form) -> _Group | None:
        """"Condemning US threats, the spokesman for Iran's foreign ministry said ...": the
        first group after the participle's phrase, that phrase ending at a comma (a group
        across it, "by Israel, Egypt's minister", is read from the comma)."""
        comma = self.text.find(",", form.end, self.sentence.end)
        if comma < 0:
            return None
        after = [m for m in self.sentence.mentions if m[0] > comma]
        for group in _groups(self.text, self.low, after, self.sentence.names)[:1]:
            words = _words(self.text, self.low, comma + 1, group.start)
            if self._plain_gap(words, left=True) and not self._bystander(group):
                return group
        return None

    def _bystander(self, group: _Group) -> bool:
        """People of a state, not the state: "Polish farmers", "Russian and Ukrainian athletes"."""
        after = _words(self.text, self.low, group.end, group.end + 24)[:1]
        return bool(after) and self.compiled.cue_word("bystander", after[0])

    def _attached(self, group: _Group) -> bool:
        """The group is a preposition's object ("the US envoy to Ukraine")."""
        words = _words(self.text, self.low, max(self.sentence.start, group.start - 20), group.start)
        return bool(words) and words[-1] in _ATTACHING

    def _plain_gap(self, words: list[str], *, left: bool) -> bool:
        """Nothing between a group and the form that ends the clause or starts another thought."""
        if len(words) > MAX_GAP_TOKENS or any(w in _STOPS for w in words):
            return False
        if words.count(",") % 2 and (left or "," in words):
            return False
        if not left and "," in words:
            return False
        return not (words and self.compiled.cue("clause", _spaced(words)))

    def _reported(self, words: list[str]) -> bool:
        """Speaker, a reporting verb, then only "that", a pronoun and auxiliaries."""
        for index in range(len(words) - 1, -1, -1):
            if self.compiled.cue_word("report", words[index]):
                head, tail = words[:index], words[index + 1:]
                if len(head) > 4 or any(w in _STOPS or w == "," for w in head):
                    return False
                rest = [w for w in tail if w not in _AUXILIARIES]
                if rest and not self.compiled.cue_word("pronoun", rest[0]):
                    return False
                return len(rest) <= 1 or all(w in _AUXILIARIES for w in rest[1:])
        return False

    def _target(self, position: int, *, between_only: bool = False) -> tuple[_Group | None, list[str] | None]:
        """The first group after `position` that the form acts on, and the words before it."""
        for group in self.sentence.groups:
            if group.start < position:
                continue
            words = _words(self.text, self.low, position, group.start)
            if between_only and words != ["between"]:
                return None, None
            if not self._plain_gap(words, left=False) or self._crosses_form(position, group.start):
                return None, None
            if _last_preposition(words) in _PLACE_WORDS or self._bystander(group):
                continue  # "met in Turkey with ...": a venue; "met Polish farmers": not the state
            if _gerund_between(words):
                return None, None  # "accusing the West of arming Ukraine": the gerund's object
            if self._agent_of_form(group):
                return None, None  # "walked out of the EU-mediated talks": the EU did the mediating
            return group, words
        return None, None

    def _agent_of_form(self, group: _Group) -> bool:
        after = group.end + 1
        return self.text[group.end:after] in ("-", "–") and any(f.start == after for f in self.forms)

    def _after_meeting(self) -> tuple[_Group, _Group] | None:
        """"After meeting Zelensky, Trump says ...", "A day after meeting Lee in Gyeongju,
        Trump said ...", "Meeting Xi in Busan, Trump said ...": (whom, who) when "meeting"
        opens the sentence, alone or after "after" or "before", and the subject follows the
        phrase's comma."""
        form, text = self.form, self.text
        if text[form.start:form.end].lower() != "meeting":
            return None
        before = [w for w in _words(text, self.low, self._own_start(form.start), form.start) if w not in _CLAUSE_BREAKS]
        if before and (before[-1] not in ("after", "before")
                       or not all(w in _TIME_WORDS or w.isdigit() for w in before[:-1])):
            return None
        comma = text.find(",", form.end, self.sentence.end)
        phrase = [m for m in self.sentence.mentions if form.end <= m[0] and m[1] <= comma]
        other = next(iter(_groups(text, self.low, phrase, self.sentence.names)), None)
        if other is None or not all(w in _JOINERS or w == "with"  # "meeting President Lee"
                                    for w in _words(text, self.low, form.end, other.start)):
            return None
        if not before and not _setting_tail(text, self.low, other.end, comma):
            return None  # "Meeting Xi was a priority, Trump said": the gerund is a noun there
        subject = self._subject_after_phrase(form)  # the first group after that comma
        return (other, subject) if subject is not None else None

    def _setting_subject(self) -> _Group | None:
        """"Putin and Erdogan discussed Syria in a phone call", "In a call on Sunday, Araghchi
        and his Omani counterpart ...": the noun is where the sides opening the sentence met."""
        form, text = self.form, self.text
        before = _words(text, self.low, max(self.sentence.start, form.start - 24), form.start)[-3:]
        place = next((i for i in range(len(before) - 1, -1, -1) if before[i] in _SETTINGS), None)
        if place is None or not set(before[place + 1:]) <= _SETTING_WORDS or (before[place] == "on" and
                                                                              place == len(before) - 1):
            return None  # "in a video call", "during their meeting", "on the call"; not "agreed on talks"
        subject = self.sentence.groups[0]
        if not subject.joined or len(subject.sides) < 2:
            return None
        if subject.start < form.start:
            between = _words(text, self.low, subject.end, form.start)
            if not self._opens_sentence(subject.start) or len(between) > MAX_SETTING_GAP \
                    or any(w in _STOPS for w in between):
                return None
            spaced = _spaced(between)
            if any(self.compiled.cue(kind, spaced) for kind in ("negation", "hypothetical", "planned")):
                return None  # "Russia and Ukraine could agree in talks", "... did not speak during the call"
            return subject
        # the setting opens the sentence and ends at a comma: "In a phone call on Sunday, A and B ..."
        lead = text[self._own_start(subject.start):subject.start].strip()
        if lead[:1].isupper() and lead.endswith(",") and lead.count(",") == 1 and \
                lead.split(None, 1)[0].lower() in _SETTINGS:
            return subject
        return None

    def _verb_in_clause(self, position: int, words: int) -> bool:
        """A verb form among the clause's last `words` tokens before `position`."""
        start = position
        for _ in range(words):
            start = self.text.rfind(" ", self.sentence.start, start - 1)
            if start < self.sentence.start:
                start = self.sentence.start
                break
        return any(start <= f.start and f.end <= position and not f.noun for f in self.forms)

    def _crosses_form(self, start: int, end: int) -> bool:
        """Another verb form between the form and a group, other than an infinitive ("refused to sign")."""
        for other in self.forms:
            if start <= other.start and other.end <= end and not other.noun:
                words = _words(self.text, self.low, start, other.start)
                if not words or words[-1] != "to":
                    return True
        return False

    def _other_sense(self, form: _Form, gap: list[str], target: _Group | None) -> bool:
        """Words that make the form mean something else ("met the demands of ...")."""
        after = []
        if target is not None and self.text.startswith(("'s", "’s"), target.end):
            after = _words(self.text, self.low, target.end, target.end + 40)[1:3]
        elif target is None:
            after = _words(self.text, self.low, form.end, form.end + 40)[:3]
        return self.compiled.unless[form.action].search(_spaced(gap + after)) is not None

    def _each_other(self, position: int) -> bool:
        rest = _words(self.text, self.low, position, position + 16)[:2]
        return rest in (["each", "other"], ["one", "another"])

    # ------------------------------------------------------------------ nouns

    def read_noun(self) -> tuple | None:
        """"talks between A and B", "the A-B summit", "A's meeting with B", "After meeting
        B, A ...", "A and B discussed ... in a phone call"."""
        form, text = self.form, self.text
        met = None  # (whom, who) when the noun is "after meeting B, A ..."
        after = _words(text, self.low, form.end, form.end + 12)
        left = next((g for g in reversed(self.sentence.groups) if g.end <= form.start), None)
        adjacent = left is not None and _words(text, self.low, left.end, form.start) in ([], ["'s"], ["’s"])
        if after[:1] == ["between"]:
            sides, _ = self._target(form.end, between_only=True)
            if sides is None or len(sides.members) < 2:
                return None
            phrase_start, phrase_end = form.start, sides.end
            sources, targets = sides.members[:1], sides.members[1:]
        elif adjacent and left.joined and len(left.members) >= 2:
            phrase_start, phrase_end = left.start, form.end
            sources, targets = left.members[:1], left.members[1:]
        elif adjacent and after[:1] == ["with"]:
            other, _ = self._target(form.end)
            if other is None:
                return None
            phrase_start, phrase_end = left.start, other.end
            sources, targets = left.members, other.members
        elif (met := self._after_meeting()) is not None:
            other, subject = met
            phrase_start, phrase_end = form.start, other.end
            sources, targets = subject.members, other.members
        elif (subject := self._setting_subject()) is not None:
            other, _ = self._target(form.end) if after[:1] == ["with"] else (None, None)
            phrase_start, phrase_end = min(subject.start, form.start), max(subject.end, (other or form).end)
            sources, targets = (subject.members, other.members) if other else (subject.members[:1], subject.members[1:])
        else:
            return None
        _, clause = self._clause(phrase_start)
        before = clause[-4:]
        if self.compiled.cue("planned", _spaced(before)) or self.compiled.cue("negation", _spaced(before)):
            return None
        if "to" in before[-3:] or self._verb_in_clause(phrase_start, len(clause)):
            return None  # "offered to host a summit between ...", "rejected talks with ...": not held
        # what follows the phrase, up to its comma when it opens the sentence (the main clause's
        # "could" is not the meeting's)
        reach = text.find(",", phrase_end, phrase_end + 60) if met is not None else -1
        following = _spaced(_words(text, self.low, phrase_end, reach if reach >= 0 else phrase_end + 60)[:6])
        if self.compiled.cue("cancel", following) or self.compiled.cue("planned", following):
            return None
        if len(sources) == 1 and not targets:
            return None
        return sources, targets, None


def _setting_tail(text: str, low: str | None, start: int, end: int) -> bool:
    """text[start:end] says only where or when ("in Busan", "at the White House on Monday"),
    or nothing."""
    words = _words(text, low, start, end)
    pieces = text[start:end].split()
    return len(words) <= MAX_SETTING_TAIL and (not words or words[0] in _PLACE_WORDS) and all(
        piece[0].isupper() or piece[0].isdigit() or piece.lower() in _PLACE_WORDS or piece.lower() in _TIME_WORDS
        for piece in pieces)


_PREPOSITIONS = _PLACE_WORDS | {"with", "to", "from", "by", "between", "of"}


def _last_preposition(words: list[str]) -> str | None:
    """The preposition nearest the end of a gap: it decides what the group after it is."""
    for word in reversed(words):
        if word in _PREPOSITIONS:
            return word
    return None


def _gerund_between(words: list[str]) -> bool:
    """"of" and an -ing word in the gap ("of arming"): what comes next is that word's
    object, not the form's ("the Coalition of the Willing" is a name)."""
    return any(a == "of" and len(b) > 4 and b.endswith("ing") for a, b in zip(words, words[1:]))


def _object_tail(words: list[str]) -> bool:
    """"and", after at most two words of a noun phrase ("ambassador and"): the group
    before them may be an object, and the verb after "and" its verb's fellow."""
    return words[-1:] == ["and"] and len(words) <= 3 and all(w.isalpha() and not w.endswith("ed") for w in words[:-1])


def _relative(words: list[str]) -> bool:
    """"Qatar, which has mediated ...", "EU leaders who accused ...": the relative clause's
    subject is the group before "which" or "who"."""
    core = [w for w in words if w not in _AUXILIARIES]
    return bool(core) and core[-1] in ("which", "who") and all(w in _JOINERS for w in core[:-1])


def _passive(before: list[str]) -> bool:
    """A form of "to be" among the last words before the form: "was flatly rejected"."""
    return any(w in _BE for w in before[-3:])


def _infinitive(before: list[str]) -> bool:
    """"to" and an adverb right before the form: "agreed to formally sign"."""
    return len(before) >= 2 and before[-2] == "to" and before[-1].endswith("ly")


def _track_for(sentence: _Sentence, form: _Form) -> str | None:
    """The sentence's track nearest the form, if it names one."""
    if not sentence.tracks:
        return None
    return min(sentence.tracks, key=lambda t: abs(t[0] - form.start))[2]


def _members_track(article_track, sources: tuple[str, ...], targets: tuple[str, ...]) -> str | None:
    if article_track is None:
        return None
    track, members = article_track
    return track if {*sources, *targets} - {"*"} <= members else None


def _same_side(sentence: _Sentence) -> set[frozenset[str]]:
    """Pairs of parties that one of the sentence's groups names as one side."""
    return {frozenset({a, b}) for g in sentence.groups for side in g.sides for a in side for b in side if a != b}


def _emit(compiled: CompiledActions, field: str, text: str, sentence: _Sentence, form: _Form,
          sources: tuple[str, ...], targets: tuple[str, ...], track: str | None,
          ) -> list[Interaction]:
    """One interaction per source; a symmetric action also pairs up its subjects, with a
    target or without (but not two names of one side: "Afghanistan's Taliban government")."""
    symmetric = form.action in compiled.symmetric
    evidence = (field, sentence.start, sentence.end, text[sentence.start:sentence.end], form.start, form.end)
    out = []
    if targets == ("*",):  # "accused each other"
        for source in sources:
            others = tuple(p for p in sources if p != source)
            if others:
                out.append(Interaction(form.action, source, others, track, *evidence, symmetric))
        return out
    paired: set[frozenset[str]] = set()
    if symmetric and len(sources) > 1 and not (targets and _separately(text, form, sentence)):
        # "Israel and Hamas agree on the first phase of Trump's plan": with each other too
        one_side = _same_side(sentence)
        for index, source in enumerate(sources[:-1]):
            partners = tuple(p for p in sources[index + 1:] if frozenset({source, p}) not in one_side)
            if partners:
                paired.update(frozenset({source, p}) for p in partners)
                out.append(Interaction(form.action, source, partners, track, *evidence, symmetric))
    for source in sources:
        aimed = tuple(t for t in targets if t != source and (not paired or frozenset({source, t}) not in paired))
        if aimed:
            out.append(Interaction(form.action, source, aimed, track, *evidence, symmetric))
    return out


def _separately(text: str, form: _Form, sentence: _Sentence) -> bool:
    """"signed separate documents with Turkey", "each signed ...", "signed defence deals
    with the US": the subjects acted with the target, not with one another."""
    return (_APART.search(text, sentence.start, sentence.end) is not None
            or _DEALS.match(text, form.end, sentence.end) is not None)


def _unique(found: list[Interaction]) -> list[Interaction]:
    seen = set()
    out = []
    for item in found:
        key = (item.action, item.source, item.targets, item.field, item.start)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out
