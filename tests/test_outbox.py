"""The first response is the delivered reply; `tix outbox` lists, retries and cancels what waits (issue 9 #4)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from conftest import Cli, Clock, git, make_eml
from test_replies import smtp_server  # noqa: F401  (a fixture: a real aiosmtpd on 127.0.0.1)
from test_sync import Team

from tix.storage import ticketfile
from tix.storage.layout import ticket_relpath
from tix.storage.mergedriver import merge_texts

MONDAY_10 = datetime.fromisoformat("2026-11-23T10:00:00+01:00")


def fields(tix: Cli, ticket_id: str) -> dict:  # type: ignore[type-arg]
    return json.loads(tix.ok("show", ticket_id, "-f", "json").out)["fields"]


def row(tix: Cli, ticket_id: str) -> dict:  # type: ignore[type-arg]
    [found] = [r for r in json.loads(tix.ok("list", "-f", "json").out) if r["id"] == ticket_id]
    return found


def test_a_queued_reply_does_not_stop_the_clock_its_delivery_does(tix: Cli, clock: Clock, smtp_server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    controller, recorder = smtp_server
    clock.set(MONDAY_10)
    ticket_id = tix.new("Server down", "-p", "urgent")  # first response due 11:00
    clock.set(datetime.fromisoformat("2026-11-23T10:10:00+01:00"))
    assert "first response once delivered" in tix.ok("reply", ticket_id, "-m", "On it.").out
    assert "first_response" not in fields(tix, ticket_id) and fields(tix, ticket_id)["undelivered"]
    assert "queued 2026-11-23 10:10, not delivered yet" in tix.ok("show", ticket_id).out
    clock.set(datetime.fromisoformat("2026-11-23T11:30:00+01:00"))
    # the customer has heard nothing: the target is breached although a reply waits in the outbox
    assert row(tix, ticket_id)["sla"] == "breached"
    assert [r["id"] for r in json.loads(tix.ok("list", "--breached", "-f", "json").out)] == [ticket_id]

    tix.ok("config", "set", "smtp.url", f"smtp://127.0.0.1:{controller.port}")
    assert tix.ok("send").out.strip() == "sent 1 message"
    assert len(recorder.messages) == 1
    assert fields(tix, ticket_id)["first_response"] == "2026-11-23T11:30:00+01:00"  # when it was delivered
    assert row(tix, ticket_id)["sla"] != "breached"  # the resolution target runs now
    shown = tix.ok("show", ticket_id)
    assert "delivered 2026-11-23 11:30" in shown.out
    assert json.loads(tix.ok("show", ticket_id, "-f", "json").out)["entries"][-1]["delivery"]["state"] == "sent"
    # the reply set the status to pending: the wait for the customer counts from the delivery
    assert fields(tix, ticket_id)["sla_paused_since"] == "2026-11-23T11:30:00+01:00"
    assert "undelivered" not in fields(tix, ticket_id)
    assert git(tix.cwd, "status", "--porcelain") == ""  # the ticket changed in the commit that moved the mail
    # a later reply, delivered later, does not move the first response
    clock.advance(hours=1)
    tix.ok("reply", ticket_id, "-m", "Fixed.", "--send")
    assert fields(tix, ticket_id)["first_response"] == "2026-11-23T11:30:00+01:00"


def test_a_delivered_acknowledgement_is_not_a_first_response(tix: Cli, helpdesk: Path, tmp_path: Path, smtp_server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    controller, recorder = smtp_server
    tix.ok("config", "set", "autoack.enabled", "true")
    tix.ok("config", "set", "smtp.url", f"smtp://127.0.0.1:{controller.port}")
    source = tmp_path / "in.eml"
    source.write_bytes(make_eml(message_id="<ack-me@example.pl>"))
    tix.ok("import", str(source))
    assert tix.ok("send").out.strip() == "sent 1 message" and len(recorder.messages) == 1
    ticket = ticketfile.loads(next((helpdesk / "tickets").rglob("ticket.md")).read_text(encoding="utf-8"))
    assert "first_response" not in ticket.extra


def test_the_outbox_shows_every_clones_mail_and_retry_delivers_it_once(tmp_path: Path, clock: Clock, smtp_server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    controller, recorder = smtp_server
    team = Team(tmp_path)
    anna = team.first("anna")
    team.ok("anna", "config", "set", "helpdesk.email", "support@example.com")
    ticket_id = team.ok("anna", "new", "Printer on fire", "--from", "jan@example.pl").strip()
    team.ok("anna", "reply", ticket_id, "-m", "We are looking at it.")
    team.ok("anna", "sync")
    team.clone("bob")
    team.ok("bob", "sync")
    anna_clone = (anna / ".git" / "tix" / "clone-id").read_text(encoding="utf-8").strip()

    listed = team.ok("bob", "outbox").splitlines()
    assert len(listed) == 1
    name = listed[0].split()[0]
    assert name.startswith(ticket_id + "-") and " queued " in listed[0] and f"by clone {anna_clone}" in listed[0]
    assert "to jan@example.pl" in listed[0] and "Printer on fire" in listed[0]
    [as_json] = json.loads(team.ok("bob", "outbox", "-f", "json"))
    assert (as_json["name"], as_json["state"], as_json["ticket"], as_json["queued_by"]) == (name, "queued", ticket_id, anna_clone)

    team.ok("bob", "config", "set", "smtp.url", f"smtp://127.0.0.1:{controller.port}")
    assert team.ok("bob", "send").strip() == "sent 0 messages"  # bob's own send leaves anna's mail alone
    recorder.refuse = "550 5.1.1 no such user"
    code, out, err = team.run("bob", "outbox", "retry", ticket_id)
    assert code == 1 and "550" in err and "stays queued" in err and "Traceback" not in err
    failed = team.ok("bob", "outbox").splitlines()
    assert " failed " in failed[0] and ", 1 try " in failed[0] and "last error:" in failed[1] and "550" in failed[1]
    recorder.refuse = None
    code, out, err = team.run("bob", "outbox", "retry", name)
    assert (code, out.strip()) == (0, "sent 1 message")
    assert err.strip() == (f"tix: warning: {name} was queued by clone {anna_clone}: run tix sync here and there "
                           "before that clone's next tix send, or it sends the mail again")  # fmt: skip
    assert len(recorder.messages) == 1
    team.ok("bob", "sync")
    team.ok("anna", "sync")
    assert team.ok("anna", "send").strip() == "sent 0 messages"  # delivered elsewhere, not again
    assert len(recorder.messages) == 1
    assert team.run("anna", "outbox")[2].strip() == "the outbox is empty: everything queued was delivered"
    shown = json.loads(team.ok("anna", "show", ticket_id, "-f", "json"))
    assert shown["fields"]["first_response"] == clock.now.isoformat()
    assert shown["entries"][-1]["delivery"]["state"] == "sent"


def test_cancel_withdraws_the_mail_keeps_it_and_notes_why(tix: Cli, helpdesk: Path) -> None:
    ticket_id = tix.new()
    tix.ok("reply", ticket_id, "-m", "Wrong answer, wrong customer.")
    [queued] = (helpdesk / "outbox" / "queue").glob("*.eml")
    name = queued.stem
    assert tix("outbox", "cancel", name).code == 2  # no reason given: typer names the missing -m
    result = tix.ok("outbox", "cancel", name, "-m", "Sent to the wrong customer")
    assert result.out.strip() == f"{name}: cancelled (queued), noted on {ticket_id}"
    assert list((helpdesk / "outbox" / "queue").iterdir()) == []
    assert sorted(p.name for p in (helpdesk / "outbox" / "cancelled").iterdir()) == [f"{name}.eml", f"{name}.json"]
    state = json.loads((helpdesk / "outbox" / "cancelled" / f"{name}.json").read_text(encoding="utf-8"))
    assert (state["state"], state["was"], state["reason"]) == ("cancelled", "queued", "Sent to the wrong customer")
    shown = json.loads(tix.ok("show", ticket_id, "-f", "json").out)
    note = shown["entries"][-1]
    assert note["kind"] == "note" and note["text"] == f"Mail {name} to Jan Kowalski <jan@example.pl> cancelled before delivery: Sent to the wrong customer"
    assert shown["entries"][-2]["delivery"]["state"] == "cancelled"
    assert "first_response" not in shown["fields"]
    assert "cancelled 2026-11-23 09:00, never delivered" in tix.ok("show", ticket_id).out
    assert git(helpdesk, "status", "--porcelain") == ""
    assert git(helpdesk, "log", "-1", "--format=%(trailers:key=Tix-Action,valueonly)").strip() == "cancel-mail"
    assert tix.ok("send").out.strip() == "sent 0 messages"
    again = tix("outbox", "cancel", ticket_id, "-m", "again")
    assert again.code == 1 and again.err.strip() == f"tix: error: no mail waiting for {ticket_id} in outbox/queue/ (tix outbox lists what waits)"


def test_two_clones_that_delivered_keep_the_earlier_first_response(tix: Cli, helpdesk: Path) -> None:
    ticket_id = tix.new()
    base = (helpdesk / ticket_relpath(ticket_id)).read_text(encoding="utf-8")
    ticket = ticketfile.loads(base)

    def delivered(at: str) -> str:
        ticket.extra["first_response"] = datetime.fromisoformat(at)
        return ticketfile.dumps(ticket)

    early, late = delivered("2026-11-23T10:00:00+01:00"), delivered("2026-11-23T12:00:00+01:00")
    for ours, theirs in ((early, late), (late, early)):
        merged = ticketfile.loads(merge_texts(base, ours, theirs))
        assert merged.extra["first_response"] == datetime.fromisoformat("2026-11-23T10:00:00+01:00")


@pytest.mark.parametrize("ref", ["NOSUCHNAME-XYZ"])
def test_retry_of_unknown_mail_is_one_line(tix: Cli, ref: str) -> None:
    result = tix("outbox", "retry", ref)
    assert result.code == 1 and len(result.err.splitlines()) == 1 and "Traceback" not in result.err


def test_a_delivery_killed_before_its_commit_still_records_the_first_response(tix: Cli, helpdesk: Path) -> None:
    ticket_id = tix.new()
    tix.ok("reply", ticket_id, "-m", "On it.")
    [queued] = (helpdesk / "outbox" / "queue").glob("*.eml")
    # what a run killed right after the server accepted the mail leaves: moved to sent/, nothing committed
    sent = helpdesk / "outbox" / "sent"
    sent.mkdir(parents=True)
    state = json.loads(queued.with_suffix(".json").read_text(encoding="utf-8"))
    queued.rename(sent / queued.name)
    queued.with_suffix(".json").unlink()
    (sent / f"{queued.stem}.json").write_text(json.dumps({**state, "state": "sent", "sent": "2026-11-23T09:05:00+01:00"}), encoding="utf-8")
    assert tix.ok("send").out.strip() == "sent 0 messages"
    assert fields(tix, ticket_id)["first_response"] == "2026-11-23T09:05:00+01:00"
    assert "undelivered" not in fields(tix, ticket_id)
    assert git(helpdesk, "status", "--porcelain") == ""


def test_remind_reports_mail_left_undelivered_and_odd_queue_files_are_no_traceback(tix: Cli, helpdesk: Path, clock: Clock) -> None:
    ticket_id = tix.new()
    tix.ok("reply", ticket_id, "-m", "On it.")
    assert "not delivered" not in tix.ok("remind", "--no-mail").err  # just queued: cron sends it in a moment
    clock.advance(minutes=20)
    result = tix.ok("remind", "--no-mail", "-q")
    assert result.err.strip() == "tix: warning: 1 message in the outbox not delivered, the oldest queued 2026-11-23 09:00 (tix outbox; tix send)"
    assert [w["ticket"] for w in json.loads(tix.ok("remind", "--no-mail", "-f", "json").out)["undelivered"]] == [ticket_id]
    # a hand-made (or pushed) queue file with the wrong types
    (helpdesk / "outbox" / "queue" / "odd.eml").write_bytes(b"Subject: odd\n\nx\n")
    (helpdesk / "outbox" / "queue" / "odd.json").write_text('{"attempts": "many", "queued": "yesterday", "ticket": 7}', encoding="utf-8")
    listed = tix.ok("outbox")
    assert "odd  queued     queued yesterday by this clone, 0 tries" in listed.out and "Traceback" not in listed.err
    assert "2 messages in the outbox not delivered" in tix.ok("remind", "--no-mail", "-q").err


def test_a_wait_for_the_customer_begins_only_once_they_have_the_reply(tix: Cli, clock: Clock) -> None:
    clock.set(MONDAY_10)
    ticket_id = tix.new("Server down", "-p", "urgent")  # first response due 11:00, resolution Tue 10:00
    due = fields(tix, ticket_id)["resolution_due"]
    tix.ok("reply", ticket_id, "-m", "Which server?")  # pending, but the customer has nothing yet
    assert "sla_paused_since" not in fields(tix, ticket_id)
    clock.advance(hours=2)
    tix.ok("status", ticket_id, "open")  # before any delivery: no waiting time is credited
    assert "sla_paused_minutes" not in fields(tix, ticket_id) and fields(tix, ticket_id)["resolution_due"] == due
    assert row(tix, ticket_id)["sla"] == "breached"


def test_a_later_undelivered_reply_does_not_undo_a_pause_and_a_cancelled_one_never_paused(tix: Cli, clock: Clock) -> None:
    clock.set(MONDAY_10)
    tix.ok("config", "set", "mail.sendmail", "cat")
    paused = tix.new("Waiting for a photo", "-p", "urgent")
    tix.ok("reply", paused, "-m", "Please send a photo.", "--send")  # delivered: paused from 10:00
    assert fields(tix, paused)["sla_paused_since"] == "2026-11-23T10:00:00+01:00"
    cancelled = tix.new("Wrong answer", "-p", "urgent")
    tix.ok("reply", cancelled, "-m", "Answer meant for someone else.")
    tix.ok("outbox", "cancel", cancelled, "-m", "wrong customer")
    clock.advance(days=3)
    tix.ok("reply", paused, "-m", "Still waiting for the photo.")  # queued, status stays pending
    assert fields(tix, paused)["sla_paused_since"] == "2026-11-23T10:00:00+01:00"
    breached = [r["id"] for r in json.loads(tix.ok("list", "--breached", "-f", "json").out)]
    assert breached == [cancelled]  # the customer got nothing: its clock ran all along
    assert "sla_paused_since" not in fields(tix, cancelled)


def test_hand_made_outbox_and_ticket_fields_of_the_wrong_type_are_no_traceback(tix: Cli, helpdesk: Path) -> None:
    ticket_id = tix.new()
    path = helpdesk / ticket_relpath(ticket_id)
    path.write_text(path.read_text(encoding="utf-8").replace("status: new", "status: new\nundelivered: 5", 1), encoding="utf-8")
    git(helpdesk, "commit", "-qam", "a hand edit")
    assert [r["id"] for r in json.loads(tix.ok("list", "-f", "json").out)] == [ticket_id]
    tix.ok("reply", ticket_id, "-m", "Hello")
    assert len(fields(tix, ticket_id)["undelivered"]) == 1
    queue = helpdesk / "outbox" / "queue"
    (queue / "list.eml").write_bytes(b"From: a@example.com\nTo: b@example.com\nSubject: x\n\nx\n")
    (queue / "list.json").write_text("[1, 2]", encoding="utf-8")
    (queue / "words.eml").write_bytes(b"From: a@example.com\nTo: b@example.com\nSubject: y\n\ny\n")
    (queue / "words.json").write_text('{"attempts": "abc"}', encoding="utf-8")
    tix.ok("config", "set", "mail.sendmail", "cat")
    result = tix("outbox", "retry", "list", "words")
    assert result.code == 0 and "Traceback" not in result.err and result.out.strip() == "sent 2 messages"
    assert tix.ok("send").out.strip() == "sent 1 message"  # the reply
    assert "undelivered" not in fields(tix, ticket_id) and fields(tix, ticket_id)["first_response"]


def test_a_send_killed_between_its_record_and_the_move_is_completed_as_delivered(tix: Cli, helpdesk: Path) -> None:
    ticket_id = tix.new()
    tix.ok("reply", ticket_id, "-m", "On it.")
    [queued] = (helpdesk / "outbox" / "queue").glob("*.eml")
    state = json.loads(queued.with_suffix(".json").read_text(encoding="utf-8"))
    sent = helpdesk / "outbox" / "sent"
    sent.mkdir(parents=True)
    # the server took it and its record was written; the kill came before the mail was moved
    queued.with_suffix(".json").write_text(json.dumps({**state, "state": "sending"}), encoding="utf-8")
    (sent / f"{queued.stem}.json").write_text(json.dumps({**state, "state": "sent", "sent": "2026-11-23T09:05:00+01:00"}), encoding="utf-8")
    assert tix.ok("send").out.strip() == "sent 0 messages"  # nothing goes twice
    assert sorted(p.name for p in sent.iterdir()) == [f"{queued.stem}.eml", f"{queued.stem}.json"]
    assert list((helpdesk / "outbox" / "queue").iterdir()) == []
    assert fields(tix, ticket_id)["first_response"] == "2026-11-23T09:05:00+01:00"
    assert git(helpdesk, "status", "--porcelain") == ""


def test_cancelling_one_tickets_mail_and_a_reminder_names_no_ticket_in_the_commit(tix: Cli, helpdesk: Path) -> None:
    ticket_id = tix.new()
    tix.ok("reply", ticket_id, "-m", "On it.")
    queue = helpdesk / "outbox" / "queue"
    (queue / f"remind-{ticket_id}-x.eml").write_bytes(b"From: a@example.com\nTo: b@example.com\nSubject: x\n\nx\n")
    (queue / f"remind-{ticket_id}-x.json").write_text('{"state": "queued"}', encoding="utf-8")
    [reply] = [p.stem for p in queue.glob(f"{ticket_id}-*.eml")]
    tix.ok("outbox", "cancel", reply, f"remind-{ticket_id}-x", "-m", "not needed")
    subject, trailers = git(helpdesk, "log", "-1", "--format=%s%n%(trailers)").split("\n", 1)
    assert subject == "tix: cancel 2 messages" and "Tix-Ticket" not in trailers and "None" not in subject


def test_replies_on_two_copies_of_one_ticket_are_recorded_after_the_fold(tmp_path: Path, clock: Clock) -> None:
    team = Team(tmp_path)
    team.first("alice")
    team.ok("alice", "config", "set", "helpdesk.email", "support@example.com")
    team.ok("alice", "config", "set", "mail.sendmail", "cat")
    team.ok("alice", "sync")
    team.clone("bob")
    first, answer = tmp_path / "first.eml", tmp_path / "answer.eml"
    first.write_bytes(make_eml(message_id="<first@example.pl>"))
    answer.write_bytes(make_eml(message_id="<answer@example.pl>", in_reply_to="<first@example.pl>", subject="Re: Printer on fire"))
    team.ok("alice", "import", str(first), str(answer))
    team.ok("bob", "import", str(answer))  # bob lacks the first message: the answer opens a ticket of its own
    for name in ("alice", "bob"):
        [ticket_id] = [p.parent.name for p in (team.clones[name] / "tickets").glob("*/*/ticket.md")]
        team.ok(name, "reply", ticket_id, "-m", f"{name} answers")
    team.converge()  # bob's ticket is folded into alice's
    [survivor] = [p.parent.name for p in (team.clones["alice"] / "tickets").glob("*/*/ticket.md")]
    assert len(team.ticket("alice", survivor).extra["undelivered"]) == 2
    team.ok("alice", "config", "approve")
    assert team.ok("alice", "send", "--all-clones").strip() == "sent 2 messages"
    team.converge()
    ticket = team.ticket("bob", survivor)
    assert "undelivered" not in ticket.extra and ticket.extra["first_response"] == clock.now
