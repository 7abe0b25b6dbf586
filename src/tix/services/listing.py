"""Listing tickets: `list_tickets(helpdesk, request)` gives typed rows, filtered and sorted.

`tix list` is one call to it; reports, search and the reminders are meant to build on the same
rows. The index (the derived cache) applies the filters and gives the rows with the SLA state
worked out for `now`; the SLA conditions (which depend on `now`), the order and the limit are
applied here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tix import messages as msg
from tix.domain import sla
from tix.domain.filters import SORT_KEYS, Filters
from tix.errors import InvalidValue
from tix.storage.config import Config
from tix.storage.index import Broken, Index
from tix.storage.layout import Helpdesk
from tix.storage.rows import TicketRow


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
        statuses=expand_statuses(config.settings.statuses.groups(), split_values(status)),
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
    with Index.current(hd) as index:
        broken = index.broken()
        rows = index.rows(now, request.filters, hd.config.closed_statuses)
    if request.breached:
        rows = [row for row in rows if row.sla in sla.BREACHED]
    if request.due_within is not None:
        horizon = now + request.due_within
        rows = [row for row in rows if row.due is not None and row.due <= horizon]
    return Listing(sort_rows(rows, request.sort, hd.config)[: request.limit], broken)


def sort_rows(rows: list[TicketRow], spec: str, config: Config) -> list[TicketRow]:
    """Sort by a comma list of keys, each optionally prefixed by '-' for descending."""
    keys = [part.strip() for part in spec.split(",") if part.strip()] or ["priority", "created"]
    rank = {name: position for position, name in enumerate(config.priorities)}
    status_rank = {name: position for position, name in enumerate(config.statuses)}
    for key in reversed(keys):
        name = key.lstrip("-")
        if name not in SORT_KEYS:
            raise InvalidValue(msg.sort_unknown_key(name, SORT_KEYS))

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
