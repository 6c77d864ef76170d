"""A brief as Markdown (for a memo), CSV (one row per article) or JSON (documented in README).

Headlines, outlet names and links come from feeds and are hostile: in Markdown every
character that could start a link, an image, HTML or emphasis is escaped, links are made
only from http(s) addresses, percent-encoded so they cannot break out of the link; in CSV
a cell that a spreadsheet would run as a formula is prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from datetime import date
from urllib.parse import quote

from negotiation_watch.store import times
from negotiation_watch.store.briefs.chronology import Brief, Entry, Interaction, Named, most_involved

FORMATS = ("md", "csv", "json")
EXTENSIONS = {"md": ".md", "csv": ".csv", "json": ".json"}
JSON_VERSION = 1
CSV_COLUMNS = [
    "published", "day", "story", "article_id", "headline", "title", "outlet", "url",
    "parties", "party_names", "tracks", "track_names", "interactions",
]


def render(brief: Brief, fmt: str) -> str:
    """The brief in one of FORMATS."""
    return {"md": markdown, "csv": csv_text, "json": json_text}[fmt](brief)


# ---------------------------------------------------------------------- Markdown

# CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones that can
# open a link or an image ([, and ! only before it), HTML or an autolink (<), code,
# emphasis or strike-through, and an & that would start an entity. The rest stay as they
# are, so the Markdown reads as plain text: a title is always inside a list item's line,
# where #, | and the like start nothing. Last, what GitHub-flavoured renderers would link
# by themselves: the colon of "x://", the dot of "www.", the at sign of an e-mail address.
_MARKDOWN_SPECIAL = re.compile(r"[\\`*_\[\]<>~]|&(?=#?\w+;)|(?i:(?<=[a-z0-9]):(?=//)|(?<=www)\.)|@(?=\w)")


def escape_markdown(text: str) -> str:
    """Feed text as literal Markdown: no links, images, HTML or formatting can come of it."""
    return _MARKDOWN_SPECIAL.sub(r"\\\g<0>", text)


def markdown_link(label: str, url: str | None) -> str:
    """`[label](<url>)` for an http(s) address, else the label alone (javascript:, data:
    and friends never become links)."""
    text = escape_markdown(label)
    if not url or not url[:8].lower().startswith(("http://", "https://")):
        return text
    # everything that could end the destination or the line is percent-encoded
    return f"[{text}](<{quote(url, safe=_URL_SAFE)}>)"


_URL_SAFE = "/:?#@!$&'()*+,;=%-._~"


def markdown(brief: Brief) -> str:
    lines = [f"# Brief: {escape_markdown(brief.title)}", "", _markdown_summary(brief), ""]
    involved = _involved_md(brief)
    if involved:
        lines += [involved, ""]
    if not brief.entries:
        lines += ["Nothing was stored for this subject in this period.", ""]
    for day, entries in brief.by_day():
        lines += [f"## {_long_day(day)}", ""]
        for entry in entries:
            lines += _markdown_entry(entry)
        lines.append("")
    return "\n".join(lines)


def _markdown_summary(brief: Brief) -> str:
    stories = len(brief.entries)
    articles = sum(len(entry.sources) for entry in brief.entries)
    outlets = len(brief.outlets())
    parts = [
        f"{stories} {_plural(stories, 'story', 'stories')} from {articles} {_plural(articles, 'article')} "
        f"in {outlets} {_plural(outlets, 'outlet')}",
        _period(brief),
        f"made by negotiation-watch on {_when(brief.generated)}",
    ]
    if brief.truncated:
        parts.append("older stories left out")
    return "*" + " · ".join(parts) + "*"


def _involved_md(brief: Brief) -> str:
    """"Most involved: Russia (5), Ukraine (3) · Tracks: ..." over the brief's stories."""
    subject = brief.subject
    parts = []
    for kind, label in (("party", "Parties most involved"), ("track", "Tracks most involved")):
        ranked = most_involved(brief.entries, kind, leave_out=subject.tag_id if subject.kind == kind else None, top=6)
        if ranked:
            parts.append(f"{label}: " + ", ".join(f"{escape_markdown(n.name)} ({count})" for n, count in ranked))
        if subject.kind == "track" and kind == "party":
            break  # a track's brief: its parties are what matter
    return "\n".join(f"- {part}" for part in parts)


def _markdown_entry(entry: Entry) -> list[str]:
    lines = [f"- **{entry.published[11:16]}** {escape_markdown(entry.headline)}"]
    outlets = ", ".join(markdown_link(source.outlet, source.url) for source in entry.sources)
    lines.append(f"  - Sources: {outlets}")
    if entry.parties:
        lines.append(f"  - Parties: {_names_md(entry.parties)}")
    if entry.tracks:
        lines.append(f"  - Tracks: {_names_md(entry.tracks)}")
    for interaction in entry.interactions:
        lines.append(f"  - {escape_markdown(_interaction_line(interaction))}")
    return lines


def _names_md(named: list[Named]) -> str:
    return ", ".join(map(_escaped_name, named))


@functools.lru_cache(maxsize=4096)
def _escaped_name(named: Named) -> str:
    """Party and track names recur in every story: escaped once."""
    return escape_markdown(named.name)


_PAST = {"meet": "met", "propose": "proposed to", "agree": "agreed with", "reject": "rejected",
         "demand": "made demands of", "threaten": "threatened", "mediate": "mediated with", "accuse": "accused"}


def _interaction_line(interaction: Interaction) -> str:
    """"France met Russia: “…”": who did what to whom, and the words that say so."""
    verb = _PAST.get(interaction.action, interaction.action)
    if interaction.mutual:
        who = f"{interaction.source} and {interaction.target} {verb.split()[0]}"
    else:
        who = " ".join(filter(None, (interaction.source, verb, interaction.target)))
    return f"{who}: “{interaction.evidence}”" if interaction.evidence else who


def _period(brief: Brief) -> str:
    first = brief.since or (date.fromisoformat(brief.entries[0].day) if brief.entries else None)
    last = brief.until or (date.fromisoformat(brief.entries[-1].day) if brief.entries else None)
    if first is None and last is None:
        return "all dates"
    return f"{_short_day(first) if first else 'the start'} to {_short_day(last) if last else 'today'} (UTC)"


def _long_day(day: str) -> str:
    return date.fromisoformat(day).strftime("%A %-d %B %Y")


def _short_day(day: date) -> str:
    return day.strftime("%-d %b %Y")


def _when(iso: str) -> str:
    return times.from_iso(iso).strftime("%-d %b %Y %H:%M UTC")


def _plural(count: int, one: str, many: str | None = None) -> str:
    return one if count == 1 else many or one + "s"


# ---------------------------------------------------------------------- CSV

_FORMULA_START = tuple("=+-@\t\r")


def csv_text(brief: Brief) -> str:
    """One row per article, CSV_COLUMNS in that order; lists are joined with "; "."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in brief.entries:
        for source in entry.sources:
            interactions = "; ".join(_interaction_line(i) for i in source.interactions)
            writer.writerow([_cell(value) for value in (
                source.published, source.published[:10], entry.story, source.article_id, entry.headline,
                source.title, source.outlet, source.url or "",
                "; ".join(n.id for n in source.parties), "; ".join(n.name for n in source.parties),
                "; ".join(n.id for n in source.tracks), "; ".join(n.name for n in source.tracks),
                interactions,
            )])
    return out.getvalue()


def _cell(value) -> str:
    """A spreadsheet runs a cell that starts like a formula: feed text gets an apostrophe first."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


# ---------------------------------------------------------------------- JSON


def json_text(brief: Brief) -> str:
    """The brief as one JSON document (its format is described in README)."""
    subject = brief.subject
    document = {
        "format": "negotiation-watch-brief",
        "version": JSON_VERSION,
        "title": brief.title,
        "subject": {"kind": subject.kind, "id": subject.tag_id, "search": subject.words or None,
                    "article_id": subject.article_id},
        "since": brief.since.isoformat() if brief.since else None,
        "until": brief.until.isoformat() if brief.until else None,
        "generated": brief.generated,
        "truncated": brief.truncated,
        "entries": [_json_entry(entry) for entry in brief.entries],
    }
    # compact: indenting makes json use its pure-Python encoder, ten times slower
    return json.dumps(document, ensure_ascii=False) + "\n"


def _json_entry(entry: Entry) -> dict:
    return {
        "story": entry.story,
        "published": entry.published,
        "day": entry.day,
        "headline": entry.headline,
        "parties": [_json_named(n) for n in entry.parties],
        "tracks": [_json_named(n) for n in entry.tracks],
        "sources": [
            {"article_id": s.article_id, "outlet": s.outlet, "title": s.title, "url": s.url,
             "published": s.published, "parties": [n.id for n in s.parties], "tracks": [n.id for n in s.tracks]}
            for s in entry.sources
        ],
        "interactions": [
            {"action": i.action, "source": i.source, "target": i.target, "mutual": i.mutual, "track": i.track,
             "evidence": i.evidence}
            for i in entry.interactions
        ],
    }


def _json_named(named: Named) -> dict:
    return {"id": named.id, "name": named.name}
