"""Consistency checks on the bundled offices and people: ids, dates, holders, aliases."""

import re
import tomllib
import unicodedata
from datetime import date
from itertools import combinations
from pathlib import Path

import pytest

TAXONOMY = Path(__file__).resolve().parent.parent / "store" / "taxonomy"
PARTY_ID = re.compile(r"^[A-Z][A-Z0-9]{1,15}$")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
OFFICE_FIELDS = {"id", "party", "name", "role", "titles", "shared", "wikidata"}
PERSON_FIELDS = {"id", "name", "aliases", "exact", "party", "offices"}
HOLDING_FIELDS = {"office", "start", "end"}
OPEN_END = date.max


def load(name):
    """Read one bundled taxonomy file."""
    with open(TAXONOMY / name, "rb") as handle:
        return tomllib.load(handle)


@pytest.fixture(scope="module")
def offices():
    return load("offices.toml")["office"]


@pytest.fixture(scope="module")
def people():
    return load("people.toml")["person"]


@pytest.fixture(scope="module")
def office_by_id(offices):
    return {office["id"]: office for office in offices}


def fold(text):
    """Fold case, diacritics and typographic apostrophes, as the matcher does."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def holdings(people):
    """Every (person, holding) pair in the data."""
    return [(person, held) for person in people for held in person.get("offices", [])]


def span(held):
    """The holding's dates as (start, end), an open end read as date.max."""
    end = held.get("end")
    return date.fromisoformat(held["start"]), date.fromisoformat(end) if end else OPEN_END


def test_office_fields_and_ids(offices):
    for office in offices:
        assert set(office) <= OFFICE_FIELDS, office["id"]
        assert {"id", "party", "name", "role"} <= set(office), office
        assert PARTY_ID.match(office["party"]), office["id"]
        party, _, slug = office["id"].partition(".")
        assert party == office["party"] and SLUG.match(slug), office["id"]
        assert isinstance(office.get("titles", []), list), office["id"]
        assert isinstance(office.get("shared", False), bool), office["id"]
        assert re.fullmatch(r"Q[1-9][0-9]*", office.get("wikidata", "Q1")), office["id"]
    ids = [office["id"] for office in offices]
    assert len(ids) == len(set(ids))


def test_wikidata_positions_name_one_office_each(offices):
    # `knowledge update` maps each position back to one office; a shared id would drop one.
    linked = [office["wikidata"] for office in offices if "wikidata" in office]
    assert len(linked) == len(set(linked))


def test_titles_name_one_office_each(offices):
    seen = {}
    for office in offices:
        for title in office.get("titles", []):
            assert fold(title) not in seen, (title, office["id"], seen.get(fold(title)))
            seen[fold(title)] = office["id"]


def test_person_fields_and_ids(people):
    for person in people:
        assert set(person) <= PERSON_FIELDS, person["id"]
        assert {"id", "name", "party", "offices"} <= set(person), person
        assert SLUG.match(person["id"]), person["id"]
        assert PARTY_ID.match(person["party"]), person["id"]
        for held in person["offices"]:
            assert set(held) <= HOLDING_FIELDS and "start" in held, (person["id"], held)
    ids = [person["id"] for person in people]
    assert len(ids) == len(set(ids))


def test_holdings_reference_existing_offices(people, office_by_id):
    for person, held in holdings(people):
        assert held["office"] in office_by_id, (person["id"], held["office"])


def test_every_office_has_a_holder(people, offices):
    held = {h["office"] for _, h in holdings(people)}
    assert [o["id"] for o in offices if o["id"] not in held] == []


def test_dates_are_iso_and_ordered(people):
    today = date.today()
    for person, held in holdings(people):
        for key in ("start", "end"):
            if key in held:
                assert ISO_DATE.match(held[key]), (person["id"], held)
        start, end = span(held)
        assert start <= end, (person["id"], held)
        assert start <= today, (person["id"], held)


def test_single_holder_offices_never_overlap(people, office_by_id):
    """A handover on one day is allowed: the outgoing end equals the incoming start."""
    by_office = {}
    for person, held in holdings(people):
        if not office_by_id[held["office"]].get("shared", False):
            by_office.setdefault(held["office"], []).append((person["id"], span(held)))
    for office, terms in by_office.items():
        for (who_a, (start_a, end_a)), (who_b, (start_b, end_b)) in combinations(terms, 2):
            assert not (start_a < end_b and start_b < end_a), (office, who_a, who_b)


def test_no_name_or_alias_is_shared(people):
    owner = {}
    for person in people:
        strings = [person["name"], *person.get("aliases", []), *person.get("exact", [])]
        for text in {fold(s) for s in strings}:
            assert owner.setdefault(text, person["id"]) == person["id"], (text, owner[text], person["id"])


def test_aliases_are_clean(people):
    for person in people:
        aliases = person.get("aliases", [])
        assert len(aliases) == len(set(aliases)), person["id"]
        assert person["name"] not in aliases, person["id"]
        for alias in [*aliases, *person.get("exact", [])]:
            assert alias == alias.strip() and alias, person["id"]


def test_at_least_forty_parties_have_people(people, office_by_id):
    parties = {person["party"] for person in people}
    parties |= {office_by_id[h["office"]]["party"] for _, h in holdings(people)}
    assert len(parties) >= 40, sorted(parties)
