"""Typed rows of the ticket index: what `Index.rows` gives and `tix list` shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tix.domain import sla


@dataclass(slots=True)
class TicketRow:
    """One ticket as `tix list` shows it. `as_dict()` is the stable JSON shape."""

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
