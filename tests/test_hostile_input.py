"""Bad input from the user, through the real CLI: URLs, pages without feeds, OPML files,
taxonomy overrides, a config folder that cannot exist. Each gets a clear message and no
traceback; nothing is stored or changed that should not be; no local file is read."""

from __future__ import annotations

import os
import subprocess

import pytest

from hostile_support import CLI, HostileServer, body_handler, database_bytes, head, query


SECRET = "TOPSECRET-b41d-user-input"
CONTROLS = ("\x1b", "\x07", "\x9b", "\x9d", "\u202e")


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CLI, *args], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )


def assert_clean(result: subprocess.CompletedProcess) -> None:
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    for char in CONTROLS:
        assert char not in output, repr(output)


def feed_count(db_path) -> int:
    return query(db_path, "SELECT count(*) FROM feeds")[0][0] if db_path.exists() else 0


@pytest.fixture
def server():
    running = HostileServer().start()
    yield running
    running.stop()


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


# --------------------------------------------------------------------------- feeds add


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:application/rss+xml,<rss/>",
        "ftp://files.example/feed.xml",
        "gopher://old.example/1",
        "chrome://settings",
        "http://\x1b]52;c;ZWNobyBwd25lZA==\x07evil.example/feed",
        "https://example.org/\x1b[2J\x1b[31mred",
        "\u202elmx.deef/gro.elpmaxe//:sptth",
        "http://[::1",
        "news.example[/feed",
        "http://example.org:99999/",
        "file://otherhost/etc/passwd",
        "http:///no-host",
        "   ",
    ],
)
def test_feeds_add_refuses_bad_urls_cleanly(db_path, url):
    result = cli("--db", str(db_path), "feeds", "add", url)
    assert result.returncode == 2, result
    assert_clean(result)
    assert "error" in result.stderr and "could not be added" in result.stderr
    assert feed_count(db_path) == 0


def test_feeds_add_a_page_without_a_feed(db_path, server):
    page = server.route("/home.html", body_handler(b"<html><head><title>Hi</title></head><body>News</body></html>", "text/html"))
    result = cli("--db", str(db_path), "feeds", "add", page)
    assert result.returncode == 2
    assert_clean(result)
    assert "names no feed" in result.stderr
    assert feed_count(db_path) == 0


def test_feeds_add_never_follows_a_page_or_redirect_to_a_local_file(db_path, server, secret):
    page = server.route(
        "/page.html",
        body_handler(
            f'<html><head><link rel="alternate" type="application/rss+xml" href="file://{secret}"></head></html>'.encode(),
            "text/html",
        ),
    )

    async def to_file(reader, writer):
        writer.write(head("301 Moved Permanently", Location=f"file://{secret}", Content_Length=0))

    moved = server.route("/moved.xml", to_file)
    result = cli("--db", str(db_path), "feeds", "add", page, moved)
    assert result.returncode == 2
    assert_clean(result)
    assert "not http(s) addresses" in result.stderr and "refused" in result.stderr
    assert SECRET not in result.stdout + result.stderr
    assert feed_count(db_path) == 0
    assert SECRET.encode() not in database_bytes(db_path)


def test_feeds_add_with_hostile_feed_title_prints_it_harmlessly(db_path, server):
    title = "\x1b]0;pwned\x07\x1b[2J\x1b]52;c;cm0gLXJmIH4=\x07Wire\u202e\x9b31m [bold]x[/bold]"
    body = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
        "<item><guid>1</guid><title>t</title></item></channel></rss>"
    ).encode()
    result = cli("--db", str(db_path), "feeds", "add", server.route("/evil-title.xml", body_handler(body)))
    assert result.returncode == 0, result.stderr
    assert_clean(result)
    listing = cli("--db", str(db_path), "feeds", "list")
    assert_clean(listing)
    assert "Wire" in listing.stdout


# --------------------------------------------------------------------------- OPML


def opml(body: str, doctype: str = "") -> bytes:
    return (
        f'<?xml version="1.0"?>\n{doctype}\n<opml version="2.0"><head><title>Mine</title></head>'
        f"<body>{body}</body></opml>"
    ).encode()


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("empty", b"", "empty"),
        ("blank", b"   \n\n", "empty"),
        ("not-xml", b"<opml><body><outline xmlUrl='https://a.example/'", "not well-formed XML: unclosed token at line 1"),
        ("binary", bytes(range(256)) * 40, "not well-formed XML"),
        ("html", b"<html><body>Hello</body></html>", "no feeds found"),
        ("no-feeds", opml('<outline text="folder"/>'), "no feeds found"),
        ("too-many", opml('<outline xmlUrl="https://a.example/x"/>' * 10_001), "more than 10,000 outlines"),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 20 else "",
)
def test_import_refuses_unusable_opml(tmp_path, db_path, name, content, words):
    path = tmp_path / f"{name}.opml"
    path.write_bytes(content)
    result = cli("--db", str(db_path), "feeds", "import", str(path))
    assert result.returncode == 2, result
    assert_clean(result)
    assert str(path) in result.stderr and words in result.stderr, result.stderr
    assert feed_count(db_path) == 0


def test_import_refuses_a_30_mb_file_without_reading_it_whole(tmp_path, db_path):
    path = tmp_path / "huge.opml"
    with path.open("wb") as handle:
        handle.write(b'<?xml version="1.0"?><opml version="2.0"><body>')
        handle.write(b"<!-- padding -->" * (30_000_000 // 16))
        handle.write(b"</body></opml>")
    result = cli("--db", str(db_path), "feeds", "import", str(path))
    assert result.returncode == 2
    assert_clean(result)
    assert "larger than 20 MB" in result.stderr
    assert feed_count(db_path) == 0


def test_import_nested_and_duplicate_outlines(tmp_path, db_path):
    deep = '<outline text="folder">' * 2_000 + '<outline xmlUrl="https://deep.example/feed"/>' + "</outline>" * 2_000
    body = deep + "".join(
        f'<outline text="Wire {n}" xmlUrl="https://wire{n % 5}.example/feed"/>' for n in range(50)
    ) + '<outline xmlUrl="HTTPS://WIRE0.example/feed"/>'
    path = tmp_path / "nested.opml"
    path.write_bytes(opml(body))
    result = cli("--db", str(db_path), "feeds", "import", str(path))
    assert result.returncode == 0, result.stderr
    assert_clean(result)
    urls = sorted(row[0] for row in query(db_path, "SELECT url FROM feeds"))
    assert urls == ["https://deep.example/feed"] + [f"https://wire{n}.example/feed" for n in range(5)]


def test_import_with_entities_and_unsafe_urls_reads_no_local_file(tmp_path, db_path, secret):
    laughs = "\n".join(['<!ENTITY l0 "ha">'] + [f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10)])
    doctype = f'<!DOCTYPE opml [\n{laughs}\n<!ENTITY x SYSTEM "file://{secret}">\n<!ENTITY a "{"A" * 100_000}">\n]>'
    body = (
        '<outline text="&l9;" xmlUrl="https://laughs.example/&l9;"/>'
        '<outline text="&x;" xmlUrl="https://xxe.example/feed"/>'
        f'<outline text="{"&a;" * 30_000}" xmlUrl="https://quadratic.example/feed"/>'
        f'<outline text="local" xmlUrl="file://{secret}"/>'
        '<outline text="script" xmlUrl="javascript:alert(1)"/>'
    )
    path = tmp_path / "entities.opml"
    path.write_bytes(opml(body, doctype))
    result = cli("--db", str(db_path), "feeds", "import", str(path))
    assert_clean(result)
    assert SECRET not in result.stdout + result.stderr
    if feed_count(db_path):
        assert SECRET.encode() not in database_bytes(db_path)
        assert not query(db_path, "SELECT url FROM feeds WHERE url NOT LIKE 'https://%'")
        assert max(len(row[0] or "") for row in query(db_path, "SELECT title FROM feeds")) < 10_000


# --------------------------------------------------------------------------- config folder


PARTIES = "Russia and Ukraine resume talks in Istanbul"


def test_broken_taxonomy_overrides_are_reported_and_the_rest_loads(tmp_path):
    overrides = tmp_path / "config" / "taxonomy.d"
    overrides.mkdir(parents=True)
    (overrides / "10-broken.toml").write_text('[[party]]\nid = "QQQ"\nname = \n', encoding="utf-8")
    (overrides / "20-unknown.toml").write_text(
        '[[office]]\nid = "ZZZ.president"\nparty = "ZZZ"\nrole = "president"\n', encoding="utf-8"
    )
    (overrides / "30-good.toml").write_text('[[party]]\nid = "RUS"\naliases = ["Rossiya"]\n', encoding="utf-8")
    result = cli("tag", "Rossiya and Ukraine resume talks")
    assert result.returncode == 0, result.stderr
    assert_clean(result)
    assert f"{overrides / '10-broken.toml'}:3:" in result.stderr
    assert f"{overrides / '20-unknown.toml'}:1:" in result.stderr and "'ZZZ' does not exist" in result.stderr
    assert '"RUS"' in result.stdout and '"UKR"' in result.stdout


def test_a_config_folder_that_cannot_exist_breaks_nothing(tmp_path, db_path):
    """As root no permission stops a write; a regular file where the folder should be does."""
    blocker = tmp_path / "config-is-a-file"
    blocker.write_text("mine")
    cache_blocker = tmp_path / "cache-is-a-file"
    cache_blocker.write_text("mine too")
    env = {"NEGOTIATION_WATCH_CONFIG_DIR": str(blocker), "NEGOTIATION_WATCH_CACHE_DIR": str(cache_blocker)}
    tagged = cli("tag", PARTIES, env=env)
    assert tagged.returncode == 0, tagged.stderr
    assert '"RUS"' in tagged.stdout
    for args in (["feeds", "add", "--no-check", "https://wire.example/feed.xml"], ["feeds", "list"], ["fetch"]):
        result = cli("--db", str(db_path), *args, env=env)
        assert_clean(result)
        assert result.returncode in (0, 1), result.stderr
    assert blocker.read_text() == "mine" and cache_blocker.read_text() == "mine too"


def test_config_toml_with_garbage_is_a_warning(tmp_path, db_path):
    config = tmp_path / "config"
    config.mkdir()
    (config / "config.toml").write_bytes(b"concurrency = \x1b[31m\xff\xfe\n")
    result = cli("--db", str(db_path), "fetch")
    assert result.returncode == 0, result.stderr
    assert_clean(result)
    assert "warning" in result.stderr and "config.toml" in result.stderr


@pytest.mark.parametrize("every", ["0", "00", "0s", "99999999999999999d", "367d", "9" * 5000])
def test_fetch_every_refuses_zero_and_forever(db_path, every):
    """0 once meant fetching in a tight loop; a huge value crashed time.sleep."""
    result = cli("--db", str(db_path), "fetch", "--every", every)
    assert result.returncode == 2, result
    assert_clean(result)
    assert "--every" in result.stderr


def test_feeds_remove_a_huge_id_is_just_not_found(db_path):
    result = cli("--db", str(db_path), "feeds", "remove", "9" * 30)
    assert result.returncode == 2
    assert_clean(result)
    assert "no feed" in result.stderr
