"""Listing tickets: `list_tickets(helpdesk, request)` gives typed rows, filtered and sorted.

`tix list` is one call to it; reports, search and the reminders are meant to build on the same
rows. A row comes from the index (the derived cache), with the SLA state worked out for `now`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tix.domain import sla
from tix.domain.filters import SORT_KEYS, Filters
from tix.errors import InvalidValue
from tix.storage.config import Config
from tix.storage.index import Broken, Index
from tix.storage.layout import Helpdesk


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


@dataclass
class ListRequest:
    """What to list: the filters, the SLA conditions, the order and how many."""

    filters: Filters = field(default_factory=Filters)
    breached: bool = False
    due_within: timedelta | None = None
    sort: str = "priority,created"
    limit: int | None = None


def make_request(
    hd: Helpdesk, now: datetime, *, status: list[str] | None = None, owner: list[str] | None = None, mine: bool = False, as_user: str | None = None,
    unassigned: bool = False, priority: list[str] | None = None, category: list[str] | None = None, tag: list[str] | None = None,
    queue: list[str] | None = None, customer: str | None = None, since: str | None = None, include_closed: bool = False,
    breached: bool = False, due_within: str | None = None, sort: str = "priority,created", limit: int | None = None,
) -> ListRequest:
    """The request from `tix list`'s options as typed (comma lists, handles, durations); `mine`
    adds the acting user (`as_user`, else TIX_USER, else git's identity) to the owners."""
    from tix.domain.filters import expand_statuses, parse_duration, parse_since, split_values
    from tix.storage.people import acting_user, resolve_agent

    config = hd.config
    filters = Filters(
        statuses=expand_statuses(config.data["statuses"], split_values(status)),
        owners=[resolve_agent(config, o).lower() for o in split_values(owner)],
        unassigned=unassigned, priorities=split_values(priority), categories=split_values(category),
        tags=split_values(tag), queues=split_values(queue), customer=customer, include_closed=include_closed,
        since=parse_since(since, now) if since else None,
    )  # fmt: skip
    if mine:
        filters.owners.append(acting_user(hd.git, as_user).email.lower())
    return ListRequest(filters, breached, parse_duration(due_within, "--due-within") if due_within else None, sort, limit)


@dataclass
class Listing:
    rows: list[TicketRow]
    broken: list[Broken]  # ticket files the index could not read (shown as warnings)


def list_tickets(hd: Helpdesk, request: ListRequest, now: datetime) -> Listing:
    filters = request.filters
    with Index.current(hd) as index:
        broken = index.broken()
        if filters.statuses:
            summaries = index.summaries(statuses=filters.statuses)
        else:
            summaries = index.summaries(exclude_statuses=None if filters.include_closed else hd.config.closed_statuses)
    rows = [row for row in (TicketRow.from_summary(s, now) for s in summaries) if _matches(row, filters)]
    if request.breached:
        rows = [row for row in rows if row.sla in sla.BREACHED]
    if request.due_within is not None:
        horizon = now + request.due_within
        rows = [row for row in rows if row.due is not None and row.due <= horizon]
    return Listing(sort_rows(rows, request.sort, hd.config)[: request.limit], broken)


def _matches(row: TicketRow, filters: Filters) -> bool:
    if filters.owners and (row.owner or "").lower() not in filters.owners:
        return False
    if filters.unassigned and row.owner:
        return False
    if filters.priorities and row.priority not in filters.priorities:
        return False
    if filters.categories and row.category not in filters.categories:
        return False
    if filters.queues and row.queue not in filters.queues:
        return False
    if filters.tags and not set(filters.tags) <= set(row.tags):
        return False
    if filters.customer:
        needle = filters.customer.lower()
        if needle not in row.requester_email.lower() and needle not in row.requester_name.lower():
            return False
    return not (filters.since and datetime.fromisoformat(row.updated) < filters.since)


def sort_rows(rows: list[TicketRow], spec: str, config: Config) -> list[TicketRow]:
    """Sort by a comma list of keys, each optionally prefixed by '-' for descending."""
    keys = [part.strip() for part in spec.split(",") if part.strip()] or ["priority", "created"]
    rank = {name: position for position, name in enumerate(config.priorities)}
    status_rank = {name: position for position, name in enumerate(config.statuses)}
    for key in reversed(keys):
        name = key.lstrip("-")
        if name not in SORT_KEYS:
            raise InvalidValue(f"--sort: unknown key '{name}' (one of: {', '.join(SORT_KEYS)})")

        def value(row: TicketRow, name: str = name) -> Any:
            if name == "priority":
                return rank.get(row.priority, len(rank))
            if name == "status":
                return status_rank.get(row.status, len(status_rank))
            if name in ("created", "updated"):
                return datetime.fromisoformat(getattr(row, name))
            if name == "due":
                return (row.due is None, row.due or datetime.min)
            return (getattr(row, name) or "").lower()

        rows = sorted(rows, key=value, reverse=key.startswith("-"))
    return rows
