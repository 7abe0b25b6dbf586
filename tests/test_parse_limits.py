"""Decoding is bounded: a part too big to keep is never decoded (issue 9: #21)."""

from __future__ import annotations

import base64
import tracemalloc
from pathlib import Path

from conftest import Cli, make_eml

from tix.mail import parse as mailparse

MB = 1024 * 1024


def with_part(content_type: bytes, body: bytes, encoding: bytes = b"base64", boundary: bytes = b"boundary=b", b: bytes = b"b") -> bytes:
    return (b"From: a@b.pl\r\nSubject: big\r\nMessage-ID: <big@b.pl>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
            + boundary + b"\r\n\r\n--" + b + b"\r\nContent-Type: text/plain\r\n\r\nsee the file\r\n--" + b + b"\r\nContent-Type: "
            + content_type + b"\r\nContent-Transfer-Encoding: " + encoding + b"\r\n\r\n" + body + b"\r\n--" + b + b"--\r\n")  # fmt: skip


def peak_while_parsing(raw: bytes, limit: int) -> tuple[mailparse.ParsedMail, int]:
    tracemalloc.start()
    try:
        mail = mailparse.parse(raw, None, limit)
        return mail, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_big_base64_part_is_never_decoded_and_memory_stays_bounded() -> None:
    limit = 2 * MB
    raw = with_part(b'application/octet-stream; name="zeros.bin"', base64.encodebytes(bytes(16 * MB)))
    mail, peak = peak_while_parsing(raw, limit)
    assert peak < 4 * limit, f"{peak:,} bytes allocated while parsing"
    assert mail.text.strip() == "see the file"
    [note] = mail.attachments
    assert note.name == "zeros.bin.omitted.txt" and note.original_name == "zeros.bin"
    assert note.data.startswith(f"zeros.bin: {16 * MB:,} bytes, over the attachment limit".encode())
    assert any("over the limit" in problem for problem in mail.problems)


def test_a_part_under_the_limit_is_kept_whole() -> None:
    data = bytes(range(256)) * 4096  # 1 MB
    raw = with_part(b'application/octet-stream; name="ok.bin"', base64.encodebytes(data), boundary=b'BoUnDaRy="b"')
    [attachment] = mailparse.parse(raw, None, len(data)).attachments
    assert (attachment.name, attachment.data) == ("ok.bin", data)
    [note] = mailparse.parse(raw, None, len(data) - 1).attachments
    assert note.name == "ok.bin.omitted.txt"


def test_a_huge_text_body_is_read_from_its_start_only() -> None:
    limit = 1 * MB
    text = ("Dzień dobry, proszę o pomoc.\n" * 400_000).encode()  # 12 MB
    raw = with_part(b"text/plain; charset=utf-8", base64.encodebytes(text))
    mail, peak = peak_while_parsing(raw, limit)
    assert peak < 12 * mailparse.TEXT_KEPT < len(raw)  # bounded by what is read, not by the message
    assert mail.text.startswith("see the file\n\nDzień dobry, proszę o pomoc.\n")
    assert len(mail.text) < 2 * mailparse.TEXT_KEPT
    assert any("over the limit" in problem and "raw message" in problem for problem in mail.problems)


def test_a_forwarded_message_with_a_big_part_is_over_the_limit_as_a_whole() -> None:
    inner = with_part(b'application/pdf; name="scan.pdf"', base64.encodebytes(bytes(3 * MB)), boundary=b"boundary=in", b=b"in")
    raw = with_part(b"message/rfc822", inner, encoding=b"7bit")
    mail = mailparse.parse(raw, None, 1 * MB)
    [note] = mail.attachments
    assert note.name.endswith(".eml.omitted.txt") and b"_OMITTED" not in note.data and b"X-Tix-Omitted" not in note.data


def test_a_forged_omission_header_has_no_effect() -> None:
    raw = with_part(b'application/octet-stream; name="a.bin"\r\nX-Tix-Omitted: 999999999', base64.encodebytes(b"abc"))
    [attachment] = mailparse.parse(raw, None, 100).attachments
    assert attachment.data == b"abc"


def test_import_keeps_the_raw_message_and_a_note_for_a_big_attachment(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    tix.ok("config", "set", "mail.max_attachment_mb", "1")
    raw = make_eml(attachments=[("zeros.bin", bytes(3 * MB))])
    (tmp_path / "big.eml").write_bytes(raw)
    assert tix("import", str(tmp_path / "big.eml")).code == 0
    [folder] = [p.parent for p in (helpdesk / "tickets").glob("*/*/*/message.eml")]
    assert (folder / "message.eml").read_bytes() == raw
    assert (folder / "zeros.bin.omitted.txt").read_bytes().startswith(f"zeros.bin: {3 * MB:,} bytes".encode())
    assert not (folder / "zeros.bin").exists()


def test_a_single_part_text_that_looks_like_mime_is_read_from_its_start() -> None:
    text = b"boundary=x\r\n--x\r\n\r\n" + b"line of text\r\n" * 200_000
    raw = b"From: a@b.pl\r\nSubject: t\r\nContent-Type: text/plain\r\n\r\n" + text
    mail = mailparse.parse(raw, None, 1 * MB)
    assert mail.text.startswith("boundary=x\r\n--x\r\n\r\nline of text") and "X-Tix-Omitted" not in mail.text
    assert len(mail.text) <= mailparse.TEXT_KEPT and any("over the limit" in p for p in mail.problems)
