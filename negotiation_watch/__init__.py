"""negotiation-watch: follow who is negotiating with whom, live from news feeds."""

from functools import cache


@cache
def _version() -> str:
    # importlib.metadata costs ~0.1 s to import: read only when someone asks (--version, a fetch)
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("negotiation-watch")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0"


def __getattr__(name: str) -> str:
    """__version__ and USER_AGENT, computed on first use."""
    if name == "__version__":
        return _version()
    if name == "USER_AGENT":
        return f"negotiation-watch/{_version()} (+terminal news dashboard; polite RSS fetcher)"
    raise AttributeError(f"module 'negotiation_watch' has no attribute {name!r}")
