"""What the read-only commands show: one ticket (`tix show`), a filtered list (`tix list`) and
the audit trail (`tix log`). Nothing here changes the helpdesk."""

from __future__ import annotations

from tix.domain import clock, links
from tix.domain.record import Record
from tix.storage.layout import Helpdesk
from tix.storage.refs import resolve as resolve_ref

TYPE_CHECKING = False  # as typing's, without importing typing (3 ms; tests/test_startup_imports.py)
if TYPE_CHECKING:  # the index (SQLite) and git history are for list and log, not for show
    from typing import Any

    from tix.services import listing
    from tix.storage.history import Event
    from tix.storage.rows import TicketRow


def show_ticket(hd: Helpdesk, ticket_ref: str) -> dict[str, Any]:
    """A ticket's stable JSON shape (Ticket.details), each reply with where its mail stands."""
    ticket = hd.load(resolve_ref(hd, ticket_ref))
    details = ticket.details()
    fields = details.pop("fields")  # links go before them: tix knows them (domain/links.py), they are not custom
    for key in (*links.KEYS, links.MERGED_INTO):
        fields.pop(key, None)
    entries = details.pop("entries")
    details.update(links=links.links_of(ticket.extra), merged_into=links.merged_into(ticket.extra), fields=fields, entries=entries)
    delivery = {}
    if any(entry.kind == "reply" for entry in ticket.entries):  # else the outbox (and json, SLA) is not even loaded
        from tix.mail.outbox import delivery_states

        delivery = delivery_states(hd, ticket)
    for entry in details["entries"]:
        if entry["id"] in delivery:
            entry["delivery"] = delivery[entry["id"]]
    return details


def value_problems(hd: Helpdesk, details: dict[str, Any]) -> list[str]:
    """What in a shown ticket's fields the configuration does not allow, each naming the file."""
    from tix import messages as msg
    from tix.domain.model import value_problems as problems
    from tix.storage.layout import ticket_relpath

    config = hd.config
    found = problems(config.statuses, config.priorities, config.categories, config.queues, details["status"], details["priority"],
                     details.get("category"), details.get("queue"), details.get("channel"), details.get("owner"))  # fmt: skip
    return [msg.ticket_value_unknown([ticket_relpath(details["id"])], 1, problem) for problem in found]


def other_tickets(hd: Helpdesk, details: dict[str, Any]) -> list[TicketRow]:
    """The requester's other tickets for `tix show`: the open ones and the last three closed, from
    the index as it was last refreshed (one query on its requester key; no git, no refresh)."""
    if not (hd.state_dir / "index.sqlite").exists():
        return []  # no index yet: SQLite is not even loaded
    from tix.storage.index import Index

    with Index.as_last_refreshed(hd) as index:
        if index is None:
            return []
        now = clock.now(hd.config.timezone)
        return index.other_tickets(now, details["requester"]["email"], details["id"], hd.config.closed_statuses)


def list_matching(hd: Helpdesk, **options: Any) -> listing.Listing:
    """`tix list`: the options as typed (listing.make_request's keywords), listed at one `now`."""
    from tix.services import listing

    now = clock.now(hd.config.timezone)
    return listing.list_tickets(hd, listing.make_request(hd, now, **options), now)


class Trail(Record):
    __slots__ = ("events", "ticket")
    events: list[Event]  # newest first
    ticket: str | None  # None: the whole helpdesk

    def __init__(self, events: list[Event], ticket: str | None) -> None:
        self.events = events
        self.ticket = ticket


def audit_trail(hd: Helpdesk, ticket_ref: str | None, limit: int | None) -> Trail:
    """One ticket's whole history, or the helpdesk's last 20 changes, unless `limit` says otherwise."""
    from tix.storage import history

    ticket_id = resolve_ref(hd, ticket_ref) if ticket_ref else None
    return Trail(history.events(hd, ticket_id, limit or (None if ticket_id else 20)), ticket_id)
