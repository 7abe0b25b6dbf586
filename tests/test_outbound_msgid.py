"""Our Message-IDs carry a signature only this helpdesk can make (issue 9 #15)."""

from __future__ import annotations

import email
from pathlib import Path

from conftest import Cli, git, make_eml

from tix.domain import identities as msgid
from tix.storage import ticketfile
from tix.storage.layout import Helpdesk
from tix.storage.secret import SECRET_PATH, load_secret, ours


def test_reply_ids_are_signed_and_verify_and_forgeries_do_not(tix: Cli, helpdesk: Path) -> None:
    tix.ok("config", "set", "mail.from", "Pomoc <pomoc@firma.example>")
    ticket = tix.new()
    tix.ok("reply", ticket, "-m", "Hello.")
    [eml] = (helpdesk / "outbox" / "queue").glob("*.eml")
    mid = email.message_from_bytes(eml.read_bytes())["Message-ID"]
    assert msgid.SIGNED.match(mid) and mid.startswith(f"<tix.{ticket}.")
    assert git(helpdesk, "ls-files", SECRET_PATH).strip() == SECRET_PATH  # tracked, committed with the reply
    assert git(helpdesk, "status", "--porcelain") == ""
    secret = (helpdesk / SECRET_PATH).read_bytes().strip()
    instance = tix.ok("config", "get", "helpdesk.instance").out.strip()
    entry = mid.split(".")[2]
    assert msgid.verify(mid, secret) == (ticket, entry)
    assert msgid.verify(mid, secret, instance) == (ticket, entry)
    assert msgid.verify(mid, secret, "OTHER") is None
    assert msgid.verify(mid, b"another helpdesk's secret") is None
    forged = mid.replace(ticket, "22222222")  # a customer pointing our ID at another ticket
    assert msgid.verify(forged, secret) is None
    hd = Helpdesk(helpdesk)
    assert ours(hd, mid) == (ticket, entry) and ours(hd, forged) is None


def test_an_old_unsigned_id_counts_only_when_recorded_on_the_ticket_as_ours(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.eml"
    source.write_bytes(make_eml(message_id="<first@example.pl>"))
    tix.ok("import", str(source))
    path = next((helpdesk / "tickets").rglob("ticket.md"))
    ticket = ticketfile.loads(path.read_text(encoding="utf-8"))
    tix.ok("reply", ticket.id, "-m", "Hello.")
    ticket = ticketfile.loads(path.read_text(encoding="utf-8"))
    reply = next(e for e in ticket.entries if e.kind == "reply")
    instance = tix.ok("config", "get", "helpdesk.instance").out.strip()
    old = f"<tix.{ticket.id}.{reply.id}.{instance}@example.com>"
    text = path.read_text(encoding="utf-8").replace(reply.message_id or "", old)  # as an older tix wrote it
    path.write_text(text, encoding="utf-8")
    hd = Helpdesk(helpdesk)
    assert ours(hd, old) == (ticket.id, reply.id)
    assert ours(hd, f"<tix.{ticket.id}.{reply.id}.{instance}@evil.example>") is None  # not the recorded one
    assert ours(hd, f"<tix.{ticket.id}.22222222.{instance}@example.com>") is None
    assert ours(hd, "<first@example.pl>") is None  # the customer's own message is not ours


def test_two_clones_make_the_same_secret(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(helpdesk), str(other))
    assert load_secret(helpdesk) == load_secret(other)
