"""Issue 13 #6: the shortcuts that make `tix stats` fast on a large helpdesk never change a figure.

- kpi.OpenTime (each day's open time remembered) gives the calendar's own open time and due
  times, across daylight-saving changes, split opening hours and holidays.
- The stats cache hands out only the tickets that can matter to the period (`settled` on or after
  its start): the figures are those of every ticket's facts, on a helpdesk with a year of history
  (bench/large_helpdesk.py), for periods, report times and groups all over that year.
- A cache file of another layout (an older tix) is started again, not misread."""

from __future__ import annotations

import importlib.util
import json
import os
import random
import sqlite3
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import Cli, Clock

from tix.domain import kpi
from tix.domain.sla import Calendar, parse_hours
from tix.services import reports
from tix.storage.layout import Helpdesk

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.mark.parametrize("zone", ["UTC", "Europe/Warsaw", "America/New_York"])
def test_open_time_is_the_calendar_s_own(zone: str) -> None:
    week = ["09:00-17:00", "08:00-12:00, 13:00-17:00", "09:00-17:00", "00:00-23:59", "09:00-17:00", "10:00-14:00", ""]
    calendar = Calendar(ZoneInfo(zone), {n: parse_hours(h, "hours") for n, h in enumerate(week)}, {date(2026, 5, 1), date(2025, 12, 25)})
    rng = random.Random(zone)
    base = int(datetime(2025, 11, 1, tzinfo=UTC).timestamp())
    for _ in range(3):  # each a fresh table, asked in a random order (earlier days move its origin)
        fast = kpi.OpenTime(calendar)
        for _ in range(700):
            a = base + rng.randrange(400 * 86_400)
            b = a + rng.randrange(rng.choice([3_600, 86_400, 30 * 86_400, 200 * 86_400]))
            start, end = datetime.fromtimestamp(a, UTC), datetime.fromtimestamp(b, UTC)
            assert fast.open_between(start, end) == calendar.open_between(start, end), (start, end)
            assert fast.open_between(end, start) == calendar.open_between(end, start)
            amount = timedelta(minutes=rng.choice([0, 30, 600, 2_000, 20_000, 100_000]))
            assert fast.add(start, amount) == calendar.add(start, amount), (start, amount)


def large_helpdesk(root: Path, tickets: int) -> list[str]:
    spec = importlib.util.spec_from_file_location("large_helpdesk", BENCH / "large_helpdesk.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return list(module.build_large_helpdesk(root, tickets, 4, dict(os.environ)))


def test_the_tickets_left_out_change_no_figure(tix: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "large"
    large_helpdesk(root, 300)  # a year of mail from 2025-11-03; answered, resolved, reopened month by month
    now = datetime.fromisoformat("2027-03-01T12:00:00+00:00")  # after the last of its history
    monkeypatch.setenv("TIX_NOW", now.isoformat())
    hd = Helpdesk.discover(root)
    rules, calendar = reports.rules_of(hd), reports.calendar_of(hd)
    everyone, _ = reports.load_facts(hd, rules)
    assert len(everyone) == 300
    left_out = 0
    periods = [("2025-11-01", "2025-12-01", None), ("2026-03-01", "2026-04-15", None), ("2026-06-01", "2026-07-01", "2026-06-20"),
               ("2026-10-01", "2026-11-01", None), ("2027-01-01", "2027-02-28", None), ("2026-12-01", "2027-01-01", "2026-12-15")]
    for since, until, as_of in periods:
        args = ["--since", since, "--until", until] + (["--as-of", as_of] if as_of else [])
        shown = json.loads(tix.ok("stats", *args, "-f", "json", "--by", "owner", cwd=root).out)
        window = reports.window(reports.StatsRequest(since, until, as_of), now, hd.config.timezone)
        period = kpi.Period(*(int(moment.timestamp()) for moment in window))
        chosen, _ = reports.load_facts(hd, rules, since=window[0])
        left_out += len(everyone) - len(chosen)
        counted = [f for f in everyone if not reports.left_out(f, period.as_of)]  # no spam, no merged stubs (issue 18)
        full = kpi.figures(counted, period, rules, calendar, counted)
        assert {k: v for k, v in shown.items() if k not in ("period", "groups")} == full, args
        groups = {g.pop("key"): g for g in shown["groups"]}
        for owner in {kpi.group_key(f, "owner", period.end, None) for f in counted if f.created <= period.end}:
            part = [f for f in counted if f.created <= period.end and kpi.group_key(f, "owner", period.end, None) == owner]
            figures = kpi.figures(part, period, rules, calendar, counted)
            if owner in groups:
                assert groups[owner] == figures, (args, owner)
            else:  # a group made only of tickets left out: nothing happened in it in the period
                assert (figures["created"], figures["resolved"], figures["backlog"]["open"]) == (0, 0, 0), (args, owner)
                assert figures["first_response"]["count"] == figures["sla"]["resolution"]["met"] == 0
                assert figures["reopen_rate"] is None and figures["sla"]["first_response"]["met_pct"] is None
    assert left_out > 300  # the shortcut was taken: periods late in the year leave most tickets out
    # the HTML report's weekly flow, in one pass, is figures' own week by week (a year of weeks; and as of mid-year)
    for as_of in (now, datetime.fromisoformat("2026-05-20T12:00:00+00:00")):
        weeks = kpi.calendar_periods("week", datetime.fromisoformat("2025-10-27T00:00:00+00:00"), now)
        parts = [kpi.Period(int(a.timestamp()), int(b.timestamp()), int(as_of.timestamp())) for _, a, b in weeks]
        for part, row in zip(parts, kpi.flow(everyone, parts), strict=True):
            found = kpi.figures(everyone, part, rules, calendar)
            assert row == {"created": found["created"], "resolved": found["resolved"],
                           "frt_median": found["first_response"]["median_business_minutes"],
                           "frt_median_calendar": found["first_response"]["median_calendar_minutes"]}, part  # fmt: skip


def test_a_cache_of_another_layout_is_started_again(tix: Cli, helpdesk: Path) -> None:
    tix.new()
    expected = json.loads(tix.ok("stats", "-f", "json").out)
    path = helpdesk / ".git" / "tix" / "stats.sqlite"
    path.unlink()
    db = sqlite3.connect(path)  # the layout tix wrote before `settled` (and rows no tix can read)
    db.executescript("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT); CREATE TABLE facts (ticket TEXT PRIMARY KEY, key TEXT, data TEXT);"
                     "INSERT INTO facts VALUES ('X', 'k', '{not json');")  # fmt: skip
    db.commit()
    db.close()
    assert json.loads(tix.ok("stats", "-f", "json").out) == expected


def test_a_ticket_closed_long_before_the_period_still_counts_where_it_has_events(tix: Cli, clock: Clock) -> None:
    tix.ok("config", "set", "sla.normal.resolution", "10d")
    due_later, replied_later = tix.new(), tix.new("Second", "-p", "urgent")  # Mon 23 Nov 09:00; urgent: 1h and 1d
    clock.set(datetime.fromisoformat("2026-11-23T09:30:00+01:00"))
    tix.ok("--as", "Bob <bob@example.com>", "reply", due_later, "-m", "Fixed.")
    tix.ok("reply", replied_later, "-m", "Fixed.")
    clock.set(datetime.fromisoformat("2026-11-23T10:00:00+01:00"))
    tix.ok("close", due_later)  # its resolution target falls due 10 business days on: Mon 7 Dec 09:00
    tix.ok("close", replied_later)
    clock.set(datetime.fromisoformat("2027-01-25T11:00:00+01:00"))  # two months on (beyond the report's 8 weeks of trend)
    tix.ok("reply", replied_later, "-m", "And one more thing.", "--status", "closed")  # after the closing, still closed
    clock.set(datetime.fromisoformat("2027-02-01T12:00:00+01:00"))
    later = ("--since", "2026-11-26", "--until", "2026-12-10")  # after the closings, the first replies, the urgent dues
    data = json.loads(tix.ok("stats", *later, "-f", "json").out)
    assert (data["created"], data["resolved"], data["backlog"]["open"]) == (0, 0, 0)
    assert data["sla"]["resolution"] == {"met": 1, "breached": 0, "pending": 0, "met_pct": 1.0}  # due_later, due 7 Dec
    assert data["sla"]["first_response"] == {"met": 0, "breached": 0, "pending": 0, "met_pct": None}  # due 24 Nov 09:00, 10:00
    tix.ok("report", "--html", "r.html", "--since", "2027-01-18", "--until", "2027-01-31")
    html = (tix.cwd / "r.html").read_text(encoding="utf-8")
    assert '<tr><td>anna@example.com</td><td class="n">0</td><td class="n">1</td>' in html  # the reply of 25 Jan, in the agents' load
