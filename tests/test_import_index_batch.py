"""The import indexes each batch's tickets at once (storage/index.py record_commit): the index it
leaves is the one a rebuild from the ticket files makes, and the work is a few statements per
ticket, not one per table and row."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import make_eml, make_maildir

from tix.storage.index import Index
from tix.storage.layout import Helpdesk


class Counting:
    """A connection that counts the statements asked of it (an executemany is one)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db, self.calls = db, 0

    def execute(self, *args: Any) -> Any:
        self.calls += 1
        return self.db.execute(*args)

    def executemany(self, *args: Any) -> Any:
        self.calls += 1
        return self.db.executemany(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.db, name)


def content(db_path: Path) -> dict[str, Any]:
    """What the index holds, by ticket path (not by rowid: a rebuild takes the files in its own order)."""
    db = sqlite3.connect(db_path)
    try:
        columns = [row[1] for row in db.execute("PRAGMA table_info(tickets)")]
        tickets = sorted(db.execute(f"SELECT {', '.join(columns)} FROM tickets").fetchall())
        tokens = sorted(db.execute("SELECT t.path, s.packed FROM tickets t JOIN search_tokens s ON s.rowid = t.rowid").fetchall())
        found = {word: sorted(row[0] for row in db.execute(
            "SELECT t.path FROM search JOIN tickets t ON t.rowid = search.rowid WHERE search MATCH ?", (word,)))
            for word in ("printer", "fire", "again", "invoice", "answer")}  # fmt: skip
        tables = {name: sorted(db.execute(f"SELECT * FROM {name}").fetchall()) for name in ("tags", "messages", "thread_refs", "broken")}
        orphans = db.execute("SELECT count(*) FROM search_tokens WHERE rowid NOT IN (SELECT rowid FROM tickets)").fetchone()[0]
    finally:
        db.close()
    return {"tickets": tickets, "tokens": tokens, "found": found, "orphans": orphans, **tables}


def mails() -> dict[str, bytes]:
    found = {}
    for n in range(24):
        found[f"{n:03d}.a"] = make_eml(subject=f"Printer on fire {n}", message_id=f"<m{n}@x>", body=f"invoice {n}")
    for n in range(0, 24, 3):  # follow-ups, each in a later batch than its ticket
        found[f"{100 + n:03d}.b"] = make_eml(subject=f"Re: Printer on fire {n}", message_id=f"<r{n}@x>", in_reply_to=f"<m{n}@x>",
                                             references=f"<m{n}@x>", body="again, please answer")  # fmt: skip
    found["150.d"] = make_eml(subject="Answer to an old mail", message_id="<o1@x>", in_reply_to="<gone@x>", references="<older@x> <gone@x>")
    found["200.c"] = make_eml(subject="Undelivered Mail Returned to Sender", sender="MAILER-DAEMON@example.net", message_id="<b1@x>",
                              headers={"Auto-Submitted": "auto-replied"}, body="bounce")  # fmt: skip
    return found


def test_an_imports_index_is_the_one_a_rebuild_makes_and_costs_a_few_statements_a_ticket(
    tix: Any, helpdesk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tix.ok("config", "set", "mail.batch", "5")
    statements: list[int] = []
    stored: list[int] = []
    real = Index.record_commit

    def counted(self: Index, parent: str | None, commit: str, written: dict[str, Any]) -> None:
        connection, counter = self.db, Counting(self.db)
        self.db = counter  # type: ignore[assignment]
        try:
            real(self, parent, commit, written)
        finally:
            self.db = connection
        statements.append(counter.calls)
        stored.append(len(written))

    monkeypatch.setattr(Index, "record_commit", counted)
    maildir = make_maildir(tmp_path / "Maildir", mails())
    tix.ok("import", "--quiet", str(maildir))
    assert sum(stored) >= 34 and len(stored) >= 6  # every batch was indexed as it landed
    for count, tickets in list(zip(statements, stored, strict=True))[:4]:  # the first batches: new tickets only
        assert count <= 12 + tickets, (count, tickets)  # one statement per ticket, a constant few per batch (was 10 a ticket)
    assert sum(statements) <= 12 * len(statements) + sum(stored) + 9 * 8  # and the 8 followed-up tickets forgotten first
    index_path = helpdesk / ".git" / "tix" / "index.sqlite"
    imported = content(index_path)
    assert imported["orphans"] == 0 and imported["found"]["again"] and imported["thread_refs"]
    index_path.unlink()
    rebuilt = Index(Helpdesk(helpdesk))
    try:
        rebuilt.refresh()
    finally:
        rebuilt.close()
    assert content(index_path) == imported
