"""mail-parser against tix's parser (standard library compat32 + tix decoding) on a corpus.

    pip install -e '.[bench]'                   # mail-parser: not a tix dependency
    python bench/compare_parsers.py [FOLDER]     # default: ../shared/corpus/eml

For every message: does the parser raise, and do subject, sender and body come out clean
(no U+FFFD, no line break in the subject, no encoded word left, not empty where the other
found text)? Then speed of each. The figures decide which parser does what (docs/MAIL.md).
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import mailparser

from tix.mail import parse as mailparse

FALLBACKS = ["windows-1250", "iso-8859-2", "windows-1251", "koi8-r"]
ENCODED_WORD = re.compile(r"=\?[^?]+\?[qQbB]\?")


def dirty(text: str) -> bool:
    return "\ufffd" in text or bool(ENCODED_WORD.search(text)) or bool(re.search(r"\\udc[89a-f]", text))


def with_mailparser(raw: bytes) -> tuple[str, str, str]:
    mail = mailparser.parse_from_bytes(raw)
    subject = mail.subject if isinstance(mail.subject, str) else " | ".join(mail.subject)
    sender = " ".join(f"{name} <{address}>" for name, address in mail.from_) if mail.from_ else ""
    return subject, sender, mail.text_plain[0] if mail.text_plain else (mail.body or "")


def with_tix(raw: bytes) -> tuple[str, str, str]:
    mail = mailparse.parse(raw, FALLBACKS)
    return mail.subject, str(mail.sender or ""), mail.text


def main() -> None:
    import logging

    logging.getLogger("mailparser").setLevel(logging.CRITICAL)  # it logs every part type it skips
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "corpus" / "eml"
    messages = [path.read_bytes() for path in sorted(folder.rglob("*.eml"))]
    print(f"{len(messages)} messages, {sum(map(len, messages)) / 1e6:.1f} MB from {folder}")
    print(f"{'parser':<12}{'raises':>8}{'subject bad':>13}{'sender bad':>12}{'body bad':>10}{'msg/s':>9}")
    for name, parse in (("mail-parser", with_mailparser), ("tix", with_tix)):
        raises = subject_bad = sender_bad = body_bad = 0
        start = time.perf_counter()
        for raw in messages:
            try:
                subject, sender, body = parse(raw)
            except Exception:  # noqa: BLE001  counting failures is the point
                raises += 1
                continue
            subject_bad += dirty(subject) or "\n" in subject
            sender_bad += dirty(sender)
            body_bad += dirty(body[:20000])
        rate = len(messages) / (time.perf_counter() - start)
        print(f"{name:<12}{raises:>8}{subject_bad:>13}{sender_bad:>12}{body_bad:>10}{rate:>9.0f}")


if __name__ == "__main__":
    main()
