"""The import ledger (storage/ledger.py): kept apart from the disposable index, and taken over
from the index tables where an older tix kept it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from conftest import Cli, make_eml, make_maildir

from tix.storage.layout import Helpdesk
from tix.storage.ledger import Ledger

# What schema 7 of the index held beside the tickets (the bookkeeping now in the ledger).
_LEGACY_DDL = """
CREATE TABLE imported (sha256 TEXT PRIMARY KEY, message_id TEXT NOT NULL);
CREATE TABLE autoacks (address TEXT NOT NULL, time TEXT NOT NULL);
CREATE TABLE file_digests (fingerprint TEXT PRIMARY KEY, sha256 TEXT NOT NULL);
"""
_TABLES = ("imported", "file_digests", "autoacks")


def _with_autoacks(tix: Cli) -> None:
    tix.ok("config", "set", "helpdesk.email", "support@example.com")
    tix.ok("config", "set", "autoack.enabled", "true")
    tix.ok("config", "set", "autoack.limit", "1")


def _rows(database: Path, table: str) -> list[tuple[str, str]]:
    db = sqlite3.connect(database)
    try:
        return sorted(db.execute(f"SELECT * FROM {table}").fetchall())
    finally:
        db.close()


def _tables(database: Path) -> set[str]:
    db = sqlite3.connect(database)
    try:
        return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        db.close()


def _forget_state(state: Path, name: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        (state / f"{name}{suffix}").unlink(missing_ok=True)


def test_reindex_and_a_deleted_index_keep_the_ledger(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    _with_autoacks(tix)
    maildir = make_maildir(tmp_path / "Maildir", {"1.host": make_eml(message_id="<a@x>")})
    assert "1 new ticket" in tix.ok("import", str(maildir)).out
    state = helpdesk / ".git" / "tix"
    tix.ok("reindex")
    _forget_state(state, "index.sqlite")  # the index is disposable; the ledger is not
    ledger = Ledger(Helpdesk(helpdesk))
    try:
        assert ledger.recent_autoacks("jan@example.pl", "2000-01-01T00:00:00+00:00") == 1
    finally:
        ledger.close()
    data = json.loads(tix.ok("import", "--format", "json", str(maildir)).out)
    assert data["messages"][0]["reason"] == "the same file was imported before"  # known by its fingerprint, unread
    (tmp_path / "b.eml").write_bytes(make_eml(message_id="<b@x>", subject="Another one"))
    data = json.loads(tix.ok("import", "--format", "json", str(tmp_path / "b.eml")).out)
    assert data["counts"]["created"] == 1 and data["counts"]["acknowledged"] == 0  # autoack.limit still counts the first


def test_an_older_helpdesk_s_bookkeeping_moves_from_the_index_to_the_ledger(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    _with_autoacks(tix)
    maildir = make_maildir(tmp_path / "Maildir", {f"{n}.host": make_eml(message_id=f"<m{n}@x>", sender=f"c{n}@example.com") for n in range(3)})
    assert "3 new tickets" in tix.ok("import", str(maildir)).out
    state = helpdesk / ".git" / "tix"
    before = {table: _rows(state / "ledger.sqlite", table) for table in _TABLES}
    assert all(before.values()) and len(before["autoacks"]) == 3
    # Put the clone back as a tix of index schema 7 left it: the bookkeeping in index.sqlite, no ledger.
    _forget_state(state, "ledger.sqlite")
    db = sqlite3.connect(state / "index.sqlite")
    db.executescript(_LEGACY_DDL)
    for table, rows in before.items():
        db.executemany(f"INSERT INTO {table} VALUES (?, ?)", rows)
    db.execute("UPDATE meta SET value = '7' WHERE key = 'schema'")
    db.commit()
    db.close()

    assert len(tix.ok("list", "--format", "json").out.splitlines()) == 5  # the index is rebuilt, the old tables left alone
    assert set(_TABLES) <= _tables(state / "index.sqlite")
    data = json.loads(tix.ok("import", "--format", "json", str(maildir)).out)
    assert data["counts"]["duplicate"] == 3
    assert {m["reason"] for m in data["messages"]} == {"the same file was imported before"}
    assert {table: _rows(state / "ledger.sqlite", table) for table in _TABLES} == before
    assert not set(_TABLES) & _tables(state / "index.sqlite")
    Ledger(Helpdesk(helpdesk)).close()  # opened again: nothing copied twice
    assert {table: _rows(state / "ledger.sqlite", table) for table in _TABLES} == before


def test_a_take_over_cut_short_before_the_drop_copies_nothing_twice(helpdesk: Path) -> None:
    state = helpdesk / ".git" / "tix"
    state.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(state / "index.sqlite")
    db.executescript(_LEGACY_DDL)
    db.execute("INSERT INTO autoacks VALUES ('jan@example.pl', '2026-11-23T09:00:00+01:00')")
    db.commit()
    Ledger(Helpdesk(helpdesk)).close()
    db.executescript(_LEGACY_DDL)  # as if the drop had not happened
    db.execute("INSERT INTO autoacks VALUES ('jan@example.pl', '2026-11-23T09:00:00+01:00')")
    db.commit()
    db.close()
    Ledger(Helpdesk(helpdesk)).close()
    assert _rows(state / "ledger.sqlite", "autoacks") == [("jan@example.pl", "2026-11-23T09:00:00+01:00")]
    assert not set(_TABLES) & _tables(state / "index.sqlite")
