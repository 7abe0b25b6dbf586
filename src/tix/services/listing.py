"""Listing tickets: `list_tickets(helpdesk, request)` gives typed rows, filtered and sorted.

`tix list` is one call to it; reports, search and the reminders are meant to build on the same
rows. The index (the derived cache) applies the filters, the SLA conditions, the order and the
limit in SQL and gives the rows with the SLA state worked out for `now`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from tix.domain.filters import Filters, Order, parse_sort
from tix.domain.query import Query, Term
from tix.domain.record import Record
from tix.storage.index import Broken, Index
from tix.storage.layout import Helpdesk
from tix.storage.rows import TicketRow


class ListRequest(Record):
    """What to list: the filters, the SLA conditions, the order and how many."""

    __slots__ = ("filters", "breached", "due_within", "sort", "limit")
    filters: Filters
    breached: bool
    due_within: timedelta | None
    sort: str
    limit: int | None

    def __init__(self, filters: Filters | None = None, breached: bool = False, due_within: timedelta | None = None,
                 sort: str = "priority,created", limit: int | None = None) -> None:  # fmt: skip
        self.filters = Filters() if filters is None else filters
        self.breached = breached
        self.due_within = due_within
        self.sort = sort
        self.limit = limit


def make_request(
    hd: Helpdesk, now: datetime, *, status: list[str] | None = None, owner: list[str] | None = None, mine: bool = False, as_user: str | None = None,
    unassigned: bool = False, priority: list[str] | None = None, category: list[str] | None = None, tag: list[str] | None = None,
    queue: list[str] | None = None, customer: str | None = None, since: str | None = None, include_closed: bool = False,
    breached: bool = False, due_within: str | None = None, sort: str = "priority,created", limit: int | None = None,
    query: Sequence[str] | None = None, view: str | None = None,
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
        filters.owners.append(acting_user(hd.git, as_user, lambda: hd.config).email.lower())
    if query or view:
        filters = filters_from_query(hd, query_of(hd, list(query or ()), view), now, as_user, base=filters)
    return ListRequest(filters, breached, parse_duration(due_within, "--due-within") if due_within else None, sort, limit)


class Listing(Record):
    __slots__ = ("rows", "broken", "unknown")
    rows: list[TicketRow]
    broken: list[Broken]  # ticket files the index could not read (shown as warnings)
    # values the configuration does not know, (field, value, files holding it, the first of them, configured): warnings too
    unknown: list[tuple[str, str, int, list[str], list[str]]]

    def __init__(self, rows: list[TicketRow], broken: list[Broken],
                 unknown: list[tuple[str, str, int, list[str], list[str]]] | None = None) -> None:  # fmt: skip
        self.rows = rows
        self.broken = broken
        self.unknown = [] if unknown is None else unknown


def list_tickets(hd: Helpdesk, request: ListRequest, now: datetime) -> Listing:
    """The tickets the request asks for. The index does all the work, the order and the limit
    included, so only the rows shown are read and built."""
    config = hd.config
    order = Order(tuple(parse_sort(request.sort)), tuple(config.priorities), tuple(config.statuses))
    limit = request.limit if request.limit is not None and request.limit >= 0 else None  # a negative one: the slice below
    with Index.current(hd) as index:
        broken = index.broken()
        unknown = [(column, value, count, paths, known) for column, known in (("status", config.statuses), ("priority", config.priorities))
                   for value, count, paths in index.unknown_values(column, known)]  # fmt: skip
        rows = index.rows(now, _with_sla_conditions(request, now), config.closed_statuses, order, limit)
    return Listing(rows[: request.limit], broken, unknown)


def _with_sla_conditions(request: ListRequest, now: datetime) -> Filters:
    """The request's filters with its SLA conditions (which the index applies at `now`) added."""
    filters = request.filters
    if request.due_within is None and not request.breached:
        return filters
    filters = filters.copy()
    if request.due_within is not None:
        due_by = now + request.due_within
        filters.due_by = min(due_by, filters.due_by) if filters.due_by else due_by
    if request.breached:
        filters.breached = True
    return filters


def filters_from_query(hd: Helpdesk, query: Query, now: datetime, as_user: str | None = None, base: Filters | None = None) -> Filters:
    """The filters a parsed query (domain/query.py) stands for in this helpdesk at `now`: status
    groups expanded, `owner:me` the acting user, times relative to `now`. Positive terms narrow
    `base` (its own filters, e.g. `tix list`'s options); each negated term excludes what it matches."""
    filters = base if base is not None else Filters()
    for term in query.terms:
        target = Filters() if term.negated else filters
        _apply_term(hd, term, target, now, as_user)
        if term.negated:
            filters.excluded.append(target)
    return filters


def _apply_term(hd: Helpdesk, term: Term, filters: Filters, now: datetime, as_user: str | None) -> None:
    from tix.domain.filters import expand_statuses
    from tix.domain.query import moment
    from tix.storage.people import acting_user, resolve_agent

    groups = hd.config.settings.statuses.groups()
    values = list(term.values)
    if term.text is not None:
        filters.text.append(term.text)
    elif term.field == "status":
        filters.statuses += expand_statuses(groups, values)
    elif term.field == "owner":
        for value in values:
            if value.lower() == "me":
                filters.owners.append(acting_user(hd.git, as_user, lambda: hd.config).email.lower())
            elif value.lower() == "none":
                filters.unassigned = True
            else:
                filters.owners.append(resolve_agent(hd.config, value).lower())
    elif term.field in ("customer", "category", "queue", "priority", "tag"):
        attribute = {"customer": "customers", "category": "categories", "queue": "queues", "priority": "priorities", "tag": "tags"}
        getattr(filters, attribute[str(term.field)]).extend(values)
    elif term.field in ("created", "updated", "due"):
        bounds = moment(term, now)
        names = {"created": ("created_after", "created_before"), "updated": ("since", "updated_before"), "due": ("due_after", "due_by")}
        for attribute_name, bound in zip(names[term.field], bounds, strict=True):
            if bound is not None:
                current = getattr(filters, attribute_name)
                later = attribute_name in ("created_after", "since", "due_after")  # two bounds on one side: the narrower holds
                setattr(filters, attribute_name, bound if current is None else (max(current, bound) if later else min(current, bound)))
    elif term.field == "is":
        for value in values:
            if value in ("open", "waiting", "closed"):
                filters.statuses += groups[value]
            else:
                setattr(filters, value, True)  # breached, unanswered, unassigned, assigned
    elif term.field == "has":
        filters.has_attachment = True


def query_of(hd: Helpdesk, words: Sequence[str], view: str | None = None) -> Query:
    """The query typed as `words` (joined by spaces, as the shell split them), or the saved view
    it names: `@name` alone, or `view` (`--view name`). A view is the query it holds."""
    from tix import messages as msg
    from tix.domain.query import parse
    from tix.errors import InvalidValue

    if len(words) == 1 and words[0].startswith("@") and view is None:
        view = words[0][1:]
    elif view is not None and words:
        raise InvalidValue(msg.view_and_query())
    if view is not None:
        views = hd.config.settings.views
        if view not in views:
            from difflib import get_close_matches  # here: only an unknown view pays for it

            close = get_close_matches(view, list(views), n=1, cutoff=0.6)
            raise InvalidValue(msg.view_unknown(view, sorted(views), close[0] if close else None))
        return parse(views[view])
    return parse(" ".join(words))
