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


def test_import_keeps_folders_dedups_and_skips_unsafe_saying_which(tmp_path, db_path):
    opml = tmp_path / "subs.opml"
    opml.write_text(OPML)
    result = run(db_path, "feeds", "import", str(opml))
    assert result.exit_code == 0, result.output
    assert "Imported 2 new feeds" in result.output and "(0 already followed, 3 skipped)" in result.output
    assert "https://a.example.org/rss: listed 2 times; kept the first" in result.output
    assert "file:///etc/passwd" in result.output and "gopher://" in result.output
    rows = feed_rows.list_feeds(connection.connect(db_path))
    assert [(f["url"], f["folder"]) for f in rows] == [
        ("https://a.example.org/rss", "Europe"), ("https://b.example.org/rss", "Europe/Deeper")
    ]
    assert "Imported 0 new feeds" in run(db_path, "feeds", "import", str(opml)).output


def test_folders_survive_export_and_import(tmp_path, db_path):
    opml = tmp_path / "subs.opml"
    opml.write_text(OPML)
    run(db_path, "feeds", "import", str(opml))
    run(db_path, "feeds", "add", "--no-check", "https://c.example.org/rss")
    out = tmp_path / "out.opml"
    assert "Exported 3 feeds" in run(db_path, "feeds", "export", str(out)).output
    subs, skipped = read_opml(out.read_bytes())
    assert [(s.url, s.folder) for s in subs] == [
        ("https://a.example.org/rss", "Europe"), ("https://b.example.org/rss", "Europe/Deeper"),
        ("https://c.example.org/rss", None),
    ] and not skipped


def test_one_feed_is_one_feed_and_a_cut_short_file_names_its_line(tmp_path, db_path):
    whole = tmp_path / "one.opml"
    whole.write_text(OPML.replace("https://b.example.org/rss", "https://a.example.org/rss"))
    assert "Imported 1 new feed from" in run(db_path, "feeds", "import", str(whole)).output
    assert "Exported 1 feed to" in run(db_path, "feeds", "export", str(tmp_path / "o.opml")).output
    cut = tmp_path / "cut.opml"
    cut.write_text(OPML[: OPML.index("Wire A again") + 5])
    result = CliRunner().invoke(cli, ["--db", str(db_path), "feeds", "import", str(cut)])
    assert result.exit_code == 2
    assert "not well-formed XML: unclosed token at line 4" in result.output and "cut short" in result.output


def test_export_notes_local_files_that_an_import_would_skip(tmp_path, db_path):
    local = tmp_path / "mine.xml"
    local.write_text(RSS)
    run(db_path, "feeds", "add", "--no-check", str(local), "https://c.example.org/rss")
    result = CliRunner().invoke(cli, ["--db", str(db_path), "feeds", "export"])
    assert result.exit_code == 0
    assert f"note: {local.as_uri()} is a local file: importing this list elsewhere skips it" in result.stderr
    subs, skipped = read_opml(result.stdout.encode())
    assert [s.url for s in subs] == ["https://c.example.org/rss"] and "local files" in skipped[0]


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


def test_db_after_the_command_means_the_same_and_an_empty_one_is_refused(tmp_path, db_path):
    run(db_path, "feeds", "add", "--no-check", "https://example.org/a")
    after = CliRunner().invoke(cli, ["feeds", "list", "--json", "--db", str(db_path)])
    assert after.exit_code == 0 and [f["url"] for f in json.loads(after.stdout)] == ["https://example.org/a"]
    assert not (tmp_path / "data").exists()  # the default database was never made, nor seeded
    for args in (["--db", "", "feeds", "list"], ["feeds", "list", "--db", ""], ["fetch", "--db", " "]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2 and "'--db': is empty: give the path of a database file" in result.output


def test_every_command_that_opens_the_database_takes_db_after_its_name(tmp_path, db_path):
    """Not only feeds and fetch: brief, stories and knowledge update read it too."""
    import click

    from negotiation_watch.cli import _Commands

    run(db_path, "feeds", "add", "--no-check", "https://example.org/a")

    def leaves(group, names=()):
        for name in _Commands.MODULES if group is cli else group.commands:
            command = group.get_command(None, name)
            if isinstance(command, click.Group):
                yield from leaves(command, (*names, name))
            else:
                yield (*names, name), command

    for names, command in leaves(cli):
        if names != ("tag",):  # the one command with no database
            assert "--db" in [opt for param in command.params for opt in param.opts], names
    after = CliRunner().invoke(cli, ["stories", "--json", "--db", str(db_path)])
    assert after.exit_code == 0 and json.loads(after.stdout) == []
    brief = CliRunner().invoke(cli, ["brief", "--party", "RUS", "--db", str(db_path)])
    assert brief.exit_code == 0, brief.output
    assert not (tmp_path / "data").exists()  # the chosen file, not the default one, was opened
