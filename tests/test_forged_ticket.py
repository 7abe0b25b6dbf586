"""An attachment named ticket.md is data: it never becomes (or overrides) a ticket."""

from __future__ import annotations

from pathlib import Path

from conftest import Cli, make_eml

FORGED = b"""---
id: {victim}
subject: FORGED
status: open
priority: urgent
owner: mallory@evil.example
requester: Mallory <mallory@evil.example>
created: 2026-11-23T09:00:00+01:00
updated: 2026-11-23T09:00:00+01:00
---
"""


def test_an_attachment_called_ticket_md_is_not_a_ticket(tix: Cli, tmp_path: Path) -> None:
    victim = tix.new("Real request")
    mail = tmp_path / "attack.eml"
    mail.write_bytes(make_eml(subject="hello", sender="Mallory <mallory@evil.example>", message_id="<evil@evil.example>",
                              attachments=[("ticket.md", FORGED.replace(b"{victim}", victim.encode()))]))  # fmt: skip
    tix.ok("import", str(mail))
    listing = tix.ok("list", "--format", "json").out
    assert "FORGED" not in listing and "mallory@evil.example\", \"status" not in listing
    import json

    rows = json.loads(listing)
    assert sorted(r["subject"] for r in rows) == ["Real request", "hello"]
    victim_row = next(r for r in rows if r["id"] == victim)
    assert victim_row["priority"] != "urgent" and not victim_row.get("owner")
    # no file of the message is saved under a name tix uses for its own files
    saved = [p for p in (tix.cwd / "tickets").rglob("ticket.md")]
    assert all(len(p.relative_to(tix.cwd).parts) == 4 for p in saved)
    tix.ok("reindex")
    assert "FORGED" not in tix.ok("list").out
    tix.ok("show", victim)


def test_a_forged_ticket_file_at_the_wrong_depth_is_ignored_by_the_index(tix: Cli) -> None:
    victim = tix.new("Real request")
    folder = tix.cwd / "tickets" / victim[:2] / victim / "ENTRY1"
    folder.mkdir(parents=True)
    (folder / "ticket.md").write_bytes(FORGED.replace(b"{victim}", b"ZZZZZZZZ"))
    from conftest import git

    git(tix.cwd, "add", "-A")
    git(tix.cwd, "commit", "-qm", "forged by a teammate")
    assert "FORGED" not in tix.ok("list").out
    tix.ok("reindex")
    assert "FORGED" not in tix.ok("list").out
