"""Where things are in a helpdesk repository, and safe reading and writing of ticket files.

    tix.yaml                       configuration (config.py)
    templates/                     reply templates
    tickets/4K/4KX2QF7A/ticket.md  one folder per ticket, sharded by the first two ID characters;
                                   raw mail and attachments live in the same folder
    .git/tix/                      per-clone derived state: index, lock (never committed)
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from tix import messages as msg
from tix.domain import ids
from tix.domain.model import Ticket
from tix.errors import AmbiguousId, LockHeld, NotAHelpdesk, TicketNotFound
from tix.storage.config import CONFIG_FILE, Config
from tix.storage.files import read_text, register_root, write_atomic
from tix.storage.gitrepo import GitRepo, ensure_merge_driver, git_dir
from tix.storage.location import TICKET_FILE as TICKET_FILE
from tix.storage.location import TICKETS_DIR as TICKETS_DIR
from tix.storage.location import helpdesk_root

LOCK_WAIT_SECONDS = float(os.environ.get("TIX_LOCK_WAIT", "10"))


def find_root(start: Path) -> Path:
    """The helpdesk root: the nearest folder at or above `start` holding tix.yaml and a git repository."""
    root = helpdesk_root(start)
    if root is None:
        raise NotAHelpdesk(msg.not_a_helpdesk(CONFIG_FILE, start.resolve()))
    return root


def ticket_relpath(ticket_id: str) -> str:
    return f"{TICKETS_DIR}/{ids.shard(ticket_id)}/{ticket_id}/{TICKET_FILE}"




class Helpdesk:
    """One helpdesk repository: its configuration, its ticket files and its git."""

    def __init__(self, root: Path) -> None:
        self.root = root
        register_root(root)
        self.git = GitRepo(root)

    @classmethod
    def discover(cls, start: Path) -> Helpdesk:
        """The helpdesk at or above `start` (open_helpdesk also registers the merge driver)."""
        return cls(find_root(start))

    @cached_property
    def config(self) -> Config:
        return Config.load(self.root, self.state_dir / "config.marshal")

    @cached_property
    def state_dir(self) -> Path:
        path = git_dir(self.root) / "tix"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @cached_property
    def clone_id(self) -> str:
        """A random id of this clone, kept in .git/tix (it never travels with a clone)."""
        path = self.state_dir / "clone-id"
        try:
            return path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            value = ids.random_id()
            write_atomic(path, value + "\n")
            return value

    # --- ticket files -------------------------------------------------------

    def path_of(self, ticket_id: str) -> Path:
        return self.root / ticket_relpath(ticket_id)

    def resolve_prefix(self, text: str) -> str:
        """The full ID for a user's ID or unambiguous prefix, looked up in the working tree. Commands
        resolve what a user typed with storage/refs.py's `resolve`, which also takes tags, Message-IDs
        and paths."""
        prefix = ids.normalize(text)
        if prefix is None:
            raise TicketNotFound(msg.not_a_ticket_id(text, ids.ALPHABET))
        if ids.is_full_id(prefix):
            if self.path_of(prefix).is_file():
                return prefix
            raise TicketNotFound(msg.no_ticket(prefix))
        matches = sorted(self._ids_with_prefix(prefix))
        if not matches:
            raise TicketNotFound(msg.no_ticket_matches(prefix))
        if len(matches) > 1:
            raise AmbiguousId(msg.ambiguous_id(prefix, matches))
        return matches[0]

    def _ids_with_prefix(self, prefix: str) -> Iterator[str]:
        base = self.root / TICKETS_DIR
        shards = [prefix[: ids.SHARD_LENGTH]] if len(prefix) >= ids.SHARD_LENGTH else self._names(base, prefix)
        for shard in shards:
            for name in self._names(base / shard, prefix):
                if (base / shard / name / TICKET_FILE).is_file():
                    yield name

    @staticmethod
    def _names(folder: Path, prefix: str) -> list[str]:
        try:
            return [entry.name for entry in os.scandir(folder) if entry.name.startswith(prefix)]
        except (FileNotFoundError, NotADirectoryError):
            return []

    def ticket_names_in_shard(self, shard: str) -> list[str]:
        folder = self.root / TICKETS_DIR / shard
        return [name for name in self._names(folder, "") if (folder / name / TICKET_FILE).is_file()]

    def all_ticket_paths(self) -> Iterator[str]:
        """Relative paths of every ticket file in the working tree."""
        for shard in self._names(self.root / TICKETS_DIR, ""):
            for name in self.ticket_names_in_shard(shard):
                yield f"{TICKETS_DIR}/{shard}/{name}/{TICKET_FILE}"

    def exists(self, ticket_id: str) -> bool:
        return self.path_of(ticket_id).is_file()

    def load(self, ticket_id: str) -> Ticket:
        from tix.storage import ticketfile

        path = self.path_of(ticket_id)  # the id is checked against its folder on loading
        return ticketfile.loads(read_text(path), str(path.relative_to(self.root)))

    def save(self, ticket: Ticket) -> str:
        """Write the ticket file atomically; returns its path relative to the root."""
        from tix.storage import ticketfile

        relpath = ticket_relpath(ticket.id)
        write_atomic(self.root / relpath, ticketfile.dumps(ticket))
        return relpath

    # --- locking ------------------------------------------------------------

    @contextmanager
    def locked(self, wait: float | None = None) -> Iterator[None]:
        """Hold the clone's write lock (one writer at a time: a person, cron import, sync)."""
        wait = LOCK_WAIT_SECONDS if wait is None else wait
        with open(self.state_dir / "lock", "a+") as handle:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise LockHeld(msg.lock_held()) from None
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)



def open_helpdesk(start: Path) -> Helpdesk:
    """The helpdesk at or above `start`, with the ticket merge driver registered in this clone
    (a fresh `git clone` has none until some tix command runs)."""
    helpdesk = Helpdesk.discover(start)
    ensure_merge_driver(helpdesk.git)
    return helpdesk
