"""The subset writer's fast path for strings (storage/yamlsubset.write_patterns()["plain"]): it must decide
exactly as the full way (_plain) does, and it must be the way tix's own tickets take."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

import pytest
from test_yamlsubset import TRICKY

from tix.storage import yamlsubset
from tix.storage.yamlio import dump_yaml


def slow(value: str) -> str | None:
    """What the writer wrote for a string before the fast path (None: declined)."""
    yamlsubset.write_patterns()  # as dump() does first
    try:
        plain = yamlsubset._plain(value, flow=False)
        if plain is not None:
            return plain
        if yamlsubset.write_patterns()["odd"].search(value):
            return None
        return "'" + value.replace("'", "''") + "'"
    except yamlsubset._NotSimple:
        return None


def fast(value: str) -> str | None:
    yamlsubset.write_patterns()
    try:
        return yamlsubset._dump_string(value, flow=False)
    except yamlsubset._NotSimple:
        return None


def values() -> list[str]:
    rng = random.Random(3)
    alphabet = list("aZ<< z09:#-?'\"[]{},&*!|>%@`\\~.+_=\t\nłё漢😀") + ["\x85", "\u2028", "\xa0", ": ", " #", "- ", "\x7f"]
    found = TRICKY + ["<<", "<", "<<x", "< ", "<:", "a:", "a :", "yes", "Null", "Re: x", "a#b", "a #"]
    found += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 9))) for _ in range(20_000)]
    found += ["1e3", "1E", "0x1f", "0b1", "0o7", "12", "1a", "9z9", "1_a", "1.a", "1:a", "1-a"]
    found += [rng.choice("aY<") + "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 6))) for _ in range(20_000)]
    found += [rng.choice("0123456789") + "".join(rng.choice("0123456789abexoXEB._:-+") for _ in range(rng.randrange(0, 6))) for _ in range(20_000)]
    return found


def test_the_fast_path_writes_every_string_as_the_full_way_does() -> None:
    for value in values():
        assert fast(value) == slow(value), value


@pytest.mark.parametrize("value", ["Printer on fire", "<a.b@example.com>", "Jan Kowalski", "jan@example.pl", "<<", "yes", "a: b"])
def test_the_fast_path_agrees_with_pyyaml(value: str) -> None:
    assert yamlsubset.dump({"k": value, "l": [value]}) == dump_yaml({"k": value, "l": [value]})


def test_a_tickets_front_matter_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Work counted: a ticket's usual strings and known keys never take _plain's full way."""
    when = datetime.fromisoformat("2026-11-23T09:00:00+01:00")
    meta: dict[str, Any] = {
        "id": "4KX2QF7A", "subject": "Printer on fire", "status": "new", "priority": "normal", "owner": None, "tags": ["vip"],
        "channel": "email", "requester": {"name": "Jan Kowalski", "email": "jan@example.pl"}, "participants": ["ewa@example.pl"],
        "created": when, "updated": when, "message_ids": [f"<m{n}.x@example.com>" for n in range(50)], "first_response_due": when,
    }  # fmt: skip
    expected = dump_yaml(meta)
    assert yamlsubset.dump(meta) == expected  # the first dump learns the keys
    calls = 0
    real = yamlsubset._plain

    def counting(text: str, flow: bool) -> str | None:
        nonlocal calls
        calls += 1
        return real(text, flow)

    monkeypatch.setattr(yamlsubset, "_plain", counting)
    assert yamlsubset.dump(meta) == expected
    assert calls == 0


def _characters_matched(parsed: Any) -> set[str]:
    """Every character a parsed regular expression (re._parser's tree) can consume."""
    from re import _constants as c  # type: ignore[attr-defined]

    found: set[str] = set()
    for op, arg in parsed:
        if op is c.LITERAL:
            found.add(chr(arg))
        elif op is c.IN:
            for kind, value in arg:
                if kind is c.LITERAL:
                    found.add(chr(value))
                elif kind is c.RANGE:
                    found.update(chr(code) for code in range(value[0], value[1] + 1))
                else:
                    raise AssertionError(f"not read here: {kind}")
        elif op is c.BRANCH:
            for branch in arg[1]:
                found |= _characters_matched(branch)
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
            found |= _characters_matched(arg[2])
        elif op is c.SUBPATTERN:
            found |= _characters_matched(arg[3])
        elif op is not c.AT:
            raise AssertionError(f"not read here: {op}")
    return found


def test_the_characters_a_typed_scalar_can_hold_are_the_typed_patterns_own() -> None:
    """_TYPED_CHARACTERS, which spares a scalar the typed pattern (and the pattern its compiling),
    is exactly what that pattern can match, read out of the pattern itself."""
    from re import _parser  # type: ignore[attr-defined]

    pattern = yamlsubset._PYYAML_TYPED
    assert _characters_matched(_parser.parse(pattern.pattern, pattern.flags)) == set(yamlsubset._TYPED_CHARACTERS)
    for text in ("1_000", "0x1F", "+.inf", ".NaN", "2026-1-2 3:04:05.5 +01", "<<", "190:20:30", "0b1010"):
        assert yamlsubset._PYYAML_TYPED.fullmatch(text) and yamlsubset._TYPED_CHARACTERS.issuperset(text)
    assert yamlsubset.load("a: 1h\nb: 2026-1-2\nc: 0x1F\nd: zażółć\n") is yamlsubset.NOT_SIMPLE  # 2026-1-2: PyYAML's date
    # each of its forms begins with one of _TYPED_FIRST: no string of its characters that begins otherwise matches
    rng, alphabet = random.Random(12), sorted(yamlsubset._TYPED_CHARACTERS)
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 10)))
        if text[0] not in yamlsubset._TYPED_FIRST:
            assert not yamlsubset._PYYAML_TYPED.fullmatch(text), text


def test_a_printable_text_skips_the_odd_character_search_and_an_odd_one_is_still_found() -> None:
    for odd in ("\t", "\x85", "\u2028", "\ufeff", "\x7f", "\r"):
        assert yamlsubset.load(f"a: b{odd}c\n") is yamlsubset.NOT_SIMPLE, repr(odd)
    assert yamlsubset.load("a: zażółć gęślą jaźń\nb: Привет\n") == {"a": "zażółć gęślą jaźń", "b": "Привет"}
