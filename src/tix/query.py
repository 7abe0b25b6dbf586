"""Filtering and sorting ticket summaries for `tix list`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tix.config import Config
from tix.errors import InvalidValue

SORT_KEYS = ("priority", "created", "updated", "due", "status", "owner", "id", "subject", "category", "queue")
_DURATION = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


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


def split_values(values: list[str] | None) -> list[str]:
    """Repeated options and comma lists both work: --status new,open --status pending."""
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def expand_statuses(config: Config, names: list[str]) -> list[str]:
    """Status names, or a group name (open / waiting / closed) standing for its statuses."""
    result: list[str] = []
    groups = config.data["statuses"]
    for name in names:
        if name in config.statuses:
            result.append(name)
        elif name in ("open", "waiting", "closed"):
            result += groups[name]
        else:
            raise InvalidValue(f"unknown status '{name}' (configured: {', '.join(config.statuses)})")
    return result


def parse_duration(text: str, option: str) -> timedelta:
    match = _DURATION.match(text.strip())
    if not match:
        raise InvalidValue(f"{option}: '{text}' is not a duration like 30m, 2h, 1d or 2w")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def with_sla(rows: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Replace each row's raw SLA data with `due` (the next running target) and `sla`
    (breached / near / ok, or None when no clock runs)."""
    from tix.sla import state_of

    for row in rows:
        state = state_of(row, now)
        row.pop("sla", None)
        row["due"] = state.due.isoformat() if state.due else None
        row["sla"] = state.state
    return rows


def parse_since(text: str, now: datetime) -> datetime:
    """'7d', '12h', '30m', '2w', or an ISO date or time (in the helpdesk's timezone)."""
    match = _DURATION.match(text.strip())
    if match:
        return now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidValue(f"--since: '{text}' is neither a duration (7d, 12h) nor an ISO date") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=now.tzinfo)


def apply(rows: list[dict[str, Any]], filters: Filters) -> list[dict[str, Any]]:
    def keep(row: dict[str, Any]) -> bool:
        if filters.owners and (row["owner"] or "").lower() not in filters.owners:
            return False
        if filters.unassigned and row["owner"]:
            return False
        if filters.priorities and row["priority"] not in filters.priorities:
            return False
        if filters.categories and row["category"] not in filters.categories:
            return False
        if filters.queues and row["queue"] not in filters.queues:
            return False
        if filters.tags and not set(filters.tags) <= set(row["tags"]):
            return False
        if filters.customer:
            needle = filters.customer.lower()
            requester = row["requester"]
            if needle not in requester["email"].lower() and needle not in requester["name"].lower():
                return False
        return not (filters.since and datetime.fromisoformat(row["updated"]) < filters.since)

    return [row for row in rows if keep(row)]


def sort(rows: list[dict[str, Any]], spec: str, config: Config) -> list[dict[str, Any]]:
    """Sort by a comma list of keys, each optionally prefixed by '-' for descending."""
    keys = [part.strip() for part in spec.split(",") if part.strip()] or ["priority", "created"]
    rank = {name: position for position, name in enumerate(config.priorities)}
    status_rank = {name: position for position, name in enumerate(config.statuses)}
    for key in reversed(keys):
        name = key.lstrip("-")
        if name not in SORT_KEYS:
            raise InvalidValue(f"--sort: unknown key '{name}' (one of: {', '.join(SORT_KEYS)})")

        def value(row: dict[str, Any], name: str = name) -> Any:
            if name == "priority":
                return rank.get(row["priority"], len(rank))
            if name == "status":
                return status_rank.get(row["status"], len(status_rank))
            if name in ("created", "updated"):
                return datetime.fromisoformat(row[name])
            if name == "due":
                return (row["due"] is None, datetime.fromisoformat(row["due"]) if row["due"] else datetime.min)
            return (row[name] or "").lower()

        rows = sorted(rows, key=value, reverse=key.startswith("-"))
    return rows
