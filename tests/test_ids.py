from __future__ import annotations

from tix.domain import ids


def test_random_ids_are_eight_unambiguous_characters() -> None:
    for _ in range(500):
        ticket_id = ids.random_id()
        assert len(ticket_id) == 8
        assert not set(ticket_id) & set("01OIL")
        assert ids.is_full_id(ticket_id)


def test_derived_ids_are_deterministic_and_distinct() -> None:
    assert ids.derived_id("<a@example.com>") == ids.derived_id("<a@example.com>")
    assert ids.derived_id("<a@example.com>") != ids.derived_id("<b@example.com>")
    assert ids.derived_id("<a@example.com>", 1) != ids.derived_id("<a@example.com>")
    generated = {ids.derived_id(f"<{n}@example.com>") for n in range(20_000)}
    assert len(generated) == 20_000
    assert all(ids.is_full_id(ticket_id) for ticket_id in generated)


def test_normalize_accepts_case_and_hash_and_refuses_lookalikes() -> None:
    assert ids.normalize("#4kx2") == "4KX2"
    assert ids.normalize(" 4KX2QF7A ") == "4KX2QF7A"
    assert ids.normalize("4KO2") is None  # 'O' is never part of an ID
    assert ids.normalize("") is None
    assert ids.normalize("4KX2QF7AB") is None
