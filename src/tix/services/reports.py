"""`tix stats` and `tix report`: the figures of a period, from the KPI cache (storage/statscache.py),
aggregated by domain/kpi.py; the definitions are in docs/REPORTS.md."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tix import messages as msg
from tix.domain import kpi, links
from tix.errors import InvalidValue
from tix.storage.layout import Helpdesk

DEFAULT_DAYS = 30
EXCLUDED_TAGS = frozenset({links.SPAM_TAG, links.DUPLICATE_TAG})


@dataclass
class StatsRequest:
    since: str | None = None
    until: str | None = None
    as_of: str | None = None
    by: str | None = None
    owner: list[str] = field(default_factory=list)
    queue: list[str] = field(default_factory=list)
    category: list[str] = field(default_factory=list)
    tag: list[str] = field(default_factory=list)
    reopen_window: int = 7
    recontact_days: int = 7
    query: list[str] = field(default_factory=list)  # the query language (docs/SEARCH.md), or ['@view']
    view: str | None = None
    as_user: str | None = None  # who `owner:me` is (--as)


@dataclass
class Stats:
    period: dict[str, str]
    figures: dict[str, Any]
    groups: list[dict[str, Any]] | None  # with --by: one object per group, `key` first
    by: str | None = None
    broken: list[str] = field(default_factory=list)
    # for the HTML report: the facts and the resolved times behind the figures
    facts: list[kpi.Facts] = field(default_factory=list)
    window: tuple[datetime, datetime, datetime] | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"period": self.period, **self.figures}
        if self.groups is not None:
            data["groups"] = self.groups
        return data


def _moment(text: str, now: datetime, option: str, end_of_day: bool) -> datetime:
    """'7d' / '4w' / '12h' (before now), an ISO date (its start, or with `end_of_day` its end) or time."""
    from tix.domain.filters import parse_since
    from tix.domain.query import SpanTooLong

    value = text.strip()
    try:
        if len(value) == 10 and value[4:5] == "-":
            day = datetime.fromisoformat(value).replace(tzinfo=now.tzinfo)
            return day + timedelta(days=1) if end_of_day else day
        return parse_since(value, now)
    except SpanTooLong:  # 99999999d
        raise InvalidValue(msg.stats_out_of_range(option, text)) from None
    except (ValueError, InvalidValue):
        raise InvalidValue(msg.stats_bad_time(option, text)) from None
    except OverflowError:  # 99999999d, the end of 9999-12-31
        raise InvalidValue(msg.stats_out_of_range(option, text)) from None


def window(request: StatsRequest, now: datetime, tz: Any) -> tuple[datetime, datetime, datetime]:
    """(since, until, as_of) of a request, in the helpdesk's timezone; a bad or impossible one is
    one clear InvalidValue."""
    as_of = _moment(request.as_of, now, "--as-of", end_of_day=True) if request.as_of else now
    until = _moment(request.until, as_of, "--until", end_of_day=True) if request.until else as_of
    since = _moment(request.since, as_of, "--since", end_of_day=False) if request.since else None
    try:
        since = since or until - timedelta(days=DEFAULT_DAYS)
        result = since.astimezone(tz), until.astimezone(tz), as_of.astimezone(tz)
        for moment in result:
            moment.timestamp()
    except OverflowError:  # the default 30 days before year 1, or a moment that leaves years 1-9999 in our timezone
        given = [(option, text) for option, text in (("--since", request.since), ("--until", request.until), ("--as-of", request.as_of)) if text]
        raise InvalidValue(msg.stats_out_of_range(*(given[0] if given else ("--as-of", now.isoformat())))) from None
    if result[0] >= result[1]:
        raise InvalidValue(msg.stats_since_after_until(result[0].isoformat(), result[1].isoformat()))
    return result


def rules_of(hd: Helpdesk, request: StatsRequest | None = None) -> kpi.Rules:
    config = hd.config
    return kpi.Rules(
        group_of=config.status_group,
        pause_when_waiting=config.settings.clock.pause_when_waiting,
        reopen_window_days=request.reopen_window if request else 7,
        recontact_days=request.recontact_days if request else 7,
    )


def _targets(hd: Helpdesk) -> Any:
    from tix.domain.sla import parse_target

    config = hd.config
    memo: dict[str, dict[str, Any]] = {}

    def targets(priority: str) -> dict[str, Any]:
        if priority not in memo:
            found = config.settings.sla.get(priority)
            texts = {"first_response": found.first_response, "resolution": found.resolution} if found else {}
            memo[priority] = {name: parse_target(text, f"sla.{priority}.{name}") for name, text in texts.items() if text}
        return memo[priority]

    return targets


def _fingerprint(hd: Helpdesk) -> str:
    """What the facts depend on besides the history: the configuration, and the public holidays'
    data when the calendar uses it."""
    try:
        data = (hd.root / "tix.yaml").read_bytes()
    except OSError:
        data = b""
    if hd.config.settings.clock.holidays_country:
        from importlib.metadata import PackageNotFoundError, version

        try:
            data += f"\0holidays {version('holidays')}".encode()
        except PackageNotFoundError:
            pass
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def calendar_of(hd: Helpdesk) -> kpi.OpenTime:
    from tix.domain.sla import Calendar

    return kpi.OpenTime(Calendar.from_config(hd.config))


def load_facts(hd: Helpdesk, rules: kpi.Rules, full: bool = False, since: datetime | None = None) -> tuple[list[kpi.Facts], list[str]]:
    """The facts of every ticket that can matter to a period from `since` on (None: every
    ticket), the cache brought up to HEAD first."""
    from tix.storage.statscache import StatsCache

    with StatsCache(hd) as cache:
        refreshed = cache.refresh(rules, calendar_of(hd), _targets(hd), _fingerprint(hd), full=full,
                                  since=None if since is None else int(since.timestamp()))  # fmt: skip
    return refreshed.facts, refreshed.broken


def rebuild(hd: Helpdesk) -> int:
    """`tix reindex`: the KPI cache from scratch; returns the tickets it holds."""
    facts, _ = load_facts(hd, rules_of(hd), full=True)
    return len(facts)


def stats(hd: Helpdesk, request: StatsRequest, now: datetime, reach: timedelta | None = None) -> Stats:
    """The figures of the request's period. `reach`: the facts of the tickets that matter to a
    period that starts that long before the end are wanted too (the HTML report's trend)."""
    from tix.domain.filters import split_values
    from tix.storage.people import resolve_agent

    config = hd.config
    if request.by is not None and request.by not in kpi.GROUP_KEYS:
        raise InvalidValue(msg.stats_unknown_by(request.by, kpi.GROUP_KEYS))
    since, until, as_of = window(request, now, config.timezone)
    for name, value in (("--reopen-window", request.reopen_window), ("--recontact-days", request.recontact_days)):
        if value < 0:
            raise InvalidValue(msg.stats_negative_days(name))
    rules = rules_of(hd, request)
    calendar = calendar_of(hd)
    end = min(until, as_of)
    everyone, broken = load_facts(hd, rules, since=min(since, end - reach) if reach else since)
    period = kpi.Period(int(since.timestamp()), int(until.timestamp()), int(as_of.timestamp()))
    everyone = [f for f in everyone if not left_out(f, period.as_of)]
    owners = [resolve_agent(config, o).lower() for o in split_values(request.owner)]
    queues, categories, tags = split_values(request.queue), split_values(request.category), split_values(request.tag)
    chosen = [f for f in everyone if kpi.matches(f, period.end, owners, queues, categories, tags)] if owners or queues or categories or tags else everyone
    if request.query or request.view:
        wanted = _queried(hd, request, as_of)
        chosen = [f for f in chosen if f.id in wanted]
    tz = config.timezone
    shown = {"since": since.astimezone(tz).isoformat(), "until": until.astimezone(tz).isoformat(), "as_of": as_of.astimezone(tz).isoformat()}
    by_customer = kpi.customers(everyone)
    groups = None
    if request.by in ("week", "month"):
        figures = kpi.figures(chosen, period, rules, calendar, by_customer)
        groups = []
        for name, start, end in kpi.calendar_periods(request.by, since.astimezone(tz), until.astimezone(tz)):
            part = kpi.Period(int(start.timestamp()), int(end.timestamp()), period.as_of)
            groups.append({"key": name, **kpi.figures(chosen, part, rules, calendar, by_customer)})
    elif request.by:
        figures, parts = kpi.grouped_figures(chosen, period, rules, calendar, request.by, by_customer)
        groups = [{"key": key, **found} for key, found in parts.items()]
        if request.by == "article":
            uses = kpi.article_uses(chosen, period)
            for group in groups:
                group.update(uses.get(group["key"], {"answered_with": 0, "reopened_after": 0}))
    else:
        figures = kpi.figures(chosen, period, rules, calendar, by_customer)
    return Stats(shown, figures, groups, request.by, broken, chosen, (since, until, as_of))


def left_out(facts: kpi.Facts, as_of: int) -> bool:
    """Spam (`tix spam`) and the stubs of merged tickets (`tix merge`: their conversation counts on
    the ticket they were merged into) are no customer's request: no figure counts them."""
    state = facts.state_at(as_of) or {}
    return bool(EXCLUDED_TAGS & set(state.get("tags") or []))


def _queried(hd: Helpdesk, request: StatsRequest, now: datetime) -> set[str]:
    """The IDs of the tickets the request's query or view matches, closed ones included unless it
    asks for statuses: as `tix list` sees them (their fields as they are now, their words), with
    its times counted back from `now` (--as-of)."""
    from tix.services.listing import filters_from_query, query_of
    from tix.storage.index import Index

    query = query_of(hd, request.query, request.view)
    if query.empty:
        raise InvalidValue(msg.query_empty())
    filters = filters_from_query(hd, query, now, request.as_user)
    filters.include_closed = True
    with Index.current(hd) as index:
        return index.ids(now, filters, hd.config.closed_statuses)


@dataclass
class Report:
    """What the HTML report shows (render/report_html.py)."""

    helpdesk: str
    commit: str | None
    stats: Stats
    weeks: list[dict[str, Any]]  # {key, created, resolved, frt_median, frt_median_calendar}
    board: list[dict[str, Any]]
    agents: list[dict[str, Any]]
    trend: list[dict[str, Any]]
    trend_periods: tuple[str, str]  # previous, current (ISO dates)
    target_minutes: float | None  # the first-response target of the default priority, in minutes (None: eod, days, none)
    generated: str
    target_wall: bool = False  # that target counts wall-clock time: the chart shows calendar minutes against it


def _target_minutes(hd: Helpdesk) -> tuple[float | None, bool]:
    targets = _targets(hd)(hd.config.settings.priorities.default)
    unit, number = targets.get("first_response", ("", 0))
    return {"m": 1, "h": 60, "wall-m": 1, "wall-h": 60, "wall-d": 1440}.get(unit, 0) * number or None, unit.startswith("wall-")


def report(hd: Helpdesk, request: StatsRequest, now: datetime) -> Report:
    """The figures of `stats`, plus the weekly series, the board, the agents and the trend."""
    config = hd.config
    tz = config.timezone
    span = timedelta(days=28)
    result = stats(hd, request, now, reach=2 * span)
    assert result.window is not None
    since, until, as_of = (moment.astimezone(tz) for moment in result.window)
    rules = rules_of(hd, request)
    calendar = calendar_of(hd)
    period = kpi.Period(int(since.timestamp()), int(until.timestamp()), int(as_of.timestamp()))
    items = result.facts
    named = kpi.calendar_periods("week", since, until)
    parts = [kpi.Period(int(start.timestamp()), int(end.timestamp()), period.as_of) for _, start, end in named]
    weeks = [{"key": name, **row} for (name, _, _), row in zip(named, kpi.flow(items, parts), strict=True)]
    end = datetime.fromtimestamp(period.end, tz)
    current = kpi.Period(int((end - span).timestamp()), period.end, period.as_of)
    previous = kpi.Period(int((end - 2 * span).timestamp()), current.since, period.as_of)
    target, wall = _target_minutes(hd)
    return Report(
        config.settings.helpdesk.name, hd.git.head(), result, weeks, kpi.board(items, period, rules, calendar),
        kpi.agents(items, period, rules), kpi.category_trend(items, current, previous, rules),
        ((end - 2 * span).date().isoformat(), (end - span).date().isoformat()), target, now.astimezone(tz).isoformat(), wall,
    )


# --- the report by mail (`tix report mail`, for cron) -------------------------------------

PERIODS = ("week", "month")


@dataclass
class MailPeriod:
    key: str  # 2026-W48, 2026-11
    since: datetime
    until: datetime


def last_period(now: datetime, kind: str) -> MailPeriod:
    """The last complete week (Monday to Sunday) or month before `now`, in now's timezone."""
    if kind not in PERIODS:
        raise InvalidValue(msg.report_bad_period(kind, PERIODS))
    tz = now.tzinfo
    today = datetime.combine(now.date(), datetime.min.time(), tz)
    if kind == "week":
        until = today - timedelta(days=today.weekday())
        since = datetime.combine((until - timedelta(days=7)).date(), datetime.min.time(), tz)
        year, week, _ = since.isocalendar()
        return MailPeriod(f"{year}-W{week:02d}", since, until)
    until = today.replace(day=1)
    since = datetime.combine((until - timedelta(days=1)).date().replace(day=1), datetime.min.time(), tz)
    return MailPeriod(f"{since.year}-{since.month:02d}", since, until)


@dataclass
class Mailed:
    name: str  # the outbox name
    to: str
    subject: str
    size: int
    already: bool = False  # this period's report went (or is queued) to this address already
    dry_run: bool = False
    commit: str | None = None


def mail_name(period_key: str, to: str) -> str:
    return f"report-{period_key}-{hashlib.sha1(to.lower().encode(), usedforsecurity=False).hexdigest()[:10]}"


def queue_report(desk: Any, to: str, period_key: str, text: str, html: str, dry_run: bool = False) -> Mailed:
    """Queue the report for `to` in the outbox (`tix send` delivers it), once per period and
    address: a rerun finds it queued, sent or cancelled and queues nothing."""
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    from tix.domain import commits
    from tix.domain.model import Person
    from tix.mail.compose import sender
    from tix.mail.outbox import CANCELLED, QUEUE, SENT
    from tix.storage.files import write_atomic

    hd, config = desk.hd, desk.config
    person = Person.parse(to)
    if person is None:
        raise InvalidValue(msg.report_bad_address(to))
    name = mail_name(period_key, person.email)
    subject = msg.report_mail_subject(config.settings.helpdesk.name, period_key)
    if any((hd.root / folder / f"{name}.eml").exists() for folder in (QUEUE, SENT, CANCELLED)):
        return Mailed(name, str(person), subject, 0, already=True, dry_run=dry_run)
    now = desk.now()
    helpdesk = sender(config)
    message = EmailMessage()
    message["From"] = str(helpdesk)
    message["To"] = str(person)
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(idstring=f"tix-report.{period_key}", domain=helpdesk.email.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message["X-Tix-Loop"] = config.instance
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    raw = bytes(message)
    if dry_run:
        return Mailed(name, str(person), subject, len(raw), dry_run=True)
    import json

    state = {"state": "queued", "queued": now.isoformat(), "queued_by": hd.clone_id, "attempts": 0, "last_error": None}
    files = {f"{QUEUE}/{name}.eml": raw, f"{QUEUE}/{name}.json": (json.dumps(state, indent=2) + "\n").encode()}
    with hd.locked():
        for relpath, data in files.items():
            write_atomic(hd.root / relpath, data)
        commit = hd.git.commit(list(files), commits.message(msg.commit_report_mail(period_key, person.email), "report"), desk.actor, now)
    return Mailed(name, str(person), subject, len(raw), commit=commit)
