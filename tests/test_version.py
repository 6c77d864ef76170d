"""The version constant the package reports is the one pyproject.toml releases."""

import tomllib
from pathlib import Path

from negotiation_watch.store.version import USER_AGENT, __version__


def test_version_matches_pyproject():
    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    assert __version__ == pyproject["project"]["version"]
    assert f"negotiation-watch/{__version__} " in USER_AGENT
