"""The parser on real mail from the shared corpus (optional: skipped without it): the cases its README describes.
The same kinds of mail, synthetic, are checked on a fresh clone by tests/test_ci_testdata.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import corpus_files

from tix.mail import parse as mailparse

POLISH_RUSSIAN = ["windows-1250", "iso-8859-2", "windows-1251", "koi8-r"]
ALL = corpus_files() or [None]  # None: no corpus here, the corpus_dir fixture skips


Parse = Callable[[str], mailparse.ParsedMail]


@pytest.fixture
def parse(corpus_dir: Path) -> Parse:
    """Parses a corpus message by name; every test that uses it skips when there is no corpus."""
    return lambda name: mailparse.parse((corpus_dir / name).read_bytes(), POLISH_RUSSIAN)


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}" if p else "no-corpus")
def test_every_corpus_message_parses_into_clean_one_line_fields(path, corpus_dir) -> None:  # type: ignore[no-untyped-def]
    mail = mailparse.parse(path.read_bytes(), POLISH_RUSSIAN)
    assert "\n" not in mail.subject and "\r" not in mail.subject
    assert mail.message_id.startswith("<") and mail.message_id.endswith(">")
    assert "=?" not in mail.subject or "?=" not in mail.subject  # no encoded word left behind
    for attachment in mail.attachments:
        assert "/" not in attachment.name and "\\" not in attachment.name and not attachment.name.startswith(".")


@pytest.mark.parametrize(
    ("name", "subject", "sender"),
    [
        ("rt/russian-subject-no-content-type.eml", "тест тест", "mitya@fling-wing.example.com"),
        ("letters/test_polish_plaintext_iso-8859-2_over_quoted-printable.eml", "📧 Test Polskie pangramy", None),
        ("linux-serial-archive/e0e1fcba6e62.eml", "Re: [PATCH 5/8] serial: imx: remove redundant USR2 read from FIFO reading loop", None),
        ("zbateson-hunnysoft/m2007.eml", "Die Hasen und die Frösche", None),
        ("mikel-mail/rfc6532_utf8_headers.eml", "Säying Hello", None),
        ("kopano/big5.eml", "養樂多線上訂購", None),
        ("thunderbird/sample04.eml", "Алфавит", None),
        ("mu/testdir_cur_1305664394.2171_402.cthulhu.eml", "Motörhead", None),
    ],
)
def test_subjects_in_legacy_and_encoded_charsets(name: str, subject: str, sender: str | None, parse: Parse) -> None:
    mail = parse(name)
    assert mail.subject.startswith(subject)
    if sender:
        assert mail.sender is not None and mail.sender.email == sender


@pytest.mark.parametrize(
    ("name", "display_name"),
    [
        ("mikel-mail/plain_emails_raw_email_bad_time.eml", "Атиковa"),  # encoded word inside a quoted name
        ("rt/new-ticket-from-iso-8859-1.eml", "Wilhelmsen Håvard"),  # raw 8-bit Latin-1 name
        ("flanker/from-encoding.eml", "Ingo Lütkebohle"),
        ("mikel-mail/rfc6532_utf8_headers.eml", "Jöhn Doe"),
    ],
)
def test_sender_names(name: str, display_name: str, parse: Parse) -> None:
    mail = parse(name)
    assert mail.sender is not None and mail.sender.name == display_name


def test_all_cc_headers_are_read(parse: Parse) -> None:
    assert [p.email for p in parse("cpython/msg_20.eml").cc] == ["ccc@zzz.org", "ddd@zzz.org", "eee@zzz.org"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("james-mime4j/mimetools-testmsgs_multi-2evil.eml", "3d-compress.gif"),  # /evil/because:of\path\3d-…
        ("php-mime-mail-parser/m0027.eml", "1234.txt"),  # 1234/../../1234.txt
        ("zbateson-hunnysoft/m1005.eml", "nsmailEG.png"),  # C:\TEMP\nsmailEG.png
        ("roundcube/src_filename.eml", "A011.txt"),
        ("rt/rfc2231-attachment-filename-continuations.eml", "新しいテキスト ドキュメント.txt"),
        ("james-mime4j/mimetools-testmsgs_russian.eml", "Список.doc"),  # unquoted encoded word
        ("flanker/russian-attachment-yahoo.eml", "Картинка с очень, очень длинным"),
        ("enmime/mail_mime-bad-8bit-filename.eml", "管理.doc"),
    ],
)
def test_attachment_names_are_decoded_and_stripped_of_paths(name: str, expected: str, parse: Parse) -> None:
    names = [attachment.name for attachment in parse(name).attachments]
    assert any(n.startswith(expected) for n in names), names


def test_forwarded_messages_are_attachments_and_never_merge_into_the_body(parse: Parse) -> None:
    digest = parse("cpython/msg_02.eml")
    assert sum(name.endswith(".eml") for name in (a.name for a in digest.attachments)) == 5
    enclosed = parse("flanker/enclosed.eml")
    assert enclosed.text.strip() == "Hello"
    assert [a.name for a in enclosed.attachments] == ["thanks.eml"]
    assert b"Content-Type: multipart/alternative" in enclosed.attachments[0].data
    # …and readable in the ticket, marked as a forward, after the message's own text
    readable = enclosed.readable_text()
    assert readable.startswith("Hello\n\n---------- Forwarded message (thanks.eml) ----------\nFrom: ")
    assert "Subject: Thanks!" in readable
    assert [item.text for item in digest.forwarded] == ["hello"] * 5
    assert [item.file for item in digest.forwarded][:2] == ["[Ppp] testing #1.eml", "attached-message.eml"]


def test_html_only_mail_becomes_text_and_keeps_its_html(parse: Parse) -> None:
    mail = parse("enmime/mail_html-only-inline.eml")
    assert mail.html and "<" in mail.html
    assert mail.text and "<" not in mail.text and "{" not in mail.text


def test_undeclared_polish_and_russian_text_is_decoded_with_the_fallbacks() -> None:
    for text, charset in (("Zażółć gęślą jaźń — reklamacja", "windows-1250"), ("Здравствуйте, заказ не пришёл", "koi8-r"),
                          ("Здравствуйте, заказ не пришёл", "windows-1251"), ("Proszę o fakturę", "iso-8859-2")):
        raw = b"From: a@b.pl\r\nSubject: " + text.encode(charset) + b"\r\n\r\n" + text.encode(charset) + b"\r\n"
        mail = mailparse.parse(raw, POLISH_RUSSIAN)
        assert (mail.subject, mail.text.strip()) == (text, text)


def test_declared_charsets_never_give_mojibake() -> None:
    raw = ("From: =?koi8-r?b?" + __import__("base64").b64encode("Иван".encode("koi8-r")).decode() + "?= <i@x.ru>\r\n"
           "Subject: =?windows-1250?q?Faktura_za_pa=9Fdziernik?=\r\nContent-Type: text/plain; charset=windows-1251\r\n"
           "Content-Transfer-Encoding: 8bit\r\n\r\n").encode() + "Счёт оплачен".encode("windows-1251")
    mail = mailparse.parse(raw, ["windows-1252"])
    assert (mail.sender.name if mail.sender else None, mail.subject, mail.text) == ("Иван", "Faktura za październik", "Счёт оплачен")


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("flanker/bounce_mailbox-full.eml", "bounce"),
        ("mimekit/bounce.eml", "bounce"),
        ("nodemailer-mailparser/delivery-status.eml", "bounce"),
        ("linux-serial-archive/04b2cb62f8be.eml", "list"),
    ],
)
def test_robots_in_the_corpus(name: str, kind: str, parse: Parse) -> None:
    assert parse(name).robot == kind


def test_robot_header_rules() -> None:
    def robot(**headers: str) -> str | None:
        raw = "From: x@example.com\r\nSubject: hi\r\n" + "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items())
        return mailparse.parse((raw + "\r\nbody\r\n").encode()).robot

    assert robot(Auto_Submitted="auto-replied") == "auto-reply"
    assert robot(Auto_Submitted="No") is None  # RFC 3834: 'no' is a human
    assert robot(Precedence="BULK") == "bulk"
    assert robot(Precedence="auto_reply") == "auto-reply"
    assert robot(X_Autoreply="yes") == "auto-reply"
    assert robot(List_Id="<support.lists.example.com>") == "list"
    assert robot(Return_Path="<>") == "bounce"
    assert robot() is None


def test_reply_prefixes_in_many_languages_are_stripped() -> None:
    for subject in ("Re: Faktura", "RE: AW: Faktura", "Fwd: Faktura", "WG: Faktura", "SV: VS: Faktura", "Odp: Faktura",
                    "Re[2]: Faktura", "Ответ: Faktura", "ПД: Faktura", "Отв: Faktura", "Fw: Re: Faktura"):
        assert mailparse.strip_reply_prefixes(subject) == "Faktura", subject
    assert mailparse.strip_reply_prefixes("Regarding the invoice") == "Regarding the invoice"


@pytest.mark.parametrize(
    "hostile",
    ["../../.git/hooks/post-commit", "..", ".bashrc", "C:\\Windows\\evil.exe", "a\x00b.txt", "/etc/passwd", "con", "...", ""],
)
def test_safe_filenames_stay_in_their_folder(hostile: str) -> None:
    name = mailparse.safe_filename(hostile, "application/octet-stream", 1)
    assert name and "/" not in name and "\\" not in name and "\x00" not in name
    assert not name.startswith(".") and name.lower() != "con"
