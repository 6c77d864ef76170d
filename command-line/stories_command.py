"""`negotiation-watch stories`: the stories stored, newest first, each with its articles."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import click

from negotiation_watch.cli import CliContext, db_option, pass_context
from negotiation_watch.feeds_command import printable


@click.command()
@click.option("--track", metavar="ID", help="Only stories on this track (e.g. normandy-format).")
@click.option("--party", metavar="ID", help="Only stories naming this party (e.g. RUS).")
@click.option("--since", "since_text", metavar="DATE", help="Only stories with an article since DATE (YYYY-MM-DD, UTC).")
@click.option("--limit", type=click.IntRange(min=0), default=100, show_default=True,
              help="At most this many stories (0: all).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array of stories.")
@db_option
@pass_context
def stories(obj: CliContext, track: str | None, party: str | None, since_text: str | None, limit: int,
            as_json: bool) -> None:
    """List stories (articles of one event from any feeds), newest first."""
    from negotiation_watch.store.db import queries

    since = _since(since_text) if since_text else None
    db = obj.open_db()
    try:
        found = queries.list_stories(db, track=track, party=party, since=since, limit=limit or None)
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps([_story_json(story) for story in found], ensure_ascii=False, indent=1))
        return
    for story in found:
        _print_story(story)


def _since(text: str) -> str:
    """The start of a UTC day as the store writes times; a clear error for anything else."""
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        raise click.BadParameter(f"not a date: {text!r} (use YYYY-MM-DD)", param_hint="--since") from None
    return day.strftime("%Y-%m-%dT%H:%M:%SZ")


def _story_json(story) -> dict:
    return {
        "id": story.id,
        "title": story.title,
        "first_seen": story.first_seen,
        "last_seen": story.last_seen,
        "articles": [
            {"id": a.id, "url": a.url, "title": a.title, "feed": a.feed_title, "published": a.published}
            for a in story.articles
        ],
        "parties": [t.tag_id for t in story.tags if t.kind == "party"],
        "tracks": [t.tag_id for t in story.tags if t.kind == "track"],
    }


def _print_story(story) -> None:
    """The story's newest time, size and title, then one indented line per article."""
    outlets = f"{len(story.articles)} article{'s' if len(story.articles) != 1 else ''}, {story.outlets} outlet" + (
        "s" if story.outlets != 1 else "")
    click.echo(f"{story.last_seen}  {printable(story.title)}  ({outlets})")
    tags = " ".join(t.tag_id for t in story.tags)
    if tags:
        click.echo(f"    {tags}")
    for article in story.articles:
        click.echo(f"    {article.published}  {printable(article.feed_title)}: {printable(article.title)}")
