"""Mail that parses only partly is still filed (issue 9: #17, #24)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Cli, make_eml

from tix.mail import parse as mailparse
from tix.storage import ticketfile


def nested(levels: int, text: bytes = b"hello from the bottom") -> bytes:
    head = b"From: Jan <jan@example.pl>\r\nSubject: deep\r\nMessage-ID: <deep@example.pl>\r\nMIME-Version: 1.0\r\n"
    opening = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i) for i in range(levels))
    closing = b"".join(b"\r\n--b%d--" % i for i in reversed(range(levels)))
    return head + opening + b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + closing + b"\r\n"


EVERYWHERE_INVALID = (
    b"From: \xff\xfe J\xc3n <j\xffn@ex\xfeample.pl>\r\nTo: s\xff@example.com\r\nSubject: Zam\xf3wienie \xff\xfe\xc3(\r\n"
    b"Message-ID: <a\xffb\xc3\xa9@example.pl>\r\nDate: Mon, 23 Nov 2026 08:30:00 +0100\xff\r\nX-Tix-Loop: \xff\r\n"
    b"MIME-Version: 1.0\xff\r\nContent-Type: multipart/mixed; boundary=\"b\xff\"\r\nX-\xff: \xff\r\n\r\n"
    b"--b\xff\r\nContent-Type: text/plain; charset=utf-8\xff\r\nContent-Disposition: inline; filename=\"\xff.txt\"\r\n\r\n"
    b"hello \xff\xfe\r\n--b\xff\r\nContent-Type: text/plain; charset=\xff\r\n\r\nsecond \xc3\x28\r\n--b\xff--\r\n"
)


def strings_of(mail: mailparse.ParsedMail) -> list[str]:
    values = [mail.message_id, mail.subject, mail.text, str(mail.sender), mail.loop_instance or "", *mail.problems]
    values += [a.name for a in mail.attachments] + [a.original_name for a in mail.attachments] + [str(p) for p in mail.to]
    return values


@pytest.mark.parametrize("levels", [100, 5000])
def test_mime_nested_thousands_of_levels_deep_gives_headers_text_and_a_problem(levels: int) -> None:
    mail = mailparse.parse(nested(levels))
    assert (mail.subject, mail.message_id, str(mail.sender)) == ("deep", "<deep@example.pl>", "Jan <jan@example.pl>")
    assert mail.text.strip() == "hello from the bottom"
    assert any("nested" in problem for problem in mail.problems)


def test_invalid_utf8_in_every_header_and_part_never_raises_and_gives_clean_text() -> None:
    mail = mailparse.parse(EVERYWHERE_INVALID, ["windows-1250"])
    for value in strings_of(mail):
        value.encode("utf-8")  # no lone surrogates left anywhere
    assert mail.message_id == "<a%FFbé@example.pl>"
    assert mail.sender is not None and mail.sender.email.endswith("ample.pl")
    assert mail.subject.startswith("Zam")
    assert "second" in mail.text or "hello" in mail.text


def test_an_8bit_message_id_is_the_same_for_the_same_bytes_so_replies_thread() -> None:
    first = mailparse.parse(b"From: a@b.pl\r\nMessage-ID: <x\xe9y@b.pl>\r\n\r\nhi\r\n")
    reply = mailparse.parse(b"From: s@c.com\r\nMessage-ID: <r@c.com>\r\nIn-Reply-To: <x\xe9y@b.pl>\r\n"
                            b"References: <z@b.pl> <x\xe9y@b.pl>\r\n\r\nhi\r\n")  # fmt: skip
    assert first.message_id == "<x%E9y@b.pl>" and not first.synthetic_id
    assert reply.in_reply_to == [first.message_id] and reply.references[-1] == first.message_id


def _tickets(root: Path) -> list[ticketfile.Ticket]:
    return [ticketfile.loads(p.read_text(encoding="utf-8")) for p in sorted((root / "tickets").glob("*/*/ticket.md"))]


def test_import_files_deep_and_invalid_mail_instead_of_quarantining_it(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    for name, data in (("deep.eml", nested(5000)), ("bad.eml", EVERYWHERE_INVALID),
                       ("id.eml", make_eml(message_id="<m1@example.pl>").replace(b"<m1@example.pl>", b"<m\xff1@example.pl>"))):
        (tmp_path / name).write_bytes(data)
    result = tix("import", str(tmp_path / "deep.eml"), str(tmp_path / "bad.eml"), str(tmp_path / "id.eml"))
    assert result.code == 0, result.err
    assert "0 quarantined" in result.out
    found = _tickets(helpdesk)
    assert len(found) == 3
    texts = {ticket.entries[0].text.strip() for ticket in found}
    assert "hello from the bottom" in texts
    assert "<m%FF1@example.pl>" in [mid for ticket in found for mid in ticket.message_ids]
