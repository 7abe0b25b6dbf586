"""`tix reindex`: rebuild the derived ticket index (.git/tix/) from the ticket files."""

from __future__ import annotations

from dataclasses import dataclass

from tix.storage.layout import Helpdesk


@dataclass
class Reindexed:
    tickets: int  # in the index now
    parsed: int  # ticket files read
    broken: int  # ticket files that could not be read


def reindex(hd: Helpdesk) -> Reindexed:
    from tix.storage.index import Index
    from tix.storage.statscache import StatsCache

    with StatsCache(hd) as stats:  # the KPI cache starts again too; the next `tix stats` fills it
        stats.clear()
    index = Index(hd)
    try:
        parsed = index.refresh(full=True)  # a full rebuild, so not Index.current
        return Reindexed(index.count(), parsed, len(index.broken()))
    finally:
        index.close()
