"""A Maildir folder as a mail source.

Maildir rules (research: Maildir for a cron importer): only `new/` and `cur/` are read, never
`tmp/`; dot-files are skipped; a file renamed by a sync tool between listing and reading is
simply skipped (the next run finds it under its new name). Marking a message seen moves it
from new/ to cur/ with the S flag, per the Maildir spec.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from tix.mail.sources.base import Item, list_files

MAILDIR_INFO_SEPARATORS = (":2,", "!2,", ";2,")
MAILDIR_TIME_RANGE = (631152000, 4102444800)  # 1990 to 2100: a file name prefix outside is not a time


def is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() and (path / "new").is_dir()


class Maildir:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.name = str(folder)

    def __iter__(self) -> Iterator[Item]:
        for sub in ("new", "cur"):
            for path, fingerprint in list_files(self.folder / sub):
                yield Item(str(path), path=path, listed=fingerprint, source=self)

    def delivered_at(self, item: Item) -> datetime | None:
        """From the unix time that starts the file name (Maildir's 'time.unique.host'), else the
        file's modification time (set when the delivery agent wrote it, kept by moves to cur/)."""
        if item.path is None:
            return None
        prefix = item.path.name.split(".", 1)[0]
        if prefix.isdigit() and MAILDIR_TIME_RANGE[0] <= int(prefix) <= MAILDIR_TIME_RANGE[1]:
            return datetime.fromtimestamp(int(prefix), UTC)
        try:
            return datetime.fromtimestamp(item.path.stat().st_mtime, UTC)
        except OSError:
            return None

    def mark_seen(self, item: Item) -> None:
        """Move new/ → cur/ and add the S flag."""
        if item.path is None:
            return
        name = item.path.name
        for separator in MAILDIR_INFO_SEPARATORS:
            if separator in name:
                base, flags = name.split(separator, 1)
                break
        else:
            base, separator, flags = name, ":2,", ""
        if "S" in flags and item.path.parent.name == "cur":
            return
        flags = "".join(sorted(set(flags) | {"S"}))
        target = self.folder / "cur" / f"{base}{separator}{flags}"
        try:
            os.rename(item.path, target)
        except FileNotFoundError:
            pass  # renamed by someone else meanwhile; it was imported all the same
