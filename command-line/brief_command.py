"""`negotiation-watch brief`: the chronology of a track, a party or a search, as Markdown, CSV or JSON."""

from __future__ import annotations

import datetime
import difflib
from pathlib import Path

import click

from negotiation_watch.cli import UserError, db_option, pass_context


@click.command()
@click.option("--track", "track", metavar="ID", help="A negotiation track, by id or name (normandy-format).")
@click.option("--party", "party", metavar="ID", help="A party, by id or name (RUS, NATO, Hamas).")
@click.option("--search", "words", metavar="WORDS", help="Articles with all these words (within --track or --party if given).")
@click.option("--since", "since", metavar="YYYY-MM-DD", help="From this day on (UTC).")
@click.option("--until", "until", metavar="YYYY-MM-DD", help="Up to and including this day (UTC).")
@click.option("--format", "fmt", type=click.Choice(["md", "csv", "json"]), default="md", show_default=True,
              help="Markdown for a memo, CSV with one row per article, or JSON.")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (default: standard output).")
@db_option
@pass_context
def brief(ctx, track, party, words, since, until, fmt, output) -> None:
    """Write the chronology of a track, a party or a search: newest day last, each story
    with its time, headline, outlets and links, parties and tracks."""
    from negotiation_watch.store.briefs.chronology import Subject, read_brief
    from negotiation_watch.store.briefs.render import render
    from negotiation_watch.store.db import queries
    from negotiation_watch.tui.names import display_name, load_names

    if track and party:
        raise UserError("give --track or --party, not both (--search narrows either)")
    if not (track or party or (words and words.strip())):
        raise UserError("say what the brief is about: --track ID, --party ID or --search WORDS")
    first, last = _day(since, "--since"), _day(until, "--until")
    if first and last and first > last:
        raise UserError(f"--since {first} is after --until {last}")
    load_names()
    db = ctx.open_db()
    try:
        counted = {(c.kind, c.tag_id) for c in queries.tag_counts(db)}
        kind, tag_id = ("track", track) if track else ("party", party) if party else (None, None)
        if kind:
            tag_id = _resolve(kind, tag_id, counted)
        subject = Subject(kind, tag_id, " ".join((words or "").split()))
        text = render(read_brief(db, subject, names=display_name, since=first, until=last), fmt)
    finally:
        db.close()
    if output is None:
        click.echo(text, nl=False)
        return
    _write(output, text)
    click.echo(f"wrote {output}", err=True)


def _day(text: str | None, option: str) -> datetime.date | None:
    if text is None:
        return None
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(f"not a date: {text!r} (use YYYY-MM-DD)", param_hint=option) from None


def _resolve(kind: str, given: str, counted: set[tuple[str, str]]) -> str:
    """The id for what the user typed: an id (any case) or a name; a clear error with
    the nearest ones otherwise."""
    from negotiation_watch.tui.names import names_of

    known = names_of(kind) | {tag_id: tag_id for k, tag_id in counted if k == kind and tag_id not in names_of(kind)}
    wanted = given.strip().casefold()
    for tag_id, name in known.items():
        if wanted in (tag_id.casefold(), name.casefold()):
            return tag_id
    near = difflib.get_close_matches(given, list(known) + list(known.values()), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(sorted({_label(known, n) for n in near}))}?" if near else ""
    raise UserError(f"no {kind} is called {given!r}{hint}")


def _label(known: dict[str, str], near: str) -> str:
    tag_id = near if near in known else next(t for t, name in known.items() if name == near)
    return tag_id if known[tag_id] == tag_id else f"{tag_id} ({known[tag_id]})"


def _write(path: Path, text: str) -> None:
    from negotiation_watch.store.briefs.files import write_whole

    try:
        write_whole(path, text)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from exc
