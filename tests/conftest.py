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


@pytest.fixture
def make_read_only(tmp_path):
    """Turn a database file into one the test's user cannot write: file and folder
    permissions for an ordinary user; for root, whom permissions do not stop, a read-only
    tmpfs mount holding a copy. Returns the path to open."""
    import os
    import shutil
    import subprocess

    mounts = []

    def make(db_path):
        folder = tmp_path / f"read-only-{len(mounts)}"
        folder.mkdir()
        if os.geteuid() != 0:
            target = folder / db_path.name
            shutil.copy(db_path, target)
            target.chmod(0o444)
            folder.chmod(0o555)
            mounts.append(("chmod", folder))
            return target
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)]).returncode:
            pytest.skip("root without a way to make a read-only folder (mount refused)")
        mounts.append(("mount", folder))
        shutil.copy(db_path, folder / db_path.name)
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        return folder / db_path.name

    yield make
    for how, folder in mounts:
        if how == "mount":
            subprocess.run(["umount", "-l", str(folder)], check=False)  # lazily: a connection may still be open
        else:
            folder.chmod(0o755)
