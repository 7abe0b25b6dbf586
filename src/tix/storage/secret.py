"""The helpdesk's Message-ID secret (`.tix/secret`, tracked; domain/identities.py signs with it).

When the file is missing it is made from the repository's root commit, so two clones that make
it before they sync make the same file (no add/add conflict)."""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
import stat
from pathlib import Path

from tix import messages as msg
from tix.domain import identities
from tix.storage.files import UnsafePath, ensure_real_dirs
from tix.storage.gitrepo import GitRepo
from tix.storage.layout import Helpdesk

SECRET_PATH = ".tix/secret"


def _root_commit(root: Path) -> str:
    roots = sorted(GitRepo(root).root_commits())
    return roots[0] if roots else secrets.token_hex(32)


def load_secret(root: Path) -> tuple[bytes, bytes | None]:
    """(the secret, the file's content when it must still be written and committed, else None)."""
    path = root / SECRET_PATH
    ensure_real_dirs(path.parent, create=False)  # a regular file of the helpdesk only: a pushed
    try:  # symlink to ~/.config/tix/smtp-password would sign every Message-ID with it (issue 10 #4)
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        fd = None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafePath(msg.unsafe_symlink(SECRET_PATH, tracked_by_tix=True)) from None
        raise
    if fd is not None:
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise UnsafePath(msg.unsafe_not_regular(SECRET_PATH))
            return handle.read().strip(), None
    text = hashlib.sha256(f"tix-secret:{_root_commit(root)}".encode()).hexdigest().encode()
    return text, text + b"\n"


def ours(hd: Helpdesk, message_id: str, instance: str | None = None, secret: bytes | None = None) -> tuple[str, str] | None:
    """(ticket, entry) if `message_id` is provably ours — signed with this helpdesk's secret, or an
    old unsigned ID recorded on that ticket as our own entry — else None."""
    if identities.SIGNED.match(message_id.strip()):
        return identities.verify(message_id, secret if secret is not None else load_secret(hd.root)[0], instance)
    claim = identities.unsigned_claim(message_id, instance)
    if claim is None or not hd.exists(claim[0]):
        return None
    entries = ((entry.id, entry.kind, entry.message_id) for entry in hd.load(claim[0]).entries)
    return claim if identities.recorded_as_ours(message_id, claim[1], entries) else None
