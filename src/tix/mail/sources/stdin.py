"""One message on standard input (`tix import -`), as from an MTA's pipe."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import datetime

from tix.mail.sources.base import Item


class Stdin:
    name = "stdin"

    def __iter__(self) -> Iterator[Item]:
        yield Item("stdin", data=sys.stdin.buffer.read(), source=self)

    def delivered_at(self, item: Item) -> datetime | None:
        return None

    def mark_seen(self, item: Item) -> None:
        pass  # the pipe is gone once read; the MTA takes exit code 0 as delivered

    def settled(self, item: Item) -> None:
        pass

    def landed(self) -> None:
        pass  # nothing kept per batch

    def finish(self) -> None:
        pass
