"""Display names for party and track identifiers, from the extractor's taxonomy when present."""

from __future__ import annotations

from functools import lru_cache


def display_name(kind: str, tag_id: str) -> str:
    """The name to show for a party or track; its identifier when the taxonomy does not know it."""
    return _names().get((kind, tag_id), tag_id)


def short_label(kind: str, tag_id: str) -> str:
    """A compact label for crowded rows: party codes as they are, track names abbreviated."""
    if kind == "party":
        return tag_id
    name = display_name(kind, tag_id)
    return name if len(name) <= 14 else name[:13] + "…"


@lru_cache(maxsize=1)
def _names() -> dict[tuple[str, str], str]:
    """(kind, id) -> name from the bundled taxonomy, read once; empty until the extractor ships."""
    try:
        from negotiation_watch.store.taxonomy import default_taxonomy
    except ImportError:
        return {}
    return _names_from(default_taxonomy())


def _names_from(taxonomy) -> dict[tuple[str, str], str]:
    names = {}
    for kind, entries in (("party", getattr(taxonomy, "parties", {})), ("track", getattr(taxonomy, "tracks", {}))):
        items = entries.values() if isinstance(entries, dict) else entries
        for entry in items:
            names[(kind, entry.id)] = entry.name
    return names
