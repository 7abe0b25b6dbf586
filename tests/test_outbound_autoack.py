"""Automatic mail goes to the requester only, never to Cc'd participants (issue 9 #22)."""

from __future__ import annotations

import email
from pathlib import Path

from conftest import Cli, make_eml

from tix.storage import ticketfile


def test_the_autoack_never_copies_participants_but_a_human_reply_does(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    tix.ok("config", "set", "autoack.enabled", "true")
    tix.ok("config", "set", "mail.cc_participants", "true")
    source = tmp_path / "in.eml"
    source.write_bytes(make_eml(message_id="<h1@x>", headers={"Cc": "Boss <boss@example.pl>, list@lists.example"}))
    tix.ok("import", str(source))
    ticket = ticketfile.loads(next((helpdesk / "tickets").rglob("ticket.md")).read_text(encoding="utf-8"))
    assert ticket.participants  # the Cc'd addresses were kept on the ticket
    [ack] = [email.message_from_bytes(p.read_bytes()) for p in (helpdesk / "outbox" / "queue").glob("*.eml")]
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["To"] == "Jan Kowalski <jan@example.pl>" and ack["Cc"] is None

    tix.ok("reply", ticket.id, "-m", "We are on it.")
    human = [m for m in (email.message_from_bytes(p.read_bytes()) for p in (helpdesk / "outbox" / "queue").glob("*.eml"))
             if m["Auto-Submitted"] is None]  # fmt: skip
    assert "boss@example.pl" in str(human[0]["Cc"])
