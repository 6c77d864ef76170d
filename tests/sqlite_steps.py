"""Counting SQLite's work rather than timing it, so a test's bound holds on any machine."""

from __future__ import annotations


def vm_steps(db, work, every: int = 1) -> int:
    """SQLite's virtual-machine steps (in units of `every`) that work() takes on `db`."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    db.set_progress_handler(count, every)
    try:
        work()
    finally:
        db.set_progress_handler(None, 0)
    return steps[0]
