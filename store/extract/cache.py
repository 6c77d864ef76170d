"""Pickles of slow-to-build objects in the user's cache folder (the compiled matcher, the
checked taxonomy): written atomically, read back only when whole, old ones pruned.

Whoever caches names the file after everything the object depends on (its data and the
code that built it), so a stale pickle is never read; this module only stores bytes.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path


# Files of one kind kept: several, so taxonomies used side by side (tests, two configs) do
# not evict each other's.
KEPT_FILES = 3


def cache_file(name: str) -> Path:
    from negotiation_watch.store.config import cache_dir

    return cache_dir() / name


def read_pickle(path: Path, kind: type):
    """The object pickled at `path` if it is a `kind`; None when missing, corrupt or foreign."""
    try:
        with path.open("rb") as handle:
            value = pickle.load(handle)
    except Exception:  # a corrupt or foreign cache file is rebuilt, whatever it raises
        return None
    return value if isinstance(value, kind) else None


def write_pickle(path: Path, value) -> None:
    """Write atomically, then keep only the KEPT_FILES newest files of the same kind (named
    alike up to the first "-"); a read-only or full disk only costs the next start a rebuild."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".cache-", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        return
    _prune(path.parent, path.name.split("-")[0] + "-*" + path.suffix, KEPT_FILES)


def _prune(folder: Path, pattern: str, keep: int) -> None:
    """Drop all but the newest few: each data edit makes a new file, and the folder
    would otherwise only grow."""
    try:
        files = sorted(folder.glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[keep:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
