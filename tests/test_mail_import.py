"""`tix import` through the real CLI: sources, threading, exactly-once, robots, quarantine, crashes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import Cli, Clock, git, make_eml, make_maildir, run_console_script, tix_command

from tix.domain import identities as msgid
from tix.storage import ticketfile
from tix.storage.layout import ticket_relpath
from tix.storage.secret import load_secret


def tickets(root: Path) -> dict[str, ticketfile.Ticket]:
    found = {}
    for path in sorted((root / "tickets").glob("*/*/ticket.md")):
        ticket = ticketfile.loads(path.read_text(encoding="utf-8"))
        found[ticket.id] = ticket
    return found


def all_message_ids(root: Path) -> list[str]:
    return [mid for ticket in tickets(root).values() for mid in ticket.message_ids]


def instance(tix: Cli) -> str:
    return tix.ok("config", "get", "helpdesk.instance").out.strip()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_new_message_becomes_a_ticket_with_its_raw_bytes_and_attachments(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    raw = make_eml(subject="Re: Drukarka się pali", body="Dzień dobry,\nproszę o pomoc.",
                   attachments=[("faktura.pdf", b"%PDF-1.4 fake"), ("../../.git/hooks/post-commit", b"#!/bin/sh\necho owned\n")])
    result = tix.ok("import", str(write(tmp_path, "one.eml", raw)))
    assert result.out == "imported 1 message: 1 new ticket, 0 follow-ups, 0 duplicates skipped, 0 from robots, 0 our own, 0 quarantined\n"
    [ticket] = tickets(helpdesk).values()
    assert (ticket.subject, str(ticket.requester), ticket.channel, ticket.status) == (
        "Drukarka się pali", "Jan Kowalski <jan@example.pl>", "email", "new")
    assert ticket.message_ids == ["<m1@example.pl>"]
    [entry] = ticket.entries
    assert (entry.kind, entry.text, entry.message_id) == ("inbound", "Dzień dobry,\nproszę o pomoc.", "<m1@example.pl>")
    # a loose .eml says nothing of its arrival but its Date: — the time is ours (now), the Date: is kept
    assert entry.time.isoformat() == "2026-11-23T09:00:00+01:00"
    assert entry.extra["date"] == "2026-11-23T08:30:00+01:00"
    folder = helpdesk / "tickets" / ticket.id[:2] / ticket.id / entry.id
    assert (folder / "message.eml").read_bytes() == raw
    assert (folder / "faktura.pdf").read_bytes() == b"%PDF-1.4 fake"
    assert (folder / "post-commit").read_bytes().startswith(b"#!/bin/sh")
    assert entry.extra["files"] == ["message.eml", "faktura.pdf", "post-commit"]
    assert not (helpdesk / ".git" / "hooks" / "post-commit").exists()
    assert git(helpdesk, "status", "--porcelain") == ""
    assert git(helpdesk, "log", "-1", "--format=%s").strip() == "tix: import 1 message into 1 ticket (1 new)"


def test_replies_thread_by_in_reply_to_and_references_and_customers_reopen(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    tix.ok("import", str(write(tmp_path, "a.eml", make_eml(message_id="<a@example.pl>"))))
    [ticket_id] = tickets(helpdesk)
    tix.ok("status", ticket_id, "pending")
    reply = make_eml(subject="Re: Printer on fire", body="Still burning.", message_id="<b@example.pl>",
                     in_reply_to="<a@example.pl>", references="<a@example.pl>")
    tix.ok("import", str(write(tmp_path, "b.eml", reply)))
    ticket = tickets(helpdesk)[ticket_id]
    assert ticket.status == "open"  # a customer's follow-up reopens a waiting ticket
    assert [e.text for e in ticket.entries] == ["Hello, my printer is on fire.", "Still burning."]
    assert ticket.entries[1].extra["threading"] == "refers to <a@example.pl>"
    assert ticket.entries[1].extra["reopened"] is True
    deep = make_eml(message_id="<c@example.pl>", references="<unknown@x> <a@example.pl> <b@example.pl>")
    tix.ok("import", str(write(tmp_path, "c.eml", deep)))
    assert tickets(helpdesk)[ticket_id].entries[2].extra["threading"] == "refers to <b@example.pl>"  # newest first
    log = json.loads(tix.ok("log", ticket_id, "-f", "json").out)
    assert {"field": "status", "old": "pending", "new": "open"} in log[1]["changes"]
    assert log[1]["action"] == "import"


def test_reopen_can_be_switched_off(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    tix.ok("config", "set", "mail.reopen", "false")
    tix.ok("import", str(write(tmp_path, "a.eml", make_eml(message_id="<a@example.pl>"))))
    [ticket_id] = tickets(helpdesk)
    tix.ok("close", ticket_id)
    tix.ok("import", str(write(tmp_path, "b.eml", make_eml(message_id="<b@example.pl>", in_reply_to="<a@example.pl>"))))
    assert tickets(helpdesk)[ticket_id].status == "closed"


def test_subject_tag_threads_for_known_people_and_opens_a_linked_ticket_for_strangers(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    tix.ok("import", str(write(tmp_path, "a.eml", make_eml(message_id="<a@example.pl>"))))
    [ticket_id] = tickets(helpdesk)
    tag = f"[{instance(tix)}#{ticket_id}]"
    mine = make_eml(subject=f"Re: {tag} more details", message_id="<b@example.pl>")
    stranger = make_eml(subject=f"{tag} I want in", sender="Eve <eve@evil.example>", message_id="<e@evil.example>")
    other_desk = make_eml(subject=f"[OTHER#{ticket_id}] hi", message_id="<o@example.pl>")
    for name, raw in (("b.eml", mine), ("e.eml", stranger), ("o.eml", other_desk)):
        tix.ok("import", str(write(tmp_path, name, raw)))
    found = tickets(helpdesk)
    assert len(found[ticket_id].entries) == 2
    assert found[ticket_id].entries[1].extra["threading"] == f"subject tag {tag} from jan@example.pl"
    [eve] = [t for t in found.values() if t.requester.email == "eve@evil.example"]
    assert eve.id != ticket_id and eve.extra["related"] == [ticket_id]
    assert eve.subject == "I want in"
    assert len(found) == 3  # another helpdesk's tag never threads here


def our_message_id(root: Path, ticket_id: str, entry_id: str, instance: str, domain: str) -> str:
    """A Message-ID as tix signs it for its own mail."""
    return msgid.make(load_secret(root)[0], ticket_id, entry_id, instance, domain)


def test_our_own_message_ids_thread_and_our_own_mail_never_makes_a_ticket(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    tix.ok("import", str(write(tmp_path, "a.eml", make_eml(message_id="<a@example.pl>"))))
    [ticket_id] = tickets(helpdesk)
    ours = our_message_id(helpdesk, ticket_id, "R2D2R2D2", instance(tix), "example.com")
    answer = make_eml(message_id="<x@example.pl>", in_reply_to=ours, subject="Thanks")
    tix.ok("import", str(write(tmp_path, "x.eml", answer)))
    assert tickets(helpdesk)[ticket_id].entries[1].extra["threading"] == f"refers to our message {ours}"
    echo_id = our_message_id(helpdesk, ticket_id, "C3PXC3PX", instance(tix), "example.com")
    echo = make_eml(sender="Support <support@example.com>", message_id=echo_id, subject="Re: Printer on fire")
    before = tickets(helpdesk)[ticket_id]
    result = tix.ok("import", str(write(tmp_path, "echo.eml", echo)))
    assert "1 our own" in result.out
    assert len(tickets(helpdesk)) == 1
    # kept on its ticket (issue 9 #15: never silently dropped), changing nothing else there
    after = tickets(helpdesk)[ticket_id]
    came_back = after.entries[-1]
    assert came_back.message_id == echo_id and came_back.extra["own"] is True
    assert came_back.extra["threading"] == "our own outgoing mail came back (entry C3PXC3PX)"
    assert (after.status, after.participants) == (before.status, before.participants)
    assert "[our own mail, come back]" in tix.ok("show", ticket_id).out
    assert "1 duplicate skipped" in tix.ok("import", str(tmp_path / "echo.eml")).out  # once
    reply = tix.ok("reply", ticket_id, "-m", "Hello", "--raw").out
    assert "In-Reply-To: <x@example.pl>" in reply  # answers the customer, not our own copy


def test_our_own_mail_for_a_ticket_this_clone_lacks_waits_in_quarantine(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    echo = make_eml(sender="Support <support@example.com>", message_id=our_message_id(helpdesk, "ZZZZZZZZ", "C3PXC3PX", instance(tix), "example.com"))
    result = tix("import", str(write(tmp_path, "echo.eml", echo)))
    assert result.code == 3 and "1 quarantined" in result.out
    [reason] = (helpdesk / "quarantine").glob("*.txt")
    assert "our own mail for ticket ZZZZZZZZ" in reason.read_text(encoding="utf-8")
    assert tickets(helpdesk) == {}


def test_mail_that_only_claims_to_be_ours_is_filed_as_customer_mail(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    """A loop header or a Message-ID shaped like ours is a claim anyone can make (issue 9 #15):
    such mail is filed, never dropped as our own, and a forged ID threads nowhere."""
    tix.ok("import", str(write(tmp_path, "a.eml", make_eml(message_id="<a@example.pl>"))))
    [ticket_id] = tickets(helpdesk)
    looped = make_eml(message_id="<loop@example.com>", sender="Ola <ola@example.pl>", subject="Help",
                      headers={"X-Tix-Loop": instance(tix)})  # fmt: skip
    unsigned = f"<tix.{ticket_id}.R2D2R2D2.{instance(tix)}@example.com>"
    forged_sig = f"<tix.{ticket_id}.R2D2R2D2.{instance(tix)}.0123456789abcdef@example.com>"
    shaped = make_eml(message_id=unsigned, sender="Eve <eve@example.net>", subject="Hi")
    forged_reply = make_eml(message_id="<eve2@example.net>", sender="Eve <eve@example.net>", subject="Also", in_reply_to=forged_sig)
    result = tix.ok("import", *(str(write(tmp_path, f"{n}.eml", m)) for n, m in
                                (("loop", looped), ("shaped", shaped), ("forged", forged_reply))))  # fmt: skip
    assert "0 our own" in result.out and "3 new tickets" in result.out
    assert len(tickets(helpdesk)) == 4
    assert len(tickets(helpdesk)[ticket_id].entries) == 1  # the forged reference joined nothing


def test_robots_are_flagged_never_reopen_and_a_bounce_lands_on_our_reply(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    tix.ok("import", str(write(tmp_path, "a.eml", make_eml(message_id="<a@example.pl>"))))
    [ticket_id] = tickets(helpdesk)
    tix.ok("close", ticket_id)
    auto = make_eml(subject="Automatic reply: Printer", message_id="<ooo@example.pl>", in_reply_to="<a@example.pl>",
                    headers={"Auto-Submitted": "auto-replied"})
    tix.ok("import", str(write(tmp_path, "ooo.eml", auto)))
    ticket = tickets(helpdesk)[ticket_id]
    assert ticket.status == "closed" and ticket.entries[-1].extra["robot"] == "auto-reply"
    ours = our_message_id(helpdesk, ticket_id, "R2D2R2D2", instance(tix), "example.com")
    bounce = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.pl>\r\nTo: support@example.com\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce1@mx.example.pl>\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nMailbox full.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.pl\r\n\r\n"
        "Final-Recipient: rfc822; jan@example.pl\r\nAction: failed\r\nStatus: 5.2.2\r\n\r\n"
        f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {ours}\r\nSubject: Re: Printer\r\n\r\n--B--\r\n"
    ).encode()
    tix.ok("import", str(write(tmp_path, "bounce.eml", bounce)))
    ticket = tickets(helpdesk)[ticket_id]
    assert ticket.status == "closed"
    assert ticket.entries[-1].extra["robot"] == "bounce"
    assert ticket.entries[-1].extra["threading"] == f"refers to our message {ours}"
    newsletter = make_eml(message_id="<news@shop.example>", headers={"List-Id": "<news.shop.example>", "Precedence": "bulk"})
    tix.ok("import", str(write(tmp_path, "news.eml", newsletter)))
    [news] = [t for t in tickets(helpdesk).values() if t.id != ticket_id]
    assert (news.status, news.tags) == ("closed", ["list"])  # kept and searchable, not on the board


def test_the_same_message_is_imported_once_across_reruns_aliases_and_folders(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    raw = make_eml(message_id="<same@example.pl>")
    to_alias = raw.replace(b"To: Support <support@example.com>", b"To: Sales <sales@example.com>")
    maildir = make_maildir(tmp_path / "Maildir", {"1.host": raw, "2.host": to_alias})
    first = tix.ok("import", str(maildir))
    assert "1 new ticket" in first.out and "1 duplicate skipped" in first.out
    again = tix.ok("import", str(maildir), str(write(tmp_path, "copy.eml", raw)))
    assert "0 new tickets" in again.out and "3 duplicates skipped" in again.out
    assert all_message_ids(helpdesk) == ["<same@example.pl>"]


def test_two_clones_importing_the_same_mail_write_the_same_ticket(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tix.cli.main import main

    raw = make_eml(message_id="<shared@example.pl>")
    source = write(tmp_path, "m.eml", raw)
    desks = []
    for name in ("alice", "bob"):
        root = tmp_path / name
        assert main(["init", str(root), "--timezone", "Europe/Warsaw"]) == 0
        monkeypatch.chdir(root)
        assert main(["import", str(source)]) == 0
        desks.append(root)
    [(id_a, ticket_a)] = tickets(desks[0]).items()
    [(id_b, ticket_b)] = tickets(desks[1]).items()
    assert id_a == id_b
    assert [e.id for e in ticket_a.entries] == [e.id for e in ticket_b.entries]
    folder = f"tickets/{id_a[:2]}/{id_a}/{ticket_a.entries[0].id}"
    assert (desks[0] / folder / "message.eml").read_bytes() == (desks[1] / folder / "message.eml").read_bytes()


def test_maildir_is_left_alone_by_default_and_marked_seen_when_asked(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    maildir = make_maildir(tmp_path / "Maildir", {"1.host": make_eml(message_id="<1@x>")})
    make_maildir(maildir, {"2.host:2,F": make_eml(message_id="<2@x>"), "3.host:2,S": make_eml(message_id="<3@x>")}, sub="cur")
    (maildir / "tmp" / "4.host").write_bytes(make_eml(message_id="<4@x>"))  # still being delivered
    (maildir / "new" / ".hidden").write_bytes(make_eml(message_id="<5@x>"))
    before = sorted(p.name for p in maildir.rglob("*") if p.is_file())
    tix.ok("import", str(maildir))
    assert sorted(p.name for p in maildir.rglob("*") if p.is_file()) == before
    assert sorted(all_message_ids(helpdesk)) == ["<1@x>", "<2@x>", "<3@x>"]
    (maildir / "new" / "6.host").write_bytes(make_eml(message_id="<6@x>"))
    tix.ok("import", "--mark-seen", str(maildir))
    assert sorted(p.name for p in (maildir / "new").iterdir()) == [".hidden"]
    assert sorted(p.name for p in (maildir / "cur").iterdir()) == [
        "1.host:2,S", "2.host:2,FS", "3.host:2,S", "6.host:2,S"]


def test_mbox_and_stdin(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    mbox = tmp_path / "inbox.mbox"
    mbox.write_bytes(b"From jan@example.pl Mon Nov 23 08:30:00 2026\n" + make_eml(message_id="<mb1@x>").replace(b"\r\n", b"\n")
                     + b"\nFrom ola@example.pl Mon Nov 23 08:31:00 2026\n" + make_eml(message_id="<mb2@x>").replace(b"\r\n", b"\n"))
    tix.ok("import", str(mbox))
    tix.ok("import", "-", stdin=make_eml(message_id="<stdin@x>").decode())
    assert sorted(all_message_ids(helpdesk)) == ["<mb1@x>", "<mb2@x>", "<stdin@x>"]


def test_quarantine_keeps_the_bytes_and_the_reason_and_retry_imports_them(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    tix.ok("config", "set", "mail.max_message_mb", "0.001")
    big = make_eml(message_id="<big@x>", body="x" * 5000)
    small = make_eml(message_id="<small@x>", body="short")
    result = tix("import", str(write(tmp_path, "big.eml", big)), str(write(tmp_path, "small.eml", small)))
    assert result.code == 3
    assert "1 new ticket" in result.out and "1 quarantined" in result.out
    assert "tix: warning: 1 message could not be read; kept in quarantine/" in result.err
    [stored] = (helpdesk / "quarantine").glob("*.eml")
    assert stored.read_bytes() == big
    assert "is over mail.max_message_mb" in stored.with_suffix(".txt").read_text(encoding="utf-8")
    assert git(helpdesk, "status", "--porcelain") == ""
    assert tix("import", str(tmp_path / "big.eml")).out.count("1 duplicate skipped") == 1  # not quarantined twice
    tix.ok("config", "set", "mail.max_message_mb", "50")
    retried = tix.ok("import", "--retry-quarantine")
    assert "1 new ticket" in retried.out
    assert sorted(all_message_ids(helpdesk)) == ["<big@x>", "<small@x>"]
    assert list((helpdesk / "quarantine").glob("*")) == []
    assert git(helpdesk, "status", "--porcelain") == ""


def test_a_slow_message_is_quarantined_by_the_time_limit(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    tix.ok("config", "set", "mail.timeout", "0.000001")
    result = tix("import", str(write(tmp_path, "a.eml", make_eml())))
    assert result.code == 3 and "1 quarantined" in result.out
    assert "parsing took longer than" in next((helpdesk / "quarantine").glob("*.txt")).read_text(encoding="utf-8")


def test_stdin_quarantine_exits_0_so_the_mta_neither_bounces_nor_retries(tix: Cli, helpdesk: Path) -> None:
    tix.ok("config", "set", "mail.max_message_mb", "0.001")
    result = tix("import", "-", stdin=make_eml(body="y" * 5000).decode())
    assert result.code == 0 and "1 quarantined" in result.out


def test_dry_run_explains_and_changes_nothing(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    tix.ok("import", str(write(tmp_path, "a.eml", make_eml(message_id="<a@x>"))))
    head = git(helpdesk, "rev-parse", "HEAD")
    reply = write(tmp_path, "b.eml", make_eml(message_id="<b@x>", in_reply_to="<a@x>"))
    fresh = write(tmp_path, "c.eml", make_eml(message_id="<c@x>", subject="Another thing"))
    lines = tix.ok("import", "--dry-run", str(reply), str(fresh)).lines
    [ticket_id] = tickets(helpdesk)
    assert lines[0] == f"{reply}: updated {ticket_id} — refers to <a@x>"
    assert lines[1].startswith(f"{fresh}: created ") and lines[1].endswith("— no reference to a known ticket")
    assert lines[2].startswith("would import 2 messages: 1 new ticket, 1 follow-up")
    assert git(helpdesk, "rev-parse", "HEAD") == head and git(helpdesk, "status", "--porcelain") == ""


def test_json_output_and_quiet(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "a.eml", make_eml(message_id="<a@x>"))
    data = json.loads(tix.ok("import", "--format", "json", str(path)).out)
    assert data["counts"]["created"] == 1 and len(data["commits"]) == 1
    assert data["messages"][0]["action"] == "created" and data["messages"][0]["message_id"] == "<a@x>"
    assert tix.ok("import", "--quiet", str(path)).out == ""


def test_importing_nothing_is_a_clear_error(tix: Cli, tmp_path: Path) -> None:
    assert tix("import").err == "tix: error: nothing to import: give .eml files, folders, Maildirs, mbox files or '-'\n"
    assert tix("import", str(tmp_path / "nope")).err == f"tix: error: {tmp_path / 'nope'}: no such file or folder\n"


def test_the_whole_corpus_imports(tix: Cli, helpdesk: Path, corpus_dir: Path) -> None:
    tix.ok("config", "set", "mail.fallback_charsets", "windows-1250, iso-8859-2, windows-1251, koi8-r")
    result = tix("import", str(corpus_dir))
    assert result.code == 0, result.err
    assert "115 messages" in result.out and "0 quarantined" in result.out
    assert git(helpdesk, "status", "--porcelain") == ""
    listed = json.loads(tix.ok("list", "--all", "-f", "json").out)
    subjects = {row["subject"] for row in listed}
    assert {"тест тест", "Die Hasen und die Frösche", "Алфавит", "養樂多線上訂購"} <= subjects
    assert tix("list", "--all").err == ""  # every ticket file parses back


def big_maildir(root: Path, count: int) -> Path:
    return make_maildir(root, {f"{n:05d}.host": make_eml(message_id=f"<bulk{n}@example.pl>", subject=f"Question {n}",
                                                           body="Hello\n" * 20) for n in range(count)})


@pytest.mark.slow
def test_kill_9_during_an_import_loses_and_doubles_nothing(helpdesk: Path, tmp_path: Path) -> None:
    # 3,000 messages: at today's ~700 msg/s an import of 1,500 could end before a loaded machine ran the kill
    maildir = big_maildir(tmp_path / "Maildir", 3000)
    git(helpdesk, "config", "user.name", "Cron")
    subprocess.run(["git", "-C", str(helpdesk), "commit", "--allow-empty", "-qm", "mark"], check=True)
    run_console_script("config", "set", "mail.batch", "100", cwd=helpdesk)
    env = dict(os.environ)
    env.pop("TIX_NOW", None)
    command = tix_command()
    process = subprocess.Popen([*command, "import", str(maildir)], cwd=helpdesk, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and int(git(helpdesk, "rev-list", "--count", "HEAD")) < 5:
        time.sleep(0.01)  # wait for the first import commit to exist, then kill mid-run
    time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    before_rerun = len(all_message_ids(helpdesk))
    assert 0 < before_rerun < 3000, git(helpdesk, "log", "--format=%s")  # it really died mid-run
    rerun = run_console_script("import", str(maildir), cwd=helpdesk, env={"TIX_NOW": ""})
    assert rerun.returncode == 0, (rerun.stdout, rerun.stderr)
    message_ids = all_message_ids(helpdesk)
    assert (len(message_ids), len(set(message_ids))) == (3000, 3000), (before_rerun, rerun.stdout, rerun.stderr)
    assert git(helpdesk, "status", "--porcelain") == "", rerun.stdout
    assert not (helpdesk / ".git" / "tix" / "import-journal").exists()


def test_two_concurrent_imports_never_double_a_message(helpdesk: Path, tmp_path: Path) -> None:
    maildir = big_maildir(tmp_path / "Maildir", 300)
    env = dict(os.environ, TIX_LOCK_WAIT="60")
    env.pop("TIX_NOW", None)
    command = tix_command()
    runs = [subprocess.Popen([*command, "import", str(maildir)], cwd=helpdesk, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], results
    message_ids = all_message_ids(helpdesk)
    assert len(message_ids) == 300 and len(set(message_ids)) == 300
    outputs = sorted(out for out, _ in results)
    assert "300 new tickets" in outputs[0] + outputs[1] and "300 duplicates skipped" in outputs[0] + outputs[1]


def test_a_second_import_gives_up_with_75_when_the_lock_stays_held(tix: Cli, helpdesk: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import fcntl

    monkeypatch.setattr("tix.storage.layout.LOCK_WAIT_SECONDS", 0.2)
    with open(helpdesk / ".git" / "tix" / "lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        result = tix("import", str(write(tmp_path, "a.eml", make_eml())))
    assert result.code == 75
    assert tickets(helpdesk) == {}


def test_an_interrupted_batch_is_committed_by_the_next_run(tix: Cli, helpdesk: Path, tmp_path: Path, clock: Clock) -> None:
    from tix.services.desk import Desk
    from tix.services.intake import Importer
    from tix.storage.layout import Helpdesk

    importer = Importer(Desk(Helpdesk(helpdesk)))
    def die(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # as if killed after writing the batch's files, before its commit

    importer.hd.git.commit_files = die  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        importer.run([str(write(tmp_path, "a.eml", make_eml(message_id="<a@x>")))])
    assert (helpdesk / ".git" / "tix" / "import-journal").exists()
    assert git(helpdesk, "status", "--porcelain") != ""
    result = tix.ok("import", str(tmp_path / "a.eml"))
    assert "1 duplicate skipped" in result.out
    assert git(helpdesk, "status", "--porcelain") == ""
    assert git(helpdesk, "log", "-2", "--format=%s").splitlines()[0] == "tix: complete an interrupted import"
    assert all_message_ids(helpdesk) == ["<a@x>"]
    assert ticket_relpath(next(iter(tickets(helpdesk)))) in git(helpdesk, "ls-files")


def fail_filing(monkeypatch: pytest.MonkeyPatch, message_id: str) -> None:
    """Make the importer fail in the middle of filing one message, as an unforeseen bug would."""
    from tix.services.intake import Importer

    original = Importer._entry

    def explode(self, entry_id, mail, *args):  # type: ignore[no-untyped-def]
        if mail.message_id == message_id:
            raise RuntimeError("an unforeseen case")
        return original(self, entry_id, mail, *args)

    monkeypatch.setattr(Importer, "_entry", explode)


def test_a_message_tix_cannot_file_is_quarantined_and_the_rest_goes_on(tix: Cli, helpdesk: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fail_filing(monkeypatch, "<bad@x>")
    bad, good = tmp_path / "bad.eml", tmp_path / "good.eml"
    bad.write_bytes(make_eml(message_id="<bad@x>", attachments=[("a.bin", b"x")]))
    good.write_bytes(make_eml(message_id="<good@x>"))
    result = tix("import", str(bad), str(good))
    assert result.code == 3 and "1 new ticket" in result.out and "1 quarantined" in result.out
    reason = next((helpdesk / "quarantine").glob("*.txt")).read_text(encoding="utf-8")
    assert "tix could not file it: RuntimeError: an unforeseen case" in reason
    assert all_message_ids(helpdesk) == ["<good@x>"]
    assert not list((helpdesk / "tickets").rglob("a.bin"))  # nothing of the bad one half-kept
    assert git(helpdesk, "status", "--porcelain") == ""


def test_an_unreadable_file_is_reported_and_left_for_the_next_run(tix: Cli, helpdesk: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import os

    locked = tmp_path / "locked.eml"
    locked.write_bytes(make_eml(message_id="<locked@x>"))
    if os.geteuid() != 0:
        locked.chmod(0)
    else:  # root reads every file: make this one fail the way a permission error does
        real_read = Path.read_bytes

        def read_bytes(self: Path) -> bytes:
            if self == locked:
                raise PermissionError(13, "Permission denied")
            return real_read(self)

        monkeypatch.setattr(Path, "read_bytes", read_bytes)
    good = tmp_path / "good.eml"
    good.write_bytes(make_eml(message_id="<good@x>"))
    result = tix("import", str(locked), str(good))
    assert result.code == 3
    assert result.err.startswith(f"tix: warning: cannot read {locked}: Permission denied; it stays where it is")
    assert "1 new ticket" in result.out and all_message_ids(helpdesk) == ["<good@x>"]


def test_the_arrival_time_is_ours_not_the_senders(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    """A Date: a day ahead no longer starts the clock then: the topmost Received: header (our
    server's), else the Maildir delivery time, else now; never later than now."""
    received = "by mx.example.com with ESMTP id 42; Mon, 23 Nov 2026 07:15:00 +0000"
    future = make_eml(message_id="<f@example.pl>", date="Tue, 24 Nov 2026 08:00:00 +0100", headers={"Received": received})
    later = make_eml(message_id="<g@example.pl>", sender="Ola <ola@example.pl>", subject="Other", date="Tue, 24 Nov 2026 08:00:00 +0100")
    maildir = make_maildir(tmp_path / "Maildir", {"1795417200.M1P1.host": later})  # delivered 2026-11-23 07:00 UTC
    tix.ok("import", str(write(tmp_path, "f.eml", future)), str(maildir))
    times = {t.message_ids[0]: t.entries[0] for t in tickets(helpdesk).values()}
    assert times["<f@example.pl>"].time.isoformat() == "2026-11-23T08:15:00+01:00"
    assert times["<f@example.pl>"].extra["date"] == "2026-11-24T08:00:00+01:00"
    assert times["<g@example.pl>"].time.isoformat() == "2026-11-23T08:00:00+01:00"
    created = {t.message_ids[0]: t.created.isoformat() for t in tickets(helpdesk).values()}
    assert created["<f@example.pl>"] == "2026-11-23T08:15:00+01:00"
