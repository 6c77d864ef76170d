"""Display names for party and track identifiers, from the extractor's taxonomy.

Reading the taxonomy takes a few hundred milliseconds of CPU, so the app reads the names
from a small cache file before its first paint while the taxonomy files are unchanged, and
otherwise in a worker after it; until then (or for an id the taxonomy lacks) the
identifier shows.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from negotiation_watch.store.config import cache_dir, taxonomy_override_dir

_names: dict[tuple[str, str], str] = {}


def display_name(kind: str, tag_id: str) -> str:
    """The name to show for a party, track or person; its identifier when no name is known."""
    return _names.get((kind, tag_id), tag_id)


def short_label(kind: str, tag_id: str) -> str:
    """A compact label for crowded rows: party codes as they are, track names abbreviated."""
    if kind == "party":
        return tag_id
    name = display_name(kind, tag_id)
    return name if len(name) <= 14 else name[:13] + "…"


def load_cached_names() -> bool:
    """Fill the names from the cache if it is current (a millisecond or two: the app does
    it before its first paint, which then needs no repaint for names); False if it is not."""
    names = _read_cache(_fingerprint())
    if names is not None:
        _names.update(names)
    return names is not None


def load_names() -> None:
    """Fill the names from the cache, or from the taxonomy (then cache them); call from a worker."""
    if load_cached_names():
        return
    fingerprint = _fingerprint()  # before reading: an edit meanwhile leaves the cache stale, not wrong
    names = _from_taxonomy()
    _write_cache(fingerprint, names)
    _names.update(names)


def _from_taxonomy() -> dict[tuple[str, str], str]:
    from negotiation_watch.store.extract.taxonomy import default_taxonomy

    taxonomy = default_taxonomy()
    names = {("party", party.id): party.name for party in taxonomy.parties.values()}
    names.update({("track", track.id): track.name for track in taxonomy.tracks.values()})
    names.update({("person", person.id): person.name for person in taxonomy.people.values()})
    return names


def _fingerprint() -> list:
    """Name, size and change time of every taxonomy file: any edit makes the cache stale."""
    from negotiation_watch.store.extract.taxonomy import BUNDLED_DIR

    files = []
    for folder in (BUNDLED_DIR, taxonomy_override_dir()):
        if folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                stat = path.stat()
                files.append([str(path), stat.st_size, stat.st_mtime_ns])
    return files


def _cache_path() -> Path:
    return cache_dir() / "names.json"


def _read_cache(fingerprint: list) -> dict[tuple[str, str], str] | None:
    try:
        data = json.loads(_cache_path().read_text(encoding="utf-8"))
        if data["fingerprint"] != fingerprint:
            return None
        return {(kind, tag_id): name for kind, tag_id, name in data["names"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing or damaged: read the taxonomy instead


def _write_cache(fingerprint: list, names: dict[tuple[str, str], str]) -> None:
    path = _cache_path()
    data = {"fingerprint": fingerprint, "names": [[kind, tag_id, name] for (kind, tag_id), name in names.items()]}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data), encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        pass  # a cache that cannot be written only costs speed next time


def names_of(kind: str) -> dict[str, str]:
    """Every known id of a kind ("party", "track") with its name: what a command line may be given."""
    return {tag_id: name for (known_kind, tag_id), name in _names.items() if known_kind == kind}
