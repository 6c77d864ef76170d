"""A database with real-length data for the screens: long feed titles and addresses,
right-to-left names, a 300-character headline, 60 parties on one article, a failing, a
paused and a not-yet-fetched feed. Written through the store's functions; the words are
the project's own."""

from __future__ import annotations

from datetime import timedelta

from negotiation_watch.store import times
from negotiation_watch.store.db import connection, feed_rows

from tui_fixture import NOW, insert_article

LONG_TITLE = ("The International Diplomatic Correspondents' Evening Wire on Negotiations, Mediation and "
              "Ceasefire Monitoring Across Three Continents")
LONG_URL = ("https://news.example.org/services/syndication/feeds/v2/regions/europe-and-eurasia/diplomacy/"
            "negotiations.xml?edition=international&format=rss2&lang=en&utm_source=negotiation-watch")
ARABIC_TITLE = "نشرة المفاوضات الدبلوماسية اليومية"  # "daily bulletin of diplomatic negotiations"
HEBREW_TITLE = "יומן שיחות השלום והגישור"  # "journal of peace talks and mediation"
UNTITLED_URL = ("file:///home/analyst/Documents/saved-feeds/2026/march/"
                "ministry-of-foreign-affairs-press-releases-archive-complete.xml")
LONG_ERROR = ("could not connect to security-monitor.example.net: [Errno 111] Connection refused; the server "
              "has refused every connection since the first attempt four days ago")

# (key, title, url, columns beyond the defaults)
FEEDS = [
    ("wire", LONG_TITLE, LONG_URL, {}),
    ("arabic", ARABIC_TITLE, "https://ar.news.example.org/rss/diplomacy.xml", {}),
    ("hebrew", HEBREW_TITLE, "https://he.news.example.org/feeds/peace-talks.rss", {}),
    ("failing", "Regional Security Monitor", "https://security-monitor.example.net/feeds/all-regions/latest.xml",
     {"consecutive_errors": 4, "last_status": "error", "last_error": LONG_ERROR, "last_ok": None}),
    ("paused", "Archived Summit Coverage", "https://summits.example.org/archive.rss", {"paused": 1}),
    ("new", None, UNTITLED_URL, {"last_fetch": None, "last_ok": None, "last_status": None,
                                 "next_fetch_due": times.to_iso(NOW - timedelta(minutes=2))}),
]

SIXTY = [
    ("AFG", "Afghanistan"), ("ALB", "Albania"), ("DZA", "Algeria"), ("AND", "Andorra"), ("AGO", "Angola"),
    ("ARG", "Argentina"), ("ARM", "Armenia"), ("AUS", "Australia"), ("AUT", "Austria"), ("AZE", "Azerbaijan"),
    ("BHR", "Bahrain"), ("BGD", "Bangladesh"), ("BLR", "Belarus"), ("BEL", "Belgium"), ("BEN", "Benin"),
    ("BOL", "Bolivia"), ("BIH", "Bosnia and Herzegovina"), ("BRA", "Brazil"), ("BGR", "Bulgaria"),
    ("KHM", "Cambodia"), ("CMR", "Cameroon"), ("CAN", "Canada"), ("TCD", "Chad"), ("CHL", "Chile"),
    ("CHN", "China"), ("COL", "Colombia"), ("HRV", "Croatia"), ("CUB", "Cuba"), ("CYP", "Cyprus"),
    ("CZE", "Czechia"), ("DNK", "Denmark"), ("DJI", "Djibouti"), ("ECU", "Ecuador"), ("EGY", "Egypt"),
    ("EST", "Estonia"), ("ETH", "Ethiopia"), ("FIN", "Finland"), ("FRA", "France"), ("GEO", "Georgia"),
    ("DEU", "Germany"), ("GHA", "Ghana"), ("GRC", "Greece"), ("HUN", "Hungary"), ("ISL", "Iceland"),
    ("IND", "India"), ("IDN", "Indonesia"), ("IRN", "Iran"), ("IRQ", "Iraq"), ("IRL", "Ireland"),
    ("ISR", "Israel"), ("ITA", "Italy"), ("JPN", "Japan"), ("JOR", "Jordan"), ("KAZ", "Kazakhstan"),
    ("KEN", "Kenya"), ("KWT", "Kuwait"), ("LVA", "Latvia"), ("LBN", "Lebanon"), ("LTU", "Lithuania"),
    ("MEX", "Mexico"),
]
SIXTY_TITLE = "Sixty delegations sign the register as the Geneva humanitarian conference opens"
SIXTY_SUMMARY = ("Delegations from " + ", ".join(name for _, name in SIXTY)
                 + " signed the register on the first morning; the hosts said the turnout was the largest yet.")

HEADLINE_300 = (
    "Normandy Format advisers from France, Germany, Russia and Ukraine end a fourteen-hour session in Berlin "
    "with a joint text on prisoner exchanges, a timetable for mine clearance along the contact line, and a "
    "promise to meet again before the end of the month, while officials caution that the hardest questions "
    "remain open"
)[:300]

# (feed, hours before NOW, title, summary, tags)
ARTICLES = [
    ("wire", 1, HEADLINE_300,
     "After fourteen hours the advisers agreed a text; France and Germany called it a start.",
     [("track", "normandy-format", "title", "Normandy Format", None),
      ("party", "FRA", "title", "France", None), ("party", "DEU", "title", "Germany", None),
      ("party", "RUS", "title", "Russia", None), ("party", "UKR", "title", "Ukraine", None)]),
    ("wire", 2, SIXTY_TITLE, SIXTY_SUMMARY,
     [("party", code, "text", name, None) for code, name in SIXTY]),
    ("arabic", 3, "وفدان يلتقيان في الدوحة لبحث وقف إطلاق النار في غزة",  # two delegations meet in Doha on a Gaza ceasefire
     "Mediators from Qatar and Egypt hosted the delegations; a ceasefire text is being drafted.",
     [("track", "gaza-ceasefire-talks", "text", "ceasefire", None),
      ("party", "QAT", "text", "Qatar", None), ("party", "EGY", "text", "Egypt", None)]),
    ("hebrew", 4, "משלחת ישראלית יוצאת לקהיר לשיחות על הפסקת האש",  # an Israeli delegation leaves for Cairo for ceasefire talks
     "Israel sent negotiators to Cairo, where Egypt is mediating the ceasefire talks.",
     [("track", "gaza-ceasefire-talks", "text", "ceasefire talks", None),
      ("party", "ISR", "text", "Israel", None), ("party", "EGY", "text", "Egypt", None)]),
    ("wire", 6, "Kremlin says the Minsk agreements remain the only basis for talks on the east of Ukraine",
     "The Kremlin said the Minsk agreements were still the basis, Lavrov added after meeting OSCE envoys.",
     [("track", "minsk-agreements", "title", "Minsk agreements", None),
      ("party", "RUS", "title", "Kremlin", None), ("party", "UKR", "title", "Ukraine", None),
      ("party", "OSCE", "text", "OSCE", None)]),
    ("failing", 30, "OSCE monitors report ceasefire violations near the contact line for a third night",
     "The OSCE said its monitors recorded violations; the Trilateral Contact Group will meet.",
     [("track", "trilateral-contact-group", "text", "Trilateral Contact Group", None),
      ("party", "OSCE", "title", "OSCE", None)]),
    ("paused", 80, "EU foreign ministers weigh whether the Normandy Format can be revived after the summit",
     "EU ministers discussed the Normandy Format's prospects.",
     [("track", "normandy-format", "title", "Normandy Format", None), ("party", "EU", "title", "EU", None)]),
]


def build_long(path) -> None:
    db = connection.connect(path)
    try:
        feeds = {}
        for key, title, url, columns in FEEDS:
            feed_id, _ = feed_rows.add_feed(db, url, title)
            values = {"last_fetch": times.to_iso(NOW - timedelta(minutes=5)),
                      "last_ok": times.to_iso(NOW - timedelta(minutes=5)), "last_status": "fetched",
                      "next_fetch_due": times.to_iso(NOW + timedelta(minutes=10))}
            feed_rows.update_feed(db, feed_id, **{**values, **columns})
            feeds[key] = feed_id
        for index, (feed, hours, title, summary, tags) in enumerate(ARTICLES):
            insert_article(db, feeds[feed], f"long-{index}", title, summary, NOW - timedelta(hours=hours), tags,
                           read=hours > 24)
    finally:
        db.close()
