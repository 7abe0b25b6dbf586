"""What `tix reindex` prints, and `tix sync` as JSON (as text it prints its result's own summary)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tix import messages as msg

if TYPE_CHECKING:
    from tix.services.reindex import Reindexed
    from tix.services.sync import SyncResult


def reindexed(result: Reindexed, format: str = "text") -> str:
    if format == "json":
        from tix.render.text import to_json

        return to_json({"tickets": result.tickets, "parsed": result.parsed, "broken": result.broken})
    return msg.reindexed(result.tickets, result.parsed, result.broken)


def synced(result: SyncResult) -> str:
    """`tix sync -f json`: {remote, branch, pulled, pushed, attempts} (commits in and out)."""
    from tix.render.text import to_json

    return to_json({"remote": result.remote, "branch": result.branch, "pulled": result.pulled, "pushed": result.pushed,
                    "attempts": result.attempts})  # fmt: skip
