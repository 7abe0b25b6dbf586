"""Replies: templates, the outgoing message, the outbox, delivery to a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli, free_port, git, make_eml, smtp_controller

from tix.mail import templates
from tix.storage import ticketfile
from tix.storage.layout import ticket_relpath

ROOT = Path(__file__).resolve().parents[1]


class Recorder:
    """An aiosmtpd handler that keeps what it receives, or refuses as told."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.refuse: str | None = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return f"250 Message accepted for delivery as {len(self.messages)}"


@pytest.fixture
def smtp_server():  # type: ignore[no-untyped-def]
    recorder = Recorder()
    with smtp_controller(recorder) as controller:
        yield controller, recorder


@pytest.fixture
def desk(tix: Cli, helpdesk: Path, tmp_path: Path) -> tuple[Cli, str]:
    """A helpdesk with one ticket opened by mail."""
    tix.ok("config", "set", "helpdesk.name", "Pomoc Firma")
    tix.ok("config", "set", "mail.from", "Pomoc Firma <pomoc@firma.example>")
    source = tmp_path / "in.eml"
    source.write_bytes(make_eml(subject="Drukarka się pali", sender="Zofia Wiśniewska <zofia@example.pl>",
                                message_id="<first@example.pl>"))  # fmt: skip
    tix.ok("import", str(source))
    ticket_id = ticketfile.loads(next((helpdesk / "tickets").rglob("ticket.md")).read_text(encoding="utf-8")).id
    return tix, ticket_id


def load(helpdesk: Path, ticket_id: str) -> ticketfile.Ticket:
    return ticketfile.loads((helpdesk / ticket_relpath(ticket_id)).read_text(encoding="utf-8"))


def test_preview_raw_shows_the_exact_mail_and_changes_nothing(desk: tuple[Cli, str], helpdesk: Path) -> None:
    tix, ticket_id = desk
    head = git(helpdesk, "rev-parse", "HEAD")
    raw = tix.ok("reply", ticket_id, "-t", "need-info", "-m", "Jaki model drukarki?", "--preview", "--raw").out
    message = email.message_from_string(raw, policy=email.policy.default)
    instance = tix.ok("config", "get", "helpdesk.instance").out.strip()
    assert str(message["From"]) == "Pomoc Firma <pomoc@firma.example>"
    assert str(message["To"]) == "Zofia Wiśniewska <zofia@example.pl>"
    assert str(message["Subject"]) == f"Re: Drukarka się pali [{instance}#{ticket_id}]"
    assert message["In-Reply-To"] == "<first@example.pl>"
    assert message["Message-ID"].startswith(f"<tix.{ticket_id}.")
    assert "Jaki model drukarki?" in message.get_content()
    assert git(helpdesk, "rev-parse", "HEAD") == head and git(helpdesk, "status", "--porcelain") == ""


def test_reply_records_queues_moves_the_status_and_the_answer_threads_back(desk: tuple[Cli, str], helpdesk: Path, tmp_path: Path) -> None:
    tix, ticket_id = desk
    result = tix.ok("reply", ticket_id, "-t", "need-info", "-m", "Jaki model?")
    assert result.out.startswith(f"{ticket_id}: reply, first response once delivered, status new → pending (queued <tix.{ticket_id}.")
    ticket = load(helpdesk, ticket_id)
    reply = ticket.entries[-1]
    assert (reply.kind, ticket.status) == ("reply", "pending")
    assert "first_response" not in ticket.extra  # queued is not answered: delivery stops the clock (test_outbox)
    assert reply.message_id in ticket.message_ids
    [queued] = (helpdesk / "outbox" / "queue").glob("*.eml")
    assert git(helpdesk, "status", "--porcelain") == ""
    assert git(helpdesk, "log", "-1", "--format=%(trailers:key=Tix-Action,valueonly)").strip() == "reply"
    sent = email.message_from_bytes(queued.read_bytes(), policy=email.policy.default)
    assert sent["Message-ID"] == reply.message_id
    answer = tmp_path / "answer.eml"
    answer.write_bytes(make_eml(subject="Re: whatever the client made of it", sender="zofia@example.pl",
                                message_id="<answer@example.pl>", in_reply_to=sent["Message-ID"]))  # fmt: skip
    tix.ok("import", str(answer))
    ticket = load(helpdesk, ticket_id)
    assert ticket.entries[-1].message_id == "<answer@example.pl>"
    assert ticket.status == "open"  # the customer answered a waiting ticket
    second = tix.ok("reply", ticket_id, "-m", "Dziękujemy.")
    assert "first response" not in second.out
    message = email.message_from_bytes(sorted((helpdesk / "outbox" / "queue").glob("*.eml"), key=lambda p: p.stat().st_mtime)[-1].read_bytes())
    assert message["In-Reply-To"] == "<answer@example.pl>"
    assert message["References"].split()[0] == "<first@example.pl>"


def test_customer_text_is_never_evaluated_and_cannot_inject_headers(tix: Cli, helpdesk: Path) -> None:
    tix.ok("config", "set", "helpdesk.email", "support@example.com")
    ticket_id = tix.ok("new", "{{ 7*7 }} {% for x in range(3) %}x{% endfor %}\r\nBcc: victim@example.com",
                       "--from", '"Eve {{ config }}" <eve@example.com>').out.strip()  # fmt: skip
    raw = tix.ok("reply", ticket_id, "-t", "ack", "--preview", "--raw").out
    message = email.message_from_string(raw, policy=email.policy.default)
    # literally, not evaluated (no 49, no xxx), and the CR/LF did not start a Bcc header
    assert str(message["Subject"]).startswith("Re: {{ 7*7 }} {% for x in range(3) %}x{% endfor %} Bcc: victim@example.com [")
    assert message["Bcc"] is None
    assert "{{ config }}" in message.get_content()  # the name, literally


def test_missing_variables_name_the_template_and_the_variable(tix: Cli, helpdesk: Path) -> None:
    ticket_id = tix.new()
    (helpdesk / "templates" / "broken.j2").write_text("Subject: Hi\n\nDear {{ customer.nickname }},\n", encoding="utf-8")
    result = tix("reply", ticket_id, "-t", "broken", "--preview")
    assert result.code == 1
    assert result.err.startswith("tix: error: template 'broken': 'dict object' has no attribute 'nickname'")
    assert tix("reply", ticket_id, "-t", "nope").err.startswith("tix: error: no template 'nope' in templates/ (available: ack, blank")


def test_custom_fields_and_earlier_tickets_reach_the_template(tix: Cli, helpdesk: Path) -> None:
    tix.ok("config", "set", "helpdesk.email", "support@example.com")
    older = tix.new("Older problem")
    ticket_id = tix.new("Newer problem")
    path = helpdesk / ticket_relpath(ticket_id)
    path.write_text(path.read_text(encoding="utf-8").replace("message_ids: []", "message_ids: []\norder_number: PL-77"), encoding="utf-8")
    (helpdesk / "templates" / "order.j2").write_text(
        "Subject: Order {{ ticket.order_number }}\n\n{% for t in customer.tickets %}{{ t.id }} {{ t.subject }}\n{% endfor %}", encoding="utf-8")
    raw = tix.ok("reply", ticket_id, "-t", "order", "--preview").out
    assert "Subject: Order PL-77" in raw and f"{older} Older problem" in raw


@pytest.mark.parametrize("language", ["en", "pl", "ru"])
def test_the_example_templates_render_in_every_language(language: str) -> None:
    context = {
        "ticket": {"subject": "Zamówienie 1042", "tag": "[POMOC#4KX2QF7A]", "id": "4KX2QF7A"},
        "customer": {"name": "Ольга", "email": "olga@example.ru", "tickets": []},
        "agent": {"name": "Anna", "email": "anna@firma.example", "signature": "Anna\nPomoc Firma"},
        "helpdesk": {"name": "Pomoc Firma", "email": "pomoc@firma.example"},
        "message": "{{ 7*7 }}",
        "kb_suggestions": [],
    }
    folder = ROOT / "examples" / "templates" / language
    names = sorted(p.stem for p in folder.glob("*.j2"))
    assert names == ["ack", "blank", "need-info", "resolved"]
    for name in names:
        rendered = templates.render_text(name, (folder / f"{name}.j2").read_text(encoding="utf-8"), context)
        assert rendered.subject == "Re: Zamówienie 1042 [POMOC#4KX2QF7A]"
        assert "Ольга" in rendered.body and "Anna\nPomoc Firma" in rendered.body
        if name in ("need-info", "resolved", "blank"):
            assert "{{ 7*7 }}" in rendered.body
    # the acknowledgement with autoack.suggest_kb: the articles after the text, before the signature
    articles = [{"id": "returns", "lang": language, "title": "{{ 7*7 }} Returns", "url": f"https://help.example/{language}/returns.html"},
                {"id": "delivery-times", "lang": language, "title": "Delivery", "url": ""}]  # fmt: skip
    ack = templates.render_text("ack", (folder / "ack.j2").read_text(encoding="utf-8"), {**context, "kb_suggestions": articles}).body
    plain = templates.render_text("ack", (folder / "ack.j2").read_text(encoding="utf-8"), context).body
    heading = {"en": "These articles may already answer your question:", "pl": "Być może odpowiedź jest już w tych artykułach:",
               "ru": "Возможно, ответ на ваш вопрос уже есть в этих статьях:"}[language]  # fmt: skip
    listed = f"\n\n{heading}\n- {{{{ 7*7 }}}} Returns\n  https://help.example/{language}/returns.html\n- Delivery\n\nAnna\nPomoc Firma\n"
    assert ack.endswith(listed) and ack.replace(listed, "\n\nAnna\nPomoc Firma\n") == plain
    assert heading not in plain and "\n\n\n" not in plain


def test_send_delivers_over_smtp_exactly_once(desk: tuple[Cli, str], helpdesk: Path, smtp_server) -> None:  # type: ignore[no-untyped-def]
    tix, ticket_id = desk
    controller, recorder = smtp_server
    tix.ok("config", "set", "smtp.url", f"smtp://127.0.0.1:{controller.port}")
    tix.ok("reply", ticket_id, "-m", "Wysłaliśmy technika.", "--send")
    assert len(recorder.messages) == 1
    mail_from, recipients, data = recorder.messages[0]
    assert (mail_from, recipients) == ("pomoc@firma.example", ["zofia@example.pl"])
    received = email.message_from_bytes(data, policy=email.policy.default)
    assert "Wysłaliśmy technika." in received.get_content()
    [state] = (helpdesk / "outbox" / "sent").glob("*.json")
    assert json.loads(state.read_text(encoding="utf-8"))["server"] == "250 Message accepted for delivery as 1"
    assert list((helpdesk / "outbox" / "queue").glob("*")) == []
    assert tix.ok("send").out == "sent 0 messages\n"
    assert len(recorder.messages) == 1
    assert git(helpdesk, "status", "--porcelain") == ""


def test_a_refusing_or_absent_server_keeps_the_mail_queued_and_it_arrives_once_later(desk: tuple[Cli, str], helpdesk: Path, smtp_server) -> None:  # type: ignore[no-untyped-def]
    tix, ticket_id = desk
    controller, recorder = smtp_server
    tix.ok("reply", ticket_id, "-m", "Hello")
    dead = free_port()  # nothing listens there
    tix.ok("config", "set", "smtp.url", f"smtp://127.0.0.1:{dead}")
    result = tix("send")
    assert result.code == 75 and "stays queued" in result.err
    tix.ok("config", "set", "smtp.url", f"smtp://127.0.0.1:{controller.port}")
    recorder.refuse = "451 4.3.0 try again later"
    assert tix("send").code == 75
    recorder.refuse = "550 5.1.1 no such user"
    result = tix("send")
    assert result.code == 1 and "550" in result.err
    [state] = (helpdesk / "outbox" / "queue").glob("*.json")
    assert json.loads(state.read_text(encoding="utf-8"))["attempts"] == 3
    recorder.refuse = None
    assert tix.ok("send").out == "sent 1 message\n"
    assert len(recorder.messages) == 1
    assert tix.ok("send").out == "sent 0 messages\n" and len(recorder.messages) == 1


def test_a_server_that_drops_the_connection(desk: tuple[Cli, str], helpdesk: Path) -> None:
    tix, ticket_id = desk
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)

    def hang_up() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return  # the test closed the listener
            connection.close()

    threading.Thread(target=hang_up, daemon=True).start()
    tix.ok("config", "set", "smtp.url", f"smtp://127.0.0.1:{listener.getsockname()[1]}")
    tix.ok("reply", ticket_id, "-m", "Hello")
    result = tix("send")
    listener.close()
    assert result.code == 75
    assert len(list((helpdesk / "outbox" / "queue").glob("*.eml"))) == 1


def test_an_interrupted_send_is_never_repeated_on_its_own(desk: tuple[Cli, str], helpdesk: Path, smtp_server) -> None:  # type: ignore[no-untyped-def]
    tix, ticket_id = desk
    controller, recorder = smtp_server
    tix.ok("config", "set", "smtp.url", f"smtp://127.0.0.1:{controller.port}")
    tix.ok("reply", ticket_id, "-m", "Hello")
    [state_path] = (helpdesk / "outbox" / "queue").glob("*.json")
    state = json.loads(state_path.read_text(encoding="utf-8"))
    state["state"] = "sending"  # as left by a run killed while talking to the server
    state_path.write_text(json.dumps(state), encoding="utf-8")
    result = tix("send")
    assert result.code == 1 and "may or may not have gone out" in result.err
    assert recorder.messages == []
    tix.ok("send", "--resend", state_path.stem)
    assert len(recorder.messages) == 1


def test_sendmail_command(desk: tuple[Cli, str], helpdesk: Path, tmp_path: Path) -> None:
    tix, ticket_id = desk
    script = tmp_path / "fake-sendmail"
    out = tmp_path / "delivered.eml"
    script.write_text(f"#!/bin/sh\ncat > {out}\n", encoding="utf-8")
    script.chmod(0o755)
    tix.ok("config", "set", "mail.sendmail", f"{script} -t -i")
    tix.ok("reply", ticket_id, "-m", "Przez sendmail", "--send")
    assert b"Przez sendmail" in email.message_from_bytes(out.read_bytes()).get_payload(decode=True)


def test_autoack_acknowledges_humans_once_and_never_robots(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    tix.ok("config", "set", "helpdesk.email", "support@example.com")
    tix.ok("config", "set", "autoack.enabled", "true")
    mails = {
        "human": make_eml(message_id="<h1@x>"),
        "follow-up": make_eml(message_id="<h2@x>", in_reply_to="<h1@x>"),
        "robot": make_eml(message_id="<r1@x>", sender="shop@example.com", headers={"Auto-Submitted": "auto-generated"}),
        "noreply": make_eml(message_id="<n1@x>", sender="no-reply@shop.example"),
        "ours": make_eml(message_id="<o1@x>", sender="support@example.com"),
    }
    for name, raw in mails.items():
        (tmp_path / f"{name}.eml").write_bytes(raw)
        tix.ok("import", str(tmp_path / f"{name}.eml"))
    queued = [email.message_from_bytes(p.read_bytes()) for p in (helpdesk / "outbox" / "queue").glob("*.eml")]
    assert [m["To"] for m in queued] == ["Jan Kowalski <jan@example.pl>"]
    ack = queued[0]
    assert (ack["Auto-Submitted"], ack["X-Auto-Response-Suppress"]) == ("auto-replied", "All")
    assert ack["X-Tix-Loop"] == tix.ok("config", "get", "helpdesk.instance").out.strip()
    assert ack["In-Reply-To"] == "<h1@x>"


def test_an_autoresponder_answering_every_ack_gets_at_most_the_limit(tix: Cli, helpdesk: Path, tmp_path: Path, smtp_server) -> None:  # type: ignore[no-untyped-def]
    controller, recorder = smtp_server
    tix.ok("config", "set", "helpdesk.email", "support@example.com")
    tix.ok("config", "set", "autoack.enabled", "true")
    tix.ok("config", "set", "autoack.limit", "3")
    tix.ok("config", "set", "smtp.url", f"smtp://127.0.0.1:{controller.port}")
    # A badly made autoresponder: no robot headers, a fresh subject and no references each time.
    (tmp_path / "0.eml").write_bytes(make_eml(message_id="<bot0@bot.example>", sender="bot@bot.example", subject="Ticket 0"))
    tix.ok("import", str(tmp_path / "0.eml"))
    for round_number in range(1, 10):
        tix("send")
        if len(recorder.messages) < round_number:
            break
        answer = make_eml(message_id=f"<bot{round_number}@bot.example>", sender="bot@bot.example", subject=f"Ticket {round_number}")
        (tmp_path / f"{round_number}.eml").write_bytes(answer)
        tix.ok("import", str(tmp_path / f"{round_number}.eml"))
    assert len(recorder.messages) == 3


def test_templates_command_lists_them(tix: Cli) -> None:
    names = [line.split()[0] for line in tix.ok("templates").lines]
    assert names == ["ack", "blank", "need-info", "resolved"]


def test_replies_without_a_helpdesk_address_say_so(tix: Cli, helpdesk: Path) -> None:
    tix.ok("config", "set", "helpdesk.email", "")
    ticket_id = tix.new()
    result = tix("reply", ticket_id, "-m", "hi")
    assert result.err == "tix: error: the helpdesk has no address: tix config set helpdesk.email support@example.com (or mail.from)\n"


@pytest.fixture
def tls(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A server TLS context with a fresh self-signed certificate for localhost, and the certificate."""
    import shutil
    import ssl
    import subprocess

    if shutil.which("openssl") is None:  # .ci/run installs it; a bare machine may lack it
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context, cert


def test_starttls_and_login_with_the_password_from_the_environment(desk: tuple[Cli, str], helpdesk: Path, tls, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    server_tls, cert = tls
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret")

    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="localhost", port=port, tls_context=server_tls, require_starttls=True,
                            authenticator=authenticator, auth_required=True, auth_require_tls=True)  # fmt: skip
    controller.start()
    try:
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trust the test certificate, verify as usual
        tix, ticket_id = desk
        tix.ok("config", "set", "smtp.url", f"smtp://agent@localhost:{port}")
        tix.ok("reply", ticket_id, "-m", "Over TLS")
        missing = tix("send")
        assert missing.code == 1 and "no password was found" in missing.err
        monkeypatch.setenv("TIX_SMTP_PASSWORD", "s3cret")
        assert tix.ok("send").out == "sent 1 message\n"
        assert logins[-1] == (b"agent", b"s3cret") and len(recorder.messages) == 1
    finally:
        controller.stop()
    assert "s3cret" not in (helpdesk / "tix.yaml").read_text(encoding="utf-8")


def test_smtps_implicit_tls(desk: tuple[Cli, str], tls, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from aiosmtpd.controller import Controller

    server_tls, cert = tls
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="localhost", port=port, ssl_context=server_tls)
    controller.start()
    try:
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        tix, ticket_id = desk
        tix.ok("config", "set", "smtp.url", f"smtps://localhost:{port}")
        tix.ok("reply", ticket_id, "-m", "Over implicit TLS", "--send")
        assert len(recorder.messages) == 1
    finally:
        controller.stop()
