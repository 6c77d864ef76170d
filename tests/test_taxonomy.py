"""Loading taxonomy files: user overrides, suppression, problem reports, version, matcher cache."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from negotiation_watch.store.extract import matcher as matcher_module
from negotiation_watch.store.extract.cache import KEPT_FILES
from negotiation_watch.store.extract.extractor import extract
from negotiation_watch.store.extract.taxonomy import load_taxonomy, load_taxonomy_paths
from taxonomy_fixture import fixture_taxonomy, isolated_cache  # noqa: F401  (autouse fixture)


def party_ids(tax, title):
    return {t.id for t in extract(tax, title).parties}


def test_user_entry_adds_and_extends(tmp_path):
    tax = fixture_taxonomy(tmp_path, """
[[party]]
id = "RUS"
name = "Russian Federation"
aliases = ["Rossiya"]

[[party]]
id = "XKX"
kind = "state"
name = "Kosovo"
aliases = ["Kosovo"]
""")
    assert tax.parties["RUS"].name == "Russian Federation"
    assert "Russia" in tax.parties["RUS"].aliases and "Rossiya" in tax.parties["RUS"].aliases
    assert tax.parties["RUS"].kind == "state"
    assert party_ids(tax, "Rossiya and Kosovo") == {"RUS", "XKX"}


def test_suppress_stops_an_alias(tmp_path):
    tax = fixture_taxonomy(tmp_path, '[suppress]\naliases = ["Washington"]\n')
    assert party_ids(tax, "Washington rejects the plan") == set()
    assert party_ids(tax, "The US rejects the plan") == {"USA"}


def test_invalid_toml_is_reported_with_its_line_and_the_rest_loads(tmp_path):
    bad = tmp_path / "taxonomy.d"
    bad.mkdir()
    (bad / "broken.toml").write_text('[[party]]\nid = "ABC"\nname = \n', encoding="utf-8")
    (bad / "good.toml").write_text('[[party]]\nid = "RUS"\naliases = ["Rossiya"]\n', encoding="utf-8")
    tax = load_taxonomy_paths(fixture_taxonomy_path(tmp_path), bad)
    assert any(p.startswith(f"{bad / 'broken.toml'}:3: not valid TOML") for p in tax.problems), tax.problems
    assert "Rossiya" in tax.parties["RUS"].aliases


def test_semantic_errors_name_path_line_and_reason(tmp_path):
    user = tmp_path / "user.toml"
    user.write_text(
        "# comment\n"
        '[[party]]\nid = "AAA"\nkind = "state"\nname = "Alpha"\ncolour = "red"\n'  # line 2: unknown field
        '\n[[party]]\nid = "BBB"\nkind = "state"\nname = "Beta"\naliases = "Beta"\n'  # line 8: wrong type
        '\n[[person]]\nid = "x-y"\nname = "X Y"\nparty = "RUS"\n'
        'offices = [{ office = "RUS.foreign-minister", start = "2020-13-45" }]\n'  # line 14: bad date
        '\n[[office]]\nid = "ZZZ.president"\nparty = "ZZZ"\nrole = "president"\n'  # line 20: unknown party
        '\n[[party]]\nid = "CCC"\nkind = "planet"\nname = "Gamma"\n'  # line 25: bad kind
        '\n[[party]]\nid = "DDD"\nkind = "state"\nname = "Delta"\naliases = ["Delta"]\n',  # fine
        encoding="utf-8",
    )
    tax = load_taxonomy_paths(fixture_taxonomy_path(tmp_path), user)
    mine = [p for p in tax.problems if p.startswith(str(user))]
    assert mine == [
        f"{user}:2: party 'AAA': unknown field 'colour'",
        f"{user}:8: party 'BBB': 'aliases' must be a list of non-empty strings",
        f"{user}:25: party 'CCC': kind must be one of state, organisation, nonstate",
        f"{user}:14: person 'x-y': 'start' must be a date like 2022-01-27, not '2020-13-45'",
        f"{user}:20: office 'ZZZ.president': party 'ZZZ' does not exist",
    ]
    assert "DDD" in tax.parties and "AAA" not in tax.parties and "CCC" not in tax.parties


def test_a_bad_override_falls_back_to_the_entry_it_overrides(tmp_path):
    tax = fixture_taxonomy(tmp_path, """
[[person]]
id = "sergey-lavrov"
party = "XYZ"
aliases = ["Lavrov the Elder"]

[[party]]
id = "USA"
kind = "galaxy"
""")
    where = tmp_path / "user.toml"
    assert f"{where}:2: person 'sergey-lavrov': party 'XYZ' does not exist" in tax.problems
    assert f"{where}:7: party 'USA': kind must be one of state, organisation, nonstate" in tax.problems
    assert tax.people["sergey-lavrov"].party == "RUS"
    assert tax.parties["USA"].kind == "state"
    assert party_ids(tax, "Lavrov and the US") == {"RUS", "USA"}


def test_garbage_files_never_raise(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "binary.toml").write_bytes(b"\xff\xfe\x00garbage")
    (folder / "list.toml").write_text('party = "not a list"\n[[track]]\nid = 3\n', encoding="utf-8")
    (folder / "new.toml").write_text('[[party]]\nid = "QQQ"\nname = "Q"\n', encoding="utf-8")
    tax = load_taxonomy_paths(fixture_taxonomy_path(tmp_path), folder)
    reasons = "\n".join(tax.problems)
    assert "binary.toml:1: cannot read" in reasons
    assert "list.toml:1: unknown table 'party'" in reasons
    assert "list.toml:2: track entry: 'id' must be a non-empty string" in reasons
    assert "new.toml:1: party 'QQQ': missing field 'kind'" in reasons
    assert "RUS" in tax.parties


def test_version_is_stable_and_follows_the_data(tmp_path):
    first = fixture_taxonomy(tmp_path)
    again = fixture_taxonomy(tmp_path)
    changed = fixture_taxonomy(tmp_path, '[[party]]\nid = "RUS"\naliases = ["Rossiya"]\n')
    assert first.version == again.version
    assert first.version != changed.version


def test_load_taxonomy_reads_bundled_and_user_folder(tmp_path):
    user = tmp_path / "taxonomy.d"
    user.mkdir()
    (user / "mine.toml").write_text(
        '[[track]]\nid = "my-track"\nname = "My Track"\naliases = ["Zebra Accord"]\n', encoding="utf-8"
    )
    tax = load_taxonomy(user)
    assert "normandy-format" in tax.tracks and "my-track" in tax.tracks
    assert [t.id for t in extract(tax, "The Zebra Accord holds").tracks] == ["my-track"]
    assert load_taxonomy().tracks.keys() == tax.tracks.keys() - {"my-track"}


def test_matcher_is_cached_on_disk_and_a_corrupt_cache_is_rebuilt(tmp_path, isolated_cache):  # noqa: F811
    tax = fixture_taxonomy(tmp_path)
    cache = matcher_module._cache_path(tax.version)
    assert cache.parent == isolated_cache
    cache.unlink(missing_ok=True)
    built = matcher_module.matcher_for(tax)
    assert cache.is_file()
    reloaded = matcher_module.matcher_for(fixture_taxonomy(tmp_path))
    assert reloaded is not built and reloaded.version == built.version
    cache.write_bytes(b"not a pickle at all")
    fresh = fixture_taxonomy(tmp_path)
    assert party_ids(fresh, "Lavrov") == {"RUS"}
    assert matcher_module._read_cache(cache, tax.version) is not None  # rewritten


def test_old_matcher_caches_are_pruned(tmp_path, isolated_cache):  # noqa: F811
    import os

    isolated_cache.mkdir(parents=True, exist_ok=True)
    for n in range(5):
        stale = isolated_cache / f"matcher-old{n}.pickle"
        stale.write_bytes(b"old")
        os.utime(stale, (1_000_000 + n, 1_000_000 + n))
    tax = fixture_taxonomy(tmp_path)
    matcher_module._cache_path(tax.version).unlink(missing_ok=True)
    matcher_module.matcher_for(tax)
    left = sorted(p.name for p in isolated_cache.glob("matcher-*.pickle"))
    assert len(left) == KEPT_FILES
    assert matcher_module._cache_path(tax.version).name in left
    assert not {"matcher-old0.pickle", "matcher-old1.pickle", "matcher-old2.pickle"} & set(left)


def fixture_taxonomy_path(tmp_path: Path) -> Path:
    """The fixture's party file, written by fixture_taxonomy, as a plain path."""
    fixture_taxonomy(tmp_path)
    return tmp_path / "fixture.toml"


SNIPPETS = [
    '[[party]]\nid = "RUS"\n', '[[party]]\nid = 7\n', 'aliases = ["x", 3]\n', 'kind = "state"\n',
    'name = ""\n', '[[person]]\nid = "p"\nname = "P"\nparty = "RUS"\n', 'offices = [{ office = "X" }]\n',
    'offices = "no"\n', '[[track]]\nid = "t"\nname = "T"\n', '[[track.rule]]\ntrigger = []\n',
    'window = -1\n', '[suppress]\naliases = [1]\n', '[[trap]]\nnear = ["a"]\n', '[[role]]\nname = "x"\n',
    'start = 2020-02-30\n', 'after = "soon"\n', '[[office]]\nid = "RUS.x"\nparty = "RUS"\nrole = "r"\n',
    "shared = 1\n", "[weird]\nkey = 1\n", 'exact = ["Xi"]\n',
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.sampled_from(SNIPPETS), st.text(max_size=20)), max_size=10))
def test_any_user_file_loads_without_raising(tmp_path, pieces):
    user = tmp_path / "random.toml"
    user.write_text("".join(pieces), encoding="utf-8")
    tax = load_taxonomy_paths(fixture_taxonomy_path(tmp_path), user)
    assert "RUS" in tax.parties and tax.parties["RUS"].kind == "state"
    assert all(p.startswith(f"{user}:") for p in tax.problems)
    extract(tax, "Lavrov says Russia and the US will talk")


def test_default_taxonomy_comes_from_the_cache_until_a_file_changes(isolated_cache, monkeypatch):  # noqa: F811
    from negotiation_watch.store.config import taxonomy_override_dir
    from negotiation_watch.store.extract import taxonomy as taxonomy_module

    user = taxonomy_override_dir()
    user.mkdir(parents=True)
    mine = user / "mine.toml"
    mine.write_text('[[track]]\nid = "my-track"\nname = "My Track"\naliases = ["Zebra Accord"]\n', encoding="utf-8")
    taxonomy_module.default_taxonomy.cache_clear()
    try:
        first = taxonomy_module.default_taxonomy()
        assert first.tracks["my-track"].aliases == ["Zebra Accord"]
        assert len(list(isolated_cache.glob("taxonomy-*.pickle"))) == 1

        with monkeypatch.context() as patch:  # unchanged files: nothing is read or checked again
            patch.setattr(taxonomy_module._Loader, "build", lambda self: pytest.fail("the taxonomy was rebuilt"))
            taxonomy_module.default_taxonomy.cache_clear()
            assert taxonomy_module.default_taxonomy() == first

        mine.write_text(mine.read_text(encoding="utf-8").replace("Accord", "Treaty"), encoding="utf-8")
        taxonomy_module.default_taxonomy.cache_clear()
        edited = taxonomy_module.default_taxonomy()
        assert edited.tracks["my-track"].aliases == ["Zebra Treaty"] and edited.version != first.version

        for cached in isolated_cache.glob("taxonomy-*.pickle"):
            cached.write_bytes(b"not a pickle")
        taxonomy_module.default_taxonomy.cache_clear()
        assert taxonomy_module.default_taxonomy() == edited
    finally:
        taxonomy_module.default_taxonomy.cache_clear()
