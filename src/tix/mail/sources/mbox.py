"""An mbox file as a mail source: its messages in order, labelled `FILE#N`, never changed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from tix.mail.sources.base import Item


def is_mbox(path: Path) -> bool:
    """An mbox starts with a 'From ' line; a .eml file is one message even when it has one."""
    if path.suffix.lower() == ".eml":
        return False
    try:
        with open(path, "rb") as handle:
            return handle.read(5) == b"From "
    except OSError:
        return False


class Mbox:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = str(path)

    def __iter__(self) -> Iterator[Item]:
        import mailbox

        box = mailbox.mbox(self.path, create=False)
        try:
            for number, key in enumerate(box.iterkeys(), start=1):
                yield Item(f"{self.path}#{number}", data=box.get_bytes(key), source=self)
        finally:
            box.close()

    def delivered_at(self, item: Item) -> datetime | None:
        return None  # the file's times say nothing about when one of its messages arrived

    def mark_seen(self, item: Item) -> None:
        pass  # an mbox is read, never rewritten

    def settled(self, item: Item) -> None:
        pass

    def landed(self) -> None:
        pass  # nothing kept per batch

    def finish(self) -> None:
        pass
