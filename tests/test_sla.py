"""SLA clocks in business time, with an injected clock (TIX_NOW), never sleeping."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import Cli, Clock

from tix.domain.sla import Calendar, parse_target
from tix.errors import ConfigError
from tix.storage import ticketfile
from tix.storage.layout import ticket_relpath

WARSAW = ZoneInfo("Europe/Warsaw")
OFFICE = {n: [(time(9), time(17))] for n in range(5)}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=WARSAW)


def due(start: str, target: str, holidays: set[date] | None = None) -> str:
    calendar = Calendar(WARSAW, OFFICE, holidays or set())
    return calendar.due(at(start), parse_target(target, "test")).strftime("%a %Y-%m-%d %H:%M %z")


@pytest.mark.parametrize(
    ("start", "target", "expected"),
    [
        ("2026-11-23 10:00", "1h", "Mon 2026-11-23 11:00 +0100"),
        ("2026-11-23 16:30", "1h", "Tue 2026-11-24 09:30 +0100"),   # over the evening
        ("2026-11-23 07:00", "1h", "Mon 2026-11-23 10:00 +0100"),   # before opening
        ("2026-11-27 16:00", "2h", "Mon 2026-11-30 10:00 +0100"),   # over the weekend
        ("2026-11-28 12:00", "30m", "Mon 2026-11-30 09:30 +0100"),  # sent on a Saturday
        ("2026-11-23 10:00", "eod", "Mon 2026-11-23 17:00 +0100"),
        ("2026-11-23 18:00", "eod", "Tue 2026-11-24 17:00 +0100"),
        ("2026-11-27 10:00", "3d", "Wed 2026-12-02 10:00 +0100"),
        ("2026-11-23 10:00", "24h wall", "Tue 2026-11-24 10:00 +0100"),
        ("2026-11-23 17:00", "8h", "Tue 2026-11-24 17:00 +0100"),   # exactly at closing
    ],
)
def test_business_time(start: str, target: str, expected: str) -> None:
    assert due(start, target) == expected


def test_holidays_are_skipped() -> None:
    assert due("2026-12-23 16:00", "2h", {date(2026, 12, 24), date(2026, 12, 25)}) == "Mon 2026-12-28 10:00 +0100"


def test_daylight_saving_changes_neither_add_nor_lose_an_hour() -> None:
    # Europe/Warsaw springs forward on Sunday 2026-03-29 and falls back on Sunday 2026-10-25.
    assert due("2026-03-27 16:00", "2h", None) == "Mon 2026-03-30 10:00 +0200"
    assert due("2026-10-23 16:00", "2h", None) == "Mon 2026-10-26 10:00 +0100"
    assert due("2026-03-28 22:00", "24h wall", None) == "Sun 2026-03-29 23:00 +0200"  # 24 real hours


def test_open_time_between_two_moments() -> None:
    calendar = Calendar(WARSAW, OFFICE, set())
    assert calendar.open_between(at("2026-11-27 16:00"), at("2026-11-30 10:00")) == timedelta(hours=2)


def test_bad_targets_and_hours_are_refused_naming_the_key(tix: Cli) -> None:
    with pytest.raises(ConfigError):
        parse_target("soon", "sla.high.first_response")
    assert tix("config", "set", "sla.high.first_response", "soon").err == (
        "tix: error: sla.high.first_response: 'soon' is not a target like 30m, 1h, eod, 3d or '24h wall'\n")
    assert tix("config", "set", "hours.mon", "9-5").err == "tix: error: hours.mon: '9-5' is not HH:MM-HH:MM\n"
    assert tix("config", "set", "sla.critical.resolution", "1h").err == "tix: error: sla.critical: 'critical' is not in priorities.levels\n"


def fields(helpdesk: Path, ticket_id: str) -> dict:  # type: ignore[type-arg]
    ticket = ticketfile.loads((helpdesk / ticket_relpath(ticket_id)).read_text(encoding="utf-8"))
    return {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in ticket.extra.items()}


def test_due_times_live_in_the_ticket_and_follow_priority_pause_and_close(tix: Cli, helpdesk: Path, clock: Clock) -> None:
    clock.set(datetime.fromisoformat("2026-11-23T10:00:00+01:00"))  # Monday
    ticket_id = tix.new("Printer", "-p", "urgent")
    assert fields(helpdesk, ticket_id)["first_response_due"] == "2026-11-23T11:00:00+01:00"
    assert fields(helpdesk, ticket_id)["resolution_due"] == "2026-11-24T10:00:00+01:00"
    clock.advance(minutes=30)
    tix.ok("priority", ticket_id, "high")  # recomputed from creation: high = end of day / 3 days
    assert fields(helpdesk, ticket_id)["first_response_due"] == "2026-11-23T17:00:00+01:00"
    tix.ok("status", ticket_id, "pending")  # waiting for the customer: the clock stops at 10:30
    clock.set(datetime.fromisoformat("2026-11-24T09:30:00+01:00"))  # 7 open hours later
    tix.ok("status", ticket_id, "open")
    after = fields(helpdesk, ticket_id)
    assert after["sla_paused_minutes"] == 420 and "sla_paused_since" not in after
    assert after["first_response_due"] == "2026-11-24T16:00:00+01:00"
    tix.ok("close", ticket_id)
    assert fields(helpdesk, ticket_id)["resolved"] == "2026-11-24T09:30:00+01:00"
    tix.ok("reopen", ticket_id)
    assert "resolved" not in fields(helpdesk, ticket_id)


def test_list_breached_and_due_within(tix: Cli, helpdesk: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    clock.set(datetime.fromisoformat("2026-11-23T10:00:00+01:00"))
    urgent = tix.new("Urgent one", "-p", "urgent")     # first response due 11:00
    normal = tix.new("Normal one")                      # 24h wall: Tue 10:00
    answered = tix.new("Answered", "-p", "urgent")
    tix.ok("config", "set", "helpdesk.email", "support@example.com")
    tix.ok("config", "set", "mail.sendmail", "cat")    # a delivery that always works
    tix.ok("reply", answered, "-m", "On it.", "--send")  # first response delivered: resolution clock runs
    clock.set(datetime.fromisoformat("2026-11-23T12:00:00+01:00"))

    def ids(*args: str) -> list[str]:
        return sorted(row["id"] for row in json.loads(tix.ok("list", "-f", "json", *args).out))

    assert ids("--breached") == [urgent]
    assert ids("--due-within", "1d") == sorted([urgent, normal, answered])
    assert ids("--due-within", "1h") == [urgent]
    rows = {row["id"]: row for row in json.loads(tix.ok("list", "-f", "json").out)}
    assert (rows[urgent]["sla"], rows[urgent]["due"]) == ("breached", "2026-11-23T11:00:00+01:00")
    assert rows[answered]["due"] == "2026-11-24T10:00:00+01:00" and rows[answered]["sla"] == "ok"
    monkeypatch.setenv("TIX_NOW", "2026-11-24T09:00:00+01:00")  # a what-if question: tomorrow at nine
    assert ids("--due-within", "2h") == sorted([urgent, normal, answered])
    table = tix.ok("list", "--sort", "due").lines
    assert table[0].split()[4] == "DUE" and table[1].startswith(urgent)


def test_a_countrys_public_holidays_close_the_helpdesk(tix: Cli, helpdesk: Path, clock: Clock) -> None:
    tix.ok("config", "set", "clock.holidays_country", "PL")
    clock.set(datetime.fromisoformat("2026-11-10T16:30:00+01:00"))  # the day before Independence Day (11 Nov)
    ticket_id = tix.new("Before the holiday", "-p", "urgent")
    assert fields(helpdesk, ticket_id)["first_response_due"] == "2026-11-12T09:30:00+01:00"
    assert tix("config", "set", "clock.holidays_country", "XX").err.startswith("tix: error: clock.holidays_country: no public holidays known")


def test_sla_state_is_a_typed_view_of_the_front_matter() -> None:
    from types import SimpleNamespace

    from tix.domain.sla import SlaState

    ticket = SimpleNamespace(extra={"sla_paused_since": "2026-03-02T10:00:00+01:00", "undelivered": ["A", 3], "kept": 1})
    state = SlaState(ticket)
    assert state.paused_since == datetime.fromisoformat("2026-03-02T10:00:00+01:00")  # text from a hand edit reads as a time
    assert state.undelivered == ["A"] and state.paused_minutes == 0 and state.resolved is None
    state.paused_since = None
    state.paused_minutes += 30
    state.undelivered = []
    state.reminders = ["b", "a", "b"]
    assert ticket.extra == {"kept": 1, "sla_paused_minutes": 30, "sla_reminders": ["a", "b"]}
