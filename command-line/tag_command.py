"""`negotiation-watch tag`: run the extractor on text or on JSON lines, print JSON."""

from __future__ import annotations

import datetime
import json
from typing import IO, TYPE_CHECKING, Any

import click

# The extractor and taxonomy load only when `tag` runs: every other command starts faster.
if TYPE_CHECKING:
    from negotiation_watch.store.extract.taxonomy import Taxonomy


@click.command()
@click.option("--jsonl", is_flag=True, help='Read {"id","title","text","date"?} a line; write one result a line.')
@click.option("--date", "date_text", metavar="YYYY-MM-DD", help="Article date, to resolve office titles to people.")
@click.argument("text", required=False)
def tag(jsonl: bool, date_text: str | None, text: str | None) -> None:
    """Tag TEXT (or standard input) with parties and negotiation tracks, as JSON.

    The first line is the title, the rest the text. With --jsonl, a line's own "date"
    wins over --date. Problems in the taxonomy files are printed as warnings on
    standard error; the bundled and readable entries are still used.
    """
    date = _parse_date(date_text) if date_text else None
    if date_text and date is None:
        raise click.BadParameter(f"not a date: {date_text!r} (use YYYY-MM-DD)", param_hint="--date")
    from negotiation_watch.store.extract.extractor import extract
    from negotiation_watch.store.extract.taxonomy import default_taxonomy

    taxonomy = default_taxonomy()
    for problem in taxonomy.problems:
        click.echo(f"warning: taxonomy: {problem}", err=True)
    stdin = click.get_binary_stream("stdin")
    out = click.get_binary_stream("stdout")  # UTF-8 whatever the locale: "Türkiye", not "T\u00fcrkiye"
    if text is None and stdin.isatty():
        what = "one JSON object a line" if jsonl else "text (the first line is the title)"
        click.echo(f"Reading {what} from standard input; end with Ctrl-D, or give TEXT as an argument.", err=True)
    if jsonl:
        _tag_lines(taxonomy, stdin, out, date)
        return
    if text is None:
        try:
            text = stdin.read().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise click.ClickException(f"cannot read standard input as UTF-8 text: {exc}") from exc
    title, _, body = text.strip().partition("\n")
    out.write(_to_line(extract(taxonomy, title, body, date).to_json()))


def _tag_lines(taxonomy: Taxonomy, source: IO[bytes], out: IO[bytes], default_date: datetime.date | None) -> None:
    """One output line per input line, in order; a bad line (even an empty one) gets an error object."""
    try:
        for number, raw in enumerate(source):
            try:
                line = raw.decode("utf-8-sig" if number == 0 else "utf-8")
            except UnicodeDecodeError:
                result = {"id": None, "error": "not UTF-8 text"}
            else:
                result = _tag_line(taxonomy, line, default_date)
            out.write(_to_line(result))
    except OSError as exc:
        out.flush()
        raise click.ClickException(f"cannot read input: {exc}") from exc


def _tag_line(taxonomy: Taxonomy, line: str, default_date: datetime.date | None) -> dict[str, Any]:
    """The result object for one input line, or an error object saying what is wrong with it."""
    from negotiation_watch.store.extract.extractor import extract

    if not line.strip():
        return {"id": None, "error": "empty line"}
    try:
        item = json.loads(line)
    except ValueError as exc:
        return {"id": None, "error": f"not JSON: {exc}"}
    if not isinstance(item, dict):
        return {"id": None, "error": "expected a JSON object"}
    item_id = item.get("id")
    title, text, date_value = item.get("title", ""), item.get("text", ""), item.get("date")
    if not isinstance(title, str) or not isinstance(text, str):
        return {"id": item_id, "error": "title and text must be strings"}
    if not title and not text:
        return {"id": item_id, "error": "title and text are both empty"}
    date = default_date
    if date_value is not None:
        date = _parse_date(date_value) if isinstance(date_value, str) else None
        if date is None:
            return {"id": item_id, "error": f"not a date: {date_value!r} (use YYYY-MM-DD)"}
    return {"id": item_id, **extract(taxonomy, title, text, date).to_json()}


_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _to_line(value: dict[str, Any]) -> bytes:
    """One JSON line in UTF-8 (JSON's own encoding), names readable as they are written."""
    return (_ENCODER.encode(value) + "\n").encode("utf-8", "backslashreplace")  # a lone surrogate as JSON's own escape


def _parse_date(value: str) -> datetime.date | None:
    """YYYY-MM-DD, or the date part of an ISO timestamp; None when it is neither."""
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None
