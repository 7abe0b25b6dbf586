"""Writes tests/data/mail/*.eml: the project's own synthetic test mail (run: python tests/data/make_mail.py).

Each message is built byte for byte here, so the files need no outside corpus. What each covers is in
tests/data/README.md; tests/test_ci_testdata.py checks them. Rerun after changing this script and commit
the .eml files with it."""

from __future__ import annotations

import base64
import quopri
from pathlib import Path

HERE = Path(__file__).resolve().parent / "mail"
CRLF = b"\r\n"


def b_word(text: str, charset: str) -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="


def q_word(text: str, charset: str) -> str:
    return f"=?{charset}?Q?{quopri.encodestring(text.encode(charset), header=True).decode()}?="


def lines(*items: str | bytes) -> bytes:
    return CRLF.join(i.encode("utf-8") if isinstance(i, str) else i for i in items) + CRLF


def head(subject: str, sender: str, mid: str, *extra: str) -> list[str]:
    return [f"From: {sender}", "To: Support <support@example.com>", f"Subject: {subject}",
            "Date: Mon, 23 Nov 2026 08:30:00 +0100", f"Message-ID: {mid}", *extra]


MESSAGES: dict[str, bytes] = {}

# 1. ISO-8859-2: RFC 2047 Q subject, quoted-printable body.
MESSAGES["iso-8859-2-quoted-printable.eml"] = lines(
    *head(q_word("Zażółć gęślą jaźń - reklamacja", "iso-8859-2"), f'{q_word("Łukasz Wójcik", "iso-8859-2")} <lukasz@example.pl>',
          "<iso88592@example.pl>", "MIME-Version: 1.0", "Content-Type: text/plain; charset=iso-8859-2",
          "Content-Transfer-Encoding: quoted-printable"),
    "", quopri.encodestring("Proszę o fakturę za październik.\nPozdrawiam, Łukasz".encode("iso-8859-2")).replace(b"\n", CRLF),
)

# 2. windows-1250: base64 subject, 8-bit body (ś = 0x9c and ź = 0x9f differ from ISO-8859-2).
MESSAGES["windows-1250-8bit.eml"] = lines(
    *head(b_word("Faktura za październik", "windows-1250"), "Zofia <zofia@example.pl>", "<cp1250@example.pl>",
          "MIME-Version: 1.0", "Content-Type: text/plain; charset=windows-1250", "Content-Transfer-Encoding: 8bit"),
    "", "Świetnie, źle - proszę o korektę.".encode("windows-1250"),
)

# 3. KOI8-R with no charset declared anywhere: raw 8-bit subject and body (read with the fallbacks).
MESSAGES["koi8-r-undeclared.eml"] = lines(
    "From: ivan@example.ru", "To: support@example.com", b"Subject: " + "Здравствуйте, заказ не пришёл".encode("koi8-r"),
    "Date: Mon, 23 Nov 2026 08:30:00 +0300", "Message-ID: <koi8r@example.ru>",
    "", "Здравствуйте, заказ не пришёл".encode("koi8-r"),
)

# 4. windows-1251, HTML only, and a KOI8-R encoded word inside a quoted display name.
MESSAGES["windows-1251-html-only.eml"] = lines(
    *head(b_word("Алфавит", "windows-1251"), f'"{b_word("Атикова", "koi8-r")}" <atikova@example.ru>', "<cp1251@example.ru>",
          "MIME-Version: 1.0", "Content-Type: text/html; charset=windows-1251", "Content-Transfer-Encoding: 8bit"),
    "", "<html><body><p>Счёт <b>оплачен</b>.</p><style>p { color: red }</style></body></html>".encode("windows-1251"),
)

# 5. Two Cc headers, UTF-8 encoded words split across two words.
MESSAGES["two-cc-headers.eml"] = lines(
    *head(f"{b_word('Die Hasen und ', 'utf-8')} {q_word('die Frösche', 'utf-8')}", "Jöhn <john@example.de>".replace("ö", "o"),
          "<twocc@example.de>", "Cc: ccc@zzz.org, ddd@zzz.org", "Cc: eee@zzz.org"),
    "", "Hallo",
)

# 6. Attachments: RFC 2231 name with continuations, a Windows path, a ../ path, an unquoted encoded word.
_boundary = "=_boundary_6"
MESSAGES["attachments-rfc2231.eml"] = lines(
    *head("Dokumenty", "Anna <anna@example.pl>", "<attach@example.pl>", "MIME-Version: 1.0",
          f'Content-Type: multipart/mixed; boundary="{_boundary}"'),
    "", f"--{_boundary}", "Content-Type: text/plain; charset=utf-8", "", "W załączeniu dokumenty.",
    f"--{_boundary}", "Content-Type: application/pdf", "Content-Transfer-Encoding: base64",
    "Content-Disposition: attachment;",
    " filename*0*=utf-8''Faktura%20pa%C5%BAdziernik;",
    " filename*1*=%202026.pdf", "", base64.b64encode(b"%PDF-1.4 fake").decode(),
    f"--{_boundary}", "Content-Type: image/png", "Content-Transfer-Encoding: base64",
    'Content-Disposition: attachment; filename="C:\\TEMP\\skan.png"', "", base64.b64encode(b"\x89PNG fake").decode(),
    f"--{_boundary}", "Content-Type: text/plain; name=\"1234/../../1234.txt\"", "", "tekst",
    f"--{_boundary}", f"Content-Type: application/msword; name={b_word('Список.doc', 'koi8-r')}",
    "Content-Transfer-Encoding: base64", "Content-Disposition: attachment", "", base64.b64encode(b"doc").decode(),
    f"--{_boundary}--",
)

# 7. A forward: own text, then the forwarded message as message/rfc822 (itself multipart/alternative).
_outer, _inner = "=_fwd_outer", "=_fwd_inner"
MESSAGES["forward-rfc822.eml"] = lines(
    *head("Fwd: Thanks!", "Piotr <piotr@example.pl>", "<forward@example.pl>", "MIME-Version: 1.0",
          f'Content-Type: multipart/mixed; boundary="{_outer}"'),
    "", f"--{_outer}", "Content-Type: text/plain; charset=us-ascii", "", "Hello",
    f"--{_outer}", "Content-Type: message/rfc822", 'Content-Disposition: attachment; filename="thanks.eml"', "",
    "From: Ewa <ewa@example.pl>", "Subject: Thanks!", "Date: Sun, 22 Nov 2026 10:00:00 +0100", "Message-ID: <inner@example.pl>",
    "MIME-Version: 1.0", f'Content-Type: multipart/alternative; boundary="{_inner}"', "",
    f"--{_inner}", "Content-Type: text/plain; charset=utf-8", "", "Dziękuję za pomoc.",
    f"--{_inner}", "Content-Type: text/html; charset=utf-8", "", "<p>Dziękuję za pomoc.</p>",
    f"--{_inner}--", "", f"--{_outer}--",
)

# 8. A bounce: multipart/report with delivery-status and the original message.
_report = "=_report_8"
MESSAGES["bounce-delivery-status.eml"] = lines(
    "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>", "To: support@example.com",
    "Subject: Undelivered Mail Returned to Sender", "Date: Mon, 23 Nov 2026 08:31:00 +0100",
    "Message-ID: <bounce@mx.example.com>", "MIME-Version: 1.0",
    f'Content-Type: multipart/report; report-type=delivery-status; boundary="{_report}"',
    "", f"--{_report}", "Content-Type: text/plain; charset=us-ascii", "", "Your message could not be delivered: mailbox full.",
    f"--{_report}", "Content-Type: message/delivery-status", "", "Reporting-MTA: dns; mx.example.com", "",
    "Final-Recipient: rfc822; jan@example.pl", "Action: failed", "Status: 5.2.2",
    f"--{_report}", "Content-Type: message/rfc822", "",
    "From: support@example.com", "To: jan@example.pl", "Subject: [#ABC123] Printer on fire",
    "Message-ID: <original@example.com>", "", "We are on it.", "", f"--{_report}--",
)

# 9. An auto-reply in Polish: RFC 3834 Auto-Submitted plus X-Autoreply.
MESSAGES["auto-reply.eml"] = lines(
    *head(q_word("Automatyczna odpowiedź: Printer on fire", "utf-8"), "Jan Kowalski <jan@example.pl>", "<autoreply@example.pl>",
          "Auto-Submitted: auto-replied", "X-Autoreply: yes", "In-Reply-To: <original@example.com>",
          "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"),
    "", "Jestem na urlopie do poniedziałku.".encode(),
)

# 10. Mailing-list mail.
MESSAGES["list-mail.eml"] = lines(
    *head("[announce] Release 2.0", "Lists <news@lists.example.org>", "<list@lists.example.org>",
          "List-Id: <announce.lists.example.org>", "List-Unsubscribe: <mailto:leave@lists.example.org>"),
    "", "Release notes.",
)


def main() -> None:
    HERE.mkdir(exist_ok=True)
    for name, data in MESSAGES.items():
        (HERE / name).write_bytes(data)
    print(f"wrote {len(MESSAGES)} messages to {HERE}")


if __name__ == "__main__":
    main()
