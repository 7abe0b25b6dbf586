"""tix's own merge attributes win over committed ones; duplicate keys are refused (issue 10 #7)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Clock, git
from test_sync import Team

from tix.storage.layout import ticket_relpath


@pytest.fixture
def team(tmp_path: Path, clock: Clock) -> Team:
    return Team(tmp_path)


def test_a_pushed_merge_union_attribute_does_not_bypass_the_tix_merge(team: Team, clock: Clock) -> None:
    alice = team.first("alice")
    ticket_id = team.ok("alice", "new", "Printer on fire", "--from", "jan@example.pl").strip()
    with (alice / ".gitattributes").open("a", encoding="utf-8") as handle:
        handle.write("tickets/**/ticket.md merge=union\n")
    git(alice, "commit", "-qam", "merge tickets as a union")
    team.ok("alice", "sync")
    bob = team.clone("bob")
    team.ok("bob", "list")
    assert "tickets/**/ticket.md merge=tix" in (bob / ".git" / "info" / "attributes").read_text(encoding="utf-8")
    team.ok("alice", "status", ticket_id, "pending")
    team.ok("alice", "sync")
    clock.advance(minutes=5)
    team.ok("bob", "status", ticket_id, "on-hold")
    team.ok("bob", "sync")
    team.converge()
    text = (bob / ticket_relpath(ticket_id)).read_text(encoding="utf-8")
    assert text.count("\nstatus:") == 1 and text.count("\nupdated:") == 1
    assert team.ticket("alice", ticket_id).status == "on-hold"


def test_a_ticket_file_with_duplicate_keys_is_refused_naming_the_file(team: Team) -> None:
    alice = team.first("alice")
    ticket_id = team.ok("alice", "new", "Printer on fire", "--from", "jan@example.pl").strip()
    path = alice / ticket_relpath(ticket_id)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\nstatus: new\n", "\nstatus: new\nstatus: closed\n", 1), encoding="utf-8")
    git(alice, "commit", "-qam", "a union merge")
    code, out, err = team.run("alice", "show", ticket_id)
    assert code == 1
    assert err.startswith(f"tix: error: {ticket_relpath(ticket_id)}: broken front-matter: the field 'status' appears twice (line ")
    assert len(err.splitlines()) == 1
