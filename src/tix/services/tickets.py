"""Use cases. Each one validates, writes the ticket file, and makes exactly one git commit
holding only that ticket's files, authored by the acting teammate, under the clone's lock.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tix.domain import clock, ids
from tix.domain.model import CHANNELS, Entry, Person, Ticket
from tix.errors import InvalidValue, TixError
from tix.storage.config import Config
from tix.storage.files import read_text, write_atomic
from tix.storage.layout import Helpdesk
from tix.storage.people import acting_user, resolve_agent

if TYPE_CHECKING:
    from tix.storage.rows import TicketRow


@dataclass
class Change:
    """What a use case did, for the CLI to report."""

    ticket: Ticket
    summary: str  # e.g. "status new → open"; empty when nothing changed
    commit: str | None = None


def commit_message(ticket_id: str, action: str, summary: str) -> str:
    """The commit convention (docs/FORMAT.md): a subject line, then machine-readable trailers."""
    return f"tix: {ticket_id} {summary}\n\nTix-Ticket: {ticket_id}\nTix-Action: {action}\n"


class Desk:
    """The helpdesk as seen by one acting teammate."""

    def __init__(self, helpdesk: Helpdesk, actor_override: str | None = None) -> None:
        self.hd = helpdesk
        self._actor_override = actor_override
        self._actor: Person | None = None
        self._calendar: Any = None

    @property
    def config(self) -> Config:
        return self.hd.config

    @property
    def actor(self) -> Person:
        if self._actor is None:
            self._actor = acting_user(self.hd.git, self._actor_override)
        return self._actor

    def now(self) -> datetime:
        return clock.now(self.config.timezone)

    # --- validation -----------------------------------------------------------

    def check_status(self, status: str) -> str:
        if status not in self.config.statuses:
            raise InvalidValue(f"unknown status '{status}' (configured: {', '.join(self.config.statuses)})")
        return status

    def check_priority(self, priority: str) -> str:
        if priority not in self.config.priorities:
            raise InvalidValue(f"unknown priority '{priority}' (configured: {', '.join(self.config.priorities)})")
        return priority

    def check_category(self, category: str | None) -> str | None:
        allowed = self.config.categories
        if category and allowed and category not in allowed:
            raise InvalidValue(f"unknown category '{category}' (configured: {', '.join(allowed)})")
        return category or None

    def check_queue(self, queue: str | None) -> str | None:
        allowed = self.config.queues
        if queue and allowed and queue not in allowed:
            raise InvalidValue(f"unknown queue '{queue}' (configured: {', '.join(allowed)})")
        return queue or None

    def check_channel(self, channel: str) -> str:
        if channel not in CHANNELS:
            raise InvalidValue(f"unknown channel '{channel}' (one of: {', '.join(CHANNELS)})")
        return channel

    def check_ticket(self, ticket: Ticket) -> None:
        """Every field of a ticket is valid under the configuration (used after a hand edit)."""
        self.check_status(ticket.status)
        self.check_priority(ticket.priority)
        self.check_category(ticket.category)
        self.check_queue(ticket.queue)
        self.check_channel(ticket.channel)
        if ticket.owner and Person.parse(ticket.owner) is None:
            raise InvalidValue(f"owner '{ticket.owner}' is not a mail address")

    def route_new(self, ticket: Ticket, message: Any, explicit: set[str] | None = None,
                  rows: Callable[[], list[TicketRow]] | None = None) -> list[str]:  # fmt: skip
        """Apply the routing rules and queue auto-assignment to a new ticket (rules.py); what
        the user set explicitly wins. Returns the warnings (a rule whose pattern timed out); the notes go to the ticket's `routing`."""
        from tix.domain import rules

        config = self.config
        outcome = rules.route(config.data.get("rules") or [], message)
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
            picked = rules.pick_owner(config.data, ticket.queue, (rows or self._all_rows)(), config.closed_statuses)
            if picked:
                handle, how = picked
                ticket.owner = resolve_agent(config, handle)
                notes.append(f"assigned to {handle} by tix ({how})")
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

    def _save_and_commit(self, ticket: Ticket, action: str, summary: str) -> Change:
        """Write the ticket and commit it; if the commit fails, put the file back as it was."""
        path = self.hd.path_of(ticket.id)
        before = path.read_bytes() if path.exists() else None
        relpath = self.hd.save(ticket)
        try:
            commit = self.hd.git.commit([relpath], commit_message(ticket.id, action, summary), self.actor, ticket.updated)
        except BaseException:
            if before is None:
                path.unlink()
            else:
                path.write_bytes(before)
            raise
        return Change(ticket, summary, commit)

    def _update(self, ticket_ref: str, action: str, mutate: Callable[[Ticket], str]) -> Change:
        """Load, mutate, save and commit one ticket. `mutate` returns the change summary ('' = no-op)."""
        _ = self.actor  # fail on a missing identity before touching anything
        with self.hd.locked():
            ticket = self.hd.load(self.hd.resolve(ticket_ref))
            before = (ticket.status, ticket.priority)
            summary = mutate(ticket)
            if not summary:
                return Change(ticket, "")
            ticket.updated = self.now()
            self.update_clocks(ticket, before)
            return self._save_and_commit(ticket, action, summary)

    # --- use cases ------------------------------------------------------------

    def create(
        self,
        subject: str,
        requester: Person | None = None,
        body: str = "",
        channel: str = "other",
        priority: str | None = None,
        category: str | None = None,
        owner: str | None = None,
        queue: str | None = None,
        tags: list[str] | None = None,
    ) -> Change:
        if not subject.strip():
            raise InvalidValue("a ticket needs a subject")
        requester = requester or self.actor
        now = self.now()
        ticket = Ticket(
            id="",
            subject=subject,
            requester=requester,
            status=self.config.data["statuses"]["initial"],
            priority=self.check_priority(priority or self.config.data["priorities"]["default"]),
            created=now,
            updated=now,
            owner=resolve_agent(self.config, owner) if owner else None,
            queue=self.check_queue(queue),
            category=self.check_category(category),
            tags=[check_tag(tag) for tag in tags or []],
            channel=self.check_channel(channel),
        )
        if body.strip():
            ticket.entries.append(Entry(ids.random_id(), "inbound", str(requester), now, body))
        from tix.domain.rules import Message

        explicit = {name for name, value in (("priority", priority), ("category", category), ("owner", owner),
                                             ("queue", queue)) if value}  # fmt: skip
        self.route_new(ticket, Message(ticket.subject, body, requester.email, [], ticket.channel), explicit)
        self.update_clocks(ticket, None)
        with self.hd.locked():
            ticket.id = self._unused_id()
            return self._save_and_commit(ticket, "create", f"new ticket: {ticket.subject}")

    def _unused_id(self) -> str:
        for _ in range(100):
            candidate = ids.random_id()
            if not self.hd.exists(candidate):
                return candidate
        raise TixError("could not find an unused ticket ID")  # 31^8 IDs: only a broken random source gets here

    def assign(self, ticket_ref: str, user: str) -> Change:
        owner = resolve_agent(self.config, user)

        def mutate(ticket: Ticket) -> str:
            if ticket.owner == owner:
                return ""
            old, ticket.owner = ticket.owner, owner
            return f"owner {old or '(none)'} → {owner}"

        return self._update(ticket_ref, "assign", mutate)

    def take(self, ticket_ref: str) -> Change:
        return self.assign(ticket_ref, self.actor.email if not self.config.team else self._own_handle())

    def _own_handle(self) -> str:
        for handle, member in self.config.team.items():
            if str(member["email"]).lower() == self.actor.email.lower():
                return handle
        return self.actor.email  # resolve_agent explains that this address is not in the team

    def unassign(self, ticket_ref: str) -> Change:
        def mutate(ticket: Ticket) -> str:
            if ticket.owner is None:
                return ""
            old, ticket.owner = ticket.owner, None
            return f"owner {old} → (none)"

        return self._update(ticket_ref, "unassign", mutate)

    def set_status(self, ticket_ref: str, status: str, reason: str = "", action: str = "status") -> Change:
        self.check_status(status)

        def mutate(ticket: Ticket) -> str:
            if ticket.status == status:
                return ""
            old, ticket.status = ticket.status, status
            if reason.strip():
                ticket.entries.append(Entry(ids.random_id(), "note", str(self.actor), self.now(), reason))
            return f"status {old} → {status}"

        return self._update(ticket_ref, action, mutate)

    def close(self, ticket_ref: str, reason: str = "") -> Change:
        return self.set_status(ticket_ref, self.config.closed_statuses[0], reason, action="close")

    def reopen(self, ticket_ref: str) -> Change:
        ticket = self.hd.load(self.hd.resolve(ticket_ref))
        if self.config.status_group(ticket.status) != "closed":
            raise InvalidValue(f"{ticket.id} is not closed (status {ticket.status})")
        return self.set_status(ticket.id, self.config.data["statuses"]["reopen"], action="reopen")

    def set_priority(self, ticket_ref: str, priority: str) -> Change:
        self.check_priority(priority)
        return self._update(ticket_ref, "priority", _field_setter("priority", priority))

    def set_category(self, ticket_ref: str, category: str) -> Change:
        value = self.check_category(category)
        return self._update(ticket_ref, "category", _field_setter("category", value))

    def set_queue(self, ticket_ref: str, queue: str) -> Change:
        value = self.check_queue(queue)
        return self._update(ticket_ref, "queue", _field_setter("queue", value))

    def tag(self, ticket_ref: str, changes: list[str]) -> Change:
        add = {check_tag(c[1:] if c.startswith("+") else c) for c in changes if not c.startswith("-")}
        remove = {check_tag(c[1:]) for c in changes if c.startswith("-")}
        if not add and not remove:
            raise InvalidValue("no tags given (use +tag to add, -tag to remove)")

        def mutate(ticket: Ticket) -> str:
            before = set(ticket.tags)
            ticket.tags = sorted((before | add) - remove)
            added, removed = sorted(set(ticket.tags) - before), sorted(before - set(ticket.tags))
            if not added and not removed:
                return ""
            return "tags " + " ".join([f"+{t}" for t in added] + [f"-{t}" for t in removed])

        return self._update(ticket_ref, "tag", mutate)

    def note(self, ticket_ref: str, text: str) -> Change:
        if not text.strip():
            raise InvalidValue("the note is empty")

        def mutate(ticket: Ticket) -> str:
            ticket.entries.append(Entry(ids.random_id(), "note", str(self.actor), self.now(), text))
            return "note added"

        return self._update(ticket_ref, "note", mutate)

    def edit(self, ticket_ref: str, editor: str | None = None) -> Change:
        """Open the ticket file in $EDITOR (a copy); commit the result if it is still a valid ticket."""
        from tix.storage import ticketfile

        _ = self.actor  # fail on a missing identity before the editor runs
        ticket_id = self.hd.resolve(ticket_ref)
        path = self.hd.path_of(ticket_id)
        original = read_text(path)
        draft = self.hd.state_dir / "edit" / f"{ticket_id}.md"
        write_atomic(draft, original)
        run_editor(editor, draft)
        edited = read_text(draft)
        if edited == original:
            draft.unlink()
            return Change(self.hd.load(ticket_id), "")
        relpath = str(path.relative_to(self.hd.root))
        try:
            ticket = ticketfile.loads(edited, relpath)
            if ticket.id != ticket_id:
                raise InvalidValue(f"the id cannot be changed ({ticket_id} → {ticket.id})")
            self.check_ticket(ticket)
        except TixError as exc:
            raise InvalidValue(f"edit rejected, {ticket_id} is unchanged: {exc.message} (your version: {draft})") from None
        with self.hd.locked():
            if read_text(path) != original:
                raise InvalidValue(f"edit rejected: {ticket_id} changed meanwhile (your version: {draft})")
            ticket.updated = self.now()
            before = ticketfile.loads(original, relpath)
            self.update_clocks(ticket, (before.status, before.priority))
            change = self._save_and_commit(ticket, "edit", "edited by hand")
            draft.unlink()
            return change


def _field_setter(name: str, value: str | None) -> Callable[[Ticket], str]:
    def mutate(ticket: Ticket) -> str:
        old = getattr(ticket, name)
        if old == value:
            return ""
        setattr(ticket, name, value)
        return f"{name} {old or '(none)'} → {value or '(none)'}"

    return mutate


def check_tag(tag: str) -> str:
    tag = tag.strip()
    if not tag or any(ch.isspace() or ch == "," for ch in tag) or tag.startswith(("+", "-")):
        raise InvalidValue(f"'{tag}' is not a valid tag (no spaces or commas, not starting with + or -)")
    return tag


def run_editor(editor: str | None, path: Path) -> None:
    """Run the user's editor the way git does: `$EDITOR "$file"` through the shell."""
    command = editor or os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    result = subprocess.run(["/bin/sh", "-c", f'{command} "$1"', command, str(path)], check=False)
    if result.returncode != 0:
        raise InvalidValue(f"the editor ({shlex.quote(command)}) exited with status {result.returncode}; nothing changed")


def set_config(hd: Helpdesk, actor_override: str | None, key: str, value: str) -> str | None:
    """Validate and write one config value, committed like any other change; None if unchanged."""
    from tix.storage import config as configmod

    actor = acting_user(hd.git, actor_override)
    with hd.locked():
        current = configmod.Config.load(hd.root)
        updated = current.with_value(key, value)
        if updated.data == current.data:
            return None
        text = configmod.render(updated.data)
        from tix.storage.yamlio import load_yaml

        if configmod.validate(load_yaml(text)) != updated.data:  # never commit a file that reads back differently
            raise TixError(f"internal error: {configmod.CONFIG_FILE} would not read back as written; nothing changed")
        write_atomic(hd.root / configmod.CONFIG_FILE, text)
        message = f"tix: config set {key} {value}\n\nTix-Action: config\n"
        return hd.git.commit([configmod.CONFIG_FILE], message, actor)


def explain_rules(helpdesk: Any, paths: list[Any]) -> list[tuple[Any, list[str], dict[str, Any]]]:
    """`tix rules test`: for each message file, the rules that fire and the resulting fields
    (with the owner auto-assignment would pick); for robot mail, `robot (KIND)` and the closed
    status the importer gives it. Nothing is changed."""
    from tix.domain.rules import Message, pick_owner, route
    from tix.mail import parse as mailparse
    from tix.storage.index import Index

    config = helpdesk.config
    with Index.current(helpdesk) as index:
        rows = index.rows(clock.now(config.timezone))
    results = []
    for path in paths:
        try:
            mail = mailparse.parse(path.read_bytes(), list(config.mail["fallback_charsets"]))
        except OSError as exc:
            raise InvalidValue(f"{path}: {exc.strerror}") from None
        if mail.robot:  # the importer files robot mail closed, tagged with its kind, without rules (mailin.py)
            results.append((path, [f"robot ({mail.robot})"], {"status": config.closed_statuses[0]}))
            continue
        sender = mail.sender.email if mail.sender else ""
        recipients = [p.email for p in mail.to + mail.cc] + mail.delivered_to
        outcome = route(config.data.get("rules") or [], Message(mail.subject, mail.text, sender, recipients, "email"))
        fields = dict(outcome.fields)
        if outcome.warnings:
            fields["warnings"] = list(outcome.warnings)
        if fields.get("queue") and "owner" not in fields:
            picked = pick_owner(config.data, str(fields["queue"]), rows, config.closed_statuses)
            if picked:
                fields["owner"] = f"{picked[0]} ({picked[1]})"
        results.append((path, outcome.fired, fields))
    return results
