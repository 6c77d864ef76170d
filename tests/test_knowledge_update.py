"""`negotiation-watch knowledge update` against a recorded Wikidata answer served on 127.0.0.1:
the officials file it writes, the re-tag it starts, and the bad answers that change nothing."""

from __future__ import annotations

import datetime
import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from feedgen import item, rss
from werkzeug.wrappers import Response

from negotiation_watch.cli import cli
from negotiation_watch.store.config import taxonomy_override_dir
from negotiation_watch.store.db import connection, feed_rows
from negotiation_watch.store.db.ingest import ingest
from negotiation_watch.store.extract import wikidata
from negotiation_watch.store.extract.extractor import extract
from negotiation_watch.store.extract.taxonomy import default_taxonomy, load_taxonomy
from negotiation_watch.store.parse.feed import parse_feed

ANSWER = Path(__file__).with_name("wikidata_answer.json")
SPARQL_JSON = "application/sparql-results+json;charset=utf-8"
FEED_URL = "http://127.0.0.1:1/feed.xml"
NOW = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)


def run(db_path, httpserver, *args):
    return CliRunner().invoke(cli, ["--db", str(db_path), "knowledge", "update", "--endpoint",
                                    httpserver.url_for("/sparql"), *args])


def officials_file() -> Path:
    return taxonomy_override_dir() / wikidata.FILE_NAME


def serve_answer(httpserver, body: bytes, content_type: str = SPARQL_JSON, status: int = 200):
    httpserver.expect_request("/sparql", method="POST").respond_with_data(body, status=status, content_type=content_type)


@pytest.fixture(autouse=True)
def forget_taxonomy():
    """The update writes this test's officials file and loads the taxonomy with it: later
    tests must not inherit that process-wide copy (their own config folder has no such file)."""
    yield
    default_taxonomy.cache_clear()


@pytest.fixture
def stored_db(db_path):
    """A database holding one 2009 article that names the British prime minister by title."""
    db = connection.connect(db_path)
    feed_id = feed_rows.add_feed(db, FEED_URL)[0]
    story = item("b1", "The British prime minister meets the G20 in London", "Leaders agree a stimulus.",
                 date="Thu, 02 Apr 2009 10:00:00 GMT")
    ingest(db, feed_id, parse_feed(rss(story), {"content-type": "application/rss+xml"}, FEED_URL),
           load_taxonomy(), now=NOW)
    db.close()
    return db_path


def persons(db_path, tag_id: str) -> set:
    db = connection.connect(db_path)
    try:
        return {row[0] for row in db.execute("SELECT person FROM tags WHERE tag_id = ?", (tag_id,))}
    finally:
        db.close()


def test_update_writes_officials_and_retags_what_changed(httpserver, stored_db):
    serve_answer(httpserver, ANSWER.read_bytes())
    assert persons(stored_db, "GBR") == {None}  # the shipped data knows no 2009 prime minister
    linked = wikidata.linked_offices(load_taxonomy())  # every shipped office that names a position
    done = run(stored_db, httpserver)
    assert done.exit_code == 0, done.output
    assert f"wrote 16 terms of {len(linked)} offices" in done.output and "re-tagged 1 articles" in done.output
    form = httpserver.log[0][0].form["query"]
    assert all(f"wd:{qid} " in form for qid in linked) and "ps:P39" in form and "pq:P582" in form

    text = officials_file().read_text(encoding="utf-8")
    assert text.startswith("# Officials from Wikidata")
    default_taxonomy.cache_clear()
    taxonomy = default_taxonomy()
    assert taxonomy.problems == []
    brown = taxonomy.people["gordon-brown"]  # a new person, with the office's party
    assert (brown.name, brown.party) == ("Gordon Brown", "GBR")
    putin = [(t.start, t.end) for t in taxonomy.people["vladimir-putin"].offices if t.office == "RUS.president"]
    assert len(putin) == 4 and putin[-1] == (datetime.date(2024, 5, 7), None)  # terms replaced, not doubled
    medvedev = extract(taxonomy, "The Russian president spoke", date=datetime.date(2010, 3, 1))
    assert medvedev.parties[0].evidence[0].person == "dmitry-medvedev"
    assert persons(stored_db, "GBR") == {"gordon-brown"}

    again = run(stored_db, httpserver)
    assert again.exit_code == 0 and "officials unchanged" in again.output
    assert "re-tagged" not in again.output


def test_update_without_a_database_writes_the_file_only(httpserver, tmp_path):
    serve_answer(httpserver, ANSWER.read_bytes())
    done = run(tmp_path / "none.db", httpserver)
    assert done.exit_code == 0, done.output
    assert officials_file().is_file() and not (tmp_path / "none.db").exists()


def two_holders() -> bytes:
    answer = json.loads(ANSWER.read_text(encoding="utf-8"))
    rows = answer["results"]["bindings"]
    rival = json.loads(json.dumps(rows[-1]))  # a second open term in Starmer's office
    rival["person"]["value"] = "http://www.wikidata.org/entity/Q1"
    rival["personLabel"]["value"] = "Someone Else"
    rival["start"]["value"] = "2025-02-01T00:00:00Z"
    rows.append(rival)
    return json.dumps(answer).encode()


@pytest.mark.parametrize("body, content_type, status, reason", [
    (b"<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>", "text/html", 503,
     "answered HTTP 503: Service Unavailable"),
    (b"<html><body>Rate limited, try later</body></html>", "text/html; charset=utf-8", 200,
     "answered text/html; charset=utf-8, not JSON: Rate limited"),
    (b'{"head": {"vars": []}, "results": {"bindings": [', SPARQL_JSON, 200, "malformed JSON"),
    (b'{"boolean": true}', SPARQL_JSON, 200, "without SPARQL results"),
    (b'{"results": {"bindings": [{"position": {"value": "Q11696"}}]}}', SPARQL_JSON, 200,
     "row 1: position is not a Wikidata item"),
    (None, SPARQL_JSON, 200, "GBR.prime-minister: Keir Starmer (2024-07-05 to now) and Someone Else"),
])
def test_bad_answers_are_clear_errors_that_change_nothing(httpserver, stored_db, body, content_type, status, reason):
    folder = taxonomy_override_dir()
    folder.mkdir(parents=True)
    officials_file().write_text("# kept as it was\n", encoding="utf-8")
    serve_answer(httpserver, body if body is not None else two_holders(), content_type, status)
    done = run(stored_db, httpserver)
    assert done.exit_code == 1
    assert reason in done.output
    assert officials_file().read_text(encoding="utf-8") == "# kept as it was\n"
    assert sorted(p.name for p in folder.iterdir()) == [wikidata.FILE_NAME]
    assert persons(stored_db, "GBR") == {None}


def test_a_timeout_is_a_clear_error(httpserver, stored_db):
    def slow(_request):
        time.sleep(2.5)
        return Response(ANSWER.read_bytes(), content_type=SPARQL_JSON)

    httpserver.expect_request("/sparql").respond_with_handler(slow)
    done = run(stored_db, httpserver, "--timeout", "1")
    assert done.exit_code == 1
    assert "did not answer within 1 s" in done.output
    assert not officials_file().exists()


def test_an_unreachable_endpoint_is_a_clear_error(db_path):
    done = CliRunner().invoke(cli, ["--db", str(db_path), "knowledge", "update",
                                    "--endpoint", "http://127.0.0.1:9/sparql"])
    assert done.exit_code == 1 and "cannot reach http://127.0.0.1:9/sparql" in done.output
    assert not officials_file().exists()
