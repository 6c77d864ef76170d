"""Who we are on the network: the release and the User-Agent every request carries."""

# A constant, not importlib.metadata: that lookup cost every command ~40 ms at start-up.
# tests/test_version.py keeps it equal to pyproject.toml's version.
__version__ = "0.1.0"

USER_AGENT = f"negotiation-watch/{__version__} (+terminal news dashboard; polite RSS fetcher)"
