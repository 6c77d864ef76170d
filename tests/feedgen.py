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
