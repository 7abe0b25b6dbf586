"""Where inbound mail comes from: .eml files, folders of them, Maildir folders, mbox files, stdin.

`open_source` chooses the source for one argument of `tix import`; each kind is a module of
its own implementing base.Source.
"""

from __future__ import annotations

from pathlib import Path

from tix import messages as msg
from tix.errors import InvalidValue
from tix.mail.sources.base import FolderMemory, Source
from tix.mail.sources.files import EmlFile, open_folder
from tix.mail.sources.mbox import Mbox, is_mbox
from tix.mail.sources.stdin import Stdin


def open_source(text: str, memory: FolderMemory | None = None) -> Source:
    """The source a path names: '-' is stdin; a folder, a Maildir or a folder of messages; a
    file, an mbox when it starts with 'From ', else one message. A Maildir with a `memory` skips
    what earlier runs settled (maildir.py)."""
    if text == "-":
        return Stdin()
    path = Path(text)
    if not path.exists():
        raise InvalidValue(msg.source_missing(text))
    if path.is_dir():
        return open_folder(path, memory)
    if is_mbox(path):
        return Mbox(path)
    return EmlFile(path)


def count_messages(text: str) -> int:
    """How many messages `open_source(text)` will yield, counted without reading one (an mbox is
    read for its 'From ' lines): the total of `tix import`'s progress bar. Maildir files that
    earlier runs settled are counted too, as the importer counts them when it skips them."""
    if text == "-":
        return 1
    path = Path(text)
    if path.is_dir():
        return _count_folder(path)
    return _count_file(path) if path.is_file() else 0


def _count_file(path: Path) -> int:
    if not is_mbox(path):
        return 1
    try:
        with open(path, "rb") as handle:
            return sum(1 for line in handle if line.startswith(b"From "))
    except OSError:
        return 0


def _count_folder(folder: Path) -> int:
    """As files.Folder and maildir.Maildir walk it: a Maildir's new/ and cur/; a folder's files,
    then its subfolders but hidden ones and tmp/."""
    import os

    from tix.mail.sources.maildir import is_maildir

    if is_maildir(folder):
        return sum(_count_files(folder / sub, mboxes=False) for sub in ("new", "cur"))
    total = _count_files(folder, mboxes=True)
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return total
    for entry in entries:
        if entry.is_dir(follow_symlinks=False) and not entry.name.startswith(".") and entry.name != "tmp":
            total += _count_folder(Path(entry.path))
    return total


def _count_files(folder: Path, mboxes: bool) -> int:
    import os

    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    files = [e for e in entries if not e.name.startswith(".") and e.is_file(follow_symlinks=False)]
    return sum(_count_file(Path(e.path)) for e in files) if mboxes else len(files)
