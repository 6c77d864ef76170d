"""Checks the bundled party data (states, organisations, non-state) against the contract."""

import re
import tomllib
import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest

TAXONOMY = Path(__file__).resolve().parents[1] / "store" / "taxonomy"
FILES = {"states.toml": "state", "organisations.toml": "organisation", "nonstate.toml": "nonstate"}
STRING_FIELDS = ("aliases", "demonyms", "metonyms", "institutions")
RULE_FIELDS = ("exact", "ambiguous", "not", "context")
ALLOWED_FIELDS = {"id", "kind", "name", *STRING_FIELDS, *RULE_FIELDS}

# ISO 3166-1 alpha-3 codes of the 193 UN member states.
UN_MEMBERS = """
AFG ALB DZA AND AGO ATG ARG ARM AUS AUT AZE BHS BHR BGD BRB BLR BEL BLZ BEN BTN BOL BIH
BWA BRA BRN BGR BFA BDI CPV KHM CMR CAN CAF TCD CHL CHN COL COM COG CRI CIV HRV CUB CYP
CZE PRK COD DNK DJI DMA DOM ECU EGY SLV GNQ ERI EST SWZ ETH FJI FIN FRA GAB GMB GEO DEU
GHA GRC GRD GTM GIN GNB GUY HTI HND HUN ISL IND IDN IRN IRQ IRL ISR ITA JAM JPN JOR KAZ
KEN KIR KWT KGZ LAO LVA LBN LSO LBR LBY LIE LTU LUX MDG MWI MYS MDV MLI MLT MHL MRT MUS
MEX FSM MDA MCO MNG MNE MAR MOZ MMR NAM NRU NPL NLD NZL NIC NER NGA MKD NOR OMN PAK PLW
PAN PNG PRY PER PHL POL PRT QAT KOR ROU RUS RWA KNA LCA VCT WSM SMR STP SAU SEN SRB SYC
SLE SGP SVK SVN SLB SOM ZAF SSD ESP LKA SDN SUR SWE CHE SYR TJK THA TLS TGO TON TTO TUN
TUR TKM TUV UGA UKR ARE GBR TZA USA URY UZB VUT VEN VNM YEM ZMB ZWE
""".split()
# Observer states, then Kosovo and Taiwan, which the contract adds.
EXTRA_STATES = ["VAT", "PSE", "XKX", "TWN"]

CONTRACT_ORGANISATIONS = """
NATO EU OSCE UN AU ASEAN IAEA G7 G20 ICRC LAS GCC OIC ECOWAS SADC EAC IGAD CSTO SCO BRICS
COE OAS CARICOM OPEC WTO IMF WBG ICC ICJ UNHCR WFP UNRWA EAEU
""".split()
CONTRACT_NONSTATE = "HAMAS HEZBOLLAH HOUTHIS TALIBAN M23 RSF TPLF ELN".split()

ID_PATTERNS = {
    "state": re.compile(r"[A-Z]{3}"),
    "organisation": re.compile(r"[A-Z][A-Z0-9]*"),
    "nonstate": re.compile(r"[A-Z][A-Z0-9]*"),
}


def fold_marks(text):
    """Fold diacritics and typographic apostrophes, as the matcher does; keep case."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text):
    """Fold marks, case and punctuation: the strictest comparison, for clashes between parties."""
    return " ".join(re.sub(r"[^\w]+", " ", fold_marks(text).casefold()).split())


def strings_of(party):
    """All strings by which a party may be named."""
    return [s for field in STRING_FIELDS for s in party.get(field, [])]


def contains_word(phrase, needle):
    """True when needle occurs in phrase as whole words (both folded)."""
    return f" {fold(needle)} " in f" {fold(phrase)} "


def load(name):
    """One bundled taxonomy file, parsed."""
    with open(TAXONOMY / name, "rb") as handle:
        return tomllib.load(handle)


@pytest.fixture(scope="module")
def documents():
    return {name: load(name) for name in FILES}


@pytest.fixture(scope="module")
def parties(documents):
    return [party for doc in documents.values() for party in doc["party"]]


@pytest.fixture(scope="module")
def by_id(parties):
    return {party["id"]: party for party in parties}


def test_files_hold_only_party_tables_of_their_kind(documents):
    for name, kind in FILES.items():
        doc = documents[name]
        assert set(doc) == {"party"}, name
        assert doc["party"], name
        wrong = [p["id"] for p in doc["party"] if p.get("kind") != kind]
        assert not wrong, f"{name}: kind is not {kind!r} for {wrong}"


def test_fields_are_documented_and_well_typed(parties):
    for party in parties:
        label = party.get("id", party)
        assert {"id", "kind", "name", "aliases"} <= set(party), label
        assert set(party) <= ALLOWED_FIELDS, f"{label}: {set(party) - ALLOWED_FIELDS}"
        assert isinstance(party["name"], str) and party["name"].strip() == party["name"] != ""
        for field in STRING_FIELDS + RULE_FIELDS:
            values = party.get(field, [])
            assert isinstance(values, list), f"{label}.{field}"
            for value in values:
                assert isinstance(value, str), f"{label}.{field}: {value!r}"
                assert value and value.strip() == value, f"{label}.{field}: {value!r}"
                assert "  " not in value, f"{label}.{field}: {value!r}"


def test_ids_are_well_formed_and_unique(parties):
    seen = set()
    for party in parties:
        assert ID_PATTERNS[party["kind"]].fullmatch(party["id"]), party["id"]
        assert party["id"] not in seen, f"duplicate id {party['id']}"
        seen.add(party["id"])


def test_every_un_member_observer_kosovo_and_taiwan_once(documents):
    assert len(UN_MEMBERS) == len(set(UN_MEMBERS)) == 193
    ids = [p["id"] for p in documents["states.toml"]["party"]]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(UN_MEMBERS) | set(EXTRA_STATES)


def test_contract_organisations_and_nonstate_parties_present(by_id):
    for ident in CONTRACT_ORGANISATIONS:
        assert by_id[ident]["kind"] == "organisation", ident
    for ident in CONTRACT_NONSTATE:
        assert by_id[ident]["kind"] == "nonstate", ident


def test_name_is_an_alias_and_no_string_repeats_within_a_party(parties):
    for party in parties:
        assert party["name"] in party["aliases"], party["id"]
        # case variants ("NATO", "Nato") are distinct for the matcher; diacritic ones are not
        folded = [fold_marks(s) for s in strings_of(party)]
        repeated = {s for s in folded if folded.count(s) > 1}
        assert not repeated, f"{party['id']}: {repeated}"
        for field in RULE_FIELDS:
            values = party.get(field, [])
            assert len(values) == len(set(values)), f"{party['id']}.{field}"


def test_exact_and_ambiguous_entries_are_the_partys_own_strings(parties):
    for party in parties:
        own = set(strings_of(party))
        for field in ("exact", "ambiguous"):
            stray = set(party.get(field, [])) - own
            assert not stray, f"{party['id']}.{field}: {stray}"


def test_all_capital_abbreviations_are_exact(parties):
    for party in parties:
        capitals = {s for s in strings_of(party) if s.upper() == s and any(c.isalpha() for c in s)}
        missing = capitals - set(party.get("exact", []))
        assert not missing, f"{party['id']}: {missing} should be in exact"


def test_not_phrases_extend_one_of_the_partys_strings(parties):
    for party in parties:
        own = strings_of(party)
        folded_own = {fold(s) for s in own}
        for phrase in party.get("not", []):
            assert fold(phrase) not in folded_own, f"{party['id']}: {phrase!r} is its own string"
            assert any(contains_word(phrase, s) for s in own), f"{party['id']}: {phrase!r}"


def test_shared_strings_are_ambiguous_in_every_party(parties):
    owners = defaultdict(list)
    for party in parties:
        for string in strings_of(party):
            owners[fold(string)].append((party, string))
    for folded, holders in owners.items():
        ids = {p["id"] for p, _ in holders}
        if len(ids) < 2:
            continue
        unmarked = sorted({p["id"] for p, s in holders if s not in p.get("ambiguous", [])})
        assert not unmarked, f"{folded!r} shared by {sorted(ids)}, not ambiguous in {unmarked}"


def owners_of(parties, text):
    """Ids of the parties that list text among their strings."""
    return {p["id"] for p in parties if fold(text) in {fold(s) for s in strings_of(p)}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the Kremlin", {"RUS"}),
        ("Downing Street", {"GBR"}),
        ("Türkiye", {"TUR"}),
        ("Ivory Coast", {"CIV"}),
        ("Burma", {"MMR"}),
        ("Swaziland", {"SWZ"}),
        ("Congo-Kinshasa", {"COD"}),
        ("Congo-Brazzaville", {"COG"}),
        ("Congo", {"COD"}),
        ("Congolese", {"COD"}),
        ("Brussels", {"EU", "NATO"}),
        ("Addis Ababa", {"AU", "ETH"}),
        ("Geneva", set()),
        ("Bern", {"CHE"}),
        ("Sanaa", {"HOUTHIS"}),
        ("Islamic Emirate", {"TALIBAN"}),
        ("Security Council", {"UN"}),
        ("Alliance Fleuve Congo", {"M23"}),
        ("Palestinian Authority", {"PSE"}),
        ("Republic of China", {"TWN"}),
    ],
)
def test_contract_decisions(parties, text, expected):
    assert owners_of(parties, text) == expected


@pytest.mark.parametrize(
    ("party_id", "field", "text"),
    [
        ("BLR", "ambiguous", "Minsk"),
        ("KAZ", "ambiguous", "Astana"),
        ("GEO", "ambiguous", "Georgia"),
        ("JOR", "ambiguous", "Jordan"),
        ("TCD", "ambiguous", "Chad"),
        ("TUR", "ambiguous", "Turkey"),
        ("USA", "ambiguous", "Washington"),
        ("USA", "exact", "US"),
        ("GIN", "not", "Guinea-Bissau"),
        ("GIN", "not", "Guinea pig"),
        ("NER", "not", "Niger Delta"),
        ("SDN", "not", "South Sudan"),
        ("KOR", "not", "North Korea"),
        ("FRA", "not", "Paris Agreement"),
        ("MEX", "not", "New Mexico"),
        ("BLR", "not", "Minsk agreements"),
    ],
)
def test_trap_rules(by_id, party_id, field, text):
    assert text in by_id[party_id].get(field, [])
