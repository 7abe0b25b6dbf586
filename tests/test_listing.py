"""`tix list`'s filters run in the index's SQL: only matching rows are read, and they are the
rows a filter in Python over every ticket gives (the reference below is the filter tix had)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tix.domain import ids
from tix.domain.filters import Filters
from tix.domain.model import Person, Ticket
from tix.services import listing
from tix.storage import ticketfile
from tix.storage.index import Index
from tix.storage.layout import Helpdesk, ticket_relpath
from tix.storage.rows import TicketRow

NOW = datetime.fromisoformat("2026-11-23T09:00:00+01:00")
OWNERS = [None, "anna@example.com", "Bob@Example.com", "ola@example.com"]
NAMES = [("Jan Kowalski", "jan@example.pl"), ("ŁUKASZ Żółw", "Lukasz@Example.PL"), ("Ирина", "irina@example.ru"), ("", "x@y.z")]


def _write_tickets(root: Path, count: int) -> None:
    rng = random.Random(count)
    for number in range(count):
        name, email = rng.choice(NAMES)
        created = NOW - timedelta(hours=rng.randrange(200))
        offset = rng.choice(["+00:00", "+01:00", "-05:00"])  # the same moment written in other zones
        updated = datetime.fromisoformat((created + timedelta(minutes=rng.randrange(3000))).isoformat()[:19] + offset)
        ticket = Ticket(
            id=ids.derived_id(f"listing-{number}"), subject=f"Request {number}", requester=Person(name, email),
            status=rng.choice(["new", "open", "pending", "closed"]), priority=rng.choice(["urgent", "high", "normal", "low"]),
            created=created, updated=updated, owner=rng.choice(OWNERS), category=rng.choice([None, "billing", "technical"]),
            queue=rng.choice([None, "sales", "support"]), tags=rng.sample(["vip", "hardware", "invoice", "vip"], rng.randrange(3)),
            channel="email",
        )  # fmt: skip
        path = root / ticket_relpath(ticket.id)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(ticketfile.dumps(ticket), encoding="utf-8")


def _reference(row: TicketRow, filters: Filters, closed: list[str]) -> bool:
    """The filter `tix list` applied in Python before the index did it in SQL."""
    if filters.statuses:
        if row.status not in filters.statuses:
            return False
    elif not filters.include_closed and row.status in closed:
        return False
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


@pytest.fixture
def desk(helpdesk: Path) -> Helpdesk:
    _write_tickets(helpdesk, 120)
    return Helpdesk(helpdesk)


CASES: list[dict[str, Any]] = [
    {}, {"include_closed": True}, {"statuses": ["open", "pending"]}, {"statuses": ["closed"]},
    {"owners": ["bob@example.com"]}, {"owners": ["anna@example.com", "ola@example.com"], "include_closed": True},
    {"unassigned": True}, {"unassigned": True, "owners": ["anna@example.com"]},
    {"priorities": ["urgent", "high"]}, {"categories": ["billing"]}, {"queues": ["sales"], "statuses": ["new"]},
    {"tags": ["vip"]}, {"tags": ["vip", "hardware"]}, {"tags": ["vip", "vip"]}, {"tags": ["nothing"]},
    {"customer": "łukasz"}, {"customer": "EXAMPLE.pl"}, {"customer": "ири"}, {"customer": "kowalski jan"},
    {"since": NOW - timedelta(hours=30)}, {"since": datetime.fromisoformat("2026-11-20T12:00:00-05:00"), "include_closed": True},
    {"owners": ["anna@example.com"], "priorities": ["normal"], "tags": ["invoice"], "customer": "e", "since": NOW - timedelta(days=5)},
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[",".join(case) or "default" for case in CASES])
def test_the_index_filters_as_python_did(desk: Helpdesk, case: dict[str, Any]) -> None:
    filters = Filters(**case)
    closed = desk.config.closed_statuses
    with Index.current(desk) as index:
        everything = index.rows(NOW)
        chosen = index.rows(NOW, filters, closed)
    expected = [row for row in everything if _reference(row, filters, closed)]
    if filters.statuses:  # the order the index gave by status (an index on it) before
        expected.sort(key=lambda row: row.status.encode("utf-8"))
    assert chosen == expected
    request = listing.ListRequest(filters, sort="priority,-updated,owner")
    assert listing.list_tickets(desk, request, NOW).rows == listing.sort_rows(expected, request.sort, desk.config)


def test_a_selective_filter_reads_only_the_rows_it_shows(desk: Helpdesk, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []
    original = TicketRow.from_summary

    def counting(summary: dict[str, Any], now: datetime) -> TicketRow:
        made.append(summary["id"])
        return original(summary, now)

    with Index.current(desk):
        pass  # built before counting: the count is of one listing, not of the first refresh
    monkeypatch.setattr(TicketRow, "from_summary", staticmethod(counting))
    request = listing.make_request(desk, NOW, owner=["bob@example.com"], tag=["vip"], include_closed=True)
    shown = listing.list_tickets(desk, request, NOW).rows
    assert shown and all(row.owner == "Bob@Example.com" and "vip" in row.tags for row in shown)
    assert sorted(made) == sorted(row.id for row in shown)  # of 120 tickets, only those shown were read
