"""The filters and the order of `tix list`, and the parsing of their values (durations, times,
status groups, sort keys); the index applies them (storage/index.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tix import messages as msg
from tix.domain.query import TextTerm, span_of
from tix.errors import InvalidValue

SORT_KEYS = ("priority", "created", "updated", "due", "status", "owner", "id", "subject", "category", "queue")
_DURATION = re.compile(r"^(\d+)\s*([mhdw])$")


@dataclass
class Filters:
    statuses: list[str] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)  # addresses
    unassigned: bool = False
    priorities: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    queues: list[str] = field(default_factory=list)
    customer: str | None = None
    since: datetime | None = None
    include_closed: bool = False
    breached: bool = False  # past an SLA target (at the `now` of the listing)
    due_by: datetime | None = None  # an SLA target due by then, breached ones included
    # from the query language (domain/query.py; docs/SEARCH.md)
    text: list[TextTerm] = field(default_factory=list)  # words and phrases the ticket's text holds
    customers: list[str] = field(default_factory=list)  # the requester's address or name contains one of them
    created_after: datetime | None = None
    created_before: datetime | None = None
    updated_before: datetime | None = None
    due_after: datetime | None = None
    unanswered: bool = False  # no reply yet
    assigned: bool = False
    has_attachment: bool = False
    excluded: list[Filters] = field(default_factory=list)  # each a negated term: no ticket it matches is listed


@dataclass(frozen=True)
class Order:
    """`tix list`'s order: sort keys, each ascending or not (`descending`), priorities and
    statuses ranked as configured (an unknown one after them all). Ties keep the index's order."""

    keys: tuple[tuple[str, bool], ...]  # (name, descending), most significant first
    priorities: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()


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
