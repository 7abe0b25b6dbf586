"""The desk every use case works at: the helpdesk, the acting teammate, the clock, the
configuration's validation, the routing of new tickets, and the save-and-commit plumbing
(one commit per change, holding only that ticket's files, authored by the actor, under the
clone's lock). The use cases (services/tickets.py, replies, intake, ...) import this, never
each other.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from tix import messages as msg
from tix.domain import clock, commits
from tix.domain.model import CHANNELS, Person, Ticket, value_problems
from tix.domain.record import Record
from tix.errors import InvalidValue, TixError
from tix.storage.config import Config
from tix.storage.files import read_text, write_atomic
from tix.storage.layout import Helpdesk
from tix.storage.people import acting_user, resolve_agent
from tix.storage.refs import resolve as resolve_ref

TYPE_CHECKING = False  # as typing's, without importing typing (3 ms; tests/test_startup_imports.py)
if TYPE_CHECKING:
    from typing import Any

    from tix.storage.rows import TicketRow


class Change(Record):
    """What a use case did, for the CLI to report."""

    __slots__ = ("ticket", "summary", "commit")
    ticket: Ticket
    summary: str  # e.g. "status new → open" (msg.changed); empty when nothing changed
    commit: str | None

    def __init__(self, ticket: Ticket, summary: str, commit: str | None = None) -> None:
        self.ticket = ticket
        self.summary = summary
        self.commit = commit


class Desk:
    """The helpdesk as seen by one acting teammate."""

    def __init__(self, helpdesk: Helpdesk, actor_override: str | None = None, include_edits: bool = False) -> None:
        self.hd = helpdesk
        self._actor_override = actor_override
        self.include_edits = include_edits  # `tix --include-edits`: commit a hand edit first instead of refusing
        self._actor: Person | None = None
        self._calendar: Any = None

    @property
    def config(self) -> Config:
        return self.hd.config

    @property
    def actor(self) -> Person:
        if self._actor is None:
            self._actor = acting_user(self.hd.git, self._actor_override, lambda: self.hd.config)
        return self._actor

    def now(self) -> datetime:
        return clock.now(self.config.timezone)

    # --- validation -----------------------------------------------------------

    def check_status(self, status: str) -> str:
        if status not in self.config.statuses:
            raise InvalidValue(msg.filter_unknown_status(status, self.config.statuses))
        return status

    def check_priority(self, priority: str) -> str:
        if priority not in self.config.priorities:
            raise InvalidValue(msg.unknown_configured("priority", priority, self.config.priorities))
        return priority

    def check_category(self, category: str | None) -> str | None:
        allowed = self.config.categories
        if category and allowed and category not in allowed:
            raise InvalidValue(msg.unknown_configured("category", category, allowed))
        return category or None

    def check_queue(self, queue: str | None) -> str | None:
        allowed = self.config.queues
        if queue and allowed and queue not in allowed:
            raise InvalidValue(msg.unknown_configured("queue", queue, allowed))
        return queue or None

    def check_channel(self, channel: str) -> str:
        if channel not in CHANNELS:
            raise InvalidValue(msg.unknown_channel(channel, CHANNELS))
        return channel

    def check_ticket(self, ticket: Ticket) -> None:
        """Every field of a ticket is valid under the configuration (used after a hand edit)."""
        config = self.config
        problems = value_problems(config.statuses, config.priorities, config.categories, config.queues, ticket.status,
                                  ticket.priority, ticket.category, ticket.queue, ticket.channel, ticket.owner)  # fmt: skip
        if problems:
            raise InvalidValue(problems[0])

    def route_new(self, ticket: Ticket, message: Any, explicit: set[str] | None = None,
                  rows: Callable[[], list[TicketRow]] | None = None) -> list[str]:  # fmt: skip
        """Apply the routing rules and queue auto-assignment to a new ticket (rules.py); what
        the user set explicitly wins. Returns the warnings (a rule whose pattern timed out); the notes go to the ticket's `routing`."""
        from tix.domain import rules

        config = self.config
        outcome = rules.route(config.settings.rules, message)
        explicit = explicit or set()
        for key, value in outcome.fields.items():
            if key in explicit:
                continue
            if key == "tags":
                ticket.tags = sorted(set(ticket.tags) | set(value))
            elif key == "owner":
                ticket.owner = resolve_agent(config, str(value))
            else:
                setattr(ticket, key, value)
        notes = list(outcome.notes)
        if ticket.queue and not ticket.owner:
            given = ticket.extra.get("lang")
            language = given if isinstance(given, str) else rules.guess_language(f"{message.subject}\n{message.body}")
            picked = rules.pick_owner(config.settings.queues, config.settings.team, ticket.queue, (rows or self._all_rows)(),
                                      config.closed_statuses, language)  # fmt: skip
            if picked:
                handle, how = picked
                ticket.owner = resolve_agent(config, handle)
                notes.append(msg.assigned_by_tix(handle, how))
        if notes:
            ticket.extra["routing"] = notes
        return list(outcome.warnings)

    def _all_rows(self) -> list[TicketRow]:
        from tix.storage.index import Index

        with Index.current(self.hd) as index:
            return index.rows(self.now())

    def update_clocks(self, ticket: Ticket, before: tuple[str, str] | None) -> None:
        """SLA due times follow every change of status and priority (sla.py)."""
        from tix.domain import sla

        if self._calendar is None:
            self._calendar = sla.Calendar.from_config(self.config)
        sla.update(ticket, before, self.config, self.now(), self._calendar)

    # --- committing -----------------------------------------------------------

    def save_and_commit(self, ticket: Ticket, action: str, summary: str, files: dict[str, bytes] | None = None) -> Change:
        """Write the ticket (and `files`, e.g. a notice's outbox entry) and commit them; if the
        commit fails, put the ticket file back as it was and remove the new files."""
        path = self.hd.path_of(ticket.id)
        before = path.read_bytes() if path.exists() else None
        relpath = self.hd.save(ticket)
        for name, data in (files or {}).items():
            write_atomic(self.hd.root / name, data)
        try:
            commit = self.hd.git.commit([relpath, *(files or {})], commits.commit_message(ticket.id, action, summary), self.actor, ticket.updated)
        except BaseException:
            if before is None:
                path.unlink()
            else:
                path.write_bytes(before)
            for name in files or {}:
                (self.hd.root / name).unlink(missing_ok=True)
            raise
        return Change(ticket, summary, commit)

    def take_up_hand_edit(self, ticket_id: str) -> None:
        """Before a change loads a ticket (under the lock): a ticket file with changes not committed
        (a hand edit, staged or not) is never swept into tix's commit unnoticed (issue 18 #8). It
        is refused, naming the file; with `include_edits` the edit is committed first as its own
        `edit` commit, validated and with its SLA due times recomputed as `tix edit` does. One git
        run for the one file, whatever the number of tickets."""
        from tix.storage import ticketfile
        from tix.storage.layout import ticket_relpath

        relpath = ticket_relpath(ticket_id)
        if not self.hd.git.uncommitted([relpath]):
            return
        if not self.include_edits:
            raise InvalidValue(msg.hand_edit_refused(relpath))
        ticket = self.hd.load(ticket_id)  # a file broken by hand is refused here, named
        try:
            self.check_ticket(ticket)
        except TixError as exc:
            raise InvalidValue(msg.hand_edit_invalid(relpath, exc.message)) from None
        committed = self.hd.git.file_at_head(relpath)
        before = ticketfile.loads(committed, relpath) if committed is not None else None
        ticket.updated = self.now()
        self.update_clocks(ticket, (before.status, before.priority) if before else None)
        self.save_and_commit(ticket, "edit", msg.hand_edit_included())

    def update(self, ticket_ref: str, action: str, mutate: Callable[[Ticket], str],
               then: Callable[[Ticket, str], tuple[str, dict[str, bytes]] | None] | None = None) -> Change:  # fmt: skip
        """Load, mutate, save and commit one ticket. `mutate` returns the change summary ('' = no-op);
        `then(ticket, old status)` may add to the same commit (a status notice: its summary, its files)."""
        _ = self.actor  # fail on a missing identity before touching anything
        with self.hd.locked():
            ticket_id = resolve_ref(self.hd, ticket_ref)
            self.take_up_hand_edit(ticket_id)
            ticket = self.hd.load(ticket_id)
            before = (ticket.status, ticket.priority)
            summary = mutate(ticket)
            if not summary:
                return Change(ticket, "")
            ticket.updated = self.now()
            self.update_clocks(ticket, before)
            added = then(ticket, before[0]) if then else None
            if added:
                summary = f"{summary}; {added[0]}"
            return self.save_and_commit(ticket, action, summary, added[1] if added else None)


def edit_a_copy(hd: Helpdesk, path: Path, draft_name: str, editor: str | None, start: str | None = None) -> tuple[str, str, Path]:
    """`path` edited in the user's editor as a copy in .git/tix/edit/ (the original untouched until the
    caller commits): (original, edited, draft). The copy starts as the file, or as `start` (a
    rejected version taken up again). An unchanged copy is removed; one the caller rejects
    stays, for the user to take up again."""
    original = read_text(path)
    draft = hd.state_dir / "edit" / draft_name
    write_atomic(draft, original if start is None else start)
    run_editor(editor, draft)
    edited = read_text(draft)
    if edited == original:
        draft.unlink()
    return original, edited, draft


def run_editor(editor: str | None, path: Path) -> None:
    """Run the user's editor the way git does: `$EDITOR "$file"` through the shell."""
    import shlex
    import subprocess

    command = editor or os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    result = subprocess.run(["/bin/sh", "-c", f'{command} "$1"', command, str(path)], check=False)
    if result.returncode != 0:
        raise InvalidValue(msg.editor_failed(shlex.quote(command), result.returncode))
