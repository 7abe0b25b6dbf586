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
