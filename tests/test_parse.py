"""parse_feed over the shared feed corpus (read in place) and small feeds written here."""

import pickle
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from negotiation_watch.store.parse.feed import MAX_SUMMARY, MAX_TITLE, ParseError, parse_feed
from shared import shared_path

CORPUS = shared_path("feed-corpus")
FEED_URL = "http://feeds.example.org/world/rss.xml"
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff\u202a-\u202e\u2066-\u2069]")


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def rss(items: str, channel: str = "<title>Test wire</title><link>https://wire.example/</link>") -> bytes:
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>{channel}{items}</channel></rss>'.encode()


# --------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    "name, headers, field, expected",
    [
        ("real/jornaldenoticias_pt_iso-8859-1_2018.rss", {}, "title", "Mãe de utente"),
        ("real/qq_news_cn_gb2312.xml", {}, "title", "习近平"),
        ("real/uol_noticias_br_undeclared-latin1_2018.rss", {}, "title", "simulações"),
        ("real/prothomalo_bn_large_2026-08-13.xml", {}, "title", "যুক্তরাজ্য"),
        (
            "feedparser/encoding/http_text_xml_charset_2.xml",
            {"Content-Type": "text/xml; charset=windows-1252"},
            "summary",
            "This is a £“test.”",
        ),
        ("feedparser/encoding/euc-kr-item.xml", {}, "summary", "년"),
        ("feedparser/encoding/demoronize-1.xml", {}, "summary", "don’t"),
    ],
)
def test_encodings_are_decoded(name, headers, field, expected):
    entry = parse_feed(corpus(name), headers, FEED_URL).entries[0]
    assert expected in getattr(entry, field)


def test_undeclared_latin1_is_flagged_but_read():
    parsed = parse_feed(corpus("real/uol_noticias_br_undeclared-latin1_2018.rss"), {}, FEED_URL)
    assert parsed.bozo_message and "CharacterEncodingOverride" in parsed.bozo_message
    assert parsed.title == "UOL Noticias" and len(parsed.entries) == 15


@pytest.mark.parametrize("name", ["utf-16le-bom.xml", "utf-16be.xml", "utf-32le-autodetect.xml", "utf_32.xml"])
def test_wide_encodings_parse_as_feeds(name):
    parsed = parse_feed(corpus(f"feedparser/encoding/{name}"), {}, FEED_URL)
    assert parsed.bozo_message is None and parsed.entries == []


# --------------------------------------------------------------------------- entities, bozo


@pytest.mark.parametrize(
    "name, title",
    [
        ("8217.xml", "testing ’ entity"),
        ("hellip.xml", "testing … entity"),
        ("160.xml", "testing entity"),  # a no-break space is just a space
        ("zwj.xml", "testing entity"),  # zero-width joiner removed
        ("lrm.xml", "testing \u200e entity"),  # a direction mark is visible-safe and kept
    ],
)
def test_undeclared_html_entities_are_recovered(name, title):
    parsed = parse_feed(corpus(f"feedparser/entities/{name}"), {}, FEED_URL)
    assert parsed.title == title
    assert parsed.bozo_message  # undefined entity: the XML was broken, the text still read


def test_ill_formed_feed_still_yields_entries():
    parsed = parse_feed(corpus("feedparser/illformed/rss_item_link_corrupted_ampersands.xml"), {}, FEED_URL)
    assert parsed.bozo_message and parsed.entries


@pytest.mark.parametrize("name", ["illformed/rss_empty_document.xml", "json/example.json"])
def test_a_body_that_is_no_feed_is_an_error(name):
    with pytest.raises(ParseError, match="not an RSS, Atom or RDF feed"):
        parse_feed(corpus(f"feedparser/{name}"), {}, FEED_URL)


def test_html_page_is_not_a_feed():
    with pytest.raises(ParseError):
        parse_feed(b"<!doctype html><html><head><title>Shop</title></head><body><p>hi</p></body></html>", {}, FEED_URL)


def test_every_corpus_document_parses_or_is_refused_and_stays_clean():
    """The whole corpus: no exception but ParseError, and no unsafe character anywhere."""
    files = [p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in {".xml", ".rss", ".rdf", ".json"}]
    assert len(files) > 400
    refused = 0
    for path in files:
        try:
            parsed = parse_feed(path.read_bytes(), {}, FEED_URL)
        except ParseError:
            refused += 1
            continue
        for entry in parsed.entries:
            for text in (entry.title, entry.summary, entry.author or "", entry.guid, entry.url or ""):
                assert not UNSAFE.search(text), (path, text)
            assert entry.url is None or entry.url.startswith(("http://", "https://")), (path, entry.url)
    assert refused <= 3


# --------------------------------------------------------------------------- links


def test_relative_link_resolves_against_content_location():
    body = corpus("feedparser/wellformed/base/http_item_link_base_content_location.xml")
    entry = parse_feed(body, {"Content-Location": "http://example.com/"}, FEED_URL).entries[0]
    assert entry.url == "http://example.com/relative/uri"


def test_relative_link_resolves_against_the_feed_url():
    body = corpus("feedparser/wellformed/base/http_item_link_base_docuri.xml")
    entry = parse_feed(body, {}, "http://127.0.0.1:8097/feeds/x.xml").entries[0]
    assert entry.url == "http://127.0.0.1:8097/relative/uri"


def test_relative_link_resolves_against_xml_base():
    body = corpus("feedparser/wellformed/base/http_entry_link_base_content_location.xml")
    entry = parse_feed(body, {"Content-Location": "http://example.com/"}, FEED_URL).entries[0]
    assert entry.url == "http://example.com/relative/link"


def test_unsafe_and_padded_links():
    items = (
        "<item><title>a</title><link>javascript:alert(1)</link><guid>g1</guid></item>"
        "<item><title>b</title><link>\n   https://wire.example/b  \n</link><guid>g2</guid></item>"
        "<item><title>c</title><link>data:text/html,hi</link><guid>g3</guid></item>"
    )
    urls = [e.url for e in parse_feed(rss(items), {}, FEED_URL).entries]
    assert urls == [None, "https://wire.example/b", None]


# --------------------------------------------------------------------------- identity, dates


def test_identity_is_guid_else_link_else_hash_of_title_and_date():
    items = (
        "<item><title>With guid</title><guid>urn:x:1</guid><link>https://wire.example/1</link></item>"
        "<item><title>Only link</title><link>https://wire.example/2</link></item>"
        "<item><title>Nothing else</title><pubDate>Tue, 03 Jun 2025 10:00:00 GMT</pubDate></item>"
        "<item><title>Nothing at all</title></item>"
    )
    first = parse_feed(rss(items), {}, FEED_URL).entries
    again = parse_feed(rss(items), {}, FEED_URL).entries
    assert first[0].guid == "urn:x:1"
    assert first[1].guid == "https://wire.example/2"
    assert first[2].guid.startswith("hash:") and first[3].guid.startswith("hash:")
    assert first[2].guid != first[3].guid
    assert [e.guid for e in first] == [e.guid for e in again]  # stable across fetches


def test_duplicate_guids_keep_the_first_entry():
    """Feeds list newest first: a repeated guid further down is an older copy."""
    items = (
        "<item><title>Newest wording</title><guid>dup</guid></item>"
        "<item><title>Other story</title><guid>other</guid></item>"
        "<item><title>Older wording</title><guid>dup</guid></item>"
    )
    entries = parse_feed(rss(items), {}, FEED_URL).entries
    assert [(e.guid, e.title) for e in entries] == [("dup", "Newest wording"), ("other", "Other story")]


def test_dates_are_utc_and_fall_back_to_updated_then_none():
    atom = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:feed</id>
<entry><id>urn:1</id><title>Published</title><published>2025-06-03T12:30:00+02:00</published>
  <updated>2025-06-04T00:00:00Z</updated></entry>
<entry><id>urn:2</id><title>Updated only</title><updated>2025-06-05T08:00:00-05:00</updated></entry>
<entry><id>urn:3</id><title>Undated</title></entry>
</feed>"""
    entries = parse_feed(atom, {"Content-Type": "application/atom+xml"}, FEED_URL).entries
    assert entries[0].published == datetime(2025, 6, 3, 10, 30, tzinfo=timezone.utc)
    assert entries[1].published == datetime(2025, 6, 5, 13, 0, tzinfo=timezone.utc)
    assert entries[2].published is None


def test_entries_without_guid_or_date_in_a_real_feed():
    entries = parse_feed(corpus("real/uol_noticias_br_undeclared-latin1_2018.rss"), {}, FEED_URL).entries
    assert all(e.published is None for e in entries)  # Portuguese dates: nothing parseable
    assert all(e.guid == e.url for e in entries)  # no <guid>: the link is the identity
    assert len({e.guid for e in entries}) == len(entries)


# --------------------------------------------------------------------------- text


def test_escaped_html_summary_becomes_plain_text():
    entry = parse_feed(corpus("real/guardian_us_2018-01-31.rss"), {}, FEED_URL).entries[0]
    assert "<" not in entry.summary and "&lt;" not in entry.summary and "&amp;" not in entry.summary
    assert entry.summary.startswith("The president’s ‘new American moment’ speech")
    assert "\n\n" in entry.summary  # paragraphs kept apart


def test_content_wins_over_a_shorter_summary():
    entries = parse_feed(corpus("real/prothomalo_bn_large_2026-08-13.xml"), {}, FEED_URL).entries
    assert max(len(e.summary) for e in entries) > 2000  # full article from content:encoded
    assert all("<" not in e.summary for e in entries)


def test_scripts_never_survive_as_text():
    """feedparser's own script-injection cases: the script's code never reads as text."""
    checked = 0
    for path in (CORPUS / "feedparser/wellformed/sanitize").glob("*script*"):
        body = path.read_bytes()
        for entry in parse_feed(body, {}, FEED_URL).entries:
            checked += 1
            text = f"{entry.title}\n{entry.summary}"
            assert "location.href" not in text and "alert(" not in text, path
            if b"== 'safe description'" in body:
                assert "safe description" in (entry.title, entry.summary), path
    assert checked > 30


def test_terminal_escapes_in_feed_text_are_removed_and_brackets_kept():
    items = (
        "<item><guid>e</guid><title>\x1b[31mRed\x1b[0m [bold]title[/bold]</title>"
        "<description>&lt;p&gt;Body &amp;#27;]0;pwned&amp;#7; text \u202eevil&lt;/p&gt;</description></item>"
    )
    entry = parse_feed(rss(items).replace(b"\x1b", b"&#27;"), {}, FEED_URL).entries[0]
    assert entry.title == "Red [bold]title[/bold]"
    assert "\x1b" not in entry.summary and "\u202e" not in entry.summary and entry.summary.startswith("Body")


def test_long_text_is_capped_at_a_word():
    long_title = "word " * 400
    long_body = "<p>" + "sentence of text " * 3000 + "</p>"
    items = f"<item><guid>l</guid><title>{long_title}</title><description><![CDATA[{long_body}]]></description></item>"
    entry = parse_feed(rss(items), {}, FEED_URL).entries[0]
    assert len(entry.title) <= MAX_TITLE and entry.title.endswith("word…")
    assert len(entry.summary) <= MAX_SUMMARY and entry.summary.endswith("…")


def test_content_hash_follows_title_summary_and_link_only():
    base = "<item><guid>h</guid><title>T</title><link>https://wire.example/h</link><description>D</description>{}</item>"
    one = parse_feed(rss(base.format("<pubDate>Tue, 03 Jun 2025 10:00:00 GMT</pubDate>")), {}, FEED_URL).entries[0]
    other_date = parse_feed(rss(base.format("<pubDate>Wed, 04 Jun 2025 10:00:00 GMT</pubDate>")), {}, FEED_URL)
    edited = parse_feed(rss(base.replace("<description>D", "<description>D2").format("")), {}, FEED_URL)
    assert other_date.entries[0].content_hash == one.content_hash
    assert edited.entries[0].content_hash != one.content_hash


def test_result_is_picklable_for_the_process_pool():
    parsed = parse_feed(corpus("real/bbc_world_2026-08-13.xml"), {}, FEED_URL)
    assert pickle.loads(pickle.dumps(parsed)) == parsed
    assert parsed.title and parsed.site_url and len(parsed.entries) == 32
