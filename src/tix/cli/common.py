"""What every command module shares: the global options' State, the output-format choices,
and printing (stdout for data, stderr for people)."""

from __future__ import annotations

import sys
from enum import Enum
from typing import TYPE_CHECKING

import typer

from tix.cli.state import State

__all__ = ["State", "TextOrJson", "emit", "read_text", "say", "state"]

if TYPE_CHECKING:
    from tix.render.printout import Printout


class TextOrJson(str, Enum):
    text = "text"
    json = "json"


def state(ctx: typer.Context) -> State:
    return ctx.ensure_object(State) if ctx.obj is None else ctx.obj


def say(text: str) -> None:
    typer.echo(text)


def emit(printout: Printout, paged: bool = False) -> None:
    """Print a command's lines in order, then exit with its status; the output through the pager
    when `paged` and there is one (cli/pager.py)."""
    from tix.cli import pager

    if not (paged and pager.write_lines(printout.lines)):
        for text, err, nl in printout.lines:
            typer.echo(text, err=err, nl=nl)
    if printout.code:
        raise typer.Exit(printout.code)


def read_text(value: str) -> str:
    """An option's text, or stdin for '-'."""
    return sys.stdin.read() if value == "-" else value
