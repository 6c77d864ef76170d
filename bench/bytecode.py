"""Shared by the benchmarks: write the project's bytecode before timing start-ups."""

import compileall
from pathlib import Path


def compile_project() -> None:
    """Write the project's bytecode, as `pip install .` does: an editable install under
    PYTHONDONTWRITEBYTECODE would otherwise compile every module on every start."""
    import negotiation_watch
    import negotiation_watch.store
    import negotiation_watch.tui

    for package in (negotiation_watch, negotiation_watch.store, negotiation_watch.tui):
        compileall.compile_dir(Path(package.__file__).parent, quiet=1)
