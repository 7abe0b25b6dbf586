"""Attachment and forwarded-message file names: portable, visible, short in bytes, never tix's own (issue 9: #13, #14, #19)."""

from __future__ import annotations

import email
import email.policy
import unicodedata
from email.message import EmailMessage
from pathlib import Path

import pytest
from conftest import Cli, make_eml

from tix.mail import parse as mailparse

CJK = "漢" * 120  # 360 bytes in UTF-8


def names_of(raw: bytes) -> list[str]:
    return [a.name for a in mailparse.parse(raw).attachments]


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("aux.txt", "_aux.txt"),
        ("COM1", "_COM1"),
        ("lpt9.log", "_lpt9.log"),
        ("Con.tar.gz", "_Con.tar.gz"),
        ("nul .txt", "_nul .txt"),
        ("report.txt. .", "report.txt"),
        ("$(touch PWNED);`id`&x_y.txt", "_(touch PWNED)__id__x_y.txt"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("a\u200bb\u2066c.txt", "abc.txt"),
        ("ticket.md", "_ticket.md"),
        ("TICKET.MD", "_TICKET.MD"),
        ("message.eml", "_message.eml"),
        ("Message.HTML", "_Message.HTML"),
        (".git", "git"),
        ("-rf", "rf"),
        ("tab\there.txt", "tab here.txt"),
    ],
)
def test_dangerous_names_become_portable_visible_names(sent: str, expected: str) -> None:
    assert mailparse.safe_filename(sent, "application/octet-stream", 1) == expected


def test_names_are_shortened_by_utf8_bytes_and_keep_their_extension() -> None:
    name = mailparse.safe_filename(CJK + ".pdf", "application/pdf", 1)
    assert name.endswith(".pdf") and len(name.encode()) <= mailparse.MAX_NAME_BYTES
    assert unicodedata.normalize("NFC", name) == name and "\ufffd" not in name
    taken: set[str] = set()
    first, second = mailparse.unique_name(name, taken), mailparse.unique_name(name, taken)
    assert first != second and len(second.encode()) <= 255


def test_attachments_keep_their_original_name_and_are_unique_within_a_message() -> None:
    raw = make_eml(attachments=[("ticket.md", b"---\nid: X\n---\n"), ("Ticket.md", b"2"), ("_ticket.md", b"3"),
                                (CJK + ".txt", b"4"), (CJK + ".txt", b"5"), ("invoice\u202efdp.exe", b"6")])
    mail = mailparse.parse(raw)
    names = [a.name for a in mail.attachments]
    assert len({n.casefold() for n in names}) == len(names)
    assert all(len(n.encode()) <= 255 and n.casefold() not in mailparse.RESERVED_NAMES for n in names)
    assert [a.original_name for a in mail.attachments] == ["ticket.md", "Ticket.md", "_ticket.md", CJK + ".txt",
                                                           CJK + ".txt", "invoice\u202efdp.exe"]


def test_a_forwarded_message_with_a_long_subject_gets_a_short_name() -> None:
    inner = make_eml(subject=CJK, message_id="<inner@x>")
    outer = EmailMessage()
    outer["From"], outer["To"], outer["Subject"] = "a@example.com", "s@example.com", "fwd"
    outer.set_content("see attached")
    outer.add_attachment(email.message_from_bytes(inner, policy=email.policy.default))
    mail = mailparse.parse(bytes(outer))
    [attachment] = mail.attachments
    assert attachment.name.endswith(".eml") and len(attachment.name.encode()) <= mailparse.MAX_NAME_BYTES
    assert attachment.original_name == CJK + ".eml"
    assert mail.forwarded[0].file == attachment.name


def test_import_files_hostile_names_and_never_a_forged_ticket(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    forged = b"---\nid: 22222222\npriority: urgent\nsubject: forged\n---\n"
    raw = make_eml(attachments=[("ticket.md", forged), (CJK + ".pdf", b"%PDF"), ("aux.txt", b"a"), ("report.txt. .", b"r")])
    (tmp_path / "one.eml").write_bytes(raw)
    assert tix("import", str(tmp_path / "one.eml")).code == 0
    tickets = sorted((helpdesk / "tickets").glob("*/*/ticket.md"))
    assert len(tickets) == 1 and b"forged" not in tickets[0].read_bytes()
    assert not list((helpdesk / "tickets").glob("*/*/*/ticket.md"))
    files = sorted(p.name for p in (helpdesk / "tickets").glob("*/*/*/*"))
    assert "_ticket.md" in files and "_aux.txt" in files and "report.txt" in files
    assert all(len(name.encode()) <= 255 for name in files)
