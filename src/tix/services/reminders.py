"""`tix remind` and `tix escalate`: SLA targets kept, not just measured.

`tix remind` (for cron) finds tickets whose running target falls due within `remind.before`
or has passed, tells the owner — or the queue's owner when nobody owns the ticket — by mail
through the outbox (when delivery is configured) and prints a digest. Each ticket is reminded
once per target and threshold (`near`, `breached`), recorded in its `sla_reminders` field, so
cron can run it every few minutes. With `escalation.auto`, a first breach also escalates.

Only a real run consumes reminders (issue 9 #6): `--dry-run` and a what-if with TIX_NOW record
nothing, `--no-mail` leaves them for the next run, and an unowned ticket's reminder goes to the
queue owner, then the escalation owner, else it is reported and kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from tix import messages as msg
from tix.domain import clock, commits, ids
from tix.domain.model import Entry, Ticket
from tix.domain.sla import Calendar, SlaState, parse_target
from tix.mail.compose import sender
from tix.mail.outbox import QUEUE, Waiting, waiting
from tix.services.desk import Change, Desk
from tix.storage.files import write_atomic
from tix.storage.people import resolve_agent


@dataclass
class Reminder:
    ticket: str
    subject: str
    target: str  # first_response | resolution
    level: str  # near | breached
    due: datetime
    to: str | None  # address told, None when nobody can be


UNDELIVERED_AFTER = timedelta(minutes=15)  # mail still in the outbox this long after queueing is reported


@dataclass
class RemindReport:
    reminders: list[Reminder] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)
    undelivered: list[Waiting] = field(default_factory=list)  # queued over UNDELIVERED_AFTER ago, in any clone
    commit: str | None = None
    recorded: bool = True  # False: a dry run or a what-if, which changed nothing
    warnings: list[str] = field(default_factory=list)  # tickets left alone: their files have hand edits


def _running(state: SlaState) -> tuple[str, datetime] | None:
    if state.resolved is not None or state.paused_since is not None:
        return None
    if state.first_response is None and state.first_response_due is not None:
        return "first_response", state.first_response_due
    if state.resolution_due is not None:
        return "resolution", state.resolution_due
    return None


def _recipient(desk: Desk, ticket: Ticket) -> str | None:
    """The owner, else the queue's owner, else the escalation owner; None when nobody can be told."""
    if ticket.owner:
        return ticket.owner
    config = desk.config
    queue = config.settings.queues.get(ticket.queue or "")
    for who in (queue.owner if queue else "", config.settings.escalation.owner):
        if who:
            return resolve_agent(config, who)
    return None


def remind(desk: Desk, send_mail: bool, record: bool = True, consume: bool = True) -> RemindReport:
    """Find due and breached targets. `record=False` (a dry run, a what-if with TIX_NOW) changes
    nothing at all; `consume=False` (--no-mail) leaves the reminders for the next run (escalations
    still happen). A reminder nobody can receive is reported and never consumed."""
    from tix.domain.filters import Filters
    from tix.storage.index import Index
    from tix.storage.layout import ticket_relpath

    hd = desk.hd
    config = desk.config
    now = desk.now()
    calendar = Calendar.from_config(config)
    before = parse_target(config.settings.remind_before, "remind.before")
    report = RemindReport(recorded=record)
    with hd.locked():
        with Index.current(hd) as index:
            rows = index.rows(now, Filters(), config.closed_statuses)
            hand_edited = index.hand_edited() if record else set()
        changed: list[str] = []
        for row in rows:
            if ticket_relpath(row.id) in hand_edited:  # never swept into the reminders' commit (issue 18 #8)
                if not desk.include_edits:
                    report.warnings.append(msg.remind_skipped_hand_edit(ticket_relpath(row.id)))
                    continue
                desk.take_up_hand_edit(row.id)
            ticket = hd.load(row.id)
            state = SlaState(ticket)
            running = _running(state)
            if running is None:
                continue
            target, due = running
            level = "breached" if due <= now else ("near" if calendar.due(now, before) >= due else None)
            if level is None:
                continue
            key = f"{target}:{level}"
            done = state.reminders
            if key in done:
                continue
            recipient = _recipient(desk, ticket)
            report.reminders.append(Reminder(ticket.id, ticket.subject, target, level, due, recipient))
            escalate_now = level == "breached" and config.settings.escalation.auto and state.escalated is None
            if escalate_now:
                report.escalated.append(ticket.id)
            if not record:
                continue
            touched = False
            if consume and recipient:
                state.reminders = [*done, key]
                touched = True
            if escalate_now:
                _escalate(desk, ticket, msg.escalated_automatically(target))
                touched = True
            if touched:
                changed.append(hd.save(ticket))
            if send_mail and consume and recipient:
                changed += _queue_notice(desk, ticket, recipient, target, level, due)
        if changed:
            actor = desk.actor
            message = commits.message(msg.commit_remind(len(report.reminders), len(report.escalated)), "remind")
            report.commit = hd.git.commit(changed, message, actor, now)
    late = [w for w in waiting(hd) if _queued_before(w, now - UNDELIVERED_AFTER)]
    report.undelivered = sorted(late, key=lambda w: _queued_time(w) or now)  # the oldest first
    return report


def _queued_time(item: Waiting) -> datetime | None:
    try:
        queued = datetime.fromisoformat(str(item.queued))
    except ValueError:
        return None
    return queued if queued.tzinfo is not None else None


def _queued_before(item: Waiting, moment: datetime) -> bool:
    queued = _queued_time(item)
    return queued is None or queued <= moment  # a queue file without a readable time is reported: someone should look


def _queue_notice(desk: Desk, ticket: Ticket, recipient: str, target: str, level: str, due: datetime) -> list[str]:
    config = desk.config
    message = EmailMessage()
    helpdesk = sender(config)
    message["From"] = str(helpdesk)
    message["To"] = recipient
    breached = level == "breached"
    message["Subject"] = msg.reminder_subject(ticket.id, target, breached, ticket.subject)
    message["Date"] = format_datetime(desk.now())
    domain = helpdesk.email.rpartition("@")[2]
    message["Message-ID"] = make_msgid(idstring=f"tix-remind.{ticket.id}", domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message["X-Tix-Loop"] = config.instance
    due_at = due.isoformat(sep=" ", timespec="minutes")
    message.set_content(msg.reminder_body(ticket.id, ticket.subject, str(ticket.requester), ticket.priority, target, breached, due_at))
    name = f"remind-{ticket.id}-{target}-{level}"
    state = {"state": "queued", "queued": desk.now().isoformat(), "queued_by": desk.hd.clone_id, "attempts": 0, "last_error": None}
    files = {f"{QUEUE}/{name}.eml": bytes(message), f"{QUEUE}/{name}.json": (json.dumps(state, indent=2) + "\n").encode()}
    for relpath, data in files.items():
        write_atomic(desk.hd.root / relpath, data)
    return list(files)


def _escalate(desk: Desk, ticket: Ticket, reason: str) -> str:
    """Raise the priority one level, move to the escalation queue/owner; a note says why."""
    config = desk.config
    levels = config.priorities
    changes = []
    before = (ticket.status, ticket.priority)
    position = levels.index(ticket.priority) if ticket.priority in levels else len(levels) - 1
    if position > 0:
        changes.append(msg.changed("priority", ticket.priority, levels[position - 1]))
        ticket.priority = levels[position - 1]
    settings = config.settings.escalation
    if settings.queue and ticket.queue != settings.queue:
        changes.append(msg.changed("queue", ticket.queue, settings.queue))
        ticket.queue = settings.queue
    if settings.owner:
        owner = resolve_agent(config, settings.owner)
        if owner != ticket.owner:
            changes.append(msg.changed("owner", ticket.owner, owner))
            ticket.owner = owner
    SlaState(ticket).escalated = desk.now()
    ticket.entries.append(Entry(ids.random_id(), "note", str(desk.actor), desk.now(), msg.escalation_note(reason, changes)))
    ticket.updated = desk.now()
    desk.update_clocks(ticket, before)
    return msg.escalated(changes)


def escalate(desk: Desk, ticket_ref: str, reason: str = "") -> Change:
    summary = ""

    def mutate(ticket: Ticket) -> str:
        nonlocal summary
        summary = _escalate(desk, ticket, reason or msg.escalated_by(desk.actor.name or desk.actor.email))
        return summary

    return desk.update(ticket_ref, "escalate", mutate)


def run(desk: Desk, no_mail: bool = False, dry_run: bool = False, record: bool = False) -> RemindReport:
    """`tix remind`: mail only when delivery is configured (and not `no_mail`); a dry run, or a
    what-if with TIX_NOW unless `record`, records nothing."""
    settings = desk.config.settings
    can_mail = bool(settings.smtp_url or settings.mail.sendmail)
    what_if = dry_run or (clock.is_what_if() and not record)
    return remind(desk, send_mail=can_mail and not no_mail, record=not what_if, consume=not no_mail)

