"""Every document of the shared feed corpus, served over loopback (read in place), comes
through the fetcher byte for byte and parses to as many entries as the file itself."""

from __future__ import annotations

import asyncio
import csv
import gzip
from pathlib import Path

import feedparser
import pytest

from negotiation_watch.store.fetch.fetcher import FetchLimits, fetch_many
from shared import shared_path

CORPUS = shared_path("feed-corpus")
SKIP_NAMES = {"README.md", "LICENSE"}



def corpus_files() -> list[Path]:
    return sorted(
        path
        for path in CORPUS.rglob("*")
        if path.is_file() and path.name not in SKIP_NAMES and path.suffix != ".tsv"
    )


def simulated_headers() -> dict[Path, dict[str, str]]:
    """The HTTP headers index.tsv says a file expects, keyed by its path."""
    headers: dict[Path, dict[str, str]] = {}
    index = CORPUS / "feedparser" / "index.tsv"
    with index.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            line = row["http_headers_to_simulate"].strip()
            if line:
                name, _, value = line.partition(":")
                headers[index.parent / row["file"]] = {name.strip(): value.strip()}
    return headers


async def serve_corpus(files: list[Path], extra: dict[Path, dict[str, str]]):
    """One keep-alive HTTP server: /<n> answers with file n and its simulated headers;
    every other file goes out gzip-compressed, so decoding is exercised too."""

    async def answer(reader, writer):
        try:
            while True:
                request = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                number = int(request.split(" ", 2)[1].lstrip("/"))
                path = files[number]
                body, lines = path.read_bytes(), [f"{k}: {v}" for k, v in extra.get(path, {}).items()]
                if number % 2:
                    body = gzip.compress(body)
                    lines.append("Content-Encoding: gzip")
                lines.append(f"Content-Length: {len(body)}")
                writer.write(
                    ("HTTP/1.1 200 OK\r\n" + "\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(answer, "127.0.0.1", 0)


def entry_count(body: bytes, headers: dict[str, str]) -> int:
    return len(feedparser.parse(body, response_headers=headers).entries)


async def test_every_corpus_file_comes_through_http_intact():
    files, extra = corpus_files(), simulated_headers()
    assert len(files) > 400 and len(extra) > 40  # the corpus is really there and was read
    server = await serve_corpus(files, extra)
    port = server.sockets[0].getsockname()[1]
    feeds = [{"id": n, "url": f"http://127.0.0.1:{port}/{n}"} for n in range(len(files))]
    limits = FetchLimits(per_host=8, total_timeout=20)
    try:
        outcomes = {o.feed_id: o async for o in fetch_many(feeds, limits)}
    finally:
        server.close()
    assert len(outcomes) == len(files)
    for n, path in enumerate(files):
        outcome, raw = outcomes[n], path.read_bytes()
        assert outcome.status == "fetched", f"{path}: {outcome.error}"
        assert outcome.body == raw, path
        assert entry_count(outcome.body, outcome.headers) == entry_count(raw, extra.get(path, {})), path


async def test_every_corpus_file_comes_through_as_a_local_path():
    files = corpus_files()
    feeds = [{"id": n, "url": str(path)} for n, path in enumerate(files)]
    outcomes = {o.feed_id: o async for o in fetch_many(feeds, FetchLimits())}
    for n, path in enumerate(files):
        assert (outcomes[n].status, outcomes[n].body) == ("fetched", path.read_bytes()), path
