"""The README's promise that the database opens in Datasette, search included."""

import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

import tui_fixture
from negotiation_watch.store.db import connection, queries

pytest.importorskip("datasette")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get_json(url: str, timeout: float = 20.0):
    """GET a Datasette JSON page, waiting for the server to come up first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.loads(response.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_datasette_searches_articles_through_the_index(db_path):
    tui_fixture.build(db_path)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "datasette", "serve", "--immutable", str(db_path), "--host", "127.0.0.1",
         "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}/{db_path.stem}/articles.json"
        everything = _get_json(f"{base}?_shape=array&_size=max")
        found = _get_json(f"{base}?_search=ceasefire&_shape=objects&_size=max")
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert 'search matches "ceasefire"' in found["human_description_en"]  # Datasette found the index
    titles = sorted(row["title"] for row in found["rows"])
    expected = sorted(row.title for row in queries.search_articles(connection.connect(db_path), "ceasefire"))
    assert titles == expected and 0 < len(titles) < len(everything)


def test_schema_3_search_index_is_redeclared_and_keeps_every_article(db_path):
    """A schema-3 file declared the index with content='articles', which Datasette does
    not recognise: the upgrade declares it anew and indexes every stored article again."""
    tui_fixture.build(db_path)
    db = connection.connect(db_path)
    with connection.write_transaction(db) as conn:
        conn.execute("DROP TABLE articles_fts")
        conn.execute(
            "CREATE VIRTUAL TABLE articles_fts USING fts5 (title, summary, content='articles', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")
        conn.execute("DROP TABLE article_feeds")
    connection.set_meta(db, "schema_version", "3")
    articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    db.close()
    again = connection.connect(db_path)
    from datasette.utils import detect_fts

    assert detect_fts(again, "articles") == "articles_fts"  # Datasette's own check
    assert again.execute("SELECT count(*) FROM articles").fetchone()[0] == articles == len(tui_fixture.ARTICLES)
    again.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
    assert {row.title for row in queries.search_articles(again, "Hamas")} == {
        "Qatar and Egypt press for Gaza ceasefire deal", "Hamas delegation arrives in Cairo for talks"
    }
