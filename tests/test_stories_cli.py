"""`negotiation-watch stories` through the real CLI, after a real fetch from loopback outlets."""

import json

import pytest
from click.testing import CliRunner
from feedgen import grain_ship_outlets, item, rss

from negotiation_watch.cli import cli

WHEN = "Mon, 01 Aug 2022 08:00:00 GMT"
OTHER = item("t1", "Iran nuclear talks resume in Vienna", "Ali Bagheri Kani and Enrique Mora opened a new round "
             "at the Palais Coburg in Vienna.", "Thu, 04 Aug 2022 12:00:00 GMT")


def run(db_path, *args):
    return CliRunner().invoke(cli, ["--db", str(db_path), *args], catch_exceptions=False)


@pytest.fixture
def fetched(db_path, httpserver):
    outlets = grain_ship_outlets(WHEN)
    for path, (title, body) in outlets.items():
        extra = (OTHER,) if path == "/gulf.xml" else ()
        httpserver.expect_request(path).respond_with_data(rss(body, *extra, title=title),
                                                          content_type="application/rss+xml")
    assert run(db_path, "feeds", "add", "--no-check", *(httpserver.url_for(p) for p in outlets)).exit_code == 0
    assert run(db_path, "fetch").exit_code == 0
    return db_path


def test_stories_json_lists_each_event_once_newest_first_with_its_articles(fetched):
    result = run(fetched, "stories", "--json")
    assert result.exit_code == 0
    found = json.loads(result.output)
    assert [story["title"] for story in found][0] == "Iran nuclear talks resume in Vienna"
    grain = found[1]
    assert set(grain) == {"id", "title", "first_seen", "last_seen", "articles", "parties", "tracks"}
    assert {a["feed"] for a in grain["articles"]} == {"Harbour Wire", "Capital Daily", "Gulf Monitor"}
    assert set(grain["articles"][0]) == {"id", "url", "title", "feed", "published"}
    assert grain["first_seen"] == grain["last_seen"] == "2022-08-01T08:00:00Z"
    assert "black-sea-grain-initiative" in grain["tracks"] and {"RUS", "UKR"} <= set(grain["parties"])
    assert len(found) == 2


def test_stories_filters_by_track_party_and_date(fetched):
    def titles(*args):
        return [story["title"] for story in json.loads(run(fetched, "stories", "--json", *args).output)]

    assert titles("--track", "iran-nuclear-talks") == ["Iran nuclear talks resume in Vienna"]
    assert len(titles("--track", "black-sea-grain-initiative", "--party", "UKR")) == 1
    assert titles("--track", "black-sea-grain-initiative", "--party", "IRN") == []
    assert titles("--since", "2022-08-02") == ["Iran nuclear talks resume in Vienna"]
    assert len(titles("--limit", "1")) == 1


def test_stories_text_and_a_bad_date(fetched):
    result = run(fetched, "stories")
    assert result.exit_code == 0
    assert "(3 articles, 3 outlets)" in result.output and "    2022-08-01T08:00:00Z  Capital Daily: " in result.output
    bad = CliRunner().invoke(cli, ["--db", str(fetched), "stories", "--since", "August"])
    assert bad.exit_code == 2 and "not a date" in bad.output
