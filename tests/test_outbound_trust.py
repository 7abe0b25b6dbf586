"""mail.sendmail and smtp.url run a program or receive the password: a value pulled from the
team's repository is used only once this clone's user has approved it (issue 10 #3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli, git, smtp_controller


class Recorder:
    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.logins: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.original_content)
        return "250 OK"


@pytest.fixture
def servers():  # type: ignore[no-untyped-def]
    first, second = Recorder(), Recorder()
    with smtp_controller(first) as one, smtp_controller(second) as two:
        yield [(one, first), (two, second)]


def test_a_pulled_sendmail_or_smtp_url_is_not_used_until_approved(tix: Cli, helpdesk: Path, tmp_path: Path, servers, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (ours, our_mail), (theirs, their_mail) = servers
    monkeypatch.setenv("TIX_SMTP_PASSWORD", "s3cret")
    tix.ok("config", "set", "smtp.url", f"smtp://127.0.0.1:{ours.port}")  # the victim's own choice: approved
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(helpdesk), str(remote))
    git(helpdesk, "remote", "add", "origin", str(remote))
    git(helpdesk, "fetch", "-q", "origin")
    git(helpdesk, "branch", "-q", "--set-upstream-to=origin/main")
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(remote), str(other))
    pwned = tmp_path / "PWNED"
    tix.ok("config", "set", "mail.sendmail", f"sh -c 'touch {pwned}'", cwd=other)
    tix.ok("config", "set", "smtp.url", f"smtp://thief@127.0.0.1:{theirs.port}", cwd=other)
    git(other, "push", "-q", "origin", "main")

    git(helpdesk, "pull", "-q", "--no-rebase")
    ticket = tix.new()
    result = tix("reply", ticket, "-m", "Fixed.", "--send")
    assert result.code == 1
    assert "mail.sendmail=" in result.err and "smtp.url=" in result.err and "tix config approve" in result.err
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1
    assert not pwned.exists() and their_mail.messages == [] and our_mail.messages == []
    assert tix("send").code == 1 and not pwned.exists()

    # the user looks, decides, approves: now (and only now) the pulled values are used
    assert "approved mail.sendmail=" in tix.ok("config", "approve").out
    tix.ok("send")
    assert pwned.exists()


def test_an_approved_value_stays_approved_and_a_local_set_needs_no_approval(tix: Cli, servers) -> None:  # type: ignore[no-untyped-def]
    (ours, our_mail), _ = servers
    tix.ok("config", "set", "mail.from", "Pomoc <pomoc@firma.example>")
    tix.ok("config", "set", "smtp.url", f"smtp://127.0.0.1:{ours.port}")
    ticket = tix.new()
    tix.ok("reply", ticket, "-m", "One.", "--send")
    sent = json.loads(tix.ok("reply", ticket, "-m", "Two.", "--send", "-f", "json").out)  # the delivery inside the reply's JSON
    assert len(our_mail.messages) == 2
    assert sent["recorded"] is True and len(sent["delivery"]["sent"]) == 1 and sent["delivery"]["failed"] == {}
