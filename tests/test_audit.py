"""`tix log`: the audit trail derived from git history, including plain-git hand edits."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Cli, Clock, git

from tix.storage.layout import ticket_relpath


def test_log_of_a_ticket_lists_each_change_with_author_time_and_values(tix: Cli, helpdesk: Path, clock: Clock) -> None:
    ticket_id = tix.new()
    clock.advance(minutes=10)
    tix.ok("--as", "Bob <bob@example.com>", "assign", ticket_id, "bob@example.com")
    clock.advance(minutes=10)
    tix.ok("status", ticket_id, "open")
    tix.ok("note", ticket_id, "checked the logs")
    events = json.loads(tix.ok("log", ticket_id, "--format", "json").out)
    assert [e["action"] for e in events] == ["note", "status", "assign", "create"]
    assert events[1]["changes"] == [{"field": "status", "old": "new", "new": "open"}]
    assert events[1]["time"] == "2026-11-23T09:20:00+01:00"
    assert events[2]["author"] == {"name": "Bob", "email": "bob@example.com"}
    assert events[2]["changes"] == [{"field": "owner", "old": None, "new": "bob@example.com"}]
    assert events[0]["entries_added"][0]["kind"] == "note"
    assert events[3]["ticket"] == ticket_id and events[3]["changes"] == []
    assert set(events[0]) == {"commit", "time", "author", "ticket", "action", "changes", "entries_added",
                              "entries_removed", "entries_edited", "problem"}
    text = tix.ok("log", ticket_id).out.splitlines()
    assert text[0].startswith("2026-11-23 09:20  Anna Nowak <anna@example.com>  note")
    assert "    status: new → open" in text
    assert "    owner: (none) → bob@example.com" in text


def test_hand_edit_committed_with_plain_git_shows_up_as_field_changes(tix: Cli, helpdesk: Path) -> None:
    ticket_id = tix.new()
    path = helpdesk / ticket_relpath(ticket_id)
    text = path.read_text(encoding="utf-8")
    text = text.replace("priority: normal", "priority: low").replace("category: null", "category: billing")
    text = text.replace("message_ids: []", "message_ids: []\norder_number: PL-77")
    path.write_text(text, encoding="utf-8")
    git(helpdesk, "commit", "-qam", "fix by hand", "--author", "Zofia <zofia@example.com>")
    event = json.loads(tix.ok("log", ticket_id, "-f", "json").out)[0]
    assert event["action"] == "commit"
    assert event["author"]["email"] == "zofia@example.com"
    assert event["changes"] == [
        {"field": "priority", "old": "normal", "new": "low"},
        {"field": "category", "old": None, "new": "billing"},
        {"field": "order_number", "old": None, "new": "PL-77"},
    ]


def test_log_without_id_shows_recent_activity_across_the_helpdesk(tix: Cli, helpdesk: Path) -> None:
    first = tix.new("First")
    second = tix.new("Second")
    tix.ok("close", first)
    events = json.loads(tix.ok("log", "-f", "json").out)
    assert [(e["ticket"], e["action"]) for e in events] == [(first, "close"), (second, "create"), (first, "create")]
    assert len(json.loads(tix.ok("log", "-n", "2", "-f", "json").out)) == 2
    assert f"{first}  close" in tix.ok("log").out


def test_log_survives_a_broken_revision(tix: Cli, helpdesk: Path) -> None:
    ticket_id = tix.new()
    path = helpdesk / ticket_relpath(ticket_id)
    path.write_text("garbage\n", encoding="utf-8")
    git(helpdesk, "commit", "-qam", "oops")
    event = json.loads(tix.ok("log", ticket_id, "-f", "json").out)[0]
    assert event["problem"].startswith("cannot compare: ")
    assert "no YAML front-matter" in event["problem"]
