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
