"""User-facing wording shared across commands. `count(2, "message")` is "2 messages",
`count(1, "message")` is "1 message": no "1 messages" anywhere (issue 11 #3, the start of the
message catalogue)."""

from __future__ import annotations

IRREGULAR = {"follow-up": "follow-ups", "reply": "replies", "duplicate skipped": "duplicates skipped"}


def count(number: int, singular: str, plural: str | None = None) -> str:
    """The number (with thousands separators) and the noun in the right form."""
    if number == 1:
        return f"1 {singular}"
    return f"{number:,} {plural or IRREGULAR.get(singular) or singular + 's'}"
