"""The YAML subset reader (storage/yamlsubset.py) against PyYAML itself: whatever it answers must be
exactly what PyYAML's safe loader gives (types included), and anything else must be NOT_SIMPLE."""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from tix.storage import ticketfile, yamlsubset
from tix.storage.yamlio import dump_yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

TRICKY = [
    "", " ", "a", "yes", "No", "y", "n", "null", "~", "NULL", "Null", "TRUE", "oN", "off", "1", "01", "0", "-0",
    "0x1f", "0o17", "0b101", "1_000", "1.5", "1.", ".5", "1e3", "1.0e+3", "+1.5", ".inf", "-.inf", "+.inf", ".nan",
    "+5", "-5", "12:30", "190:20:30", "1:30.5", "2026-12-01", "2026-12-01T10:00:00+01:00", "2026-12-01 10:00:00",
    "2026-12-01T10:00:00.123456789Z", "2026-12-01T10:00:00Z", "2026-12-01T10:00:00.5-02:30", "2026-1-1 1:00:00",
    "<<", "=", "!", "&", "*", "&a", "*a", "!tag x", "Re: hello", "Re:hello", "a #b", "a# b", "#x", "- x", "-x", "-",
    "? x", "?x", ":x", "x:", "a: b", "[x]", "[]", "{x}", "{}", "'q'", '"q"', "it's", 'say "hi"', "back\\slash",
    "tab\tx", "line\nbreak", "cr\rx", "\u2028", "x\u2029y", "\x85", "\ufeff", "trailing ", " leading", "%x", "@x",
    "`x", "|x", ">x", "ł ё 漢字 Zażółć gęślą jaźń", "<tix.abc@x>", "a,b", "a]b", "emoji 😀", "\x00", "\x1b[31m", "=x",
    "<x", "aux", "4KX2QF7A", "2E3BC4D5", "1e", "a  b", "\\", '"', "'", "''", "a'b'", "\\x41", "\\u0141", "x #",
    "a\\nb", "...", "---", "--- x", "a\u00a0b", "\ue000", "\U0001f600", "\ud7ff", "#", "#!", "a:b:c", "https://x/y?z#w",
    "mailto:a@b", "C:\\path", "0777", "+0", "1__0", "._", "e5", "True1", "nulls", "~x", "%TAG", "\x7f", "\xa0",
]


def same(a: Any, b: Any) -> bool:
    """Equal values of equal types all the way down (True is not 1; offsets of datetimes too)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, datetime):
        return a == b and a.utcoffset() == b.utcoffset()
    if isinstance(a, float) and a != a:
        return b != b
    return bool(a == b)


def check(text: str) -> bool:
    """Assert the subset reader agrees with PyYAML on `text`; True when it answered itself."""
    fast = yamlsubset.load(text)
    try:
        expected = yaml.load(text, Loader=LOADER)
    except yaml.YAMLError:
        assert fast is yamlsubset.NOT_SIMPLE, (text, fast)
        return False
    if fast is yamlsubset.NOT_SIMPLE:
        return False
    assert same(fast, expected), (text, fast, expected)
    return True


def documents(value: str) -> list[str]:
    data: list[Any] = [{"k": value}, {"k": [value, value]}, {"n": {"k": value, "m": {"x": value}}, "after": value},
                       {"k": [], "m": {}, "z": None}]  # fmt: skip
    if value and value.strip() == value and "\n" not in value:
        data.append({value: "x"})
    texts = [dump_yaml(item, flow_lists=flow) for item in data for flow in (False, True)]
    texts += [yaml.safe_dump(item, allow_unicode=True) for item in data]
    # as a person might type them
    texts += [f"k: {value}\n", f"k: {value} # note\n", f"k:\n  - {value}\n", f"k:\n- {value}\n- b\n",
              f"k: [{value}, b]\n", f"# head\nk: '{value}'\n", f'k: "{value}"\n', f"a:\n  b: {value}\n c: d\n"]  # fmt: skip
    return texts


def test_every_tricky_value_reads_as_pyyaml_reads_it_or_goes_to_pyyaml() -> None:
    answered = sum(check(text) for value in TRICKY for text in documents(value))
    assert answered > len(TRICKY) * 5  # the reader answers most of these itself, not only the easy ones


def test_random_values_and_random_documents_agree_with_pyyaml() -> None:
    rng = random.Random(12)
    alphabet = list("ab z09:#-?'\"[]{},&*!|>%@`\\~.+_=<\t\nłё漢😀") + ["\x85", "\u2028", "\xa0", ": ", " #", "- "]
    answered = 0
    for _ in range(1500):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12)))
        answered += sum(check(text) for text in documents(value))
    tokens = ["k", "key", "a.b", "x", ":", ": ", " ", "  ", "-", "- ", "#", " # c", "'s'", '"d\\n"', "1", "yes", "[", "]",
              "{}", "[]", ",", "\n", "\n  ", "\n- ", "null", "2026-01-01T00:00:00Z", "ł", "~", "&a", "*a", "!!str"]  # fmt: skip
    for _ in range(4000):
        check("".join(rng.choice(tokens) for _ in range(rng.randrange(1, 16))))
    assert answered > 1500


def test_a_key_twice_goes_to_pyyaml_so_the_strict_loader_can_name_it() -> None:
    assert yamlsubset.load("a: 1\nb: 2\na: 3\n") is yamlsubset.NOT_SIMPLE


def test_what_tix_writes_is_read_without_pyyaml(tmp_path: Path) -> None:
    # the speed of `tix show` depends on this: tix's own files never need the real parser
    from tix.domain.model import Entry, Person, Ticket

    when = datetime.fromisoformat("2026-11-23T09:00:00+01:00")
    ticket = Ticket(id="4KX2QF7A", subject="Re: Zamówienie #123 — nie dotarło", requester=Person("Jan Kowalski", "jan@example.pl"),
                    status="open", priority="high", created=when, updated=when, owner="anna@example.com", tags=["vip", "dostawa"],
                    message_ids=["<a@b>", "<tix.4KX2QF7A.x@example.com>"], participants=["ewa@example.pl"],
                    extra={"due": {"first_response": "2026-11-23T13:00:00+01:00"}, "language": "pl"})  # fmt: skip
    ticket.entries.append(Entry("E1", "inbound", "Jan Kowalski <jan@example.pl>", when, "Dzień dobry"))
    text = ticketfile.dumps(ticket)
    front = text.split("---\n")[1]
    assert check(front)
    assert ticketfile.loads(text) == ticketfile.loads(text)  # and the codec reads it back whole
    from tix.cli.main import main

    assert main(["init", str(tmp_path / "desk"), "--email", "support@example.com"]) == 0
    assert check((tmp_path / "desk" / "tix.yaml").read_text(encoding="utf-8"))  # the configuration tix init writes


def test_ticket_files_are_split_where_python_frontmatter_splits_them() -> None:
    from frontmatter.default_handlers import YAMLHandler

    boundary = YAMLHandler.FM_BOUNDARY
    assert boundary is not None
    assert (ticketfile._FM_BOUNDARY.pattern, ticketfile._FM_BOUNDARY.flags) == (boundary.pattern, boundary.flags)


def check_dump(data: Any) -> bool:
    """The subset writer writes what PyYAML writes, byte for byte, or declines; True when it wrote."""
    answered = False
    for flow in (False, True):
        fast = yamlsubset.dump(data, flow_lists=flow)
        if fast is not None:
            assert fast == dump_yaml(data, flow_lists=flow), (data, flow, fast, dump_yaml(data, flow_lists=flow))
            answered = True
    return answered


def test_the_writer_writes_what_pyyaml_writes_or_declines() -> None:
    when = datetime.fromisoformat("2026-11-23T09:00:00.250000+01:00")
    written = 0
    rng = random.Random(7)
    alphabet = list("ab z09:#-?'\"[]{},&*!|>%@`\\~.+_=<ł😀") + ["\x85", "\u2028", "\xa0", ": ", " #", "- ", "\t", "\n"]
    values = TRICKY + ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 10))) for _ in range(3000)]
    for value in values:
        for data in ({"k": value}, {"k": [value, "b"], "n": {"x": value, "when": when}}, {value: 1}, {"a": {"b": {"c": [value]}}}):
            written += check_dump(data)
    for data in ({}, {"k": None, "t": True, "f": False, "i": 7, "neg": -3, "l": [], "d": {}}, {"x": [1, None, True, when]},
                 {"k": 1.5}, {"k": [[1]]}, {"k": [{"a": 1}]}, {1: "x"}, {"k": b"x"}):  # fmt: skip
        written += check_dump(data)
    assert written > 5000


def test_the_writer_writes_tix_tickets_itself() -> None:
    from tix.domain.model import Person, Ticket

    when = datetime.fromisoformat("2026-11-23T09:00:00+01:00")
    ticket = Ticket(id="4KX2QF7A", subject="Re: Zamówienie #123 — it's late", requester=Person("Jan Kowalski", "jan@example.pl"),
                    status="open", priority="high", created=when, updated=when, tags=["vip"], message_ids=["<a@b>"],
                    extra={"due": {"first_response": when}, "sla": {"breached": False}})  # fmt: skip
    assert check_dump(ticketfile.front_matter(ticket))
