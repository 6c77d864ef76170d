"""`negotiation-watch brief` on a database fed over loopback: the chronology's every field
in Markdown, CSV and JSON, and a hostile title that cannot become a link, image or HTML."""

from __future__ import annotations

import csv
import io
import json
from xml.sax.saxutils import escape

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt
from pytest_httpserver import HTTPServer

from feedgen import item, rss
from negotiation_watch.cli import cli
from negotiation_watch.store.briefs import render
from negotiation_watch.store.briefs.chronology import Subject, read_brief
from negotiation_watch.store.db import connection, feed_rows

HOSTILE = (
    "Envoys [click](javascript:alert(1)) ![px](http://evil.example/p.png) "
    "&amp;lt;img src=x onerror=alert(1)&amp;gt; &lt;a href=\"http://evil.example/a\"&gt;x&lt;/a&gt; "
    "www.evil.example http://evil.example/x user@evil.example **bold** `code` | cell | ~~gone~~ &amp;amp; \\"
)
HOSTILE_STORED = (
    "Envoys [click](javascript:alert(1)) ![px](http://evil.example/p.png) "
    "<img src=x onerror=alert(1)> x www.evil.example http://evil.example/x user@evil.example "
    "**bold** `code` | cell | ~~gone~~ &"
)


def stored_title(db_path, guid: str) -> str:
    db = connection.connect(db_path)
    try:
        return db.execute("SELECT title FROM articles WHERE guid = ?", (guid,)).fetchone()[0]
    finally:
        db.close()

# (guid, date, title, text, link): four days, two feeds, the hostile one among them; the
# two outlets' reports of the advisers' Berlin meeting (w1, d1) are grouped as one story
WIRE = [
    ("w1", "Mon, 10 Feb 2025 09:30:00 GMT", "Normandy Format advisers meet in Berlin",
     "Advisers from France, Germany, Russia and Ukraine met.", "https://wire.example/w1"),
    ("w2", "Wed, 12 Feb 2025 16:05:00 GMT", HOSTILE, "The Normandy Format envoys met Russia's delegation.",
     "https://wire.example/w2?a=(1)&b=<x>"),
    ("w3", "Wed, 12 Feb 2025 08:00:00 GMT", "Gaza ceasefire talks resume in Cairo",
     "Egypt and Qatar mediate between Israel and Hamas.", "javascript:alert(2)"),
]
DAILY = [
    ("d1", "Tue, 11 Feb 2025 12:00:00 GMT", "Normandy Format advisers end Berlin meeting",
     "Advisers from France, Germany, Russia and Ukraine met in Berlin and will meet again.",
     "https://daily.example/d1"),
]


def feed_items(entries) -> list[str]:
    return [item(guid, title, text, date).replace("</guid>", f"</guid><link>{escape(link)}</link>")
            for guid, date, title, text, link in entries]


@pytest.fixture
def fed_db(db_path):
    """The two feeds served on loopback, fetched by the real command into a real file."""
    server = HTTPServer(host="127.0.0.1")
    server.start()
    try:
        urls = []
        for path, title, entries in (("/wire.xml", "Wire [x](http://evil.example) &lt;b&gt;", WIRE),
                                     ("/daily.xml", "Daily News", DAILY)):
            server.expect_request(path).respond_with_data(rss(*feed_items(entries), title=title),
                                                          content_type="application/rss+xml")
            urls.append(server.url_for(path))
        db = connection.connect(db_path)
        for url in urls:
            feed_rows.add_feed(db, url)
        db.close()
        fetched = CliRunner().invoke(cli, ["--db", str(db_path), "fetch"], catch_exceptions=False)
        assert "2 feeds ok, 0 failed, 4 new articles" in fetched.output, fetched.output
    finally:
        server.stop()
    return db_path


def brief(db_path, *args) -> str:
    result = CliRunner().invoke(cli, ["--db", str(db_path), "brief", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_markdown_is_a_chronology_newest_day_last(fed_db):
    text = brief(fed_db, "--track", "normandy-format")
    lines = text.splitlines()
    assert lines[0] == "# Brief: Normandy Format"
    assert lines[2].startswith("*2 stories from 3 articles in 2 outlets · 10 Feb 2025 to 12 Feb 2025 (UTC) · made by")
    days = [line for line in lines if line.startswith("## ")]
    assert days == ["## Monday 10 February 2025", "## Wednesday 12 February 2025"]
    first = lines.index(days[0])
    assert lines[first + 2:first + 6] == [  # one story, two outlets, under its newest headline, from its first time
        "- **09:30** Normandy Format advisers end Berlin meeting",
        "  - Sources: [Wire \\[x\\](http\\://evil.example) \\<b\\>](<https://wire.example/w1>), "
        "[Daily News](<https://daily.example/d1>)",
        "  - Parties: France, Germany, Russia, Ukraine",
        "  - Tracks: Normandy Format",
    ]
    # the Gaza story is not about the track
    assert "Gaza" not in text


def test_a_hostile_title_stays_text_in_markdown(fed_db):
    text = brief(fed_db, "--party", "RUS", "--since", "2025-02-12")
    tokens = MarkdownIt("gfm-like").parse(text)  # tables, strike-through and bare-address links on
    inline = [child for token in tokens for child in (token.children or [])]
    links = [child.attrs["href"] for child in inline if child.type == "link_open"]
    assert links == ["https://wire.example/w2?a=(1)&b=%3Cx%3E"]  # the outlet's link, made by us, nothing else
    assert not [t for t in [*tokens, *inline] if t.type in ("image", "html_inline", "html_block", "code_inline",
                                                           "s_open", "table_open")]
    assert len([t for t in inline if t.type == "strong_open"]) == 1  # the story's time, which we make bold
    headline = next(t for t in tokens if t.type == "inline" and t.content.startswith("**"))
    words = "".join(child.content for child in headline.children if child.type == "text")
    assert words.endswith(stored_title(fed_db, "w2"))  # the reader sees the title exactly as stored
    assert stored_title(fed_db, "w2").startswith(HOSTILE_STORED)
    assert "<img" not in MarkdownIt("gfm-like").render(text).replace("&lt;img", "")


def test_csv_has_one_row_per_article_with_stable_columns(fed_db):
    rows = list(csv.reader(io.StringIO(brief(fed_db, "--search", "talks", "--format", "csv"))))
    assert rows[0] == render.CSV_COLUMNS == [
        "published", "day", "story", "article_id", "headline", "title", "outlet", "url",
        "parties", "party_names", "tracks", "track_names", "interactions",
    ]
    table = [dict(zip(rows[0], row)) for row in rows[1:]]
    assert [row["title"] for row in table] == ["Gaza ceasefire talks resume in Cairo"]
    gaza = table[0]
    assert gaza["published"] == "2025-02-12T08:00:00Z" and gaza["day"] == "2025-02-12"
    assert gaza["story"].startswith("story:") and gaza["headline"] == gaza["title"]
    assert gaza["outlet"] == "Wire [x](http://evil.example) <b>" and gaza["url"] == ""  # the parser keeps no javascript: link
    assert gaza["parties"] == "EGY; HAMAS; ISR; QAT" and gaza["party_names"] == "Egypt; Hamas; Israel; Qatar"
    assert gaza["tracks"] == "gaza-ceasefire-talks" and gaza["track_names"] == "Gaza ceasefire talks"
    # the mediators as the source of `mediate`, each side a target, with the sentence
    assert gaza["interactions"].split("; ") == [
        f"{mediator} mediated with {side}: “Egypt and Qatar mediate between Israel and Hamas.”"
        for mediator in ("Egypt", "Qatar") for side in ("Hamas", "Israel")
    ]


def test_json_holds_every_field(fed_db):
    document = json.loads(brief(fed_db, "--track", "Normandy Format", "--until", "2025-02-10", "--format", "json"))
    assert {k: document[k] for k in ("format", "version", "title", "subject", "since", "until", "truncated")} == {
        "format": "negotiation-watch-brief", "version": 1, "title": "Normandy Format",
        "subject": {"kind": "track", "id": "normandy-format", "search": None, "article_id": None},
        "since": None, "until": "2025-02-10", "truncated": False,
    }
    assert document["generated"].endswith("Z")
    # the story's headline is its newest article's, here one after --until
    assert [entry["headline"] for entry in document["entries"]] == ["Normandy Format advisers end Berlin meeting"]
    first = document["entries"][0]
    assert first["story"].startswith("story:") and first["published"] == "2025-02-10T09:30:00Z"
    assert first["day"] == "2025-02-10"
    assert first["parties"] == [{"id": "FRA", "name": "France"}, {"id": "DEU", "name": "Germany"},
                                {"id": "RUS", "name": "Russia"}, {"id": "UKR", "name": "Ukraine"}]
    assert first["tracks"] == [{"id": "normandy-format", "name": "Normandy Format"}]
    assert first["sources"] == [{
        "article_id": first["sources"][0]["article_id"], "outlet": "Wire [x](http://evil.example) <b>",
        "title": "Normandy Format advisers meet in Berlin", "url": "https://wire.example/w1",
        "published": "2025-02-10T09:30:00Z", "parties": ["FRA", "DEU", "RUS", "UKR"], "tracks": ["normandy-format"],
    }]
    # the advisers' meeting, each pair once (meet is symmetric), with its sentence
    met = {frozenset((i["source"], i["target"])) for i in first["interactions"]}
    assert {i["action"] for i in first["interactions"]} == {"meet"} and all(i["mutual"] for i in first["interactions"])
    assert met == {frozenset(pair) for pair in [("France", "Germany"), ("France", "Russia"), ("France", "Ukraine"),
                                                ("Germany", "Russia"), ("Germany", "Ukraine"), ("Russia", "Ukraine")]}
    assert {i["evidence"] for i in first["interactions"]} == {"Advisers from France, Germany, Russia and Ukraine met."}


def test_output_file_and_mistakes(fed_db, tmp_path):
    out = tmp_path / "memo" / "normandy.md"
    result = CliRunner().invoke(cli, ["--db", str(fed_db), "brief", "--track", "normandy-format", "-o", str(out)])
    assert result.exit_code == 0 and out.read_text().startswith("# Brief: Normandy Format")
    for args, message in [
        (["--track", "normandy"], "no track is called 'normandy'; did you mean normandy-format (Normandy Format)?"),
        (["--track", "normandy-format", "--party", "RUS"], "give --track or --party, not both"),
        ([], "say what the brief is about"),
        (["--party", "RUS", "--since", "12/02/2025"], "not a date: '12/02/2025' (use YYYY-MM-DD)"),
        (["--party", "RUS", "--since", "2025-02-12", "--until", "2025-02-10"], "--since 2025-02-12 is after --until"),
    ]:
        result = CliRunner().invoke(cli, ["--db", str(fed_db), "brief", *args])
        assert result.exit_code == 2 and message in result.output, (args, result.output)


def test_an_empty_brief_says_so(fed_db):
    text = brief(fed_db, "--party", "RUS", "--since", "2030-01-01")
    assert "0 stories from 0 articles in 0 outlets · 1 Jan 2030 to today (UTC)" in text
    assert "Nothing was stored for this subject in this period." in text


def test_the_newest_are_kept_when_a_limit_cuts(fed_db):
    db = connection.connect(fed_db)
    try:
        cut = read_brief(db, Subject("track", "normandy-format"), names=lambda k, t: t, limit=2)
    finally:
        db.close()
    # the newest two articles, and the story one of them belongs to, from its first article on
    assert cut.truncated and [e.day for e in cut.entries] == ["2025-02-10", "2025-02-12"]
    assert "older stories left out" in render.markdown(cut)


def test_csv_cells_that_start_like_formulas_are_defused():
    from negotiation_watch.store.briefs.chronology import Brief, Entry, Source

    source = Source(1, "=HYPERLINK(\"http://evil.example\")", "-2+3", None, "2025-02-10T09:30:00Z")
    entry = Entry("article:1", source.published, "@SUM(A1)", [source], [], [])
    rows = list(csv.reader(io.StringIO(render.csv_text(Brief(Subject(words="x"), "x", None, None, "", [entry])))))
    row = dict(zip(rows[0], rows[1]))
    assert (row["outlet"], row["title"], row["headline"]) == ("'=HYPERLINK(\"http://evil.example\")", "'-2+3", "'@SUM(A1)")


def test_entities_in_a_title_stay_as_typed():
    """A title holding entity text must not turn into the characters it names."""
    from negotiation_watch.store.briefs.chronology import Brief, Entry, Source

    title = "Q&amp;A &#91;x&#93;(http://evil.example) &lt;b&gt; a_b_c *d*"
    source = Source(1, "Wire", title, "https://wire.example/1", "2025-02-10T09:30:00Z")
    entry = Entry("article:1", source.published, title, [source], [], [])
    text = render.markdown(Brief(Subject(words="x"), "x", None, None, "2025-02-10T10:00:00Z", [entry]))
    headline = next(t for t in MarkdownIt("gfm-like").parse(text) if t.type == "inline" and t.content.startswith("**"))
    assert "".join(c.content for c in headline.children if c.type == "text").endswith(title)
    assert [c.type for c in headline.children if c.type.endswith("_open")] == ["strong_open"]


def test_file_names_come_only_from_safe_characters():
    assert Subject("track", "normandy-format").slug() == "track-normandy-format"
    assert Subject(words="../../etc/passwd ; rm -rf ~").slug() == "search-etc-passwd-rm-rf"
    assert Subject("party", "RUS", "Lavrov “talks”").slug() == "party-rus-search-lavrov-talks"
    assert Subject(article_id=12).slug() == "story-12"
    assert Subject(words="…").slug() == "search"
