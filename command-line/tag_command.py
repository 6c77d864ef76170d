"""`negotiation-watch tag`: run the extractor on text or on JSON lines, print JSON."""

from __future__ import annotations

import os

import click


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
    from negotiation_watch.store.pipeline.tag_lines import Stopped, parse_date, tag_lines, to_line

    date = parse_date(date_text) if date_text else None
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
        try:
            tag_lines(taxonomy, stdin, out, date)
        except Stopped as exc:
            raise click.ClickException(str(exc)) from exc
        except BrokenPipeError:  # the reader went away (`| head`): nothing more to say
            os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())  # so the exit's flush cannot fail again
            raise SystemExit(1) from None
        return
    if text is None:
        try:
            text = stdin.read().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise click.ClickException(f"cannot read standard input as UTF-8 text: {exc}") from exc
    title, _, body = text.strip().partition("\n")
    out.write(to_line(extract(taxonomy, title, body, date).to_json()))
