"""The derived ticket index: a SQLite file in `.git/tix/`, never committed, always disposable.

Rows are keyed by the git blob id of the file content they were parsed from. The working
tree is what is indexed, so hand edits show up before they are committed. A refresh re-reads
only the ticket files that can have changed:

- those `git diff` lists between the commit the index was built for and HEAD (a commit, a
  pull, a reset);
- those `git diff-index HEAD` reports as changed in the working tree, now or at the last
  refresh (hand edits, staged or not);
- those in shard folders whose modification time moved (a ticket folder added or removed
  without git): cheaper than asking git for untracked files, which costs more than all
  the rest of `tix list` on a large helpdesk.

`tix reindex` rebuilds it from scratch.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tix.domain.model import Ticket
from tix.errors import TixError
from tix.storage.files import UnsafePath, read_bytes
from tix.storage.layout import TICKET_FILE, TICKETS_DIR, Helpdesk

SCHEMA_VERSION = "7"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS tickets (
    path TEXT PRIMARY KEY, blob TEXT NOT NULL, id TEXT NOT NULL, status TEXT, summary TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS tickets_status ON tickets (status);
CREATE TABLE IF NOT EXISTS broken (path TEXT PRIMARY KEY, blob TEXT NOT NULL, error TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS shards (name TEXT PRIMARY KEY, mtime INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS messages (message_id TEXT NOT NULL, ticket TEXT NOT NULL, PRIMARY KEY (message_id, ticket));
CREATE INDEX IF NOT EXISTS messages_ticket ON messages (ticket);
CREATE TABLE IF NOT EXISTS thread_refs (message_id TEXT NOT NULL, ticket TEXT NOT NULL, PRIMARY KEY (message_id, ticket));
CREATE INDEX IF NOT EXISTS thread_refs_ticket ON thread_refs (ticket);
CREATE TABLE IF NOT EXISTS imported (sha256 TEXT PRIMARY KEY, message_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS autoacks (address TEXT NOT NULL, time TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS file_digests (fingerprint TEXT PRIMARY KEY, sha256 TEXT NOT NULL);
"""


def is_ticket_path(path: str) -> bool:
    """Only `tickets/XX/ID/ticket.md` at exactly that depth is a ticket: a file of that name
    deeper down (an attachment called ticket.md) is data, never a ticket."""
    from tix.domain import ids

    parts = path.split("/")
    return (len(parts) == 4 and parts[0] == TICKETS_DIR and parts[3] == TICKET_FILE
            and ids.shard(parts[2]) == parts[1] and ids.is_full_id(parts[2]))  # fmt: skip


def blob_id(data: bytes) -> str:
    """The id git gives this content as a blob."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Broken:
    path: str
    error: str


class Index:
    def __init__(self, helpdesk: Helpdesk) -> None:
        self.hd = helpdesk
        self.db = sqlite3.connect(helpdesk.state_dir / "index.sqlite", timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(_SCHEMA)
        # What a running import has seen but not yet committed (kept on disk by SQLite, not in
        # memory, so an import of any size runs in constant memory; gone with the connection).
        self.db.executescript(
            "CREATE TEMP TABLE run_messages (message_id TEXT PRIMARY KEY, ticket TEXT NOT NULL);"
            "CREATE TEMP TABLE run_references (message_id TEXT PRIMARY KEY, ticket TEXT NOT NULL);"
        )

    def close(self) -> None:
        self.db.close()

    @classmethod
    @contextmanager
    def current(cls, helpdesk: Helpdesk) -> Iterator[Index]:
        """An index brought up to date with the working tree, closed afterwards."""
        index = cls(helpdesk)
        try:
            index.refresh()
            yield index
        finally:
            index.close()

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    # --- keeping it current ------------------------------------------------------

    def refresh(self, full: bool = False) -> int:
        """Bring the index up to date with the working tree; returns how many files were parsed."""
        git = self.hd.git
        head = git.head()
        if self._meta("schema") != SCHEMA_VERSION:
            self.db.executescript(
                "DROP TABLE IF EXISTS tickets; DROP TABLE IF EXISTS broken; DROP TABLE IF EXISTS shards;"
                "DROP TABLE IF EXISTS messages; DROP TABLE IF EXISTS thread_refs; DELETE FROM meta;"
            )
            self.db.executescript(_SCHEMA)
            full = True
        candidates: set[str] | None = None
        if not full and self._meta("built") == "yes":
            changed = git.changed_paths(self._meta("commit") or None, head, TICKETS_DIR)
            if changed is not None:
                candidates = changed | set(json.loads(self._meta("dirty") or "[]"))
        dirty = {path for path in git.modified_paths(head, TICKETS_DIR) if is_ticket_path(path)}
        shard_times = self._shard_times()
        self._real_dirs: set[str] = set()  # folders found real in this refresh (store.ensure_real_dirs)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if candidates is None:
                for table in ("tickets", "broken", "shards", "messages", "thread_refs"):
                    self.db.execute(f"DELETE FROM {table}")  # not executescript: it would end the transaction
                paths: Iterable[str] = self.hd.all_ticket_paths()
            else:
                paths = {p for p in candidates | dirty if is_ticket_path(p)}
                paths |= self._paths_in_moved_shards(shard_times)
            parsed = sum(self._refresh_path(path) for path in paths)
            meta = {"schema": SCHEMA_VERSION, "built": "yes", "commit": head or "", "dirty": json.dumps(sorted(dirty))}
            self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
            self.db.execute("DELETE FROM shards")
            self.db.executemany("INSERT INTO shards VALUES (?, ?)", shard_times.items())
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return parsed

    def _shard_times(self) -> dict[str, int]:
        base = self.hd.root / TICKETS_DIR
        try:
            return {entry.name: entry.stat().st_mtime_ns for entry in os.scandir(base) if entry.is_dir()}
        except FileNotFoundError:
            return {}

    def _paths_in_moved_shards(self, shard_times: dict[str, int]) -> set[str]:
        """Ticket files added to or gone from shards whose folder changed since the last refresh.
        A shard's time moves only when a ticket folder in it is added, removed or renamed; the
        tickets it still holds are re-read when git says they changed (a commit, a hand edit),
        so only the difference is read here: after an import of 10,000 messages, not every ticket."""
        known = dict(self.db.execute("SELECT name, mtime FROM shards").fetchall())
        moved = {name for name in shard_times.keys() | known.keys() if shard_times.get(name) != known.get(name)}
        paths = set()
        for shard in moved:
            low, high = f"{TICKETS_DIR}/{shard}/", f"{TICKETS_DIR}/{shard}0"  # '0' sorts right after '/': a range the keys serve
            indexed = {row[0] for row in self.db.execute(
                "SELECT path FROM tickets WHERE path >= ? AND path < ? UNION SELECT path FROM broken WHERE path >= ? AND path < ?",
                (low, high, low, high))}  # fmt: skip
            folder = self.hd.root / TICKETS_DIR / shard
            try:
                names = {entry.name for entry in os.scandir(folder) if entry.is_dir()}
            except (FileNotFoundError, NotADirectoryError):
                names = set()
            folders = {f"{TICKETS_DIR}/{shard}/{name}/{TICKET_FILE}" for name in names}
            paths |= (indexed - folders) | {p for p in folders - indexed if (self.hd.root / p).is_file()}
        return paths

    def record_commit(self, parent: str | None, commit: str, written: dict[str, tuple[Ticket, str]]) -> None:
        """Index tickets a writer just committed (path -> ticket and its file text), when the
        index was current at the parent commit: saves re-reading them on the next refresh."""
        if self._meta("built") != "yes" or (self._meta("commit") or None) != parent:
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for path, (ticket, text) in written.items():
                self._store(path, blob_id(text.encode("utf-8")), ticket)
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('commit', ?)", (commit,))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def _refresh_path(self, path: str) -> int:
        from tix.storage import ticketfile

        if not is_ticket_path(path):
            self._forget(path)
            return 0
        try:
            data = read_bytes(self.hd.root / path, self._real_dirs)  # never through a pushed symlink (issue 10 #4)
        except FileNotFoundError:
            self._forget(path)
            return 0
        except UnsafePath as exc:
            self._forget(path)
            self.db.execute("DELETE FROM broken WHERE path = ?", (path,))
            self.db.execute("INSERT INTO broken VALUES (?, ?, ?)", (path, "", exc.message.removeprefix(f"refusing to read {path}: ")))
            return 1
        blob = blob_id(data)
        row = self.db.execute(
            "SELECT blob FROM tickets WHERE path = ? UNION ALL SELECT blob FROM broken WHERE path = ?", (path, path)
        ).fetchone()
        if row and row[0] == blob:
            return 0
        self.db.execute("DELETE FROM broken WHERE path = ?", (path,))
        try:
            ticket = ticketfile.loads(data.decode("utf-8", errors="replace"), path)
        except TixError as exc:
            self._forget(path)
            self.db.execute("INSERT INTO broken VALUES (?, ?, ?)", (path, blob, exc.message))
            return 1
        self._store(path, blob, ticket)
        return 1

    def _store(self, path: str, blob: str, ticket: Ticket) -> None:
        summary = ticket.summary()
        summary["entries"] = len(ticket.entries)
        sla = {key: ticket.extra[key] for key in ("first_response_due", "resolution_due", "first_response", "resolved") if ticket.extra.get(key)}
        if sla or "sla_paused_since" in ticket.extra:
            summary["sla"] = {key: value.isoformat() if hasattr(value, "isoformat") else str(value) for key, value in sla.items()}
            summary["sla"]["paused"] = "sla_paused_since" in ticket.extra
            if "sla_paused_since" in ticket.extra:  # a breach before the pause stays a breach (sla.state_of)
                since = ticket.extra["sla_paused_since"]
                summary["sla"]["paused_since"] = since.isoformat() if hasattr(since, "isoformat") else str(since)
        self._forget(path)
        self.db.execute(
            "INSERT INTO tickets VALUES (?, ?, ?, ?, ?)",
            (path, blob, ticket.id, ticket.status, json.dumps(summary, ensure_ascii=False, default=str)),
        )
        self.db.executemany(
            "INSERT OR REPLACE INTO messages VALUES (?, ?)", [(mid, ticket.id) for mid in ticket.message_ids]
        )
        references = ticket.extra.get("references")
        if isinstance(references, list):
            self.db.executemany("INSERT OR REPLACE INTO thread_refs VALUES (?, ?)", [(str(r), ticket.id) for r in references])

    def _forget(self, path: str) -> None:
        row = self.db.execute("SELECT id FROM tickets WHERE path = ?", (path,)).fetchone()
        if row:
            self.db.execute("DELETE FROM messages WHERE ticket = ?", (row[0],))
            self.db.execute("DELETE FROM thread_refs WHERE ticket = ?", (row[0],))
        self.db.execute("DELETE FROM tickets WHERE path = ?", (path,))
        self.db.execute("DELETE FROM broken WHERE path = ?", (path,))

    # --- reading -----------------------------------------------------------------

    def summaries(self, statuses: list[str] | None = None, exclude_statuses: list[str] | None = None) -> list[dict[str, Any]]:
        query, args = "SELECT summary FROM tickets", []
        if statuses is not None:
            query += f" WHERE status IN ({','.join('?' * len(statuses))})"
            args = statuses
        elif exclude_statuses:
            query += f" WHERE status NOT IN ({','.join('?' * len(exclude_statuses))})"
            args = exclude_statuses
        return [json.loads(row[0]) for row in self.db.execute(query, args)]

    def ticket_for_message(self, message_id: str) -> str | None:
        row = self.db.execute(
            "SELECT ticket FROM messages WHERE message_id = ? ORDER BY ticket LIMIT 1", (message_id,)
        ).fetchone()
        return row[0] if row else None

    def shared_messages(self) -> dict[str, list[str]]:
        """Message-IDs that more than one ticket holds (after two clones threaded one mail apart)."""
        rows = self.db.execute(
            "SELECT message_id, group_concat(ticket) FROM messages GROUP BY message_id HAVING count(*) > 1"
        ).fetchall()
        return {mid: sorted(tickets.split(",")) for mid, tickets in rows}

    def note_run_message(self, message_id: str, ticket: str, references: list[str]) -> None:
        self.db.execute("INSERT OR REPLACE INTO run_messages VALUES (?, ?)", (message_id, ticket))
        self.db.executemany("INSERT OR IGNORE INTO run_references VALUES (?, ?)", [(r, ticket) for r in references])

    def run_ticket(self, message_id: str) -> str | None:
        row = self.db.execute("SELECT ticket FROM run_messages WHERE message_id = ?", (message_id,)).fetchone()
        return row[0] if row else None

    def tickets_referencing(self, message_id: str) -> list[str]:
        """Tickets whose mail refers to `message_id` (committed, or imported in this run), in ID order."""
        rows = self.db.execute(
            "SELECT ticket FROM thread_refs WHERE message_id = ? UNION SELECT ticket FROM run_references WHERE message_id = ?"
            " ORDER BY ticket", (message_id, message_id)).fetchall()  # fmt: skip
        return [row[0] for row in rows]

    def imported_message(self, sha256: str) -> str | None:
        """The Message-ID of bytes imported before (a hint: check it against `ticket_for_message`)."""
        row = self.db.execute("SELECT message_id FROM imported WHERE sha256 = ?", (sha256,)).fetchone()
        return row[0] if row else None

    def remember_imported(self, pairs: list[tuple[str, str]], fingerprints: list[tuple[str, str]] | None = None) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        self.db.executemany("INSERT OR REPLACE INTO imported VALUES (?, ?)", pairs)
        self.db.executemany("INSERT OR REPLACE INTO file_digests VALUES (?, ?)", fingerprints or [])
        self.db.execute("COMMIT")

    def note_autoack(self, address: str, time: str) -> None:
        self.db.execute("INSERT INTO autoacks VALUES (?, ?)", (address, time))

    def recent_autoacks(self, address: str, since: str) -> int:
        row = self.db.execute("SELECT count(*) FROM autoacks WHERE address = ? AND time >= ?", (address, since)).fetchone()
        return int(row[0])

    def known_file(self, fingerprint: str) -> tuple[str, str, str | None] | None:
        """For a file's fingerprint seen before: (its content hash, the Message-ID imported from
        those bytes, the ticket holding that message or None) — one query (hints to confirm)."""
        row = self.db.execute(
            "SELECT d.sha256, i.message_id, (SELECT ticket FROM messages WHERE message_id = i.message_id ORDER BY ticket LIMIT 1)"
            " FROM file_digests d JOIN imported i ON i.sha256 = d.sha256 WHERE d.fingerprint = ?", (fingerprint,)).fetchone()  # fmt: skip
        return (row[0], row[1], row[2]) if row else None

    def file_digest(self, fingerprint: str) -> str | None:
        row = self.db.execute("SELECT sha256 FROM file_digests WHERE fingerprint = ?", (fingerprint,)).fetchone()
        return row[0] if row else None

    def tickets_of(self, email: str) -> list[dict[str, Any]]:
        """Summaries of the tickets a customer opened."""
        query = "SELECT summary FROM tickets WHERE lower(json_extract(summary, '$.requester.email')) = ?"
        return [json.loads(row[0]) for row in self.db.execute(query, (email.lower(),))]

    def broken(self) -> list[Broken]:
        return [Broken(path, error) for path, error in self.db.execute("SELECT path, error FROM broken ORDER BY path")]

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM tickets").fetchone()[0])
