"""negotiation-watch: follow who is negotiating with whom, live from news feeds.

This folder is the front door (the command line); the engine is negotiation_watch.store
and the dashboard negotiation_watch.tui. The folder's name is not an import name, so a
clone's root never shadows the installed package.
"""

from negotiation_watch.store.version import __version__

__all__ = ["__version__"]
