"""The extractor on the fixture parties and the bundled tracks: names, traps, offices, rules."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from negotiation_watch.store.extract.extractor import extract
from taxonomy_fixture import fixture_taxonomy, isolated_cache  # noqa: F401  (autouse fixture)

D2022 = datetime.date(2022, 1, 27)
D2025 = datetime.date(2025, 5, 16)


@pytest.fixture(scope="module")
def tax(tmp_path_factory):
    taxonomy = fixture_taxonomy(tmp_path_factory.mktemp("tax"))
    # The bundled tracks name parties the small fixture leaves out; nothing else may be wrong.
    assert [p for p in taxonomy.problems if "does not exist" not in p] == []
    return taxonomy


def parties(tax, title, text="", date=None):
    return {t.id for t in extract(tax, title, text, date).parties}


def tracks(tax, title, text="", date=None):
    return {t.id for t in extract(tax, title, text, date).tracks}


def test_names_demonyms_metonyms_and_institutions(tax):
    assert parties(tax, "Russian negotiators met the State Department and Berlin officials") == {"RUS", "USA", "DEU"}


def test_possessives_hyphens_and_typographic_apostrophes(tax):
    assert parties(tax, "Russia-Ukraine talks resume") == {"RUS", "UKR"}
    assert parties(tax, "The Kremlin's view") == {"RUS"}
    assert parties(tax, "The Kremlin’s view") == {"RUS"}


def test_diacritics_fold_on_both_sides(tax):
    assert parties(tax, "Turkiye hosts talks") == {"TUR"}
    assert parties(tax, "Türkiye hosts talks") == {"TUR"}
    assert parties(tax, "ELYSÉE statement", "The Élysée said no.") == {"FRA"}


def test_us_only_in_capitals(tax):
    assert parties(tax, "Let us talk, said one of us") == set()
    assert parties(tax, "US warns of sanctions") == {"USA"}
    evidence = extract(tax, "The U.S. says no").parties[0].evidence[0]
    assert evidence.text == "U.S."


def test_shouting_headline_matched_without_case(tax):
    assert parties(tax, "RUSSIA REJECTS NATO REPLY") == {"RUS", "NATO"}


def test_longest_match_wins(tax):
    result = extract(tax, "The Minsk agreements are dead, Moscow says")
    assert {t.id for t in result.parties} == {"RUS"}  # Minsk inside the track name is no party
    assert [t.id for t in result.tracks] == ["minsk-agreements"]


@pytest.mark.parametrize(
    "title",
    [
        "Georgia Tech beats Clemson",
        "Voters in Atlanta, Georgia head to the polls",
        "Georgia governor signs budget as Republicans cheer",
        "Jordan Peterson gives a talk",
        "Michael Jordan returns",
        "Chad Smith plays drums",
        "Turkey prices rise before Thanksgiving",
        "A roast turkey for dinner",
        "The Guinea pig study",
        "New Mexico wildfire spreads",
        "Boats on the Niger River",
        "Let us be clear",
    ],
)
def test_traps_are_not_parties(tax, title):
    assert parties(tax, title) == set()


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Georgia and Russia hold talks in Geneva", {"GEO", "RUS"}),
        ("Jordan and Israel", {"JOR"}),
        ("Chad closes its border", {"TCD"}),
        ("Turkey brokers a deal", {"TUR"}),
        ("Guinea holds elections", {"GIN"}),
        ("Mexico and the US sign a pact", {"MEX", "USA"}),
        ("Niger expels envoy", {"NER"}),
    ],
)
def test_ambiguous_names_still_found_as_parties(tax, title, expected):
    assert parties(tax, title) == expected


def test_title_case_headlines_keep_ambiguous_names(tax):
    assert parties(tax, "Jordan Says It Will Host The Next Round") == {"JOR"}
    assert parties(tax, "Turkey Offers To Mediate Between The Sides") == {"TUR"}
    assert parties(tax, "Chad Smith Plays A New Song", "Chad Smith played drums.") == set()
    assert parties(tax, "Chad Closes Its Border", "Chad closed the crossing on Monday.") == {"TCD"}


def test_paris_agreement_is_climate_not_france(tax):
    result = extract(tax, "Countries review the Paris Agreement")
    assert result.parties == []
    assert [t.id for t in result.tracks] == ["climate-cop"]


def test_venue_city_is_no_party(tax):
    assert parties(tax, "Talks in Geneva end without a deal") == set()
    assert parties(tax, "Swiss mediators offer help") == {"CHE"}
    assert parties(tax, "Envoys arrived in Moscow on Monday") == set()
    assert parties(tax, "Talks in Washington stall") == set()
    assert parties(tax, "Moscow rejects the proposal") == {"RUS"}
    assert parties(tax, "Washington and Beijing trade barbs") == {"USA", "CHN"}


def test_person_names_map_to_party_whatever_the_date(tax):
    result = extract(tax, "Lavrov meets Rubio", date=datetime.date(2010, 1, 1))
    found = {t.id: t.evidence[0].person for t in result.parties}
    assert found == {"RUS": "sergey-lavrov", "USA": "marco-rubio"}


def test_office_titles_resolve_through_the_date(tax):
    def holder(title, date):
        [tag] = extract(tax, title, date=date).parties
        return tag.id, tag.evidence[0].person

    assert holder("The US Secretary of State flew home", D2022) == ("USA", "antony-blinken")
    assert holder("The US Secretary of State flew home", D2025) == ("USA", "marco-rubio")
    assert holder("Russia's foreign minister spoke", D2022) == ("RUS", "sergey-lavrov")
    assert holder("The Russian foreign minister spoke", D2022) == ("RUS", "sergey-lavrov")
    assert holder("The Foreign Minister of Russia spoke", D2022) == ("RUS", "sergey-lavrov")
    assert holder("Kremlin spokesman said", D2022) == ("RUS", "dmitry-peskov")
    assert holder("NATO Secretary General warns", D2022) == ("NATO", "jens-stoltenberg")
    assert holder("NATO Secretary General warns", D2025) == ("NATO", "mark-rutte")


def test_names_ending_in_a_full_stop_inside_longer_names(tax):
    [tag] = extract(tax, "The U.S. secretary of state arrives", date=D2022).parties
    assert [(e.text, e.person) for e in tag.evidence] == [("U.S. secretary of state", "antony-blinken")]
    assert tracks(tax, "U.S.-Russia talks resume") == {"us-russia-dialogue"}


def test_minsk_city_agreements_and_group(tax):
    assert tracks(tax, "Lukashenko hosts a forum in Minsk") == set()
    assert tracks(tax, "Ukraine says Russia broke the Minsk ceasefire it signed in 2015", date=D2022) == {
        "minsk-agreements"
    }
    assert tracks(tax, "Armenia and Azerbaijan meet the OSCE Minsk Group") == {"armenia-azerbaijan-talks"}


def test_astana_format_declaration_and_city(tax):
    assert tracks(tax, "New round of Astana talks on Syria with Russian and Turkish guarantors") == {"astana-format"}
    assert tracks(tax, "Leaders recall the OSCE Astana Declaration") == {"osce-dialogue"}
    assert tracks(tax, "A new mall opens in Astana") == set()


def test_geneva_talks_depend_on_the_parties(tax):
    syria = "UN envoy opens Geneva talks between Syrian government and opposition"
    assert "un-syria-talks" in tracks(tax, syria, date=D2022)
    ukraine = "Russian and Ukrainian delegations hold peace talks in Geneva"
    assert tracks(tax, ukraine, date=D2025) == {"russia-ukraine-talks"}
    us_russia = "Blinken and Lavrov meet in Geneva over embassy staffing"
    assert "us-russia-dialogue" in tracks(tax, us_russia, date=datetime.date(2021, 6, 1))
    trade = "US and Chinese negotiators agree a tariff truce in Geneva"
    assert tracks(tax, trade, date=D2025) == {"us-china-trade-talks"}


def test_istanbul_declaration_talks_and_grain(tax):
    assert tracks(tax, "Lavrov cites the OSCE summit in Istanbul in 1999") == {"osce-dialogue"}
    assert tracks(tax, "Russian and Ukrainian delegations meet in Istanbul for talks", date=D2025) == {
        "russia-ukraine-talks"
    }
    assert tracks(tax, "Ships leave Ukrainian ports under the Istanbul grain arrangement") == {
        "black-sea-grain-initiative"
    }
    assert tracks(tax, "Tourists crowd Istanbul bazaars") == set()


def test_to_json_shape(tax):
    out = extract(tax, "Lavrov", "Normandy Format", D2022).to_json()
    assert out == {
        "parties": [
            {
                "id": "RUS",
                "name": "Russia",
                "evidence": [{"field": "title", "start": 0, "end": 6, "text": "Lavrov", "person": "sergey-lavrov"}],
            }
        ],
        "tracks": [
            {
                "id": "normandy-format",
                "name": "Normandy Format",
                "evidence": [{"field": "text", "start": 0, "end": 15, "text": "Normandy Format"}],
            }
        ],
        "interactions": [],
    }


NAMES = ["Russia", "Kremlin’s", "Türkiye", "U.S.", "Élysée", "Minsk agreements", "Lavrov", "Straße", "ﬁnal"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.sampled_from(NAMES), st.text(max_size=8)), max_size=12))
def test_evidence_offsets_index_the_exact_input(tax, pieces):
    text = " ".join(pieces)
    result = extract(tax, text, text)
    for tag in result.parties + result.tracks:
        for ev in tag.evidence:
            assert text[ev.start:ev.end] == ev.text
            assert ev.text


def test_offsets_survive_characters_that_fold_to_two(tax):
    text = "Die Straße: ﬁnal word from Türkiye’s envoy and the Kremlin"
    result = extract(tax, "", text)
    found = {t.id: [e.text for e in t.evidence] for t in result.parties}
    assert found == {"TUR": ["Türkiye"], "RUS": ["the Kremlin"]}


RULES_AND_TRAPS = """
[[party]]
id = "EU"
kind = "organisation"
name = "European Union"
aliases = ["European Union", "EU"]
metonyms = ["Brussels"]
ambiguous = ["Brussels"]

[[party]]
id = "NATO"
metonyms = ["Brussels"]
ambiguous = ["Brussels"]

[[office]]
id = "USA.deputy-secretary-of-state"
party = "USA"
role = "deputy secretary of state"
shared = true

[[person]]
id = "wendy-sherman"
name = "Wendy Sherman"
party = "USA"
exact = ["WRS"]
offices = [{ office = "USA.deputy-secretary-of-state", start = "2021-04-14", end = "2023-07-28" }]

[[role]]
name = "secretary general"
variants = ["chief"]

[[trap]]
aliases = ["Moscow"]
near = ["Idaho"]

[[track]]
id = "test-track"
name = "Test track"
aliases = ["Zebra process"]

[[track.rule]]
trigger = ["Quagga"]
near = ["talks"]
unless = ["zoo"]
parties = ["RUS"]
after = 2020-01-01
before = 2020-12-31
window = 40
"""


@pytest.fixture(scope="module")
def rich(tmp_path_factory):
    taxonomy = fixture_taxonomy(tmp_path_factory.mktemp("rich"), RULES_AND_TRAPS)
    assert [p for p in taxonomy.problems if "does not exist" not in p] == []
    return taxonomy


def test_shared_name_goes_to_the_party_named_elsewhere(rich):
    assert parties(rich, "Brussels says no") == set()
    assert parties(rich, "Brussels says no, and the EU agrees") == {"EU"}
    assert parties(rich, "NATO allies meet; Brussels signals unity") == {"NATO"}


def test_route_and_motion_verbs_mark_venues(rich):
    assert parties(rich, "Envoys flew to Moscow") == set()
    assert parties(rich, "The flight from Kyiv to Berlin") == set()
    assert parties(rich, "A message from Moscow") == {"RUS"}
    assert parties(rich, "Moscow, Idaho, holds a fair") == set()


def test_role_variants_shared_offices_and_exact_names(rich):
    [tag] = extract(rich, "NATO chief warns", date=D2022).parties
    assert (tag.id, tag.evidence[0].person) == ("NATO", "jens-stoltenberg")
    [tag] = extract(rich, "The US deputy secretary of state", date=D2022).parties
    assert (tag.id, tag.evidence[0].person) == ("USA", None)
    assert parties(rich, "WRS speaks") == {"USA"}
    assert parties(rich, "wrs speaks") == set()


def test_rule_conditions_window_unless_parties_and_dates(rich):
    d2020 = datetime.date(2020, 6, 1)
    assert tracks(rich, "Russia joins Quagga talks", date=d2020) == {"test-track"}
    assert tracks(rich, "Russia joins Quagga talks", date=datetime.date(2021, 6, 1)) == set()
    assert tracks(rich, "Ukraine joins Quagga talks", date=d2020) == set()
    assert tracks(rich, "Russia joins Quagga talks at the zoo", date=d2020) == set()
    far = "Russia: Quagga" + " and more" * 10 + " talks"
    assert tracks(rich, far, date=d2020) == set()
    assert tracks(rich, "Russia joins Quagga talks") == {"test-track"}  # undated: dates ignored


def test_a_headline_trap_reads_its_lede(tax):
    """The headline alone cannot tell the US state from the country; the text under it can."""
    state = "Georgia’s canvassers fear a lean year"
    assert parties(tax, state, "Organisers who helped Democrats win two Senate seats are short of money.") == set()
    country = "Georgia’s envoy fears a lean year"
    assert parties(tax, country, "Tbilisi has asked Brussels to keep its accession talks open.") >= {"GEO"}
