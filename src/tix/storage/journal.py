"""The import journal: the paths of the batch an import has written but not yet committed
(`.git/tix/import-journal`). A run killed between writing and committing leaves it; the next
`tix import` or `tix sync` commits what it lists, so nothing written is lost."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from tix import messages as msg
from tix.domain import commits
from tix.domain.model import Person
from tix.storage.files import read_text, write_atomic
from tix.storage.layout import Helpdesk


class ImportJournal:
    def __init__(self, hd: Helpdesk) -> None:
        self.hd = hd
        self.path = hd.state_dir / "import-journal"

    def write(self, paths: list[str]) -> None:
        write_atomic(self.path, json.dumps(paths))

    def forget(self) -> None:
        self.path.unlink(missing_ok=True)

    def recover(self, actor: Person, now: datetime) -> str | None:
        """Commit what an interrupted run wrote (listed in the journal), so it is not lost."""
        if not self.path.exists():
            return None
        try:
            listed = json.loads(read_text(self.path))
        except (ValueError, OSError, UnicodeDecodeError):
            listed = []
        # Replay must never fail on what the journal holds: only plain relative paths that
        # can exist here are taken; anything else was never written and is dropped.
        paths = [p for p in listed if isinstance(p, str) and _replayable(p)] if isinstance(listed, list) else []
        tracked = self.hd.git.tracked_paths(paths)
        paths = [p for p in paths if _lexists(self.hd.root / p) or p in tracked]
        commit = self.hd.git.commit(paths, commits.message(msg.commit_import_recovered(), "import"), actor, now) if paths else None
        if paths and commit is None:  # the batch had landed: its run may have died before updating git's index
            self.hd.git.take_up_in_user_index(paths)
        self.forget()
        return commit


def _replayable(path: str) -> bool:
    parts = path.split("/")
    return (not path.startswith("/") and "\0" not in path and all(part not in ("", ".", "..") for part in parts)
            and all(len(part.encode("utf-8", "surrogateescape")) <= 255 for part in parts))  # fmt: skip


def _lexists(path: Path) -> bool:
    try:
        return path.is_file() and not path.is_symlink()
    except OSError:
        return False
