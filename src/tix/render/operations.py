"""What the ticket operations print (merge, link, split, spam, delete): one line each, or with
`-f json` an object: the tickets as `tix list` gives them, `changed` and `commit` (docs/CLI.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tix import messages as msg
from tix.render import text

if TYPE_CHECKING:
    from tix.services.operations import Deleted, Linked, Merged, Spammed, Split


def merged(done: Merged, format: str = "text") -> str:
    if format == "json":
        return text.to_json({"target": done.target.summary(), "source": done.source.summary(), "moved": done.moved,
                             "changed": done.commit is not None, "commit": done.commit})  # fmt: skip
    if done.commit is None:
        return msg.ops_nothing_to_merge(done.source.id, done.target.id)
    return msg.ops_merge_done(done.target.id, done.source.id, done.moved)


def linked(done: Linked, remove: bool, format: str = "text") -> str:
    if format == "json":
        return text.to_json({"ticket": done.ticket.summary(), "other": done.other.summary(), "kind": None if remove else done.kind,
                             "removed": list(done.removed), "changed": done.commit is not None, "commit": done.commit})  # fmt: skip
    if done.commit is None:
        return msg.ops_no_link(done.ticket.id, done.other.id) if remove else msg.ops_already_linked(done.ticket.id, done.other.id)
    summary = msg.ops_unlinked(done.other.id) if remove else msg.ops_linked(done.kind, done.other.id)
    return msg.change_done(done.ticket.id, summary)


def split(done: Split, format: str = "text") -> str:
    if format == "json":
        return text.to_json({"source": done.source.summary(), "new": done.new.summary(), "moved": done.moved,
                             "changed": True, "commit": done.commit})  # fmt: skip
    return msg.ops_split_done(done.new.id, done.source.id, done.moved)


def spammed(done: Spammed, format: str = "text") -> str:
    if format == "json":
        return text.to_json(done.ticket.summary() | {"changed": bool(done.summary), "summary": done.summary,
                                                      "blocked": done.blocked, "commit": done.commit})  # fmt: skip
    return msg.change_done(done.ticket.id, done.summary or msg.nothing_to_change())


def deleted(done: Deleted, format: str = "text") -> str:
    if format == "json":
        return text.to_json({"id": done.ticket_id, "subject": done.subject, "folder": done.folder, "changed": True,
                             "commit": done.commit})  # fmt: skip
    return msg.ops_deleted_done(done.ticket_id, done.subject, done.folder, done.commit or "HEAD")
