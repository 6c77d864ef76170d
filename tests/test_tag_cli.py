"""`negotiation-watch tag` run as a real subprocess: plain text, JSON lines, bad lines, warnings."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

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
    assert out[2] == {"id": "c", "parties": [], "tracks": [], "interactions": []}
    assert {p["id"] for p in out[6]["parties"]} == {"CHE", "UN"}


def test_tag_output_carries_interactions_with_their_sentence(env):
    line = json.dumps({"id": 1, "title": "Ukraine rejects Russian plan",
                       "text": "Qatar mediated between Israel and Hamas. Talks may resume.", "date": "2025-03-01"})
    done = run_tag(env, "--jsonl", stdin=line + "\n")
    out = json.loads(done.stdout)
    assert out["interactions"] == [
        {"action": "reject", "source": "UKR", "targets": ["RUS"], "track": None,
         "evidence": {"field": "title", "start": 0, "end": 28, "text": "Ukraine rejects Russian plan"},
         "signal": {"start": 8, "end": 15, "text": "rejects"}},
        {"action": "mediate", "source": "QAT", "targets": ["ISR", "HAMAS"], "track": "gaza-ceasefire-talks",
         "evidence": {"field": "text", "start": 0, "end": 40, "text": "Qatar mediated between Israel and Hamas."},
         "signal": {"start": 6, "end": 14, "text": "mediated"}},
    ]


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


def cli_taxonomy(env):
    """The taxonomy the CLI reads under `env`: the bundled files and the fixture's."""
    from negotiation_watch.store.extract.taxonomy import load_taxonomy

    return load_taxonomy(Path(env["NEGOTIATION_WATCH_CONFIG_DIR"]) / "taxonomy.d")


def test_jsonl_over_worker_processes_gives_what_one_process_gives_in_order(env):
    from negotiation_watch.store.pipeline.tag_lines import BATCH, tag_batch

    titles = ["Kremlin spokesman speaks", "Talks in Geneva", "Lavrov meets the US Secretary of State",
              "Normandy Format meets", "Quiet day"]
    lines = [json.dumps({"id": n, "title": titles[n % len(titles)], "text": "Kyiv and Moscow send envoys.",
                         "date": "2022-01-27"}).encode() for n in range(3 * BATCH + 17)]
    lines[0] = b"\xef\xbb\xbf" + lines[0]
    lines[BATCH + 5], lines[2 * BATCH + 1], lines[2 * BATCH + 2] = b"", b'{"id": 9, "title": "\xff"}', b"[1]"
    done = subprocess.run([sys.executable, "-m", "negotiation_watch", "tag", "--jsonl"],
                          input=b"\n".join(lines) + b"\n", capture_output=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == tag_batch(cli_taxonomy(env), lines, True, None)
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o["id"] for o in out[:3]] == [0, 1, 2] and len(out) == 3 * BATCH + 17
    assert out[BATCH + 5]["error"] == "empty line" and out[2 * BATCH + 1]["error"] == "not UTF-8 text"
    assert out[2 * BATCH + 2]["error"] == "expected a JSON object"


def test_jsonl_answers_each_line_as_it_comes(env):
    """A live source (`tail -f ... | negotiation-watch tag --jsonl`) gets each result at once."""
    proc = subprocess.Popen([sys.executable, "-m", "negotiation_watch", "tag", "--jsonl"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        for n, title in enumerate(["Kremlin spokesman speaks", "Talks in Geneva", "Quiet day"]):
            proc.stdin.write(json.dumps({"id": n, "title": title}).encode() + b"\n")
            proc.stdin.flush()
            ready, _, _ = select.select([proc.stdout], [], [], 30)
            assert ready, f"no answer to line {n} while the input stays open"
            assert json.loads(proc.stdout.readline())["id"] == n
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    assert proc.returncode == 0


def test_jsonl_reads_a_line_longer_than_one_read_crlf_ends_and_a_last_line_without_newline(env):
    from negotiation_watch.store.pipeline.tag_lines import READ_CHUNK, tag_batch

    long_text = "Kyiv and Moscow send envoys. " * (3 * READ_CHUNK // 29)
    lines = [json.dumps({"id": 0, "title": "Talks in Geneva", "text": long_text}).encode(),
             json.dumps({"id": 1, "title": "Kremlin spokesman speaks"}).encode(),
             json.dumps({"id": 2, "title": "Normandy Format meets"}).encode()]
    raw = lines[0] + b"\n" + lines[1] + b"\r\n" + lines[2]
    done = subprocess.run([sys.executable, "-m", "negotiation_watch", "tag", "--jsonl"],
                          input=raw, capture_output=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == tag_batch(cli_taxonomy(env), lines, True, None)
    assert [json.loads(line)["id"] for line in done.stdout.splitlines()] == [0, 1, 2]


def test_tag_lines_reads_a_stream_without_a_descriptor_the_same_way(env):
    """An in-memory stream (click's test runner gives one) has no descriptor to read."""
    import io

    from negotiation_watch.store.pipeline.tag_lines import tag_batch, tag_lines

    lines = [json.dumps({"id": 1, "title": "Kremlin spokesman speaks"}).encode(), b"",
             json.dumps({"id": 2, "title": "Normandy Format meets"}).encode()]
    out = io.BytesIO()
    tag_lines(cli_taxonomy(env), io.BytesIO(lines[0] + b"\r\n" + lines[1] + b"\n" + lines[2]), out, None)
    assert out.getvalue() == tag_batch(cli_taxonomy(env), lines, True, None)


def live_tag(env) -> subprocess.Popen:
    """`tag --jsonl` on a source that stays open, one line tagged and answered."""
    proc = subprocess.Popen([sys.executable, "-m", "negotiation_watch", "tag", "--jsonl"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    proc.stdin.write(json.dumps({"id": 1, "title": "Kyiv and Moscow send envoys"}).encode() + b"\n")
    proc.stdin.flush()
    ready, _, _ = select.select([proc.stdout], [], [], 30)
    assert ready and json.loads(proc.stdout.readline())["id"] == 1
    return proc


def ended(proc: subprocess.Popen) -> tuple[int, bytes]:
    """The exit status and stderr of a `live_tag` process once it ends (killed if it hangs)."""
    try:
        code = proc.wait(timeout=30)
    finally:
        proc.kill()
    said = proc.stderr.read()
    proc.stdin.close()
    return code, said


def test_jsonl_on_a_live_source_ends_cleanly_when_its_reader_goes_away(env):
    """`tail -f ... | tag --jsonl | head -1`: the input still open, its reading thread waits
    in a read as the CLI exits; the interpreter aborted there ("Fatal Python error")."""
    proc = live_tag(env)
    proc.stdout.close()
    proc.stdin.write(json.dumps({"id": 2, "title": "Talks in Geneva"}).encode() + b"\n")
    proc.stdin.flush()
    code, said = ended(proc)
    assert code == 1, said
    assert said == b""


def test_jsonl_on_a_live_source_stops_cleanly_on_ctrl_c(env):
    proc = live_tag(env)
    proc.send_signal(signal.SIGINT)
    code, said = ended(proc)
    assert code == 1, said
    assert said.strip() == b"Aborted!"


@pytest.mark.parametrize("killed", ["workers", "workers and their server"])
def test_jsonl_says_so_when_workers_die_and_keeps_what_it_wrote(env, tmp_path, killed):
    from negotiation_watch.store.pipeline.tag_lines import BATCH

    line = json.dumps({"id": 1, "title": "Kyiv and Moscow send envoys"}).encode() + b"\n"
    with open(tmp_path / "out", "w+b") as out, open(tmp_path / "err", "w+b") as err:
        proc = subprocess.Popen([sys.executable, "-m", "negotiation_watch", "tag", "--jsonl"],
                                stdin=subprocess.PIPE, stdout=out, stderr=err, env=env)
        proc.stdin.write(line * (4 * BATCH))  # a flood: the workers start
        proc.stdin.flush()
        deadline = time.monotonic() + 60
        while not (workers := grandchildren(proc.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert workers, "no worker processes started"
        server = [pid for pid in children(proc.pid) if b"forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        for pid in workers + (server if killed == "workers and their server" else []):
            os.kill(pid, signal.SIGKILL)
        try:
            proc.stdin.write(line * (4 * BATCH))
            proc.stdin.close()
        except BrokenPipeError:
            pass  # it stopped reading before the end: as it should
        try:
            code = proc.wait(timeout=60)
        finally:
            if proc.poll() is None:  # hung: leave no process behind
                for pid in grandchildren(proc.pid) + children(proc.pid) + [proc.pid]:
                    os.kill(pid, signal.SIGKILL)
        out.seek(0)
        err.seek(0)
        written, said = out.read(), err.read()
    assert code == 1, said
    # The CLI's last word; a worker forked as its server died may have printed its own before.
    assert said.splitlines()[-1] == b"Error: a tagging process stopped unexpectedly (out of memory?)"
    assert killed != "workers" or b"Traceback" not in said
    assert all(json.loads(result)["id"] == 1 for result in written.splitlines())


def grandchildren(pid: int) -> list[int]:
    """The children of `pid`'s children, from /proc: the workers its fork server made."""
    return [grandchild for child in children(pid) for grandchild in children(child)]


def children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
