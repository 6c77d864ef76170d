"""Brief files: written whole or not at all, and under a new name in a folder of briefs."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from negotiation_watch.store.briefs.render import EXTENSIONS


def write_whole(path: Path, text: str) -> None:
    """A temporary file beside `path`, then renamed over it: a crash never leaves half a brief."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8", newline="")
    os.replace(temporary, path)


def save_new(folder: Path, slug: str, fmt: str, text: str, now: datetime) -> Path:
    """Write a brief into `folder` as brief-SLUG-DATE-TIME.EXT, never over an older one."""
    stem = f"brief-{slug}-{now.strftime('%Y-%m-%d-%H%M')}"
    path, number = folder / f"{stem}{EXTENSIONS[fmt]}", 2
    while path.exists():
        path, number = folder / f"{stem}-{number}{EXTENSIONS[fmt]}", number + 1
    write_whole(path, text)
    return path
