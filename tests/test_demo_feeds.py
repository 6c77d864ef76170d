"""Checks the bundled demo feeds that `negotiation-watch --demo` loads from the package."""

import calendar
import re
from importlib.resources import files

import feedparser
import pytest

DEMO_HOST = "https://demo.negotiation-watch.invalid/"
# C0 controls other than tab/newline/carriage return, DEL and C1: none belong in feed text.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def demo_files():
    """The demo feed files as the installed package ships them."""
    folder = files("negotiation_watch.tui") / "demo"
    return sorted((p for p in folder.iterdir() if p.name.endswith(".xml")), key=lambda p: p.name)


FILES = demo_files()


@pytest.fixture(scope="module")
def parsed():
    """Each demo file parsed once by feedparser, keyed by file name."""
    return {p.name: feedparser.parse(p.read_bytes()) for p in FILES}


def all_entries(parsed):
    return [entry for feed in parsed.values() for entry in feed.entries]


def test_eight_to_ten_files_with_rss_and_atom(parsed):
    assert 8 <= len(FILES) <= 10
    versions = {feed.version for feed in parsed.values()}
    assert "rss20" in versions
    assert "atom10" in versions


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_file_parses_cleanly_and_says_it_is_demo(path, parsed):
    feed = parsed[path.name]
    assert not feed.bozo, f"{path.name}: {feed.get('bozo_exception')}"
    assert feed.feed.get("title", "").strip()
    blurb = feed.feed.get("description") or feed.feed.get("subtitle") or ""
    assert "demo" in blurb.lower()
    assert feed.feed.get("link", "").startswith(DEMO_HOST)


def test_every_entry_is_complete(parsed):
    for name, feed in parsed.items():
        for entry in feed.entries:
            where = f"{name}: {entry.get('id')}"
            assert entry.get("title", "").strip(), where
            assert entry.get("id", "").strip(), where
            assert entry.get("summary", "").strip(), where
            assert entry.get("published_parsed"), where


def test_at_least_110_items(parsed):
    assert len(all_entries(parsed)) >= 110


def test_dates_span_at_least_eight_weeks(parsed):
    stamps = [calendar.timegm(e.published_parsed) for e in all_entries(parsed) if e.get("published_parsed")]
    span_days = (max(stamps) - min(stamps)) / 86400
    assert span_days >= 56, span_days


def test_guids_unique_across_all_files(parsed):
    ids = [e.id for e in all_entries(parsed)]
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates


def test_every_link_stays_on_the_invalid_demo_host(parsed):
    for feed in parsed.values():
        for entry in feed.entries:
            links = [entry.link] + [l.get("href", "") for l in entry.get("links", [])]
            for link in links:
                assert link.startswith(DEMO_HOST), link


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_control_characters(path, parsed):
    text = path.read_bytes().decode("utf-8")
    assert not CONTROL.search(text), path.name
    for entry in parsed[path.name].entries:
        for field in ("title", "summary"):
            assert not CONTROL.search(entry.get(field, "")), (path.name, entry.id, field)
