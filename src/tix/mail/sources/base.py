"""What every mail source shares: the `Source` protocol, the `Item` it yields, and a folder listing.

A source yields its messages one at a time (an import streams), each read as bytes, and marks
one done only when asked — after the commit that holds it exists. Nothing is renamed unless
asked. A new kind of source (imap.py) is one new module implementing `Source`, chosen by
`open_source` in this package's __init__.
"""

from __future__ import annotations

import os
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from tix import messages as msg


class UnreadableMessage(Exception):
    """A message file that exists but cannot be read."""


@runtime_checkable
class Source(Protocol):
    """Where inbound mail comes from."""

    name: str  # for reports: the file, the folder, or "stdin"

    def __iter__(self) -> Iterator[Item]:
        """Its messages, in a stable order."""
        ...

    def delivered_at(self, item: Item) -> datetime | None:
        """When the message reached this source, in UTC, where the source knows; else None."""
        ...

    def mark_seen(self, item: Item) -> None:
        """Mark one message done (only once the commit that holds it exists); may raise OSError."""
        ...

    def settled(self, item: Item) -> None:
        """The commit that holds the message (or says why not: a duplicate, quarantine) exists."""
        ...

    def landed(self) -> None:
        """A batch's commit exists and each of its messages was `settled`: write down what the
        source remembers per batch (IMAP: its UIDs, and its after-fetch action), where it does."""
        ...

    def finish(self) -> None:
        """The run is over: remember what was seen, where the source keeps such a memory."""
        ...


class FolderMemory(Protocol):
    """What earlier runs saw of a folder (the import ledger keeps it): the names of its files
    that were settled, and the folder's modification time when it was last listed with every
    file in it settled. Maildir reads it to skip, unopened, what earlier runs imported."""

    def unchanged(self, folder: str, mtime_ns: int) -> bool:
        """Whether the folder was last listed, all settled, at this very modification time."""
        ...

    def names(self, folder: str) -> set[str]:
        """The names of the folder's files settled by earlier runs (or earlier in this one)."""
        ...

    def added(self, folder: str) -> set[str]:
        """The names of the folder's files settled by this run (a part of `names`)."""
        ...

    def add(self, folder: str, name: str) -> None:
        """This file's message is settled (kept until the next `save`)."""
        ...

    def listed(self, folder: str, mtime_ns: int | None, names: Iterable[str]) -> None:
        """The folder was listed in full: these names are there now (the others are forgotten);
        `mtime_ns` when every one of them is settled and the time can be trusted, else None."""
        ...


@dataclass
class Item:
    """One message of a source."""

    label: str  # for reports: the file, or "mbox#12", or "stdin"
    path: Path | None = None  # the file, for .eml and Maildir
    data: bytes | None = None  # already read (mbox, stdin)
    listed: str | None = None  # the fingerprint from the folder listing (one stat a file, not two)
    source: Source | None = None  # the source that yielded it (None for an item made by hand)
    moved_to: Path | None = None  # where mark_seen moved the file (Maildir: new/ to cur/)
    # Files settled by earlier runs, known by their names in the folder `label` (Maildir): never
    # read again, and reported as one item (an item with a path stands for one of them).
    earlier: list[str] | None = None

    def read(self) -> bytes | None:
        """The message bytes; None if the file vanished (renamed by a sync tool meanwhile)."""
        if self.data is not None:
            return self.data
        assert self.path is not None
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:  # unreadable (permissions, I/O): say so, never stop the run
            raise UnreadableMessage(msg.source_unreadable(self.path, exc.strerror or exc)) from None

    def fingerprint(self) -> str | None:
        """Device, inode, size and mtime of the file: the same while its bytes are the same,
        also after a sync tool renames it (a cache key for its content hash, never an identity)."""
        if self.path is None:
            return None
        if self.listed is not None:
            return self.listed
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return _fingerprint(st)

    def delivered_at(self) -> datetime | None:
        """When the message was delivered, as its source tells (Maildir only, so far)."""
        return self.source.delivered_at(self) if self.source is not None else None

    def mark_seen(self) -> None:
        """Mark the message done in its source (Maildir only, so far)."""
        if self.source is not None:
            self.source.mark_seen(self)

    def settled(self) -> None:
        """Tell its source that the message is settled (after its commit, and after mark_seen)."""
        if self.source is not None:
            self.source.settled(self)


def list_files(folder: Path) -> Iterator[tuple[Path, str | None]]:
    """Regular, non-hidden files, oldest first, each with its fingerprint (Item.fingerprint)
    from the one stat the listing makes."""
    listing = Listing(folder)
    try:
        for name, fingerprint in listing.fresh():
            yield folder / name, fingerprint
    finally:
        listing.close()


class Listing:
    """One listing of a folder: the name of every regular, non-hidden file, and for each one not
    `known` its fingerprint and time (one stat; a known file is not even stat'ed).

    It is held in a private temporary SQLite database — in SQLite's page cache while it is small,
    spilled to a temporary file when it grows — never in Python objects, so that a folder of
    100,000 messages costs the importer the same memory as a folder of ten (tix issue 9: peak
    memory flat in N). Names are stored as their bytes, so that any name the file system allows
    round-trips."""

    def __init__(self, folder: Path, known: Container[str] = ()) -> None:
        import sqlite3

        self.db = sqlite3.connect("", isolation_level=None)  # "": private, temporary, deleted on close
        self.db.execute("CREATE TABLE files (name BLOB PRIMARY KEY, known INTEGER NOT NULL, mtime REAL, fingerprint TEXT) WITHOUT ROWID")
        self.db.execute("BEGIN")
        self.db.executemany("INSERT OR IGNORE INTO files VALUES (?, ?, ?, ?)", _scan(folder, known))
        self.db.execute("COMMIT")

    def fresh(self) -> Iterator[tuple[str, str | None]]:
        """The files not known, oldest first (by time, then name), as (name, fingerprint)."""
        rows = self.db.execute("SELECT name, fingerprint FROM files WHERE NOT known ORDER BY mtime, name")
        return ((os.fsdecode(name), fingerprint) for name, fingerprint in rows)

    def known(self) -> Iterator[str]:
        """The known files found, by name."""
        return (os.fsdecode(row[0]) for row in self.db.execute("SELECT name FROM files WHERE known ORDER BY name"))

    def names(self) -> Iterator[str]:
        """Every file found."""
        return (os.fsdecode(row[0]) for row in self.db.execute("SELECT name FROM files"))

    def close(self) -> None:
        self.db.close()


def _scan(folder: Path, known: Container[str]) -> Iterator[tuple[bytes, int, float | None, str | None]]:
    try:
        for entry in os.scandir(folder):
            name = entry.name
            if name.startswith(".") or not entry.is_file(follow_symlinks=False):  # no stat: the entry's type
                continue
            if name in known:
                yield os.fsencode(name), 1, None, None
            else:
                yield os.fsencode(name), 0, *_stat(entry)
    except FileNotFoundError:
        return


def _stat(entry: os.DirEntry[str]) -> tuple[float, str | None]:
    try:
        st = entry.stat(follow_symlinks=False)
    except FileNotFoundError:
        return 0.0, None
    return st.st_mtime, _fingerprint(st)


def _fingerprint(st: os.stat_result) -> str:
    return f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"
