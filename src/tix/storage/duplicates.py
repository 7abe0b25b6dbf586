"""Whether a message is held already. The ledger's hints (a file's fingerprint, the hash of its
bytes, each with the Message-ID imported from it) are confirmed by the index: a message counts
as held only while a ticket holds its Message-ID."""

from __future__ import annotations

import os
import re
from pathlib import Path

from tix.storage.index import Index
from tix.storage.ledger import Ledger

_MESSAGE_ID_HEADER = re.compile(rb"^message-id:[ \t]*(?:\r?\n[ \t]+)?(<[^>\r\n]*>)", re.IGNORECASE | re.MULTILINE)


class Duplicates:
    def __init__(self, ledger: Ledger, index: Index) -> None:
        self.ledger, self.index = ledger, index

    def holder(self, message_id: str) -> str | None:
        """The ticket holding a message: imported earlier, or earlier in this run."""
        return self.index.ticket_for_message(message_id) or self.index.run_ticket(message_id)

    def same_file(self, fingerprint: str, path: Path | None) -> tuple[str, str, str] | None:
        """(content hash, Message-ID, ticket) when this very file was imported before — settled
        by reading its head only."""
        seen = self.ledger.known_file(fingerprint)
        if seen:
            digest, known = seen
            ticket = self.holder(known)
            if ticket and head_names(path, known):
                return digest, known, ticket
        return None

    def same_bytes(self, digest: str) -> tuple[str, str] | None:
        """(Message-ID, ticket) when the same bytes were imported before."""
        imported = self.ledger.imported_message(digest)
        holder = self.holder(imported) if imported else None
        return (imported, holder) if imported and holder else None


def head_names(path: Path | None, message_id: str) -> bool:
    """Whether the file's own header names `message_id`. The (device, inode, size, mtime)
    cache only says which message a file probably is — an inode is reused, timestamps can be
    equal — so a skip is confirmed by the file's Message-ID (within its first 16 KB, read 4 KB
    at a time; past that it is hashed whole)."""
    if path is None:
        return False
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return False
    head = b""
    try:
        while len(head) < 16384:
            more = os.read(fd, 4096)
            head += more
            end = min((i for i in (head.find(b"\n\n"), head.find(b"\r\n\r\n")) if i >= 0), default=-1)
            match = _MESSAGE_ID_HEADER.search(head if end < 0 else head[:end])  # never one in the body
            if match:  # complete: it ends at its '>' (more bytes cannot change it)
                return match.group(1).decode("utf-8", "replace") == message_id
            if end >= 0 or not more:
                return False
    except OSError:
        return False
    finally:
        os.close(fd)
    return False
