"""clean_text and html_to_text: nothing a terminal would act on, nothing invisible, readable text kept."""

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from negotiation_watch.store.parse.clean import _INVISIBLE, _tidy_lines, clean_text, html_to_text, one_line


@pytest.mark.parametrize(
    "dirty, clean",
    [
        ("\x1b[31mred\x1b[0m alert", "red alert"),  # CSI colour, parameters and all
        ("a\x1b[2J\x1b[Hb", "ab"),  # clear screen, cursor home
        ("\x1b]0;owned title\x07after", "after"),  # OSC window title, BEL-terminated
        ("\x1b]8;;http://evil.test/\x1b\\click\x1b]8;;\x1b\\", "click"),  # OSC 8 hyperlink, ST-terminated
        ("\x1bP+q544e\x1b\\x", "x"),  # DCS request
        ("\x9b1;31mC1 csi", "C1 csi"),  # 8-bit CSI
        ("\x9d0;t\x9cshown", "shown"),  # 8-bit OSC ending in 8-bit ST
        ("unterminated \x1b]0;title forever", "unterminated"),  # OSC never closed: payload dropped
        ("bell\x07 null\x00 del\x7f c1\x85x", "bell null del c1\nx"),  # NEL is a line break
        ("left\u202eevil\u202c right \u2066iso\u2069", "leftevil right iso"),  # bidi overrides, isolates
        ("zero\u200bwidth\u200c\u200d\u2060\ufeff joiners", "zerowidth joiners"),
        ("soft\u00adhyphen", "softhyphen"),
        ("lone \ud800 surrogate", "lone surrogate"),
    ],
)
def test_clean_text_removes_what_a_terminal_would_act_on(dirty, clean):
    assert clean_text(dirty) == clean


def test_clean_text_keeps_markup_like_text_literal():
    """Rich/Textual markup is the UI's to escape: the store keeps brackets as written."""
    assert clean_text("[bold red]not markup[/] [link=x]y[/link]") == "[bold red]not markup[/] [link=x]y[/link]"


def test_clean_text_normalises_whitespace_and_lines():
    text = "  one\t\ttwo\u00a0 three \r\n\r\n\r\n\n four\u2028five\r\rsix  \n\n"
    assert clean_text(text) == "one two three\n\nfour\nfive\n\nsix"


def test_clean_text_composes_accents():
    assert clean_text("Erdog\u0306an") == "Erdoğan"


def test_one_line_folds_lines():
    assert one_line("Talks\n\nresume\tin  Geneva ") == "Talks resume in Geneva"


def test_html_to_text_blocks_become_lines_and_scripts_vanish():
    html = (
        "<h2>Envoys meet</h2><p>First &amp; <b>second</b> point<br>next line</p>"
        "<ul><li>one</li><li>two</li></ul><script>alert('x')</script>"
        "<style>p { color: red }</style><div>tail &mdash; end &#8230;</div>"
    )
    assert html_to_text(html) == "Envoys meet\n\nFirst & second point\nnext line\n\none\ntwo\n\ntail — end …"


def test_html_to_text_source_newlines_are_spaces():
    assert html_to_text("<p>a sentence\nbroken\r\nacross lines</p>") == "a sentence broken across lines"


def test_html_to_text_escaped_controls_are_still_removed():
    """Character references cannot smuggle escapes or invisible characters in."""
    text = html_to_text("<p>x&#27;[31my &#x202E;z&#8203;w&#x9b;2J</p>")
    assert "\x1b" not in text and "\u202e" not in text and "\u200b" not in text and "\x9b" not in text
    assert text.startswith("x") and "zw" in text


def test_html_to_text_plain_text_passes_through():
    assert html_to_text("Plain words, [brackets] and 3 < 4") == "Plain words, [brackets] and 3 < 4"


def test_html_to_text_broken_markup_still_yields_text():
    assert html_to_text("<p>unclosed <b>bold <i>and <a href='x'>link") == "unclosed bold and link"
    assert html_to_text("") == ""


# --------------------------------------------------------------------------- fragments of any shape


FRAGMENT_PIECES = st.sampled_from(
    [
        "<p>", "</p>", "<P>", "<br/>", "<br />", "<br>", "<b>", "</b>", "<div>", "</div>", "<li>", "</li>",
        "<td>", "</td>", "<TD>", "<td/>", "<h2>", "</h2>", "<head>", "</head>", "<template>", "</template>",
        "<p/>", "<hr/>", "<em >", "</span>", "<script>", "</script>", "<style>", "<a href='x'>",
        "<!-- c -->", "</p/>", "<x-y>", "Talks", " in Geneva ", "\n", "\r\n", "&amp;", "&amp", "&nbsp;",
        "&#8212;", "&#10;", "&#13;", "&#1;", "&#2;", "&lt;b&gt;", "&bogus;", "& ", "&am", "p;", "&not", "in",
        "a < b", "1 > 0", "<3", "\x01", "\x02", "\x03", "caf\u00e9", "\t", " ",
    ]
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(FRAGMENT_PIECES, max_size=14))
@example(["Talks", "<br/>", "\x01", "<br/>", "Talks"])  # a break marker's own character in the source
@example(["Talks", "&#2;", "<p>", "&#1;", "Talks"])  # nor from a character reference
def test_html_to_text_leaves_no_marker_or_control_and_is_clean(pieces):
    """The line and paragraph markers are control characters: none from the source may be
    read as a break or survive; the result is clean already."""
    text = html_to_text("".join(pieces))
    assert not _INVISIBLE.search(text.replace("\t", ""))
    assert clean_text(text) == text
    if "\x01" in pieces or "\x02" in pieces:  # dropped, never read as a line or paragraph break
        spaced = html_to_text("".join(pieces).replace("\x01", " ").replace("\x02", " "))
        assert spaced.count("\n") == text.count("\n")


def test_an_entity_split_by_a_tag_stays_text():
    """Each run of text between tags is decoded on its own, as a browser does."""
    assert html_to_text("AT&am<b>p;T") == "AT&amp;T"


def _clean_text_reference(text: str) -> str:
    """clean_text without its shortcut for text that is tidy already."""
    import unicodedata

    from negotiation_watch.store.parse.clean import _ESCAPES, _INVISIBLE, _LINE_BREAKS

    text = _INVISIBLE.sub("", _ESCAPES.sub("", _LINE_BREAKS.sub("\n", text)))
    return _tidy_lines(unicodedata.normalize("NFC", text))


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \t\n\r\x0b\x1c\x1b[m\u00a0\u2028e\u0301")), max_size=30))
def test_clean_text_shortcut_changes_nothing(text):
    assert clean_text(text) == _clean_text_reference(text)
    assert one_line(text) == " ".join(_clean_text_reference(text).split())
