"""Our Message-IDs, and telling them from forgeries (issue 9 #15).

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
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tix.store import Helpdesk

SECRET_PATH = ".tix/secret"
_ID = "[2-9A-HJKMNP-Z]"
SIGNED = re.compile(rf"^<tix\.({_ID}{{8}})\.({_ID}+)\.([A-Za-z0-9-]+)\.([0-9a-f]{{16}})@[^<>@\s]+>$", re.IGNORECASE)
UNSIGNED = re.compile(rf"^<tix\.({_ID}{{8}})\.({_ID}+)\.([A-Za-z0-9-]+)@[^<>@\s]+>$", re.IGNORECASE)


def _root_commit(root: Path) -> str:
    import subprocess

    result = subprocess.run(["git", "rev-list", "--max-parents=0", "HEAD"], cwd=root, capture_output=True, text=True, check=False)
    roots = sorted(result.stdout.split())
    if not roots:
        import secrets

        return secrets.token_hex(32)
    return roots[0]


def load_secret(root: Path) -> tuple[bytes, bytes | None]:
    """(the secret, the file's content when it must still be written and committed, else None)."""
    import errno
    import os
    import stat

    from tix.store import UnsafePath, ensure_real_dirs

    path = root / SECRET_PATH
    ensure_real_dirs(path.parent, create=False)  # a regular file of the helpdesk only: a pushed
    try:  # symlink to ~/.config/tix/smtp-password would sign every Message-ID with it (issue 10 #4)
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        fd = None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafePath(f"refusing to read {SECRET_PATH}: it is a symlink (committed by someone?); restore it with git") from None
        raise
    if fd is not None:
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise UnsafePath(f"refusing to read {SECRET_PATH}: it is not a regular file")
            return handle.read().strip(), None
    text = hashlib.sha256(f"tix-secret:{_root_commit(root)}".encode()).hexdigest().encode()
    return text, text + b"\n"


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


def ours(hd: Helpdesk, message_id: str, instance: str | None = None) -> tuple[str, str] | None:
    """For the importer (`_handle`, `_thread`): (ticket, entry) if `message_id` is provably ours —
    signed with this helpdesk's secret, or an old unsigned ID recorded on that ticket as our own
    entry (a reply or other outgoing entry, never an inbound message) — else None."""
    if SIGNED.match(message_id.strip()):
        return verify(message_id, load_secret(hd.root)[0], instance)
    match = UNSIGNED.match(message_id.strip())
    if not match or (instance is not None and match.group(3).lower() != instance.lower()):
        return None
    ticket_id, entry_id = match.group(1).upper(), match.group(2).upper()
    if not hd.exists(ticket_id):
        return None
    ticket = hd.load(ticket_id)
    wanted = message_id.strip().lower()
    for entry in ticket.entries:
        if entry.kind != "inbound" and (entry.message_id or "").lower() == wanted and entry.id.upper() == entry_id:
            return ticket_id, entry_id
    return None
