"""The customer's side (issue 17): status notices, ratings by reply, the status answer, and mail in the
customer's language (issue 18 item 4) — through the real CLI, real git, real mail files and a real
SMTP server."""

from __future__ import annotations

import email
import email.policy
import json
import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from conftest import Cli, Clock, git, make_eml, smtp_controller

from tix.cli.main import main
from tix.domain import csat
from tix.storage import ticketfile
from tix.storage.layout import ticket_relpath
from tix.storage.secret import load_secret


class Recorder:
    """A real SMTP server's handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.original_content or envelope.content)
        return "250 OK"


@pytest.fixture
def smtp():  # type: ignore[no-untyped-def]
    recorder = Recorder()
    with smtp_controller(recorder) as controller:
        yield controller, recorder


@pytest.fixture
def desk(tix: Cli, helpdesk: Path, tmp_path: Path, clock: Clock) -> tuple[Cli, str]:
    """A helpdesk that sends the closed notice, with one ticket opened by Jan's mail."""
    tix.ok("config", "set", "notify.closed", "closed-notice")
    ticket_id = import_mail(tix, tmp_path, make_eml(message_id="<first@example.pl>"))
    clock.advance(minutes=5)
    return tix, ticket_id


def import_mail(tix: Cli, tmp_path: Path, raw: bytes, name: str = "in") -> str:
    source = tmp_path / f"{name}.eml"
    source.write_bytes(raw)
    report = json.loads(tix.ok("import", str(source), "--format", "json").out)
    return str(report["messages"][0]["ticket"])


def load(helpdesk: Path, ticket_id: str) -> ticketfile.Ticket:
    return ticketfile.loads((helpdesk / ticket_relpath(ticket_id)).read_text(encoding="utf-8"))


def queued(helpdesk: Path) -> list[email.message.EmailMessage]:
    folder = helpdesk / "outbox" / "queue"
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in sorted(folder.glob("*.eml"))]  # type: ignore[misc]


def notice_of(helpdesk: Path) -> email.message.EmailMessage:
    [notice] = [m for m in queued(helpdesk) if "resolved" in m.get_content()]
    return notice


def rating_mail(notice: email.message.EmailMessage, body: str, message_id: str, sender: str = "Jan Kowalski <jan@example.pl>") -> bytes:
    return make_eml(subject=f"Re: {notice['Subject']}", sender=sender, body=body, message_id=message_id, in_reply_to=notice["Message-ID"])


def test_closing_queues_one_notice_that_asks_for_a_rating_and_threads(desk: tuple[Cli, str], helpdesk: Path, smtp) -> None:  # type: ignore[no-untyped-def]
    tix, ticket_id = desk
    controller, recorder = smtp
    done = tix.ok("close", ticket_id)
    assert "notice 'closed-notice' for closed queued, asking for a rating" in done.out
    ticket = load(helpdesk, ticket_id)
    [notice] = [e for e in ticket.entries if e.extra.get("notice")]
    assert notice.extra["notice"] == "closed" and notice.extra["csat_asked"] and notice.extra["automatic"]
    log = git(helpdesk, "log", "-1", "--format=%B")
    assert "Tix-Action: close" in log and "notice 'closed-notice'" in log  # recorded in the audit trail, one commit
    tix.ok("config", "set", "smtp.url", f"smtp://127.0.0.1:{controller.port}")
    tix.ok("send")
    [raw] = recorder.messages
    sent = email.message_from_bytes(raw, policy=email.policy.default)
    assert sent["To"] == "Jan Kowalski <jan@example.pl>" and sent["In-Reply-To"] == "<first@example.pl>"
    assert sent["Auto-Submitted"] == "auto-replied" and ticket_id in sent["Subject"]
    body = sent.get_content()  # type: ignore[attr-defined]
    assert "Reply to this mail with one digit" in body and "1 (good), 2 (okay) or 3 (bad)" in body
    # a link scanner fetching every URL in the mail: there is no URL that acts, only mailto: links (never fetched)
    assert re.findall(r"(?i)\b(?:https?|ftp)://", raw.decode("utf-8", "replace")) == []
    links = re.findall(r"mailto:\S+", body)
    assert len(links) == 3 and all(unquote(link).count(f"csat-{ticket_id}-") == 1 for link in links)
    assert body.count("Helpdesk") == 1  # the automatic mail's signature names the helpdesk once
    tix.ok("send")
    assert len(recorder.messages) == 1


def test_a_bare_digit_replying_to_the_notice_rates_without_reopening_and_a_second_rating_replaces_it(
    desk: tuple[Cli, str], helpdesk: Path, tmp_path: Path, clock: Clock
) -> None:
    tix, ticket_id = desk
    tix.ok("close", ticket_id)
    notice = notice_of(helpdesk)
    clock.advance(hours=1)
    import_mail(tix, tmp_path, rating_mail(notice, "1\n\nFast and friendly, thanks!\n\n> quoted notice", "<r1@example.pl>"), "r1")
    ticket = load(helpdesk, ticket_id)
    assert ticket.status == "closed" and ticket.csat is not None
    assert (ticket.csat["score"], ticket.csat["comment"]) == ("good", "Fast and friendly, thanks!")
    assert ticket.entries[-1].extra["csat"] == "good" and "Fast and friendly" in ticket.entries[-1].text  # a visible comment
    shown = tix.ok("show", ticket_id).out
    assert "Rating:    good" in shown and "Fast and friendly, thanks!" in shown
    clock.advance(hours=1)
    import_mail(tix, tmp_path, rating_mail(notice, "👎", "<r2@example.pl>"), "r2")
    ticket = load(helpdesk, ticket_id)
    assert ticket.status == "closed" and ticket.csat is not None and ticket.csat["score"] == "bad" and ticket.csat["comment"] == ""
    assert json.loads(tix.ok("show", ticket_id, "--format", "json").out)["csat"]["score"] == "bad"
    assert len(queued(helpdesk)) == 1  # a rating is answered by nothing: no acknowledgement, no notice


def test_stats_count_asked_rated_good_okay_bad_per_owner(desk: tuple[Cli, str], helpdesk: Path, tmp_path: Path, clock: Clock) -> None:
    tix, first = desk
    tix.ok("config", "set", "team.anna.email", "anna@example.com")
    tix.ok("config", "set", "team.anna.name", "Anna Nowak")
    second = import_mail(tix, tmp_path, make_eml(subject="Second", message_id="<second@example.pl>", sender="Olga <olga@example.ru>"), "s")
    tix.ok("assign", first, "anna")
    for ticket_id in (first, second):
        tix.ok("close", ticket_id)
    notices = {m["To"].addresses[0].username: m for m in queued(helpdesk)}
    clock.advance(hours=1)
    import_mail(tix, tmp_path, rating_mail(notices["jan"], "2", "<r1@example.pl>"), "r1")
    clock.advance(hours=1)
    figures = json.loads(tix.ok("stats", "--format", "json").out)
    assert figures["csat"] == {"asked": 2, "rated": 1, "good": 0, "okay": 1, "bad": 0, "good_pct": 0.0, "response_rate": 0.5,
                               "by_owner": {"anna@example.com": {"rated": 1, "good": 0, "okay": 1, "bad": 0, "good_pct": 0.0}}}
    assert "Satisfaction: 1 rated of 2 asked" in tix.ok("stats").out
    by_owner = json.loads(tix.ok("stats", "--by", "owner", "--format", "json").out)["groups"]
    assert [g["csat"]["rated"] for g in by_owner if g["key"] == "anna@example.com"] == [1]


def test_the_mailto_token_rates_even_without_in_reply_to(desk: tuple[Cli, str], helpdesk: Path, tmp_path: Path, clock: Clock) -> None:
    tix, ticket_id = desk
    tix.ok("close", ticket_id)
    link = re.findall(r"mailto:\S+", notice_of(helpdesk).get_content())[2]  # type: ignore[attr-defined]
    subject = unquote(link.split("subject=")[1].split("&")[0])
    clock.advance(hours=1)
    import_mail(tix, tmp_path, make_eml(subject=subject, body="3\n\nThe printer still smokes a little.", message_id="<t1@example.pl>"), "t")
    ticket = load(helpdesk, ticket_id)
    assert ticket.status == "closed" and ticket.csat is not None
    assert ticket.csat["score"] == "bad" and ticket.csat["comment"] == "The printer still smokes a little."


def signed(helpdesk: Path, ticket_id: str, score: str) -> str:
    return csat.token(csat.key(load_secret(helpdesk)[0]), ticket_id, score)


def test_forged_foreign_replayed_and_out_of_range_ratings_are_normal_messages(
    desk: tuple[Cli, str], helpdesk: Path, tmp_path: Path, clock: Clock
) -> None:
    tix, ticket_id = desk
    other = import_mail(tix, tmp_path, make_eml(subject="Other matter", message_id="<other@example.pl>"), "o")
    tix.ok("close", ticket_id)
    tag = f"[{tix.ok('config', 'get', 'helpdesk.instance').out.strip()}#{ticket_id}]"
    cases = {
        "forged": make_eml(subject=f"Re: x {tag} csat-{ticket_id}-1-0123456789abcdef", body="1", message_id="<f1@example.pl>"),
        "foreign": make_eml(subject=f"Re: x {tag} {signed(helpdesk, other, '1')}", body="1", message_id="<f2@example.pl>"),
        "replayed by someone else": make_eml(subject=f"Re: x {tag} {signed(helpdesk, ticket_id, '1')}", body="1",
                                             sender="Mallory <mallory@example.net>", message_id="<f3@example.pl>"),
        "out of range": make_eml(subject=f"Re: x {tag} {signed(helpdesk, ticket_id, '5')}", body="5", message_id="<f4@example.pl>"),
    }  # fmt: skip
    for name, raw in cases.items():
        clock.advance(minutes=10)
        tix.ok("close", ticket_id, "--no-notify")
        filed = import_mail(tix, tmp_path, raw, name.replace(" ", "-"))
        assert load(helpdesk, filed).csat is None and "csat" not in load(helpdesk, filed).entries[-1].extra, name
        if filed == ticket_id:  # (a stranger's mail with our tag becomes a ticket of its own)
            assert load(helpdesk, ticket_id).status == "open", name  # a normal message from a human: it reopens, as any would
        assert load(helpdesk, ticket_id).csat is None, name
    clock.advance(minutes=10)
    notice = notice_of(helpdesk)
    reply = rating_mail(notice, "5", "<f5@example.pl>")  # a bare digit out of range, replying to the notice
    import_mail(tix, tmp_path, reply, "f5")
    assert load(helpdesk, ticket_id).csat is None
    assert load(helpdesk, other).csat is None


def test_a_rating_for_a_ticket_that_does_not_exist_rates_nothing(desk: tuple[Cli, str], helpdesk: Path, tmp_path: Path) -> None:
    tix, ticket_id = desk
    instance = tix.ok("config", "get", "helpdesk.instance").out.strip()
    ghost = "ZZZZ2222"
    created = import_mail(tix, tmp_path, make_eml(subject=f"Re: x [{instance}#{ghost}] {signed(helpdesk, ghost, '1')}", body="1",
                                                  message_id="<ghost@example.pl>"), "g")  # fmt: skip
    assert created not in (ghost, ticket_id) and load(helpdesk, created).csat is None
    assert load(helpdesk, ticket_id).csat is None


def test_a_3_in_a_normal_conversation_is_no_rating(desk: tuple[Cli, str], helpdesk: Path, tmp_path: Path, clock: Clock) -> None:
    tix, ticket_id = desk
    tix.ok("reply", ticket_id, "-m", "How many printers are affected?")
    [reply] = queued(helpdesk)
    clock.advance(hours=1)
    import_mail(tix, tmp_path, make_eml(subject=f"Re: {reply['Subject']}", body="3", message_id="<n1@example.pl>",
                                        in_reply_to=reply["Message-ID"]), "n")  # fmt: skip
    ticket = load(helpdesk, ticket_id)
    assert ticket.csat is None and ticket.entries[-1].text == "3" and ticket.status == "open"


def test_no_notice_with_no_notify_for_a_reply_spam_robots_duplicates_merged_or_our_own_address(
    desk: tuple[Cli, str], helpdesk: Path, tmp_path: Path
) -> None:
    tix, ticket_id = desk
    tix.ok("close", ticket_id, "--no-notify")
    tix.ok("reopen", ticket_id, "--no-notify")
    tix.ok("reply", ticket_id, "-m", "Fixed.", "--status", "closed")  # mails once, not twice
    assert len(queued(helpdesk)) == 1
    for tag in ("spam", "robot", "duplicate"):
        other = tix.new(f"About {tag}")
        tix.ok("tag", other, f"+{tag}")
        tix.ok("close", other)
    merged = tix.new("Merged stub")
    stub = load(helpdesk, merged)
    stub.extra["merged_into"] = ticket_id  # as `tix merge` leaves a stub
    (helpdesk / ticket_relpath(merged)).write_text(ticketfile.dumps(stub), encoding="utf-8")
    git(helpdesk, "commit", "-qam", "merge by hand")
    tix.ok("close", merged)
    ours = tix.ok("new", "From ourselves", "--from", "support@example.com").out.strip()
    tix.ok("close", ours)
    assert len(queued(helpdesk)) == 1
    for command in ("assign", "status", "priority"):  # --no-notify is on every state change (fast path and Typer)
        args = {"assign": ["anna@example.com"], "status": ["open"], "priority": ["high"]}[command]
        tix.ok(command, ticket_id, *args, "--no-notify")
        tix.ok(command, ticket_id, "--no-notify", *args)


def test_notices_are_capped_per_address(desk: tuple[Cli, str], helpdesk: Path, clock: Clock) -> None:
    tix, ticket_id = desk
    tix.ok("config", "set", "autoack.limit", "2")
    for _ in range(4):
        tix.ok("close", ticket_id)
        tix.ok("reopen", ticket_id)
        clock.advance(minutes=1)
    assert len(queued(helpdesk)) == 2


class AutoReplier:
    """Another helpdesk's robot behind a real SMTP server: it answers every mail with an
    out-of-office reply (some with the headers, some with only the subject), saved for import."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.received: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        self.received.append(raw)
        got = email.message_from_bytes(raw, policy=email.policy.default)
        n = len(self.received)
        headers = {"Auto-Submitted": "auto-replied"} if n % 2 else {}
        reply = make_eml(subject=f"Automatic reply: {got['Subject']}", body="I am out of the office until Monday. Status?",
                         message_id=f"<ooo{n}@example.pl>", in_reply_to=got["Message-ID"], headers=headers)  # fmt: skip
        (self.folder / f"ooo{n}.eml").write_bytes(reply)
        return "250 OK"


def test_no_loop_with_an_auto_replier(desk: tuple[Cli, str], helpdesk: Path, tmp_path: Path, clock: Clock) -> None:
    tix, ticket_id = desk
    tix.ok("config", "set", "status_answer.enabled", "true")
    tix.ok("config", "set", "autoack.enabled", "true")
    folder = tmp_path / "robot-mail"
    folder.mkdir()
    robot = AutoReplier(folder)
    with smtp_controller(robot) as controller:
        tix.ok("config", "set", "smtp.url", f"smtp://127.0.0.1:{controller.port}")
        tix.ok("close", ticket_id)
        for _ in range(5):
            tix.ok("send")
            for path in sorted(folder.glob("*.eml")):
                tix.ok("import", str(path))
            clock.advance(minutes=1)
    assert len(robot.received) == 1  # the notice, and nothing in answer to the robot's answer
    ticket = load(helpdesk, ticket_id)
    assert ticket.status == "closed" and ticket.csat is None


def test_status_question_answered_in_the_customers_language_when_enabled(tix: Cli, helpdesk: Path, tmp_path: Path, clock: Clock) -> None:
    root = Path(__file__).resolve().parents[1]
    (helpdesk / "templates" / "pl").mkdir()
    for name in ("status-answer", "ack"):
        (helpdesk / "templates" / "pl" / f"{name}.j2").write_bytes((root / "examples" / "templates" / "pl" / f"{name}.j2").read_bytes())
    git(helpdesk, "add", "templates")
    git(helpdesk, "commit", "-qm", "Polish templates")
    tix.ok("config", "set", "team.anna.email", "anna@example.com")
    tix.ok("config", "set", "team.anna.name", "Anna Nowak")
    tix.ok("config", "set", "autoack.enabled", "true")
    ticket_id = import_mail(tix, tmp_path, make_eml(subject="Faktura", body="Dzień dobry, nie dostałam faktury za zamówienie.",
                                                    sender="Zofia <zofia@example.pl>"))  # fmt: skip
    [ack] = queued(helpdesk)
    assert "dziękujemy za wiadomość" in ack.get_content()  # type: ignore[attr-defined]  # the acknowledgement in Polish
    tix.ok("assign", ticket_id, "anna")
    question = make_eml(subject=f"Re: {ack['Subject']}", body="Dzień dobry, jaki jest status mojej sprawy?",
                        sender="Zofia <zofia@example.pl>", message_id="<q1@example.pl>", in_reply_to=ack["Message-ID"])  # fmt: skip
    clock.advance(hours=1)
    import_mail(tix, tmp_path, question, "q1")  # off by default: filed, not answered
    assert len(queued(helpdesk)) == 1
    tix.ok("config", "set", "status_answer.enabled", "true")
    clock.advance(hours=1)
    import_mail(tix, tmp_path, question.replace(b"<q1@example.pl>", b"<q2@example.pl>"), "q2")
    answers = [m for m in queued(helpdesk) if "automatyczna odpowiedź" in m.get_content()]
    assert len(answers) == 1
    body = answers[0].get_content()
    assert "Zajmuje się nim: Anna\n" in body and "Planujemy rozwiązać je do:" in body and "Status: " in body
    ticket = load(helpdesk, ticket_id)
    assert any(e.text.startswith("Dzień dobry, jaki jest status") for e in ticket.entries)  # still filed for the agent
    clock.advance(hours=1)  # a longer message is not only a status question
    long_one = question.replace(b"<q1@example.pl>", b"<q3@example.pl>").replace(
        b"jaki jest status mojej sprawy?", b"jaki jest status mojej sprawy? Bo musz\xc4\x99 jeszcze zmieni\xc4\x87 adres dostawy na inny i doda\xc4\x87 NIP.")
    import_mail(tix, tmp_path, long_one, "q3")
    assert len([m for m in queued(helpdesk) if "automatyczna odpowiedź" in m.get_content()]) == 1


def test_reply_template_in_the_customers_language_and_the_owner_who_speaks_it(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    (helpdesk / "templates" / "ru").mkdir()
    (helpdesk / "templates" / "ru" / "blank.j2").write_text("Subject: Re: {{ ticket.subject }}\n\nЗдравствуйте!\n\n{{ message }}\n", encoding="utf-8")
    git(helpdesk, "add", "templates")
    git(helpdesk, "commit", "-qm", "Russian blank")
    for handle, languages in (("anna", "pl, en"), ("ivan", "ru, pl")):
        tix.ok("config", "set", f"team.{handle}.email", f"{handle}@example.com")
        tix.ok("config", "set", f"team.{handle}.languages", languages)
    tix.ok("config", "set", "queues.support.members", "anna, ivan")
    tix.ok("config", "set", "queues.support.assign", "round-robin")
    owners = []
    for n in range(3):
        ticket_id = tix.ok("new", f"Не могу войти {n}", "--from", "olga@example.ru", "-q", "support", "-b", "Не могу войти в кабинет.").out.strip()
        owners.append(load(helpdesk, ticket_id).owner)
    assert owners == ["ivan@example.com"] * 3  # the one member who speaks Russian, every time
    tix.ok("reply", ticket_id, "-m", "Сбросили пароль.")
    [mail] = queued(helpdesk)
    assert mail.get_content().startswith("Здравствуйте!")  # type: ignore[attr-defined]
    english = tix.ok("new", "Cannot log in", "--from", "mary@example.com", "-b", "I cannot log in.").out.strip()
    tix.ok("reply", english, "-m", "Reset.")
    assert any(m.get_content().startswith("Hello") for m in queued(helpdesk))  # type: ignore[attr-defined]


def test_two_clones_that_import_two_ratings_converge_on_the_later(tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    alice, bob = tmp_path / "alice", tmp_path / "bob"

    def run(where: Path, *args: str) -> None:
        monkeypatch.chdir(where)
        assert main(list(args)) == 0, args

    assert main(["init", str(alice), "--email", "support@example.com", "--timezone", "Europe/Warsaw"]) == 0
    git(alice, "remote", "add", "origin", str(remote))
    run(alice, "config", "set", "notify.closed", "closed-notice")
    (tmp_path / "in.eml").write_bytes(make_eml())
    run(alice, "import", str(tmp_path / "in.eml"))
    [ticket_path] = (alice / "tickets").rglob("ticket.md")
    ticket_id = ticket_path.parent.name
    run(alice, "close", ticket_id)
    run(alice, "sync")
    subprocess.run(["git", "clone", "-q", str(remote), str(bob)], check=True)
    [notice] = [m for m in queued(alice)]
    clock.advance(hours=1)
    (tmp_path / "a.eml").write_bytes(rating_mail(notice, "1", "<ra@example.pl>"))
    run(alice, "import", str(tmp_path / "a.eml"))
    clock.advance(hours=1)
    (tmp_path / "b.eml").write_bytes(rating_mail(notice, "3\nStill smokes.", "<rb@example.pl>"))
    run(bob, "import", str(tmp_path / "b.eml"))
    for where in (alice, bob, alice, bob):
        run(where, "sync")
    texts = {(where / ticket_relpath(ticket_id)).read_text(encoding="utf-8") for where in (alice, bob)}
    assert len(texts) == 1
    merged = ticketfile.loads(texts.pop())
    assert merged.csat is not None and merged.csat["score"] == "bad" and merged.csat["comment"] == "Still smokes."
    assert merged.status == "closed" and {e.extra.get("csat") for e in merged.entries} >= {"good", "bad"}


@pytest.mark.parametrize(("text", "expected"), [
    ("1", ("good", "")), ("2.", ("okay", "")), ("👍🏽", ("good", "")), ("👎", ("bad", "")),
    ("\n3\nStill smokes.\n\n> How did we do?", ("bad", "Still smokes.")),
    ("1\nThanks\n\nFrom: Support <s@example.com>\nSent: today", ("good", "Thanks")),
    ("3 printers are broken", None), ("5", None), ("0", None), ("Hi,\n1", None), ("", None),
])  # fmt: skip
def test_a_bare_score_is_only_a_score_on_the_first_line(text: str, expected: tuple[str, str] | None) -> None:
    assert csat.bare_score(text) == expected


def test_a_hand_written_csat_that_is_no_rating_is_kept_not_dropped() -> None:
    text = ("---\nid: 4KX2QF7A\nsubject: Hi\nstatus: open\npriority: low\nrequester: jan@example.pl\n"
            "created: 2026-11-23T09:00:00+01:00\nupdated: 2026-11-23T09:00:00+01:00\ncsat: great\n---\n")  # fmt: skip
    ticket = ticketfile.loads(text)
    assert ticket.csat is None and ticket.extra == {"csat": "great"}
    assert "csat: great" in ticketfile.dumps(ticket)


def test_spam_and_merge_send_no_notice(desk: tuple[Cli, str], helpdesk: Path, tmp_path: Path) -> None:
    tix, ticket_id = desk
    other = import_mail(tix, tmp_path, make_eml(subject="Same printer", message_id="<again@example.pl>"), "again")
    spam = import_mail(tix, tmp_path, make_eml(subject="Cheap pills", sender="spammer@example.net", message_id="<spam@example.net>"), "spam")
    tix.ok("spam", spam)
    tix.ok("merge", ticket_id, other)
    assert load(helpdesk, other).status == "closed" and load(helpdesk, spam).status == "closed"
    tix.ok("close", other)  # a merged stub: nothing, whatever happens to it
    assert queued(helpdesk) == []
