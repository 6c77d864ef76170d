"""Display names: from the taxonomy, cached, and refreshed when a taxonomy file changes."""

import pytest

from negotiation_watch.store.config import taxonomy_override_dir
from negotiation_watch.tui import names


def test_names_come_from_the_taxonomy_and_unknown_ids_show_as_they_are(monkeypatch):
    monkeypatch.setattr(names, "_names", {})
    assert names.display_name("party", "RUS") == "RUS"
    names.load_names()
    assert names.display_name("party", "RUS") == "Russia"
    assert names.display_name("track", "normandy-format") == "Normandy Format"
    assert names.display_name("party", "NOT-A-PARTY") == "NOT-A-PARTY"
    assert names.short_label("party", "RUS") == "RUS"
    assert len(names.short_label("track", "russia-ukraine-talks")) <= 14


def test_the_cache_is_used_until_a_taxonomy_file_changes(monkeypatch):
    monkeypatch.setattr(names, "_names", {})
    names.load_names()
    assert names._cache_path().exists()
    # a cached name is served as long as the files are unchanged
    reads = []
    monkeypatch.setattr(names, "_from_taxonomy", lambda: reads.append(1) or {("party", "RUS"): "Russia"})
    names.load_names()
    assert reads == []
    # a new file in the user's taxonomy folder makes the cache stale
    taxonomy_override_dir().mkdir(parents=True)
    (taxonomy_override_dir() / "mine.toml").write_text("# nothing yet\n", encoding="utf-8")
    names.load_names()
    assert reads == [1]


def test_a_damaged_cache_is_ignored(monkeypatch):
    monkeypatch.setattr(names, "_names", {})
    names._cache_path().parent.mkdir(parents=True, exist_ok=True)
    names._cache_path().write_text("{not json", encoding="utf-8")
    names.load_names()
    assert names.display_name("party", "UKR") == "Ukraine"


def test_a_current_cache_is_read_before_the_first_paint_and_a_stale_one_is_not(monkeypatch):
    monkeypatch.setattr(names, "_names", {})
    assert not names.load_cached_names()  # no cache yet: the app reads the taxonomy in a worker
    assert names.display_name("party", "RUS") == "RUS"
    names.load_names()
    monkeypatch.setattr(names, "_names", {})
    assert names.load_cached_names()
    assert names.display_name("party", "RUS") == "Russia"
    taxonomy_override_dir().mkdir(parents=True)
    (taxonomy_override_dir() / "mine.toml").write_text("# nothing yet\n", encoding="utf-8")
    monkeypatch.setattr(names, "_names", {})
    assert not names.load_cached_names()


async def test_the_dashboard_opens_with_cached_names(db_path, monkeypatch):
    """With a current cache, the names are there before the first frame: no worker reads them."""
    import tui_fixture
    from tui_helpers import make_app, settle

    from negotiation_watch.tui.app import NegotiationWatchApp

    tui_fixture.build(db_path)
    names.load_names()  # what an earlier run left
    monkeypatch.setattr(names, "_names", {})
    monkeypatch.setattr(NegotiationWatchApp, "load_names", lambda app: pytest.fail("read names in a worker"))
    app = make_app(db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert names.display_name("party", "RUS") == "Russia"


def test_the_names_cache_lives_in_the_configured_cache_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("NEGOTIATION_WATCH_CACHE_DIR", str(tmp_path / "portable-cache"))
    monkeypatch.setattr(names, "_names", {})
    names.load_names()
    assert (tmp_path / "portable-cache" / "names.json").exists()
