"""Plain files as a mail source: one .eml file, or a folder of them.

A folder is read oldest file first; a file in it that is an mbox is read as one, a subfolder
as a folder of its own (a Maildir when it has cur/ and new/), skipping dot-folders and `tmp`.
Files are never renamed and say nothing about when their message arrived.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from tix.mail.sources.base import FolderMemory, Item, Source, list_files
from tix.mail.sources.maildir import Maildir, is_maildir
from tix.mail.sources.mbox import Mbox, is_mbox


def open_folder(path: Path, memory: FolderMemory | None = None) -> Source:
    return Maildir(path, memory) if is_maildir(path) else Folder(path, memory)


class EmlFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = str(path)

    def __iter__(self) -> Iterator[Item]:
        yield Item(str(self.path), path=self.path, source=self)

    def delivered_at(self, item: Item) -> datetime | None:
        return None

    def mark_seen(self, item: Item) -> None:
        pass  # files are never renamed

    def settled(self, item: Item) -> None:
        pass

    def landed(self) -> None:
        pass  # nothing kept per batch

    def finish(self) -> None:
        pass


class Folder:
    """A folder of .eml files and mboxes, read whole by every run (a file there can be rewritten
    in place: an mbox grows), with subfolders (Maildirs among them, which remember, see maildir.py)."""

    def __init__(self, folder: Path, memory: FolderMemory | None = None) -> None:
        self.folder = folder
        self.name = str(folder)
        self.memory = memory
        self._opened: list[Source] = []

    def __iter__(self) -> Iterator[Item]:
        for path, fingerprint in list_files(self.folder):
            if is_mbox(path):
                yield from Mbox(path)
            else:
                yield Item(str(path), path=path, listed=fingerprint, source=self)
        for entry in sorted(os.scandir(self.folder), key=lambda e: e.name):
            if entry.is_dir(follow_symlinks=False) and not entry.name.startswith(".") and entry.name != "tmp":
                source = open_folder(Path(entry.path), self.memory)
                self._opened.append(source)
                yield from source

    def delivered_at(self, item: Item) -> datetime | None:
        return None

    def mark_seen(self, item: Item) -> None:
        pass  # files are never renamed

    def settled(self, item: Item) -> None:
        pass  # its own files are read every run; a subfolder's items name their own source

    def landed(self) -> None:
        pass  # nothing kept per batch

    def finish(self) -> None:
        for source in self._opened:
            source.finish()

