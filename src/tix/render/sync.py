"""What `tix reindex` prints (`tix sync` prints its result's own summary)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tix import messages as msg

if TYPE_CHECKING:
    from tix.services.reindex import Reindexed


def reindexed(result: Reindexed) -> str:
    return msg.reindexed(result.tickets, result.parsed, result.broken)
