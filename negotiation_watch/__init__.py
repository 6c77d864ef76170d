"""negotiation-watch: follow who is negotiating with whom, live from news feeds."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("negotiation-watch")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

USER_AGENT = f"negotiation-watch/{__version__} (+terminal news dashboard; polite RSS fetcher)"
