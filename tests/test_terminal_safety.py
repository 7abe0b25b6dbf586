"""Customer text never drives the terminal: escape sequences and bidi controls in a body,
a name, a subject or an attachment name are shown as visible marks; the files keep the bytes."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Cli, make_eml

HOSTILE = "red \x1b[31mALERT\x1b[0m clip \x1b]52;c;cm0gLXJmIH4=\x07 csi \x9b2J bidi invoice\u202efdp.exe bell \x07"
DANGEROUS = ("\x1b", "\x07", "\x9b", "\u202e")


def test_show_list_and_log_print_no_escape_sequences_from_customer_text(tix: Cli, tmp_path: Path) -> None:
    mail = tmp_path / "m.eml"
    mail.write_bytes(make_eml(body=HOSTILE, attachments=[("note\u202etxt.exe", b"x")]))
    tix.ok("import", str(mail))
    ticket_id = json.loads(tix.ok("list", "--format", "json").out)[0]["id"]
    for args in (("show", ticket_id), ("list",), ("list", "--format", "csv"), ("log", ticket_id), ("log",)):
        out = tix.ok(*args).out
        assert not any(char in out for char in DANGEROUS), (args, out)
    shown = tix.ok("show", ticket_id).out
    assert "^[[31mALERT" in shown and "<U+202E>" in shown and "<U+009B>" in shown
    # JSON: the same text for a script, and still nothing a terminal would obey
    raw_json = tix.ok("show", ticket_id, "--format", "json").out
    assert not any(char in raw_json for char in DANGEROUS)
    text = json.loads(raw_json)["entries"][0]["text"]
    assert "\x1b[31mALERT" in text and "\u202e" in text and "\x9b" in text
    # the ticket file keeps the customer's text as it came
    [path] = (tix.cwd / "tickets").rglob("ticket.md")
    assert "\x1b[31mALERT" in path.read_text(encoding="utf-8")


def test_every_character_the_terminal_would_obey_is_one_isprintable_refuses() -> None:
    """render/text.printable returns text str.isprintable() accepts without searching it: that
    is safe only while every character it escapes is one isprintable() refuses."""
    import re

    from tix.render import text

    unsafe = re.compile(text._UNSAFE.pattern)
    escaped = [chr(code) for code in range(0x110000) if unsafe.match(chr(code))]
    assert len(escaped) == 30 + 1 + 32 + 5 + 4 + 3  # C0 but tab and LF, DEL, C1, bidi overrides, isolates, marks
    assert not [char for char in escaped if char.isprintable()]
    assert text.printable("Zażółć gęślą jaźń, Съешь же ещё") == "Zażółć gęślą jaźń, Съешь же ещё"
    assert text.printable("a\x1bb\u202ec") == "a^[b<U+202E>c"
    assert text.printable("line one\n\tline two\n") == "line one\n\tline two\n"
    assert text.printable("line one\n\x1b[2J\n") == "line one\n^[[2J\n"


def test_one_line_gives_what_the_search_gives_whether_or_not_the_text_is_printable() -> None:
    """domain/model.one_line skips its search for text str.isprintable() accepts: the same result."""
    import re

    from tix.domain import model

    control = re.compile(model._CONTROL.pattern)
    assert not [chr(code) for code in range(0x110000) if control.match(chr(code)) and chr(code).isprintable()]
    for value in ("  Jan   Kowalski ", "Zażółć\u00a0gęślą", "a\nb\tc\u2028d\x85e", "x\x1b[31my", "", "\u3000wide\u3000"):
        assert model.one_line(value) == " ".join(control.sub(" ", value).split()), value
