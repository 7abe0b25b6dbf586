"""Where inbound mail comes from: .eml files, folders of them, Maildir folders, mbox files, stdin.

Messages are yielded one at a time (an import streams), read as bytes. Maildir rules
(research: Maildir for a cron importer): only `new/` and `cur/` are read, never `tmp/`;
dot-files are skipped; a file renamed by a sync tool between listing and reading is simply
skipped (the next run finds it under its new name); nothing is renamed unless asked.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tix.errors import InvalidValue

MAILDIR_INFO_SEPARATORS = (":2,", "!2,", ";2,")
MAILDIR_TIME_RANGE = (631152000, 4102444800)  # 1990 to 2100: a file name prefix outside is not a time


class UnreadableMessage(Exception):
    """A message file that exists but cannot be read."""


@dataclass
class Item:
    """One message of a source, and how to mark it done."""

    label: str  # for reports: the file, or "mbox#12", or "stdin"
    path: Path | None = None  # the file, for .eml and Maildir
    maildir: Path | None = None  # the Maildir this file is in
    data: bytes | None = None  # already read (mbox, stdin)
    listed: str | None = None  # the fingerprint from the folder listing (one stat a file, not two)

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
            raise UnreadableMessage(f"{self.path}: {exc.strerror or exc}") from None

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
        return f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"

    def delivered_at(self) -> datetime | None:
        """Maildir only: when the message was delivered, from the unix time that starts its
        file name (Maildir's 'time.unique.host'), else the file's modification time (set when
        the delivery agent wrote it, kept by moves to cur/). None for other sources, whose file
        times say nothing about delivery. Always in UTC."""
        if self.maildir is None or self.path is None:
            return None
        prefix = self.path.name.split(".", 1)[0]
        if prefix.isdigit() and MAILDIR_TIME_RANGE[0] <= int(prefix) <= MAILDIR_TIME_RANGE[1]:
            return datetime.fromtimestamp(int(prefix), UTC)
        try:
            return datetime.fromtimestamp(self.path.stat().st_mtime, UTC)
        except OSError:
            return None

    def mark_seen(self) -> None:
        """Maildir only: move new/ → cur/ and add the S flag, per the Maildir spec."""
        if self.maildir is None or self.path is None:
            return
        name = self.path.name
        for separator in MAILDIR_INFO_SEPARATORS:
            if separator in name:
                base, flags = name.split(separator, 1)
                break
        else:
            base, separator, flags = name, ":2,", ""
        if "S" in flags and self.path.parent.name == "cur":
            return
        flags = "".join(sorted(set(flags) | {"S"}))
        target = self.maildir / "cur" / f"{base}{separator}{flags}"
        try:
            os.rename(self.path, target)
        except FileNotFoundError:
            pass  # renamed by someone else meanwhile; it was imported all the same


def is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() and (path / "new").is_dir()


def iter_items(paths: list[str]) -> Iterator[Item]:
    """Every message of every source, in a stable order (oldest files first within a folder)."""
    for text in paths:
        if text == "-":
            yield Item("stdin", data=sys.stdin.buffer.read())
            continue
        path = Path(text)
        if not path.exists():
            raise InvalidValue(f"{text}: no such file or folder")
        if path.is_dir():
            yield from _folder(path)
        elif _is_mbox(path):
            yield from _mbox(path)
        else:
            yield Item(str(path), path=path)


def _files(folder: Path) -> Iterator[tuple[Path, str | None]]:
    """Regular, non-hidden files, oldest first, each with its fingerprint (Item.fingerprint)
    from the one stat the listing makes. Only (mtime, name, fingerprint) are held while
    sorting, so listing a folder of 100,000 messages costs a few megabytes."""
    try:
        listing = [(*_stat(entry), entry.name) for entry in os.scandir(folder)
                   if not entry.name.startswith(".") and entry.is_file(follow_symlinks=False)]  # fmt: skip
    except FileNotFoundError:
        return
    listing.sort(key=lambda row: (row[0], row[2]))
    for _, fingerprint, name in listing:
        yield folder / name, fingerprint


def _stat(entry: os.DirEntry[str]) -> tuple[float, str | None]:
    try:
        st = entry.stat(follow_symlinks=False)
    except FileNotFoundError:
        return 0.0, None
    return st.st_mtime, f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"


def _folder(folder: Path) -> Iterator[Item]:
    if is_maildir(folder):
        for sub in ("new", "cur"):
            for path, fingerprint in _files(folder / sub):
                yield Item(str(path), path=path, maildir=folder, listed=fingerprint)
        return
    for path, fingerprint in _files(folder):
        if _is_mbox(path):
            yield from _mbox(path)
        else:
            yield Item(str(path), path=path, listed=fingerprint)
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.is_dir(follow_symlinks=False) and not entry.name.startswith(".") and entry.name != "tmp":
            yield from _folder(Path(entry.path))


def _is_mbox(path: Path) -> bool:
    """An mbox starts with a 'From ' line; a .eml file is one message even when it has one."""
    if path.suffix.lower() == ".eml":
        return False
    try:
        with open(path, "rb") as handle:
            return handle.read(5) == b"From "
    except OSError:
        return False


def _mbox(path: Path) -> Iterator[Item]:
    import mailbox

    box = mailbox.mbox(path, create=False)
    try:
        for number, key in enumerate(box.iterkeys(), start=1):
            yield Item(f"{path}#{number}", data=box.get_bytes(key))
    finally:
        box.close()
