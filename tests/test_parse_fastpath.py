"""store.fastfeed reads what it accepts exactly as feedparser does, and refuses the rest.

Every document of the shared feed corpus (read in place) is offered to both readers under
several Content-Types; wherever the fast reader accepts one, the kept result (entries'
guid, url, title, summary, author, date, hash; feed title and site) must be identical.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from negotiation_watch.store.parse.fastfeed import read_simple_feed
from negotiation_watch.store.parse.feed import parsed_feed, prepare, read_with_feedparser
from shared import shared_path

CORPUS = shared_path("feed-corpus")
URL = "http://feeds.example.org/world/rss.xml"
CONTENT_TYPES = [None, "application/rss+xml; charset=utf-8", "text/xml; charset=UTF-8", "text/xml"]
NOT_FEEDS = {"LICENSE", "index.tsv", "README.md", "sources.tsv"}


def documents() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name not in NOT_FEEDS)


def both(body: bytes, content_type: str | None):
    """(fast reader's kept result or None, feedparser's kept result)."""
    headers, base = prepare({"Content-Type": content_type} if content_type else {}, URL)
    fast = read_simple_feed(body, headers)
    return (parsed_feed(fast, base) if fast else None), parsed_feed(read_with_feedparser(body, headers), base)


def test_both_readers_agree_on_the_corpus():
    if not documents():
        pytest.skip("shared feed corpus not present")
    accepted = 0
    for path in documents():
        body = path.read_bytes()
        for content_type in CONTENT_TYPES:
            try:
                fast, slow = both(body, content_type)
            except Exception as exc:  # noqa: BLE001 (parse_feed's own refusals: both must refuse)
                headers, _ = prepare({"Content-Type": content_type} if content_type else {}, URL)
                assert read_simple_feed(body, headers) is None, f"{path}: fast path took a document feedparser refuses ({exc})"
                continue
            if fast is not None:
                accepted += 1
                assert fast == slow, f"{path.relative_to(CORPUS)} ({content_type}) reads differently"
    assert accepted >= 60  # the check means something only if many documents take the fast path


BENCH = Path(__file__).resolve().parents[1] / "bench"


def test_the_bench_feeds_take_the_fast_path():
    sys.path.insert(0, str(BENCH))
    try:
        from ingest import make_feed
    finally:
        sys.path.remove(str(BENCH))
    for number in range(5):
        fast, slow = both(make_feed(number, 20), "application/rss+xml; charset=utf-8")
        assert fast is not None and fast == slow and len(fast.entries) == 20


@pytest.mark.parametrize(
    "name",
    [
        "real/aljazeera_all_2026-08-13.xml",
        "real/bbc_frontpage_2023-11-24.xml",
        "real/bbc_world_2026-08-13.xml",
        "real/google_news_search_raw_2026-07.xml",
        "real/guardian_us_2018-01-31.rss",
        "real/japantimes_latest_2023-11-25.xml",
        "real/mehrnews_en_2026-08-13.xml",
        "real/npr_news_2023-11-24.xml",
        "real/nyt_homepage_2023-11-24.xml",
        "real/nyt_world_2026-08-13.xml",
    ],
)
def test_real_english_news_feeds_take_the_fast_path(name):
    path = CORPUS / name
    fast, slow = both(path.read_bytes(), "application/rss+xml; charset=utf-8")
    assert fast is not None, f"{name} fell back to feedparser"
    assert fast == slow


def rss(items: str, head: str = '<?xml version="1.0" encoding="utf-8"?>') -> bytes:
    return f'{head}<rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()


@pytest.mark.parametrize(
    "body",
    [
        rss("<item><title>&amp;a;</title></item>", '<?xml version="1.0"?><!DOCTYPE rss>'),
        rss(
            "<item><title>&e3;</title></item>",
            '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY e1 "ha"><!ENTITY e2 "&e1;&e1;"><!ENTITY e3 "&e2;&e2;">]>',
        ),
        rss("<item><title>&nbsp;x</title></item>"),  # an HTML entity XML does not know
        rss("<item><title>x</title></item>", '<?xml version="1.0" encoding="iso-8859-1"?>'),
        rss("<item><title>x</title><title>y</title></item>"),
        rss('<item><title xml:base="http://other.example/">x</title></item>'),
        rss("<item><author>press@example.org (Press desk)</author></item>"),
    ],
)
def test_doctypes_entities_and_odd_documents_go_to_feedparser(body):
    headers, _ = prepare({"Content-Type": "application/rss+xml"}, URL)
    assert read_simple_feed(body, headers) is None


def test_text_xml_without_charset_goes_to_feedparser():
    body = rss("<item><title>Talks</title></item>")
    assert read_simple_feed(body, prepare({"Content-Type": "text/xml"}, URL)[0]) is None
    assert read_simple_feed(body, prepare({"Content-Type": "application/xml"}, URL)[0]) is not None


# --------------------------------------------------------------------------- start-up check

# Run in a fresh interpreter: SETUP stands for a feedparser release that changed a private
# helper, then the parser reads a feed as the fetcher's worker processes do.
CHECK_RUN = """
import feedparser.datetimes, feedparser.urls
{setup}
from negotiation_watch.store.parse import feed
body = {body!r}
headers, base = feed.prepare({{"Content-Type": "application/rss+xml"}}, "http://feeds.example.org/rss")
parsed = feed.parse_feed(body, headers, "http://feeds.example.org/rss")
assert parsed == feed.parsed_feed(feed.read_with_feedparser(body, headers), base), parsed
print(feed.fast_reader_agrees(), [str(e.published) for e in parsed.entries])
"""
CHECK_BODY = rss(
    "<item><title>Envoys meet</title><guid>m-1</guid><pubDate>Wed, 02 Dec 2026 08:00:00 GMT</pubDate></item>"
)


def run_check(setup: str) -> str:
    code = CHECK_RUN.format(setup=setup, body=CHECK_BODY)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_fast_reader_is_on_with_the_pinned_feedparser():
    assert run_check("") == "True ['2026-12-02 08:00:00+00:00']"


@pytest.mark.parametrize(
    "setup",
    [
        "del feedparser.urls._urljoin",  # a helper renamed or moved: the import fails
        "feedparser.datetimes._parse_date = lambda text: None",  # a helper that reads dates otherwise
        "feedparser.datetimes._parse_date = lambda text: 1 / 0",  # or fails
    ],
)
def test_a_feedparser_whose_helpers_changed_reads_every_feed_itself(setup):
    """The feed still parses, dates and all, through feedparser; the fast reader is off."""
    assert run_check(setup) == "False ['2026-12-02 08:00:00+00:00']"


# --------------------------------------------------------------------------- generated items


NAMESPACES = (
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom" '
    'xmlns:nyt="http://www.nytimes.com/namespaces/rss/2.0"'
)
TEXTS = st.sampled_from(
    [
        "", "  Talks in Geneva  ", "Russia &amp; Ukraine", "&lt;p&gt;Envoys &lt;b&gt;met&lt;/b&gt;&lt;/p&gt;",
        "caf\u00c3\u00a9 talks", "smart \u0093quotes\u0094", "Minsk \u2014 talks", "a &lt;/p&gt; &amp;nbsp; b",
        "http://news.example/a?x=1&amp;amp;y=2", "https:////news.example/b", "/relative/path", "x@example.org",
        "<![CDATA[<p>Cease&fire</p>]]>", "Thu, 13 Aug 2026 09:02:03 +0000", "2018-01-31T07:26:05Z", "not a date",
    ]
)
ELEMENTS = st.one_of(
    st.builds(lambda t: f"<title>{t}</title>", TEXTS),
    st.builds(lambda t: f"<link>{t}</link>", TEXTS),
    st.builds(lambda t: f"<description>{t}</description>", TEXTS),
    st.builds(lambda t: f'<media:description type="plain">{t}</media:description>', TEXTS),
    st.builds(lambda t: f"<dc:description>{t}</dc:description>", TEXTS),
    st.builds(lambda t, p: f"<guid{p}>{t}</guid>", TEXTS, st.sampled_from(["", ' isPermaLink="false"', ' isPermaLink="true"'])),
    st.builds(lambda t: f"<pubDate>{t}</pubDate>", TEXTS),
    st.builds(lambda t: f"<dc:date>{t}</dc:date>", TEXTS),
    st.builds(lambda t: f"<dc:creator>{t}</dc:creator>", TEXTS),
    st.builds(lambda t: f"<author>{t}</author>", TEXTS),
    st.builds(lambda t: f"<content:encoded>{t}</content:encoded>", TEXTS),
    st.builds(lambda t: f'<category domain="d">{t}</category>', TEXTS),
    st.builds(lambda t: f"<nyt:byline>{t}</nyt:byline>", TEXTS),
    st.builds(lambda t: f"<comments>{t}</comments>", TEXTS),
    st.sampled_from(
        [
            '<atom:link href="https://news.example/alt" rel="alternate"/>',
            '<atom:link href="https://news.example/s" rel="standout"></atom:link>',
            '<media:content url="https://img.example/1.jpg"><media:credit>Photo</media:credit></media:content>',
            '<enclosure url="https://img.example/1.jpg" type="image/jpeg"/>',
        ]
    ),
)


CHANNEL_PARTS = st.one_of(
    st.builds(lambda t: f"<title>{t}</title>", TEXTS),
    st.builds(lambda t: f"<link>{t}</link>", TEXTS),
    st.builds(lambda t: f"<description>{t}</description>", TEXTS),
    st.builds(lambda t: f"<dc:date>{t}</dc:date>", TEXTS),
    st.sampled_from(
        [
            '<atom:link href="https://news.example/rss" rel="self" type="application/rss+xml"/>',
            '<atom:link href="https://news.example/home" rel="alternate"/>',
            '<cloud domain="rpc.example" port="80" path="/RPC2" registerProcedure="p" protocol="xml-rpc"/>',
            '<category domain="d">World</category>',
            "<image><url>https://img.example/logo.png</url><title>Logo</title><link>https://img.example/</link></image>",
            "<language>en-gb</language>",
            "<ttl>15</ttl>",
        ]
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(CHANNEL_PARTS, max_size=5), st.lists(st.lists(ELEMENTS, max_size=9), min_size=1, max_size=3))
def test_generated_items_read_the_same(channel, items):
    body = (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" {NAMESPACES}><channel>'
        + "".join(channel)
        + "".join(f"<item>{''.join(parts)}</item>" for parts in items)
        + "</channel></rss>"
    ).encode()
    fast, slow = both(body, "application/rss+xml; charset=utf-8")
    if fast is not None:
        assert fast == slow
