"""`negotiation-watch feeds`: add, list, remove, import and export subscriptions."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import click

from negotiation_watch.cli import CliContext, UserError, db_option, pass_context, plural
from negotiation_watch.live_line import LiveLine


@click.group()
def feeds() -> None:
    """Manage the feeds negotiation-watch follows."""


@feeds.command()
@click.argument("urls", nargs=-1, required=True)
@click.option("--no-check", is_flag=True, help="Store the URLs without fetching them first.")
@db_option
@pass_context
def add(obj: CliContext, urls: tuple[str, ...], no_check: bool) -> None:
    """Add feeds by URL (http, https, file or a local path).

    Each URL is fetched once first; an HTML page is resolved to its feed through its
    <link rel="alternate"> tags. A URL already followed is reported, not added twice.
    Results are printed as they come, with a progress line on a terminal.
    """
    from negotiation_watch.store.pipeline.subscribe import SubscribeResult
    from negotiation_watch.store.fetch.urls import InvalidURL, feed_url

    db = obj.open_db(write=True)
    with _AddReport(len(urls)) as report:
        if no_check:
            for text in urls:
                try:
                    report.stored(db, SubscribeResult(requested=text, url=feed_url(text)))
                except InvalidURL as exc:
                    report.stored(db, SubscribeResult(requested=text, error=str(exc)))
        else:
            _check_and_store(db, urls, {}, report)
    if report.failed:
        raise UserError(f"{report.failed:,} of {report.total:,} URLs could not be added")


def _check_and_store(db, urls, given: dict, report: "_AddReport") -> None:
    """Fetch every URL once within `fetch`'s limits, storing and reporting each as it is
    checked: memory stays flat however long the list, and Ctrl-C keeps what was added.
    `given` (OPML subscriptions by URL as given) supplies titles that win over the
    feeds' own, and folders."""
    from negotiation_watch.store.config import load_settings
    from negotiation_watch.store.fetch.fetcher import FetchLimits
    from negotiation_watch.store.pipeline.subscribe import check_feeds

    limits = FetchLimits(concurrency=load_settings().concurrency)

    async def run() -> None:
        async for result in check_feeds(urls, limits):
            subscription = given.get(result.requested)
            if subscription is not None:
                result.title = subscription.title or result.title
                result.folder = subscription.folder
            report.stored(db, result)

    asyncio.run(run())


class _AddReport:
    """Stores each checked URL and prints what became of it at once, under a progress line."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = self.added = self.failed = 0
        self.line = LiveLine()

    def __enter__(self) -> "_AddReport":
        return self

    def __exit__(self, *_exc) -> None:
        self.line.clear()  # Ctrl-C included: what was stored stays, and the terminal is left tidy

    def stored(self, db, result) -> None:
        from negotiation_watch.store.pipeline.subscribe import store_checked

        store_checked(db, result)
        self.done += 1
        if result.error:
            self.failed += 1
            self.line.echo(f"error   {printable(result.requested)}: {printable(result.error)}", err=True)
        elif not result.created:
            self.line.echo(f"exists  {printable(result.url)} (feed {result.feed_id}, already followed)")
        else:
            self.added += 1
            detail = ""
            if result.title or result.item_count is not None:
                detail = f" - {printable(result.title or 'untitled')} ({plural(result.item_count or 0, 'item')})"
            self.line.echo(f"added   {printable(result.url)}{detail}")
        failed = f", {self.failed:,} failed" if self.failed else ""
        self.line.show(f"checked {self.done:,} of {self.total:,}{failed}")


@feeds.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON, one object per feed.")
@db_option
@pass_context
def list_(obj: CliContext, as_json: bool) -> None:
    """List feeds with their health: last fetch, status, errors, articles, next due."""
    from negotiation_watch.store.db import feed_rows

    rows = feed_rows.list_feeds(obj.open_db())
    if as_json:
        click.echo(json.dumps([{**row, "health": health(row)} for row in rows], indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("No feeds yet: add one with `negotiation-watch feeds add URL`.")
        return
    click.echo(f"{'id':>4}  {'health':<12} {'articles':>8}  {'last fetch':<17} {'next due':<17} feed")
    for row in rows:
        click.echo(
            f"{row['id']:>4}  {health(row):<12} {row['article_count']:>8}  "
            f"{short_time(row['last_fetch']):<17} {short_time(row['next_fetch_due']):<17} "
            f"{printable(row['title'] or row['url'])}"
        )
        if row["title"]:
            click.echo(f"{'':>49}{printable(row['url'])}")
        if row["last_error"]:
            click.echo(f"{'':>49}last error: {printable(row['last_error'])}")


@feeds.command()
@click.argument("feed")
@db_option
@pass_context
def remove(obj: CliContext, feed: str) -> None:
    """Remove a feed (by URL or id) with its articles."""
    from negotiation_watch.store.db import feed_rows

    db = obj.open_db(write=True)
    row = feed_rows.find_feed(db, feed)
    if row is None:
        raise UserError(f"no feed {feed!r}: see `negotiation-watch feeds list` for URLs and ids")
    feed_rows.remove_feed(db, row["id"])
    click.echo(f"removed {printable(row['url'])}")


@feeds.command(name="import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--check", is_flag=True, help="Fetch each feed once first, as `feeds add` does; store only those that work.")
@db_option
@pass_context
def import_(obj: CliContext, file: Path, check: bool) -> None:
    """Import feeds from an OPML file (folders kept, duplicates skipped and named)."""
    from negotiation_watch.store.db import feed_rows
    from negotiation_watch.store.parse.opml import OPMLError, read_opml

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {file}: {exc.strerror or exc}") from exc
    try:
        subscriptions, skipped = read_opml(data)
    except OPMLError as exc:
        raise UserError(f"{file}: {exc}") from exc
    db = obj.open_db(write=True)
    for reason in skipped:
        click.echo(f"skipped {printable(reason)}", err=True)
    if check:
        with _AddReport(len(subscriptions)) as report:
            given = {sub.url: sub for sub in subscriptions}
            _check_and_store(db, list(given), given, report)
        added, failed = report.added, report.failed
    else:
        added = sum(feed_rows.add_feed(db, sub.url, sub.title, sub.folder)[1] for sub in subscriptions)
        failed = 0
    failures = f", {failed} failed the check" if failed else ""
    click.echo(
        f"Imported {plural(added, 'new feed')} from {file} "
        f"({len(subscriptions) - added - failed} already followed, {len(skipped)} skipped{failures})."
    )


@feeds.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False), required=False)
@db_option
@pass_context
def export(obj: CliContext, file: Path | None) -> None:
    """Export feeds as OPML to FILE, or to standard output."""
    from negotiation_watch.store.db import feed_rows
    from negotiation_watch.store.parse.opml import write_opml

    rows = feed_rows.list_feeds(obj.open_db())
    document = write_opml(rows)
    for row in rows:
        if row["url"].startswith("file:"):  # kept in the file, but `feeds import` refuses local files
            click.echo(f"note: {printable(row['url'])} is a local file: importing this list elsewhere skips it",
                       err=True)
    if file is None:
        click.echo(document, nl=False)
        return
    tmp = file.with_name(file.name + ".tmp")
    try:
        tmp.write_text(document, encoding="utf-8")
        os.replace(tmp, file)
    except OSError as exc:
        raise UserError(f"cannot write {file}: {exc.strerror or exc}") from exc
    click.echo(f"Exported {plural(len(rows), 'feed')} to {file}.")


def health(row: dict) -> str:
    """The feed's health word (a list_feeds row), with the count of errors in a row."""
    if row["health"] == "failing":
        return f"failing ({row['consecutive_errors']})"
    return row["health"]


def short_time(iso: str | None) -> str:
    return iso.replace("T", " ")[:16] if iso else "-"


def printable(text: str | None) -> str:
    """Feed-supplied text made safe for a terminal: no control or escape sequences."""
    from negotiation_watch.store.parse.clean import clean_text

    return clean_text(text or "")
