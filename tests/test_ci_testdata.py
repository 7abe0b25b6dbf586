"""The project's own synthetic test mail (tests/data/mail/, see its README): the checks the shared-corpus tests
make, so that a fresh clone without ../shared keeps the coverage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import TEST_MAIL, Cli, git

from tix.mail import parse as mailparse

POLISH_RUSSIAN = ["windows-1250", "iso-8859-2", "windows-1251", "koi8-r"]
ALL = sorted(TEST_MAIL.glob("*.eml"))


def parse(name: str) -> mailparse.ParsedMail:
    return mailparse.parse((TEST_MAIL / name).read_bytes(), POLISH_RUSSIAN)


def test_the_test_mail_is_what_its_generator_writes() -> None:
    import runpy

    generator = runpy.run_path(str(TEST_MAIL.parent / "make_mail.py"))
    assert {p.name: p.read_bytes() for p in ALL} == generator["MESSAGES"]


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_every_message_parses_into_clean_one_line_fields(path: Path) -> None:
    mail = mailparse.parse(path.read_bytes(), POLISH_RUSSIAN)
    assert mail.subject and "\n" not in mail.subject and "\r" not in mail.subject and "=?" not in mail.subject
    assert mail.message_id.startswith("<") and mail.message_id.endswith(">") and not mail.synthetic_id
    assert mail.text.strip() and not mail.problems or mail.problems == ["charset 'unknown', guessed koi8-r"]
    for attachment in mail.attachments:
        assert "/" not in attachment.name and "\\" not in attachment.name and not attachment.name.startswith(".")


@pytest.mark.parametrize(
    ("name", "subject", "text", "sender"),
    [
        ("iso-8859-2-quoted-printable.eml", "Zażółć gęślą jaźń - reklamacja", "Proszę o fakturę za październik.\nPozdrawiam, Łukasz",
         "Łukasz Wójcik"),
        ("windows-1250-8bit.eml", "Faktura za październik", "Świetnie, źle - proszę o korektę.", "Zofia"),
        ("koi8-r-undeclared.eml", "Здравствуйте, заказ не пришёл", "Здравствуйте, заказ не пришёл", ""),
        ("windows-1251-html-only.eml", "Алфавит", "Счёт оплачен.", "Атикова"),  # encoded word inside a quoted name
        ("two-cc-headers.eml", "Die Hasen und die Frösche", "Hallo", "John"),
    ],
)
def test_legacy_charsets_and_encoded_words(name: str, subject: str, text: str, sender: str) -> None:
    mail = parse(name)
    assert (mail.subject, mailparse.normalize_text(mail.text).strip()) == (subject, text)
    assert mail.sender is not None and mail.sender.name == sender


def test_html_only_mail_becomes_text_and_keeps_its_html() -> None:
    mail = parse("windows-1251-html-only.eml")
    assert mail.html and "<b>оплачен</b>" in mail.html
    assert "<" not in mail.text and "{" not in mail.text


def test_all_cc_headers_are_read() -> None:
    assert [p.email for p in parse("two-cc-headers.eml").cc] == ["ccc@zzz.org", "ddd@zzz.org", "eee@zzz.org"]


def test_attachment_names_are_decoded_and_stripped_of_paths() -> None:
    mail = parse("attachments-rfc2231.eml")
    # RFC 2231 continuations; C:\TEMP\skan.png; 1234/../../1234.txt; an unquoted KOI8-R encoded word
    assert [a.name for a in mail.attachments] == ["Faktura październik 2026.pdf", "skan.png", "1234.txt", "Список.doc"]
    assert mail.attachments[0].data == b"%PDF-1.4 fake" and mail.text.strip() == "W załączeniu dokumenty."


def test_a_forward_is_an_attachment_and_readable_after_the_text() -> None:
    mail = parse("forward-rfc822.eml")
    assert mail.text.strip() == "Hello" and [a.name for a in mail.attachments] == ["thanks.eml"]
    assert b"Content-Type: multipart/alternative" in mail.attachments[0].data
    readable = mail.readable_text()
    assert readable.startswith("Hello\n\n---------- Forwarded message (thanks.eml) ----------\nFrom: Ewa <ewa@example.pl>")
    assert "Subject: Thanks!" in readable and readable.endswith("Dziękuję za pomoc.")


@pytest.mark.parametrize(
    ("name", "kind"),
    [("bounce-delivery-status.eml", "bounce"), ("auto-reply.eml", "auto-reply"), ("list-mail.eml", "list"),
     ("iso-8859-2-quoted-printable.eml", None)],
)
def test_robots(name: str, kind: str | None) -> None:
    assert parse(name).robot == kind


def test_a_bounce_names_the_message_it_reports_on() -> None:
    assert parse("bounce-delivery-status.eml").original_ids == ["<original@example.com>"]


def test_all_the_test_mail_imports(tix: Cli, helpdesk: Path) -> None:
    """The import end to end on every message (the corpus-wide test's counterpart)."""
    tix.ok("config", "set", "mail.fallback_charsets", ", ".join(POLISH_RUSSIAN))
    result = tix("import", str(TEST_MAIL))
    assert result.code == 0, result.err
    assert f"{len(ALL)} messages" in result.out and "0 quarantined" in result.out, result.out
    assert git(helpdesk, "status", "--porcelain") == ""
    listed = json.loads(tix.ok("list", "--all", "-f", "json").out)
    subjects = {row["subject"] for row in listed}
    assert {"Zażółć gęślą jaźń - reklamacja", "Faktura za październik", "Здравствуйте, заказ не пришёл", "Алфавит"} <= subjects
    robots = {row["subject"]: row["status"] for row in listed if row["subject"] in
              ("Undelivered Mail Returned to Sender", "Automatyczna odpowiedź: Printer on fire", "[announce] Release 2.0")}
    # robots are filed, closed, never acknowledged; the bounce and the auto-reply both answer
    # <original@example.com>, which tix never saw, so they share one ticket (whichever came first)
    assert len(robots) == 2 and set(robots.values()) == {"closed"}, robots
    from tix.storage import ticketfile

    held = [set(ticketfile.loads(p.read_text(encoding="utf-8")).message_ids) for p in (helpdesk / "tickets").rglob("ticket.md")]
    assert {"<autoreply@example.pl>", "<bounce@mx.example.com>"} in held
    assert tix("list", "--all").err == ""  # every ticket file parses back
