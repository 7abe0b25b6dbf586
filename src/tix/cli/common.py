"""What every command module shares: the global options' State, the output-format choices,
and printing (stdout for data, stderr for people)."""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from tix.render.printout import Printout
    from tix.services.desk import Desk
    from tix.storage.layout import Helpdesk


class TextOrJson(str, Enum):
    text = "text"
    json = "json"


class State:
    """Global options, and the helpdesk they point at (found on first use)."""

    def __init__(self, directory: Path | None, as_user: str | None) -> None:
        self.directory = directory
        self.as_user = as_user
        self._helpdesk: Helpdesk | None = None

    @property
    def start(self) -> Path:
        if self.directory:
            return self.directory
        return Path(os.environ["TIX_DIR"]) if os.environ.get("TIX_DIR") else Path.cwd()

    @property
    def helpdesk(self) -> Helpdesk:
        if self._helpdesk is None:
            from tix.storage.layout import open_helpdesk

            self._helpdesk = open_helpdesk(self.start)
        return self._helpdesk

    def desk(self) -> Desk:
        from tix.services.desk import Desk

        return Desk(self.helpdesk, self.as_user)


def state(ctx: typer.Context) -> State:
    return ctx.ensure_object(State) if ctx.obj is None else ctx.obj


def say(text: str) -> None:
    typer.echo(text)


def emit(printout: Printout) -> None:
    """Print a command's lines in order, then exit with its status."""
    for text, err, nl in printout.lines:
        typer.echo(text, err=err, nl=nl)
    if printout.code:
        raise typer.Exit(printout.code)


def read_text(value: str) -> str:
    """An option's text, or stdin for '-'."""
    return sys.stdin.read() if value == "-" else value
