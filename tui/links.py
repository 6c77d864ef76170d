"""Opening an article's link in a browser, and saying plainly when none can."""

from __future__ import annotations

import webbrowser
from urllib.parse import urlparse

# Browsers that draw in the terminal: started from the dashboard they would take over the
# screen the dashboard is drawing on, so they count as no browser here.
TERMINAL_BROWSERS = {"www-browser", "links", "links2", "elinks", "lynx", "w3m"}


def link_problem(url: str | None) -> str | None:
    """Why `url` is not to be opened, or None: a feed decides its links, so only web
    addresses go to the browser (never javascript:, file: and the like)."""
    if not url:
        return "This article has no link."
    scheme = urlparse(url).scheme
    if scheme not in ("http", "https"):
        return f"Not opening a {scheme or 'relative'} link: {url}"
    return None


def open_in_browser(url: str) -> str | None:
    """Hand `url` to the user's browser (blocking: call from a thread); None when one
    took it, else why nothing could open it."""
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return "No web browser was found to open it"
    name = getattr(browser, "name", "") or ""
    if name.split("/")[-1] in TERMINAL_BROWSERS:
        return f"The only browser found ({name}) runs in this terminal, over the dashboard"
    try:
        opened = browser.open(url)
    except OSError as exc:
        return f"The browser could not be started ({exc.strerror or exc})"
    return None if opened else "The browser did not accept it"
