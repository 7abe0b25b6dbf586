"""Threading identities, pure: our Message-ID format and its signature (issue 9 #15), and the
ticket tag in subjects. Reading the secret is storage/secret.py's job.

    <tix.TICKET.ENTRY.INSTANCE.SIG@domain>

SIG is HMAC-SHA256 over "TICKET.ENTRY.INSTANCE" with the helpdesk's secret, truncated to 16 hex
digits. The secret is shared by every clone, so it lives in the repository (`.tix/secret`,
tracked; customers never see it). When the file is missing it is made from the repository's
root commit, so two clones that make it before they sync make the same file (no add/add
conflict); replace it with random text to rotate (old IDs then stop verifying).

Older helpdesks sent unsigned `<tix.TICKET.ENTRY.INSTANCE@domain>`: `ours` accepts one only when
that exact Message-ID is recorded on the ticket as one of our own entries.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable

from tix.domain.ids import ALPHABET, ID_LENGTH

_ID = f"[{ALPHABET}]"
SIGNED = re.compile(rf"^<tix\.({_ID}{{{ID_LENGTH}}})\.({_ID}+)\.([A-Za-z0-9-]+)\.([0-9a-f]{{16}})@[^<>@\s]+>$", re.IGNORECASE)
UNSIGNED = re.compile(rf"^<tix\.({_ID}{{{ID_LENGTH}}})\.({_ID}+)\.([A-Za-z0-9-]+)@[^<>@\s]+>$", re.IGNORECASE)


def signature(secret: bytes, ticket_id: str, entry_id: str, instance: str) -> str:
    payload = f"{ticket_id.upper()}.{entry_id.upper()}.{instance.lower()}".encode()
    return hmac.new(secret, payload, hashlib.sha256).hexdigest()[:16]


def make(secret: bytes, ticket_id: str, entry_id: str, instance: str, domain: str) -> str:
    return f"<tix.{ticket_id}.{entry_id}.{instance}.{signature(secret, ticket_id, entry_id, instance)}@{domain}>"


def verify(message_id: str, secret: bytes, instance: str | None = None) -> tuple[str, str] | None:
    """(ticket, entry) when `message_id` is one we signed (and, given `instance`, from it)."""
    match = SIGNED.match(message_id.strip())
    if not match:
        return None
    ticket_id, entry_id, their_instance, sig = match.groups()
    if instance is not None and their_instance.lower() != instance.lower():
        return None
    if not hmac.compare_digest(sig.lower(), signature(secret, ticket_id, entry_id, their_instance)):
        return None
    return ticket_id.upper(), entry_id.upper()


def unsigned_claim(message_id: str, instance: str | None = None) -> tuple[str, str] | None:
    """(ticket, entry) an old unsigned Message-ID of ours names, not yet proven ours."""
    match = UNSIGNED.match(message_id.strip())
    if not match or (instance is not None and match.group(3).lower() != instance.lower()):
        return None
    return match.group(1).upper(), match.group(2).upper()


def recorded_as_ours(message_id: str, entry_id: str, entries: Iterable[tuple[str, str, str | None]]) -> bool:
    """An unsigned ID is ours only when the ticket records it on one of our own entries (a reply or
    other outgoing entry, never an inbound message): `entries` gives (id, kind, message_id)."""
    wanted = message_id.strip().lower()
    return any(kind != "inbound" and (mid or "").lower() == wanted and eid.upper() == entry_id for eid, kind, mid in entries)


def tag_pattern(tag_format: str, instance: str) -> re.Pattern[str]:
    """The ticket tag of our subjects (`mail.tag`, e.g. "[{instance}#{id}]") as a pattern whose
    one group is the ticket ID."""
    tag = re.escape(tag_format).replace(r"\{instance\}", re.escape(instance)).replace(r"\{id\}", f"({_ID}{{{ID_LENGTH}}})")
    return re.compile(tag, re.IGNORECASE)
