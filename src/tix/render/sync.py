"""What `tix reindex` prints (`tix sync` prints its result's own summary)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tix.messages import count

if TYPE_CHECKING:
    from tix.services.reindex import Reindexed


def reindexed(result: Reindexed) -> str:
    return f"indexed {count(result.tickets, 'ticket')} ({count(result.parsed, 'file')} read, {result.broken} broken)"
