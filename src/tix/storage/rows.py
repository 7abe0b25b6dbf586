"""Typed rows of the ticket index: what `Index.rows` gives and `tix list` shows."""

from __future__ import annotations

import json
from datetime import datetime

from tix.domain import sla
from tix.domain.record import Record

TYPE_CHECKING = False  # as typing's, without importing typing (3 ms; tests/test_startup_imports.py)
if TYPE_CHECKING:
    from typing import Any, ClassVar

_NO_CLOCK = sla.State(None, None)
_decode = json.JSONDecoder().raw_decode  # json.loads without its checks for text around the value: half the cost


class TicketRow(Record):
    """One ticket as `tix list` shows it. `as_dict()` is the stable JSON shape."""

    __slots__ = ("id", "subject", "status", "owner", "priority", "category", "tags", "queue", "channel", "requester_name",
                 "requester_email", "created", "updated", "due", "sla")  # fmt: skip
    id: str
    subject: str
    status: str
    owner: str | None
    priority: str
    category: str | None
    tags: tuple[str, ...]
    queue: str | None
    channel: str
    requester_name: str
    requester_email: str
    created: str  # ISO 8601, as the index holds it (parsed only to sort or filter by time: 20,000 rows)
    updated: str
    due: datetime | None  # the next target still running
    sla: str | None  # breached | paused (breached) | near | ok | None (no clock runs)

    def __init__(self, id: str, subject: str, status: str, owner: str | None, priority: str, category: str | None,
                 tags: tuple[str, ...], queue: str | None, channel: str, requester_name: str, requester_email: str,
                 created: str, updated: str, due: datetime | None, sla: str | None) -> None:  # fmt: skip
        self.id = id
        self.subject = subject
        self.status = status
        self.owner = owner
        self.priority = priority
        self.category = category
        self.tags = tags
        self.queue = queue
        self.channel = channel
        self.requester_name = requester_name
        self.requester_email = requester_email
        self.created = created
        self.updated = updated
        self.due = due
        self.sla = sla

    # The index's columns (storage/index.py) that `from_columns` takes, in its order.
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "id", "subject", "status", "owner", "priority", "category", "tags", "queue", "channel",
        "requester_name", "requester_email", "created", "updated", "sla",
    )  # fmt: skip

    @classmethod
    def from_columns(cls, values: tuple[Any, ...], now: datetime) -> TicketRow:
        """The row of the index's COLUMNS: `tags` and `sla` are the JSON of the summary's parts
        (sla NULL when the ticket has no clock), the rest the summary's values as they are."""
        ticket_id, subject, status, owner, priority, category, tags, queue, channel, name, email, created, updated, clock = values
        state = sla.state_of({"sla": _decode(clock)[0]}, now) if clock else _NO_CLOCK
        return cls(
            ticket_id, subject, status, owner, priority, category, () if tags == "[]" else tuple(_decode(tags)[0]), queue,
            channel, name, email, created, updated, state.due, state.state,
        )  # fmt: skip

    @classmethod
    def from_summary(cls, summary: dict[str, Any], now: datetime) -> TicketRow:
        """The row of a ticket's summary (`Ticket.summary()` plus the index's `sla` part), its SLA state at `now`."""
        state = sla.state_of(summary, now)
        requester = summary["requester"]
        return cls(
            id=summary["id"], subject=summary["subject"], status=summary["status"], owner=summary["owner"],
            priority=summary["priority"], category=summary["category"], tags=tuple(summary["tags"]), queue=summary["queue"],
            channel=summary["channel"], requester_name=requester["name"], requester_email=requester["email"],
            created=summary["created"], updated=summary["updated"],
            due=state.due, sla=state.state,
        )  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "subject": self.subject, "status": self.status, "owner": self.owner,
            "priority": self.priority, "category": self.category, "tags": list(self.tags), "queue": self.queue,
            "channel": self.channel, "requester": {"name": self.requester_name, "email": self.requester_email},
            "created": self.created, "updated": self.updated,
            "due": self.due.isoformat() if self.due else None, "sla": self.sla,
        }  # fmt: skip
