"""Where a helpdesk is: its root, and the names of its configuration and ticket folder. Standard
library only, and `root_of` without pathlib, so that a command can find its helpdesk before the
rest of tix is imported (storage/gitstart.py: `tix search` and `tix list` begin git's reads first
thing)."""

from __future__ import annotations

import os

TYPE_CHECKING = False  # not `from typing import TYPE_CHECKING`: importing typing (and re, enum) would delay git's start
if TYPE_CHECKING:
    from pathlib import Path

CONFIG_FILE = "tix.yaml"
TICKETS_DIR = "tickets"
TICKET_FILE = "ticket.md"


def root_of(start: str) -> str | None:
    """The nearest folder at or above `start` (made absolute, symbolic links resolved) holding
    tix.yaml and a git repository (None: none)."""
    folder = os.path.realpath(start)
    while True:
        if os.path.isfile(os.path.join(folder, CONFIG_FILE)) and os.path.exists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def helpdesk_root(start: Path) -> Path | None:
    """root_of, as a Path."""
    from pathlib import Path

    root = root_of(str(start))
    return None if root is None else Path(root)
