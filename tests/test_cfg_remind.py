"""Only a real `tix remind` consumes reminders (issue 9 #6): --dry-run and what-if runs with TIX_NOW
record nothing, --no-mail keeps them, unowned tickets go to the queue owner, then the escalation
owner, else are reported and kept."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from conftest import Cli, Clock, git


def setup(tix: Cli, clock: Clock) -> str:
    tix.ok("config", "set", "team.bob.email", "bob@example.com")
    tix.ok("config", "set", "mail.sendmail", "/bin/true")
    clock.set(datetime.fromisoformat("2026-11-23T10:00:00+01:00"))
    ticket_id = tix.new("Server down", "-p", "urgent", "--owner", "bob")  # first response due 11:00
    clock.set(datetime.fromisoformat("2026-11-23T11:05:00+01:00"))
    return ticket_id


def state(helpdesk: Path) -> tuple[str, list[Path]]:
    return git(helpdesk, "rev-parse", "HEAD"), sorted((helpdesk / "outbox").rglob("*"))


def test_dry_run_shows_what_would_be_sent_and_records_nothing(tix: Cli, helpdesk: Path, clock: Clock) -> None:
    ticket_id = setup(tix, clock)
    tix.ok("config", "set", "escalation.auto", "true")
    before = state(helpdesk)
    result = tix.ok("remind", "--dry-run", "--record")
    assert result.lines == [f"{ticket_id}  first response BREACHED (due 2026-11-23 11:00)  → bob@example.com  Server down",
                            f"{ticket_id}  would be escalated"]
    assert result.err == "tix: dry run: nothing recorded or sent\n"
    assert state(helpdesk) == before and git(helpdesk, "status", "--porcelain") == ""
    assert tix.ok("remind", "--record").lines[1] == f"{ticket_id}  escalated"  # the real run still does it all


def test_a_what_if_with_tix_now_records_nothing(tix: Cli, helpdesk: Path, clock: Clock) -> None:
    ticket_id = setup(tix, clock)
    before = state(helpdesk)
    result = tix.ok("remind")  # TIX_NOW is set: a what-if
    assert result.lines[0].startswith(f"{ticket_id}  first response BREACHED")
    assert result.err == "tix: what-if with TIX_NOW (--record to record): nothing recorded or sent\n"
    assert state(helpdesk) == before
    assert json.loads(tix.ok("remind", "-f", "json").out)["recorded"] is False
    assert tix.ok("remind", "--record").lines[0].startswith(f"{ticket_id}  first response BREACHED")
    assert len(list((helpdesk / "outbox" / "queue").glob("remind-*.eml"))) == 1


def test_no_mail_does_not_consume_the_reminders(tix: Cli, helpdesk: Path, clock: Clock) -> None:
    ticket_id = setup(tix, clock)
    before = state(helpdesk)
    assert tix.ok("remind", "--no-mail", "--record").lines[0].startswith(f"{ticket_id}  first response BREACHED")
    assert state(helpdesk) == before
    tix.ok("remind", "--record")
    assert [p.name for p in (helpdesk / "outbox" / "queue").glob("remind-*.eml")] == [f"remind-{ticket_id}-first_response-breached.eml"]


def test_unowned_tickets_go_to_the_queue_owner_then_the_escalation_owner_else_are_kept(tix: Cli, helpdesk: Path, clock: Clock) -> None:
    tix.ok("config", "set", "team.bob.email", "bob@example.com")
    tix.ok("config", "set", "team.tier2.email", "tier2@example.com")
    tix.ok("config", "set", "queues.sales.owner", "bob")
    clock.set(datetime.fromisoformat("2026-11-23T10:00:00+01:00"))
    in_queue = tix.new("Queue", "-p", "urgent", "--queue", "sales")
    nowhere = tix.new("Nowhere", "-p", "urgent")
    clock.set(datetime.fromisoformat("2026-11-23T11:05:00+01:00"))
    lines = tix.ok("remind", "--record").lines
    assert f"{in_queue}  first response BREACHED (due 2026-11-23 11:00)  → bob@example.com  Queue" in lines
    assert f"{nowhere}  first response BREACHED (due 2026-11-23 11:00)  → nobody (no owner, queue owner or escalation owner; kept)  Nowhere" in lines
    assert [line.split()[0] for line in tix.ok("remind", "--record").lines] == [nowhere]  # reported again, not consumed
    tix.ok("config", "set", "escalation.owner", "tier2")
    assert tix.ok("remind", "--record").lines == [f"{nowhere}  first response BREACHED (due 2026-11-23 11:00)  → tier2@example.com  Nowhere"]
    assert tix("remind", "--record").err == "nothing due\n"
