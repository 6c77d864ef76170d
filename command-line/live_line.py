"""A progress line on a terminal: redrawn in place on stderr, silent when stderr is piped."""

from __future__ import annotations

import sys

import click


class LiveLine:
    """One line at the bottom of the terminal; messages printed with `echo` go above it."""

    def __init__(self) -> None:
        self.live = sys.stderr.isatty()
        self.shown = ""

    def show(self, line: str) -> None:
        if self.live:
            click.echo(f"\r\x1b[2K{line}", err=True, nl=False)
            self.shown = line

    def clear(self) -> None:
        if self.shown:
            click.echo("\r\x1b[2K", err=True, nl=False)
            self.shown = ""

    def echo(self, message: str, *, err: bool = False) -> None:
        """Print a line of output without the progress line getting in its way."""
        line = self.shown
        self.clear()
        click.echo(message, err=err)
        if line:
            self.show(line)
