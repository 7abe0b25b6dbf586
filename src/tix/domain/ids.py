"""Ticket IDs: 8 characters from a 31-letter alphabet with no look-alikes (no 0/O, 1/I/L).

Hand-made tickets get random IDs; tickets opened from mail get an ID derived from the
Message-ID, so two clones importing the same message agree on it. See docs/FORMAT.md
for the collision odds.
"""

from __future__ import annotations

import re

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ID_LENGTH = 8
SHARD_LENGTH = 2
_VALID = re.compile(f"^[{ALPHABET}]+$")


def random_id() -> str:
    import secrets

    return "".join(secrets.choice(ALPHABET) for _ in range(ID_LENGTH))


def derived_id(key: str, attempt: int = 0) -> str:
    """A deterministic ID for `key` (e.g. a Message-ID). `attempt` > 0 steps past a clash."""
    material = key if attempt == 0 else f"{key}\x00{attempt}"
    import hashlib

    number = int.from_bytes(hashlib.sha256(material.encode("utf-8")).digest()[:8], "big")
    chars = []
    for _ in range(ID_LENGTH):
        number, digit = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[digit])
    return "".join(chars)


def normalize(text: str) -> str | None:
    """Upper-case an ID or prefix typed by a user ('#4kx2' -> '4KX2'); None if it cannot be one."""
    candidate = text.strip().lstrip("#").upper()
    if not candidate or len(candidate) > ID_LENGTH or not _VALID.match(candidate):
        return None
    return candidate


def is_full_id(text: str) -> bool:
    return len(text) == ID_LENGTH and bool(_VALID.match(text))


def shard(ticket_id: str) -> str:
    return ticket_id[:SHARD_LENGTH]
