"""tix remind and tix escalate, with an injected clock (TIX_NOW: a what-if, so runs that record say --record)."""

from __future__ import annotations

import email
import json
from datetime import datetime
from pathlib import Path

from conftest import Cli, Clock


def show(tix: Cli, ticket_id: str) -> dict:  # type: ignore[type-arg]
    return json.loads(tix.ok("show", ticket_id, "-f", "json").out)


def test_remind_warns_once_per_threshold_and_mails_the_owner(tix: Cli, helpdesk: Path, clock: Clock) -> None:
    tix.ok("config", "set", "team.bob.email", "bob@example.com")
    tix.ok("config", "set", "team.anna.email", "anna@example.com")
    tix.ok("config", "set", "mail.sendmail", "/bin/true")
    clock.set(datetime.fromisoformat("2026-11-23T10:00:00+01:00"))
    ticket_id = tix.new("Server down", "-p", "urgent", "--owner", "bob")  # first response due 11:00
    quiet = tix.new("Later", "-p", "low")
    clock.set(datetime.fromisoformat("2026-11-23T10:15:00+01:00"))
    lines = tix.ok("remind", "--record").lines
    assert lines == [f"{ticket_id}  first response due soon (due 2026-11-23 11:00)  → bob@example.com  Server down"]
    assert tix.ok("remind", "--record").out == ""  # once per threshold
    clock.set(datetime.fromisoformat("2026-11-23T11:05:00+01:00"))
    assert tix.ok("remind", "--record").lines[0].startswith(f"{ticket_id}  first response BREACHED (due 2026-11-23 11:00)  → bob@example.com")
    notices = sorted((helpdesk / "outbox" / "queue").glob("remind-*.eml"))
    assert [email.message_from_bytes(p.read_bytes())["To"] for p in notices] == ["bob@example.com", "bob@example.com"]
    assert email.message_from_bytes(notices[0].read_bytes())["Auto-Submitted"] == "auto-generated"
    assert show(tix, ticket_id)["fields"]["sla_reminders"] == ["first_response:breached", "first_response:near"]
    assert quiet not in tix.ok("remind", "--record").out


def test_escalate_by_hand_and_automatically(tix: Cli, helpdesk: Path, clock: Clock) -> None:
    tix.ok("config", "set", "team.tier2.email", "tier2@example.com")
    tix.ok("config", "set", "escalation.owner", "tier2")
    clock.set(datetime.fromisoformat("2026-11-23T10:00:00+01:00"))
    ticket_id = tix.new("Slow", "-p", "normal")
    result = tix.ok("escalate", ticket_id, "-m", "customer called twice")
    assert result.out == f"{ticket_id}: escalated: priority normal → high, owner (none) → tier2@example.com\n"
    shown = show(tix, ticket_id)
    assert shown["entries"][-1]["text"] == "Escalated (customer called twice): priority normal → high; owner (none) → tier2@example.com"
    assert shown["fields"]["first_response_due"] == "2026-11-23T17:00:00+01:00"  # high: end of day, recomputed
    log = json.loads(tix.ok("log", ticket_id, "-f", "json").out)
    assert log[0]["action"] == "escalate"
    tix.ok("config", "set", "escalation.auto", "true")
    other = tix.new("Another", "-p", "high")
    clock.set(datetime.fromisoformat("2026-11-23T17:30:00+01:00"))
    output = tix.ok("remind", "--no-mail", "--record").out
    assert f"{other}  escalated" in output
    assert show(tix, other)["priority"] == "urgent"
