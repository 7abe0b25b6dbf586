"""The import ledger: what this clone has imported and acknowledged, in `.git/tix/ledger.sqlite`.

Unlike the ticket index (index.py), none of this can be rebuilt from the ticket files: the
content hashes of the mail files read, the cache of those hashes by file fingerprint, what the
last run saw of each Maildir folder (`SeenFolders`: the names settled there, and the folder's
time when it was last listed with all of them settled), the acknowledgements sent (the
per-address limit that keeps two robots from looping), and what `tix fetch` committed of each IMAP
folder (`ImapState`: its UIDVALIDITY and the UID up to which every message is settled). So it has its
own file, which `tix reindex` never touches; the index can be deleted at any time.

Until schema 8 of the index these tables lived in `index.sqlite`: the first ledger opened in a
clone takes them over from there (`_take_over`), once.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from tix.storage.layout import Helpdesk

FILE = "ledger.sqlite"
_LEGACY_FILE = "index.sqlite"
_LEGACY_TABLES = {"imported": "sha256, message_id", "file_digests": "fingerprint, sha256", "autoacks": "address, time"}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS imported (sha256 TEXT PRIMARY KEY, message_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS file_digests (fingerprint TEXT PRIMARY KEY, sha256 TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS autoacks (address TEXT NOT NULL, time TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS autoacks_address ON autoacks (address, time);
CREATE TABLE IF NOT EXISTS folders (folder TEXT PRIMARY KEY, mtime_ns INTEGER);
CREATE TABLE IF NOT EXISTS folder_names (folder TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (folder, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS imap_folders (account TEXT NOT NULL, folder TEXT NOT NULL, uidvalidity INTEGER NOT NULL,
    last_uid INTEGER NOT NULL, retry TEXT NOT NULL DEFAULT '[]', PRIMARY KEY (account, folder));
"""


class Ledger:
    def __init__(self, helpdesk: Helpdesk) -> None:
        self.db = sqlite3.connect(helpdesk.state_dir / FILE, timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(_SCHEMA)
        self._take_over(helpdesk.state_dir / _LEGACY_FILE)

    def close(self) -> None:
        self.db.close()

    def _take_over(self, legacy: Path) -> None:
        """Copy the bookkeeping an older tix kept in the index into this ledger, then drop it
        there. The copy and its mark commit together, so a crash before the drop only leaves
        tables that the next open drops (never a second copy of the acknowledgements)."""
        if not legacy.exists():
            return
        self.db.execute("ATTACH DATABASE ? AS legacy", (str(legacy),))
        try:
            present = {row[0] for row in self.db.execute("SELECT name FROM legacy.sqlite_master WHERE type = 'table'")}
            tables = [table for table in _LEGACY_TABLES if table in present]
            if not tables:
                return
            self.db.execute("BEGIN IMMEDIATE")
            try:
                if self.db.execute("SELECT 1 FROM meta WHERE key = 'taken_over'").fetchone() is None:
                    for table in tables:  # the names come from _LEGACY_TABLES, never from the file
                        columns = _LEGACY_TABLES[table]
                        self.db.execute(f"INSERT OR IGNORE INTO main.{table} ({columns}) SELECT {columns} FROM legacy.{table}")
                    self.db.execute("INSERT INTO meta VALUES ('taken_over', 'yes')")
                self.db.execute("COMMIT")
            except BaseException:
                if self.db.in_transaction:  # Ctrl-C may land just after COMMIT, with none left to undo
                    self.db.execute("ROLLBACK")
                raise
            for table in tables:
                self.db.execute(f"DROP TABLE legacy.{table}")
        finally:
            self.db.execute("DETACH DATABASE legacy")

    # --- messages imported -----------------------------------------------------------

    def imported_message(self, sha256: str) -> str | None:
        """The Message-ID of bytes imported before (a hint: check it against the index)."""
        row = self.db.execute("SELECT message_id FROM imported WHERE sha256 = ?", (sha256,)).fetchone()
        return row[0] if row else None

    def known_file(self, fingerprint: str) -> tuple[str, str] | None:
        """For a file's fingerprint seen before: its content hash and the Message-ID imported
        from those bytes (hints to confirm) — one query."""
        row = self.db.execute(
            "SELECT d.sha256, i.message_id FROM file_digests d JOIN imported i ON i.sha256 = d.sha256 WHERE d.fingerprint = ?",
            (fingerprint,),
        ).fetchone()
        return (row[0], row[1]) if row else None

    def remember_imported(self, pairs: list[tuple[str, str]], fingerprints: list[tuple[str, str]] | None = None) -> None:
        """(content hash, Message-ID) pairs and (fingerprint, content hash) pairs of files
        whose messages a commit now holds."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany("INSERT OR REPLACE INTO imported VALUES (?, ?)", pairs)
            self.db.executemany("INSERT OR REPLACE INTO file_digests VALUES (?, ?)", fingerprints or [])
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:  # Ctrl-C may land just after COMMIT, with none left to undo
                self.db.execute("ROLLBACK")
            raise

    def seen_folders(self) -> SeenFolders:
        return SeenFolders(self.db)

    def imap_state(self) -> ImapState:
        return ImapState(self.db)

    # --- acknowledgements sent -------------------------------------------------------

    def note_autoack(self, address: str, time: str) -> None:
        self.db.execute("INSERT INTO autoacks VALUES (?, ?)", (address, time))

    def recent_autoacks(self, address: str, since: str) -> int:
        row = self.db.execute("SELECT count(*) FROM autoacks WHERE address = ? AND time >= ?", (address, since)).fetchone()
        return int(row[0])


class SeenFolders:
    """What earlier runs saw of each Maildir folder (mail/sources/base.py FolderMemory), keyed
    by the folder's absolute path. A name is added only once the commit holding its message
    exists (a run killed before that leaves it out: the next run reads that file again and finds
    it a duplicate), and a folder's time is kept only for a listing with every file settled."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self._pending: list[tuple[str, str]] = []  # added since the last save
        # This run's names are kept in SQLite's temporary schema (this connection only, spilled to
        # a file when large), not in a Python set: memory stays flat in the size of the run.
        db.execute("CREATE TEMP TABLE IF NOT EXISTS run_names (folder TEXT NOT NULL, name TEXT NOT NULL, "
                   "PRIMARY KEY (folder, name)) WITHOUT ROWID")  # fmt: skip
        db.execute("CREATE TEMP TABLE IF NOT EXISTS listed_names (name TEXT PRIMARY KEY) WITHOUT ROWID")

    def unchanged(self, folder: str, mtime_ns: int) -> bool:
        row = self.db.execute("SELECT mtime_ns FROM folders WHERE folder = ?", (folder,)).fetchone()
        return row is not None and row[0] == mtime_ns

    def names(self, folder: str) -> set[str]:
        rows = self.db.execute("SELECT name FROM folder_names WHERE folder = ?", (folder,))
        return {_from_db(row[0]) for row in rows} | self._pending_in(folder)

    def added(self, folder: str) -> set[str]:
        rows = self.db.execute("SELECT name FROM run_names WHERE folder = ?", (folder,))
        return {_from_db(row[0]) for row in rows} | self._pending_in(folder)

    def _pending_in(self, folder: str) -> set[str]:
        return {name for where, name in self._pending if where == folder}

    def add(self, folder: str, name: str) -> None:
        self._pending.append((folder, name))  # as the file system gave it (see _to_db)

    def save(self) -> None:
        """Write the names added since the last save (after the commit that holds their messages)."""
        if not self._pending:
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            rows = [(folder, _to_db(name)) for folder, name in self._pending]
            self.db.executemany("INSERT OR IGNORE INTO folder_names VALUES (?, ?)", rows)
            self.db.executemany("INSERT OR IGNORE INTO temp.run_names VALUES (?, ?)", rows)
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:  # Ctrl-C may land just after COMMIT, with none left to undo
                self.db.execute("ROLLBACK")
            raise
        self._pending = []

    def listed(self, folder: str, mtime_ns: int | None, names: Iterable[str]) -> None:
        """The folder's time (None: list it again next run); the names no longer there (neither
        listed nor settled by this run) are forgotten."""
        self.save()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute("DELETE FROM temp.listed_names")
            self.db.executemany("INSERT OR IGNORE INTO temp.listed_names VALUES (?)", ((_to_db(name),) for name in names))
            self.db.execute("DELETE FROM folder_names WHERE folder = ? AND name NOT IN (SELECT name FROM temp.listed_names) "
                            "AND name NOT IN (SELECT name FROM temp.run_names WHERE folder = ?)", (folder, folder))  # fmt: skip
            self.db.execute("DELETE FROM temp.listed_names")
            self.db.execute("INSERT OR REPLACE INTO folders VALUES (?, ?)", (folder, mtime_ns))
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:  # Ctrl-C may land just after COMMIT, with none left to undo
                self.db.execute("ROLLBACK")
            raise


def _to_db(name: str) -> str | bytes:
    """A file name as stored: its text, or its bytes when it is not valid UTF-8 (the file system
    allows any bytes; SQLite text must be UTF-8) — so a hostile name never stops an import."""
    try:
        name.encode()
    except UnicodeEncodeError:
        return os.fsencode(name)
    return name


def _from_db(value: str | bytes) -> str:
    return os.fsdecode(value) if isinstance(value, bytes) else value


class FolderMark(NamedTuple):
    """What this clone committed of one IMAP folder: every message with a UID up to `last_uid`
    (under this UIDVALIDITY) is settled, except the UIDs in `retry` (read as empty: fetched again)."""

    uidvalidity: int
    last_uid: int
    retry: tuple[int, ...]


class ImapState:
    """The per-clone memory of `tix fetch` (mail/sources/imap.py), as mbsync and getmail keep
    theirs: by account, folder, UIDVALIDITY and UID, never by the server's \\Seen flag. It is
    written only after the commit that holds the messages exists; a run killed before that
    leaves the old mark, and the next run fetches those messages again and finds them
    duplicates (by content hash and Message-ID)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def mark(self, account: str, folder: str) -> FolderMark | None:
        row = self.db.execute("SELECT uidvalidity, last_uid, retry FROM imap_folders WHERE account = ? AND folder = ?",
                              (account, folder)).fetchone()  # fmt: skip
        if row is None:
            return None
        try:
            retry = tuple(int(uid) for uid in json.loads(row[2]))
        except (ValueError, TypeError):
            retry = ()
        return FolderMark(int(row[0]), int(row[1]), retry)

    def save(self, account: str, folder: str, mark: FolderMark) -> None:
        self.db.execute("INSERT OR REPLACE INTO imap_folders VALUES (?, ?, ?, ?, ?)",
                        (account, folder, mark.uidvalidity, mark.last_uid, json.dumps(sorted(mark.retry))))  # fmt: skip
