"""The bundled tracks on stories written for these tests: each names its track and no other
wrong one; news that is not about talks names none."""

from __future__ import annotations

import datetime
import re

import pytest
from negotiation_watch.store.extract.extractor import extract
from negotiation_watch.store.extract.taxonomy import load_taxonomy
from shared import shared_path
from taxonomy_fixture import isolated_cache  # noqa: F401  (autouse fixture)

ABOUT_A_TRACK = [
    (
        "2019-12-10",
        "normandy-format",
        "Paris summit revives Normandy peace push",
        "Macron and Merkel brought Zelensky and Putin together for the first time.",
    ),
    (
        "2021-11-30",
        "trilateral-contact-group",
        "Contact group on Donbas fails to agree on new crossing points",
        "The OSCE-chaired talks in video format ended without result.",
    ),
    (
        "2022-03-29",
        "russia-ukraine-talks",
        "Ukrainian and Russian negotiators meet at Istanbul palace",
        "Turkey's president welcomed the two delegations.",
    ),
    (
        "2021-07-28",
        "us-russia-dialogue",
        "US and Russia open strategic stability talks in Geneva",
        "Deputy secretary Wendy Sherman led the American side.",
    ),
    (
        "2023-12-15",
        "black-sea-grain-initiative",
        "Ukraine keeps exporting grain through its own Black Sea corridor",
        "Shipping has continued despite Russia quitting the grain deal in July.",
    ),
    (
        "2023-10-28",
        "ukraine-peace-formula",
        "Malta hosts security advisers on Zelensky's peace formula",
        "Officials from 66 countries attended.",
    ),
    (
        "2025-03-06",
        "coalition-of-the-willing",
        "Starmer gathers coalition of the willing to back Ukraine",
        "European leaders met in London.",
    ),
    (
        "2021-04-06",
        "iran-nuclear-talks",
        "Vienna talks on reviving Iran nuclear deal begin",
        "Iranian and US delegations sat in separate hotels.",
    ),
    (
        "2024-05-06",
        "gaza-ceasefire-talks",
        "Hamas says it accepts Egyptian-Qatari truce proposal",
        "Israel said the terms fell short.",
    ),
    (
        "2018-01-30",
        "astana-format",
        "Sochi congress on Syria boycotted by opposition",
        "Russia, Turkey and Iran, guarantors of the Astana process, backed the meeting.",
    ),
    (
        "2019-10-30",
        "un-syria-talks",
        "Syrian Constitutional Committee convenes in Geneva",
        "UN envoy Geir Pedersen opened the session.",
    ),
    (
        "2022-04-02",
        "yemen-peace-talks",
        "UN announces two-month truce in Yemen",
        "Hans Grundberg said the warring parties agreed to halt offensive operations.",
    ),
    (
        "2020-09-15",
        "abraham-accords",
        "UAE and Bahrain sign Abraham Accords at White House",
        "Netanyahu attended the ceremony.",
    ),
    (
        "2022-10-27",
        "israel-lebanon-talks",
        "Israel and Lebanon seal maritime border deal",
        "Amos Hochstein brokered the agreement.",
    ),
    (
        "2024-12-16",
        "armenia-azerbaijan-talks",
        "Armenia and Azerbaijan move closer to peace treaty",
        "Foreign ministers Mirzoyan and Bayramov met in Washington.",
    ),
    (
        "2023-02-27",
        "belgrade-pristina-dialogue",
        "Vucic and Kurti back EU plan to normalise ties",
        "Josep Borrell said the sides agreed in Brussels.",
    ),
    (
        "2017-07-07",
        "cyprus-talks",
        "Cyprus reunification talks collapse at Crans-Montana",
        "Guterres said no deal was possible.",
    ),
    (
        "2018-06-12",
        "korean-peninsula-talks",
        "Trump and Kim sign pledge in Singapore",
        "The North Korean leader committed to work toward denuclearisation.",
    ),
    (
        "2019-05-13",
        "us-china-trade-talks",
        "China hits back with tariffs as trade talks stall",
        "US and Chinese negotiators failed to reach a deal in Washington.",
    ),
    (
        "2020-02-29",
        "afghanistan-doha-talks",
        "US and Taliban sign deal in Doha",
        "American troops will leave within 14 months.",
    ),
    (
        "2023-05-11",
        "sudan-peace-talks",
        "Sudan's warring sides sign Jeddah commitment to protect civilians",
        "The army and the RSF met under Saudi and US mediation.",
    ),
    (
        "2025-06-27",
        "drc-rwanda-talks",
        "DR Congo and Rwanda sign peace deal in Washington",
        "Rubio hosted the foreign ministers.",
    ),
    (
        "2022-11-02",
        "ethiopia-tigray-talks",
        "Ethiopia and Tigray forces agree to cease hostilities",
        "The African Union mediated talks in Pretoria.",
    ),
    (
        "2023-10-17",
        "venezuela-talks",
        "Maduro government and opposition sign electoral deal in Barbados",
        "The US eased some oil sanctions in response.",
    ),
    (
        "2023-06-09",
        "colombia-peace-talks",
        "Colombia and ELN agree six-month ceasefire",
        "The deal was signed in Havana.",
    ),
    (
        "2023-12-13",
        "climate-cop",
        "COP28 deal calls for transition away from fossil fuels",
        "Delegates in Dubai applauded.",
    ),
    (
        "2015-02-12",
        "minsk-agreements",
        "Leaders agree ceasefire for eastern Ukraine after Minsk marathon",
        "Putin, Poroshenko, Merkel and Hollande talked for 16 hours.",
    ),
    (
        "2022-01-12",
        "nato-russia-council",
        "NATO-Russia Council meets in Brussels",
        "Stoltenberg said the sides were far apart.",
    ),
    (
        "2024-12-05",
        "osce-dialogue",
        "Lavrov attends OSCE ministerial council in Malta",
        "It was his second visit to an EU country since 2022.",
    ),
]

NOT_ABOUT_TALKS = [
    (
        "2025-03-03",
        "Russian drones hit Ukrainian power grid overnight",
        "Ukraine's air force said it downed most of the drones. Officials in Kyiv said repairs would take days.",
    ),
    (
        "2024-07-11",
        "NATO summit in Washington pledges more air defence for Ukraine",
        "Leaders met for three days. Russia called the statement hostile.",
    ),
    (
        "2025-06-13",
        "Israel strikes Iranian nuclear sites",
        "Tehran vowed revenge as explosions were reported near Natanz.",
    ),
    (
        "2024-02-20",
        "UN Security Council meeting on Ukraine ends in acrimony",
        "Russia's ambassador walked out during the session.",
    ),
    (
        "2025-09-02",
        "China hosts military parade with Putin and Kim",
        "Xi Jinping said the world faced a choice between peace and war.",
    ),
    (
        "2024-04-01",
        "German coalition quarrels over budget and aid to Ukraine",
        "The Social Democrats and Greens disagreed on spending.",
    ),
    (
        "2025-01-09",
        "Los Angeles wildfires destroy thousands of homes",
        "Firefighters battled winds in California.",
    ),
    (
        "2023-10-08",
        "Hamas attack on Israel kills hundreds; hostages taken to Gaza",
        "Israel declared war and struck targets in the Gaza Strip.",
    ),
    ("2024-11-06", "Trump wins US presidential election", "He carried Georgia, Pennsylvania and Michigan."),
    (
        "2025-05-07",
        "India strikes targets in Pakistan after Kashmir attack",
        "Islamabad said it would respond.",
    ),
    (
        "2024-08-20",
        "Armenia and Azerbaijan exchange fire on the border",
        "Baku blamed Yerevan for the incident.",
    ),
    ("2025-02-10", "Cyprus hosts EU foreign ministers meeting", "Ministers discussed migration and energy."),
    ("2025-04-03", "Trump announces sweeping tariffs on China and EU", "Beijing vowed to retaliate."),
]
# Plain news that names parties but no negotiation track.


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy()


def test_bundled_tracks_are_the_contracts_tracks(taxonomy):
    contract = shared_path("taxonomy.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([a-z0-9-]+)` \|", contract, flags=re.MULTILINE))
    assert len(listed) == 29
    assert set(taxonomy.tracks) == listed
    assert all(t.aliases and t.name and t.members for t in taxonomy.tracks.values())
    assert taxonomy.problems == []


def tracks(taxonomy, date, title, text):
    return {t.id for t in extract(taxonomy, title, text, datetime.date.fromisoformat(date)).tracks}


@pytest.mark.parametrize(("date", "track", "title", "text"), ABOUT_A_TRACK, ids=[c[1] for c in ABOUT_A_TRACK])
def test_story_names_its_track(taxonomy, date, track, title, text):
    assert track in tracks(taxonomy, date, title, text)


@pytest.mark.parametrize(("date", "title", "text"), NOT_ABOUT_TALKS, ids=[c[1][:40] for c in NOT_ABOUT_TALKS])
def test_news_without_talks_names_no_track(taxonomy, date, title, text):
    assert tracks(taxonomy, date, title, text) == set()


NO_PARTY = [
    "Sinner wins the US Open in New York",
    "French fries and Swiss cheese on the menu",
    "Verstappen wins the Saudi Arabian Grand Prix",
    "Russian roulette at the Turkish Airlines desk",
    "Michael Jordan's sneakers sell for a record price",
    "Voters in Atlanta, Georgia queue for hours",
    "A roast turkey for Thanksgiving dinner",
    "Kerry win the county final in Killarney",
    "Crowds gather outside Trump Tower in Manhattan",
]


@pytest.mark.parametrize("title", NO_PARTY)
def test_everyday_phrases_name_no_party(taxonomy, title):
    assert extract(taxonomy, title, "", datetime.date(2025, 6, 1)).parties == []


@pytest.mark.parametrize(
    "text",
    [
        "TEHRAN, Aug. 13 (MNA) - A helicopter crashed in Texas.",
        "MOSCOW (Reuters) - Snow closed schools across the region.",
        "Kyiv, March 3, 2022 - Snow closed schools across the region.",
    ],
)
def test_a_dateline_city_is_where_the_report_was_filed_not_a_party(taxonomy, text):
    found = extract(taxonomy, "Weather round-up", text, datetime.date(2025, 8, 13)).parties
    assert [t.id for t in found if t.id in {"IRN", "RUS", "UKR"}] == []


def test_a_capital_opening_a_sentence_is_still_its_government(taxonomy):
    found = extract(taxonomy, "Moscow says it will respond to the sanctions", "", datetime.date(2025, 8, 13))
    assert [t.id for t in found.parties] == ["RUS"]


@pytest.mark.parametrize("title", ["Indian Foreign Secretary visits Dhaka", "India's Foreign Secretary visits Dhaka"])
def test_another_partys_title_is_not_the_british_foreign_secretary(taxonomy, title):
    found = extract(taxonomy, title, "", datetime.date(2025, 8, 13)).parties
    assert "GBR" not in {t.id for t in found} and "IND" in {t.id for t in found}


def test_a_title_after_a_comma_is_its_own_partys_official(taxonomy):
    # folding makes the comma a space: the title was dropped as another party's ("Indian Foreign Secretary")
    found = extract(taxonomy, "Strikes by Israel, Egypt's foreign minister says", "", datetime.date(2026, 6, 3))
    assert {t.id: t.evidence[0].person for t in found.parties} == {"ISR": None, "EGY": "badr-abdelatty"}


@pytest.mark.parametrize("text, person", [
    ("Petro suspends peace talks with the ELN", "gustavo-petro"),
    ("Petro Poroshenko flew to Berlin", "petro-poroshenko"),
    ("Petro Kotin, head of Ukraine's Energoatom, briefed the IAEA", None),
])
def test_petro_alone_is_colombias_president_not_a_ukrainian_first_name(taxonomy, text, person):
    found = extract(taxonomy, text, "", datetime.date(2025, 1, 17)).parties
    people = {ev.person for tag in found for ev in tag.evidence} - {None}
    assert people == ({person} if person else set())


def test_the_bare_foreign_secretary_is_british(taxonomy):
    [tag] = extract(taxonomy, "The Foreign Secretary spoke in Parliament", "", datetime.date(2022, 1, 13)).parties
    assert (tag.id, tag.evidence[0].person) == ("GBR", "liz-truss")
