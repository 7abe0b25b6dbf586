"""Hostile content pushed by a teammate never makes tix write outside the helpdesk (issue 10 #1, #2)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import Clock, git, make_eml, make_maildir
from test_sync import Team

from tix.domain import ids
from tix.storage.layout import ticket_relpath


@pytest.fixture
def team(tmp_path: Path, clock: Clock) -> Team:
    return Team(tmp_path)


def _files_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_committed_symlinks_and_forged_ids_never_lead_writes_outside(team: Team, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    mallory = team.first("mallory")
    first = make_maildir(tmp_path / "in1", {"1": make_eml(message_id="<m1@example.pl>")})
    team.ok("mallory", "import", str(first))
    [ticket_id] = [p.name for p in (mallory / "tickets").glob("*/*")]
    team.ok("mallory", "sync")
    victim = team.clone("victim")
    # mallory commits a symlink where the victim's next follow-up will be filed, a ticket whose
    # id points outside, and one that claims to be the victim's ticket
    entry = ids.derived_id("entry:<m2@example.pl>")
    folder = mallory / ticket_relpath(ticket_id).rsplit("/", 1)[0]
    os.symlink(outside, folder / entry)
    os.symlink(outside, folder / ids.derived_id("entry:m2@example.pl"))
    text = (folder / "ticket.md").read_text(encoding="utf-8")
    forged = mallory / "tickets" / "ZZ" / "ZZZZZZZZ"
    forged.mkdir(parents=True)
    (forged / "ticket.md").write_text(text.replace(f"id: {ticket_id}", "id: ../../../../outside/x", 1), encoding="utf-8")
    os.symlink(outside, mallory / "tickets" / "ZY")
    git(mallory, "add", "-A")
    git(mallory, "commit", "-qm", "hostile")
    git(mallory, "push", "-q", "origin", "HEAD")

    results = {}
    results["sync"] = team.run("victim", "sync")
    results["list"] = team.run("victim", "list")
    results["show"] = team.run("victim", "show", ticket_id)
    results["show forged"] = team.run("victim", "show", "ZZZZZZZZ")
    results["note"] = team.run("victim", "note", ticket_id, "Called back.")
    results["note forged"] = team.run("victim", "note", "ZZZZZZZZ", "Overwrite?")
    reply = make_eml(message_id="<m2@example.pl>", in_reply_to="<m1@example.pl>", subject="Re: Printer on fire",
                     attachments=[("authorized_keys", b"ssh-ed25519 AAAA mallory")])  # fmt: skip
    results["import"] = team.run("victim", "import", str(make_maildir(tmp_path / "in2", {"2": reply})))
    results["sync after"] = team.run("victim", "sync")
    for name, (_code, _out, err) in results.items():
        assert "Traceback" not in err and len(err.splitlines()) <= 2, (name, err)
    assert _files_in(outside) == []
    assert results["note"][0] == 0
    assert results["show forged"][0] == 1 and "does not match its folder" in results["show forged"][2]
    assert results["note forged"][0] == 1
    code, out, err = results["import"]
    # the mail is not lost and does not block intake: it waits in quarantine with the reason
    assert code == 3 and "1 quarantined" in out
    [reason] = (victim / "quarantine").glob("*.txt")
    assert "symlink" in reason.read_text(encoding="utf-8") and entry in reason.read_text(encoding="utf-8")
    assert git(victim, "status", "--porcelain", "--", "tickets") == ""
