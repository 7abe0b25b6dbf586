"""The KPI cache: each ticket's history and its KPI facts (domain/kpi.py) in a SQLite file
`.git/tix/stats.sqlite`, never committed, always disposable (`tix reindex` rebuilds it).

It never lies, because everything in it is keyed by what it was derived from:

- `meta.head` remembers the HEAD it was refreshed for. A refresh reads only the commits since
  (`git log OLD..HEAD`, merges' sides included) and only the ticket files `git diff OLD HEAD`
  lists; after a history rewrite (OLD no longer an ancestor of HEAD) it starts again.
- `history` holds, per ticket, the fields each non-merge commit changed and when (author time):
  the same history `tix log` reads, so a hand edit committed with plain git counts like any other;
  with a digest of that history.
- `facts` holds the facts of each ticket with the key they were computed from: the blob of the
  ticket file at HEAD, the digest of its history, and the configuration's fingerprint (calendar,
  statuses, SLA targets); a row whose key differs from what it would be now is worked out again.
  Beside the facts, `settled`: the moment after which the ticket changes no figure (None while it
  is open; domain/kpi.py `settled`), so a report of the last month reads the tickets that can
  matter to it, not every ticket ever closed.
- The facts are stored with marshal (plain tuples, lists and dicts: nothing is executed when they
  are read), and the file starts again under another Python version (`meta.schema`).

The work of a refresh is proportional to what changed since the last one.
"""

from __future__ import annotations

import gc
import hashlib
import json
import marshal
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tix.domain import kpi
from tix.errors import TixError
from tix.storage.gitrepo import ZERO_OID
from tix.storage.index import no_cycle_collection
from tix.storage.layout import TICKET_FILE, TICKETS_DIR, Helpdesk

FACTS_VERSION = "4"  # bump when domain/kpi.py works facts out differently: every row is stale then
SCHEMA = f"3 python {sys.version_info[0]}.{sys.version_info[1]}"
_TABLES = ("meta", "heads", "blobs", "history", "facts")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS heads (ticket TEXT PRIMARY KEY, path TEXT NOT NULL, blob TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blobs (oid TEXT PRIMARY KEY, fields TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS history (ticket TEXT PRIMARY KEY, changes TEXT NOT NULL, digest TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS facts (ticket TEXT PRIMARY KEY, blob TEXT NOT NULL, history TEXT NOT NULL, config TEXT NOT NULL,
                                  created INTEGER NOT NULL, settled INTEGER, data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS facts_settled ON facts (settled);
"""
_FRONT_KEYS = (*kpi.TIMELINE_FIELDS,)


@dataclass
class Refreshed:
    facts: list[kpi.Facts]
    commits_read: int  # commits read from git in this refresh
    tickets_recomputed: int  # tickets whose facts were worked out again
    broken: list[str]  # ticket files that could not be read (left out)


def front_fields(text: str) -> dict[str, Any]:
    """The timeline fields of a ticket file's front-matter. tix writes them one a line
    (`status: open`, `tags: []` or a block list); anything else (quotes, flow style, a hand
    edit) goes to the YAML parser."""
    if not text.startswith("---"):
        return {}
    end = text.find("\n---", 3)
    block = text[4 : end if end > 0 else len(text)]
    fields: dict[str, Any] = {}
    lines = block.split("\n")
    simple = True
    i = 0
    while i < len(lines):
        line = lines[i]
        key, sep, value = line.partition(":")
        if sep and key in _FRONT_KEYS and not line.startswith(" "):
            value = value.strip()
            if key == "tags":
                if value == "[]":
                    fields["tags"] = []
                elif value == "":
                    tags = []
                    while i + 1 < len(lines) and lines[i + 1].startswith("- "):
                        i += 1
                        tags.append(lines[i][2:].strip())
                    fields["tags"] = tags
                else:
                    simple = False
            elif value in ("null", "~", ""):
                fields[key] = None
            elif value[0] in "\"'[{&*!|>%@`":
                simple = False
            else:
                fields[key] = value
        i += 1
    if "status" not in fields or any(isinstance(v, str) and " #" in v for v in fields.values()):
        simple = False  # a comment after a value, or no status where tix writes one: YAML decides
    if simple:
        return fields
    from tix.storage.yamlio import load_yaml

    try:
        meta = load_yaml(block)
    except Exception:  # a broken file: no fields; the ticket itself is reported broken when read
        return {}
    if not isinstance(meta, dict):
        return {}
    result: dict[str, Any] = {}
    for key in _FRONT_KEYS:
        found: Any = meta.get(key)
        result[key] = sorted(str(v) for v in found) if key == "tags" and isinstance(found, list) else (None if found is None else str(found))
    return result


def _ticket_of(path: str) -> str | None:
    if path.startswith(TICKETS_DIR + "/") and path.endswith("/" + TICKET_FILE):
        return path.rsplit("/", 2)[-2]
    return None


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def _front(data: bytes) -> str:
    """The front-matter of a ticket file's bytes, decoded (the body, most of the file, is not)."""
    end = data.find(b"\n---", 3)
    return (data[: end + 4] if end > 0 else data).decode("utf-8", errors="replace").lstrip("\ufeff")


class StatsCache:
    def __init__(self, hd: Helpdesk) -> None:
        self.hd = hd
        self.path = hd.state_dir / "stats.sqlite"
        self.db = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        try:
            found = self.db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        except sqlite3.OperationalError:
            found = None
        if found is None or found[0] != SCHEMA:  # new, or written by an older tix or another Python: start again
            with self.db:
                for table in _TABLES:
                    self.db.execute(f"DROP TABLE IF EXISTS {table}")  # noqa: S608 (fixed names)
                self.db.executescript(_SCHEMA)
                self.db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA,))

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> StatsCache:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def clear(self) -> None:
        with self.db:
            for table in _TABLES:
                self.db.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed names)
            self.db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA,))

    def refresh(
        self, rules: kpi.Rules, calendar: Any, targets: Callable[[str], dict[str, Any]], fingerprint: str, full: bool = False,
        since: int | None = None,
    ) -> Refreshed:  # fmt: skip
        """Bring the cache up to HEAD and give the facts of every ticket that can matter to a
        period starting at `since` (Unix seconds; None: every ticket), oldest first."""
        git = self.hd.git
        head = git.head()
        if full:
            self.clear()
        old = self._meta("head")
        if old is not None and head is not None and old != head and not git.is_ancestor(old, head):
            self.clear()
            old = None
        commits_read = 0
        touched: set[str] | None = None  # the tickets whose file or history changed since `old` (None: maybe any)
        with self.db:
            if head is None:
                self.db.execute("DELETE FROM heads")
                self.db.execute("DELETE FROM facts")
            elif old != head:
                commits = git.log(TICKETS_DIR, revisions=f"{old}..{head}" if old else None)
                commits_read = len(commits)
                changed = self._add_history(commits)
                paths = None if old is None else git.changed_paths(old, head, TICKETS_DIR)
                moved = self._update_heads(head, paths)
                touched = None if moved is None else changed | moved
            else:
                touched = set()
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('head', ?)", (head,))
        config = f"{FACTS_VERSION}\0{fingerprint}"
        recomputed, broken = 0, list[str]()
        checked = self._meta("facts")  # HEAD and the configuration decide every key: once checked for them, all hold
        if checked != f"{head}\0{config}":
            # every key held at `old`: only the tickets touched since can be stale
            only = touched if checked == f"{old}\0{config}" and touched is not None and len(touched) <= 500 else None
            recomputed, broken = self._update_facts(rules, calendar, targets, config, only)
            if not broken:
                with self.db:
                    self.db.execute("INSERT OR REPLACE INTO meta VALUES ('facts', ?)", (f"{head}\0{config}",))
        rows = self.db.execute("SELECT data FROM facts WHERE settled IS NULL OR settled >= ? ORDER BY created, ticket",
                               (-(2**62) if since is None else since,)).fetchall()  # fmt: skip
        loads, from_row = marshal.loads, kpi.Facts.from_row
        with no_cycle_collection():  # facts make no reference cycles either
            facts = [from_row(loads(data)) for (data,) in rows]
            gc.freeze()  # they stay until the command ends: the collector need not walk them again and again
        return Refreshed(facts, commits_read, recomputed, broken)

    def _fields_of(self, oids: list[str]) -> dict[str, dict[str, Any]]:
        wanted = sorted({oid for oid in oids if oid != ZERO_OID})
        known: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for oid, data in self.db.execute(f"SELECT oid, fields FROM blobs WHERE oid IN ({marks})", chunk):  # noqa: S608
                known[oid] = json.loads(data)
        missing = [oid for oid in wanted if oid not in known]
        rows = []
        for oid, data in self.hd.git.iter_blobs(missing):
            fields = front_fields(_front(data))
            known[oid] = fields
            rows.append((oid, json.dumps(fields)))
        self.db.executemany("INSERT OR REPLACE INTO blobs VALUES (?, ?)", rows)
        return known

    def _add_history(self, commits: list[Any]) -> set[str]:
        """Append the changes of `commits` (newest first, as git log gives them) to each ticket's
        history; return the tickets whose history changed."""
        changes = [(c, path, a, b) for c in reversed(commits) for path, a, b in c.changes if _ticket_of(path)]
        fields = self._fields_of([oid for _, _, a, b in changes for oid in (a, b)])
        per_ticket: dict[str, list[list[Any]]] = {}
        for commit, path, a, b in changes:
            ticket = _ticket_of(path)
            assert ticket is not None
            before, after = fields.get(a, {}), fields.get(b, {})
            changed = {k: v for k, v in after.items() if a == ZERO_OID or before.get(k) != v}
            when = int(datetime.fromisoformat(commit.time).timestamp())
            per_ticket.setdefault(ticket, []).append([commit.oid, when, changed])
        rows = []
        for ticket, new in per_ticket.items():
            row = self.db.execute("SELECT changes FROM history WHERE ticket = ?", (ticket,)).fetchone()
            existing = json.loads(row[0]) if row else []
            seen = {item[0] for item in existing}
            existing += [item for item in new if item[0] not in seen]
            text = json.dumps(existing)
            rows.append((ticket, text, _digest(text)))
        self.db.executemany("INSERT OR REPLACE INTO history VALUES (?, ?, ?)", rows)
        return set(per_ticket)

    def _update_heads(self, head: str, paths: set[str] | None) -> set[str] | None:
        """The ticket files' blobs at HEAD (only `paths`, when given and few); return the tickets
        looked at (None: all)."""
        if paths is None or len(paths) > 2000:
            found = self.hd.git.tree_blobs(head, [TICKETS_DIR])
            self.db.execute("DELETE FROM heads")
        else:
            wanted = sorted(p for p in paths if _ticket_of(p))
            found = self.hd.git.tree_blobs(head, wanted)
            for path in wanted:
                if path not in found:
                    self.db.execute("DELETE FROM heads WHERE path = ?", (path,))
                    self.db.execute("DELETE FROM facts WHERE ticket = ?", (_ticket_of(path),))
        rows = [(_ticket_of(path), path, oid) for path, oid in found.items() if _ticket_of(path)]
        self.db.executemany("INSERT OR REPLACE INTO heads VALUES (?, ?, ?)", rows)
        if paths is None or len(paths) > 2000:
            self.db.execute("DELETE FROM facts WHERE ticket NOT IN (SELECT ticket FROM heads)")
            return None
        return {ticket for ticket in map(_ticket_of, wanted) if ticket}

    def _update_facts(
        self, rules: kpi.Rules, calendar: Any, targets: Callable[[str], dict[str, Any]], config: str, only: set[str] | None = None
    ) -> tuple[int, list[str]]:
        """Work out again the facts whose key (blob, history, configuration) is not what it would be
        now: of every ticket, or of the tickets `only` names."""
        from tix.storage import ticketfile

        query = ("SELECT heads.ticket, heads.path, heads.blob, history.changes, history.digest FROM heads"
                 " LEFT JOIN history ON history.ticket = heads.ticket LEFT JOIN facts ON facts.ticket = heads.ticket"
                 " WHERE (facts.ticket IS NULL OR facts.blob != heads.blob OR facts.history != COALESCE(history.digest, '')"
                 " OR facts.config != ?)")  # fmt: skip
        if only is None:
            stale = self.db.execute(query, (config,)).fetchall()
        else:
            chosen = sorted(only)
            stale = self.db.execute(query + f" AND heads.ticket IN ({','.join('?' * len(chosen))})", (config, *chosen)).fetchall()  # noqa: S608
        if not stale:
            return 0, []
        by_blob: dict[str, list[tuple[str, str, str | None, str | None]]] = {}
        for ticket, path, blob, changes, digest in stale:
            by_blob.setdefault(blob, []).append((ticket, path, changes, digest))
        broken = []
        rows = []
        for blob, data in self.hd.git.iter_blobs(list(by_blob)):
            for ticket, path, changes, digest in by_blob[blob]:
                try:
                    parsed = ticketfile.loads(data.decode("utf-8", errors="replace"), path)
                except TixError:
                    broken.append(path)
                    continue
                history = [(int(when), changed) for _, when, changed in json.loads(changes or "[]")]
                found = kpi.facts(parsed, history, rules, calendar, targets)
                rows.append((ticket, blob, digest or "", config, found.created, kpi.settled(found, rules, calendar), marshal.dumps(found.as_row())))
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO facts VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        return len(stale), sorted(broken)
