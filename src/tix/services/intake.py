"""Mail intake: turn messages into new tickets and follow-ups — exactly once, safe from cron.

One run holds the helpdesk lock, streams its sources, parses on both cores (mail/workers.py),
and commits every `mail.batch` messages (storage/batch.py). Each message lands in its ticket's
folder (`<entry-id>/message.eml`, `message.html`, attachments) and as an entry of the
conversation; which ticket is domain/threading_rules.py's decision. Maildir files are marked
seen (when asked) only after the commit that holds them exists.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tix import messages as msg
from tix.domain import identities, ids, links
from tix.domain.model import Entry, Person, Ticket
from tix.domain.threading_rules import Lookups, follow, record_references, references_of, thread
from tix.errors import GitError, LockHeld, TixError
from tix.mail.sources import open_source
from tix.mail.sources.base import Item, Source, UnreadableMessage
from tix.mail.workers import Parsers, Result, chunks
from tix.services.desk import Desk
from tix.storage import quarantine
from tix.storage.batch import Batch, BatchWriter
from tix.storage.deleted import deleted_messages
from tix.storage.duplicates import Duplicates
from tix.storage.files import UnsafePath
from tix.storage.index import Index
from tix.storage.journal import ImportJournal
from tix.storage.layout import TICKETS_DIR, ticket_relpath
from tix.storage.ledger import Ledger
from tix.storage.packfile import PackedBlob, pack_blob
from tix.storage.quarantine import QUARANTINE_DIR, Quarantine
from tix.storage.rows import TicketRow
from tix.storage.secret import load_secret, ours

if TYPE_CHECKING:  # the parser is imported only by a run that parses (not by a re-run with nothing new)
    from tix.mail.parse import ParsedMail
    from tix.storage.kb import Library

MAX_TEXT_CHARS = 200_000
UNKNOWN_SENDER = Person(msg.unknown_sender_name(), "unknown@invalid")

Done = tuple[list[tuple[str, str]], list[tuple[str, str]], list[Item]]  # a batch's hashes, fingerprints, items


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
        return msg.import_summary(self.counts)

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
        self.instance = config.settings.helpdesk.instance
        self.parsers = Parsers(list(mail.fallback_charsets), int(mail.max_attachment_mb * 1024 * 1024), mail.timeout,
                               None if dry_run else _packed_files)  # fmt: skip
        self.max_message = int(mail.max_message_mb * 1024 * 1024)
        self.batch_size = mail.batch
        self.reopen = mail.reopen
        self.own = config.settings.own_addresses()
        self.team = config.settings.team_addresses()
        self.block = set(mail.block)
        self._deleted: dict[str, str] | None = None  # Message-IDs of deleted tickets, read when first needed
        self._looked: Ticket | None = None  # the last ticket threading looked at (_look)
        self.tag_pattern = identities.tag_pattern(mail.tag, self.instance)
        self.quarantine = Quarantine(self.hd.root)
        self.lookups = Lookups(self._our_message, self._exists, self._ticket_of, self._referencing, self._look)
        self.report = Report()
        self.all_rows: list[TicketRow] | None = None
        self.assigned_rows: list[TicketRow] = []
        self._reset_batch()
        self._snapshots: dict[str, bytes] = {}
        self._hand_edited: set[str] | None = None  # ticket files with changes not committed
        self._secret_bytes: bytes | None = None
        self._seen_count = 0
        self._kb: Library | None = None  # the knowledge base, read by the first acknowledgement that suggests articles
        self._csat_key: bytes | None = None  # the rating tokens' key, made by the first reply that might rate

    def _reset_batch(self) -> None:
        self.batch = Batch()
        self.done_items: list[Item] = []
        self.hashes: list[tuple[str, str]] = []
        self.fingerprints: list[tuple[str, str]] = []

    # --- the run ---------------------------------------------------------------------

    def run(self, paths: list[str], retry_quarantine: bool = False) -> Report:
        def sources() -> list[Source]:
            found = [open_source(path, self.seen) for path in paths]
            if retry_quarantine:
                found += [open_source(path) for path in self._quarantined()]
            return found

        return self.run_sources(sources)

    def run_sources(self, make_sources: Callable[[], list[Source]]) -> Report:
        """Import what the sources yield (made once the lock is held: an IMAP source connects
        under it, so two fetches never read the same folder at once)."""
        self.desk.actor  # noqa: B018  fail on a missing identity before reading any mail
        with self.hd.locked():
            if not self.dry_run:
                self.recover()
            self.ledger = Ledger(self.hd)
            self.index = Index(self.hd)
            self.duplicates = Duplicates(self.ledger, self.index)
            self.writer: BatchWriter[Done] = BatchWriter(self.hd, self.index)
            self.seen = None if self.keep_decisions else self.ledger.seen_folders()  # a report of each message reads every file, as before
            self._index_fresh = False  # refreshed when the first message needs it: a run with nothing new never does
            try:
                sources = make_sources()
                # The parse workers run ahead of the filing, writing and committing here
                # (mail/workers.py); messages are read a few at a time, as the workers need them.
                jobs = (((item, raw, digest), raw) for chunk in chunks(chain.from_iterable(sources), 20)
                        for item, raw, digest in self._prepare(chunk))  # fmt: skip
                for (item, raw, digest), result in self.parsers.parse_all(jobs):
                    self._consume(item, raw, digest, result)
                self._flush()
                self._land()
                if self.progress:
                    self.progress(self._seen_count)  # the last step: the bar shows the whole
                for source in sources:
                    source.finish()  # after every message is settled: what each Maildir folder holds now
                if self.report.commits:
                    self.hd.git.refresh_stat_data()  # a re-run and `git status` then read none of it again
            finally:
                self.writer.cancel()  # a batch still in flight: the run failed; the journal completes it next time
                self.index.close()
                self.ledger.close()
                self.parsers.close()
        return self.report

    def _quarantined(self) -> list[str]:
        """The messages waiting in quarantine: regular files of the helpdesk only, never a pushed symlink (issue 10 #4)."""
        regular, others = self.quarantine.waiting()
        for path in others:
            self.report.warn(msg.quarantine_not_regular(f"{QUARANTINE_DIR}/{path.name}"))
        return [str(path) for path in regular]

    def _prepare(self, items: list[Item]) -> list[tuple[Item, bytes, str]]:
        """Read the messages; settle known duplicates and oversized ones without parsing them."""
        jobs: list[tuple[Item, bytes, str]] = []
        for item in items:
            if item.earlier is not None:
                self._settled_earlier(item)
                continue
            if not self._index_fresh:
                self.index.refresh()  # a hand edit or a pull since the last command is seen before any mail is filed
                self._index_fresh = True
            fingerprint = item.fingerprint()
            same_file = self.duplicates.same_file(fingerprint, item.path) if fingerprint else None
            if same_file:
                digest, known, ticket = same_file
                self._duplicate(item, known, digest, msg.same_file_imported(), ticket, remember=False)
                continue  # settled by reading its head only; anything else is hashed whole below
            try:
                raw = item.read()
            except UnreadableMessage as exc:
                self.report.counts["unreadable"] += 1
                self.report.problems.append(str(exc))
                self._decide(Decision(item.label, "unreadable", reason=str(exc)))
                continue
            if raw is None:
                self._decide(Decision(item.label, "vanished", reason=msg.message_vanished()))
                continue
            digest = hashlib.sha256(raw).hexdigest()
            if fingerprint:
                self.fingerprints.append((fingerprint, digest))
            same_bytes = self.duplicates.same_bytes(digest)
            if same_bytes:
                self._duplicate(item, same_bytes[0], digest, msg.same_bytes_imported(), same_bytes[1], remember=False)
                continue
            if self._is_quarantined_copy(item, digest):
                continue
            if len(raw) > self.max_message:
                self._quarantine(item, raw, digest, msg.message_over_limit(len(raw)))
                continue
            jobs.append((item, raw, digest))
        return jobs

    def _consume(self, item: Item, raw: bytes, digest: str, parsed: Result) -> None:
        status, result = parsed
        if status == "ok":
            self._handle_safely(item, raw, digest, result)
        else:
            self._quarantine(item, raw, digest, result)
        if self.batch.messages >= self.batch_size:
            self._flush()

    # --- one message -----------------------------------------------------------------

    def _handle_safely(self, item: Item, raw: bytes, digest: str, mail: ParsedMail) -> None:
        """One message that tix cannot file (a bug of ours, or a case nobody foresaw) goes to
        quarantine with the reason, instead of stopping the run; nothing of it is half-kept."""
        files_before = len(self.batch.files)  # files are only added in a message's handling: dict order tells its own
        tickets_before = len(self.batch.tickets)
        self._snapshots = {}  # the text of each pending ticket this message touches, before it does
        try:
            self._handle(item, raw, digest, mail)
        except TixError:
            raise  # a lock, a git failure: the whole run stops with its message
        except Exception as exc:  # noqa: BLE001
            self._forget_files_after(files_before)
            pending = self.batch.tickets
            for ticket_id in list(pending)[tickets_before:]:
                del pending[ticket_id]
            for ticket_id, snapshot in self._snapshots.items():
                pending[ticket_id] = pickle.loads(snapshot)
            reason = str(exc) if isinstance(exc, CannotFile) else msg.cannot_file(f"{type(exc).__name__}: {exc}")
            self._quarantine(item, raw, digest, reason)

    def _forget_files_after(self, count: int) -> None:
        for relpath in list(self.batch.files)[count:]:
            del self.batch.files[relpath]
            self.batch.packed.pop(relpath, None)

    def _handle(self, item: Item, raw: bytes, digest: str, mail: ParsedMail) -> None:
        mid = mail.message_id
        if self._ticket_of(mid):
            self._duplicate(item, mid, digest, msg.same_message_id_imported())
            return
        deleted = self._deleted_ticket(mid)
        if deleted:
            self._duplicate(item, mid, digest, msg.ops_deleted_ticket_mail(deleted), deleted)
            return
        ours = self._our_message(mid)
        ticket_id: str | None
        if ours is not None:
            # our own mail come back (a Bcc to the support mailbox, a list's copy): provably ours, so it
            # changes nothing on the ticket, but it is kept there as an entry, never dropped (issue 9 #15)
            ticket_id, reason, linked = ours[0], msg.own_mail_returned(ours[1]), None
            if not self._exists(ticket_id):
                raise CannotFile(msg.own_mail_ticket_missing(ticket_id))
            ticket_id = follow(ticket_id, self.lookups)  # merged into another since: kept there
        else:
            threading = thread(mail, self.tag_pattern, self.team, self.lookups)
            ticket_id, reason, linked = threading.ticket, threading.reason, threading.linked
        blocked = self._blocked(mail)
        if blocked:
            reason = f"{reason}; {msg.ops_blocked_sender(blocked)}"
        when = self._message_time(mail, item)
        entry_id = ids.derived_id("entry:" + mid)
        ticket, folder = self._ticket_and_folder(ticket_id, mail, when, linked, entry_id)
        action = "created" if ticket_id is None else "updated"
        if action == "created":
            self.batch.created += 1
        files = self._entry_files(folder, raw, mail)
        entry = self._entry(entry_id, mail, when, reason, files)
        reopened = False
        rating = None
        if ours is not None:
            entry.extra["own"] = True
            action = "own"
        elif action == "updated":
            rating = self._rating(ticket, mail)
            reopened = self._follow_up(ticket, mail, reopen=rating is None)  # a rating never reopens (issue 17)
            if reopened:
                entry.extra["reopened"] = True
        ticket.entries.append(entry)
        ticket.message_ids.append(mid)
        record_references(ticket, references_of(mail))
        if rating is not None:
            ticket.csat = {"score": rating[0], "comment": rating[1], "at": when.isoformat()}  # the latest rating wins
            entry.extra["csat"] = rating[0]
            reason = f"{reason}; {msg.rating_recorded(rating[0])}"
        elif action == "updated" and self._asks_status(mail):
            self._answer_status_safely(ticket)
        if action == "created" and self._may_acknowledge(mail, ticket):
            self._acknowledge_safely(ticket)
        ticket.updated = max(ticket.updated, self.desk.now())
        self.index.note_run_message(mid, ticket.id, references_of(mail))
        self.batch.tickets[ticket.id] = ticket
        if item.path is not None and self.quarantine.holds(item.path):
            self.batch.removed += quarantine.filed(item.path)
        self.hashes.append((digest, mid))
        self.batch.messages += 1
        self._count(action, mail.robot, reopened)
        self._decide(Decision(item.label, action, ticket.id, mid, reason, mail.robot, reopened))
        self._done(item)

    def _ticket_and_folder(self, ticket_id: str | None, mail: ParsedMail, when: datetime, linked: str | None, entry_id: str) -> tuple[Ticket, str]:
        """The ticket to file into (a new one for None) and the entry's folder, checked real."""
        try:
            ticket = self._new_ticket(mail, when, linked) if ticket_id is None else self._load(ticket_id)
            folder = f"{TICKETS_DIR}/{ids.shard(ticket.id)}/{ticket.id}/{entry_id}"
            self.writer.check_folder(folder)
        except UnsafePath as exc:
            # a committed symlink where this mail would go: this message waits in quarantine
            # (retried once the path is mended); the rest of the run goes on
            raise CannotFile(exc.message) from None
        return ticket, folder

    def _count(self, action: str, robot: str | None, reopened: bool) -> None:
        self.report.counts[action] += 1
        if robot:
            self.report.counts["robot"] += 1
        if reopened:
            self.report.counts["reopened"] += 1

    def _new_ticket(self, mail: ParsedMail, when: datetime, linked: str | None) -> Ticket:
        attempt = 0
        while self._exists(ticket_id := ids.derived_id(mail.message_id, attempt)):
            attempt += 1  # an ID clash with another message's ticket: the next candidate, as in every clone
        from tix.mail.parse import strip_reply_prefixes

        subject = strip_reply_prefixes(self.tag_pattern.sub("", mail.subject)) or msg.no_subject()
        settings = self.desk.config.settings
        ticket = Ticket(
            id=ticket_id, subject=subject, requester=mail.requester or UNKNOWN_SENDER,
            status=settings.statuses.initial, priority=settings.priorities.default,
            created=when, updated=when, channel="email",
        )  # fmt: skip
        ticket.participants = self._participants(mail, ticket)
        if mail.robot:
            ticket.status = settings.statuses.closed[0]  # kept and searchable, but not on the board
            ticket.tags = [mail.robot]
        elif self._blocked(mail):
            ticket.status = settings.statuses.closed[0]  # a sender on mail.block: spam, kept but never on the board
            ticket.tags = [links.SPAM_TAG]
        if linked:
            ticket.extra["related"] = [linked]
        if not mail.robot and not self._blocked(mail):
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

    def _follow_up(self, ticket: Ticket, mail: ParsedMail, reopen: bool = True) -> bool:
        """Add new participants; reopen a waiting or closed ticket for a human's reply. True if reopened."""
        for address in self._participants(mail, ticket):
            if address not in ticket.participants:
                ticket.participants.append(address)
        group = self.desk.config.settings.statuses.group_of(ticket.status)
        if mail.robot or not reopen or self._blocked(mail) or not self.reopen or group not in ("waiting", "closed"):
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

        autoack = self.desk.config.settings.autoack
        if not autoack.enabled or mail.robot or self.dry_run or self._blocked(mail):
            return False
        address = ticket.requester.email.lower()
        if address in self.own or address == UNKNOWN_SENDER.email or NO_REPLY.match(address):
            return False
        window = timedelta(hours=autoack.window_hours)
        recent = self.ledger.recent_autoacks(address, (self.desk.now() - window).isoformat())
        return recent < autoack.limit

    def _rating(self, ticket: Ticket, mail: ParsedMail) -> tuple[str, str] | None:
        """(score, comment) when this mail rates its ticket (domain/csat.py): from the ticket's
        customer, with a valid token for this very ticket in the subject, or with a bare score
        as its first line in a reply to one of our mails that asked for a rating. Anything
        else — a forged or foreign token, a '3' in the conversation, a score out of range — is
        no rating, and the mail is filed as any other."""
        from tix.domain import csat

        person = mail.requester or mail.sender
        if mail.robot or person is None or person.email.lower() != ticket.requester.email.lower():
            return None
        if self._csat_key is None:
            from tix.services.notices import rating_key

            self._csat_key = rating_key(self.desk)
        found = csat.verify_token(self._csat_key, mail.subject)
        if found is not None:
            return (found[1], csat.comment_of(mail.text)) if found[0] == ticket.id else None
        bare = csat.bare_score(mail.text)
        if bare is None:
            return None
        asked = {entry.id for entry in ticket.entries if entry.extra.get("csat_asked")}
        for reference in references_of(mail):
            claim = self._our_message(reference)
            if claim is not None and claim[0] == ticket.id and claim[1] in asked:
                return bare
        return None

    def _asks_status(self, mail: ParsedMail) -> bool:
        """A human's short message that only asks for the status (status_answer, off by default)."""
        answer = self.desk.config.settings.status_answer
        if not answer.enabled or mail.robot or self.dry_run:
            return False
        from tix.domain.csat import is_status_question

        return is_status_question(mail.text, list(answer.keywords))

    def _answer_status_safely(self, ticket: Ticket) -> None:
        """The 'status-answer' template to the customer, capped as acknowledgements are; like an
        acknowledgement it never stops intake (a broken template: one warning, the mail filed)."""
        self._automatic_safely(ticket, self._answer_status, msg.no_status_answer)

    def _answer_status(self, ticket: Ticket) -> None:
        from tix.services import notices, outgoing

        if not notices.may_mail(self.desk, ticket, self.ledger):
            return
        reply = notices.automatic_mail(self.desk, ticket, "status-answer", self.index)
        reply.entry.extra["status_answer"] = True
        outgoing.apply(self.desk, reply, None)
        self.batch.files.update(reply.outbox)
        self.ledger.note_autoack(ticket.requester.email.lower(), self.desk.now().isoformat())

    def _acknowledge_safely(self, ticket: Ticket) -> None:
        """Outgoing mail never stops intake: with the acknowledgement misconfigured (no sender
        address, a broken template) the mail is filed, unacknowledged, and the run warns once."""
        self._automatic_safely(ticket, self._acknowledge, msg.no_acknowledgements)

    def _automatic_safely(self, ticket: Ticket, send: Callable[[Ticket], None], warning: Callable[[str], str]) -> None:
        """`send` the automatic mail; when it fails (short of a lock or git), the ticket is put
        back as it was, the run warns and goes on: a template can fail in any way."""
        before = (len(ticket.entries), len(self.batch.files), dict(ticket.extra), ticket.status)
        try:
            send(ticket)
        except (LockHeld, GitError):
            raise
        except Exception as exc:  # noqa: BLE001  a template can fail in any way; it is the template's problem
            entries, files, extra, status = before
            del ticket.entries[entries:]
            self._forget_files_after(files)
            ticket.extra, ticket.status = extra, status
            self.report.warn(warning(exc.message if isinstance(exc, TixError) else f"{type(exc).__name__}: {exc}"))

    def _acknowledge(self, ticket: Ticket) -> None:
        from tix.mail.compose import sender
        from tix.mail.templates import render
        from tix.services import outgoing

        agent = sender(self.desk.config)
        suggested = self._kb_suggestions(ticket) if self.desk.config.settings.autoack.suggest_kb else []
        context = outgoing.context(self.desk, ticket, agent, index=self.index, kb_suggestions=suggested)
        rendered = render(self.hd.root, "ack", context, outgoing.customer_language(self.desk, ticket, self.index))
        reply = outgoing.prepare(self.desk, ticket, rendered, agent, automatic=True)
        outgoing.apply(self.desk, reply, None)
        self.batch.files.update(reply.outbox)
        self.ledger.note_autoack(ticket.requester.email.lower(), self.desk.now().isoformat())
        self.report.counts["acknowledged"] += 1

    def _kb_suggestions(self, ticket: Ticket) -> list[dict[str, str]]:
        """The articles the acknowledgement links (autoack.suggest_kb). The knowledge base never
        stops intake nor the acknowledgement: a file that is no article is left out (named once per
        run, as `tix kb` names it); whatever else goes wrong, the acknowledgement goes out without
        articles and the run says why once."""
        from tix.services import outgoing
        from tix.storage.kb import load

        try:
            if self._kb is None:
                self._kb = load(self.hd.root)  # once per run: an import does not change kb/
                for problem in self._kb.warnings:
                    self.report.warn(msg.ack_kb_warning(problem))
            return outgoing.kb_suggestions(self.desk, ticket, self._kb)
        except Exception as exc:  # noqa: BLE001  an article can be odd in any way; a suggestion is never worth a lost ack
            reason = exc.message if isinstance(exc, TixError) else f"{type(exc).__name__}: {exc}"
            self.report.warn(msg.ack_without_kb(reason))
            return []

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
            text = text[:MAX_TEXT_CHARS] + msg.text_cut(MAX_TEXT_CHARS, f"{entry_id}/message.eml")
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
        files, blobs = self.batch.files, mail.prepared or {}
        names = []
        for name, data in message_files(raw, mail):
            files[f"{folder}/{name}"] = data
            if name in blobs:
                self.batch.packed[f"{folder}/{name}"] = blobs[name]
            names.append(name)
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
                self.report.warn(msg.no_verifiable_message_ids(exc.message))
                self._secret_bytes = os.urandom(32)  # nothing verifies; such mail is filed as any other
        return self._secret_bytes

    # --- bookkeeping -----------------------------------------------------------------

    def _blocked(self, mail: ParsedMail) -> str | None:
        """The sender's address when it is on mail.block (`tix spam --block`)."""
        sender = mail.sender or mail.requester
        address = sender.email.lower() if sender else ""
        return address if address and address in self.block else None

    def _deleted_ticket(self, message_id: str) -> str | None:
        """The ticket `tix delete` removed that held this message (storage/deleted.py)."""
        if self._deleted is None:
            self._deleted = deleted_messages(self.hd.root)
        return self._deleted.get(message_id)

    def _ticket_of(self, message_id: str) -> str | None:
        return self.duplicates.holder(message_id)

    def _referencing(self, message_id: str) -> list[str]:
        return self.index.tickets_referencing(message_id)

    def _exists(self, ticket_id: str) -> bool:
        # hd.exists without its Path objects: this asks once per new ticket
        return ticket_id in self.batch.tickets or os.path.isfile(f"{self.hd.root}/{ticket_relpath(ticket_id)}")

    def _look(self, ticket_id: str) -> Ticket:
        """A ticket to look at, not to change (kept until this message loads it to change it: one
        read of its file, though threading looked at it first)."""
        pending = self.batch.tickets.get(ticket_id)
        if pending is not None:
            return pending
        if self._looked is None or self._looked.id != ticket_id:
            self._looked = self.hd.load(ticket_id)
        return self._looked

    def _load(self, ticket_id: str) -> Ticket:
        """A ticket to change. One already pending in this batch is snapshotted first, so a
        message that fails half-way can be undone (only the tickets it touched: O(1) a message)."""
        pending = self.batch.tickets
        if ticket_id not in pending:
            if self._hand_edited is None:  # what the index's refresh (before the first message) saw
                self._hand_edited = self.index.hand_edited()
            relpath = ticket_relpath(ticket_id)
            if relpath in self._hand_edited:  # never swept into an import's commit: held in quarantine (issue 18 #8)
                raise CannotFile(msg.import_held_for_hand_edit(relpath))
            looked, self._looked = self._looked, None
            pending[ticket_id] = looked if looked is not None and looked.id == ticket_id else self.hd.load(ticket_id)
        elif ticket_id not in self._snapshots:
            self._snapshots[ticket_id] = pickle.dumps(pending[ticket_id])  # in memory only: ~10x cheaper than YAML
        return pending[ticket_id]

    def _duplicate(self, item: Item, mid: str, digest: str, reason: str, ticket: str | None = None, remember: bool = True) -> None:
        """A message held already; `remember` its bytes' Message-ID unless that pair is known."""
        self.report.counts["duplicate"] += 1
        self._decide(Decision(item.label, "duplicate", ticket or self._ticket_of(mid), mid, reason))
        if remember:
            self.hashes.append((digest, mid))
        self._done(item)

    def _settled_earlier(self, item: Item) -> None:
        """Maildir files earlier runs settled, known by their names in their folder: none is
        opened (mail/sources/maildir.py). With --mark-seen each is marked seen, if not yet."""
        assert item.earlier is not None
        self.report.counts["duplicate"] += len(item.earlier)
        for name in item.earlier if self.keep_decisions or self.mark_seen else ():
            path = Path(item.label, name)
            self._decide(Decision(str(path), "duplicate", reason=msg.same_file_imported()))
            if self.mark_seen:
                self._done(Item(str(path), path=path, earlier=[name], source=item.source))
        if not self.mark_seen:
            self._seen_count += len(item.earlier)

    def _is_quarantined_copy(self, item: Item, digest: str) -> bool:
        stored = self.quarantine.copy_of(digest, item.path)
        if stored is None:
            return False
        self.report.counts["duplicate"] += 1
        self._decide(Decision(item.label, "duplicate", reason=msg.already_in_quarantine(stored)))
        self._done(item)
        return True

    def _quarantine(self, item: Item, raw: bytes, digest: str, reason: str) -> None:
        self.report.counts["quarantined"] += 1
        self._decide(Decision(item.label, "quarantined", reason=msg.kept_in_quarantine(reason, f"{QUARANTINE_DIR}/{quarantine.name(digest)}")))
        if not self.quarantine.holds(item.path):
            self.batch.files.update(self.quarantine.files(digest, raw, reason, item.label, self.desk.now()))
            self.batch.messages += 1
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
        """Start the batch's commit (storage/batch.py). The batch before lands first (only then
        is its mail marked seen), so at most one batch is in flight."""
        self._land()
        if self.dry_run or self.batch.empty():
            if not self.dry_run:
                self._mark_done(self.hashes, self.fingerprints, self.done_items)
        else:
            self.writer.start(self.batch, (self.hashes, self.fingerprints, self.done_items), self.desk.actor, self.desk.now())
        self._reset_batch()

    def _land(self) -> None:
        """Move HEAD to the batch in flight, then mark its mail done."""
        landed = self.writer.land()
        if landed is None:
            return
        commit, done = landed
        if commit:
            self.report.commits.append(commit)
        self._mark_done(*done)

    def _mark_done(self, hashes: list[tuple[str, str]], fingerprints: list[tuple[str, str]], items: list[Item]) -> None:
        """After the commit that holds them: remember the messages, mark them seen."""
        self.ledger.remember_imported(hashes, fingerprints)
        for item in items:
            if self.mark_seen:
                try:
                    item.mark_seen()
                except OSError as exc:  # a read-only Maildir: imported all the same, left unmarked
                    where = item.source.name if item.source else item.label
                    self.report.warn(msg.cannot_mark_seen(where, exc.strerror or exc))
            item.settled()
        if self.seen is not None:
            self.seen.save()
        for source in {id(item.source): item.source for item in items if item.source is not None}.values():
            source.landed()

    def recover(self) -> str | None:
        """Commit what an interrupted run wrote (listed in the journal), so it is not lost."""
        return ImportJournal(self.hd).recover(self.desk.actor, self.desk.now())


def message_files(raw: bytes, mail: ParsedMail) -> list[tuple[str, bytes]]:
    """The files of an entry's folder: the message as received, its HTML, its attachments
    (names made safe and unique by mail/parse.safe_filename)."""
    files = [("message.eml", raw)]
    if mail.html is not None:
        files.append(("message.html", mail.html.encode("utf-8")))
    files += [(attachment.name, attachment.data) for attachment in mail.attachments]
    return files


def _packed_files(raw: bytes, mail: ParsedMail) -> dict[str, PackedBlob]:
    """An entry's files as git blobs, made by the parse worker beside the parse (on every core;
    storage/packfile.py): the import's commit then compresses none of them."""
    return {name: pack_blob(data) for name, data in message_files(raw, mail)}


def expected_messages(paths: list[str]) -> int:
    """How many messages an import of `paths` reads (the total of its progress bar)."""
    from tix.mail.sources import count_messages

    return sum(count_messages(path) for path in paths)
