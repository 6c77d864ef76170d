"""Display names for party and track identifiers, from the extractor's taxonomy.

Reading the taxonomy takes a few hundred milliseconds, so the app loads the names in a
worker after the first paint; until then (or for an id the taxonomy lacks) the id shows.
"""

from __future__ import annotations

_names: dict[tuple[str, str], str] = {}


def display_name(kind: str, tag_id: str) -> str:
    """The name to show for a party or track; its identifier when no name is known."""
    return _names.get((kind, tag_id), tag_id)


def short_label(kind: str, tag_id: str) -> str:
    """A compact label for crowded rows: party codes as they are, track names abbreviated."""
    if kind == "party":
        return tag_id
    name = display_name(kind, tag_id)
    return name if len(name) <= 14 else name[:13] + "…"


def load_names() -> None:
    """Read every party's and track's name from the taxonomy (slow: call it from a worker)."""
    from negotiation_watch.store.taxonomy import default_taxonomy

    taxonomy = default_taxonomy()
    names = {("party", party.id): party.name for party in taxonomy.parties.values()}
    names.update({("track", track.id): track.name for track in taxonomy.tracks.values()})
    _names.update(names)
