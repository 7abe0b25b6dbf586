"""Mail intake: turn messages into new tickets and follow-ups — exactly once, safe from cron.

One run holds the helpdesk lock, streams its sources, parses on both cores, and commits every
`mail.batch` messages. Each message lands in its ticket's folder (`<entry-id>/message.eml`,
`message.html`, attachments) and as an entry of the conversation. Before a batch writes a
file it lists the batch's paths in `.git/tix/import-journal`; the next run commits what an
interrupted run wrote, so `kill -9` at any moment loses nothing and doubles nothing.
Maildir files are marked seen (when asked) only after the commit that holds them exists.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from itertools import chain
from typing import TYPE_CHECKING, Any

from tix.domain import identities, ids
from tix.domain.model import Entry, Person, Ticket
from tix.errors import GitError, LockHeld, TixError, storage_error
from tix.mail.sources import open_source
from tix.mail.sources.base import Item, UnreadableMessage
from tix.mail.workers import Parsers, chunks
from tix.messages import count
from tix.services.desk import Desk
from tix.storage import ticketfile
from tix.storage.files import UnsafePath, ensure_real_dirs, write_many
from tix.storage.index import Index
from tix.storage.journal import ImportJournal
from tix.storage.layout import TICKETS_DIR, ticket_relpath
from tix.storage.ledger import Ledger
from tix.storage.rows import TicketRow
from tix.storage.secret import load_secret, ours

if TYPE_CHECKING:  # the parser is imported only by a run that parses (not by a re-run with nothing new)
    from tix.mail.parse import ParsedMail

QUARANTINE_DIR = "quarantine"
MAX_TEXT_CHARS = 200_000
UNKNOWN_SENDER = Person("(unknown sender)", "unknown@invalid")


class CannotFile(Exception):
    """This message cannot be filed where it belongs; it is quarantined with the reason."""


@dataclass
class Decision:
    """What happened to one message, and why (shown by --dry-run and --format json)."""

    source: str
    action: str  # created | updated | duplicate | own | quarantined | vanished
    ticket: str | None = None
    message_id: str | None = None
    reason: str = ""
    robot: str | None = None
    reopened: bool = False


@dataclass
class Report:
    counts: Counter[str] = field(default_factory=Counter)
    decisions: list[Decision] = field(default_factory=list)
    commits: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # files that could not be read at all
    warnings: list[str] = field(default_factory=list)  # said once per run (e.g. no acknowledgements)

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    def summary(self) -> str:
        c = self.counts
        total = sum(c[k] for k in ("created", "updated", "duplicate", "own", "quarantined"))
        parts = [count(c["created"], "new ticket"), count(c["updated"], "follow-up") + (f" ({c['reopened']} reopened)" if c["reopened"] else "")]
        parts += [count(c["duplicate"], "duplicate skipped"), f"{c['robot']} from robots", f"{c['own']} our own", f"{c['quarantined']} quarantined"]
        return count(total, "message") + ": " + ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        keys = ("created", "updated", "reopened", "duplicate", "robot", "own", "quarantined", "vanished", "acknowledged", "unreadable")
        return {"counts": {key: self.counts[key] for key in keys}, "commits": self.commits, "warnings": self.warnings,
                "messages": [asdict(d) for d in self.decisions]}  # fmt: skip


class Importer:
    def __init__(
        self, desk: Desk, dry_run: bool = False, mark_seen: bool = False, keep_decisions: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> None:  # fmt: skip
        self.desk = desk
        self.hd = desk.hd
        config = desk.config
        mail = config.settings.mail
        self.dry_run = dry_run
        self.mark_seen = mark_seen
        self.keep_decisions = keep_decisions or dry_run
        self.progress = progress
        self.instance = config.instance
        self.fallbacks = list(mail.fallback_charsets)
        self.max_attachment = int(mail.max_attachment_mb * 1024 * 1024)
        self.max_message = int(mail.max_message_mb * 1024 * 1024)
        self.timeout = mail.timeout
        self.batch_size = mail.batch
        self.reopen = mail.reopen
        self.own = config.own_addresses()
        self.team = {member.email.lower() for member in config.settings.team.values()}
        self.tag_pattern = identities.tag_pattern(mail.tag, self.instance)
        self.report = Report()
        self.all_rows: list[TicketRow] | None = None
        self.assigned_rows: list[TicketRow] = []
        self._reset_batch()
        self.journal = ImportJournal(self.hd)
        self._snapshots: dict[str, bytes] = {}
        self._secret_bytes: bytes | None = None
        self._checked_dirs: set[str] = set()  # folders found real in this run (store.ensure_real_dirs)
        self._parsers = Parsers(self.fallbacks, self.max_attachment, self.timeout)
        self._seen_count = 0
        self._in_flight: _InFlight | None = None  # the batch whose commit git is writing
        self._base: tuple[str, str] | None = None  # this run's last commit and its tree

    def _reset_batch(self) -> None:
        self.pending: dict[str, Ticket] = {}
        self.files: dict[str, bytes] = {}
        self.removed: list[str] = []
        self.done_items: list[Item] = []
        self.hashes: list[tuple[str, str]] = []
        self.fingerprints: list[tuple[str, str]] = []
        self.batch_messages = 0
        self.batch_created = 0

    # --- the run ---------------------------------------------------------------------

    def run(self, paths: list[str], retry_quarantine: bool = False) -> Report:
        self.desk.actor  # noqa: B018  fail on a missing identity before reading any mail
        with self.hd.locked():
            if not self.dry_run:
                self.recover()
            self.ledger = Ledger(self.hd)
            self.index = Index(self.hd)
            try:
                self.index.refresh()
                sources = list(paths)
                if retry_quarantine:  # regular files of the helpdesk only: never a pushed symlink (issue 10 #4)
                    ensure_real_dirs(self.hd.root / QUARANTINE_DIR, create=False)
                    for path in sorted((self.hd.root / QUARANTINE_DIR).glob("*.eml")):
                        if path.is_symlink() or not path.is_file():
                            self.report.warn(f"{QUARANTINE_DIR}/{path.name}: not a regular file (a symlink committed by someone?); skipped")
                        else:
                            sources.append(str(path))
                # Parsing the next chunk (on worker processes) overlaps with filing, writing and
                # committing the current one (here). A chunk's results are collected before the
                # next chunk is sent: the workers are then idle, so no pipe can fill both ways.
                waiting: tuple[list[tuple[Item, bytes, str]], Any] | None = None
                for chunk in chunks(chain.from_iterable(open_source(path) for path in sources), 200):
                    jobs = self._prepare(chunk)
                    results = waiting[1].get() if waiting else []
                    submitted = (jobs, self._submit([raw for _, raw, _ in jobs]))
                    if waiting:
                        self._consume(waiting[0], results)
                    waiting = submitted
                if waiting:
                    self._consume(waiting[0], waiting[1].get())
                self._flush()
                self._land()
                if self.report.commits:
                    self.hd.git.refresh_index_stat()  # a re-run and `git status` then read none of it again
            finally:
                if self._in_flight is not None:  # the run failed: the journal completes the batch next time
                    self._in_flight.commit.cancel()
                self.index.close()
                self.ledger.close()
                self._parsers.close()
        return self.report

    def _prepare(self, items: list[Item]) -> list[tuple[Item, bytes, str]]:
        """Read the messages; settle known duplicates and oversized ones without parsing them."""
        jobs: list[tuple[Item, bytes, str]] = []
        for item in items:
            fingerprint = item.fingerprint()
            seen = self.ledger.known_file(fingerprint) if fingerprint else None
            if seen:
                digest, known = seen
                ticket = self._ticket_of(known)
                if ticket and _head_names(item, known):
                    self._duplicate(item, known, digest, "the same file was imported before", ticket, remember=False)
                    continue  # settled by reading its head only; anything else is hashed whole below
            try:
                raw = item.read()
            except UnreadableMessage as exc:
                self.report.counts["unreadable"] += 1
                self.report.problems.append(str(exc))
                self._decide(Decision(item.label, "unreadable", reason=str(exc)))
                continue
            if raw is None:
                self._decide(Decision(item.label, "vanished", reason="the file was renamed or removed meanwhile"))
                continue
            digest = hashlib.sha256(raw).hexdigest()
            if fingerprint:
                self.fingerprints.append((fingerprint, digest))
            imported = self.ledger.imported_message(digest)
            holder = self._ticket_of(imported) if imported else None
            if imported and holder:
                self._duplicate(item, imported, digest, "the same bytes were imported before", holder, remember=False)
                continue
            if self._is_quarantined_copy(item, digest):
                continue
            if len(raw) > self.max_message:
                self._quarantine(item, raw, digest, f"{len(raw):,} bytes is over mail.max_message_mb")
                continue
            jobs.append((item, raw, digest))
        return jobs

    def _submit(self, raws: list[bytes]) -> Any:
        return self._parsers.submit(raws)

    def _consume(self, jobs: list[tuple[Item, bytes, str]], results: list[tuple[str, Any]]) -> None:
        for (item, raw, digest), (status, result) in zip(jobs, results, strict=True):  # a result per job, in order
            if status == "ok":
                self._handle_safely(item, raw, digest, result)
            else:
                self._quarantine(item, raw, digest, result)
            if self.batch_messages >= self.batch_size:
                self._flush()

    # --- one message -----------------------------------------------------------------

    def _handle_safely(self, item: Item, raw: bytes, digest: str, mail: ParsedMail) -> None:
        """One message that tix cannot file (a bug of ours, or a case nobody foresaw) goes to
        quarantine with the reason, instead of stopping the run; nothing of it is half-kept."""
        files_before = len(self.files)  # files are only added in a message's handling: dict order tells its own
        tickets_before = len(self.pending)
        self._snapshots = {}  # the text of each pending ticket this message touches, before it does
        try:
            self._handle(item, raw, digest, mail)
        except TixError:
            raise  # a lock, a git failure: the whole run stops with its message
        except Exception as exc:  # noqa: BLE001
            self._forget_files_after(files_before)
            for ticket_id in list(self.pending)[tickets_before:]:
                del self.pending[ticket_id]
            for ticket_id, snapshot in self._snapshots.items():
                self.pending[ticket_id] = pickle.loads(snapshot)
            reason = str(exc) if isinstance(exc, CannotFile) else f"tix could not file it: {type(exc).__name__}: {exc}"
            self._quarantine(item, raw, digest, reason)

    def _forget_files_after(self, count: int) -> None:
        for relpath in list(self.files)[count:]:
            del self.files[relpath]

    def _handle(self, item: Item, raw: bytes, digest: str, mail: ParsedMail) -> None:
        mid = mail.message_id
        if self._ticket_of(mid):
            self._duplicate(item, mid, digest, "its Message-ID was imported before")
            return
        ours = self._our_message(mid)
        ticket_id: str | None
        if ours is not None:
            # our own mail come back (a Bcc to the support mailbox, a list's copy): provably ours, so it
            # changes nothing on the ticket, but it is kept there as an entry, never dropped (issue 9 #15)
            ticket_id, reason, linked = ours[0], f"our own outgoing mail came back (entry {ours[1]})", None
            if not self._exists(ticket_id):
                raise CannotFile(f"our own mail for ticket {ticket_id}, which this clone does not have (tix sync, then tix import --retry-quarantine)")
        else:
            ticket_id, reason, linked = self._thread(mail)
        when = self._message_time(mail, item)
        entry_id = ids.derived_id("entry:" + mid)
        try:
            if ticket_id is None:
                ticket = self._new_ticket(mail, when, linked)
                action = "created"
            else:
                ticket = self._load(ticket_id)
                action = "updated"
            folder = f"{TICKETS_DIR}/{ids.shard(ticket.id)}/{ticket.id}/{entry_id}"
            self._real_dirs(folder, create=False)
        except UnsafePath as exc:
            # a committed symlink where this mail would go: this message waits in quarantine
            # (retried once the path is mended); the rest of the run goes on
            raise CannotFile(exc.message) from None
        if action == "created":
            self.batch_created += 1
        files = self._entry_files(folder, raw, mail)
        entry = self._entry(entry_id, mail, when, reason, files)
        reopened = False
        if ours is not None:
            entry.extra["own"] = True
            action = "own"
        elif action == "updated":
            reopened = self._follow_up(ticket, mail)
            if reopened:
                entry.extra["reopened"] = True
        ticket.entries.append(entry)
        ticket.message_ids.append(mid)
        _record_references(ticket, references_of(mail))
        if action == "created" and self._may_acknowledge(mail, ticket):
            self._acknowledge_safely(ticket)
        ticket.updated = max(ticket.updated, self.desk.now())
        self.index.note_run_message(mid, ticket.id, references_of(mail))
        self.pending[ticket.id] = ticket
        if item.path is not None and item.path.parent == self.hd.root / QUARANTINE_DIR:
            self.removed += [f"{QUARANTINE_DIR}/{item.path.name}", f"{QUARANTINE_DIR}/{item.path.stem}.txt"]
        self.hashes.append((digest, mid))
        self.batch_messages += 1
        self.report.counts[action] += 1
        if mail.robot:
            self.report.counts["robot"] += 1
        if reopened:
            self.report.counts["reopened"] += 1
        self._decide(Decision(item.label, action, ticket.id, mid, reason, mail.robot, reopened))
        self._done(item)

    def _thread(self, mail: ParsedMail) -> tuple[str | None, str, str | None]:
        """(ticket or None for a new one, why, ticket a new one is linked to) — strongest evidence first."""
        references = references_of(mail)
        for reference in references:
            ours = self._our_message(reference)
            if ours and self._exists(ours[0]):
                return ours[0], f"refers to our message {reference}", None
        for reference in references:
            ticket_id = self._ticket_of(reference)
            if ticket_id and self._exists(ticket_id):
                return ticket_id, f"refers to {reference}", None
        # a reply that arrived before the message it answers, or a sibling of a reply whose
        # parent tix never saw: both refer to the same message, which some ticket records
        for reference in [mail.message_id, *references]:
            tickets = [t for t in self.index.tickets_referencing(reference) if self._exists(t)]
            if tickets:
                why = f"a reply to it is already on {tickets[0]}" if reference == mail.message_id else \
                    f"{tickets[0]} also answers {reference}, which tix has not seen"
                if len(tickets) > 1:
                    why += f" (so do {', '.join(tickets[1:])}; the first in ID order is chosen)"
                return tickets[0], why, None
        tag = self.tag_pattern.search(mail.subject)
        if tag:
            ticket_id = tag.group(1).upper()
            if not self._exists(ticket_id):
                return None, f"subject tag {tag.group(0)} names no ticket here", None
            sender = (mail.sender.email if mail.sender else "").lower()
            ticket = self.pending.get(ticket_id) or self.hd.load(ticket_id)  # a look, not a change
            known = {ticket.requester.email.lower(), *(p.lower() for p in ticket.participants)} | self.team
            if sender in known:
                return ticket_id, f"subject tag {tag.group(0)} from {sender}", None
            return None, f"subject tag {tag.group(0)} from {sender or 'an unknown sender'}, who is not on {ticket_id}: new ticket", ticket_id
        return None, "no reference to a known ticket", None

    def _new_ticket(self, mail: ParsedMail, when: datetime, linked: str | None) -> Ticket:
        attempt = 0
        while self._exists(ticket_id := ids.derived_id(mail.message_id, attempt)):
            attempt += 1  # an ID clash with another message's ticket: the next candidate, as in every clone
        from tix.mail.parse import strip_reply_prefixes

        subject = strip_reply_prefixes(self.tag_pattern.sub("", mail.subject)) or "(no subject)"
        config = self.desk.config
        ticket = Ticket(
            id=ticket_id, subject=subject, requester=mail.requester or UNKNOWN_SENDER,
            status=config.settings.statuses.initial, priority=config.settings.priorities.default,
            created=when, updated=when, channel="email",
        )  # fmt: skip
        ticket.participants = self._participants(mail, ticket)
        if mail.robot:
            ticket.status = config.closed_statuses[0]  # kept and searchable, but not on the board
            ticket.tags = [mail.robot]
        if linked:
            ticket.extra["related"] = [linked]
        if not mail.robot:
            from tix.domain.rules import Message

            recipients = [p.email for p in mail.to + mail.cc] + mail.delivered_to
            sender_address = mail.sender.email if mail.sender else ticket.requester.email
            message = Message(ticket.subject, mail.text, sender_address, recipients, "email")
            for warning in self.desk.route_new(ticket, message, rows=self._rows_for_assignment):
                self.report.warn(warning)
            if ticket.owner:
                # counts as the newest ticket of its owner for round-robin, whatever the mail's date
                newest = f"9999-12-31T23:59:59+00:00#{len(self.assigned_rows):08d}"
                self.assigned_rows.append(TicketRow.from_summary({**ticket.summary(), "created": newest}, self.desk.now()))
        self.desk.update_clocks(ticket, None)
        return ticket

    def _rows_for_assignment(self) -> list[TicketRow]:
        """The helpdesk's tickets plus those this run assigned (not in the index yet)."""
        if self.all_rows is None:
            self.all_rows = self.index.rows(self.desk.now())
        return self.all_rows + self.assigned_rows

    def _follow_up(self, ticket: Ticket, mail: ParsedMail) -> bool:
        """Add new participants; reopen a waiting or closed ticket for a human's reply. True if reopened."""
        for address in self._participants(mail, ticket):
            if address not in ticket.participants:
                ticket.participants.append(address)
        group = self.desk.config.status_group(ticket.status)
        if mail.robot or not self.reopen or group not in ("waiting", "closed"):
            return False
        if mail.sender and mail.sender.email.lower() in self.team:
            return False  # a teammate writing in does not reopen
        before = (ticket.status, ticket.priority)
        ticket.status = self.desk.config.settings.statuses.reopen
        self.desk.update_clocks(ticket, before)
        return True

    def _may_acknowledge(self, mail: ParsedMail, ticket: Ticket) -> bool:
        """Acknowledge a new ticket only for a human at a real address, at most
        autoack.limit times per address per window: two robots can never loop."""
        from tix.mail.parse import NO_REPLY

        config = self.desk.config
        if not config.settings.autoack.enabled or mail.robot or self.dry_run:
            return False
        address = ticket.requester.email.lower()
        if address in self.own or address == UNKNOWN_SENDER.email or NO_REPLY.match(address):
            return False
        window = timedelta(hours=config.settings.autoack.window_hours)
        recent = self.ledger.recent_autoacks(address, (self.desk.now() - window).isoformat())
        return recent < config.settings.autoack.limit

    def _acknowledge_safely(self, ticket: Ticket) -> None:
        """Outgoing mail never stops intake: with the acknowledgement misconfigured (no sender
        address, a broken template) the mail is filed, unacknowledged, and the run warns once."""
        before = (len(ticket.entries), len(self.files), dict(ticket.extra), ticket.status)
        try:
            self._acknowledge(ticket)
        except (LockHeld, GitError):
            raise
        except Exception as exc:  # noqa: BLE001  a template can fail in any way; it is the template's problem
            entries, files, extra, status = before
            del ticket.entries[entries:]
            self._forget_files_after(files)
            ticket.extra, ticket.status = extra, status
            reason = exc.message if isinstance(exc, TixError) else f"{type(exc).__name__}: {exc}"
            self.report.warn(f"no acknowledgements sent: {reason}")

    def _acknowledge(self, ticket: Ticket) -> None:
        from tix.mail.compose import sender
        from tix.mail.templates import render
        from tix.services import outgoing

        agent = sender(self.desk.config)
        rendered = render(self.hd.root, "ack", outgoing.context(self.desk, ticket, agent, index=self.index))
        reply = outgoing.prepare(self.desk, ticket, rendered, agent, automatic=True)
        outgoing.apply(self.desk, reply, None)
        self.files.update(reply.outbox)
        self.ledger.note_autoack(ticket.requester.email.lower(), self.desk.now().isoformat())
        self.report.counts["acknowledged"] += 1

    def _participants(self, mail: ParsedMail, ticket: Ticket) -> list[str]:
        people = [mail.sender] if mail.sender else []
        people += mail.cc + [p for p in mail.to if p.email.lower() not in self.own]
        found = []
        for person in people:
            address = person.email
            lowered = address.lower()
            if lowered in self.own or lowered == ticket.requester.email.lower() or address in found:
                continue
            found.append(address)
        return found

    def _entry(self, entry_id: str, mail: ParsedMail, when: datetime, reason: str, files: list[str]) -> Entry:
        text = mail.text if mail.robot else mail.readable_text()  # a bounce's copy of our own mail is noise
        if len(text) > MAX_TEXT_CHARS:
            text = text[:MAX_TEXT_CHARS] + f"\n\n[tix: text cut at {MAX_TEXT_CHARS:,} characters; the whole message is in {entry_id}/message.eml]"
        extra: dict[str, Any] = {"subject": mail.subject}
        if mail.date is not None and abs((mail.date - when).total_seconds()) >= 60:
            extra["date"] = mail.date.isoformat()  # the sender's Date:, when it differs from the arrival
        renamed = {a.name: a.original_name for a in mail.attachments if a.original_name and a.original_name != a.name}
        if renamed:
            extra["original_names"] = renamed  # for display; the saved names are portable and safe
        if mail.to:
            extra["to"] = [str(p) for p in mail.to]
        if mail.cc:
            extra["cc"] = [str(p) for p in mail.cc]
        extra["files"] = files
        if mail.robot:
            extra["robot"] = mail.robot
        extra["threading"] = reason
        if mail.problems:
            extra["problems"] = mail.problems
        author = mail.sender or mail.requester or UNKNOWN_SENDER
        return Entry(entry_id, "inbound", str(author), when, text, mail.message_id, extra)

    def _entry_files(self, folder: str, raw: bytes, mail: ParsedMail) -> list[str]:
        names = ["message.eml"]
        self.files[f"{folder}/message.eml"] = raw
        if mail.html is not None:
            self.files[f"{folder}/message.html"] = mail.html.encode("utf-8")
            names.append("message.html")
        for attachment in mail.attachments:  # names made safe and unique by mailparse.safe_filename
            self.files[f"{folder}/{attachment.name}"] = attachment.data
            names.append(attachment.name)
        return names

    def _message_time(self, mail: ParsedMail, item: Item) -> datetime:
        """When the message reached us — ours to know, not the sender's to claim: the topmost
        Received: header (written by our own mail server), else the Maildir delivery time, else
        now; never later than now. The sender's Date: is kept on the entry for display only."""
        now = self.desk.now()
        for moment in (mail.arrived, item.delivered_at()):
            if moment is not None and moment.year >= 1990:
                return min(moment, now).astimezone(self.desk.config.timezone).replace(microsecond=0)
        return now

    def _our_message(self, message_id: str) -> tuple[str, str] | None:
        """(ticket, entry) when `message_id` is provably one of ours: signed with the helpdesk's
        secret, or an old unsigned ID recorded on that ticket as our own entry (msgid.py). A loop
        header or an ID that merely looks like ours is a claim anyone can make: such mail is
        filed as any other (issue 9 #15)."""
        if not (identities.SIGNED.match(message_id) or identities.UNSIGNED.match(message_id)):
            return None
        return ours(self.hd, message_id, self.instance, self._secret())

    def _secret(self) -> bytes:
        if self._secret_bytes is None:
            try:
                self._secret_bytes = load_secret(self.hd.root)[0]
            except UnsafePath as exc:  # a pushed symlink is the repository's problem: intake goes on
                self.report.warn(f"no Message-ID can be verified as ours: {exc.message}")
                self._secret_bytes = os.urandom(32)  # nothing verifies; such mail is filed as any other
        return self._secret_bytes

    # --- bookkeeping -----------------------------------------------------------------

    def _ticket_of(self, message_id: str) -> str | None:
        """The ticket holding a message: imported earlier, or earlier in this run."""
        return self.index.ticket_for_message(message_id) or self.index.run_ticket(message_id)

    def _exists(self, ticket_id: str) -> bool:
        return ticket_id in self.pending or self.hd.exists(ticket_id)

    def _load(self, ticket_id: str) -> Ticket:
        """A ticket to change. One already pending in this batch is snapshotted first, so a
        message that fails half-way can be undone (only the tickets it touched: O(1) a message)."""
        if ticket_id not in self.pending:
            self.pending[ticket_id] = self.hd.load(ticket_id)
        elif ticket_id not in self._snapshots:
            self._snapshots[ticket_id] = pickle.dumps(self.pending[ticket_id])  # in memory only: ~10x cheaper than YAML
        return self.pending[ticket_id]

    def _duplicate(self, item: Item, mid: str, digest: str, reason: str, ticket: str | None = None, remember: bool = True) -> None:
        """A message held already; `remember` its bytes' Message-ID unless that pair is known."""
        self.report.counts["duplicate"] += 1
        self._decide(Decision(item.label, "duplicate", ticket or self._ticket_of(mid), mid, reason))
        if remember:
            self.hashes.append((digest, mid))
        self._done(item)

    def _is_quarantined_copy(self, item: Item, digest: str) -> bool:
        stored = self.hd.root / QUARANTINE_DIR / f"{digest[:40]}.eml"
        if not stored.exists() or (item.path is not None and item.path.resolve() == stored.resolve()):
            return False
        self.report.counts["duplicate"] += 1
        self._decide(Decision(item.label, "duplicate", reason=f"already in quarantine as {stored.name}"))
        self._done(item)
        return True

    def _quarantine(self, item: Item, raw: bytes, digest: str, reason: str) -> None:
        self.report.counts["quarantined"] += 1
        name = f"{digest[:40]}.eml"
        self._decide(Decision(item.label, "quarantined", reason=f"{reason} (kept as {QUARANTINE_DIR}/{name})"))
        if item.path is None or item.path.parent != self.hd.root / QUARANTINE_DIR:
            self.files[f"{QUARANTINE_DIR}/{name}"] = raw
            note = f"reason: {reason}\nsource: {item.label}\ntime: {self.desk.now().isoformat()}\nretry: tix import --retry-quarantine\n"
            self.files[f"{QUARANTINE_DIR}/{digest[:40]}.txt"] = note.encode("utf-8")
            self.batch_messages += 1
        self._done(item)

    def _done(self, item: Item) -> None:
        self.done_items.append(item)
        self._seen_count += 1
        if self.progress and self._seen_count % 50 == 0:
            self.progress(self._seen_count)

    def _decide(self, decision: Decision) -> None:
        if decision.action == "vanished":
            self.report.counts["vanished"] += 1
        if self.keep_decisions:
            self.report.decisions.append(decision)

    # --- writing ---------------------------------------------------------------------

    def _flush(self) -> None:
        """Write the batch's files and start their commit: git packs them on another core while
        the next batch is parsed and filed. The batch before lands first (only then is its mail
        marked seen), so at most one batch is in flight, and the journal lists only its files."""
        self._land()
        if self.dry_run or (not self.files and not self.pending and not self.removed):
            self._finish_batch(committed=not self.dry_run)
            return
        paths = sorted(set(self.files) | {ticket_relpath(t) for t in self.pending} | set(self.removed))
        self.journal.write(paths)
        # Atomic renames keep every file whole through a crash; an fsync per file (power-cut
        # durability) would cost more than all the parsing (bench/bench_import.py).
        texts = {ticket_relpath(t.id): (t, ticketfile.dumps(t)) for t in self.pending.values()}
        content: dict[str, bytes | None] = dict(self.files)
        content.update({relpath: text.encode("utf-8") for relpath, (_, text) in texts.items()})
        try:
            self._write_files({path: data for path, data in content.items() if data is not None})
        except OSError as exc:
            # the journal stays: the next run commits what was written; nothing is marked seen
            error = storage_error(exc)
            error.message += "; nothing was lost — the next `tix import` completes it"
            raise error from None
        for relpath in self.removed:
            (self.hd.root / relpath).unlink(missing_ok=True)
        what = f"{count(self.batch_messages, 'message')} into {count(len(self.pending), 'ticket')} ({self.batch_created} new)"
        message = f"tix: import {what}\n\nTix-Action: import\n"
        if 0 < len(self.pending) <= 20:
            message += "".join(f"Tix-Ticket: {ticket_id}\n" for ticket_id in sorted(self.pending))
        content.update({relpath: None for relpath in self.removed})
        actor = self.desk.actor
        started = self.hd.git.commit_files(content, message, actor, self.desk.now(), wait=False, base=self._base)
        self._in_flight = _InFlight(started, texts, self.hashes, self.fingerprints, self.done_items)
        self._reset_batch()

    def _land(self) -> None:
        """Move HEAD to the batch in flight, then forget its journal and mark its mail seen."""
        batch, self._in_flight = self._in_flight, None
        if batch is None:
            return
        commit = batch.commit.land()
        if commit:
            self._base = (commit, batch.commit.tree)  # where the next batch's pack starts
            self.report.commits.append(commit)
            self.index.record_commit(batch.commit.parent, commit, batch.texts)
        self.journal.forget()
        self._mark_done(batch.hashes, batch.fingerprints, batch.items)

    def _real_dirs(self, folder: str, create: bool = True) -> None:
        ensure_real_dirs(f"{self.hd.root}/{folder}", create=create, checked=self._checked_dirs)

    def _write_files(self, files: dict[str, bytes]) -> None:
        """Write a batch's files, every ticket file after all the files it lists, in this thread:
        a pool of writer threads cost more in switching than it saved (bench/bench_import.py)."""
        ordered = {path: data for path, data in files.items() if not path.endswith("/ticket.md")}
        ordered.update((path, data) for path, data in files.items() if path.endswith("/ticket.md"))
        write_many(self.hd.root, ordered, self._checked_dirs)  # never through a committed symlink

    def _finish_batch(self, committed: bool) -> None:
        if committed and not self.dry_run:
            self._mark_done(self.hashes, self.fingerprints, self.done_items)
        self._reset_batch()

    def _mark_done(self, hashes: list[tuple[str, str]], fingerprints: list[tuple[str, str]], items: list[Item]) -> None:
        """After the commit that holds them: remember the messages, mark them seen."""
        self.ledger.remember_imported(hashes, fingerprints)
        if self.mark_seen:
            for item in items:
                try:
                    item.mark_seen()
                except OSError as exc:  # a read-only Maildir: imported all the same, left unmarked
                    self.report.warn(f"cannot mark mail seen in {item.source.name if item.source else item.label}: {exc.strerror or exc} "
                                     "(it is imported; the next run skips it as a duplicate)")  # fmt: skip

    def recover(self) -> str | None:
        """Commit what an interrupted run wrote (listed in the journal), so it is not lost."""
        return self.journal.recover(self.desk.actor, self.desk.now())


_MESSAGE_ID_HEADER = re.compile(rb"^message-id:[ \t]*(?:\r?\n[ \t]+)?(<[^>\r\n]*>)", re.IGNORECASE | re.MULTILINE)


def _head_names(item: Item, message_id: str) -> bool:
    """Whether the file's own header names `message_id`. The (device, inode, size, mtime)
    cache only says which message a file probably is — an inode is reused, timestamps can be
    equal — so a skip is confirmed by the file's Message-ID (within its first 16 KB, read 4 KB
    at a time; past that it is hashed whole)."""
    if item.path is None:
        return False
    try:
        fd = os.open(item.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return False
    head = b""
    try:
        while len(head) < 16384:
            more = os.read(fd, 4096)
            head += more
            end = min((i for i in (head.find(b"\n\n"), head.find(b"\r\n\r\n")) if i >= 0), default=-1)
            match = _MESSAGE_ID_HEADER.search(head if end < 0 else head[:end])  # never one in the body
            if match:  # complete: it ends at its '>' (more bytes cannot change it)
                return match.group(1).decode("utf-8", "replace") == message_id
            if end >= 0 or not more:
                return False
    except OSError:
        return False
    finally:
        os.close(fd)
    return False


@dataclass
class _InFlight:
    """A written batch whose commit git is writing (gitrepo.FileCommit)."""

    commit: Any
    texts: dict[str, tuple[Ticket, str]]
    hashes: list[tuple[str, str]]
    fingerprints: list[tuple[str, str]]
    items: list[Item]


def _record_references(ticket: Ticket, references: list[str]) -> None:
    """Keep on the ticket every Message-ID its mail refers to that it does not hold, so that a
    later sibling, or the missing parent itself, finds this ticket (front-matter `references`)."""
    held = set(ticket.message_ids)
    known = [str(r) for r in ticket.extra.get("references") or []]
    wanted = sorted({*known, *references} - held)
    if wanted != known:
        if wanted:
            ticket.extra["references"] = wanted
        else:
            ticket.extra.pop("references", None)


def references_of(mail: ParsedMail) -> list[str]:
    """The messages a mail answers, nearest first: In-Reply-To, then References newest first;
    for a bounce, first the message it reports on."""
    references = mail.in_reply_to + [r for r in reversed(mail.references) if r not in mail.in_reply_to]
    if mail.robot == "bounce":
        references = mail.original_ids + references
    return [r for r in references if r != mail.message_id]


def progress_printer() -> Callable[[int], None] | None:
    """A count on stderr, only on a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(count: int) -> None:
        print(f"\rimporting… {count} messages", end="", file=sys.stderr, flush=True)

    return show

