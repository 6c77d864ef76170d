"""Shared fixtures: every test gets its own config and data folders, never the user's."""

import pytest


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Point config, data and cache folders at tmp so tests never touch the real home."""
    monkeypatch.setenv("NEGOTIATION_WATCH_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("NEGOTIATION_WATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("NEGOTIATION_WATCH_DB", raising=False)
    return tmp_path


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "test.db"


def _forget_browsers(monkeypatch) -> None:
    """webbrowser looks for browsers once per process: make it look again under this test's environment."""
    import webbrowser

    monkeypatch.setattr(webbrowser, "_tryorder", None)
    monkeypatch.setattr(webbrowser, "_browsers", {})


@pytest.fixture
def recording_browser(tmp_path, monkeypatch):
    """A real browser command (a script that writes down the URLs it is given) as $BROWSER;
    returns a function listing the URLs opened so far."""
    log = tmp_path / "opened.txt"
    script = tmp_path / "record-browser"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{log}"\n', encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv("BROWSER", str(script))
    _forget_browsers(monkeypatch)
    return lambda: log.read_text(encoding="utf-8").split() if log.exists() else []


@pytest.fixture
def no_browser(tmp_path, monkeypatch):
    """A machine with no browser at all: no $BROWSER, no display, nothing on PATH."""
    for name in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))
    _forget_browsers(monkeypatch)
