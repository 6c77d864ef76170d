"""[[alert]] entries: read and checked from config.toml, matched as fetches store new
stories, their commands run once per story (across fetches, processes and restarts),
their failures recorded and never fatal; the dashboard tells of hits from any process."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from feedgen import item, rss
from negotiation_watch.cli import cli
from negotiation_watch.store import config, times
from negotiation_watch.store.db import connection, feed_rows
from negotiation_watch.store.pipeline import alerts

import tui_fixture
from tui_helpers import make_app, settle, wait_until

CLI = [str(Path(sys.executable).parent / "negotiation-watch")]
# Appends its arguments and what its environment says, one JSON line a run.
RECORDER = (
    "import json, os, sys; open(sys.argv[1], 'a').write(json.dumps({'args': sys.argv[2:], "
    "'title': os.environ['NW_TITLE'], 'link': os.environ['NW_LINK'], 'tracks': os.environ['NW_TRACKS'], "
    "'parties': os.environ['NW_PARTIES']}) + '\\n')"
)


def recent(hours: float) -> str:
    return format_datetime(times.utc_now() - timedelta(hours=hours), usegmt=True)


def story(guid: str, title: str, text: str, hours: float = 1) -> str:
    return item(guid, title, text, recent(hours))


def write_config(text: str) -> Path:
    path = config.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def recorder_alert(log: Path, **conditions) -> str:
    lines = [f"{key} = {json.dumps(value)}" for key, value in conditions.items()]
    command = json.dumps([sys.executable, "-c", RECORDER, str(log), "{title}", "{link}", "{tracks}"])
    return "[[alert]]\n" + "\n".join(lines) + f"\ncommand = {command}\n"


def runs(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


@pytest.fixture
def server():
    httpserver = HTTPServer(host="127.0.0.1", threaded=True)
    httpserver.start()
    yield httpserver
    httpserver.clear()
    httpserver.stop()


def serve(server: HTTPServer, path: str, *items: str) -> str:
    server.clear()
    server.expect_request(path).respond_with_data(rss(*items), content_type="application/rss+xml")
    return server.url_for(path)


def add_feed(db_path, url: str) -> None:
    db = connection.connect(db_path)
    try:
        feed_rows.add_feed(db, url)
    finally:
        db.close()


def fetch(db_path):
    result = CliRunner().invoke(cli, ["--db", str(db_path), "fetch", "--all"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


NORMANDY = "Normandy Format advisers meet in Berlin"
# three distinct events, so that no grouping of articles into stories could merge them
NORMANDY_2 = "Macron invites Zelensky to Normandy Format summit at the Elysee"
NORMANDY_3 = "Normandy Format: Kyiv rejects Moscow's sequencing of elections in Donbas"
NORMANDY_2_TEXT = "The French president set a December date for the leaders."
NORMANDY_3_TEXT = "Ukrainian officials said local votes must follow a withdrawal."
OTHER = "Trade ministers discuss tariffs on steel"


def test_a_command_runs_once_per_new_matching_story_across_fetches_and_a_restart(db_path, server, tmp_path):
    log = tmp_path / "alerts.log"
    write_config(recorder_alert(log, track="normandy-format"))
    url = serve(server, "/wire.xml", story("a", NORMANDY, "France, Germany, Russia and Ukraine."),
                story("b", OTHER, "No talks here."))
    add_feed(db_path, url)

    first = fetch(db_path)
    assert [run["title"] for run in runs(log)] == [NORMANDY]
    assert f"alert normandy-format: {NORMANDY}" in first.output
    assert runs(log)[0]["args"][0] == NORMANDY and runs(log)[0]["tracks"] == "Normandy Format"
    assert "Russia" in runs(log)[0]["parties"]

    # the second fetch: one more story about the track, the first one edited, another unrelated
    serve(server, "/wire.xml", story("a", NORMANDY, "France, Germany, Russia and Ukraine met again."),
          story("b", OTHER, "No talks here."), story("c", NORMANDY_2, NORMANDY_2_TEXT),
          story("d", "Steel tariffs rise", "Nothing on talks."))
    fetch(db_path)
    assert [run["title"] for run in runs(log)] == [NORMANDY, NORMANDY_2]

    # a restart: a new process, the feed serving everything again plus one new story
    serve(server, "/wire.xml", story("a", NORMANDY, "France, Germany, Russia and Ukraine met again."),
          story("c", NORMANDY_2, NORMANDY_2_TEXT), story("e", NORMANDY_3, NORMANDY_3_TEXT))
    done = subprocess.run([*CLI, "--db", str(db_path), "fetch", "--all"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert [run["title"] for run in runs(log)] == [NORMANDY, NORMANDY_2, NORMANDY_3]
    # {link} is the article's link: a guid that looks like a path, resolved against the feed
    assert [run["link"] for run in runs(log)] == [server.url_for(f"/{guid}") for guid in "ace"]

    db = connection.connect(db_path)
    try:
        statuses = db.execute("SELECT alert, title, command_status FROM alert_hits ORDER BY id").fetchall()
    finally:
        db.close()
    assert statuses == [("normandy-format", title, "ok") for title in (NORMANDY, NORMANDY_2, NORMANDY_3)]


def test_a_story_is_claimed_once_even_when_checked_again(db_path):
    """The hit's row is the claim: matching the same articles again (another process,
    or a check after a crash) finds the story taken."""
    tui_fixture.build(db_path)
    db = connection.connect(db_path)
    watch = config.Alert("talks", search="talks")
    try:
        _restart_alerts_at(db, 0)
        now = tui_fixture.NOW
        first = alerts.claim_hits(db, [watch], names=lambda kind, tag_id: tag_id, now=now)
        assert sorted(hit.title for _, hit in first) == [
            "Hamas delegation arrives in Cairo for talks",  # 100 hours old: too old to be news
            "Ukraine and Russia exchange prisoners after talks in Istanbul",
            "[bold]Vienna[/bold] talks on Iran nuclear deal resume",
        ][1:]
        assert alerts.claim_hits(db, [watch], names=lambda kind, tag_id: tag_id, now=now) == []
        _restart_alerts_at(db, 0)
        assert alerts.claim_hits(db, [watch], names=lambda kind, tag_id: tag_id, now=now) == []
    finally:
        db.close()


def _restart_alerts_at(db, article_id: int) -> None:
    connection.set_meta(db, connection.ALERTS_SEEN_KEY, str(article_id))


def test_conditions_combine_every_one_given(db_path):
    tui_fixture.build(db_path)
    db = connection.connect(db_path)
    names = lambda kind, tag_id: tag_id  # noqa: E731
    cases = {
        "russia": config.Alert("russia", parties=("RUS",)),
        "russia in normandy": config.Alert("russia in normandy", tracks=("normandy-format",), parties=("RUS",)),
        "either track": config.Alert("either track", tracks=("normandy-format", "minsk-agreements")),
        "prisoners from russia": config.Alert("prisoners from russia", parties=("RUS",), search="prisoners"),
        "nobody": config.Alert("nobody", parties=("RUS",), search="tariffs"),
    }
    try:
        _restart_alerts_at(db, 0)
        claimed = alerts.claim_hits(db, list(cases.values()), names=names, now=tui_fixture.NOW)
    finally:
        db.close()
    found: dict[str, list[str]] = {}
    for alert, hit in claimed:
        found.setdefault(alert.name, []).append(hit.title)
    assert found == {
        "russia": ["Normandy Format advisers meet in Berlin", "Kremlin says Minsk agreements remain the only basis",
                   "Ukraine and Russia exchange prisoners after talks in Istanbul"],
        "russia in normandy": ["Normandy Format advisers meet in Berlin"],
        "either track": ["Normandy Format advisers meet in Berlin",
                         "Kremlin says Minsk agreements remain the only basis"],
        "prisoners from russia": ["Ukraine and Russia exchange prisoners after talks in Istanbul"],
    }


def test_failing_commands_are_recorded_and_the_fetch_goes_on(db_path, server, tmp_path):
    failing = json.dumps([sys.executable, "-c", "import sys; sys.stderr.write(chr(27) + '[31mno display'); sys.exit(3)"])
    slow = json.dumps([sys.executable, "-c", "import time; time.sleep(30)"])
    write_config(
        '[[alert]]\nname = "missing"\ntrack = "normandy-format"\ncommand = ["/nonexistent/notifier", "{title}"]\n'
        f'[[alert]]\nname = "exit"\ntrack = "normandy-format"\ncommand = {failing}\n'
        f'[[alert]]\nname = "slow"\ntrack = "normandy-format"\ntimeout = 1\ncommand = {slow}\n'
    )
    add_feed(db_path, serve(server, "/wire.xml", story("a", NORMANDY, "France and Germany.")))
    result = CliRunner().invoke(cli, ["--db", str(db_path), "fetch"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "1 feed ok, 0 failed, 1 new article," in result.output
    db = connection.connect(db_path)
    try:
        recorded = dict(db.execute("SELECT alert, command_status || ' | ' || coalesce(command_error, '') FROM alert_hits"))
    finally:
        db.close()
    assert recorded["missing"].startswith("could not start /nonexistent/notifier: No such file")
    assert recorded["exit"] == "exit status 3 | [31mno display" or recorded["exit"] == "exit status 3 | no display"
    assert "\x1b" not in recorded["exit"]
    assert recorded["slow"] == "timed out after 1 s | "
    assert "alert exit: its command failed (exit status 3)" in result.output


def test_bad_alert_entries_are_reported_and_the_rest_work(tmp_path):
    path = write_config(
        '[[alert]]\ntrack = "normandy-format"\n'
        '[[alert]]\ncommand = ["echo"]\n'
        '[[alert]]\nparty = "RUS"\ncommand = "notify-send {title}"\n'
        '[[alert]]\nparty = ["RUS", 3]\n'
        '[[alert]]\nsearch = "ceasefire"\ncommand = ["echo", "{headline}"]\n'
        '[[alert]]\nparty = "EGY"\ntimeout = 0\n'
        '[[alert]]\nparty = "QAT"\ncolour = "red"\n'
        '[[alert]]\nsearch = "\\" ? *"\n'
        '[[alert]]\nname = "gaza"\ntrack = "gaza-ceasefire-talks"\nbell = true\ncommand = ["echo", "{title}: {link}"]\n'
    )
    settings = config.load_settings(path)
    assert [(a.name, a.tracks, a.parties, a.command, a.bell) for a in settings.alerts] == [
        ("normandy-format", ("normandy-format",), (), (), False),
        ("gaza", ("gaza-ceasefire-talks",), (), ("echo", "{title}: {link}"), True),
    ]
    reasons = "\n".join(settings.problems)
    assert "[[alert]] number 2: it needs a track, a party or search words to match" in reasons
    assert "[[alert]] number 3: command must be a list of arguments" in reasons and "without a shell" in reasons
    assert "[[alert]] number 4: party must be an id or a list of ids" in reasons
    assert "[[alert]] number 5: command: no placeholder is called {headline}" in reasons
    assert "[[alert]] number 6: timeout must be a whole number of seconds from 1 to 300" in reasons
    assert "[[alert]] number 7: unknown setting 'colour'" in reasons
    assert "[[alert]] number 8: search needs at least one word to look for" in reasons
    assert len(settings.problems) == 7


async def test_the_dashboard_tells_of_hits_another_process_recorded(db_path):
    tui_fixture.build(db_path)
    write_config('[[alert]]\nname = "cairo"\nsearch = "Cairo"\nbell = true\n')
    app = make_app(db_path)
    rings = []
    app.bell = lambda: rings.append(1)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        assert app._alerts_seen == 0
        db = connection.connect(db_path)
        try:
            _restart_alerts_at(db, 0)
            claimed = alerts.claim_hits(db, app.settings.alerts, names=lambda k, t: t,
                                        now=tui_fixture.NOW - timedelta(days=2))
        finally:
            db.close()
        assert [hit.title for _, hit in claimed] == ["Hamas delegation arrives in Cairo for talks"]
        app.notice_change()
        await wait_until(pilot, lambda: any("Cairo" in str(n.message) for n in app._notifications))
        note = next(n for n in app._notifications if "Cairo" in str(n.message))
        assert note.title == "Alert: cairo" and rings == [1]


def test_an_older_database_starts_its_alerts_from_now(db_path):
    """Upgrading to alerts must not fire for everything already stored."""
    tui_fixture.build(db_path)
    db = connection.connect(db_path)
    with connection.write_transaction(db) as conn:
        conn.execute("DROP TABLE alert_hits")
        conn.execute("DELETE FROM meta WHERE key = ?", (connection.ALERTS_SEEN_KEY,))
    connection.set_meta(db, "schema_version", "3")
    db.close()
    again = connection.connect(db_path)
    try:
        assert connection.get_meta(again, "schema_version") == str(connection.SCHEMA_VERSION)
        assert connection.get_meta(again, connection.ALERTS_SEEN_KEY) == "8"
        assert again.execute("SELECT count(*) FROM articles").fetchone()[0] == 8
        watch = config.Alert("any", search="talks")
        assert alerts.claim_hits(again, [watch], names=lambda k, t: t, now=tui_fixture.NOW) == []
    finally:
        again.close()


def test_the_readme_example_is_a_valid_configuration():
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    settings = config.load_settings(write_config(example))
    assert settings.problems == []
    assert settings.alerts == [config.Alert(
        "normandy", ("normandy-format",), ("RUS", "UKR"), "summit", ("notify-send", "Normandy: {title}", "{link}"),
        10, True)]
    assert settings.brief.format == "md" and settings.brief.days == 90
    assert settings.brief.folder == Path("~/memos").expanduser()


def test_an_alert_on_an_unknown_id_is_reported_before_fetching(db_path):
    write_config('[[alert]]\ntrack = "normandy"\n[[alert]]\nparty = "rus"\n[[alert]]\nparty = "Hamas"\n')
    result = CliRunner().invoke(cli, ["--db", str(db_path), "fetch"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "warning: alert 'normandy': no track has the id 'normandy'; it cannot match" in result.output
    assert "warning: alert 'rus': no party has the id 'rus' (did you mean 'RUS'?)" in result.output
    assert "warning: alert 'Hamas': no party has the id 'Hamas' (did you mean 'HAMAS'?)" in result.output


async def test_feed_text_reaches_a_command_as_one_argument_never_through_a_shell(tmp_path):
    log = tmp_path / "alerts.log"
    title = 'Envoys meet; touch pwned $(touch pwned) `touch pwned` {link} "quoted" \'single\''
    hit = alerts.AlertHit(1, "any", "article:1", 1, title, "https://wire.example/1?a=1&b=2", "2026-03-02T15:00:00Z",
                          tracks=["Normandy Format"], parties=["France", "Russia"])
    watch = config.Alert("any", tracks=("normandy-format",), command=(
        sys.executable, "-c", RECORDER, str(log), "{title}", "[{link}]", "{tracks}", "{nothing}"))
    assert await alerts.run_command(watch, hit) == ("ok", None)
    (run,) = runs(log)
    assert run["args"] == [title, "[https://wire.example/1?a=1&b=2]", "Normandy Format", "{nothing}"]
    assert run["title"] == title and run["parties"] == "France, Russia"
    assert not list(tmp_path.glob("pwned")) and not Path("pwned").exists()


async def test_the_dashboards_own_fetch_fires_an_alert_once(db_path, server, tmp_path):
    log = tmp_path / "alerts.log"
    write_config(recorder_alert(log, track="normandy-format", bell=True))
    tui_fixture.build(db_path)
    tui_fixture.pause_fixture_feeds(db_path)
    add_feed(db_path, serve(server, "/wire.xml", story("a", NORMANDY, "France and Germany met."),
                            story("b", OTHER, "Nothing on talks.")))
    app = make_app(db_path)
    rings = []
    app.bell = lambda: rings.append(1)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await wait_until(pilot, lambda: app.fetch_progress is None and runs(log), timeout=30)
        await wait_until(pilot, lambda: any(n.title == "Alert: normandy-format" for n in app._notifications))
        assert [n.message for n in app._notifications if n.title == "Alert: normandy-format"] == [NORMANDY]
        assert rings == [1]
        await pilot.press("r")  # the feed again, nothing new: no second run
        await wait_until(pilot, lambda: app.fetch_progress is None, timeout=30)
        await settle(pilot)
    assert [run["title"] for run in runs(log)] == [NORMANDY]


def test_fetch_every_fires_each_new_story_once_while_it_keeps_fetching(db_path, server, tmp_path):
    import signal
    import time

    log = tmp_path / "alerts.log"
    write_config(recorder_alert(log, track="normandy-format"))
    url = serve(server, "/wire.xml", story("a", NORMANDY, "France and Germany met."))
    add_feed(db_path, url)
    process = subprocess.Popen([*CLI, "--db", str(db_path), "fetch", "--every", "1s"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while len(runs(log)) < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        serve(server, "/wire.xml", story("a", NORMANDY, "France and Germany met."),
              story("c", NORMANDY_2, NORMANDY_2_TEXT))
        while len(runs(log)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        fetched_before = len(server.log)
        while len(server.log) < fetched_before + 3 and time.monotonic() < deadline:  # three more rounds
            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert [run["title"] for run in runs(log)] == [NORMANDY, NORMANDY_2], err
    assert out.count(f"alert normandy-format: {NORMANDY} <") == 1 and out.count(NORMANDY_2) == 1


async def test_many_hits_at_once_make_one_notification(db_path):
    tui_fixture.build(db_path)
    write_config('[[alert]]\nname = "anything"\nsearch = "the"\n')
    app = make_app(db_path)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        db = connection.connect(db_path)
        try:
            _restart_alerts_at(db, 0)
            claimed = alerts.claim_hits(db, app.settings.alerts, names=lambda k, t: t, now=tui_fixture.NOW)
        finally:
            db.close()
        assert len(claimed) > 3
        app.notice_change()
        await wait_until(pilot, lambda: any(n.title == "Alerts: anything" for n in app._notifications))
        notes = [n for n in app._notifications if n.title.startswith("Alert")]
        assert len(notes) == 1 and str(notes[0].message).startswith(f"{len(claimed)} new stories: ")
