"""`tix list`'s filters, SLA conditions, order and limit run in the index's SQL: only the rows
shown are read and built, and they are the rows, in the order, that the filter and sort in
Python over every ticket gave (the references below are the code tix had)."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli, git

from tix.domain import ids, sla
from tix.domain.filters import SORT_KEYS, Filters
from tix.domain.model import Person, Ticket
from tix.errors import InvalidValue
from tix.services import listing
from tix.storage import ticketfile
from tix.storage.config import Config
from tix.storage.index import Index
from tix.storage.layout import Helpdesk, ticket_relpath
from tix.storage.rows import TicketRow

NOW = datetime.fromisoformat("2026-11-23T09:00:00+01:00")
OWNERS = [None, "anna@example.com", "Bob@Example.com", "ola@example.com"]
NAMES = [("Jan Kowalski", "jan@example.pl"), ("ŁUKASZ Żółw", "Lukasz@Example.PL"), ("Ирина", "irina@example.ru"), ("", "x@y.z")]


SUBJECTS = ["Request", "request", "Żółw", "zebra", "Ärger", "apple", "İstanbul", "", "Zoo", "ß"]


def _sla_fields(rng: random.Random) -> dict[str, Any]:
    """A clock in every state sla.state_of tells apart: none, running (breached, near, ok),
    answered, resolved, paused (breached before the pause or not), times in other zones."""
    due = (NOW + timedelta(minutes=rng.choice([-1800, -60, 30, 90, 300, 1800]))).astimezone(rng.choice([UTC, NOW.tzinfo]))
    kind = rng.choice(["none", "running", "running", "answered", "resolved", "paused", "paused-late"])
    fields: dict[str, Any] = {}
    if kind != "none":
        fields["first_response_due"] = due
        fields["resolution_due"] = due + timedelta(hours=rng.choice([0, 4, 48]))
    if kind == "answered":
        fields["first_response"] = due - timedelta(hours=1)
    if kind == "resolved":
        fields["resolved"] = due
    if kind.startswith("paused"):
        fields["sla_paused_since"] = due + timedelta(minutes=5) if kind == "paused-late" else due - timedelta(minutes=5)
    return fields


def _write_tickets(root: Path, count: int) -> None:
    rng = random.Random(count)
    for number in range(count):
        name, email = rng.choice(NAMES)
        created = NOW - timedelta(hours=rng.randrange(40))  # many tickets created at the same time: ties
        offset = rng.choice(["+00:00", "+01:00", "-05:00"])  # the same moment written in other zones
        updated = datetime.fromisoformat((created + timedelta(minutes=rng.randrange(3000))).isoformat()[:19] + offset)
        ticket = Ticket(
            id=ids.derived_id(f"listing-{number}"), subject=f"{rng.choice(SUBJECTS)} {number % 7}", requester=Person(name, email),
            status=rng.choice(["new", "open", "pending", "closed", "weird"]), priority=rng.choice(["urgent", "high", "normal", "low", "meh"]),
            created=created, updated=updated, owner=rng.choice(OWNERS), category=rng.choice([None, "billing", "technical", "Billing"]),
            queue=rng.choice([None, "sales", "support"]), tags=rng.sample(["vip", "hardware", "invoice", "vip"], rng.randrange(3)),
            channel="email", extra=_sla_fields(rng),
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


def _sorted_as_python_did(rows: list[TicketRow], spec: str, config: Config) -> list[TicketRow]:
    """The sort `tix list` had in Python: stable sorts by each key, the last key first."""
    keys = [part.strip() for part in spec.split(",") if part.strip()] or ["priority", "created"]
    rank = {name: position for position, name in enumerate(config.priorities)}
    status_rank = {name: position for position, name in enumerate(config.statuses)}
    for key in reversed(keys):
        name = key.lstrip("-")
        if name not in SORT_KEYS:
            raise InvalidValue(f"unknown {name}")

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


def _listed_as_python_did(desk: Helpdesk, request: listing.ListRequest) -> list[TicketRow]:
    """What `tix list` gave when the index only filtered: the SLA conditions, the sort and the limit in Python."""
    with Index.current(desk) as index:
        rows = [row for row in index.rows(NOW) if _reference(row, request.filters, desk.config.closed_statuses)]
    if request.filters.statuses:  # the order the index gave by status (an index on it)
        rows.sort(key=lambda row: row.status.encode("utf-8"))
    if request.breached:
        rows = [row for row in rows if row.sla in sla.BREACHED]
    if request.due_within is not None:
        rows = [row for row in rows if row.due is not None and row.due <= NOW + request.due_within]
    return _sorted_as_python_did(rows, request.sort, desk.config)[: request.limit]


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
    assert listing.list_tickets(desk, request, NOW).rows == _listed_as_python_did(desk, request)


SORTS = ["priority,created", "", " , ", "-priority,created", "created", "-created", "updated,-id", "due", "-due",
         "status", "-status,priority", "owner", "-owner,due", "id", "-id", "subject", "-subject,created", "category",
         "queue,-category", "priority,priority", "--created"]  # fmt: skip


def test_the_index_sorts_and_limits_as_python_did(desk: Helpdesk) -> None:
    for options in [{}, {"include_closed": True, "limit": 20}, {"status": ["open,closed", "pending"], "limit": 7}, {"limit": 0}]:
        everything = len(_listed_as_python_did(desk, listing.make_request(desk, NOW, **{**options, "limit": None})))
        for spec in SORTS:
            request = listing.make_request(desk, NOW, sort=spec, **options)
            shown = listing.list_tickets(desk, request, NOW).rows
            assert shown == _listed_as_python_did(desk, request), (spec, options)
            assert len(shown) == min(options.get("limit", everything), everything)


def test_the_index_applies_the_sla_conditions_as_python_did(desk: Helpdesk) -> None:
    for options in [
        {"breached": True}, {"breached": True, "include_closed": True}, {"due_within": "2h"}, {"due_within": "1d", "include_closed": True},
        {"due_within": "30m", "breached": True}, {"breached": True, "sort": "due", "limit": 5}, {"due_within": "2w", "sort": "-due,id", "limit": 9},
    ]:  # fmt: skip
        request = listing.make_request(desk, NOW, **options)
        shown = listing.list_tickets(desk, request, NOW).rows
        assert shown == _listed_as_python_did(desk, request), options
        assert shown or options.get("due_within") == "30m"
        if options.get("breached"):
            assert {row.sla for row in shown} <= set(sla.BREACHED)


def test_every_sla_state_is_among_the_rows(desk: Helpdesk) -> None:
    with Index.current(desk) as index:
        states = {row.sla for row in index.rows(NOW)}
    assert states == {None, "ok", "near", "breached", sla.PAUSED_BREACHED}


def test_a_row_from_the_index_columns_is_the_row_of_the_summary(desk: Helpdesk) -> None:
    with Index.current(desk):
        pass
    db = sqlite3.connect(desk.state_dir / "index.sqlite")
    columns = ", ".join(TicketRow.COLUMNS)
    pairs = db.execute(f"SELECT summary, {columns} FROM tickets").fetchall()
    db.close()
    assert len(pairs) == 120
    for summary, *values in pairs:
        assert TicketRow.from_columns(tuple(values), NOW) == TicketRow.from_summary(json.loads(summary), NOW)


def test_an_unknown_sort_key_is_named_the_way_it_was(desk: Helpdesk) -> None:
    with pytest.raises(InvalidValue) as raised:
        listing.list_tickets(desk, listing.make_request(desk, NOW, sort="colour,-size,priority"), NOW)
    assert raised.value.message == "--sort: unknown key 'size' (one of: " + ", ".join(SORT_KEYS) + ")"


def _count_rows_built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    made: list[str] = []
    original = TicketRow.from_columns

    def counting(values: tuple[Any, ...], now: datetime) -> TicketRow:
        made.append(values[0])
        return original(values, now)

    monkeypatch.setattr(TicketRow, "from_columns", staticmethod(counting))
    return made


def test_a_selective_filter_reads_only_the_rows_it_shows(desk: Helpdesk, monkeypatch: pytest.MonkeyPatch) -> None:
    with Index.current(desk):
        pass  # built before counting: the count is of one listing, not of the first refresh
    made = _count_rows_built(monkeypatch)
    request = listing.make_request(desk, NOW, owner=["bob@example.com"], tag=["vip"], include_closed=True)
    shown = listing.list_tickets(desk, request, NOW).rows
    assert shown and all(row.owner == "Bob@Example.com" and "vip" in row.tags for row in shown)
    assert sorted(made) == sorted(row.id for row in shown)  # of 120 tickets, only those shown were read


@pytest.mark.parametrize("options", [{}, {"sort": "-due,subject"}, {"breached": True, "sort": "status,-updated"}, {"due_within": "1w"}])
def test_a_short_list_builds_its_rows_only_however_many_tickets_match(
    helpdesk: Path, monkeypatch: pytest.MonkeyPatch, options: dict[str, Any]
) -> None:
    """`tix list -n 20` builds 20 rows, at 120 tickets as at 600: the index sorts and stops."""
    desk = Helpdesk(helpdesk)
    for count in (120, 600):
        _write_tickets(helpdesk, count)
        with Index.current(desk):
            pass
        made = _count_rows_built(monkeypatch)
        shown = listing.list_tickets(desk, listing.make_request(desk, NOW, limit=20, include_closed=True, **options), NOW).rows
        assert len(shown) == 20
        assert len(made) == 20


def test_a_refresh_with_nothing_changed_writes_nothing_and_the_next_change_is_seen(desk: Helpdesk) -> None:
    """The usual `tix list` takes no write lock and syncs nothing; a hand edit, a commit of
    other files and a ticket folder removed by hand are still seen by the next refresh."""
    root = desk.root
    git(root, "add", "-A")
    git(root, "commit", "-qm", "tickets")

    def refreshed() -> tuple[int, int, list[TicketRow]]:
        index = Index(desk)
        try:
            parsed = index.refresh()
            return parsed, index.db.total_changes, index.rows(NOW, Filters(include_closed=True))
        finally:
            index.close()

    assert refreshed()[0] == 120  # built
    assert refreshed()[:2] == (0, 0)  # nothing changed: nothing written
    first = refreshed()[2][0]
    path = root / ticket_relpath(first.id)
    path.write_text(path.read_text(encoding="utf-8").replace(f"subject: {first.subject}", "subject: By hand"), encoding="utf-8")
    parsed, _, rows = refreshed()
    assert parsed == 1 and next(row for row in rows if row.id == first.id).subject == "By hand"
    assert refreshed()[0] == 0  # still dirty: read again, unchanged
    (root / "notes.txt").write_text("not a ticket\n", encoding="utf-8")
    git(root, "add", "notes.txt")
    git(root, "commit", "-qm", "notes")  # HEAD moves, no ticket with it (the edit stays uncommitted)
    assert refreshed()[0] == 0
    git(root, "checkout", "--", ".")
    parsed, _, rows = refreshed()
    assert parsed == 1 and next(row for row in rows if row.id == first.id).subject == first.subject
    assert refreshed()[:2] == (0, 0)
    shutil.rmtree(path.parent)
    assert first.id not in {row.id for row in refreshed()[2]}
    assert refreshed()[:2] == (0, 0)


@pytest.mark.parametrize("args", [("--since", "99999999d"), ("created:>99999999999999999999w",), ("--due-within", "999999999999d"),
                                  ("due:<9999999999h",), ("updated:>5300000w",)])  # fmt: skip
def test_a_span_of_time_too_long_for_a_date_is_one_line(tix: Cli, args: tuple[str, ...]) -> None:
    # these used to end in an OverflowError traceback (found by the reports' bad-input tests)
    result = tix("list", *args)
    assert result.code == 1 and result.out == ""
    assert result.err.startswith("tix: error: ") and "too long a span of time (at most 100 years)" in result.err
    assert len(result.err.splitlines()) == 1
