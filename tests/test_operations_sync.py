"""Merge, link and split made in one clone while a teammate works in another: after `tix sync`
both clones agree, with no conflict (issue 18 #5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Clock
from test_sync import Team


@pytest.fixture
def team(tmp_path: Path, clock: Clock) -> Team:
    """A bare remote and clones (tests/test_sync.py's Team)."""
    return Team(tmp_path)


def details(team: Team, name: str, ticket_id: str) -> dict:
    return json.loads(team.ok(name, "show", ticket_id, "-f", "json"))


def test_a_merge_survives_a_sync_with_a_teammate_who_worked_on_both_tickets(team: Team, clock: Clock) -> None:
    team.first("alice")
    a = team.ok("alice", "new", "Printer on fire", "--from", "jan@example.pl", "-b", "It smokes.").strip()
    b = team.ok("alice", "new", "Printer again", "--from", "jan@example.pl", "-b", "Still smoking.").strip()
    team.ok("alice", "sync")
    team.clone("bob")
    clock.advance(minutes=1)
    team.ok("alice", "merge", a, b)
    team.ok("alice", "sync")
    clock.advance(minutes=1)
    team.ok("bob", "note", a, "bob's note on A")
    team.ok("bob", "note", b, "bob's late note on B")  # bob has not seen the merge yet
    team.ok("bob", "tag", b, "+printer")
    team.converge()
    for name in ("alice", "bob"):
        target, stub = details(team, name, a), details(team, name, b)
        assert stub["merged_into"] == a and stub["status"] == "closed" and "duplicate" in stub["tags"]
        assert "Still smoking." in [e["text"] for e in target["entries"]]
        assert "bob's note on A" in [e["text"] for e in target["entries"]]
        assert {"kind": "duplicates", "ticket": b} in target["links"]
    assert "bob's late note on B" in [e["text"] for e in details(team, "bob", b)["entries"]]
    # what reached B from a clone that had not seen the merge is moved by merging again
    assert "1 entry moved" in team.ok("bob", "merge", a, b)
    team.converge()
    for name in ("alice", "bob"):
        assert "bob's late note on B" in [e["text"] for e in details(team, name, a)["entries"]]
        assert "bob's late note on B" not in [e["text"] for e in details(team, name, b)["entries"]]


def test_links_made_at_once_in_two_clones_are_both_kept(team: Team, clock: Clock) -> None:
    team.first("alice")
    a, c, d = (team.ok("alice", "new", subject, "--from", "jan@example.pl").strip() for subject in ("A", "C", "D"))
    team.ok("alice", "sync")
    team.clone("bob")
    clock.advance(minutes=1)
    team.ok("alice", "link", a, c)
    team.ok("alice", "sync")
    team.ok("bob", "link", a, d, "--kind", "parent")
    team.converge()
    for name in ("alice", "bob"):
        assert details(team, name, a)["links"] == [{"kind": "related", "ticket": c}, {"kind": "children", "ticket": d}]
        assert details(team, name, d)["links"] == [{"kind": "parent", "ticket": a}]
    clock.advance(minutes=1)
    team.ok("alice", "unlink", a, c)
    team.converge()
    assert details(team, "bob", a)["links"] == [{"kind": "children", "ticket": d}]
    assert "related" not in (team.clones["bob"] / "tickets").joinpath(a[:2], a, "ticket.md").read_text(encoding="utf-8")


def test_a_split_survives_a_sync_with_a_teammate_who_noted_the_ticket(team: Team, clock: Clock) -> None:
    team.first("alice")
    a = team.ok("alice", "new", "Printer on fire", "--from", "jan@example.pl", "-b", "It smokes.").strip()
    clock.advance(minutes=1)
    team.ok("alice", "note", a, "Also: the customer's invoice is wrong.")
    team.ok("alice", "sync")
    team.clone("bob")
    entry = details(team, "alice", a)["entries"][-1]["id"]
    clock.advance(minutes=1)
    new = team.ok("alice", "split", a, entry).split(":")[0]
    team.ok("alice", "sync")
    team.ok("bob", "note", a, "bob was here")
    team.converge()
    for name in ("alice", "bob"):
        old, split = details(team, name, a), details(team, name, new)
        assert entry in [e["id"] for e in split["entries"]] and entry not in [e["id"] for e in old["entries"]]
        assert "bob was here" in [e["text"] for e in old["entries"]]
        assert {"kind": "related", "ticket": new} in old["links"]


def test_the_merge_driver_merges_links_as_sets_and_keeps_merged_into() -> None:
    from datetime import datetime

    from tix.domain.model import Person, Ticket
    from tix.storage import ticketfile
    from tix.storage.mergedriver import merge_texts

    def ticket(**extra: object) -> str:
        moment = datetime.fromisoformat("2026-11-23T09:00:00+01:00")
        return ticketfile.dumps(Ticket("4KX2QF7A", "Hi", Person("", "jan@example.pl"), "open", "normal", moment, moment,
                                       extra=dict(extra)))  # fmt: skip

    base = ticket(related=["CCCCCCCC"])
    ours = ticket(related=["CCCCCCCC", "DDDDDDDD"], merged_into="EEEEEEEE", duplicate_of=["EEEEEEEE"])
    theirs = ticket(related=["CCCCCCCC", "FFFFFFFF"], children=["GGGGGGGG"])
    merged = ticketfile.loads(merge_texts(base, ours, theirs))
    assert merged.extra["related"] == ["CCCCCCCC", "DDDDDDDD", "FFFFFFFF"]
    assert merged.extra["merged_into"] == "EEEEEEEE" and merged.extra["duplicate_of"] == ["EEEEEEEE"]
    assert merged.extra["children"] == ["GGGGGGGG"]
    unlinked = ticketfile.loads(merge_texts(base, ticket(), ticket(related=["CCCCCCCC"], parent=["HHHHHHHH"])))
    assert "related" not in unlinked.extra and unlinked.extra["parent"] == ["HHHHHHHH"]
