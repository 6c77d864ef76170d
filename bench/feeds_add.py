"""Bulk-add benchmark: `negotiation-watch feeds add` with a long list of addresses.

Times two lists, each into an empty database, and prints wall seconds, peak memory and
how many addresses were added or failed:
  - FILES local feed files (as from a long list or a big OPML of saved feeds);
  - URLS feeds served on HOSTS loopback addresses (127.0.0.x), as from many sites.
Targets for the files: under 10 s and under 150 MB, every one added. `--reference
PYTHON` runs the same lists with another install's interpreter (main's, say) in the same
run, so the figures stand side by side on one machine at one moment.

Run: .venv/bin/python bench/feeds_add.py [--files 2000] [--urls 500] [--hosts 20]
     [--items 20] [--reference /path/to/other/venv/bin/python]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bytecode import compile_project
from ingest import FeedServer, make_feed

TARGET_SECONDS, TARGET_MB = 10, 150


@dataclass
class Run:
    seconds: float
    peak_mb: float  # peak RSS of the command's process
    added: int
    failed: int
    first_error: str


def feeds_add(python: str, work: Path, name: str, urls: list[str]) -> Run:
    """One `feeds add` of every URL into a new database; a failed address is counted, not fatal."""
    db = work / f"{name}.db"
    env = {**os.environ, "NEGOTIATION_WATCH_CONFIG_DIR": str(work / "config"), "NEGOTIATION_WATCH_DATA_DIR": str(work)}
    command = [python, "-m", "negotiation_watch", "--db", str(db), "feeds", "add", *urls]
    out_file, err_file = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # pipes could fill and block it
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=out_file, stderr=err_file)
    _, status, usage = os.wait4(process.pid, 0)  # the one reaper: its rusage is the child's own
    seconds = time.perf_counter() - started
    out, err = (_read_back(f) for f in (out_file, err_file))
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 2):  # 2: some addresses could not be added, which is counted below
        sys.exit(f"feeds add failed ({code}):\n{err[-2000:]}")
    errors = [line for line in err.splitlines() if line.startswith("error ")]
    return Run(seconds, usage.ru_maxrss / 1024, out.count("\nadded ") + out.startswith("added "), len(errors),
               errors[0][:150] if errors else "")


def _read_back(file) -> str:
    file.seek(0)
    return file.read().decode(errors="replace")


def write_files(folder: Path, count: int, items: int) -> list[str]:
    folder.mkdir()
    paths = []
    for n in range(count):
        path = folder / f"feed-{n}.xml"
        path.write_bytes(make_feed(n, items))
        paths.append(str(path))
    return paths


def line(label: str, run: Run, total: int) -> str:
    rate = total / run.seconds
    text = (f"  {label:<34}{run.seconds:7.2f} s {rate:6.0f} addresses/s  peak {run.peak_mb:6.1f} MB"
            f"  added {run.added}/{total}, failed {run.failed}")
    return text + (f"\n  {'':<34}first error: {run.first_error}" if run.first_error else "")


def verdict(run: Run, total: int) -> str:
    checks = [("time", run.seconds < TARGET_SECONDS), ("memory", run.peak_mb < TARGET_MB), ("all added", run.added == total)]
    return ", ".join(f"{name} {'met' if ok else 'MISSED'}" for name, ok in checks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--urls", type=int, default=500)
    parser.add_argument("--hosts", type=int, default=20, help="loopback addresses to spread the URLs over")
    parser.add_argument("--items", type=int, default=20, help="items per feed")
    parser.add_argument("--reference", metavar="PYTHON", help="another install's interpreter, run on the same lists")
    args = parser.parse_args()
    compile_project()
    pythons = {"this install": sys.executable}
    if args.reference:
        pythons["reference " + args.reference] = args.reference
    feeds = {f"/feed/{n}.xml": make_feed(n, args.items) for n in range(args.urls)}
    server = FeedServer(feeds, args.hosts)
    urls = [server.url(n, path) for n, path in enumerate(feeds)]
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"{args.files} local files and {args.urls} URLs on {args.hosts} loopback hosts, {args.items} items a feed; "
          f"load average {load} on {os.cpu_count()} cores")
    try:
        with tempfile.TemporaryDirectory(prefix="nw-bench-add-") as tmp:
            work = Path(tmp)
            files = write_files(work / "files", args.files, args.items)
            for label, python in pythons.items():
                print(f"\n{label}:")
                local = feeds_add(python, work, f"files-{len(label)}", files)
                print(line(f"feeds add, {args.files} local files", local, args.files))
                print(f"  {'':<34}targets < {TARGET_SECONDS} s, < {TARGET_MB} MB: {verdict(local, args.files)}")
                remote = feeds_add(python, work, f"urls-{len(label)}", urls)
                print(line(f"feeds add, {args.urls} URLs / {args.hosts} hosts", remote, args.urls))
    finally:
        server.close()


if __name__ == "__main__":
    main()
