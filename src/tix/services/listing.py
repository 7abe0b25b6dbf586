"""Listing tickets: `list_tickets(helpdesk, request)` gives typed rows, filtered and sorted.

`tix list` is one call to it; reports, search and the reminders are meant to build on the same
rows. The index (the derived cache) applies the filters, the SLA conditions, the order and the
limit in SQL and gives the rows with the SLA state worked out for `now`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from tix.domain.filters import Filters, Order, parse_sort
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
    """The tickets the request asks for. The index does all the work, the order and the limit
    included, so only the rows shown are read and built."""
    config = hd.config
    order = Order(tuple(parse_sort(request.sort)), tuple(config.priorities), tuple(config.statuses))
    limit = request.limit if request.limit is not None and request.limit >= 0 else None  # a negative one: the slice below
    with Index.current(hd) as index:
        broken = index.broken()
        rows = index.rows(now, _with_sla_conditions(request, now), config.closed_statuses, order, limit)
    return Listing(rows[: request.limit], broken)


def _with_sla_conditions(request: ListRequest, now: datetime) -> Filters:
    """The request's filters with its SLA conditions (which the index applies at `now`) added."""
    filters = request.filters
    if request.due_within is not None:
        due_by = now + request.due_within
        filters = replace(filters, due_by=min(due_by, filters.due_by) if filters.due_by else due_by)
    return replace(filters, breached=True) if request.breached else filters
