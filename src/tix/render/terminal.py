"""What the terminal in front of tix allows: colour (`--color`, NO_COLOR, CLICOLOR_FORCE), the
pager (`--no-pager`), and the width a table must fit in (COLUMNS). The global options are set here
by the command line, once per run (`configure`); everything else reads them. Typer-free and cheap:
`tix show` and `tix list` ask on their fast path (cli/fast.py)."""

from __future__ import annotations

import os
import sys

COLOUR_CHOICES = ("auto", "always", "never")


class _Settings:
    colour = "auto"  # --color
    pager = True  # --no-pager turns it off


settings = _Settings()


def configure(colour: str | None = None, pager: bool = True) -> None:
    """The global options of this run (main() resets them before each one)."""
    settings.colour = colour or "auto"
    settings.pager = pager


def use_colour() -> bool:
    """`--color=always|never` decides; else NO_COLOR (any value) turns colour off, CLICOLOR_FORCE
    (not 0) turns it on even through a pipe, and otherwise only a terminal gets it."""
    if settings.colour != "auto":
        return settings.colour == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("CLICOLOR_FORCE", "0") not in ("", "0"):
        return True
    return _isatty()


def _isatty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stdout
        return False


def width() -> int | None:
    """The columns a table must fit in on a terminal: COLUMNS when set, else the terminal's; None
    (no limit) when stdout is not a terminal, so a file or a pipe gets whole lines."""
    if not _isatty():
        return None
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    import shutil  # only a table on a terminal needs it

    return shutil.get_terminal_size((80, 24)).columns


def pager_command() -> str | None:
    """The pager to send long output through, as git chooses it: TIX_PAGER, else PAGER, else
    `less -FRX` (which quits at once when the text fits on one screen); none when stdout is not a
    terminal, with `--no-pager`, or when the choice is empty or `cat`."""
    if not settings.pager or not _isatty():
        return None
    for name in ("TIX_PAGER", "PAGER"):
        if name in os.environ:
            command = os.environ[name].strip()
            break
    else:
        import shutil

        command = "less -FRX" if shutil.which("less") else ""  # no less installed: no pager, as `more` would not quit on a short text
    return None if command in ("", "cat") else command
