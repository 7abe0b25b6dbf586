"""Business time and SLA due times.

A calendar is the helpdesk's opening hours per weekday in its timezone, minus holidays.
Targets are written per priority (`sla.PRIORITY.first_response`, `.resolution`):

    30m, 1h, 8h   business minutes / hours (only open hours count)
    eod           the close of the business day (the next one, when already closed)
    3d            three business days later, at the same time of day
    24h wall      wall-clock time, open or not

Arithmetic is done in UTC, so a daylight-saving change never adds or loses an hour.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from tix import messages as msg
from tix.domain.patterns import lazy
from tix.domain.record import Record
from tix.errors import ConfigError

TYPE_CHECKING = False  # as typing's, without importing typing (3 ms; tests/test_startup_imports.py)
if TYPE_CHECKING:
    from typing import Any

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TARGET = lazy(r"^\s*(?:(eod)|(\d+)\s*(m|h|d)(\s+wall)?)\s*$", re.IGNORECASE)
_HOURS = lazy(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
MAX_DAYS = 800  # a calendar with no open hours at all must not loop forever
# The largest amount per unit of a target: about a year of open time (business) or of calendar time (wall).
TARGET_MAX = {"m": 120_000, "h": 2_000, "d": 365, "wall-m": 525_600, "wall-h": 8_760, "wall-d": 365}
_NO_OPEN_TIME = msg.hours_no_open_time(MAX_DAYS)
# A day's open intervals in UTC by (day, timezone, that weekday's hours): Calendar._intervals.
_DAYS: dict[tuple[date, Any, tuple[tuple[time, time], ...]], list[tuple[datetime, datetime]]] = {}


def parse_target(text: str, where: str) -> tuple[str, int]:
    """'1h' -> ('h', 1); 'eod' -> ('eod', 0); '24h wall' -> ('wall-h', 24)."""
    known = _PARSED.get(text) if type(text) is str else None
    if known is None:
        known = _parse_target(text, where)
        if type(text) is str and len(_PARSED) < 256:
            _PARSED[text] = known  # a target's meaning does not depend on where it is written
    return known


_PARSED: dict[str, tuple[str, int]] = {}  # the targets parsed so far (a handful): one parse per text


def _parse_target(text: str, where: str) -> tuple[str, int]:
    match = _TARGET.match(str(text))
    if not match:
        raise ConfigError(msg.sla_bad_target(where, text))
    if match.group(1):
        return "eod", 0
    unit = match.group(3).lower()
    unit = f"wall-{unit}" if match.group(4) else unit
    number = int(match.group(2)) if len(match.group(2)) <= 9 else TARGET_MAX[unit] + 1
    if not 1 <= number <= TARGET_MAX[unit]:
        largest = f"{TARGET_MAX[unit]}{match.group(3).lower()}{' wall' if match.group(4) else ''}"
        raise ConfigError(msg.sla_target_out_of_range(where, str(text).strip(), largest))
    return unit, number


def public_holidays(country: str) -> Any:
    if not country:
        return None
    try:
        import holidays
    except ImportError:
        raise ConfigError(msg.sla_needs_holidays_package()) from None
    try:
        return holidays.country_holidays(country.upper())
    except (NotImplementedError, KeyError):
        raise ConfigError(msg.sla_no_holidays_for(country)) from None


def parse_hours(text: str, where: str) -> list[tuple[time, time]]:
    """'09:00-17:00' (or '09:00-12:00, 13:00-17:00'; '' for closed)."""
    intervals = []
    for part in str(text or "").split(","):
        if not part.strip():
            continue
        match = _HOURS.match(part)
        if not match:
            raise ConfigError(msg.hours_bad_interval(where, part.strip()))
        h1, m1, h2, m2 = (int(group) for group in match.groups())
        if max(h1, h2) > 23 or max(m1, m2) > 59:
            raise ConfigError(msg.hours_bad_time_of_day(where, part.strip()))
        start, end = time(h1, m1), time(h2, m2)
        if end <= start:
            raise ConfigError(msg.hours_end_before_start(where, part.strip()))
        intervals.append((start, end))
    return sorted(intervals)


class Calendar(Record):
    __slots__ = ("tz", "hours", "holidays", "public_holidays")
    tz: Any
    hours: dict[int, list[tuple[time, time]]]
    holidays: set[date]
    public_holidays: Any  # a `holidays` package calendar (supports `day in it`), or None

    def __init__(self, tz: Any, hours: dict[int, list[tuple[time, time]]], holidays: set[date] | None = None,
                 public_holidays: Any = None) -> None:  # fmt: skip
        self.tz = tz
        self.hours = hours
        self.holidays = set() if holidays is None else holidays
        self.public_holidays = public_holidays

    @classmethod
    def from_config(cls, config: Any) -> Calendar:
        clock = config.settings.clock
        hours = {n: parse_hours(clock.hours[day], f"hours.{day}") for n, day in enumerate(WEEKDAYS)}
        holidays = {date.fromisoformat(day) for day in clock.holidays}
        return cls(config.timezone, hours, holidays, public_holidays(clock.holidays_country))

    def _intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """Open intervals of a day, as UTC datetimes (the same few days for every ticket of an
        import: each day's are worked out once, in _DAYS)."""
        if day in self.holidays or (self.public_holidays is not None and day in self.public_holidays):
            return []
        hours = tuple(self.hours.get(day.weekday(), ()))
        key = (day, self.tz, hours)
        found = _DAYS.get(key)
        if found is None:
            if len(_DAYS) >= 4096:
                _DAYS.clear()  # bounded: a long-running process forgets and starts again
            found = _DAYS[key] = [
                (datetime.combine(day, a, self.tz).astimezone(UTC), datetime.combine(day, b, self.tz).astimezone(UTC)) for a, b in hours
            ]
        return list(found)

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """The moment `amount` of open time after `start`."""
        moment = start.astimezone(UTC)
        remaining = amount
        day = start.astimezone(self.tz).date()
        for _ in range(MAX_DAYS):
            for opens, closes in self._intervals(day):
                if moment >= closes:
                    continue
                begin = max(moment, opens)
                if remaining <= closes - begin:
                    return (begin + remaining).astimezone(self.tz)
                remaining -= closes - begin
                moment = closes
            day += timedelta(days=1)
        raise ConfigError(_NO_OPEN_TIME)

    def open_between(self, start: datetime, end: datetime) -> timedelta:
        """Open time between two moments (for pausing a clock)."""
        if end <= start:
            return timedelta(0)
        total = timedelta(0)
        a, b = start.astimezone(UTC), end.astimezone(UTC)
        day = start.astimezone(self.tz).date()
        while datetime.combine(day, time(0), self.tz).astimezone(UTC) < b:
            for opens, closes in self._intervals(day):
                overlap = min(closes, b) - max(opens, a)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total

    def end_of_day(self, start: datetime) -> datetime:
        moment = start.astimezone(UTC)
        day = start.astimezone(self.tz).date()
        for _ in range(MAX_DAYS):
            intervals = self._intervals(day)
            if intervals and moment < intervals[-1][1]:
                return intervals[-1][1].astimezone(self.tz)
            day += timedelta(days=1)
        raise ConfigError(_NO_OPEN_TIME)

    def business_days(self, start: datetime, days: int) -> datetime:
        """`days` open days later, at the same wall time (moved to the next open moment if closed then)."""
        local = start.astimezone(self.tz)
        day = local.date()
        counted = 0
        for _ in range(MAX_DAYS):
            day += timedelta(days=1)
            if self._intervals(day):
                counted += 1
                if counted == days:
                    return self.add(datetime.combine(day, local.timetz().replace(tzinfo=None), self.tz), timedelta(0))
        raise ConfigError(_NO_OPEN_TIME)

    def due(self, start: datetime, target: tuple[str, int]) -> datetime:
        unit, number = target
        if unit == "eod":
            return self.end_of_day(start)
        if unit == "d":
            return self.business_days(start, number)
        if unit.startswith("wall-"):
            amount = {"m": timedelta(minutes=number), "h": timedelta(hours=number), "d": timedelta(days=number)}[unit[5:]]
            return (start.astimezone(UTC) + amount).astimezone(self.tz)
        return self.add(start, timedelta(minutes=number) if unit == "m" else timedelta(hours=number))


# --- the clocks of one ticket ---------------------------------------------------------
# Front-matter fields, kept with the ticket and merged like any other field; SlaState reads and
# writes them: first_response_due and resolution_due (when the targets fall due),
# sla_paused_minutes, sla_paused_since, resolved, first_response, undelivered, sla_reminders.

DUE_FIELDS = ("first_response_due", "resolution_due")


class _TimeField:
    """A time in the front-matter: absent is None; a text (a hand edit, YAML) reads as a time."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __get__(self, state: SlaState, owner: type | None = None) -> datetime | None:
        value = state.extra.get(self.key)
        return None if value is None else _as_time(value)

    def __set__(self, state: SlaState, value: datetime | None) -> None:
        if value is None:
            state.extra.pop(self.key, None)
        else:
            state.extra[self.key] = value


class SlaState:
    """The SLA facts a ticket carries in its front-matter (`ticket.extra`), typed: the one place
    that knows their field names (docs/FORMAT.md). A view: it reads and writes the ticket's own
    fields, so what is not an SLA fact is left as it is."""

    __slots__ = ("extra",)

    first_response = _TimeField("first_response")  # when the first reply reached the customer
    first_response_due = _TimeField("first_response_due")
    resolution_due = _TimeField("resolution_due")
    resolved = _TimeField("resolved")  # when it was closed (the resolution clock stopped)
    paused_since = _TimeField("sla_paused_since")  # set while the ticket waits for someone else
    escalated = _TimeField("escalated")

    def __init__(self, ticket: Any) -> None:
        self.extra: dict[str, Any] = ticket.extra

    @property
    def paused_minutes(self) -> int:
        """Open time spent waiting so far (added to the dues)."""
        return int(self.extra.get("sla_paused_minutes") or 0)

    @paused_minutes.setter
    def paused_minutes(self, minutes: int) -> None:
        self.extra["sla_paused_minutes"] = int(minutes)

    @property
    def undelivered(self) -> list[str]:
        """The replies (entry ids) still in the outbox: until the customer has them, a waiting
        status does not pause the clock (issue 9 #4). Anything but a list of ids (a hand edit, a
        teammate's push) counts as none."""
        value = self.extra.get("undelivered")
        return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []

    @undelivered.setter
    def undelivered(self, entry_ids: list[str]) -> None:
        if entry_ids:
            self.extra["undelivered"] = sorted(set(entry_ids))
        else:
            self.extra.pop("undelivered", None)

    @property
    def reminders(self) -> list[str]:
        """The reminders already sent (one key per target and level)."""
        return list(self.extra.get("sla_reminders") or [])

    @reminders.setter
    def reminders(self, keys: list[str]) -> None:
        self.extra["sla_reminders"] = sorted(set(keys))

    def due(self, field_name: str) -> datetime | None:
        return self.first_response_due if field_name == "first_response_due" else self.resolution_due

    def set_due(self, field_name: str, value: datetime | None) -> None:
        if field_name == "first_response_due":
            self.first_response_due = value
        else:
            self.resolution_due = value


def start_pause(ticket: Any, config: Any, now: datetime) -> bool:
    """Pause the clock from `now` if the ticket waits for someone else, nothing it sent is
    still undelivered, and it is not paused already. Returns whether it paused."""
    state = SlaState(ticket)
    if (config.settings.clock.pause_when_waiting and config.status_group(ticket.status) == "waiting"
            and state.paused_since is None and not state.undelivered):  # fmt: skip
        state.paused_since = now
        return True
    return False


def _targets(config: Any, priority: str) -> dict[str, Any]:
    targets = config.settings.sla.get(priority)
    if targets is None:
        return {}
    texts = {"first_response": targets.first_response, "resolution": targets.resolution}
    return {name: parse_target(text, f"sla.{priority}.{name}") for name, text in texts.items() if text}


def _set_dues(ticket: Any, config: Any, calendar: Calendar) -> None:
    state = SlaState(ticket)
    paused = timedelta(minutes=state.paused_minutes)
    targets = _targets(config, ticket.priority)
    for name, field_name in (("first_response", "first_response_due"), ("resolution", "resolution_due")):
        due = calendar.due(ticket.created, targets[name]) if name in targets else None
        state.set_due(field_name, calendar.add(due, paused) if due is not None and paused else due)


def update(ticket: Any, before: tuple[str, str] | None, config: Any, now: datetime, calendar: Calendar | None = None) -> None:
    """Keep a ticket's clocks right after a change. `before` is (status, priority) before it,
    None for a new ticket."""
    calendar = calendar or Calendar.from_config(config)
    state = SlaState(ticket)
    group = config.status_group(ticket.status)
    if before is None or before[1] != ticket.priority or not any(f in ticket.extra for f in DUE_FIELDS):
        _set_dues(ticket, config, calendar)
    if before is None:
        if group == "closed":
            state.resolved = now
        return
    old_group = config.status_group(before[0])
    start_pause(ticket, config, now)
    since = state.paused_since
    if group != "waiting" and since is not None:
        state.paused_since = None
        minutes = int(calendar.open_between(since, now).total_seconds() // 60)
        if minutes:
            state.paused_minutes += minutes
            for field_name in DUE_FIELDS:
                due = state.due(field_name)
                if due is not None:
                    state.set_due(field_name, calendar.add(due, timedelta(minutes=minutes)))
    if group == "closed" and old_group != "closed":
        state.resolved = now
    elif group != "closed" and old_group == "closed":
        state.resolved = None


def _as_time(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


PAUSED_BREACHED = "paused (breached)"
BREACHED = ("breached", PAUSED_BREACHED)  # what `tix list --breached` shows


class State(Record):
    __slots__ = ("due", "state")
    due: datetime | None  # the next target still running
    state: str | None  # breached | paused (breached) | near | ok | None (no target running)

    def __init__(self, due: datetime | None, state: str | None) -> None:
        self.due = due
        self.state = state


def state_of(row: dict[str, Any], now: datetime, near: timedelta = timedelta(hours=2)) -> State:
    """SLA state of an index row (its `sla` part): the first-response target until answered,
    then the resolution target until closed. A paused clock is never breached meanwhile, but a
    breach that happened before the pause stays a breach: 'paused (breached)' (issue 9 #5)."""
    sla = row.get("sla") or {}
    if sla.get("resolved"):
        return State(None, None)
    running = None
    if not sla.get("first_response") and sla.get("first_response_due"):
        running = sla["first_response_due"]
    elif sla.get("resolution_due"):
        running = sla["resolution_due"]
    if running is None:
        return State(None, None)
    due = datetime.fromisoformat(running)
    if sla.get("paused"):
        since = sla.get("paused_since")
        if since and due <= datetime.fromisoformat(str(since)):
            return State(due, PAUSED_BREACHED)
        return State(due, "ok")
    if due <= now:
        return State(due, "breached")
    return State(due, "near" if due - now <= near else "ok")
