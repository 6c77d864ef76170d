"""The shared folder (design, taxonomy contract, feed corpus, seed story), read in place.

It sits beside the repository, as CI lays it out. A file missing there skips its tests on
a developer's machine, but fails them on CI (CI set), so the corpus guards of the fast
paths can never silently vanish.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"


def shared_path(name: str) -> Path:
    """`name` inside the shared folder; skips (fails on CI) when it is not there.

    Safe at module level: a test module that needs the file is skipped whole, or on CI
    fails to collect, which turns the run red.
    """
    path = SHARED / name
    if not path.exists():
        message = f"shared/{name} is not beside the repository ({SHARED})"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message, allow_module_level=True)
    return path
