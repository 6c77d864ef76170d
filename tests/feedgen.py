"""Small RSS documents for tests, written here (never copied from real feeds)."""

from __future__ import annotations


def rss(*items: str, title: str = "Test wire", link: str = "https://wire.example/") -> bytes:
    """An RSS 2.0 document around the given <item> strings."""
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>{link}</link>{''.join(items)}</channel></rss>"
    ).encode()


def item(guid: str, title: str, text: str, date: str | None = "Tue, 03 Jun 2025 10:00:00 GMT") -> str:
    """One <item>; date=None leaves the date out."""
    when = f"<pubDate>{date}</pubDate>" if date else ""
    return f"<item><guid>{guid}</guid><title>{title}</title><description>{text}</description>{when}</item>"


def wire(feed: int, count: int) -> bytes:
    """A feed of `count` short stories, distinct per feed number."""
    stories = [
        item(f"w{feed}-{n}", f"Wire {feed} story {n}: Russia and Ukraine envoys meet", f"Round {n} of talks.")
        for n in range(count)
    ]
    return rss(*stories, title=f"Wire {feed}")


def grain_ship_outlets(date: str) -> dict[str, tuple[str, str]]:
    """One event told by three outlets, each in its own words: path -> (feed title, <item>)."""
    return {
        "/harbour.xml": ("Harbour Wire", item(
            "h1", "First grain ship leaves Odesa under Black Sea deal",
            "The Razoni left Odesa with 26,000 tonnes of maize for Lebanon, the first ship Russia and Ukraine "
            "let out under the Black Sea Grain Initiative.", date)),
        "/capital.xml": ("Capital Daily", item(
            "c1", "Razoni sets sail from Odesa with Ukrainian maize",
            "The bulk carrier Razoni sailed from Odesa for Tripoli in Lebanon with 26,000 tonnes of corn, "
            "Ukraine said; Russia agreed to the voyage under the grain deal.", date)),
        "/gulf.xml": ("Gulf Monitor", item(
            "g1", "Razoni heads for inspection on its way to Lebanon",
            "The Razoni, the first grain ship out of Odesa, will be inspected by a team from Russia, Ukraine, "
            "Turkey and the UN before it sails on to Lebanon with its maize.", date)),
    }
