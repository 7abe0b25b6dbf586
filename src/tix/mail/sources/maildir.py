"""A Maildir folder as a mail source.

Maildir rules (research: Maildir for a cron importer): only `new/` and `cur/` are read, never
`tmp/`; dot-files are skipped; a file renamed by a sync tool between listing and reading is
simply skipped (the next run finds it under its new name). Marking a message seen moves it
from new/ to cur/ with the S flag, per the Maildir spec.

A re-run with nothing new opens no file (tix issue 12). As notmuch does, each of new/ and cur/ is
compared with what the last run saw (a FolderMemory, kept in the import ledger) before any file
is touched: a folder whose modification time is the one it had when last listed, with every
file in it settled, has gained and lost no file, so it is not even listed; any other folder is
listed by name (no stat), and only the names that no run has settled are read. A Maildir file is
never rewritten, only renamed (a client marking it seen changes its name after ':2,'), so a
renamed message is a new name, read and found a duplicate by the importer as before. A folder
changed shortly before it was listed is not trusted by its time (timestamps are coarse: a file
added in the same tick leaves the time as it was), so it is listed again by the next run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from tix.mail.sources.base import FolderMemory, Item, Listing, list_files

MAILDIR_INFO_SEPARATORS = (":2,", "!2,", ";2,")
MAILDIR_TIME_RANGE = (631152000, 4102444800)  # 1990 to 2100: a file name prefix outside is not a time
# A folder's time is trusted only when it is this much older than its listing: more than the
# coarsest timestamp (FAT's 2 s) plus some clock difference with a file server.
TRUSTED_AFTER_NS = 5_000_000_000


def is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() and (path / "new").is_dir()


class Maildir:
    def __init__(self, folder: Path, memory: FolderMemory | None = None) -> None:
        self.folder = folder
        self.name = str(folder)
        self.memory = memory
        self._listed: dict[str, tuple[int | None, Listing]] = {}  # a subfolder: its time if trusted, its listing
        self._unsettled: dict[str, set[str]] = {}  # a subfolder: the names yielded and not settled yet

    def __iter__(self) -> Iterator[Item]:
        for sub in ("new", "cur"):
            yield from self._unseen(self.folder / sub)

    def _unseen(self, folder: Path) -> Iterator[Item]:
        """The files of new/ or cur/: those settled by an earlier run as `earlier` items (no
        file opened, no stat), then the others (all of them without a memory)."""
        if self.memory is None:
            for path, fingerprint in list_files(folder):
                yield Item(str(path), path=path, listed=fingerprint, source=self)
            return
        key = os.path.abspath(folder)
        try:
            mtime = os.stat(folder).st_mtime_ns  # before listing: a file added meanwhile changes it again
        except OSError:
            return
        now = self.memory.added(key)  # moved here by this run's mark_seen: counted once already
        known = self.memory.names(key)
        if self.memory.unchanged(key, mtime):
            yield from self._earlier(folder, sorted(known - now))
            return
        trusted = mtime if mtime < time.time_ns() - TRUSTED_AFTER_NS else None
        listing = Listing(folder, known)  # the listing ends before anything is yielded
        self._listed[key] = (trusted, listing)
        yield from self._earlier(folder, [name for name in listing.known() if name not in now])
        unsettled = self._unsettled.setdefault(key, set())
        for name, fingerprint in listing.fresh():  # oldest first
            unsettled.add(name)
            path = folder / name
            yield Item(str(path), path=path, listed=fingerprint, source=self)

    def _earlier(self, folder: Path, names: list[str]) -> Iterator[Item]:
        """One item for all the files settled by earlier runs (a name each, not an object each)."""
        if names:
            yield Item(str(folder), earlier=names, source=self)

    def settled(self, item: Item) -> None:
        if item.path is None or self.memory is None:
            return
        key = os.path.abspath(item.path.parent)
        self._unsettled.get(key, set()).discard(item.path.name)
        where = item.moved_to or item.path
        if where != item.path or not item.earlier:
            self.memory.add(os.path.abspath(where.parent), where.name)

    def landed(self) -> None:
        pass  # nothing kept per batch

    def finish(self) -> None:
        """Remember each subfolder listed: its time only when every file in it is settled."""
        if self.memory is None:
            return
        for key, (trusted, listing) in self._listed.items():
            self.memory.listed(key, None if self._unsettled.get(key) else trusted, listing.names())
            listing.close()

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
            item.moved_to = target
        except FileNotFoundError:
            pass  # renamed by someone else meanwhile; it was imported all the same
