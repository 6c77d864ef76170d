"""README's first set-up command, word for word, as a new user runs it: from the root of a
clean copy of the tree, in a fresh venv, with a regular install; and the same dashboard
from the root of this checkout with the install the test run uses (editable in CI).

The dashboard runs on a real pseudo-terminal; pyte turns what it writes into the screen a
person would see. The fresh venv is slow (a full install), so it is marked `slow`, left out
of the default run, and `.ci/run` runs it once on its own.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pyte
import pytest

ROOT = Path(__file__).resolve().parents[1]
COLUMNS, LINES = 120, 40


def readme_first_command() -> str:
    """The first sh block of README's Set-up section: install and open the demo."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Set-up", 1)[1]
    return re.search(r"```sh\n(.+?)\n```", setup, re.S).group(1).strip()


def clean_copy(dest: Path) -> Path:
    """The files git tracks (a fresh clone's tree), without this checkout's venvs or builds."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def dashboard_screen(command: str, cwd: Path, env: dict, *, wait: float) -> str:
    """Run `command` through sh on a 120x40 pseudo-terminal until the dashboard shows its
    first fetch done (or `wait` seconds pass), press q, and return the last screen."""
    screen = pyte.Screen(COLUMNS, LINES)
    stream = pyte.ByteStream(screen)
    pid, fd = pty.fork()
    if pid == 0:  # the child: a login-less shell running the README's words
        os.chdir(cwd)
        os.execve("/bin/sh", ["/bin/sh", "-c", command], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    deadline = time.monotonic() + wait
    text = ""
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                try:
                    stream.feed(os.read(fd, 65536))
                except OSError:  # the program ended
                    break
            text = "\n".join(screen.display)
            if re.search(r"feeds \d+ ok", text) and "articles (" in text and "checking feeds" not in text:
                break
        os.write(fd, b"q")
        end = time.monotonic() + 20
        while time.monotonic() < end:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                try:
                    stream.feed(os.read(fd, 65536))
                except OSError:
                    break
        finished, status = os.waitpid(pid, os.WNOHANG)
        while not finished and time.monotonic() < end:  # the terminal closes a moment before the process is done
            time.sleep(0.05)
            finished, status = os.waitpid(pid, os.WNOHANG)
        assert finished, "the dashboard did not quit on q"
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    return text


def assert_demo_shown(screen: str) -> None:
    assert "No articles yet" not in screen, screen
    assert "failing" not in screen, screen
    assert re.search(r"feeds [1-9]\d* ok", screen), screen
    articles = re.search(r"([\d,]+) articles \(", screen)
    assert articles and int(articles.group(1).replace(",", "")) > 0, screen
    assert "Tracks & parties" in screen and "unread" in screen, screen


def user_env(home: Path, path_first: Path | None = None) -> dict:
    """A new user's environment: own home and folders, the venv (if any) first on PATH."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("NEGOTIATION_WATCH", "PYTHON"))}
    env.update(HOME=str(home), TERM="xterm-256color", XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(home / ".local/share"), XDG_CACHE_HOME=str(home / ".cache"))
    if path_first is not None:
        env["PATH"] = f"{path_first}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(path_first.parent)
    return env


@pytest.mark.slow
def test_readme_first_command_from_a_clean_copy_in_a_fresh_venv(tmp_path):
    command = readme_first_command()
    assert command.startswith("python3 -m pip install .") and "--demo" in command
    copy = clean_copy(tmp_path / "clone")
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True)
    home = tmp_path / "home"
    home.mkdir()
    screen = dashboard_screen(command, copy, user_env(home, tmp_path / "venv" / "bin"), wait=400)
    assert_demo_shown(screen)
    # the installed copy ran, not the clone's folders, and the console script is on PATH
    assert (tmp_path / "venv" / "bin" / "negotiation-watch").exists()


def test_the_dashboard_from_the_checkout_root_with_this_install(tmp_path):
    """python3 -m negotiation_watch from the repository's root (where a package folder
    at the root once shadowed the installed one) with the interpreter running the tests."""
    home = tmp_path / "home"
    home.mkdir()
    command = f"{sys.executable} -m negotiation_watch --demo"
    screen = dashboard_screen(command, ROOT, user_env(home), wait=60)
    assert_demo_shown(screen)


def test_the_dashboard_on_a_new_default_database_starts_with_the_curated_feeds(tmp_path):
    """A new user's first `negotiation-watch`: the README promises the curated list, as
    `feeds list` would have made it. Every request goes to a refused loopback proxy, so
    the fetch that follows never leaves the machine."""
    from negotiation_watch.store.db import connection, feed_rows

    home = tmp_path / "home"
    home.mkdir()
    env = {**user_env(home), "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
           "ALL_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}
    screen = dashboard_screen(f"{sys.executable} -m negotiation_watch", tmp_path, env, wait=30)
    assert "Tracks & parties" in screen, screen
    database = home / ".local/share/negotiation-watch/negotiation-watch.db"
    feeds = feed_rows.list_feeds(connection.connect(database))
    assert len(feeds) >= 15 and all(feed["url"].startswith(("http://", "https://")) for feed in feeds)
