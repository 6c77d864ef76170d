"""Terminal and markup injection: feed text carrying escape sequences, OSC 52/8/0, BEL,
C1 controls, bidi overrides, zero-width characters, Rich/Textual markup, endless words and
100 kB titles. Driven through the real dashboard with Pilot (what each screen draws) and
once through a real terminal (tmux, capturing the raw bytes the app writes)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from datetime import timedelta

import pytest
from textual import events
from textual.widgets import Input

from negotiation_watch.store.db import connection, feed_rows
from negotiation_watch.tui.screens.add_feed import AddFeedScreen
from negotiation_watch.tui.screens.article import ArticleScreen
from negotiation_watch.tui.screens.feeds import FeedsScreen
from negotiation_watch.tui.screens.search import SearchScreen
from negotiation_watch.tui.screens.story import StoryScreen

import tui_fixture
from hostile_support import CLI, HostileServer, body_handler, run_cli
from tui_helpers import make_app, settle

# Each payload hides a sequence a terminal would act on, or markup Textual would parse.
PAYLOADS = {
    "colour": "Colour \x1b[31;1mRED\x1b[0m talks",
    "cursor": "Cursor \x1b[2J\x1b[H\x1b[10;10Hmoved talks",
    "clipboard": "Clipboard \x1b]52;c;cm0gLXJmIH4vKg==\x07 talks",
    "hyperlink": "Link \x1b]8;;https://evil.example/x\x1b\\click\x1b]8;;\x1b\\ talks",
    "window-title": "Title \x1b]0;PWNED-WINDOW\x07\x1b]2;PWNED-WINDOW\x07 talks",
    "bell": "Bell \x07\x07 talks",
    "c1": "Eight-bit \x9b31m\x9d0;PWNED-C1\x9c\x85 talks",
    "bidi": "Bidi \u202egnp.exe\u202c \u2066isolate\u2069 talks",
    "zero-width": "Zero\u200bwidth\u200d\ufeff talks",
    "markup-bold": "Markup [bold]BOLD[/bold] [red]RED[/] talks",
    "markup-link": "Markup [link=https://evil.example/m]LINKED[/link] talks",
    "markup-click": "Markup [@click=app.quit]CLICK[/] [@click=app.bell]B[/] talks",
    "markup-escape": "Markup \\[bold] [/] [ talks",
}
LONG_WORD = "Negotiations" + "x" * 5_000
HUGE_TITLE = "Huge " + ("ceasefire talks in Istanbul " * 3_700)  # about 100 kB
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b-\u200d\u2060\ufeff]")


def hostile_db(path) -> None:
    """A database holding the payloads raw, as if written by an older or careless tool:
    the dashboard must not rely on the fetcher's cleaning."""
    db = connection.connect(path)
    try:
        feed_id, _ = feed_rows.add_feed(db, "http://127.0.0.1:9/hostile.xml", "Feed \x1b]0;PWNED-FEED\x07[bold]F[/bold]\u202e")
        feed_rows.update_feed(db, feed_id, last_status="error", last_error="\x1b[2JError [@click=app.quit]x[/] \x07")
        texts = [*PAYLOADS.values(), LONG_WORD, HUGE_TITLE]
        for n, title in enumerate(texts):
            article = tui_fixture.insert_article(
                db, feed_id, f"h{n}", title, f"Russia said {title} and Ukraine agreed.",
                # days apart: each a story of its own, so each is one row that opens its article
                tui_fixture.NOW - timedelta(days=5 * n, minutes=1), [("party", "RUS", "text", "Russia", None)],
            )
            db.execute("UPDATE articles SET author = ? WHERE id = ?", ("Author \x1b[5m[blink]A[/]\x9b", article))
    finally:
        db.close()


def screen_segments(app):
    """Every segment the current screen draws: text and style, as the driver would get them."""
    for strip in app.screen._compositor.render_strips():
        yield from strip


def assert_screen_is_safe(app, *, cleaned: bool = False) -> str:
    """No control character or invisible mark drawn, no link or click action from feed
    text, the screen still its full size; returns the screen's text. Text that came
    through the cleaner (`cleaned`) has lost the sequences' payloads too."""
    lines, links, actions = [], set(), []
    for strip in app.screen._compositor.render_strips():
        line = ""
        for segment in strip:
            line += segment.text
            style = segment.style
            if style is not None and style.link:
                links.add(style.link)
            if style is not None and style.meta and "@click" in style.meta:
                actions.append(style.meta["@click"])
        lines.append(line)
    text = "\n".join(lines)
    assert not FORBIDDEN.search(text), repr(FORBIDDEN.search(text))
    if cleaned:
        assert "PWNED" not in text
    assert not [link for link in links if "evil" in link], links
    assert not [a for a in actions if "quit" in str(a) or "bell" in str(a)], actions
    assert len(lines) == app.size.height and all(len(line) <= app.size.width for line in lines)
    return text


@pytest.fixture
def hostile(db_path):
    hostile_db(db_path)
    return db_path


async def test_dashboard_shows_hostile_titles_harmlessly(hostile):
    app = make_app(hostile)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        text = assert_screen_is_safe(app)
        assert "[bold]BOLD[/bold]" in text or "[@click=app.quit]" in text, "markup must show as literal text"
        await pilot.press("1", "j", "j", "k")
        await settle(pilot)
        assert app.is_running
        assert_screen_is_safe(app)


async def test_every_article_screen_is_harmless(hostile):
    app = make_app(hostile)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        seen = 0
        for row in range(len(PAYLOADS) + 2):
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, ArticleScreen), f"row {row} did not open"
            text = assert_screen_is_safe(app)
            seen += "talks" in text or "Negotiations" in text or "Huge" in text
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("j")
        assert seen >= len(PAYLOADS)
        assert app.is_running


async def test_markup_in_an_article_shows_literally(hostile):
    app = make_app(hostile)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("1", *["j"] * list(PAYLOADS).index("markup-click"), "enter")
        await settle(pilot)
        text = assert_screen_is_safe(app)
        assert "[@click=app.quit]CLICK[/]" in text
        assert "[blink]A[/]" in text  # the author line, literally


async def test_a_story_of_hostile_reports_is_harmless(hostile):
    """Two outlets' hostile reports of one event: one row, and a story screen drawing both safely."""
    db = connection.connect(hostile)
    try:
        feed_id, _ = feed_rows.add_feed(db, "http://127.0.0.1:9/second.xml", "Second \x1b]0;PWNED-2\x07[bold]S[/bold]")
        title = PAYLOADS["markup-click"]
        tui_fixture.insert_article(db, feed_id, "s1", title, f"Russia said {PAYLOADS['markup-click']} and Ukraine agreed.",
                                   tui_fixture.NOW - timedelta(days=5 * list(PAYLOADS).index("markup-click"), minutes=2),
                                   [("party", "RUS", "text", "Russia", None)])
    finally:
        db.close()
    app = make_app(hostile)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("1", *["j"] * list(PAYLOADS).index("markup-click"), "enter")
        await settle(pilot)
        assert isinstance(app.screen, StoryScreen)
        text = assert_screen_is_safe(app)
        assert "[@click=app.quit]CLICK[/]" in text and "[bold]S[/bold]" in text


async def test_feeds_screen_and_search_are_harmless(hostile):
    app = make_app(hostile)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("F")
        await settle(pilot)
        assert isinstance(app.screen, FeedsScreen)
        text = assert_screen_is_safe(app)
        assert "[bold]F[/bold]" in text
        await pilot.press("escape", "slash")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"talks", "enter")
        await settle(pilot)
        assert_screen_is_safe(app)


async def test_add_feed_modal_shows_typed_markup_literally(hostile):
    app = make_app(hostile)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AddFeedScreen)
        await pilot.press(*"[@click=app.quit]x[/] [link=https://evil.example/]y[/link]", "enter")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, AddFeedScreen)
        assert_screen_is_safe(app)
        assert feed_rows.list_feeds(connection.connect(hostile))[0]["url"] == "http://127.0.0.1:9/hostile.xml"
        assert len(feed_rows.list_feeds(connection.connect(hostile))) == 1


async def test_feeds_fetched_with_hostile_text_reach_the_dashboard_clean(db_path):
    """The other road in: real feeds over loopback, fetched by the real command."""
    items = "".join(
        f"<item><guid>p{n}</guid><title>{_xml(text)}</title><author>{_xml(text)}</author>"
        f"<description>{_xml('<p>Russia: ' + text + '</p>')}</description></item>"
        for n, text in enumerate([*PAYLOADS.values(), LONG_WORD])
    )
    body = (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{_xml(PAYLOADS["window-title"])}'
        f"</title>{items}</channel></rss>"
    ).encode()
    server = HostileServer().start()
    try:
        feed_rows.add_feed(connection.connect(db_path), server.route("/hostile.xml", body_handler(body)))
        run = run_cli("--db", str(db_path), "fetch")
    finally:
        server.stop()
    assert run.status == 0 and "1 feed ok" in run.stdout, run.stderr
    stored = connection.connect(db_path).execute("SELECT title || summary || coalesce(author, '') FROM articles")
    for (text,) in stored:
        assert not FORBIDDEN.search(text), repr(text)
    app = make_app(db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert_screen_is_safe(app, cleaned=True)
        await pilot.press("1", "enter")
        await settle(pilot)
        assert_screen_is_safe(app, cleaned=True)


def _xml(text: str) -> str:
    """Text as XML character data; characters XML cannot carry become references that
    feedparser's lenient parser still decodes."""
    out = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "".join(f"&#{ord(c)};" if ord(c) < 32 and c not in "\n\t" else c for c in out)


# --------------------------------------------------------------------------- a real terminal


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed: the raw-terminal test needs it")
def test_raw_bytes_written_to_a_real_terminal_carry_no_payload(hostile, tmp_path):
    """The dashboard in tmux, every byte it writes captured with pipe-pane: none of the
    payloads' sequences or hidden words reaches the terminal."""
    socket_name = f"nw-hostile-{os.getpid()}"
    capture = tmp_path / "raw.bin"
    tmux = ["tmux", "-L", socket_name, "-f", "/dev/null"]
    env_vars = " ".join(
        f"{name}={os.environ[name]}" for name in ("NEGOTIATION_WATCH_CONFIG_DIR", "NEGOTIATION_WATCH_DATA_DIR")
    )
    command = f"env TERM=xterm-256color {env_vars} {CLI} --db {hostile}"
    subprocess.run([*tmux, "new-session", "-d", "-x", "120", "-y", "40", "-s", "nw", "sleep 30"], check=True)
    try:
        subprocess.run([*tmux, "pipe-pane", "-o", "-t", "nw", f"cat >> {capture}"], check=True)
        subprocess.run([*tmux, "respawn-pane", "-k", "-t", "nw", command], check=True)
        wait_for_bytes(capture, b"Tracks", 20)
        for keys in (["1"], ["Enter"], ["Escape"], ["j"], ["Enter"], ["Escape"], ["F"], ["Escape"], ["q"]):
            subprocess.run([*tmux, "send-keys", "-t", "nw", *keys], check=True)
            time.sleep(0.4)
        time.sleep(1)
        pane = subprocess.run([*tmux, "capture-pane", "-p", "-t", "nw"], capture_output=True, text=True).stdout
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)
    raw = capture.read_bytes()
    assert b"Colour" in raw, "the dashboard never drew the articles"
    assert b"Traceback" not in raw, pane
    # Textual's own pointer-shape request (OSC 22) ends with BEL; any other BEL is feed text.
    raw = re.sub(rb"\x1b\]22;[a-z-]*\x07", b"", raw)
    for marker in (b"\x1b]52;", b"\x1b]0;", b"\x1b]2;", b"\x07", b"\xc2\x9b", b"\xc2\x9d",
                   b"\xe2\x80\xae", b"\xe2\x81\xa6", b"\xe2\x80\x8b", b"\x1b[5m"):
        assert marker not in raw, f"{marker!r} reached the terminal"


def wait_for_bytes(path, needle: bytes, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and needle in path.read_bytes():
            return
        time.sleep(0.1)
    raise AssertionError(f"{needle!r} never appeared in the terminal output")


@pytest.mark.parametrize(
    "typed",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,<b>x</b>",
        "http://[::1",
        "news.example[/feed",
        "https://exa mple.org/\x1b[2J",
        "http://example.org:99999/feed",
        "\u202ehttps://example.org/",
    ],
)
async def test_add_feed_modal_refuses_bad_addresses_cleanly(hostile, typed):
    app = make_app(hostile)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        app.screen.query_one(Input).post_message(events.Paste(typed))
        await settle(pilot)
        assert_screen_is_safe(app)
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, AddFeedScreen)
        assert app.screen.query_one("#result").has_class("error")
        assert_screen_is_safe(app)
    assert len(feed_rows.list_feeds(connection.connect(hostile))) == 1


async def test_search_box_drops_pasted_sequences(hostile):
    app = make_app(hostile)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        app.screen.query_one(Input).post_message(events.Paste("talks\x1b[2J\x1b]52;c;eA==\x07\u202e"))
        await settle(pilot)
        assert_screen_is_safe(app)
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running
        assert_screen_is_safe(app)
