"""Where a helpdesk is: its root, and the names of its configuration and ticket folder. Standard
library only, so that a command can find its helpdesk before the rest of tix is imported
(cli/fast.py: `tix search` begins git's reads first thing, gitrepo.begin_worktree_check)."""

from __future__ import annotations

from pathlib import Path

CONFIG_FILE = "tix.yaml"
TICKETS_DIR = "tickets"


def helpdesk_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding tix.yaml and a git repository (None: none)."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file() and (folder / ".git").exists():
            return folder
    return None
