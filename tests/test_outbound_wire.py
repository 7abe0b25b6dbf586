"""What `tix send` puts on the wire: CRLF line ends and no line over 998 characters (RFC 5321),
checked by a real aiosmtpd server on 127.0.0.1 that refuses anything else."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli, make_eml, smtp_controller

from tix.storage import ticketfile


class Strict:
    """Refuses a message with a bare LF or a line over 998 characters; keeps the rest."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data: bytes = envelope.original_content
        if re.search(rb"(?<!\r)\n", data):
            return "550 5.6.0 bare LF in message"
        if any(len(line) > 998 for line in data.split(b"\r\n")):
            return "550 5.6.0 line too long"
        self.messages.append(data)
        return "250 OK"


@pytest.fixture
def strict_server():  # type: ignore[no-untyped-def]
    handler = Strict()
    with smtp_controller(handler) as controller:  # aiosmtpd refuses >1000-byte lines itself
        yield controller, handler


@pytest.fixture
def desk(tix: Cli, helpdesk: Path, tmp_path: Path) -> tuple[Cli, str]:
    tix.ok("config", "set", "mail.from", "Pomoc <pomoc@firma.example>")
    source = tmp_path / "in.eml"
    source.write_bytes(make_eml(subject="Принтер горит", sender="Иван <ivan@example.ru>", message_id="<first@example.ru>"))
    tix.ok("import", str(source))
    ticket_id = ticketfile.loads(next((helpdesk / "tickets").rglob("ticket.md")).read_text(encoding="utf-8")).id
    return tix, ticket_id


RUSSIAN = ("Здравствуйте! Мы отправили техника, он приедет завтра утром. " * 100)[:5000]
LONG_LINES = "\n".join(("x" * 997 + str(i % 10)) for i in range(5))  # five 998-character lines


@pytest.mark.parametrize("text", [RUSSIAN, LONG_LINES, "Короткий ответ.\n\nВторая строка.\n.\nТочка выше."],
                         ids=["russian-5000", "998-char-lines", "short-with-dot"])
def test_replies_arrive_intact_over_a_strict_smtp_server(desk: tuple[Cli, str], strict_server, text: str) -> None:  # type: ignore[no-untyped-def]
    tix, ticket_id = desk
    controller, handler = strict_server
    tix.ok("config", "set", "smtp.url", f"smtp://127.0.0.1:{controller.port}")
    result = tix("reply", ticket_id, "-m", text, "--send")
    assert result.code == 0, result.err
    [data] = handler.messages
    received = email.message_from_bytes(data, policy=email.policy.default)
    assert text in received.get_content().replace("\r\n", "\n")
