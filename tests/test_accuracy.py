"""The extractor's accuracy on the dev set, and the dev set's own well-formedness."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest
from shared import shared_path

ROOT = Path(__file__).resolve().parent.parent

MIN_PRECISION = 0.95
MIN_RECALL = 0.90
MIN_PER_TRACK = 4
MIN_TRAPS = 40

# ISO 3166-1 alpha-3 codes (public standard) plus XKX, the contract's code for Kosovo.
ISO_ALPHA3 = set(
    """
    ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE BDI BEL BEN BES
    BFA BGD BGR BHR BHS BIH BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE
    CHL CHN CIV CMR COD COG COK COL COM CPV CRI CUB CUW CXR CYM CYP CZE DEU DJI DMA DNK
    DOM DZA ECU EGY ERI ESH ESP EST ETH FIN FJI FLK FRA FRO FSM GAB GBR GEO GGY GHA GIB
    GIN GLP GMB GNB GNQ GRC GRD GRL GTM GUF GUM GUY HKG HMD HND HRV HTI HUN IDN IMN IND
    IOT IRL IRN IRQ ISL ISR ITA JAM JEY JOR JPN KAZ KEN KGZ KHM KIR KNA KOR KWT LAO LBN
    LBR LBY LCA LIE LKA LSO LTU LUX LVA MAC MAF MAR MCO MDA MDG MDV MEX MHL MKD MLI MLT
    MMR MNE MNG MNP MOZ MRT MSR MTQ MUS MWI MYS MYT NAM NCL NER NFK NGA NIC NIU NLD NOR
    NPL NRU NZL OMN PAK PAN PCN PER PHL PLW PNG POL PRI PRK PRT PRY PSE PYF QAT REU ROU
    RUS RWA SAU SDN SEN SGP SGS SHN SJM SLB SLE SLV SMR SOM SPM SRB SSD STP SUR SVK SVN
    SWE SWZ SXM SYC SYR TCA TCD TGO THA TJK TKL TKM TLS TON TTO TUN TUR TUV TWN TZA UGA
    UKR UMI URY USA UZB VAT VCT VEN VGB VIR VNM VUT WLF WSM YEM ZAF ZMB ZWE
    XKX
    """.split()
)
# Organisation and non-state ids of exactly three letters, which would otherwise pass for states.
THREE_LETTER_NON_STATES = {
    "RSF", "ELN", "PIJ", "EMC", "GCC", "OAS", "SCO", "OIC", "IMF", "WFP", "WHO", "COE", "WTO",
    "SDF", "ICJ", "PKK", "STC", "PUD", "TTP",
}
ACRONYM = re.compile(r"^[A-Z][A-Z0-9]{1,11}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FIELDS = ("id", "date", "title", "text", "parties_must", "parties_ok", "tracks_must", "tracks_ok")


def load_accuracy_module():
    """Import bench/accuracy.py by path: bench/ holds scripts, not an installed package."""
    spec = importlib.util.spec_from_file_location("bench_accuracy", ROOT / "bench" / "accuracy.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


accuracy = load_accuracy_module()


@pytest.fixture(scope="module")
def items():
    return accuracy.load_items(accuracy.DEVSET)


def contract_tracks() -> set[str]:
    """The track identifiers listed in the taxonomy contract's track table."""
    text = shared_path("taxonomy.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([a-z0-9-]+)` \|", text, flags=re.MULTILINE))


def is_valid_party(party_id: str) -> bool:
    """An ISO 3166-1 alpha-3 state code, or an upper-case acronym that cannot pass for one."""
    if party_id in ISO_ALPHA3 or party_id in THREE_LETTER_NON_STATES:
        return True
    is_letters3 = len(party_id) == 3 and party_id.isalpha()
    return bool(ACRONYM.match(party_id)) and not is_letters3


def is_trap(item: dict) -> bool:
    """A trap or non-negotiation item: one that names no track it is about."""
    return not item["tracks_must"]


def test_devset_is_well_formed(items):
    tracks = contract_tracks()
    assert len(tracks) == 29, "the contract's track table could not be read"
    problems = []
    for item in items:
        where = item.get("id", "?")
        missing = [name for name in FIELDS if name not in item]
        if missing:
            problems.append(f"{where}: missing {missing}")
            continue
        if not DATE.match(item["date"]):
            problems.append(f"{where}: bad date {item['date']!r}")
        if not item["title"].strip():
            problems.append(f"{where}: empty title")
        for kind in ("parties", "tracks"):
            must, ok = item[f"{kind}_must"], item[f"{kind}_ok"]
            if set(must) & set(ok):
                problems.append(f"{where}: {kind} in both must and ok: {set(must) & set(ok)}")
            if len(set(must)) != len(must) or len(set(ok)) != len(ok):
                problems.append(f"{where}: repeated {kind} label")
        for party in item["parties_must"] + item["parties_ok"]:
            if not is_valid_party(party):
                problems.append(f"{where}: unknown party id {party!r}")
        for track in item["tracks_must"] + item["tracks_ok"]:
            if track not in tracks:
                problems.append(f"{where}: unknown track id {track!r}")
    duplicates = [i for i, n in Counter(item.get("id") for item in items).items() if n > 1]
    if duplicates:
        problems.append(f"duplicate ids: {duplicates}")
    assert not problems, "\n".join(problems)


def test_devset_covers_every_track_and_enough_traps(items):
    per_track = Counter(track for item in items for track in item["tracks_must"])
    thin = {t: per_track[t] for t in contract_tracks() if per_track[t] < MIN_PER_TRACK}
    assert not thin, f"tracks with fewer than {MIN_PER_TRACK} items: {thin}"
    traps = sum(1 for item in items if is_trap(item))
    assert traps >= MIN_TRAPS, f"only {traps} trap/non-negotiation items"


def test_scoring_counts_precision_and_recall():
    def tag(tag_id):
        return SimpleNamespace(id=tag_id, evidence=[])

    extraction = SimpleNamespace(
        parties=[tag("RUS"), tag("CHE"), tag("GEO")], tracks=[tag("russia-ukraine-talks")]
    )
    item = {
        "id": "x", "title": "t", "parties_must": ["RUS", "UKR"], "parties_ok": ["CHE"],
        "tracks_must": ["russia-ukraine-talks"], "tracks_ok": [],
    }
    counts = {kind: accuracy.Counts() for kind in accuracy.KINDS}
    errors = accuracy.score_item(item, extraction, counts)
    assert (counts["parties"].right, counts["parties"].predicted) == (2, 3)
    assert (counts["parties"].found, counts["parties"].must) == (1, 2)
    assert errors.misses == {"parties": ["UKR"]}
    assert list(errors.false_positives["parties"]) == ["GEO"]
    assert counts["tracks"].precision == counts["tracks"].recall == 1.0


def test_extractor_accuracy_on_devset(items):
    report = accuracy.evaluate(items)
    shortfalls = []
    for kind, tally in report.counts.items():
        if tally.precision < MIN_PRECISION:
            shortfalls.append(f"{kind} precision {tally.precision:.3f} < {MIN_PRECISION}")
        if tally.recall < MIN_RECALL:
            shortfalls.append(f"{kind} recall {tally.recall:.3f} < {MIN_RECALL}")
    summary, errors = accuracy.format_summary(report), accuracy.format_errors(report)
    assert not shortfalls, "\n".join([*shortfalls, summary, errors])


def test_bad_labelled_file_is_reported_with_its_line(tmp_path, capsys):
    labelled = tmp_path / "other.jsonl"
    good = '{"id": "a", "title": "fine", "date": "2025-01-01"}\n'
    labelled.write_text(good + '{"id": "b", "title": \n')
    assert accuracy.main(["--file", str(labelled)]) == 2
    assert "other.jsonl:2: not valid JSON" in capsys.readouterr().err


def test_bad_date_is_reported_with_its_line(tmp_path):
    labelled = tmp_path / "other.jsonl"
    labelled.write_text('{"id": "a", "title": "t", "date": "26/11/2025"}\n')
    with pytest.raises(ValueError, match="other.jsonl:1: date is not YYYY-MM-DD"):
        accuracy.load_items(labelled)


def test_the_demo_shows_no_false_tag():
    """Every tag on the demo's feeds is one its labels allow, and the labels' musts are found:
    the first screen a new user sees must not show a Gaza plan under Russia-Ukraine talks."""
    report = accuracy.evaluate(accuracy.demo_items())
    assert report.items >= 100
    assert report.counts["parties"].precision == report.counts["tracks"].precision == 1.0, \
        accuracy.format_errors(report)
    assert report.counts["parties"].recall >= 0.97 and report.counts["tracks"].recall >= 0.95, \
        accuracy.format_errors(report)


def test_the_2025_26_batches_cover_every_kind_of_error_and_every_track(items):
    recent = [item for item in items if item.get("batch", "").startswith("2025-26")]
    assert len(recent) >= 100 and all(item["date"] >= "2025" for item in recent)
    kinds = {item["batch"].split()[-1] for item in recent}
    assert kinds == {"places", "acronyms", "generic", "formats", "sides", "tracks"}
    named = {track for item in recent for track in item["tracks_must"] + item["tracks_ok"]}
    assert named == contract_tracks()


# ---------------------------------------------------------------------------- interactions

MIN_INTERACTION_PRECISION = 0.85
MIN_INTERACTION_RECALL = 0.75
MIN_INTERACTION_ITEMS = 150
COVERS = {"meet", "propose", "agree", "reject", "demand", "threaten", "mediate", "accuse", "negation",
          "hypothetical", "condition", "passive", "report", "title", "multi", "trap", "noun", "participle"}
ACTIONS = {"meet", "propose", "agree", "reject", "demand", "threaten", "mediate", "accuse"}


@pytest.fixture(scope="module")
def interaction_items():
    return accuracy.load_items(accuracy.INTERACTION_DEVSET)


def test_interaction_devset_is_well_formed_and_covers_every_case(interaction_items):
    assert len(interaction_items) >= MIN_INTERACTION_ITEMS
    problems = []
    for item in interaction_items:
        where = item.get("id", "?")
        for key in ("interactions_must", "interactions_ok"):
            for triple in item.get(key, []):
                if len(triple) != 3 or triple[0] not in ACTIONS or not all(is_valid_party(p) for p in triple[1:]):
                    problems.append(f"{where}: bad {key} label {triple}")
        if not set(item.get("covers", [])) <= COVERS:
            problems.append(f"{where}: unknown covers {set(item['covers']) - COVERS}")
    assert not problems, "\n".join(problems)
    covered = Counter(case for item in interaction_items for case in item["covers"])
    thin = {case: covered[case] for case in COVERS if covered[case] < 5}
    assert not thin, f"cases with fewer than 5 items: {thin}"
    stated = Counter(t[0] for item in interaction_items for t in item["interactions_must"])
    assert all(stated[action] >= 5 for action in ACTIONS), stated


def test_interaction_scoring_treats_symmetric_pairs_as_unordered():
    found = SimpleNamespace(interactions=[
        SimpleNamespace(action="meet", source="UKR", targets=("RUS",)),
        SimpleNamespace(action="reject", source="RUS", targets=("UKR", "USA")),
    ])
    item = {"id": "x", "title": "t", "interactions_must": [["meet", "RUS", "UKR"], ["reject", "UKR", "RUS"]],
            "interactions_ok": [["reject", "RUS", "USA"]]}
    counts = accuracy.Counts()
    errors = accuracy.score_interactions(item, found, {"meet"}, counts)
    assert (counts.right, counts.predicted, counts.found, counts.must) == (2, 3, 1, 2)
    assert errors.false == [("reject", "RUS", "UKR")] and errors.missed == [("reject", "UKR", "RUS")]


def test_interaction_accuracy_on_devset(interaction_items):
    report = accuracy.evaluate_interactions(interaction_items)
    c = report.counts
    summary = accuracy.format_interaction_summary(report) + "\n" + accuracy.format_interaction_errors(report)
    assert c.precision >= MIN_INTERACTION_PRECISION and c.recall >= MIN_INTERACTION_RECALL, summary
