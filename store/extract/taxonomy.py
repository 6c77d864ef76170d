"""Load the taxonomy TOML files (bundled plus the user's taxonomy.d) into one checked Taxonomy."""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from negotiation_watch.store.extract.cache import cache_file, read_pickle, write_pickle

BUNDLED_DIR = Path(__file__).parent.parent / "taxonomy"  # store/taxonomy/, the shipped knowledge
# Bump when the matcher's behaviour changes, so stored articles get re-tagged.
MATCHER_VERSION = "7"

PARTY_KINDS = ("state", "organisation", "nonstate")
# Fields a user override extends rather than replaces.
EXTENDED_FIELDS = {"aliases", "demonyms", "metonyms", "institutions", "offices", "support", "context",
                   "verbs", "nouns", "unless"}
# What a [[cue]] says about the words that signal an action (store/extract/interactions.py).
CUE_KINDS = ("negation", "hypothetical", "condition", "planned", "report", "clause", "pronoun", "cancel", "hearsay",
             "bystander")

STR, STRS, DATE, INT, BOOL, OFFICES, RULES = "str", "strs", "date", "int", "bool", "offices", "rules"
SCHEMAS: dict[str, dict[str, str]] = {
    "party": {
        "id": STR, "kind": STR, "name": STR, "aliases": STRS, "demonyms": STRS,
        "metonyms": STRS, "institutions": STRS, "exact": STRS, "ambiguous": STRS, "not": STRS,
        "context": STRS,
    },
    "office": {"id": STR, "party": STR, "name": STR, "role": STR, "titles": STRS, "shared": BOOL,
               "wikidata": STR},
    "person": {"id": STR, "name": STR, "aliases": STRS, "exact": STRS, "party": STR, "offices": OFFICES},
    "track": {"id": STR, "name": STR, "aliases": STRS, "support": STRS, "members": STRS, "rule": RULES},
    "trap": {"aliases": STRS, "near": STRS, "next": STRS, "prev": STRS, "window": INT},
    "role": {"name": STR, "variants": STRS},
    "venue": {"before": STRS, "after": STRS},
    "spelling": {"variants": STRS},
    "action": {"id": STR, "name": STR, "symmetric": BOOL, "between": BOOL, "verbs": STRS, "nouns": STRS,
               "unless": STRS},
    "cue": {"kind": STR, "words": STRS},
}
REQUIRED = {
    "party": ("id", "kind", "name"),
    "office": ("id", "party", "role"),
    "person": ("id", "name", "party"),
    "track": ("id", "name"),
    "trap": ("aliases",),
    "role": ("name", "variants"),
    "venue": (),
    "spelling": ("variants",),
    "action": ("id", "verbs"),
    "cue": ("kind", "words"),
}
TENURE_SCHEMA = {"office": STR, "start": DATE, "end": DATE}
RULE_SCHEMA = {
    "trigger": STRS, "near": STRS, "unless": STRS, "window": INT, "parties": STRS, "any_party": STRS,
    "not_party": STRS, "after": DATE, "before": DATE, "support": BOOL,
}
SUPPRESS_SCHEMA = {"aliases": STRS}
KEYED_TABLES = ("party", "office", "person", "track", "action")


@dataclass
class Party:
    id: str
    kind: str
    name: str
    aliases: list[str] = field(default_factory=list)
    demonyms: list[str] = field(default_factory=list)
    metonyms: list[str] = field(default_factory=list)
    institutions: list[str] = field(default_factory=list)
    exact: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)
    not_: list[str] = field(default_factory=list)
    # Words that confirm the party's acronyms (`exact`): without one of them, or another
    # name of the party, in the article, an acronym alone ("RSF", "M23") names nothing.
    context: list[str] = field(default_factory=list)


@dataclass
class Office:
    id: str
    party: str
    name: str
    role: str
    titles: list[str] = field(default_factory=list)
    shared: bool = False  # several holders at once: a title names the party, not a person
    wikidata: str = ""  # the Wikidata position ("Q11696") `knowledge update` asks about


@dataclass
class Tenure:
    office: str
    start: datetime.date | None
    end: datetime.date | None


@dataclass
class Person:
    id: str
    name: str
    party: str
    aliases: list[str] = field(default_factory=list)
    exact: list[str] = field(default_factory=list)  # matched only exactly as written ("Xi")
    offices: list[Tenure] = field(default_factory=list)


@dataclass
class Rule:
    """A context rule: an ambiguous trigger names the track only with this context."""

    trigger: list[str]
    near: list[str] = field(default_factory=list)  # one of these within the window
    unless: list[str] = field(default_factory=list)  # none of these within the window
    window: int = 100  # characters each side of the trigger; 0 means the whole article
    parties: list[str] = field(default_factory=list)  # all of these tagged in the article
    any_party: list[str] = field(default_factory=list)  # at least one of these
    not_party: list[str] = field(default_factory=list)  # none of these
    after: datetime.date | None = None
    before: datetime.date | None = None
    support: bool = False  # its evidence supports a track named otherwise, never creates one


@dataclass
class Track:
    id: str
    name: str
    aliases: list[str] = field(default_factory=list)
    # Generic phrases ("package of measures", "20-point plan"): evidence for the track only
    # when other evidence in the article names it.
    support: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)


@dataclass
class Trap:
    """Context that says an alias names something else (the US state, a first name...)."""

    aliases: list[str]
    near: list[str] = field(default_factory=list)
    next: list[str] = field(default_factory=list)
    prev: list[str] = field(default_factory=list)
    window: int = 120


@dataclass
class Action:
    """Something one party does to another ("meet", "reject"), and the words that say so."""

    id: str
    name: str
    verbs: list[str] = field(default_factory=list)  # forms read with a source before and a target after
    nouns: list[str] = field(default_factory=list)  # "talks": read with "between A and B" or "A-B talks"
    unless: list[str] = field(default_factory=list)  # words between a form and its target that mean another sense
    symmetric: bool = False  # the pair, unordered ("meet", "agree")
    between: bool = False  # the source acts between the targets ("mediate")


@dataclass
class Taxonomy:
    parties: dict[str, Party] = field(default_factory=dict)
    offices: dict[str, Office] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    tracks: dict[str, Track] = field(default_factory=dict)
    traps: list[Trap] = field(default_factory=list)
    roles: dict[str, list[str]] = field(default_factory=dict)  # role -> variant spellings
    venue_before: list[str] = field(default_factory=list)  # words before a seat that make it a venue
    venue_after: list[str] = field(default_factory=list)  # words after a seat: a venue or document name
    spellings: list[list[str]] = field(default_factory=list)  # groups of spellings of one word
    actions: dict[str, Action] = field(default_factory=dict)
    cues: dict[str, list[str]] = field(default_factory=dict)  # cue kind -> words
    suppressed: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    version: str = ""
    _matcher: Any = field(default=None, repr=False, compare=False)


class _Invalid(Exception):
    """One entry or value that cannot be used; the message is the reason."""


def load_taxonomy(user_dir: Path | None = None) -> Taxonomy:
    """Bundled files merged with user_dir/*.toml; bad files and entries become problems."""
    return load_taxonomy_paths(BUNDLED_DIR, user_dir)


def load_taxonomy_paths(*paths: Path | None) -> Taxonomy:
    """Each TOML file, or each folder's *.toml in name order; later ones override earlier."""
    loader = _Loader()
    for file in _toml_files(paths):
        loader.read_file(file)
    return loader.build()


@functools.cache
def default_taxonomy() -> Taxonomy:
    """The taxonomy the app uses: bundled plus the config folder's taxonomy.d, loaded once
    per process, from the cache folder while its files are unchanged (reading and checking
    the TOML cost every fetch and launch ~0.1 s, and delayed a fetch's first parse)."""
    from negotiation_watch.store.config import taxonomy_override_dir

    files = _toml_files((BUNDLED_DIR, taxonomy_override_dir()))
    try:
        texts = [file.read_text(encoding="utf-8") for file in files]
    except (OSError, UnicodeDecodeError):  # the loader reports which file and why
        return load_taxonomy_paths(*files)
    cached = cache_file(f"taxonomy-{_files_hash(files, texts)}.pickle")
    taxonomy = read_pickle(cached, Taxonomy)
    if taxonomy is None:
        loader = _Loader()
        for file, text in zip(files, texts):
            loader.read_text(file, text)  # the very text hashed: an edit meanwhile makes another key
        taxonomy = loader.build()
        write_pickle(cached, taxonomy)
    return taxonomy


def _toml_files(paths: tuple[Path | None, ...]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path is not None:
            files += sorted(path.glob("*.toml")) if path.is_dir() else [path] if path.is_file() else []
    return files


def _files_hash(files: list[Path], texts: list[str]) -> str:
    """The files (names and contents), this module and Python: what a pickle depends on."""
    digest = hashlib.sha256(Path(__file__).read_bytes() + sys.version.encode())
    for file, text in zip(files, texts):
        digest.update(f"\0{file}\0{len(text)}\0".encode())
        digest.update(text.encode("utf-8"))
    return digest.hexdigest()[:16]


class _Loader:
    """Collects raw entries file by file, merging overrides, then checks references."""

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, dict]] = {table: {} for table in KEYED_TABLES}
        # (table, id) -> [(merged entry, "path:line" of its writer)], oldest first: a bad
        # override falls back to the version before it instead of losing the entry.
        self.versions: dict[tuple[str, str], list[tuple[dict, str]]] = {}
        self.traps: list[dict] = []
        self.roles: dict[str, list[str]] = {}
        self.venue: dict[str, list[str]] = {"before": [], "after": []}
        self.spellings: list[list[str]] = []
        self.cues: dict[str, list[str]] = {}
        self.suppressed: list[str] = []
        self.problems: list[str] = []

    def read_file(self, path: Path) -> None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.problems.append(f"{path}:1: cannot read: {exc}")
            return
        self.read_text(path, text)

    def read_text(self, path: Path, text: str) -> None:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            line = re.search(r"line (\d+)", str(exc))
            self.problems.append(f"{path}:{line.group(1) if line else 1}: not valid TOML: {exc}")
            return
        for table, value in data.items():
            self._read_table(path, text, table, value)

    def _read_table(self, path: Path, text: str, table: str, value: Any) -> None:
        if table == "suppress":
            self._read_suppress(path, text, value)
            return
        if table not in SCHEMAS or not isinstance(value, list):
            line = _line_of(text, rf"^[ \t]*\[*[ \t]*{re.escape(table)}\b")
            self.problems.append(f"{path}:{line}: unknown table {table!r}")
            return
        lines = _header_lines(text, table)
        for index, entry in enumerate(value):
            line = lines[index] if len(lines) == len(value) else _id_line(text, entry)
            where = f"{path}:{line}"
            try:
                clean = _check_entry(table, entry)
            except _Invalid as exc:
                self.problems.append(f"{where}: {table} {_label(entry)}: {exc}")
                continue
            self._add(table, clean, where)

    def _read_suppress(self, path: Path, text: str, value: Any) -> None:
        line = _line_of(text, r"^[ \t]*\[[ \t]*suppress[ \t]*\]")
        try:
            clean = _check_fields(value, SUPPRESS_SCHEMA)
        except _Invalid as exc:
            self.problems.append(f"{path}:{line}: suppress: {exc}")
            return
        self.suppressed.extend(clean.get("aliases", []))

    def _add(self, table: str, entry: dict, where: str) -> None:
        if table == "trap":
            self.traps.append(entry)
            return
        if table == "role":
            self.roles[entry["name"]] = entry["variants"]
            return
        if table == "cue":
            words = self.cues.setdefault(entry["kind"], [])
            words.extend(w for w in entry["words"] if w not in words)
            return
        if table == "spelling":
            self.spellings.append(entry["variants"])
            return
        if table == "venue":
            for side in ("before", "after"):
                self.venue[side] += [w for w in entry.get(side, []) if w not in self.venue[side]]
            return
        known = self.entries[table].get(entry["id"])
        merged = _merge(known, entry) if known else entry
        self.entries[table][entry["id"]] = merged
        self.versions.setdefault((table, entry["id"]), []).append((merged, where))

    def build(self) -> Taxonomy:
        tax = Taxonomy(problems=self.problems)
        raw = self.entries
        builders = (self._build_party, self._build_office, self._build_person, self._build_track, self._build_action)
        for table, builder in zip(KEYED_TABLES, builders, strict=True):
            for entry_id in list(raw[table]):
                for entry, where in reversed(self.versions[(table, entry_id)]):
                    if self._complete(table, entry, where) and builder(tax, entry, where):
                        raw[table][entry_id] = entry
                        break
                else:
                    del raw[table][entry_id]
        tax.traps = [Trap(**entry) for entry in self.traps]
        tax.roles = dict(self.roles)
        tax.cues = {kind: list(words) for kind, words in self.cues.items()}
        tax.venue_before, tax.venue_after = list(self.venue["before"]), list(self.venue["after"])
        tax.spellings = [list(group) for group in self.spellings]
        tax.suppressed = set(self.suppressed)
        tax.version = _version(raw, self.traps, self.roles, self.venue, self.spellings, sorted(tax.suppressed),
                               self.cues)
        return tax

    def _complete(self, table: str, entry: dict, where: str) -> bool:
        """A new id from an override must still carry every required field."""
        lacking = [name for name in REQUIRED[table] if name not in entry]
        if lacking:
            self.problems.append(f"{where}: {table} {entry['id']!r}: missing field {lacking[0]!r}")
        return not lacking

    def _missing(self, where: str, table: str, entry_id: str, what: str, ref: str) -> None:
        self.problems.append(f"{where}: {table} {entry_id!r}: {what} {ref!r} does not exist")

    def _build_party(self, tax: Taxonomy, entry: dict, where: str) -> bool:
        values = dict(entry)
        values["not_"] = values.pop("not", [])
        tax.parties[entry["id"]] = Party(**values)
        return True

    def _build_office(self, tax: Taxonomy, entry: dict, where: str) -> bool:
        if entry["party"] not in tax.parties:
            self._missing(where, "office", entry["id"], "party", entry["party"])
            return False
        tax.offices[entry["id"]] = Office(**{"name": entry["id"], **entry})
        return True

    def _build_person(self, tax: Taxonomy, entry: dict, where: str) -> bool:
        if entry["party"] not in tax.parties:
            self._missing(where, "person", entry["id"], "party", entry["party"])
            return False
        tenures = []
        for tenure in entry.get("offices", []):
            if tenure["office"] not in tax.offices:
                self._missing(where, "person", entry["id"], "office", tenure["office"])
                continue
            tenures.append(Tenure(tenure["office"], tenure.get("start"), tenure.get("end")))
        tax.people[entry["id"]] = Person(**{**entry, "offices": tenures})
        return True

    def _build_track(self, tax: Taxonomy, entry: dict, where: str) -> bool:
        members = []
        for member in entry.get("members", []):
            if member in tax.parties:
                members.append(member)
            else:
                self._missing(where, "track", entry["id"], "member", member)
        rules = []
        for rule in entry.get("rule", []):
            rule = self._known_rule_parties(tax, entry["id"], rule, where)
            if rule is not None:
                rules.append(Rule(**rule))
        values = {k: v for k, v in entry.items() if k != "rule"}
        tax.tracks[entry["id"]] = Track(**{**values, "members": members, "rules": rules})
        return True

    def _build_action(self, tax: Taxonomy, entry: dict, where: str) -> bool:
        tax.actions[entry["id"]] = Action(**{"name": entry["id"], **entry})
        return True

    def _known_rule_parties(self, tax: Taxonomy, track: str, rule: dict, where: str) -> dict | None:
        """Unknown ids are reported; they void a rule that requires them, else are dropped."""
        rule = dict(rule)
        for key in ("parties", "any_party", "not_party"):
            for party in rule.get(key, []):
                if party not in tax.parties:
                    self._missing(where, "track", track, f"rule {key}", party)
                    if key == "parties":
                        return None
            known = [p for p in rule.get(key, []) if p in tax.parties]
            if key == "any_party" and rule.get(key) and not known:
                return None
            rule[key] = known
        return rule


def _check_entry(table: str, entry: Any) -> dict:
    """The entry with checked types; raises _Invalid naming the first thing wrong."""
    clean = _check_fields(entry, SCHEMAS[table])
    if table == "party" and "kind" in clean and clean["kind"] not in PARTY_KINDS:
        raise _Invalid(f"kind must be one of {', '.join(PARTY_KINDS)}")
    if table == "cue" and "kind" in clean and clean["kind"] not in CUE_KINDS:
        raise _Invalid(f"kind must be one of {', '.join(CUE_KINDS)}")
    if table == "action" and "id" in clean and not re.fullmatch(r"[a-z][a-z0-9-]*", clean["id"]):
        raise _Invalid("id must be a lower-case word (letters, digits, '-')")
    for name in REQUIRED[table]:
        if name not in clean:
            # An override of a known id may leave fields out; the merge step fills them.
            if name != "id" and "id" in clean and table in KEYED_TABLES:
                continue
            raise _Invalid(f"missing field {name!r}")
    return clean


def _check_fields(entry: Any, schema: dict[str, str]) -> dict:
    if not isinstance(entry, dict):
        raise _Invalid("must be a table")
    clean = {}
    for name, value in entry.items():
        if name not in schema:
            raise _Invalid(f"unknown field {name!r}")
        clean[name] = _check_value(name, value, schema[name])
    return clean


def _check_value(name: str, value: Any, kind: str) -> Any:
    if kind == STR:
        if not isinstance(value, str) or not value.strip():
            raise _Invalid(f"{name!r} must be a non-empty string")
        return value
    if kind == STRS:
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise _Invalid(f"{name!r} must be a list of non-empty strings")
        return value
    if kind == BOOL:
        if not isinstance(value, bool):
            raise _Invalid(f"{name!r} must be true or false")
        return value
    if kind == INT:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise _Invalid(f"{name!r} must be a whole number >= 0")
        return value
    if kind == DATE:
        return _check_date(name, value)
    if kind == OFFICES:
        if not isinstance(value, list):
            raise _Invalid(f"{name!r} must be a list of tables")
        tenures = [_check_fields(v, TENURE_SCHEMA) for v in value]
        for tenure in tenures:
            if "office" not in tenure:
                raise _Invalid("an office entry lacks 'office'")
            start, end = tenure.get("start"), tenure.get("end")
            if start and end and end < start:
                raise _Invalid(f"office {tenure['office']!r} ends before it starts")
        return tenures
    if kind == RULES:
        if not isinstance(value, list):
            raise _Invalid(f"{name!r} must be a list of tables")
        rules = [_check_fields(v, RULE_SCHEMA) for v in value]
        if not all(rule.get("trigger") for rule in rules):
            raise _Invalid("a rule lacks 'trigger'")
        return rules
    raise AssertionError(kind)


def _check_date(name: str, value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise _Invalid(f"{name!r} must be a date like 2022-01-27, not {value!r}")


def _merge(known: dict, override: dict) -> dict:
    """Listed fields replace the known ones, except the extended lists, which grow."""
    merged = dict(known)
    for name, value in override.items():
        if name == "offices" and name in merged:
            # Terms listed for an office replace the known terms of that office (a later
            # end date, a corrected start), so no stale open term stays beside them.
            listed = {tenure["office"] for tenure in value}
            merged[name] = [t for t in merged[name] if t["office"] not in listed] + value
        elif name in EXTENDED_FIELDS and name in merged:
            merged[name] = merged[name] + [v for v in value if v not in merged[name]]
        else:
            merged[name] = value
    return merged


def _header_lines(text: str, table: str) -> list[int]:
    pattern = re.compile(rf"^[ \t]*\[\[[ \t]*{re.escape(table)}[ \t]*\]\]", re.MULTILINE)
    return [text.count("\n", 0, m.start()) + 1 for m in pattern.finditer(text)]


def _line_of(text: str, pattern: str) -> int:
    match = re.search(pattern, text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def _id_line(text: str, entry: Any) -> int:
    entry_id = entry.get("id") if isinstance(entry, dict) else None
    if not isinstance(entry_id, str):
        return 1
    return _line_of(text, rf"\bid\s*=\s*[\"']{re.escape(entry_id)}[\"']")


def _label(entry: Any) -> str:
    entry_id = entry.get("id") if isinstance(entry, dict) else None
    return repr(entry_id) if isinstance(entry_id, str) else "entry"


def _version(*parts: Any) -> str:
    blob = json.dumps([MATCHER_VERSION, *parts], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]
