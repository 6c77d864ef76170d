"""Drawing an article's text with every evidence span highlighted and labelled."""

from __future__ import annotations

from rich.text import Text

from negotiation_watch.tui.format import safe
from negotiation_watch.tui.names import display_name, short_label

KIND_STYLE = {"party": "bold black on cyan", "track": "bold black on magenta", "action": "bold underline yellow"}
LABEL_STYLE = {"party": "cyan", "track": "magenta", "action": "yellow"}
SUMMARY_FIELDS = ("text", "summary")
MANY_TAGS = 8  # past this many parties and tracks, an article lists them compactly
FOCUS_STYLE = "on #264f78"  # the sentence of the interaction the reader came for


def spans_for(evidence: list[dict], field_names: tuple[str, ...], text: str) -> list[dict]:
    """The evidence that points into `text`, in order; spans whose offsets no longer match are dropped."""
    found = [
        e for e in evidence
        if e["field"] in field_names and 0 <= e["start"] < e["end"] <= len(text)
        and text[e["start"]:e["end"]] == e["text"]
    ]
    return sorted(found, key=lambda e: (e["start"], -e["end"]))


def highlight(text: str, spans: list[dict], *, multiline: bool = True,
              focus: tuple[int, int] | None = None) -> Text:
    """`text` with each span in its kind's colour, followed by its labels (overlaps merge);
    `focus` = (start, end) lays a background under that stretch (a sentence)."""
    out = Text()
    position = 0
    for start, end, labels in _merge(spans):
        out.append_text(_piece(text, position, start, focus, multiline))
        first_kind = labels[0][0]
        out.append_text(_piece(text, start, end, focus, multiline, KIND_STYLE[first_kind]))
        for kind, tag_id in labels:
            out.append(f"⟨{short_label(kind, tag_id)}⟩", style=LABEL_STYLE[kind])
        position = end
    out.append_text(_piece(text, position, len(text), focus, multiline))
    return out


def _piece(text: str, start: int, end: int, focus: tuple[int, int] | None, multiline: bool,
           style: str = "") -> Text:
    """text[start:end] as clean Text: the focus background under it, the span's style on top."""
    piece = Text(safe(text[start:end], multiline=multiline))
    if focus is not None and focus[0] < end and start < focus[1]:
        piece.stylize(FOCUS_STYLE, max(0, focus[0] - start), min(end, focus[1]) - start)
    if style:
        piece.stylize(style)
    return piece


def interaction_spans(interactions: list[dict], field_names: tuple[str, ...], text: str) -> list[dict]:
    """The words that signal each interaction in `text`, as spans labelled with the action;
    an interaction whose sentence no longer matches the text is left out."""
    spans = []
    for i in interactions:
        if i["field"] in field_names and _still_there(i, text):
            spans.append({"kind": "action", "tag_id": i["action"], "field": i["field"], "start": i["signal_start"],
                          "end": i["signal_end"], "text": text[i["signal_start"]:i["signal_end"]]})
    return spans


def _still_there(interaction: dict, text: str) -> bool:
    start, end = interaction["start"], interaction["end"]
    return (0 <= start < end <= len(text) and text[start:end] == interaction["text"]
            and start <= interaction["signal_start"] < interaction["signal_end"] <= end)


def focus_span(interaction: dict | None, field_names: tuple[str, ...], text: str) -> tuple[int, int] | None:
    """Where the interaction's sentence is in `text`, when it is in one of these fields."""
    if interaction is None or interaction["field"] not in field_names or not _still_there(interaction, text):
        return None
    return interaction["start"], interaction["end"]


def interaction_lines(interactions: list[dict]) -> list[Text]:
    """One line per stated interaction: "USA meet RUS · Track", then its sentence with the
    signal word marked. Pairs read from one form share a line: "QAT mediate ISR, HAMAS",
    and for a symmetric action all who took part: "FRA, DEU, RUS, UKR meet"."""
    grouped: dict[tuple, list[str]] = {}
    first: dict[tuple, dict] = {}
    for i in interactions:
        source = "" if i["mutual"] else i["source"]  # a meeting has no source: one line for all of it
        key = (i["action"], source, i["track"], i["field"], i["start"], i["signal_start"])
        parties = grouped.setdefault(key, [])
        for party in ((i["source"], i["target"]) if i["mutual"] else (i["target"],)):
            if party not in parties:
                parties.append(party)
        first.setdefault(key, i)
    lines = []
    for key, parties in grouped.items():
        i = first[key]
        line = Text()
        party_style = f"bold {LABEL_STYLE['party']}"
        if i["mutual"] and len(parties) > 2:
            line.append(", ".join(short_label("party", p) for p in parties), style=party_style)
            line.append(f" {i['action']}", style=f"bold {LABEL_STYLE['action']}")
        else:
            source, targets = (parties[0], parties[1:]) if i["mutual"] else (i["source"], parties)
            line.append(short_label("party", source), style=party_style)
            line.append(f" {i['action']} ", style=f"bold {LABEL_STYLE['action']}")
            line.append(", ".join(short_label("party", t) for t in targets), style=party_style)
        if i["track"]:
            line.append(" · ", style="dim")
            line.append(display_name("track", i["track"]), style=LABEL_STYLE["track"])
        line.append("  ")
        line.append_text(sentence_text(i))
        lines.append(line)
    return lines


def sentence_text(interaction: dict) -> Text:
    """The interaction's sentence, quoted, with its signal word marked."""
    sentence = interaction["text"]
    at = interaction["signal_start"] - interaction["start"]
    until = interaction["signal_end"] - interaction["start"]
    out = Text("“", style="dim")
    if 0 <= at < until <= len(sentence):
        out.append(safe(sentence[:at]))
        out.append(safe(sentence[at:until]), style=KIND_STYLE["action"])
        out.append(safe(sentence[until:]))
    else:
        out.append(safe(sentence))
    out.append("”", style="dim")
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
