"""The engine: database, fetcher, parser, extractor and its taxonomy data. No UI."""
