"""`negotiation-watch tag` run as a real subprocess: plain text, JSON lines, bad lines, warnings."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from taxonomy_fixture import FIXTURE_TOML


@pytest.fixture
def env(tmp_path):
    config = tmp_path / "config"
    (config / "taxonomy.d").mkdir(parents=True)
    (config / "taxonomy.d" / "fixture.toml").write_text(FIXTURE_TOML, encoding="utf-8")
    return {**os.environ, "NEGOTIATION_WATCH_CONFIG_DIR": str(config),
            "NEGOTIATION_WATCH_CACHE_DIR": str(tmp_path / "cache")}


def run_tag(env, *args, stdin=""):
    return subprocess.run(
        [sys.executable, "-m", "negotiation_watch", "tag", *args],
        input=stdin, capture_output=True, text=True, env=env, timeout=60,
    )


def test_plain_text_argument_gives_one_json_object(env):
    done = run_tag(env, "--date", "2022-01-27", "The US Secretary of State meets Lavrov")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    usa = next(p for p in out["parties"] if p["id"] == "USA")
    assert usa["evidence"] == [{"field": "title", "start": 4, "end": 25, "text": "US Secretary of State",
                                "person": "antony-blinken"}]
    assert {p["id"] for p in out["parties"]} == {"USA", "RUS"}


def test_plain_text_from_stdin_first_line_is_the_title(env):
    done = run_tag(env, stdin="Normandy Format meets\nKyiv and Moscow send envoys.\n")
    out = json.loads(done.stdout)
    assert [t["id"] for t in out["tracks"]] == ["normandy-format"]
    assert {(e["field"], e["text"]) for p in out["parties"] for e in p["evidence"]} == {
        ("text", "Kyiv"), ("text", "Moscow")}


def test_jsonl_keeps_order_and_reports_bad_lines(env):
    lines = [
        json.dumps({"id": "a", "title": "Kremlin spokesman speaks", "text": "", "date": "2022-01-27"}),
        "{not json",
        json.dumps({"id": "c", "title": "Quiet day", "text": "Nothing here."}),
        json.dumps({"id": "d", "title": "NATO", "date": "yesterday"}),
        json.dumps({"id": "e", "title": 5}),
        json.dumps(["a list"]),
        json.dumps({"id": 6, "title": "Talks in Geneva", "text": "Swiss mediators and the U.N. help."}),
    ]
    done = run_tag(env, "--jsonl", stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", None, "c", "d", "e", None, 6]
    assert out[0]["parties"][0]["evidence"][0]["person"] == "dmitry-peskov"
    assert "error" in out[1] and "error" in out[3] and "error" in out[4] and "error" in out[5]
    assert out[2] == {"id": "c", "parties": [], "tracks": []}
    assert {p["id"] for p in out[6]["parties"]} == {"CHE", "UN"}


def test_jsonl_survives_bad_bytes_blank_lines_and_a_byte_order_mark(env):
    good = json.dumps({"id": 1, "title": "Türkiye and Ukraine"}).encode()
    raw = b"\xef\xbb\xbf" + good + b"\n\n" + b'{"id": 2, "title": "\xff\xfe"}\n' + good + b"\n"
    done = subprocess.run(
        [sys.executable, "-m", "negotiation_watch", "tag", "--jsonl"],
        input=raw, capture_output=True, env=env, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert "Türkiye".encode() in done.stdout  # UTF-8, not \u00fc escapes
    assert [o["id"] for o in out] == [1, None, None, 1]
    assert out[1]["error"] == "empty line" and out[2]["error"] == "not UTF-8 text"
    assert {p["id"] for p in out[0]["parties"]} == {"TUR", "UKR"}
    assert out[0]["parties"][0]["evidence"][0]["text"] == "Türkiye"


def test_taxonomy_problems_go_to_stderr_and_tagging_goes_on(env, tmp_path):
    bad = tmp_path / "config" / "taxonomy.d" / "zz-bad.toml"
    bad.write_text('[[party]]\nid = "RUS"\nflavour = "sour"\n', encoding="utf-8")
    done = run_tag(env, "Lavrov speaks")
    assert done.returncode == 0
    assert f"warning: taxonomy: {bad}:1: party 'RUS': unknown field 'flavour'" in done.stderr
    assert [p["id"] for p in json.loads(done.stdout)["parties"]] == ["RUS"]


def test_bad_date_option_is_a_usage_error(env):
    done = run_tag(env, "--date", "27/01/2022", "Russia")
    assert done.returncode == 2
    assert "not a date" in done.stderr


def test_tag_on_a_terminal_says_it_reads_standard_input(env):
    import os
    import pty

    master, slave = pty.openpty()
    done = subprocess.Popen([sys.executable, "-m", "negotiation_watch", "tag"], stdin=slave,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    os.write(master, "Ankara hosts Türkiye talks\n".encode() + b"\x04")
    out, err = done.communicate(timeout=60)
    os.close(master)
    assert done.returncode == 0
    assert b"Reading text (the first line is the title) from standard input; end with Ctrl-D" in err
    assert "Türkiye" in [e["text"] for e in json.loads(out)["parties"][0]["evidence"]]
