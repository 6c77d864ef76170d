"""`negotiation-watch feeds ...` through the real CLI, real loopback HTTP and real SQLite."""

import json

import pytest
from click.testing import CliRunner

from negotiation_watch.cli import cli
from negotiation_watch.store.db import connection, feed_rows
from negotiation_watch.store.parse.opml import OPMLError, read_opml, write_opml
from negotiation_watch.store.fetch.urls import InvalidURL, feed_url

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Loopback Diplomacy</title><link>http://example.invalid/</link>
<item><title>Envoys meet in Doha</title><guid>a1</guid><pubDate>Mon, 04 Aug 2025 10:00:00 GMT</pubDate></item>
<item><title>Talks resume in Geneva</title><guid>a2</guid><pubDate>Tue, 05 Aug 2025 10:00:00 GMT</pubDate></item>
</channel></rss>"""


def run(db_path, *args, input=None):
    return CliRunner().invoke(cli, ["--db", str(db_path), *args], input=input, catch_exceptions=False)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("https://Example.org/feed.xml", "https://example.org/feed.xml"),
        ("http://127.0.0.1:8080/rss?x=1#top", "http://127.0.0.1:8080/rss?x=1"),
        ("file:///var/feeds/a.xml", "file:///var/feeds/a.xml"),
    ],
)
def test_feed_url_normalises(text, expected):
    assert feed_url(text) == expected


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "no address given"),
        ("example.org/rss", "did you mean https://example.org/rss"),
        ("localhost:8080/feed", "did you mean https://localhost:8080/feed"),
        ("ftp://example.org/feed", "ftp: scheme is not supported"),
        ("javascript:alert(1)", "javascript: scheme is not supported"),
        ("http://exa mple.org/", "spaces or control characters"),
        ("http:///nohost", "no valid host"),
        ("http://example.org:99999/", "Port out of range"),
        ("file://otherhost/etc/passwd", "must name a local path"),
        ("notaurl", "not a URL"),
        ("http://example.org/\x1b[31m", "control characters"),
    ],
)
def test_feed_url_refuses_with_a_reason(text, reason):
    with pytest.raises(InvalidURL, match=reason):
        feed_url(text)


def test_local_path_becomes_file_url(tmp_path):
    feed = tmp_path / "archive.xml"
    feed.write_text(RSS)
    assert feed_url(str(feed)) == feed.as_uri()


def test_add_fetches_first_and_reports_title_and_items(httpserver, db_path):
    httpserver.expect_request("/rss").respond_with_data(RSS, content_type="application/rss+xml")
    url = httpserver.url_for("/rss")
    result = run(db_path, "feeds", "add", url)
    assert result.exit_code == 0, result.output
    assert "added" in result.output and "Loopback Diplomacy (2 items)" in result.output
    again = run(db_path, "feeds", "add", url)
    assert again.exit_code == 0 and "already followed" in again.output
    assert [f["url"] for f in feed_rows.list_feeds(connection.connect(db_path))] == [url]


def test_add_resolves_html_page_through_autodiscovery(httpserver, db_path):
    httpserver.expect_request("/rss").respond_with_data(RSS, content_type="application/rss+xml")
    page = '<html><head><link rel="alternate" type="application/rss+xml" href="/rss"></head><body>hi</body></html>'
    httpserver.expect_request("/").respond_with_data(page, content_type="text/html")
    result = run(db_path, "feeds", "add", httpserver.url_for("/"))
    assert result.exit_code == 0, result.output
    assert [f["url"] for f in feed_rows.list_feeds(connection.connect(db_path))] == [httpserver.url_for("/rss")]


def test_add_bad_urls_exit_2_and_store_nothing(httpserver, db_path):
    httpserver.expect_request("/missing").respond_with_data("gone", status=404)
    result = CliRunner().invoke(
        cli, ["--db", str(db_path), "feeds", "add", "ftp://example.org/x", httpserver.url_for("/missing")]
    )
    assert result.exit_code == 2
    assert "ftp: scheme is not supported" in result.output and "404" in result.output
    assert "Traceback" not in result.output
    assert feed_rows.list_feeds(connection.connect(db_path)) == []


def test_add_no_check_stores_without_fetching(db_path):
    result = run(db_path, "feeds", "add", "--no-check", "https://example.org/feed")
    assert result.exit_code == 0 and "added" in result.output
    assert feed_rows.find_feed(connection.connect(db_path), "https://example.org/feed")


def test_list_json_remove_by_id_and_url(db_path):
    run(db_path, "feeds", "add", "--no-check", "https://example.org/a", "https://example.org/b")
    listed = json.loads(run(db_path, "feeds", "list", "--json").stdout)
    assert [(f["url"], f["health"]) for f in listed] == [("https://example.org/a", "new"), ("https://example.org/b", "new")]
    assert run(db_path, "feeds", "remove", str(listed[0]["id"])).exit_code == 0
    assert run(db_path, "feeds", "remove", "https://example.org/b").exit_code == 0
    missing = CliRunner().invoke(cli, ["--db", str(db_path), "feeds", "remove", "https://example.org/zz"])
    assert missing.exit_code == 2 and "no feed" in missing.output
    assert "No feeds yet" in run(db_path, "feeds", "list").output


def test_list_shows_health_and_errors_without_escape_sequences(db_path):
    db = connection.connect(db_path)
    feed_id, _ = feed_rows.add_feed(db, "https://example.org/a", title="Evil \x1b]0;pwned\x07 Wire")
    feed_rows.update_feed(db, feed_id, consecutive_errors=2, last_error="HTTP 500 \x1b[2J", last_fetch="2025-08-01T10:00:00Z")
    output = run(db_path, "feeds", "list").output
    assert "failing (2)" in output and "HTTP 500" in output
    assert "\x1b" not in output and "\x07" not in output


OPML = """<?xml version="1.0"?><opml version="2.0"><head><title>mine</title></head><body>
<outline text="Europe"><outline text="Wire A" type="rss" xmlUrl="https://a.example.org/rss"/>
  <outline text="Deeper"><outline text="Wire B" type="rss" xmlUrl="https://b.example.org/rss"/></outline></outline>
<outline text="Wire A again" type="rss" xmlUrl="https://a.example.org/rss"/>
<outline text="sneaky" type="rss" xmlUrl="file:///etc/passwd"/>
<outline text="bad" type="rss" xmlUrl="gopher://old.example.org/"/>
</body></opml>"""


def test_import_flattens_dedups_and_skips_unsafe(tmp_path, db_path):
    opml = tmp_path / "subs.opml"
    opml.write_text(OPML)
    result = run(db_path, "feeds", "import", str(opml))
    assert result.exit_code == 0, result.output
    assert "Imported 2 new feeds" in result.output
    urls = [f["url"] for f in feed_rows.list_feeds(connection.connect(db_path))]
    assert urls == ["https://a.example.org/rss", "https://b.example.org/rss"]
    assert "Imported 0 new feeds" in run(db_path, "feeds", "import", str(opml)).output


@pytest.mark.parametrize("content", ["", "<opml><body><outline", "not xml at all", "<html><body>hi</body></html>"])
def test_import_refuses_unusable_files_clearly(tmp_path, db_path, content):
    bad = tmp_path / "bad.opml"
    bad.write_text(content)
    result = CliRunner().invoke(cli, ["--db", str(db_path), "feeds", "import", str(bad)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "bad.opml" in result.output


def test_import_missing_file(tmp_path, db_path):
    result = CliRunner().invoke(cli, ["--db", str(db_path), "feeds", "import", str(tmp_path / "nope.opml")])
    assert result.exit_code == 2 and "cannot read" in result.output


def test_export_round_trips_through_import(tmp_path, db_path):
    run(db_path, "feeds", "add", "--no-check", "https://example.org/a?x=1&y=2", "https://example.org/b")
    out = tmp_path / "out.opml"
    assert run(db_path, "feeds", "export", str(out)).exit_code == 0
    subs, skipped = read_opml(out.read_bytes())
    assert [s.url for s in subs] == ["https://example.org/a?x=1&y=2", "https://example.org/b"] and not skipped
    assert "<opml" in run(db_path, "feeds", "export").output


def test_write_opml_escapes_titles():
    document = write_opml([{"url": "https://e.org/a", "title": 'A & B <"C">', "site_url": None}])
    assert read_opml(document.encode())[0][0].title == 'A & B <"C">'


def test_read_opml_limits():
    with pytest.raises(OPMLError, match="empty"):
        read_opml(b"  ")


def test_default_database_is_seeded_once_chosen_database_never(tmp_path, db_path, monkeypatch):
    run(db_path, "feeds", "list")
    assert feed_rows.list_feeds(connection.connect(db_path)) == []
    result = CliRunner().invoke(cli, ["feeds", "list", "--json"])
    seeded = json.loads(result.stdout)
    assert len(seeded) >= 15 and all(f["url"].startswith(("http://", "https://")) for f in seeded)
    first = seeded[0]["url"]
    CliRunner().invoke(cli, ["feeds", "remove", first])
    again = json.loads(CliRunner().invoke(cli, ["feeds", "list", "--json"]).stdout)
    assert first not in [f["url"] for f in again]


def test_db_pointing_at_a_directory_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path), "feeds", "list"])
    assert result.exit_code == 1 and "is a directory" in result.output and "Traceback" not in result.output
