"""Officials from Wikidata: who held each office the taxonomy links to a Wikidata position,
from when to when, written as a user taxonomy file the extractor reads like any other.

The query is SPARQL over httpx ("position held", P39, with its start and end qualifiers);
an answer that cannot be trusted (a timeout, an error page, malformed JSON, two people
holding one single-holder office at once) raises KnowledgeError and nothing is written."""

from __future__ import annotations

import datetime
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import httpx

from negotiation_watch.store.extract.fold import fold_words
from negotiation_watch.store.extract.taxonomy import BUNDLED_DIR, Taxonomy, load_taxonomy_paths

ENDPOINT = "https://query.wikidata.org/sparql"
FILE_NAME = "officials-wikidata.toml"
TIMEOUT_SECONDS = 60.0
# Older tenures add nothing to today's news and make the answer ten times larger.
EARLIEST_END = "2000-01-01"
_QID = re.compile(r"^Q[1-9][0-9]*$")
_ENTITY = re.compile(r"^https?://www\.wikidata\.org/entity/(Q[1-9][0-9]*)$")
_TIME = re.compile(r"^\+?(\d{4})-(\d{2})-(\d{2})T")
QUERY = """SELECT ?position ?person ?personLabel ?start ?end WHERE {{
  VALUES ?position {{ {positions} }}
  ?person p:P39 ?held .
  ?held ps:P39 ?position .
  MINUS {{ ?held wikibase:rank wikibase:DeprecatedRank . }}
  OPTIONAL {{ ?held pq:P580 ?start . }}
  OPTIONAL {{ ?held pq:P582 ?end . }}
  FILTER(!BOUND(?end) || ?end >= "{earliest}T00:00:00Z"^^xsd:dateTime)
  ?person rdfs:label ?personLabel .
  FILTER(LANG(?personLabel) = "en")
}}
ORDER BY ?position ?start"""


class KnowledgeError(Exception):
    """The update cannot be trusted; the message says why. Nothing was changed."""


@dataclass(frozen=True)
class Holding:
    """One person's term in one office, as Wikidata states it."""

    office: str  # taxonomy office id
    person_qid: str
    label: str
    start: datetime.date | None
    end: datetime.date | None


def base_taxonomy(folder: Path) -> Taxonomy:
    """The knowledge without the officials file itself: what a new file is written against,
    so a person it added last time is added again, not mistaken for a shipped one."""
    others = sorted(path for path in folder.glob("*.toml") if path.name != FILE_NAME) if folder.is_dir() else []
    return load_taxonomy_paths(BUNDLED_DIR, *others)


def linked_offices(taxonomy: Taxonomy) -> dict[str, str]:
    """Wikidata position id -> taxonomy office id, for every office that names one."""
    return {office.wikidata: office.id for office in taxonomy.offices.values() if office.wikidata}


def build_query(positions: list[str]) -> str:
    """The SPARQL text asking for every holder of these positions since EARLIEST_END."""
    bad = [qid for qid in positions if not _QID.match(qid)]
    if bad:
        raise KnowledgeError(f"not a Wikidata item id: {bad[0]!r} (an office's wikidata must look like Q11696)")
    values = " ".join(f"wd:{qid}" for qid in sorted(positions))
    return QUERY.format(positions=values, earliest=EARLIEST_END)


def fetch_bindings(query: str, endpoint: str = ENDPOINT, timeout: float = TIMEOUT_SECONDS,
                   user_agent: str = "negotiation-watch") -> list[dict]:
    """POST the query and return its result rows; every way the answer can fail is a KnowledgeError."""
    headers = {"Accept": "application/sparql-results+json", "User-Agent": user_agent}
    try:
        with httpx.Client(timeout=timeout, headers=headers, follow_redirects=True) as client:
            response = client.post(endpoint, data={"query": query})
    except httpx.TimeoutException:
        raise KnowledgeError(f"{endpoint} did not answer within {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise KnowledgeError(f"cannot reach {endpoint}: {exc}") from None
    return parse_answer(response.status_code, response.headers.get("content-type", ""), response.content, endpoint)


def parse_answer(status: int, content_type: str, body: bytes, endpoint: str) -> list[dict]:
    """The rows of a SPARQL JSON answer, or a KnowledgeError saying what came instead."""
    if status != 200:
        raise KnowledgeError(f"{endpoint} answered HTTP {status}: {_gist(body)}")
    if "json" not in content_type.lower():
        raise KnowledgeError(f"{endpoint} answered {content_type or 'no content type'}, not JSON: {_gist(body)}")
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise KnowledgeError(f"{endpoint} answered malformed JSON: {exc}") from None
    rows = data.get("results", {}).get("bindings") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise KnowledgeError(f"{endpoint} answered JSON without SPARQL results (results.bindings)")
    return rows


def _gist(body: bytes) -> str:
    """The start of an unexpected answer, as one short line of plain text."""
    text = re.sub(r"<[^>]*>", " ", body[:2000].decode("utf-8", "replace"))
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return (text[:120] + "...") if len(text) > 120 else (text or "(empty)")


def holdings(rows: list[dict], offices: dict[str, str]) -> list[Holding]:
    """Result rows as terms of taxonomy offices, checked field by field."""
    found = []
    for number, row in enumerate(rows, start=1):
        position = _entity(row, "position", number)
        if position not in offices:
            raise KnowledgeError(f"row {number}: position {position} was not asked for")
        label = _value(row, "personLabel", number)
        found.append(Holding(offices[position], _entity(row, "person", number), label,
                             _date(row, "start", number), _date(row, "end", number)))
    return sorted(set(found), key=lambda h: (h.office, h.start or datetime.date.min, h.person_qid))


def _value(row: dict, name: str, number: int) -> str:
    cell = row.get(name)
    if not isinstance(cell, dict) or not isinstance(cell.get("value"), str) or not cell["value"].strip():
        raise KnowledgeError(f"row {number}: {name} is missing")
    return cell["value"].strip()


def _entity(row: dict, name: str, number: int) -> str:
    match = _ENTITY.match(_value(row, name, number))
    if match is None:
        raise KnowledgeError(f"row {number}: {name} is not a Wikidata item: {row[name]['value'][:80]!r}")
    return match.group(1)


def _date(row: dict, name: str, number: int) -> datetime.date | None:
    if name not in row:
        return None
    value = _value(row, name, number)
    match = _TIME.match(value)
    try:
        return datetime.date(*map(int, match.groups())) if match else _bad_date(name, number, value)
    except ValueError:
        return _bad_date(name, number, value)


def _bad_date(name: str, number: int, value: str):
    raise KnowledgeError(f"row {number}: {name} is not a date: {value[:40]!r}")


def check_single_holders(found: list[Holding], taxonomy: Taxonomy) -> None:
    """Two people in one single-holder office at once is an error in the answer, not news."""
    by_office: dict[str, list[Holding]] = {}
    for holding in found:
        by_office.setdefault(holding.office, []).append(holding)
    for office, terms in by_office.items():
        if taxonomy.offices[office].shared:
            continue
        for earlier, later in zip(terms, terms[1:]):
            # A handover may fall on one day: the predecessor's end, the successor's start.
            overlaps = earlier.end is None or (later.start is not None and earlier.end > later.start)
            if overlaps and earlier.person_qid != later.person_qid:
                raise KnowledgeError(
                    f"{office}: {earlier.label} ({_span(earlier)}) and {later.label} ({_span(later)}) "
                    "hold it at once; nothing was changed")


def _span(holding: Holding) -> str:
    start = holding.start.isoformat() if holding.start else "?"
    return f"{start} to {holding.end.isoformat() if holding.end else 'now'}"


def officials_file(found: list[Holding], taxonomy: Taxonomy, fetched: datetime.datetime) -> str:
    """The user taxonomy file for these terms: known people keep their id, new ones get one."""
    people = _people_by_name(taxonomy)
    by_person: dict[str, list[Holding]] = {}
    for holding in found:
        by_person.setdefault(holding.person_qid, []).append(holding)
    lines = [
        "# Officials from Wikidata (position held, with start and end dates), written by",
        f"# `negotiation-watch knowledge update` on {fetched:%Y-%m-%d %H:%M} UTC.",
        "# Read and edit it like any taxonomy file; the next update writes it anew, so keep",
        "# your own corrections in a file of this folder whose name sorts after this one.",
        "# A person the shipped data knows keeps its id: the terms listed here replace that",
        "# person's shipped terms of the same office.",
        "",
    ]
    used: set[str] = set()
    for qid, terms in sorted(by_person.items(), key=lambda item: (item[1][0].office, item[1][0].label)):
        party = taxonomy.offices[terms[0].office].party
        known = people.get((fold_words(terms[0].label), party))
        lines.append(f"[[person]]  # {qid}")
        if known is None:
            person_id = _new_id(terms[0].label, qid, taxonomy, used)
            lines += [f"id = {_quote(person_id)}", f"name = {_quote(terms[0].label)}", f"party = {_quote(party)}"]
        else:
            person_id = known
            lines.append(f"id = {_quote(person_id)}")
        used.add(person_id)
        lines.append("offices = [")
        lines += [f"  {_tenure(term)}," for term in terms]
        lines += ["]", ""]
    return "\n".join(lines)


def _people_by_name(taxonomy: Taxonomy) -> dict[tuple[str, str], str]:
    """(folded name or alias, party) -> person id, to find a Wikidata label among known people."""
    known: dict[tuple[str, str], str] = {}
    for person in taxonomy.people.values():
        for name in [person.name, *person.aliases]:
            known.setdefault((fold_words(name), person.party), person.id)
    return known


def _new_id(label: str, qid: str, taxonomy: Taxonomy, used: set[str]) -> str:
    """A slug of the name, or of name and item id when the slug is taken."""
    slug = "-".join(fold_words(label).split()) or qid.lower()
    return slug if slug not in taxonomy.people and slug not in used else f"{slug}-{qid.lower()}"


def _tenure(term: Holding) -> str:
    parts = [f"office = {_quote(term.office)}"]
    if term.start:
        parts.append(f"start = {term.start.isoformat()}")
    if term.end:
        parts.append(f"end = {term.end.isoformat()}")
    return "{ " + ", ".join(parts) + " }"


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def write_file(folder: Path, text: str) -> bool:
    """Write the officials file atomically; False when it already says exactly this."""
    path = folder / FILE_NAME
    try:
        if _body(path.read_text(encoding="utf-8")) == _body(text):
            return False
    except (OSError, UnicodeDecodeError):
        pass
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return True


def _body(text: str) -> str:
    """The file without its comment lines: a new fetch date alone is no change."""
    return "\n".join(line for line in text.splitlines() if not line.startswith("#"))
