"""The audit trail, derived from git: who changed which field from what to what, and when.

Changes are found by comparing the ticket file before and after each commit, not by
trusting commit messages, so a hand edit committed with plain git shows up like any other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tix import messages as msg
from tix.domain.model import Person, Ticket
from tix.errors import TixError
from tix.storage.gitrepo import ZERO_OID
from tix.storage.layout import TICKET_FILE, TICKETS_DIR, Helpdesk, ticket_relpath

_SKIPPED_FIELDS = {"updated"}  # changes with every action; shown as the event's time instead


@dataclass
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass
class Event:
    commit: str
    time: str
    author: Person
    ticket: str
    action: str
    changes: list[FieldChange] = field(default_factory=list)
    entries_added: list[dict[str, str]] = field(default_factory=list)
    entries_removed: list[dict[str, str]] = field(default_factory=list)
    entries_edited: list[dict[str, str]] = field(default_factory=list)
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "commit": self.commit,
            "time": self.time,
            "author": self.author.as_dict(),
            "ticket": self.ticket,
            "action": self.action,
            "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in self.changes],
            "entries_added": self.entries_added,
            "entries_removed": self.entries_removed,
            "entries_edited": self.entries_edited,
            "problem": self.problem,
        }


def events(hd: Helpdesk, ticket_id: str | None = None, limit: int | None = None) -> list[Event]:
    """Events newest first, for one ticket or (ticket_id None) the whole helpdesk."""
    from tix.storage import ticketfile

    pathspec = ticket_relpath(ticket_id) if ticket_id else TICKETS_DIR
    commits = hd.git.log(pathspec, max_count=limit)
    changes = [
        (commit, path, old, new)
        for commit in commits
        for path, old, new in commit.changes
        if path.startswith(TICKETS_DIR + "/") and path.endswith("/" + TICKET_FILE)
    ]
    blobs = hd.git.read_blobs([oid for _, _, old, new in changes for oid in (old, new)])

    def parse(oid: str, path: str) -> Ticket | None:
        if oid == ZERO_OID:
            return None
        return ticketfile.loads(blobs[oid].decode("utf-8", errors="replace"), path)

    result = []
    for commit, path, old_oid, new_oid in changes:
        ticket_name = path.rsplit("/", 2)[-2]
        action = commit.trailers.get("Tix-Action") or ("create" if old_oid == ZERO_OID else "commit")
        if new_oid == ZERO_OID:
            action = commit.trailers.get("Tix-Action") or "delete"
        event = Event(commit.oid, commit.time, commit.author, ticket_name, action)
        try:
            before, after = parse(old_oid, path), parse(new_oid, path)
        except TixError as exc:
            event.problem = msg.history_cannot_compare(exc.message)
        else:
            _compare(event, before, after)
        result.append(event)
    return result


def _fields(ticket: Ticket) -> dict[str, Any]:
    from tix.storage.ticketfile import front_matter

    data = front_matter(ticket)
    data["requester"] = str(ticket.requester)  # one readable value in the trail
    return data


def _compare(event: Event, before: Ticket | None, after: Ticket | None) -> None:
    old = _fields(before) if before else {}
    new = _fields(after) if after else {}
    if before is not None and after is not None:
        for name in list(old) + [key for key in new if key not in old]:
            if name in _SKIPPED_FIELDS or old.get(name) == new.get(name):
                continue
            event.changes.append(FieldChange(name, old.get(name), new.get(name)))
    old_entries = {entry.id: entry for entry in before.entries} if before else {}
    new_entries = {entry.id: entry for entry in after.entries} if after else {}
    for entry_id, entry in new_entries.items():
        brief = {"id": entry.id, "kind": entry.kind, "author": entry.author}
        if entry_id not in old_entries:
            event.entries_added.append(brief)
        elif old_entries[entry_id] != entry:
            event.entries_edited.append(brief)
    if after is not None:
        event.entries_removed = [
            {"id": e.id, "kind": e.kind, "author": e.author} for i, e in old_entries.items() if i not in new_entries
        ]
