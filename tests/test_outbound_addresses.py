"""A quoted local part ("jan kowalski"@example.pl) is kept as the customer wrote it and quoted once in replies (issue 9 #24)."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

from conftest import Cli, make_eml
from test_replies import smtp_server  # noqa: F401  (a fixture: a real aiosmtpd on 127.0.0.1)


def test_a_quoted_local_part_survives_import_reply_and_delivery(tix: Cli, tmp_path: Path, smtp_server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    controller, recorder = smtp_server
    source = tmp_path / "in.eml"
    source.write_bytes(make_eml(sender='"Jan Kowalski" <"jan kowalski"@example.pl>', message_id="<q1@example.pl>"))
    tix.ok("import", str(source))
    [row] = json.loads(tix.ok("list", "-f", "json").out)
    assert row["requester"] == {"name": "Jan Kowalski", "email": '"jan kowalski"@example.pl'}
    preview = email.message_from_string(tix.ok("reply", row["id"], "-m", "Hello", "--preview", "--raw").out, policy=email.policy.default)
    assert preview["To"] == 'Jan Kowalski <"jan kowalski"@example.pl>'
    assert preview["To"].addresses[0].username == "jan kowalski"
    tix.ok("config", "set", "smtp.url", f"smtp://127.0.0.1:{controller.port}")
    tix.ok("reply", row["id"], "-m", "Hello", "--send")
    [(_, recipients, raw)] = recorder.messages
    assert recipients == ['"jan kowalski"@example.pl']
    assert b'To: Jan Kowalski <"jan kowalski"@example.pl>' in raw


def test_a_needlessly_quoted_or_spaced_address_is_written_plainly(tix: Cli) -> None:
    quoted = tix.ok("new", "Hi", "--from", '"a b"@example.com').out.strip()
    plain = tix.ok("new", "Hi", "--from", 'Ala <"ala"@example.com>').out.strip()
    shown = {t: json.loads(tix.ok("show", t, "-f", "json").out)["requester"]["email"] for t in (quoted, plain)}
    assert shown == {quoted: '"a b"@example.com', plain: "ala@example.com"}
