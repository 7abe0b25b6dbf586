"""Charsets: inherited from an enclosing multipart, WHATWG labels, codecs that are not mail charsets (issue 9: #25, #24)."""

from __future__ import annotations

import base64

import pytest

from tix.mail import parse as mailparse

POLISH = "Jeżu klątw, spłódź Finom część gry hańb!"


def test_a_charset_declared_only_on_the_enclosing_multipart_is_inherited() -> None:
    raw = (b"From: jan@example.pl\r\nSubject: podpisany\r\nMIME-Version: 1.0\r\n"
           b'Content-Type: multipart/signed; charset=iso-8859-2; boundary="b"; protocol="application/pgp-signature"\r\n\r\n'
           b"--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + POLISH.encode("iso-8859-2") +
           b"\r\n--b\r\nContent-Type: application/pgp-signature\r\n\r\nsig\r\n--b--\r\n")  # fmt: skip
    mail = mailparse.parse(raw, ["windows-1252"])  # the fallback alone would read it wrong
    assert mail.text.strip() == POLISH
    assert mail.problems == []


def test_the_parts_own_charset_wins_over_the_containers() -> None:
    raw = (b'From: a@b.pl\r\nContent-Type: multipart/mixed; charset=iso-8859-2; boundary="b"\r\n\r\n'
           b"--b\r\nContent-Type: text/plain; charset=windows-1251\r\n\r\n" + "Счёт".encode("windows-1251") + b"\r\n--b--\r\n")
    assert mailparse.parse(raw).text.strip() == "Счёт"


@pytest.mark.parametrize(
    ("label", "text", "codec"),
    [
        ("iso-8859-8-i", "שלום", "iso-8859-8"),
        ("logical", "שלום", "iso-8859-8"),
        ("csISOLatin2", "Zażółć", "iso-8859-2"),
        ("x-mac-ukrainian", "Привіт", "mac-cyrillic"),
        ("windows-31j", "日本語", "cp932"),
        ("x-x-big5", "中文", "big5"),
        ("sun_eu_greek", "Καλημέρα", "iso-8859-7"),
        ("dos-874", "สวัสดี", "cp874"),
        ("korean", "한국어", "cp949"),
        ("iso-8859-6-i", "مرحبا", "iso-8859-6"),
        ("koi", "Привет", "koi8-r"),
        (" ISO_8859-15 ", "€uro", "iso-8859-15"),
    ],
)
def test_every_whatwg_label_is_read(label: str, text: str, codec: str) -> None:
    data = text.encode(codec)
    word = f"=?{label.strip()}?b?{base64.b64encode(data).decode()}?="
    raw = f"From: a@b.pl\r\nSubject: {word}\r\nContent-Type: text/plain; charset=\"{label}\"\r\n\r\n".encode() + data + b"\r\n"
    mail = mailparse.parse(raw, ["windows-1252"])
    assert (mail.subject, mail.text.strip()) == (text, text)


def test_the_whatwg_table_names_only_codecs_python_has() -> None:
    import codecs

    for codec in mailparse.WHATWG_LABELS:
        if codec and codec != "x-user-defined":
            codecs.lookup(codec)
    assert len(mailparse.CHARSET_ALIASES) > 200


def test_windows_1252_reads_its_undefined_bytes_as_whatwg_does() -> None:
    raw = b"From: a@b.pl\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\ncaf\xe9 \x93quoted\x94 \x81\r\n"
    assert mailparse.parse(raw).text.strip() == "café \u201cquoted\u201d \x81"


@pytest.mark.parametrize("label", ["punycode", "idna", "unicode_escape", "rot13", "base64", "zlib"])
def test_codecs_that_are_not_mail_charsets_count_as_unknown(label: str) -> None:
    body = POLISH.encode("windows-1250")
    raw = f"From: a@b.pl\r\nSubject: x\r\nContent-Type: text/plain; charset={label}\r\n\r\n".encode() + body + b"\r\n"
    mail = mailparse.parse(raw, ["windows-1250"])
    assert mail.text.strip() == POLISH
