"""What the ticket operations print (merge, link, split, spam, delete): one line each."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tix import messages as msg

if TYPE_CHECKING:
    from tix.services.operations import Deleted, Linked, Merged, Spammed, Split


def merged(done: Merged) -> str:
    if done.commit is None:
        return msg.ops_nothing_to_merge(done.source.id, done.target.id)
    return msg.ops_merge_done(done.target.id, done.source.id, done.moved)


def linked(done: Linked, remove: bool) -> str:
    if done.commit is None:
        return msg.ops_no_link(done.ticket.id, done.other.id) if remove else msg.ops_already_linked(done.ticket.id, done.other.id)
    summary = msg.ops_unlinked(done.other.id) if remove else msg.ops_linked(done.kind, done.other.id)
    return msg.change_done(done.ticket.id, summary)


def split(done: Split) -> str:
    return msg.ops_split_done(done.new.id, done.source.id, done.moved)


def spammed(done: Spammed) -> str:
    return msg.change_done(done.ticket.id, done.summary or msg.nothing_to_change())


def deleted(done: Deleted) -> str:
    return msg.ops_deleted_done(done.ticket_id, done.subject, done.folder, done.commit or "HEAD")
