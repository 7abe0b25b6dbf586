"""The filters and the order of `tix list`, and the parsing of their values (durations, times,
status groups, sort keys); the index applies them (storage/index.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from tix import messages as msg
from tix.domain.patterns import lazy
from tix.domain.query import TextTerm, span_of
from tix.domain.record import Frozen, Record
from tix.errors import InvalidValue

TYPE_CHECKING = False  # as typing's, without importing typing (3 ms; tests/test_startup_imports.py)
if TYPE_CHECKING:
    from typing import Final

SORT_KEYS = ("priority", "created", "updated", "due", "status", "owner", "id", "subject", "category", "queue")
_DURATION = lazy(r"^(\d+)\s*([mhdw])$")


class Filters(Record):
    __slots__ = ("statuses", "owners", "unassigned", "priorities", "categories", "tags", "queues", "customer", "since",
                 "include_closed", "breached", "due_by", "text", "customers", "created_after", "created_before",
                 "updated_before", "due_after", "unanswered", "assigned", "has_attachment", "excluded")  # fmt: skip
    statuses: list[str]
    owners: list[str]  # addresses
    unassigned: bool
    priorities: list[str]
    categories: list[str]
    tags: list[str]
    queues: list[str]
    customer: str | None
    since: datetime | None
    include_closed: bool
    breached: bool  # past an SLA target (at the `now` of the listing)
    due_by: datetime | None  # an SLA target due by then, breached ones included
    # from the query language (domain/query.py; docs/SEARCH.md)
    text: list[TextTerm]  # words and phrases the ticket's text holds
    customers: list[str]  # the requester's address or name contains one of them
    created_after: datetime | None
    created_before: datetime | None
    updated_before: datetime | None
    due_after: datetime | None
    unanswered: bool  # no reply yet
    assigned: bool
    has_attachment: bool
    excluded: list[Filters]  # each a negated term: no ticket it matches is listed

    def __init__(self, statuses: list[str] | None = None, owners: list[str] | None = None, unassigned: bool = False,
                 priorities: list[str] | None = None, categories: list[str] | None = None, tags: list[str] | None = None,
                 queues: list[str] | None = None, customer: str | None = None, since: datetime | None = None,
                 include_closed: bool = False, breached: bool = False, due_by: datetime | None = None,
                 text: list[TextTerm] | None = None, customers: list[str] | None = None,
                 created_after: datetime | None = None, created_before: datetime | None = None,
                 updated_before: datetime | None = None, due_after: datetime | None = None, unanswered: bool = False,
                 assigned: bool = False, has_attachment: bool = False, excluded: list[Filters] | None = None) -> None:  # fmt: skip
        self.statuses = [] if statuses is None else statuses
        self.owners = [] if owners is None else owners
        self.unassigned = unassigned
        self.priorities = [] if priorities is None else priorities
        self.categories = [] if categories is None else categories
        self.tags = [] if tags is None else tags
        self.queues = [] if queues is None else queues
        self.customer = customer
        self.since = since
        self.include_closed = include_closed
        self.breached = breached
        self.due_by = due_by
        self.text = [] if text is None else text
        self.customers = [] if customers is None else customers
        self.created_after = created_after
        self.created_before = created_before
        self.updated_before = updated_before
        self.due_after = due_after
        self.unanswered = unanswered
        self.assigned = assigned
        self.has_attachment = has_attachment
        self.excluded = [] if excluded is None else excluded

    def copy(self) -> Filters:
        """A shallow copy (the lists are shared) whose fields can be set without changing this one."""
        copy = Filters.__new__(Filters)
        for name in self.__slots__:
            setattr(copy, name, getattr(self, name))
        return copy


class Order(Frozen):
    """`tix list`'s order: sort keys, each ascending or not (`descending`), priorities and
    statuses ranked as configured (an unknown one after them all). Ties keep the index's order."""

    __slots__ = ("keys", "priorities", "statuses")
    keys: Final[tuple[tuple[str, bool], ...]]  # (name, descending), most significant first
    priorities: Final[tuple[str, ...]]
    statuses: Final[tuple[str, ...]]

    def __init__(self, keys: tuple[tuple[str, bool], ...], priorities: tuple[str, ...] = (), statuses: tuple[str, ...] = ()) -> None:
        self.keys = keys
        self.priorities = priorities
        self.statuses = statuses


def parse_sort(spec: str) -> list[tuple[str, bool]]:
    """'priority,-updated' -> [('priority', False), ('updated', True)]; empty: priority, created.
    Of several unknown keys the last is named (as when the keys were applied last first)."""
    parts = [part.strip() for part in spec.split(",") if part.strip()] or ["priority", "created"]
    keys = [(part.lstrip("-"), part.startswith("-")) for part in parts]
    for name, _ in reversed(keys):
        if name not in SORT_KEYS:
            raise InvalidValue(msg.sort_unknown_key(name, SORT_KEYS))
    return keys


def split_values(values: list[str] | None) -> list[str]:
    """Repeated options and comma lists both work: --status new,open --status pending."""
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def expand_statuses(groups: dict[str, list[str]], names: list[str]) -> list[str]:
    """Status names, or a group name (open / waiting / closed) standing for its statuses;
    `groups` is the configuration's `statuses` section."""
    known = [status for group in ("open", "waiting", "closed") for status in groups[group]]
    result: list[str] = []
    for name in names:
        if name in known:
            result.append(name)
        elif name in ("open", "waiting", "closed"):
            result += groups[name]
        else:
            raise InvalidValue(msg.filter_unknown_status(name, known))
    return result


def parse_duration(text: str, option: str) -> timedelta:
    match = _DURATION.match(text.strip())
    if not match:
        raise InvalidValue(msg.filter_bad_duration(option, text))
    return span_of(match.group(1), match.group(2), f"{option} {text}")


def parse_since(text: str, now: datetime) -> datetime:
    """'7d', '12h', '30m', '2w', or an ISO date or time (in the helpdesk's timezone)."""
    match = _DURATION.match(text.strip())
    if match:
        return now - span_of(match.group(1), match.group(2), f"--since {text}")
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidValue(msg.filter_bad_since(text)) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=now.tzinfo)
