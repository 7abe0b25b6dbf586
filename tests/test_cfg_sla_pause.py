"""A breach that happened stays a breach when the ticket goes on hold (issue 9 #5); `-n` takes no
negative count (issue 9 #24)."""

from __future__ import annotations

import json

from conftest import Cli, Clock


def sla_of(tix: Cli, *args: str) -> dict[str, str]:
    return {row["id"]: row["sla"] for row in json.loads(tix.ok("list", "-f", "json", *args).out)}


def test_a_paused_clock_that_had_breached_stays_breached(tix: Cli, clock: Clock) -> None:
    late = tix.new("Never answered", "--priority", "urgent")  # first response due 10:00
    clock.advance(hours=3)  # 12:00: breached
    early = tix.new("Answered in time", "--priority", "urgent")  # due 13:00
    assert sla_of(tix) == {late: "breached", early: "near"}
    tix.ok("status", late, "on-hold")
    clock.advance(minutes=30)
    tix.ok("status", early, "on-hold")  # paused before its target
    clock.advance(hours=3)  # 15:30: early's due has passed, but while paused
    assert sla_of(tix) == {late: "paused (breached)", early: "ok"}
    assert sla_of(tix, "--breached") == {late: "paused (breached)"}
    tix.ok("status", late, "open")  # the clock runs again: still breached
    assert sla_of(tix, "--breached") == {late: "breached"}


def test_list_limit_takes_no_negative_count(tix: Cli) -> None:
    for subject in ("one", "two", "three"):
        tix.new(subject)
    result = tix("list", "-n", "-1")
    assert result.code == 2 and "--limit: '-1' is not a whole number of at least 0" in result.err
    assert len(json.loads(tix.ok("list", "-n", "2", "-f", "json").out)) == 2
    assert json.loads(tix.ok("list", "-n", "0", "-f", "json").out) == []
