"""`tix reply --preview` shows the mail as the customer reads it; `--raw` the exact MIME message
(issue 18 #4). Neither records nor sends anything."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from conftest import Cli, git, make_eml


def polish_ticket(tix: Cli, tmp_path: Path) -> str:
    tix.ok("config", "set", "helpdesk.email", "pomoc@firma.example", "helpdesk.name", "Pomoc Firma")
    mail = tmp_path / "zofia.eml"
    mail.write_bytes(make_eml(subject="Drukarka się pali", sender="Zofia Wiśniewska <zofia@example.pl>",
                              body="Drukarka się pali, proszę o pomoc.", message_id="<first@example.pl>"))  # fmt: skip
    tix.ok("import", str(mail))
    return tix.ok("list", "-f", "json").out.split('"id": "')[1][:8]


def test_preview_shows_decoded_headers_and_the_text(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    ticket_id = polish_ticket(tix, tmp_path)
    instance = tix.ok("config", "get", "helpdesk.instance").out.strip()
    head = git(helpdesk, "rev-parse", "HEAD")
    result = tix.ok("reply", ticket_id, "-m", "Zażółć gęślą jaźń — jaki model?", "--preview")
    header, _, body = result.out.partition("\n\n")
    assert header.splitlines() == [
        "From: Pomoc Firma <pomoc@firma.example>",
        "To: Zofia Wiśniewska <zofia@example.pl>",
        f"Subject: Re: Drukarka się pali [{instance}#{ticket_id}]",
    ]
    assert "Zażółć gęślą jaźń — jaki model?" in body
    assert "=?utf-8?" not in result.out and "Content-Transfer-Encoding" not in result.out and "MIME-Version" not in result.out
    assert git(helpdesk, "rev-parse", "HEAD") == head and git(helpdesk, "status", "--porcelain") == ""
    assert not list(helpdesk.glob("outbox/**/*.eml"))


def test_raw_shows_the_exact_mime_message_and_implies_preview(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    ticket_id = polish_ticket(tix, tmp_path)
    head = git(helpdesk, "rev-parse", "HEAD")
    for argv in (["--preview", "--raw"], ["--raw"]):
        raw = tix.ok("reply", ticket_id, "-m", "Zażółć", *argv).out
        assert "MIME-Version: 1.0" in raw and "=?utf-8?" in raw and "In-Reply-To: <first@example.pl>" in raw
        message = email.message_from_bytes(raw.encode("utf-8"), policy=email.policy.default)
        assert str(message["To"]) == "Zofia Wiśniewska <zofia@example.pl>"
        assert "Zażółć" in message.get_content()  # type: ignore[attr-defined]
    assert git(helpdesk, "rev-parse", "HEAD") == head  # --raw alone changed nothing either


def test_preview_makes_customer_text_safe_for_the_terminal(tix: Cli, tmp_path: Path) -> None:
    tix.ok("config", "set", "helpdesk.email", "pomoc@firma.example")
    ticket_id = tix.ok("new", "Printer \x1b]52;c;ZXZpbA==\x07 on fire", "--from", "Jan <jan@example.pl>").out.strip()
    out = tix.ok("reply", ticket_id, "-m", "Hello \x1b[2J there", "--preview").out
    assert "\x1b" not in out and "\x07" not in out
    assert "^[" in out
