"""The seed story, read in place with the bundled taxonomy, must be read right."""

from __future__ import annotations

import datetime

import pytest
from negotiation_watch.store.extract.extractor import extract
from negotiation_watch.store.extract.taxonomy import load_taxonomy
from shared import shared_path
from taxonomy_fixture import isolated_cache  # noqa: F401  (autouse fixture)


@pytest.fixture(scope="module")
def reading():
    title, _, text = shared_path("seed-story.txt").read_text(encoding="utf-8").partition("\n")
    result = extract(load_taxonomy(), title, text, datetime.date(2022, 1, 27))
    return title, text, result


def test_seed_story_parties(reading):
    _, _, result = reading
    found = {t.id for t in result.parties}
    assert {"RUS", "USA", "NATO", "UKR", "OSCE", "FRA", "DEU"} <= found


def test_seed_story_tracks(reading):
    _, _, result = reading
    found = {t.id for t in result.tracks}
    expected = {"normandy-format", "minsk-agreements", "osce-dialogue", "us-russia-dialogue", "nato-russia-council"}
    assert expected <= found
    assert "astana-format" not in found
    assert "armenia-azerbaijan-talks" not in found
    osce = next(t for t in result.tracks if t.id == "osce-dialogue")
    assert {e.text for e in osce.evidence} >= {"Istanbul Declaration", "Astana Declaration"}


def test_seed_story_people(reading):
    title, text, result = reading
    people = {(t.id, e.person) for t in result.parties for e in t.evidence if e.person}
    assert ("RUS", "sergey-lavrov") in people
    assert ("USA", "antony-blinken") in people
    blinken_by_title = [e for t in result.parties for e in t.evidence
                        if e.person == "antony-blinken" and "Secretary of State" in e.text]
    assert blinken_by_title
    for tag in result.parties + result.tracks:
        for e in tag.evidence:
            assert (title if e.field == "title" else text)[e.start:e.end] == e.text
