"""An import batch on disk: its files written, then committed in one pack while the importer
goes on. Before a batch writes a file it lists the batch's paths in the import journal, so a
run killed at any moment loses nothing: the next run commits what the journal lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from tix import messages as msg
from tix.domain import commits
from tix.domain.model import Person, Ticket
from tix.errors import storage_error
from tix.storage import ticketfile
from tix.storage.files import ensure_real_dirs, write_many
from tix.storage.gitrepo import FileCommit
from tix.storage.index import Index
from tix.storage.journal import ImportJournal
from tix.storage.layout import Helpdesk, ticket_relpath
from tix.storage.packfile import PackedBlob

T = TypeVar("T")


@dataclass
class Batch:
    """What one batch changes: tickets, files by path (relative to the helpdesk root), files removed."""

    tickets: dict[str, Ticket] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    packed: dict[str, PackedBlob] = field(default_factory=dict)  # files made blobs where parsed (storage/packfile.py)
    messages: int = 0
    created: int = 0

    def empty(self) -> bool:
        return not self.files and not self.tickets and not self.removed


@dataclass
class _InFlight(Generic[T]):
    """A written batch whose commit git is writing, and what its caller does once it lands."""

    commit: FileCommit
    texts: dict[str, tuple[Ticket, str]]
    then: T


class BatchWriter(Generic[T]):
    """Writes batches and commits each while the next is prepared: at most one is in flight,
    and the journal lists only its files."""

    def __init__(self, hd: Helpdesk, index: Index) -> None:
        self.hd, self.index = hd, index
        self.journal = ImportJournal(hd)
        self.in_flight: _InFlight[T] | None = None  # the batch whose commit git is writing
        self._base: tuple[str, str] | None = None  # this run's last commit and its tree
        # folders found real while writing the current batch (files.ensure_real_dirs): forgotten
        # with each batch, or a run would hold a path for every ticket it touched
        self._checked_dirs: set[str] = set()

    def check_folder(self, folder: str) -> None:
        """Raise UnsafePath when a folder a batch would write into is not a real directory."""
        ensure_real_dirs(f"{self.hd.root}/{folder}", create=False, checked=self._checked_dirs)

    def start(self, batch: Batch, then: T, actor: Person, now: datetime) -> None:
        """Write the batch's files and start their commit: git packs them on another core while
        the next batch is parsed and filed. `then` is given back by `land`."""
        assert self.in_flight is None, "land the batch in flight first"
        paths = sorted(set(batch.files) | {ticket_relpath(t) for t in batch.tickets} | set(batch.removed))
        self.journal.write(paths)
        # Atomic renames keep every file whole through a crash; an fsync per file (power-cut
        # durability) would cost more than all the parsing (bench/bench_import.py).
        texts = {ticket_relpath(t.id): (t, ticketfile.dumps(t)) for t in batch.tickets.values()}
        content: dict[str, bytes | None] = dict(batch.files)
        content.update({relpath: text.encode("utf-8") for relpath, (_, text) in texts.items()})
        try:
            self._write_files({path: data for path, data in content.items() if data is not None})
        except OSError as exc:
            # the journal stays: the next run commits what was written; nothing is marked seen
            error = storage_error(exc)
            error.message = msg.import_write_failed(error.message)
            raise error from None
        for relpath in batch.removed:
            (self.hd.root / relpath).unlink(missing_ok=True)
        named = sorted(batch.tickets) if len(batch.tickets) <= 20 else []  # a trailer each, for a small batch
        message = commits.message(msg.commit_import(batch.messages, len(batch.tickets), batch.created), "import", named)
        content.update({relpath: None for relpath in batch.removed})
        started = self.hd.git.commit_files(content, message, actor, now, wait=False, base=self._base, packed=batch.packed)
        self.in_flight = _InFlight(started, texts, then)

    def land(self) -> tuple[str | None, T] | None:
        """Move HEAD to the batch in flight and forget its journal: (its commit, or None when it
        changed nothing, and its `then`); None with nothing in flight."""
        batch, self.in_flight = self.in_flight, None
        if batch is None:
            return None
        commit = batch.commit.land()
        if commit and batch.commit.tree:
            self._base = (commit, batch.commit.tree)  # where the next batch's pack starts
            self.index.record_commit(batch.commit.parent, commit, batch.texts)
        self.journal.forget()
        self._checked_dirs.clear()
        return commit, batch.then

    def cancel(self) -> None:
        """The run failed: stop git writing the pack; the journal completes the batch next time."""
        if self.in_flight is not None:
            self.in_flight.commit.cancel()

    def _write_files(self, files: dict[str, bytes]) -> None:
        """Write a batch's files, every ticket file after all the files it lists, in this thread:
        a pool of writer threads cost more in switching than it saved (bench/bench_import.py)."""
        ordered = {path: data for path, data in files.items() if not path.endswith("/ticket.md")}
        ordered.update((path, data) for path, data in files.items() if path.endswith("/ticket.md"))
        write_many(self.hd.root, ordered, self._checked_dirs)  # never through a committed symlink
