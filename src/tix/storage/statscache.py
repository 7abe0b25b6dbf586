"""The KPI cache: each ticket's history and its KPI facts (domain/kpi.py) in a SQLite file
`.git/tix/stats.sqlite`, never committed, always disposable (`tix reindex` rebuilds it).

It never lies, because everything in it is keyed by what it was derived from:

- `commits` remembers the HEAD it was refreshed for. A refresh reads only the commits since
  (`git log OLD..HEAD`, merges' sides included) and only the ticket files `git diff OLD HEAD`
  lists; after a history rewrite (OLD no longer an ancestor of HEAD) it starts again.
- `history` holds, per ticket, the fields each non-merge commit changed and when (author time):
  the same history `tix log` reads, so a hand edit committed with plain git counts like any other.
- `facts` holds the facts of each ticket with the key they were computed from: the blob of the
  ticket file at HEAD, its commits, and the configuration (calendar, statuses, SLA targets).

The work of a refresh is proportional to what changed since the last one.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tix.domain import kpi
from tix.errors import TixError
from tix.storage.gitrepo import ZERO_OID
from tix.storage.layout import TICKET_FILE, TICKETS_DIR, Helpdesk

FACTS_VERSION = "1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS heads (ticket TEXT PRIMARY KEY, path TEXT NOT NULL, blob TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blobs (oid TEXT PRIMARY KEY, fields TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS history (ticket TEXT PRIMARY KEY, changes TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS facts (ticket TEXT PRIMARY KEY, key TEXT NOT NULL, data TEXT NOT NULL);
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


class StatsCache:
    def __init__(self, hd: Helpdesk) -> None:
        self.hd = hd
        self.path = hd.state_dir / "stats.sqlite"
        self.db = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)

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
            for table in ("meta", "heads", "blobs", "history", "facts"):
                self.db.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed names)

    def refresh(
        self, rules: kpi.Rules, calendar: Any, targets: Callable[[str], dict[str, Any]], fingerprint: str, full: bool = False
    ) -> Refreshed:
        """Bring the cache up to HEAD and give every ticket's facts."""
        git = self.hd.git
        head = git.head()
        if full:
            self.clear()
        old = self._meta("head")
        if old is not None and head is not None and old != head and not git.is_ancestor(old, head):
            self.clear()
            old = None
        commits_read = 0
        with self.db:
            if head is None:
                self.db.execute("DELETE FROM heads")
            elif old != head:
                commits = git.log(TICKETS_DIR, revisions=f"{old}..{head}" if old else None)
                commits_read = len(commits)
                self._add_history(commits)
                paths = None if old is None else git.changed_paths(old, head, TICKETS_DIR)
                self._update_heads(head, paths)
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('head', ?)", (head,))
        return self._facts(rules, calendar, targets, fingerprint, commits_read)

    def _fields_of(self, oids: list[str]) -> dict[str, dict[str, Any]]:
        wanted = sorted({oid for oid in oids if oid != ZERO_OID})
        known: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for oid, data in self.db.execute(f"SELECT oid, fields FROM blobs WHERE oid IN ({marks})", chunk):  # noqa: S608
                known[oid] = json.loads(data)
        missing = [oid for oid in wanted if oid not in known]
        if missing:
            blobs = self.hd.git.read_blobs(missing)
            rows = []
            for oid in missing:
                fields = front_fields(blobs[oid].decode("utf-8", errors="replace").lstrip("\ufeff"))
                known[oid] = fields
                rows.append((oid, json.dumps(fields)))
            self.db.executemany("INSERT OR REPLACE INTO blobs VALUES (?, ?)", rows)
        return known

    def _add_history(self, commits: list[Any]) -> None:
        """Append the changes of `commits` (newest first, as git log gives them) to each ticket's history."""
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
        for ticket, new in per_ticket.items():
            row = self.db.execute("SELECT changes FROM history WHERE ticket = ?", (ticket,)).fetchone()
            existing = json.loads(row[0]) if row else []
            seen = {item[0] for item in existing}
            existing += [item for item in new if item[0] not in seen]
            self.db.execute("INSERT OR REPLACE INTO history VALUES (?, ?)", (ticket, json.dumps(existing)))

    def _update_heads(self, head: str, paths: set[str] | None) -> None:
        if paths is None or len(paths) > 2000:
            found = self.hd.git.tree_blobs(head, [TICKETS_DIR])
            self.db.execute("DELETE FROM heads")
        else:
            wanted = sorted(p for p in paths if _ticket_of(p))
            found = self.hd.git.tree_blobs(head, wanted)
            for path in wanted:
                if path not in found:
                    self.db.execute("DELETE FROM heads WHERE path = ?", (path,))
        rows = [(_ticket_of(path), path, oid) for path, oid in found.items() if _ticket_of(path)]
        self.db.executemany("INSERT OR REPLACE INTO heads VALUES (?, ?, ?)", rows)

    def _facts(self, rules: kpi.Rules, calendar: Any, targets: Callable[[str], dict[str, Any]], fingerprint: str, commits_read: int) -> Refreshed:
        from tix.storage import ticketfile

        heads = self.db.execute(
            "SELECT heads.ticket, heads.path, heads.blob, history.changes, facts.key, facts.data FROM heads"
            " LEFT JOIN history ON history.ticket = heads.ticket LEFT JOIN facts ON facts.ticket = heads.ticket"
        ).fetchall()
        result: list[kpi.Facts] = []
        stale = []
        for ticket, path, blob, changes, key, data in heads:
            changes = changes or "[]"
            want = hashlib.sha1(f"{FACTS_VERSION}\0{fingerprint}\0{blob}\0{changes}".encode(), usedforsecurity=False).hexdigest()
            if key == want:
                result.append(kpi.Facts.from_json(json.loads(data)))
            else:
                stale.append((ticket, path, blob, changes, want))
        broken = []
        if stale:
            blobs = self.hd.git.read_blobs([blob for _, _, blob, _, _ in stale])
            rows = []
            for ticket, path, blob, changes, want in stale:
                try:
                    parsed = ticketfile.loads(blobs[blob].decode("utf-8", errors="replace"), path)
                except TixError:
                    broken.append(path)
                    continue
                history = [(int(when), changed) for _, when, changed in json.loads(changes)]
                found = kpi.facts(parsed, history, rules, calendar, targets)
                result.append(found)
                rows.append((ticket, want, json.dumps(found.as_json())))
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO facts VALUES (?, ?, ?)", rows)
                self.db.execute("DELETE FROM facts WHERE ticket NOT IN (SELECT ticket FROM heads)")
        result.sort(key=lambda f: (f.created, f.id))
        return Refreshed(result, commits_read, len(stale), broken)
