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
