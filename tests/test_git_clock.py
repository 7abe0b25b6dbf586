"""A clone whose clock runs ahead does not win every conflict (issue 9 #18)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from conftest import START, Clock
from test_sync import Team


@pytest.fixture
def team(tmp_path: Path, clock: Clock) -> Team:
    return Team(tmp_path)


def test_a_clock_a_year_fast_does_not_win_conflicting_status_changes(team: Team, clock: Clock) -> None:
    team.first("alice")
    tickets = [team.ok("alice", "new", f"Ticket {n}", "--from", "jan@example.pl").strip() for n in range(4)]
    team.ok("alice", "sync")
    team.clone("bob")
    clock.set(START + timedelta(days=365, minutes=1))  # bob's clock is a year fast
    for ticket in tickets:
        team.ok("bob", "status", ticket, "on-hold")
    team.ok("bob", "sync")
    clock.set(START + timedelta(minutes=5))  # alice changes them later, by the real time
    for ticket in tickets:
        team.ok("alice", "status", ticket, "pending")
    team.ok("alice", "sync")
    team.converge()
    for ticket in tickets:
        merged = team.ticket("alice", ticket)
        assert merged.status == "pending"
        assert merged.updated <= clock.now + timedelta(minutes=5)  # not left a year ahead
        [note] = [e for e in merged.entries if e.extra.get("merge")]
        assert 'status: kept "pending", the other side had set "on-hold"' in note.text


def test_a_normal_later_change_still_wins(team: Team, clock: Clock) -> None:
    ticket = team.shared_ticket()
    team.ok("alice", "status", ticket, "pending")
    clock.advance(minutes=3)
    team.ok("bob", "status", ticket, "on-hold")  # later, within the clock horizon
    team.ok("bob", "sync")
    team.ok("alice", "sync")
    team.converge()
    assert team.ticket("alice", ticket).status == "on-hold"
