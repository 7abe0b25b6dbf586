"""What `tix delete` leaves behind: `.tix/deleted/ID.json`, tracked, one file per deleted ticket
(so two clones deleting two tickets never touch one file). It names the ticket, who deleted it and
when, and its Message-IDs: intake files the same mail again as a duplicate, in every clone, instead
of opening the ticket again (services/intake.py). `git revert` of the delete commit removes it with
the rest."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from tix.domain.model import Person, Ticket
from tix.storage.files import UnsafePath, ensure_real_dirs, read_text

DELETED_DIR = ".tix/deleted"


def tombstone(ticket: Ticket, actor: Person, now: datetime) -> tuple[str, bytes]:
    """The file (path, content) that remembers a deleted ticket."""
    data = {"id": ticket.id, "subject": ticket.subject, "requester": str(ticket.requester), "deleted": now.isoformat(),
            "by": str(actor), "message_ids": list(ticket.message_ids)}  # fmt: skip
    return f"{DELETED_DIR}/{ticket.id}.json", (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def deleted_messages(root: Path) -> dict[str, str]:
    """Message-ID -> the deleted ticket that held it. A file that cannot be read is passed over:
    at worst that mail is imported again."""
    folder = root / DELETED_DIR
    try:
        ensure_real_dirs(folder, create=False)
        paths = sorted(folder.glob("*.json")) if folder.is_dir() else []
    except UnsafePath:
        return {}
    found: dict[str, str] = {}
    for path in paths:
        try:
            data = json.loads(read_text(path))
        except (OSError, ValueError, UnsafePath):
            continue
        if isinstance(data, dict) and isinstance(data.get("message_ids"), list):
            for message_id in data["message_ids"]:
                found[str(message_id)] = str(data.get("id") or path.stem)
    return found
