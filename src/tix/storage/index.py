"""The derived ticket index: a SQLite file in `.git/tix/`, never committed, always disposable.

Rows are keyed by the git blob id of the file content they were parsed from. The working
tree is what is indexed, so hand edits show up before they are committed. A refresh re-reads
only the ticket files that can have changed:

- those `git diff` lists between the commit the index was built for and HEAD (a commit, a
  pull, a reset);
- those `git diff-index HEAD` reports as changed in the working tree, now or at the last
  refresh (hand edits, staged or not). When git reports many at once that it did not report
  right after its last refresh (a copy or restore of the helpdesk, a `chown -R`: every file's stat
  data differs from what git's index recorded, though not its content), git is first asked to
  record the files' stat data anew, as `git status` does; else every command would re-read every
  ticket. Not while a writer holds the helpdesk (an import), nor with git's index locked;
- those in shard folders whose modification time moved (a ticket folder added or removed
  without git): cheaper than asking git for untracked files, which costs more than all
  the rest of `tix list` on a large helpdesk.

`tix reindex` rebuilds it from scratch. What cannot be rebuilt from the files (which mail was
imported, the acknowledgements sent) is kept apart, in the ledger (ledger.py).

`rows` applies `tix list`'s filters, SLA conditions, order and limit in SQL, so only the rows
shown are ever read and built: the columns beside the summary hold the row as shown, and what
the filters and sort keys compare, folded the way Python folds it (`str.lower`, times as UTC
microseconds), so SQL gives exactly the rows, and the order, that Python would.
"""

from __future__ import annotations

import gc
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from tix import messages as msg
from tix.domain import sla
from tix.domain.model import Ticket
from tix.domain.record import Record
from tix.errors import LockHeld, TixError
from tix.storage.blobs import blob_id
from tix.storage.files import UnsafePath, read_bytes
from tix.storage.layout import TICKET_FILE, TICKETS_DIR, Helpdesk
from tix.storage.rows import TicketRow

TYPE_CHECKING = False  # as typing's, without importing typing (3 ms; tests/test_startup_imports.py)
if TYPE_CHECKING:
    from typing import Any

    from tix.domain.filters import Filters, Order

SCHEMA_VERSION = "11"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS tickets (
    path TEXT PRIMARY KEY, blob TEXT NOT NULL, summary TEXT NOT NULL,
    id TEXT NOT NULL, subject TEXT NOT NULL, status TEXT, owner TEXT, priority TEXT NOT NULL, category TEXT,
    tags TEXT NOT NULL, queue TEXT, channel TEXT NOT NULL, requester_name TEXT NOT NULL, requester_email TEXT NOT NULL,
    created TEXT NOT NULL, updated TEXT NOT NULL, sla TEXT,
    owner_key TEXT NOT NULL, requester_email_key TEXT NOT NULL, requester_name_key TEXT NOT NULL,
    id_key TEXT NOT NULL, subject_key TEXT NOT NULL, category_key TEXT NOT NULL, queue_key TEXT NOT NULL,
    created_us INTEGER NOT NULL, updated_us INTEGER NOT NULL, due_us INTEGER, breach_us INTEGER,
    replied_us INTEGER, inbound_us INTEGER NOT NULL, files INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS tickets_status ON tickets (status);
CREATE INDEX IF NOT EXISTS tickets_owner ON tickets (owner_key);
CREATE INDEX IF NOT EXISTS tickets_list ON tickets (priority, created_us, status, owner_key, category, queue, path,
    requester_email_key, requester_name_key, updated_us, due_us, breach_us);
CREATE INDEX IF NOT EXISTS tickets_requester ON tickets (requester_email_key, created_us);
CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(words, stems, content='', tokenize='unicode61 remove_diacritics 0');
CREATE TABLE IF NOT EXISTS search_tokens (rowid INTEGER PRIMARY KEY, packed BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS tags (tag TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY (tag, path)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tags_path ON tags (path);
CREATE TABLE IF NOT EXISTS broken (path TEXT PRIMARY KEY, blob TEXT NOT NULL, error TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS shards (name TEXT PRIMARY KEY, mtime INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS messages (message_id TEXT NOT NULL, ticket TEXT NOT NULL, PRIMARY KEY (message_id, ticket));
CREATE INDEX IF NOT EXISTS messages_ticket ON messages (ticket);
CREATE TABLE IF NOT EXISTS thread_refs (message_id TEXT NOT NULL, ticket TEXT NOT NULL, PRIMARY KEY (message_id, ticket));
CREATE INDEX IF NOT EXISTS thread_refs_ticket ON thread_refs (ticket);
"""
STALE_STAT_PATHS = 32  # more newly reported hand edits than this: have git refresh its index's stat data first
_TABLES = ("tickets", "tags", "broken", "shards", "messages", "thread_refs", "search", "search_tokens")  # all derived: dropped on a schema change
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_END_OF_TIME = datetime.max.replace(tzinfo=UTC)
_ALWAYS = -(2**63)  # the smallest SQLite integer: a breach_us before any `now`
_ROW_COLUMNS = ", ".join(TicketRow.COLUMNS)
# The columns the sort keys of `tix list` compare (priority, status and due are ranked in SQL: _order_terms).
_SORT_COLUMNS = {"created": "created_us", "updated": "updated_us", "owner": "owner_key", "id": "id_key",
                 "subject": "subject_key", "category": "category_key", "queue": "queue_key"}  # fmt: skip


def is_ticket_path(path: str) -> bool:
    """Only `tickets/XX/ID/ticket.md` at exactly that depth is a ticket: a file of that name
    deeper down (an attachment called ticket.md) is data, never a ticket."""
    from tix.domain import ids

    parts = path.split("/")
    return (len(parts) == 4 and parts[0] == TICKETS_DIR and parts[3] == TICKET_FILE
            and ids.shard(parts[2]) == parts[1] and ids.is_full_id(parts[2]))  # fmt: skip


class Hit(Record):
    """A ticket `tix search` found: its row, its file, and how well it matched (higher is better)."""

    __slots__ = ("row", "path", "score")
    row: TicketRow
    path: str
    score: float

    def __init__(self, row: TicketRow, path: str, score: float) -> None:
        self.row = row
        self.path = path
        self.score = score


class Broken(Record):
    __slots__ = ("path", "error")
    path: str
    error: str

    def __init__(self, path: str, error: str) -> None:
        self.path = path
        self.error = error


class _Later:
    """The rows beside a ticket's own row that `_store` adds, kept to add a batch's with one
    statement per table. A ticket's forgetting deletes only rows of its own, so adding these
    after the batch's every ticket is forgotten and stored leaves what adding each at once would."""

    def __init__(self) -> None:
        self.search: list[tuple[Any, ...]] = []
        self.search_tokens: list[tuple[Any, ...]] = []
        self.tags: list[tuple[str, str]] = []
        self.messages: list[tuple[str, str]] = []
        self.thread_refs: list[tuple[str, str]] = []

    def run(self, db: sqlite3.Connection) -> None:
        db.executemany("INSERT INTO search (rowid, words, stems) VALUES (?, ?, ?)", self.search)
        db.executemany("INSERT INTO search_tokens (rowid, packed) VALUES (?, ?)", self.search_tokens)
        db.executemany("INSERT OR IGNORE INTO tags VALUES (?, ?)", self.tags)
        db.executemany("INSERT OR REPLACE INTO messages VALUES (?, ?)", self.messages)
        db.executemany("INSERT OR REPLACE INTO thread_refs VALUES (?, ?)", self.thread_refs)


class Index:
    def __init__(self, helpdesk: Helpdesk) -> None:
        self.hd = helpdesk
        self.db = sqlite3.connect(helpdesk.state_dir / "index.sqlite", timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        # A commit is not synced to disk (a checkpoint is): a crash can lose the last changes, never
        # the file; a cache keyed by blob ids and by the commit it was built for rebuilds what it lost.
        self.db.execute("PRAGMA synchronous=NORMAL")
        self._create_tables()
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

    @classmethod
    @contextmanager
    def as_last_refreshed(cls, helpdesk: Helpdesk) -> Iterator[Index | None]:
        """The index as its last refresh left it, without asking git what changed since (None when
        there is none yet: building one would cost a minute on a large helpdesk): for what `tix show`
        adds beside the ticket, which must stay fast."""
        if not (helpdesk.state_dir / "index.sqlite").exists():
            yield None
            return
        index = cls(helpdesk)
        try:
            yield index
        finally:
            index.close()

    def _create_tables(self) -> None:
        """Create the tables; those of another schema version are dropped first (the next
        refresh, finding the index not built, then builds it from the files)."""
        if self._schema() == SCHEMA_VERSION:
            return
        self.db.execute("BEGIN IMMEDIATE")
        dropped = False
        try:
            if self._schema() != SCHEMA_VERSION:  # not upgraded meanwhile by another process
                for table in (*_TABLES, "meta"):
                    self.db.execute(f"DROP TABLE IF EXISTS {table}")
                dropped = True
                for statement in _SCHEMA.split(";"):  # not executescript: it would end the transaction
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:  # Ctrl-C may land just after COMMIT, with none left to undo
                self.db.execute("ROLLBACK")
            raise
        if dropped:  # the old tables' pages go back to the disk (cheap now: the tables are empty)
            try:
                self.db.execute("VACUUM")
            except sqlite3.OperationalError:  # another process is reading: only space is lost
                pass

    def _schema(self) -> str | None:
        try:
            return self._meta("schema")
        except sqlite3.OperationalError:  # a new file: no tables yet
            return None

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    # --- keeping it current ------------------------------------------------------

    def refresh(self, full: bool = False) -> int:
        """Bring the index up to date with the working tree; returns how many files were parsed.
        When nothing can have changed since the last refresh (the usual case) nothing is written:
        no lock is waited for, no page synced."""
        git = self.hd.git
        shard_times = self._shard_times()  # ~1,000 stats at 10,000 tickets, while git's check (begun early) runs
        head = git.head()
        meta = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        candidates: set[str] | None = None
        if not full and meta.get("built") == "yes":
            changed = git.changed_paths(meta.get("commit") or None, head, TICKETS_DIR)
            if changed is not None:
                candidates = changed | set(json.loads(meta.get("dirty") or "[]"))
        dirty = self._hand_edits(head)
        settled = meta.get("settled") or "[]"  # what git named right after its last refresh here
        if len(dirty) > STALE_STAT_PATHS and len(dirty - set(json.loads(settled))) > STALE_STAT_PATHS and self._refresh_stat_data():
            dirty = self._hand_edits(head)
            settled = json.dumps(sorted(dirty))  # real hand edits, if any: not refreshed for again
        known_shards = dict(self.db.execute("SELECT name, mtime FROM shards").fetchall())
        unmoved = (head or "") == meta.get("commit") and shard_times == known_shards
        if candidates is not None and not candidates and not dirty and unmoved:
            return 0  # the commit is the one indexed, no file differs from it, no ticket folder came or went
        self._real_dirs: set[str] = set()  # folders found real in this refresh (store.ensure_real_dirs)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if candidates is None:
                for table in _TABLES:  # not executescript: it would end the transaction
                    self.db.execute("INSERT INTO search (search) VALUES ('delete-all')" if table == "search" else f"DELETE FROM {table}")
                paths: Iterable[str] = self.hd.all_ticket_paths()
            else:
                paths = {p for p in candidates | dirty if is_ticket_path(p)}
                paths |= self._paths_in_moved_shards(shard_times)
            parsed = sum(self._refresh_path(path) for path in paths)
            new_meta = {"schema": SCHEMA_VERSION, "built": "yes", "commit": head or "", "dirty": json.dumps(sorted(dirty)),
                        "settled": settled}  # fmt: skip
            if new_meta.items() - meta.items():  # written only when it changes: a commit costs a sync
                self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", new_meta.items())
            if shard_times != known_shards or candidates is None:
                self.db.execute("DELETE FROM shards")
                self.db.executemany("INSERT INTO shards VALUES (?, ?)", shard_times.items())
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:  # Ctrl-C may land just after COMMIT, with none left to undo
                self.db.execute("ROLLBACK")
            raise
        return parsed

    def _hand_edits(self, head: str | None) -> set[str]:
        """The ticket files git's index and the working tree say may differ from `head`."""
        return {path for path in self.hd.git.modified_paths(head, TICKETS_DIR) if is_ticket_path(path)}

    def _refresh_stat_data(self) -> bool:
        """GitRepo.refresh_stat_data for the tickets, unless a writer holds the helpdesk (an import,
        whose batches git's index takes up without stat data until its own refresh at the end):
        a refresh holds git's index lock, which that writer would then wait for."""
        try:
            with self.hd.locked(wait=0):
                return self.hd.git.refresh_stat_data(TICKETS_DIR)
        except (LockHeld, OSError):  # held; or a lock file this user may not open (a read-only helpdesk)
            return False

    def hand_edited(self) -> set[str]:
        """The ticket files whose working copy differs from HEAD (hand edits, staged or not), among
        those the last refresh found may differ: a writer of many tickets (import, remind) learns
        which of them not to sweep into its commit with one git run over those few (issue 18 #8)."""
        candidates = sorted(json.loads(self._meta("dirty") or "[]"))  # git's "may differ": its stat data can be stale
        if not candidates:
            return set()
        return self.hd.git.uncommitted(candidates if len(candidates) <= 500 else [TICKETS_DIR]) & set(candidates)

    def refresh_changed(self) -> bool:
        """`refresh()`, and whether it changed anything: a query read before it still holds when not."""
        before = self.db.total_changes
        self.refresh()
        return self.db.total_changes != before

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
            paths = list(written)
            indexed: set[str] = set()  # the paths with rows to forget first (most of an import's are new)
            for at in range(0, len(paths), 400):  # within SQLite's limit of parameters
                part = paths[at : at + 400]
                marks = ", ".join("?" * len(part))
                indexed.update(row[0] for row in self.db.execute(
                    f"SELECT path FROM tickets WHERE path IN ({marks}) UNION SELECT path FROM broken WHERE path IN ({marks})",
                    part + part))  # fmt: skip
            later = _Later()
            for path, (ticket, text) in written.items():
                self._store(path, blob_id(text.encode("utf-8")), ticket, forget=path in indexed, later=later)
            later.run(self.db)
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('commit', ?)", (commit,))
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:  # Ctrl-C may land just after COMMIT, with none left to undo
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
            self.db.execute("INSERT INTO broken VALUES (?, ?, ?)", (path, "", msg.index_refused(path, exc.message)))
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

    def _store(self, path: str, blob: str, ticket: Ticket, forget: bool = True, later: _Later | None = None) -> None:
        """Index a ticket file's ticket. `forget=False`: the path has no rows (saves the look);
        with `later`, the rows beside the ticket's own are added by one statement each for the
        whole batch (`later.run`)."""
        summary = ticket.summary()
        summary["entries"] = len(ticket.entries)
        times = {key: ticket.extra[key] for key in ("first_response_due", "resolution_due", "first_response", "resolved") if ticket.extra.get(key)}
        if times or "sla_paused_since" in ticket.extra:
            summary["sla"] = {key: value.isoformat() if hasattr(value, "isoformat") else str(value) for key, value in times.items()}
            summary["sla"]["paused"] = "sla_paused_since" in ticket.extra
            if "sla_paused_since" in ticket.extra:  # a breach before the pause stays a breach (sla.state_of)
                since = ticket.extra["sla_paused_since"]
                summary["sla"]["paused_since"] = since.isoformat() if hasattr(since, "isoformat") else str(since)
        if forget:
            self._forget(path)
        requester = summary["requester"]
        due_us, breach_us = _sla_keys(summary)
        columns = {
            "path": path, "blob": blob, "summary": json.dumps(summary, ensure_ascii=False, default=str),
            # the row as `tix list` shows it (TicketRow.from_columns), from the summary it is the JSON of
            "id": summary["id"], "subject": summary["subject"], "status": summary["status"], "owner": summary["owner"],
            "priority": summary["priority"], "category": summary["category"], "tags": json.dumps(summary["tags"], ensure_ascii=False),
            "queue": summary["queue"], "channel": summary["channel"], "requester_name": requester["name"],
            "requester_email": requester["email"], "created": summary["created"], "updated": summary["updated"],
            "sla": json.dumps(summary["sla"], ensure_ascii=False) if "sla" in summary else None,
            # what the filters and sort keys compare, folded the way the Python they stand for folds it
            "owner_key": (ticket.owner or "").lower(), "requester_email_key": ticket.requester.email.lower(),
            "requester_name_key": ticket.requester.name.lower(), "id_key": ticket.id.lower(), "subject_key": ticket.subject.lower(),
            "category_key": (ticket.category or "").lower(), "queue_key": (ticket.queue or "").lower(),
            "created_us": _micros(ticket.created), "updated_us": _micros(ticket.updated), "due_us": due_us, "breach_us": breach_us,
        }  # fmt: skip
        columns.update(_conversation_keys(ticket))
        cursor = self.db.execute(f"INSERT INTO tickets ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", list(columns.values()))
        # the ticket's words for `tix search`, under the rowid of its row; the FTS table keeps no copy of
        # them (contentless: a third of the size), so they are kept packed beside it to take them out again
        from tix.storage import fulltext  # here: `tix show` and a listing without words never load it (nor its stemmers)

        words, stems = fulltext.document(search_texts(ticket))
        rows = later or _Later()
        rows.search.append((cursor.lastrowid, words, stems))
        rows.search_tokens.append((cursor.lastrowid, _pack(words, stems)))
        rows.tags += [(tag, path) for tag in ticket.tags]
        rows.messages += [(mid, ticket.id) for mid in ticket.message_ids]
        references = ticket.extra.get("references")
        if isinstance(references, list):
            rows.thread_refs += [(str(r), ticket.id) for r in references]
        if later is None:
            rows.run(self.db)

    def _forget(self, path: str) -> None:
        row = self.db.execute("SELECT id, rowid FROM tickets WHERE path = ?", (path,)).fetchone()
        if row:
            # a contentless FTS5 table forgets a row when told the very tokens it was given
            packed = self.db.execute("SELECT packed FROM search_tokens WHERE rowid = ?", (row[1],)).fetchone()
            if packed:
                self.db.execute("INSERT INTO search (search, rowid, words, stems) VALUES ('delete', ?, ?, ?)", (row[1], *_unpack(packed[0])))
                self.db.execute("DELETE FROM search_tokens WHERE rowid = ?", (row[1],))
            self.db.execute("DELETE FROM messages WHERE ticket = ?", (row[0],))
            self.db.execute("DELETE FROM thread_refs WHERE ticket = ?", (row[0],))
        self.db.execute("DELETE FROM tickets WHERE path = ?", (path,))
        self.db.execute("DELETE FROM tags WHERE path = ?", (path,))
        self.db.execute("DELETE FROM broken WHERE path = ?", (path,))

    # --- reading -----------------------------------------------------------------

    def rows(
        self, now: datetime, filters: Filters | None = None, closed: Sequence[str] = (), order: Order | None = None,
        limit: int | None = None,
    ) -> list[TicketRow]:
        """The tickets `filters` match (all of them without), their SLA state at `now`, in `order`,
        at most `limit` of them. Without statuses asked for, those in `closed` are left out unless
        `filters.include_closed`. Ties keep the index's order: by status when statuses are asked
        for, then the order in which tickets entered the index. Only the rows given are built."""
        where, args = _where(filters, closed, now) if filters else ([], [])
        keys = order.keys if order else ()
        groups: list[tuple[str | None, list[str]]] = [(None, [])]  # (condition, its parameters): one group, every ticket
        if order and keys and keys[0][0] == "priority" and order.priorities and limit is not None:
            groups, keys = _priority_groups(order.priorities, descending=keys[0][1]), keys[1:]
        terms, order_args = _order_terms(keys, order) if order else ([], [])
        terms += ["status", "rowid"] if filters and filters.statuses else ["rowid"]
        make = TicketRow.from_columns
        rows: list[TicketRow] = []
        with no_cycle_collection():
            for condition, condition_args in groups:
                wanted = None if limit is None else limit - len(rows)
                if wanted == 0:
                    break
                conditions = where + ([condition] if condition else [])
                query = f"SELECT {_ROW_COLUMNS} FROM tickets" + (" WHERE " + " AND ".join(conditions) if conditions else "")
                query += " ORDER BY " + ", ".join(terms) + (" LIMIT ?" if wanted is not None else "")
                params = [*args, *condition_args, *order_args, *([wanted] if wanted is not None else [])]
                rows += [make(values, now) for values in self.db.execute(query, params)]
        return rows

    def ids(self, now: datetime, filters: Filters, closed: Sequence[str] = ()) -> set[str]:
        """The IDs of the tickets `filters` match (as `rows` would give them, unordered, no row built)."""
        where, args = _where(filters, closed, now)
        query = "SELECT id FROM tickets" + (" WHERE " + " AND ".join(where) if where else "")
        return {row[0] for row in self.db.execute(query, args)}

    def search(self, now: datetime, filters: Filters, closed: Sequence[str], limit: int | None) -> tuple[list[Hit], int]:
        """The tickets matching `filters`, best first (BM25 over the words matched; the newest
        first among equals), at most `limit` of them, and how many match in all. Without any
        words to look for, the newest first."""
        from tix.storage import fulltext

        expression = fulltext.match_expression(filters.text)
        without_words = filters.copy()
        without_words.text = []
        where, args = _where(without_words, closed, now)
        columns = ", ".join(f"tickets.{c}" for c in TicketRow.COLUMNS) + ", tickets.path"
        if expression:
            source = "search JOIN tickets ON tickets.rowid = search.rowid"
            where, args = ["search MATCH ?", *where], [expression, *args]
            order = "bm25(search, 2.0, 1.0), tickets.created_us DESC, tickets.rowid DESC"
            columns += ", bm25(search, 2.0, 1.0)"
        else:
            source, order = "tickets", "tickets.created_us DESC, tickets.rowid DESC"
            columns += ", 0.0"
        condition = " WHERE " + " AND ".join(where) if where else ""
        query = f"SELECT {columns} FROM {source}{condition} ORDER BY {order}" + (" LIMIT ?" if limit is not None else "")
        make = TicketRow.from_columns
        hits = [Hit(make(values[:-2], now), values[-2], -float(values[-1]))
                for values in self.db.execute(query, [*args, *([limit + 1] if limit is not None else [])])]  # fmt: skip
        total = len(hits)
        if limit is not None and total > limit:
            if expression and where == ["search MATCH ?"]:  # words alone: every FTS row has its ticket (_store)
                counted = self.db.execute("SELECT count(*) FROM search WHERE search MATCH ?", (expression,))  # 6x faster
            else:
                counted = self.db.execute(f"SELECT count(*) FROM {source}{condition}", args)
            total = int(counted.fetchone()[0])
            hits = hits[:limit]
        return hits, total

    def history(self, now: datetime, customer: str, domain: bool) -> list[tuple[TicketRow, int, int, int | None]]:
        """Every ticket of one customer (an address, or a name when no address has '@'), or of
        every address at one mail domain: (row, created_us, inbound_us, replied_us), newest first."""
        columns = ", ".join(TicketRow.COLUMNS) + ", created_us, inbound_us, replied_us"
        key = customer.lower()
        if domain:
            condition, args = "(requester_email_key LIKE ? ESCAPE '\\')", ["%@" + key.replace("%", "\\%").replace("_", "\\_")]
        elif "@" in key:
            condition, args = "requester_email_key = ?", [key]
        else:
            condition, args = "requester_name_key = ?", [key]
        query = f"SELECT {columns} FROM tickets WHERE {condition} ORDER BY created_us DESC, rowid DESC"
        make = TicketRow.from_columns
        return [(make(values[:-3], now), values[-3], values[-2], values[-1]) for values in self.db.execute(query, args)]

    def other_tickets(self, now: datetime, email: str, ticket_id: str, closed: Sequence[str], closed_shown: int = 3) -> list[TicketRow]:
        """The other tickets of a requester, for `tix show`: the open ones and the last few closed,
        newest first. One query on the index by requester (`tickets_requester`); the files of
        those tickets are checked against it first (a state change since the last refresh),
        without asking git what else changed."""
        paths = [row[0] for row in self.db.execute("SELECT path FROM tickets WHERE requester_email_key = ?", (email.lower(),))]
        self._real_dirs = set()
        self.db.execute("BEGIN")  # deferred: it writes (and locks) only when a file changed
        try:
            for path in paths:
                self._refresh_path(path)
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:  # Ctrl-C may land just after COMMIT, with none left to undo
                self.db.execute("ROLLBACK")
            raise
        marks = ",".join("?" * len(closed)) or "''"
        query = (f"SELECT {_ROW_COLUMNS} FROM (SELECT *, row_number() OVER (PARTITION BY status IN ({marks}) ORDER BY created_us DESC) AS n"
                 f" FROM tickets WHERE requester_email_key = ? AND id != ?) WHERE status NOT IN ({marks}) OR n <= ?"
                 " ORDER BY created_us DESC")  # fmt: skip
        args = [*closed, email.lower(), ticket_id, *closed, closed_shown]
        return [TicketRow.from_columns(values, now) for values in self.db.execute(query, args)]

    def ids_starting(self, prefix: str, limit: int) -> list[tuple[str, str]]:
        """(ID, subject) of the tickets whose ID begins with `prefix`, last changed first: shell completion."""
        pattern = prefix.upper().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self.db.execute("SELECT id, subject FROM tickets WHERE id LIKE ? ESCAPE '\\' ORDER BY updated_us DESC LIMIT ?",
                               (pattern, limit))  # fmt: skip
        return [(row[0], row[1]) for row in rows]

    def tags_starting(self, prefix: str) -> list[str]:
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return [row[0] for row in self.db.execute("SELECT DISTINCT tag FROM tags WHERE tag LIKE ? ESCAPE '\\' ORDER BY tag LIMIT 200", (pattern,))]

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

    def tickets_of(self, email: str) -> list[dict[str, Any]]:
        """Summaries of the tickets a customer opened."""
        query = "SELECT summary FROM tickets WHERE lower(json_extract(summary, '$.requester.email')) = ?"
        return [json.loads(row[0]) for row in self.db.execute(query, (email.lower(),))]

    def unknown_values(self, column: str, allowed: Sequence[str]) -> list[tuple[str, int, list[str]]]:
        """The values of `column` (status or priority) outside `allowed`, each with how many ticket
        files hold it and the first three of them: a hand-written `status: opne` (issue 18 #7).
        The column's index is skipped through one distinct value at a time, so the cost grows with
        the number of different values (a handful), not with the number of tickets."""
        assert column in ("status", "priority")  # the two columns an index leads with
        found = []
        value = self.db.execute(f"SELECT MIN({column}) FROM tickets").fetchone()[0]
        while value is not None:
            if value not in allowed:
                count = self.db.execute(f"SELECT COUNT(*) FROM tickets WHERE {column} = ?", (value,)).fetchone()[0]
                paths = [row[0] for row in self.db.execute(f"SELECT path FROM tickets WHERE {column} = ? ORDER BY path LIMIT 3", (value,))]
                found.append((str(value), count, paths))
            value = self.db.execute(f"SELECT MIN({column}) FROM tickets WHERE {column} > ?", (value,)).fetchone()[0]
        return found

    def broken(self) -> list[Broken]:
        return [Broken(path, error) for path, error in self.db.execute("SELECT path, error FROM broken ORDER BY path")]

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM tickets").fetchone()[0])


def _pack(words: str, stems: str) -> bytes:
    """A ticket's FTS tokens, compressed (a fifth of their size: a helpdesk repeats its words)."""
    import zlib

    return zlib.compress(f"{words}\0{stems}".encode(), 1)


def _unpack(packed: bytes) -> tuple[str, str]:
    import zlib

    words, _, stems = zlib.decompress(packed).decode().partition("\0")
    return words, stems


def _micros(moment: datetime) -> int:
    """A time with an offset as UTC microseconds: ordered the way Python orders such times."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Rows (and the stats cache's facts) make no reference cycles, but each batch of new objects
    makes the cyclic collector walk every one built so far: a third of the cost of 50,000 rows. It is kept off while they are
    built (as Mercurial's util.nogc does for its large lists)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _sla_keys(summary: dict[str, Any]) -> tuple[int | None, int | None]:
    """(due_us, breach_us) of a ticket's SLA clock, in UTC microseconds: when its running target
    falls due, and from when `--breached` lists it (`_ALWAYS` when it was breached before its
    clock was paused, None while the paused clock was not). sla.state_of decides, at the end of
    time (when every running target is past). None, None for a time that cannot be read: the
    row itself says so (sla.state_of raises) when it is shown."""
    try:
        state = sla.state_of(summary, _END_OF_TIME)
        due = _micros(state.due) if state.due is not None else None
    except (TypeError, ValueError):
        return None, None
    return due, {"breached": due, sla.PAUSED_BREACHED: _ALWAYS}.get(state.state or "")


def _where(filters: Filters, closed: Sequence[str], now: datetime) -> tuple[list[str], list[Any]]:
    """The SQL conditions (and their parameters) of `tix list`'s filters."""
    where: list[str] = []
    args: list[Any] = []

    def among(column: str, values: Sequence[str], negate: bool = False) -> None:
        where.append(f"{column} {'NOT IN' if negate else 'IN'} ({','.join('?' * len(values))})")
        args.extend(values)

    if filters.statuses:
        among("status", filters.statuses)
    elif closed and not filters.include_closed:
        among("status", closed, negate=True)
    if filters.owners:
        among("owner_key", filters.owners)
    if filters.unassigned:
        where.append("owner_key = ''")
    if filters.priorities:
        among("priority", filters.priorities)
    if filters.categories:
        among("category", filters.categories)
    if filters.queues:
        among("queue", filters.queues)
    for tag in dict.fromkeys(filters.tags):  # every tag given must be there
        where.append("path IN (SELECT path FROM tags WHERE tag = ?)")
        args.append(tag)
    if filters.customer:
        where.append("(instr(requester_email_key, ?) > 0 OR instr(requester_name_key, ?) > 0)")
        args += [filters.customer.lower()] * 2
    if filters.since:
        where.append("updated_us >= ?")
        args.append(_micros(filters.since))
    if filters.breached:
        where.append("breach_us <= ?")
        args.append(_micros(now))
    if filters.due_by:
        where.append("due_us <= ?")
        args.append(_micros(filters.due_by))
    if filters.customers:
        where.append("(" + " OR ".join(["(instr(requester_email_key, ?) > 0 OR instr(requester_name_key, ?) > 0)"] * len(filters.customers)) + ")")
        args += [value.lower() for value in filters.customers for _ in (0, 1)]
    for column, moment, operator in (("created_us", filters.created_after, ">="), ("created_us", filters.created_before, "<"),
                                     ("updated_us", filters.updated_before, "<"), ("due_us", filters.due_after, ">=")):  # fmt: skip
        if moment is not None:
            where.append(f"{column} {operator} ?")
            args.append(_micros(moment))
    if filters.unanswered:
        where.append("replied_us IS NULL")
    if filters.assigned:
        where.append("owner_key != ''")
    if filters.has_attachment:
        where.append("files > 0")
    expression = None
    if filters.text:  # a listing without words never loads the word index's module (nor its stemmers)
        from tix.storage import fulltext

        expression = fulltext.match_expression(filters.text)
    if expression:
        where.append("tickets.rowid IN (SELECT rowid FROM search WHERE search MATCH ?)")
        args.append(expression)
    for excluded in filters.excluded:
        conditions, values = _where(excluded, (), now)
        if conditions:
            where.append("NOT (" + " AND ".join(conditions) + ")")
            args += values
    return where, args


def search_texts(ticket: Ticket) -> list[str]:
    """What `tix search` looks in: the subject, the requester, every message and note, and the
    names of the attached files, in that order (snippets come from the first that matches)."""
    texts = [ticket.subject, f"{ticket.requester.name} {ticket.requester.email}"]
    if ticket.preamble.strip():
        texts.append(ticket.preamble)
    for entry in ticket.entries:
        texts.append(entry.text)
        names = attachment_names(entry.extra)
        if names:
            texts.append(" ".join(names))
    return texts


def attachment_names(extra: dict[str, Any]) -> list[str]:
    """An entry's attachments (the files beside its raw message), by the names they were sent with."""
    files = extra.get("files")
    names = extra.get("original_names")
    original: dict[str, Any] = names if isinstance(names, dict) else {}
    if not isinstance(files, list):
        return []
    return [str(original.get(name) or name) for name in files if name not in ("message.eml", "message.html")]


def _conversation_keys(ticket: Ticket) -> dict[str, Any]:
    """When the first reply went out (None: unanswered), the customer's last message, how many files came."""
    replies = [entry.time for entry in ticket.entries if entry.kind == "reply"]
    inbound = [entry.time for entry in ticket.entries if entry.kind == "inbound"]
    return {
        "replied_us": _micros(min(replies)) if replies else None,
        "inbound_us": _micros(max(inbound)) if inbound else _micros(ticket.created),
        "files": sum(len(attachment_names(entry.extra)) for entry in ticket.entries),
    }


def _priority_groups(priorities: Sequence[str], descending: bool) -> list[tuple[str | None, list[str]]]:
    """A limited listing that sorts by priority first reads one priority at a time, most urgent
    first (or last), in the order of the index `tickets_list` (by priority and creation time):
    `tix list -n 20` then reads about 20 rows however many tickets there are. That index also
    holds every column a filter compares, so a filter few tickets pass costs a walk of the index,
    not of the rows. (Without a limit one sort of every row is cheaper than that walk.) The
    priorities not configured rank after them all, alike."""
    ranks = {name: rank for rank, name in enumerate(priorities)}
    groups: list[tuple[str | None, list[str]]] = [("priority = ?", [name]) for name in sorted(ranks, key=ranks.__getitem__)]
    groups.append((f"priority NOT IN ({','.join('?' * len(ranks))})", list(ranks)))
    return groups[::-1] if descending else groups


def _order_terms(keys: Sequence[tuple[str, bool]], order: Order) -> tuple[list[str], list[Any]]:
    """The ORDER BY terms (and their parameters) of sort keys, each ordering as the Python key of
    `tix list` it stands for did: a priority or status by its rank, texts by their `str.lower()`
    (code point order is UTF-8's byte order, SQLite's), times as instants, and a ticket without a
    due time after those with one."""
    terms: list[str] = []
    args: list[Any] = []
    for name, descending in keys:
        direction = " DESC" if descending else ""
        if name in ("priority", "status"):
            ranks = {value: rank for rank, value in enumerate(order.priorities if name == "priority" else order.statuses)}
            if ranks:  # none configured: every ticket ranks alike
                terms.append(f"CASE {name}{' WHEN ? THEN ?' * len(ranks)} ELSE ? END{direction}")
                args += [*(item for pair in ranks.items() for item in pair), len(ranks)]
        elif name == "due":
            terms += [f"due_us IS NULL{direction}", f"due_us{direction}"]
        else:
            terms.append(_SORT_COLUMNS[name] + direction)
    return terms, args
