"""The KPIs of a helpdesk, from its history: pure functions, no I/O (docs/REPORTS.md).

Two steps. `facts()` turns one ticket's history (its file now, and the fields each commit that
touched it changed, in time order) into `Facts`: every moment a KPI needs, with the business
minutes of the events already worked out. `figures()` aggregates many tickets' facts for a
period and a report time T (`as_of`), using only what had happened by T, so the same history
and the same T always give the same numbers.

Times in `Facts` are Unix seconds (ints): cheap to keep in the stats cache and to compare.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tix.domain.sla import Calendar

# The fields whose changes make a ticket's timeline (the values in the state at any moment).
TIMELINE_FIELDS = ("status", "owner", "queue", "category", "priority", "tags")
TARGETS = ("first_response", "resolution")
AGE_BUCKETS = ("lt_1d", "1_3d", "3_7d", "7_30d", "gt_30d")
_BUCKET_LIMITS = ((86_400, "lt_1d"), (3 * 86_400, "1_3d"), (7 * 86_400, "3_7d"), (30 * 86_400, "7_30d"))
GROUP_KEYS = ("owner", "category", "queue", "channel", "priority", "customer", "article", "week", "month")
DURATION_FIGURES = ("first_response", "resolution", "final_resolution")
CSAT_SCORES = ("good", "okay", "bad")


@dataclass
class Rules:
    """What the figures depend on besides history: the status groups, the SLA targets, the windows."""

    group_of: Callable[[str], str | None]  # status -> open | waiting | closed | None
    pause_when_waiting: bool = True
    reopen_window_days: int = 7
    recontact_days: int = 7
    growth_min_tickets: int = 5


@dataclass(slots=True)
class Facts:
    """One ticket's KPI inputs (docs/REPORTS.md, "Inputs")."""

    id: str
    created: int
    channel: str
    customer: str  # the requester's address, lower case
    subject: str = ""
    start: int | None = None  # received time of the customer's request; None when we wrote first
    first_reply: int | None = None  # the first human reply to the customer
    first_reply_by: str | None = None
    frt_business: float | None = None  # minutes, start -> first reply, open hours net of pauses
    frt_calendar: float | None = None
    replies: list[tuple[int, str]] = field(default_factory=list)  # human replies: (time, agent address)
    states: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (time, field values from then on)
    resolutions: list[tuple[int, float, float]] = field(default_factory=list)  # into closed: (time, business, calendar min)
    reopens: list[int] = field(default_factory=list)  # out of closed
    pauses: list[tuple[int, int | None]] = field(default_factory=list)  # waiting-status intervals (end None: still)
    dues: dict[str, dict[str, int]] = field(default_factory=dict)  # priority -> target -> due (before pauses)
    articles: list[tuple[int, str]] = field(default_factory=list)  # knowledge-base articles in human replies: (time, id)
    rating_asks: list[int] = field(default_factory=list)  # mails that asked the customer for a rating (issue 17)
    rating: tuple[int, str] | None = None  # the customer's latest rating: (time, good | okay | bad)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def as_row(self) -> tuple[Any, ...]:
        """The fields in order, as plain tuples, lists and dicts (for marshal, in the stats cache)."""
        return tuple(getattr(self, name) for name in _FACT_FIELDS)

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Facts:
        return cls(*row)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Facts:
        facts = cls(**data)
        facts.replies = [(int(t), str(a)) for t, a in facts.replies]
        facts.states = [(int(t), dict(s)) for t, s in facts.states]
        facts.resolutions = [(int(t), float(b), float(c)) for t, b, c in facts.resolutions]
        facts.pauses = [(int(a), None if b is None else int(b)) for a, b in facts.pauses]
        facts.articles = [(int(t), str(a)) for t, a in facts.articles]
        facts.rating_asks = [int(t) for t in facts.rating_asks]
        facts.rating = (int(facts.rating[0]), str(facts.rating[1])) if facts.rating else None
        return facts

    @classmethod
    def _rated(cls, ticket: Any) -> tuple[int, str] | None:
        rating = getattr(ticket, "csat", None)
        if not isinstance(rating, dict) or rating.get("score") not in CSAT_SCORES:
            return None
        try:
            return _ts(datetime.fromisoformat(str(rating.get("at")))), str(rating["score"])
        except (ValueError, TypeError):
            return None

    def state_at(self, moment: int) -> dict[str, Any] | None:
        """The ticket's fields as they were at `moment`; None before it existed."""
        states = self.states
        if states and states[-1][0] <= moment:  # most tickets last changed before the moment asked about
            return states[-1][1]
        current = None
        for when, state in states:
            if when > moment:
                break
            current = state
        return current


_FACT_FIELDS = tuple(f.name for f in fields(Facts))


def settled(f: Facts, rules: Rules, calendar: Any) -> int | None:
    """The moment after which the ticket can no longer change any figure of a period that starts
    later: its last event (a state change, a reply, a resolution, a reopen, the end of a pause, or
    the latest an SLA target of any of its priorities can fall due), when it is closed now; None
    while it is not closed (it is in the backlog, on the board, its targets may still fall due)."""
    last_group = rules.group_of(str(f.states[-1][1].get("status"))) if f.states else None
    if last_group != "closed" or any(b is None for _, b in f.pauses):
        return None
    moments = [f.created, *(t for t, _ in f.states), *(t for t, _ in f.replies), *(t for t, _, _ in f.resolutions), *f.reopens]
    moments += [*f.rating_asks, *([f.rating[0]] if f.rating else [])]
    moments += [b for _, b in f.pauses if b is not None]
    far = max(moments) + 1
    for dues in f.dues.values():
        for due0 in dues.values():
            due, _ = due_at(calendar, due0, f.pauses, far)  # pushed back by every pause: the latest it can be
            moments.append(due0 if due is None else due)
    return max(moments)


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


def _dt(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class OpenTime:
    """The helpdesk's calendar (domain.sla.Calendar) with each day's open time remembered, so that
    the open time between two moments costs two part-days and a subtraction instead of a walk over
    every day between them (a ticket open for a year would walk 365 days for each figure, and
    there are tens of thousands of tickets). The results are the calendar's own: open time is
    additive over adjacent spans, and each day's open hours lie within that day."""

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar
        self.tz = calendar.tz
        self._origin: date | None = None
        self._prefix: list[float] = [0.0]  # open seconds of the days [origin, origin + i)

    def _start(self, day: date) -> datetime:
        return datetime.combine(day, time(0), self.tz)

    def _day_seconds(self, day: date) -> float:
        return float(self.calendar.open_between(self._start(day), self._start(day + timedelta(days=1))).total_seconds())

    def _before(self, day: date) -> float:
        """Open seconds from the origin to the start of `day` (extending the table as needed)."""
        if self._origin is None:
            self._origin = day
        if day < self._origin:
            days = (self._origin - day).days
            extra = [self._day_seconds(day + timedelta(days=n)) for n in range(days)]
            head = [0.0]
            for seconds in extra:
                head.append(head[-1] + seconds)
            self._prefix = head + [head[-1] + p for p in self._prefix[1:]]
            self._origin = day
        index = (day - self._origin).days
        while len(self._prefix) <= index:
            self._prefix.append(self._prefix[-1] + self._day_seconds(self._origin + timedelta(days=len(self._prefix) - 1)))
        return self._prefix[index]

    def _cumulative(self, moment: datetime) -> float:
        day = moment.astimezone(self.tz).date()
        return self._before(day) + float(self.calendar.open_between(self._start(day), moment).total_seconds())

    def open_between(self, start: datetime, end: datetime) -> timedelta:
        if end <= start:
            return timedelta(0)
        before = self._cumulative(start)  # first: an earlier day moves the table's origin, a later one never does
        return timedelta(seconds=self._cumulative(end) - before)

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """The moment `amount` of open time after `start`: the day it ends in is found in the
        table, the rest is the calendar's own walk within that day."""
        day = start.astimezone(self.tz).date()
        if amount <= timedelta(hours=12):
            return self.calendar.add(start, amount)  # within a day or two: the calendar's walk is as quick
        target = self._cumulative(start) + amount.total_seconds()
        assert self._origin is not None
        from tix.domain.sla import MAX_DAYS

        for _ in range(MAX_DAYS // 64 + 1):
            last = self._origin + timedelta(days=len(self._prefix) - 1)
            if self._prefix[-1] >= target:
                break
            self._before(last + timedelta(days=64))
        else:
            return self.calendar.add(start, amount)  # no open time for years: the calendar says so
        index = bisect.bisect_left(self._prefix, target) - 1  # the day whose open time reaches the target
        found = self._origin + timedelta(days=index)
        if found <= day:
            return self.calendar.add(start, amount)
        return self.calendar.add(self._start(found), timedelta(seconds=target - self._prefix[index]))

    def due(self, start: datetime, target: tuple[str, int]) -> datetime:
        return self.calendar.due(start, target)


def business_minutes(calendar: Any, start: int, end: int, pauses: Sequence[tuple[int, int | None]]) -> float:
    """Open time between two moments, less the open time of the pauses inside them, in minutes."""
    if end <= start:
        return 0.0
    total = calendar.open_between(_dt(start), _dt(end))
    for a, b in pauses:
        lo, hi = max(a, start), min(end if b is None else b, end)
        if hi > lo:
            total -= calendar.open_between(_dt(lo), _dt(hi))
    return float(max(total.total_seconds(), 0.0)) / 60


def facts(
    ticket: Any, changes: Iterable[tuple[int, dict[str, Any]]], rules: Rules, calendar: Any, targets: Callable[[str], dict[str, Any]]
) -> Facts:
    """The facts of one ticket. `ticket` is its file now (a domain Ticket); `changes` are
    (time, {field: new value}) for each commit that touched it, in any order: they are applied in
    time order (then in the order given), so two clones with the same commits agree whatever order
    their merges put them in. `targets(priority)` gives {target: (unit, number)} (domain.sla)."""
    created = _ts(ticket.created)
    result = Facts(ticket.id, created, ticket.channel, ticket.requester.email.lower(), ticket.subject)
    ordered = sorted(enumerate(changes), key=lambda item: (item[1][0], item[0]))
    current: dict[str, Any] = {}
    first = True
    for _, (when, changed) in ordered:
        previous = dict(current)
        current.update({k: v for k, v in changed.items() if k in TIMELINE_FIELDS})
        when = max(when, created)
        if first or current != previous:
            result.states.append((when, dict(current)))
        first = False
    if not result.states:  # no history (an uncommitted file): its fields now, since creation
        result.states.append((created, {name: _value(ticket, name) for name in TIMELINE_FIELDS}))
    elif result.states[0][0] > created:
        # committed after it was created (an import's batch, a file written by hand): its first commit
        # says what it was like from its creation on, rather than leaving it without fields until then
        result.states[0] = (created, result.states[0][1])
    _transitions(result, rules)
    conversation = [e for e in ticket.entries if e.kind in ("inbound", "reply")]
    if not conversation or conversation[0].kind == "inbound" or _ts(conversation[0].time) > created:
        # a mail ticket is created at its first message's received time, one typed in by an agent when
        # typed in; only a ticket that began with our own reply (we wrote first) has no first response
        result.start = created
    result.rating = Facts._rated(ticket)
    for entry in ticket.entries:
        if entry.kind == "reply" and entry.extra.get("csat_asked"):
            result.rating_asks.append(_ts(entry.time))
        if entry.kind == "reply" and not entry.extra.get("automatic"):
            result.replies.append((_ts(entry.time), _address(entry.author)))
            used = entry.extra.get("kb")
            result.articles += [(_ts(entry.time), a) for a in (used if isinstance(used, list) else []) if isinstance(a, str)]
    result.replies.sort()
    result.articles.sort()
    if result.start is not None:
        answers = [r for r in result.replies if r[0] >= result.start]
        if answers:
            result.first_reply, result.first_reply_by = answers[0]
            result.frt_business = business_minutes(calendar, result.start, result.first_reply, result.pauses)
            result.frt_calendar = (result.first_reply - result.start) / 60
    result.resolutions = [
        (when, business_minutes(calendar, created, when, result.pauses), (when - created) / 60) for when, _, _ in result.resolutions
    ]
    for priority in sorted({str(state.get("priority")) for _, state in result.states}):
        found = targets(priority)
        result.dues[priority] = {name: _ts(calendar.due(ticket.created, found[name])) for name in TARGETS if name in found}
    return result


def _value(ticket: Any, name: str) -> Any:
    value = getattr(ticket, name)
    return list(value) if isinstance(value, list) else value


def _address(author: str) -> str:
    text = author.strip()
    if "<" in text and text.endswith(">"):
        text = text[text.rindex("<") + 1 : -1]
    return text.lower()


def _transitions(result: Facts, rules: Rules) -> None:
    """Resolutions, reopens and pauses from the status timeline."""
    group = None
    pause_start: int | None = None
    for when, state in result.states:
        new = rules.group_of(str(state.get("status")))
        if new == "closed" and group != "closed":
            result.resolutions.append((when, 0.0, 0.0))
        elif group == "closed" and new != "closed":
            result.reopens.append(when)
        if rules.pause_when_waiting:
            if new == "waiting" and pause_start is None:
                pause_start = when
            elif new != "waiting" and pause_start is not None:
                result.pauses.append((pause_start, when))
                pause_start = None
        group = new
    if pause_start is not None:
        result.pauses.append((pause_start, None))


# --- aggregation ------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    since: int
    until: int  # exclusive
    as_of: int  # the report time T: nothing later is known

    @property
    def end(self) -> int:
        """The moment the figures describe: the end of the period, or T when that comes first."""
        return min(self.until, self.as_of)


def median(values: Sequence[float]) -> float | None:
    """The middle value; the mean of the two middle ones for an even count; None for none."""
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        return None
    middle = n // 2
    return ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def p90(values: Sequence[float]) -> float | None:
    """Nearest rank: the value at rank ceil(0.9 n) of the sorted values."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[max(math.ceil(0.9 * len(ordered)), 1) - 1]


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _durations(pairs: list[tuple[float, float]], waiting: int) -> dict[str, Any]:
    business = [b for b, _ in pairs]
    calendar = [c for _, c in pairs]
    return {
        "count": len(pairs),
        "waiting": waiting,
        "median_business_minutes": _round(median(business)),
        "p90_business_minutes": _round(p90(business)),
        "median_calendar_minutes": _round(median(calendar)),
        "mean_business_minutes": _round(_mean(business)),
    }


def due_at(calendar: Any, due: int, pauses: Sequence[tuple[int, int | None]], moment: int) -> tuple[int | None, bool]:
    """A target's due time as known at `moment`: pushed back by the open time of each pause that
    began before it fell due (as domain.sla does with the ticket's dues). Returns (due, paused):
    (None, True) while a pause that began in time is still on at `moment` (the clock is stopped)."""
    current = due
    for a, b in pauses:
        if a >= current or a >= moment:
            break
        end = moment if b is None or b > moment else b
        if b is None or b > moment:
            return None, True
        minutes = int(calendar.open_between(_dt(a), _dt(end)).total_seconds() // 60)
        if minutes:
            current = _ts(calendar.add(_dt(current), timedelta(minutes=minutes)))
    return current, False


def _sla_count(f: Facts, state: dict[str, Any], period: Period, calendar: Any, counts: dict[str, list[int]]) -> None:
    """Add one ticket to the met, breached and pending counts of each target (`state`: its fields at T)."""
    end = period.as_of  # what is known at the report time
    dues = f.dues.get(str(state.get("priority")))
    if not dues:
        return
    for target, due0 in dues.items():
        if target == "first_response":
            if f.start is None:
                continue
            event = f.first_reply if f.first_reply is not None and f.first_reply <= end else None
        else:  # the first resolution (they are in time order), when known at the report time
            event = f.resolutions[0][0] if f.resolutions and f.resolutions[0][0] <= end else None
        due = due0 if not f.pauses else due_at(calendar, due0, f.pauses, event if event is not None else end)[0]
        found = counts[target]
        if event is not None and due is not None:
            if period.since <= due < period.until:
                found[0 if event <= due else 1] += 1
        elif due is not None and due <= end:
            if period.since <= due < period.until:
                found[1] += 1
        elif period.since <= f.created < period.until:
            found[2] += 1


def _bucket(age: int) -> str:
    for limit, name in _BUCKET_LIMITS:
        if age < limit:
            return name
    return "gt_30d"


def customers(everyone: Iterable[Facts]) -> dict[str, list[int]]:
    """Each customer's tickets' creation times: where `figures` looks for re-contacts. Worked out
    once for all the groups of a report (per group, it would cost groups x tickets)."""
    found: dict[str, list[int]] = {}
    for f in everyone:
        found.setdefault(f.customer, []).append(f.created)
    return found


class _Tally:
    """The figures of one set of tickets over one period, a ticket at a time (`figures`, and each
    group of `grouped_figures` in the same pass)."""

    def __init__(self, period: Period, rules: Rules, calendar: Any) -> None:
        self.period, self.rules, self.calendar = period, rules, calendar
        self.created = 0
        self.resolved_items: list[Facts] = []
        self.buckets = dict.fromkeys(AGE_BUCKETS, 0)
        self.counts = {"open": 0, "waiting_on_us": 0, "waiting_on_customer": 0}
        self.sla = {target: [0, 0, 0] for target in TARGETS}  # met, breached, pending
        self.frt: list[tuple[float, float]] = []
        self.first_res: list[tuple[float, float]] = []
        self.final_res: list[tuple[float, float]] = []
        self.frt_waiting = self.res_waiting = self.final_waiting = 0
        self.asked = 0
        self.ratings: list[tuple[str, str]] = []  # (score, owner at the rating's time)

    def add(self, f: Facts, at_end: dict[str, Any] | None, at_known: dict[str, Any] | None) -> None:
        """One ticket known at the report time, with its fields at the end of the period and at T."""
        period, group_of = self.period, self.rules.group_of
        end, since, until, known_at = period.end, period.since, period.until, period.as_of
        if at_known is not None:
            _sla_count(f, at_known, period, self.calendar, self.sla)
        if any(since <= t < until and t <= known_at for t, _, _ in f.resolutions):
            self.resolved_items.append(f)
        if any(since <= t < until and t <= known_at for t in f.rating_asks):
            self.asked += 1
        if f.rating is not None and since <= f.rating[0] < until and f.rating[0] <= known_at:
            state = f.state_at(f.rating[0]) or {}
            self.ratings.append((f.rating[1], str(state.get("owner") or "")))
        if f.created <= end:  # the backlog: the stock at the end of the period
            group = group_of(str(at_end.get("status"))) if at_end else None
            if group != "closed":
                self.counts["open"] += 1
                self.counts["waiting_on_customer" if group == "waiting" else "waiting_on_us"] += 1
                self.buckets[_bucket(end - f.created)] += 1
        if not since <= f.created < until:
            return
        self.created += 1  # the cohort: tickets created in the period
        if f.start is not None:
            if f.first_reply is not None and f.first_reply <= known_at:
                self.frt.append((f.frt_business or 0.0, f.frt_calendar or 0.0))
            else:
                self.frt_waiting += 1
        done = [(t, b, c) for t, b, c in f.resolutions if t <= known_at]
        if done:
            self.first_res.append((done[0][1], done[0][2]))
        else:
            self.res_waiting += 1
        if done and at_known is not None and group_of(str(at_known.get("status"))) == "closed":
            self.final_res.append((done[-1][1], done[-1][2]))
        else:
            self.final_waiting += 1

    def result(self, by_customer: dict[str, list[int]]) -> dict[str, Any]:
        since, until, known_at = self.period.since, self.period.until, self.period.as_of
        rules, day = self.rules, 86_400
        window = rules.reopen_window_days * day
        reopened = one_touch = recontacted = 0
        for f in self.resolved_items:
            times = [t for t, _, _ in f.resolutions if since <= t < until and t <= known_at]
            reopened += any(any(t < r <= min(t + window, known_at) for r in f.reopens) for t in times)
            replies = [r for r in f.replies if r[0] <= known_at]
            if len(replies) == 1 and not any(r <= known_at for r in f.reopens):
                one_touch += 1
            last = times[-1]
            limit = min(last + rules.recontact_days * day, known_at)
            if any(last < c <= limit for c in by_customer.get(f.customer, ())):
                recontacted += 1
        resolved = len(self.resolved_items)
        return {
            "created": self.created,
            "resolved": resolved,
            "backlog": {**self.counts, "age_buckets": self.buckets},
            "first_response": _durations(self.frt, self.frt_waiting),
            "resolution": _durations(self.first_res, self.res_waiting),
            "final_resolution": _durations(self.final_res, self.final_waiting),
            "sla": {target: {"met": met, "breached": breached, "pending": pending, "met_pct": _ratio(met, met + breached)}
                    for target, (met, breached, pending) in self.sla.items()},  # fmt: skip
            "reopen_rate": _ratio(reopened, resolved),
            "recontact_rate": _ratio(recontacted, resolved),
            "one_touch_rate": _ratio(one_touch, resolved),
            "csat": self._csat(),
        }

    def _csat(self) -> dict[str, Any]:
        """Ratings given in the period (docs/REPORTS.md, "CSAT"): good_pct = good / rated, response_rate
        = rated / asked (tickets asked in the period), and the same per owner at the rating's time."""
        def counts(scores: list[str]) -> dict[str, Any]:
            tally = {score: scores.count(score) for score in CSAT_SCORES}
            return {"rated": len(scores), **tally, "good_pct": _ratio(tally["good"], len(scores))}

        owners = sorted({owner for _, owner in self.ratings})
        whole = counts([score for score, _ in self.ratings])
        return {"asked": self.asked, **whole, "response_rate": _ratio(whole["rated"], self.asked),
                "by_owner": {owner or "(none)": counts([s for s, o in self.ratings if o == owner]) for owner in owners}}  # fmt: skip


def _states(f: Facts, period: Period) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    at_end = f.state_at(period.end)
    return at_end, at_end if period.as_of == period.end else f.state_at(period.as_of)


def figures(items: list[Facts], period: Period, rules: Rules, calendar: Any, everyone: list[Facts] | dict[str, list[int]] | None = None
            ) -> dict[str, Any]:  # fmt: skip
    """The figures of the JSON contract (docs/REPORTS.md) for `items` over `period`. `everyone`
    (default: `items`; or `customers(everyone)`) is where re-contacts are looked for: a
    customer's next ticket counts even when a filter or a group leaves it out. Events count as far
    as they are known at the report time (`as_of`); the backlog is the stock at the period's end."""
    tally = _Tally(period, rules, calendar)
    for f in items:
        if f.created <= period.as_of:
            tally.add(f, *_states(f, period))
    return tally.result(everyone if isinstance(everyone, dict) else customers(everyone if everyone is not None else items))


def grouped_figures(items: list[Facts], period: Period, rules: Rules, calendar: Any, by: str, by_customer: dict[str, list[int]]
                    ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:  # fmt: skip
    """`figures` of all the tickets and of each group of `--by` field (owner, category, ...: see
    `group_key`), in one pass. Groups are made of the tickets there by the end of the period."""
    total = _Tally(period, rules, calendar)
    groups: dict[str, _Tally] = {}
    for f in items:
        if f.created > period.as_of:
            continue
        at_end, at_known = _states(f, period)
        total.add(f, at_end, at_known)
        if f.created <= period.end:  # not there yet: it would make a group of zeros ("-", as it had no owner)
            for key in _articles_known(f, period.as_of) if by == "article" else [_group_value(f, by, at_end)]:
                if key not in groups:
                    groups[key] = _Tally(period, rules, calendar)
                groups[key].add(f, at_end, at_known)
    return total.result(by_customer), {key: groups[key].result(by_customer) for key in sorted(groups)}


def _articles_known(f: Facts, as_of: int) -> list[str]:
    """`--by article`: each article used in a human reply known at T (a ticket answered with two is
    in both groups); "-" for a ticket answered with none."""
    return sorted({a for t, a in f.articles if t <= as_of}) or ["-"]


def article_uses(items: list[Facts], period: Period) -> dict[str, dict[str, int]]:
    """For each knowledge-base article: `answered_with`, the tickets with a human reply in the period
    that used it (known at T), and `reopened_after`, those of them reopened after that reply (by T)."""
    result: dict[str, dict[str, int]] = {}
    for f in items:
        first_use: dict[str, int] = {}
        for when, article in f.articles:
            if period.since <= when < period.until and when <= period.as_of:
                first_use.setdefault(article, when)
        for article, when in first_use.items():
            found = result.setdefault(article, {"answered_with": 0, "reopened_after": 0})
            found["answered_with"] += 1
            found["reopened_after"] += any(when < t <= period.as_of for t in f.reopens)
    return result


def flow(items: list[Facts], periods: list[Period]) -> list[dict[str, Any]]:
    """For each of a run of periods (the weeks of the HTML report): `created`, `resolved` and the
    `first_response` medians (business and calendar minutes), exactly as `figures` gives them for
    that period, in one pass over the tickets instead of one per period."""
    created, resolved_in = [0] * len(periods), [0] * len(periods)
    frt: list[list[tuple[float, float]]] = [[] for _ in periods]
    starts = [p.since for p in periods]

    def index(moment: int) -> int | None:
        n = bisect.bisect_right(starts, moment) - 1
        return n if n >= 0 and moment < periods[n].until else None

    for f in items:
        n = index(f.created)
        if n is not None and f.created <= periods[n].as_of:
            created[n] += 1
            if f.start is not None and f.first_reply is not None and f.first_reply <= periods[n].as_of:
                frt[n].append((f.frt_business or 0.0, f.frt_calendar or 0.0))
        for n in {n for n in (index(t) for t, _, _ in f.resolutions) if n is not None}:
            as_of = periods[n].as_of
            if f.created <= as_of and any(periods[n].since <= t < periods[n].until and t <= as_of for t, _, _ in f.resolutions):
                resolved_in[n] += 1
    rows = []
    for n in range(len(periods)):
        found = _durations(frt[n], 0)
        rows.append({"created": created[n], "resolved": resolved_in[n], "frt_median": found["median_business_minutes"],
                     "frt_median_calendar": found["median_calendar_minutes"]})  # fmt: skip
    return rows


def group_key(f: Facts, by: str, end: int, tz: Any) -> str:
    """The group a ticket falls in for `--by` (its fields as at the report's end)."""
    return _group_value(f, by, f.state_at(end))


def _group_value(f: Facts, by: str, state: dict[str, Any] | None) -> str:
    if by == "channel":
        return f.channel
    if by == "customer":
        return f.customer
    value = (state or {}).get(by)
    return str(value) if value else "-"


def calendar_periods(by: str, since: datetime, until: datetime) -> list[tuple[str, datetime, datetime]]:
    """The weeks (Monday first, ISO names 2026-W48) or months that overlap [since, until), each
    clipped to it, in the timezone of `since`."""
    tz = since.tzinfo
    result = []
    start = since.replace(hour=0, minute=0, second=0, microsecond=0)
    if by == "week":
        start -= timedelta(days=start.weekday())
    else:
        start = start.replace(day=1)
    while start < until:
        if by == "week":
            nxt = (start + timedelta(days=7)).replace(tzinfo=tz)
            year, week, _ = start.isocalendar()
            name = f"{year}-W{week:02d}"
        else:
            nxt = start.replace(year=start.year + (start.month == 12), month=start.month % 12 + 1)
            name = f"{start.year}-{start.month:02d}"
        nxt = datetime.combine(nxt.date(), nxt.time(), tz)
        result.append((name, max(start, since), min(nxt, until)))
        start = nxt
    return result


def matches(f: Facts, end: int, owners: list[str], queues: list[str], categories: list[str], tags: list[str]) -> bool:
    """`tix list`'s filters, on the ticket's fields as at the report's end."""
    state = f.state_at(end) or {}
    if owners and str(state.get("owner") or "").lower() not in owners:
        return False
    if queues and state.get("queue") not in queues:
        return False
    if categories and state.get("category") not in categories:
        return False
    return not tags or set(tags) <= set(state.get("tags") or [])


def agents(items: list[Facts], period: Period, rules: Rules) -> list[dict[str, Any]]:
    """Per-agent load: open tickets owned at the end, human replies sent and tickets resolved
    (owner at resolution) in the period, and the median first response of the tickets whose first
    reply the agent sent in the period."""
    end = period.end
    rows: dict[str, dict[str, Any]] = {}

    def row(agent: str) -> dict[str, Any]:
        return rows.setdefault(agent, {"agent": agent, "open": 0, "replies": 0, "resolved": 0, "frt": []})

    for f in items:
        if f.created > end:
            continue
        state = f.state_at(end) or {}
        owner = str(state.get("owner") or "").lower()
        if owner and rules.group_of(str(state.get("status"))) != "closed":
            row(owner)["open"] += 1
        for when, agent in f.replies:
            if period.since <= when < period.until and when <= end:
                row(agent)["replies"] += 1
        for when, _, _ in f.resolutions:
            if period.since <= when < period.until and when <= end:
                at = f.state_at(when) or {}
                if at.get("owner"):
                    row(str(at["owner"]).lower())["resolved"] += 1
        if f.first_reply is not None and f.first_reply_by and period.since <= f.first_reply < period.until and f.first_reply <= end:
            row(f.first_reply_by)["frt"].append(f.frt_business or 0.0)
    result = []
    for agent in sorted(rows):
        data = rows[agent]
        frt = data.pop("frt")
        data["first_response_median_business_minutes"] = _round(median(frt))
        result.append(data)
    return result


def category_trend(items: list[Facts], current: Period, previous: Period, rules: Rules) -> list[dict[str, Any]]:
    """Tickets created per category in this period and the one before, with the change; `growing`
    marks categories with at least `growth_min_tickets` in both (sorted by relative growth)."""
    counts: dict[str, list[int]] = {}
    for f in items:
        state = f.state_at(current.end) or {}
        for index, period in enumerate((previous, current)):
            if period.since <= f.created < period.until and f.created <= current.end:
                counts.setdefault(str(state.get("category") or "-"), [0, 0])[index] += 1
    rows: list[dict[str, Any]] = []
    for name, (before, now) in counts.items():
        # "-" (no category) is no kind of request: it is listed, never the fastest growing
        eligible = name != "-" and before >= rules.growth_min_tickets and now >= rules.growth_min_tickets
        rows.append({"category": name, "previous": before, "current": now, "change": now - before,
                     "growth": (now - before) / before if before else None, "eligible": eligible})  # fmt: skip
    rows.sort(key=lambda r: (not r["eligible"], -(r["growth"] or 0.0), r["category"]))
    return rows


def board(items: list[Facts], period: Period, rules: Rules, calendar: Any, near_seconds: int = 7200) -> list[dict[str, Any]]:
    """The open tickets at the end of the period, with the SLA target still running and its state:
    breached (due passed), near (due within `near_seconds`), ok, paused (the clock stopped), or
    none (no target). Oldest first."""
    end = period.end
    rows = []
    for f in items:
        state = f.state_at(end) if f.created <= end else None
        if state is None or rules.group_of(str(state.get("status"))) == "closed":
            continue
        answered = f.first_reply is not None and f.first_reply <= end
        target = "first_response" if f.start is not None and not answered else "resolution"
        due0 = f.dues.get(str(state.get("priority")), {}).get(target)
        due, paused = due_at(calendar, due0, f.pauses, end) if due0 is not None else (None, False)
        if paused:
            sla_state = "paused"
        elif due is None:
            sla_state = "none"
        elif due <= end:
            sla_state = "breached"
        else:
            sla_state = "near" if due - end <= near_seconds else "ok"
        rows.append({"id": f.id, "subject": f.subject, "status": state.get("status"), "owner": state.get("owner"),
                     "created": f.created, "target": target, "due": due, "sla": sla_state})  # fmt: skip
    rows.sort(key=lambda r: (r["created"], r["id"]))
    return rows
