"""Links between tickets, and merged tickets, pure (issue 18 #5; docs/FORMAT.md).

A link is kept on both tickets, as a list of IDs under a front-matter key for each side of its kind:

    tix link A B                    A  related: [B]        B  related: [A]
    tix link A B --kind duplicate   A  duplicates: [B]     B  duplicate_of: [A]
    tix link A B --kind parent      A  children: [B]       B  parent: [A]

`tix merge A B` links A and B as a duplicate and leaves B a closed stub with `merged_into: A`:
mail that threads to B is filed on A (`follow_merges`). The lists merge as sets between clones
(storage/mergedriver.py), so two teammates linking one ticket at once both keep their link.
"""

from __future__ import annotations

from collections.abc import Callable

TYPE_CHECKING = False  # as typing's, without importing typing (3 ms; tests/test_startup_imports.py)
if TYPE_CHECKING:
    from typing import Any

KINDS = {"related": ("related", "related"), "duplicate": ("duplicates", "duplicate_of"), "parent": ("children", "parent")}
KEYS = ("related", "duplicates", "duplicate_of", "children", "parent")
MERGED_INTO = "merged_into"
DUPLICATE_TAG = "duplicate"
SPAM_TAG = "spam"


def linked(extra: dict[str, Any], key: str) -> list[str]:
    value = extra.get(key)
    return [str(item) for item in value] if isinstance(value, list) else []


def add(extra: dict[str, Any], key: str, ticket_id: str) -> bool:
    """Link `ticket_id` under `key`; False when it was linked already."""
    current = linked(extra, key)
    if ticket_id in current:
        return False
    extra[key] = sorted([*current, ticket_id])
    return True


def remove(extra: dict[str, Any], ticket_id: str) -> list[str]:
    """Unlink `ticket_id` under every key; the keys it was under."""
    found = []
    for key in KEYS:
        current = linked(extra, key)
        if ticket_id in current:
            found.append(key)
            rest = [item for item in current if item != ticket_id]
            if rest:
                extra[key] = rest
            else:
                del extra[key]
    return found


def links_of(extra: dict[str, Any]) -> list[dict[str, str]]:
    """Every link of a ticket, as `tix show -f json` gives them: {kind (the key), ticket}."""
    return [{"kind": key, "ticket": ticket_id} for key in KEYS for ticket_id in linked(extra, key)]


def merged_into(extra: dict[str, Any]) -> str | None:
    value = extra.get(MERGED_INTO)
    return str(value) if value else None


def follow_merges(ticket_id: str, target_of: Callable[[str], str | None]) -> str:
    """The ticket that mail for `ticket_id` belongs in: through `merged_into` to the ticket that
    still stands (`target_of` gives a ticket's `merged_into` when that ticket exists, else None)."""
    seen = {ticket_id}
    while (target := target_of(ticket_id)) is not None and target not in seen:
        seen.add(target)
        ticket_id = target
    return ticket_id
