"""Drawing an article's text with every evidence span highlighted and labelled."""

from __future__ import annotations

from rich.text import Text

from negotiation_watch.tui.format import safe
from negotiation_watch.tui.names import display_name, short_label

KIND_STYLE = {"party": "bold black on cyan", "track": "bold black on magenta"}
LABEL_STYLE = {"party": "cyan", "track": "magenta"}
SUMMARY_FIELDS = ("text", "summary")
MANY_TAGS = 8  # past this many parties and tracks, an article lists them compactly


def spans_for(evidence: list[dict], field_names: tuple[str, ...], text: str) -> list[dict]:
    """The evidence that points into `text`, in order; spans whose offsets no longer match are dropped."""
    found = [
        e for e in evidence
        if e["field"] in field_names and 0 <= e["start"] < e["end"] <= len(text)
        and text[e["start"]:e["end"]] == e["text"]
    ]
    return sorted(found, key=lambda e: (e["start"], -e["end"]))


def highlight(text: str, spans: list[dict], *, multiline: bool = True) -> Text:
    """`text` with each span in its kind's colour, followed by its labels (overlaps merge)."""
    out = Text()
    position = 0
    for start, end, labels in _merge(spans):
        out.append(safe(text[position:start], multiline=multiline))
        first_kind = labels[0][0]
        out.append(safe(text[start:end], multiline=multiline), style=KIND_STYLE[first_kind])
        for kind, tag_id in labels:
            out.append(f"⟨{short_label(kind, tag_id)}⟩", style=LABEL_STYLE[kind])
        position = end
    out.append(safe(text[position:], multiline=multiline))
    return out


def _merge(spans: list[dict]) -> list[tuple[int, int, list[tuple[str, str]]]]:
    """Overlapping spans become one highlighted stretch carrying all their labels."""
    merged: list[tuple[int, int, list[tuple[str, str]]]] = []
    for span in spans:
        label = (span["kind"], span["tag_id"])
        if merged and span["start"] < merged[-1][1]:
            start, end, labels = merged[-1]
            merged[-1] = (start, max(end, span["end"]), labels + [label] * (label not in labels))
        else:
            merged.append((span["start"], span["end"], [label]))
    return merged


def tag_lines(evidence: list[dict]) -> list[Text]:
    """One line per party or track: its name, id and every distinct piece of evidence.

    Past MANY_TAGS, one flowing list of names per kind instead (the evidence is
    highlighted in the text anyway), so that 60 parties take three lines, not sixty, and
    the article's text stays on the first screen."""
    grouped: dict[tuple[str, str], list[dict]] = {}
    for e in sorted(evidence, key=lambda e: (e["kind"] != "track", e["tag_id"])):
        grouped.setdefault((e["kind"], e["tag_id"]), []).append(e)
    if len(grouped) > MANY_TAGS:
        return [_flowing(kind, [tag_id for k, tag_id in grouped if k == kind])
                for kind in ("track", "party") if any(k == kind for k, _ in grouped)]
    return [_tag_line(kind, tag_id, items) for (kind, tag_id), items in grouped.items()]


def _tag_line(kind: str, tag_id: str, items: list[dict]) -> Text:
    line = Text()
    line.append(f"{kind:<7}", style="dim")
    _name(line, kind, tag_id)
    line.append("  ")
    quoted = []
    for e in items:
        words = f"“{safe(e['text'])}”"
        if e.get("person"):
            words += f" ({safe(display_name('person', e['person']))})"
        if words not in quoted:
            quoted.append(words)
    line.append(", ".join(quoted))
    return line


def _flowing(kind: str, tag_ids: list[str]) -> Text:
    """Every tag of one kind by name only, in a list that wraps, alphabetical."""
    line = Text()
    line.append("parties" if kind == "party" else "tracks", style="dim")
    line.append(f" ({len(tag_ids)})  ", style="dim")
    for number, tag_id in enumerate(sorted(tag_ids, key=lambda tag_id: display_name(kind, tag_id).lower())):
        if number:
            line.append(" · ", style="dim")
        line.append(display_name(kind, tag_id), style=f"bold {LABEL_STYLE[kind]}")
    return line


def _name(line: Text, kind: str, tag_id: str) -> None:
    line.append(display_name(kind, tag_id), style=f"bold {LABEL_STYLE[kind]}")
    if display_name(kind, tag_id) != tag_id:
        line.append(f" ({tag_id})", style="dim")
