"""The outbox: outgoing mail not yet delivered, and the record of what was.

The outbox lives in the repository: `outbox/queue/NAME.eml` with `NAME.json` (its state),
`outbox/sent/NAME.eml` with `NAME.json` (when, and what the server answered), and
`outbox/cancelled/` for mail withdrawn before delivery (`tix outbox cancel`). A message
is marked `sending` (synced to disk) before it is handed to the server and moved to `sent/`
right after; one found still `sending` by a later run was perhaps delivered, perhaps not,
and is never sent again on its own (`tix send --resend NAME`): nothing goes out twice.

The first-response clock stops when a reply is delivered, not when it is queued: delivery is
what the customer sees (issue 9 #4, docs/WORKFLOW.md). `tix send` writes `first_response`
on the ticket in the commit that moves the mail to `sent/`.

The message itself is built by mail/compose.py; handing it to the server is mail/transport.py's.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from tix import messages as msg
from tix.domain import clock, commits, sla
from tix.domain.model import Entry, Person, Ticket, one_line
from tix.domain.record import Record
from tix.errors import InvalidValue, TixError
from tix.storage.config import Config
from tix.storage.files import UnsafePath, read_bytes, read_text, write_atomic
from tix.storage.layout import Helpdesk
from tix.storage.refs import resolve as resolve_ref

TYPE_CHECKING = False  # as typing's, without importing typing (3 ms; tests/test_startup_imports.py)
if TYPE_CHECKING:  # sending pulls in the mail and network modules: only `tix send` needs them, not `tix show`
    from email.message import EmailMessage
    from typing import Any

    from tix.mail.transport import SendReport

QUEUE = "outbox/queue"
SENT = "outbox/sent"
CANCELLED = "outbox/cancelled"


def outbox_name(ticket_id: str, entry_id: str) -> str:
    return f"{ticket_id}-{entry_id}"


def queue_files(ticket: Ticket, entry: Entry, message: EmailMessage, now: datetime, clone: str) -> dict[str, bytes]:
    """The outbox files for a new message (relative path -> content). `clone` is the id of the
    clone that queued it: `tix send` delivers its own clone's mail unless told --all-clones."""
    name = outbox_name(ticket.id, entry.id)
    state = {"ticket": ticket.id, "entry": entry.id, "message_id": entry.message_id, "state": "queued",
             "queued": now.isoformat(), "queued_by": clone, "attempts": 0, "last_error": None}  # fmt: skip
    return {
        f"{QUEUE}/{name}.eml": bytes(message),
        f"{QUEUE}/{name}.json": (json.dumps(state, indent=2) + "\n").encode(),
    }


# --- delivering the queue ---------------------------------------------------------------


def queued(hd: Helpdesk, all_clones: bool = False) -> list[str]:
    """Queued messages: those this clone queued, or with `all_clones` every one (for the one
    clone — typically the server's cron — that delivers the whole team's mail)."""
    folder = hd.root / QUEUE
    if not folder.is_dir():
        return []
    names = []
    for path in sorted(folder.glob("*.eml")):
        state_path = path.with_suffix(".json")
        state = _read_state(state_path)
        if all_clones or state.get("queued_by") in (None, hd.clone_id):
            names.append(path.stem)
    return names


def hand_edited_tickets(hd: Helpdesk, names: list[str]) -> dict[str, str]:
    """Queued mail (by name) whose ticket file has changes not committed: name -> that file. One
    git run for all of them."""
    from tix.storage.layout import ticket_relpath

    tickets = {}
    for name in names:
        ticket_id = _read_state(hd.root / QUEUE / f"{name}.json").get("ticket")
        if isinstance(ticket_id, str) and hd.exists(ticket_id):
            tickets[name] = ticket_relpath(ticket_id)
    edited = hd.git.uncommitted(sorted(set(tickets.values())))
    return {name: path for name, path in tickets.items() if path in edited}


def deliver(
    hd: Helpdesk, config: Config, names: list[str] | None = None, resend: bool = False, all_clones: bool = False,
    claim: Any = None,
) -> tuple[SendReport, list[str]]:
    """Hand queued messages to the server. Returns the report and the outbox paths changed
    (the caller commits them). The caller holds the helpdesk lock."""
    from tix.mail.transport import SendReport, TemporaryFailure, Transport, check_approved

    todo = names if names is not None else queued(hd, all_clones)
    if not todo:
        return SendReport(), []
    check_approved(hd, config)
    transport = Transport.from_config(config)
    report = SendReport()
    changed: list[str] = []
    held = hand_edited_tickets(hd, todo)
    for name in todo:
        eml, state_path = hd.root / QUEUE / f"{name}.eml", hd.root / QUEUE / f"{name}.json"
        if not eml.exists():
            raise InvalidValue(msg.outbox_not_queued(name, QUEUE))
        if name in held:  # its delivery is recorded on the ticket: never in a commit with a hand edit (issue 18 #8)
            report.failed[name] = msg.send_held_for_hand_edit(held[name])
            continue
        state = _read_state(state_path)  # {} when missing or not a JSON object (a hand-made file)
        if state.get("state") == "sending" and not resend:
            report.uncertain.append(name)
            continue
        try:
            raw = read_bytes(eml)  # a regular file of the helpdesk: a pushed symlink must not send an outside file
        except UnsafePath as exc:
            report.failed[name] = exc.message
            continue
        tries = state.get("attempts")
        attempts = tries if isinstance(tries, int) else 0
        state.update(state="sending", attempts=attempts + 1, tried=clock.now(config.timezone).isoformat())
        write_atomic(state_path, json.dumps(state, indent=2) + "\n")  # on disk before the server sees it
        if claim is not None:
            claim(f"{QUEUE}/{name}.json")
        try:
            answer = transport.send(raw)
        except TemporaryFailure as exc:
            state.update(state="queued", last_error=str(exc))
            write_atomic(state_path, json.dumps(state, indent=2) + "\n")
            report.failed[name] = str(exc)
            report.temporary = True
            changed.append(f"{QUEUE}/{name}.json")
            continue
        except TixError as exc:
            state.update(state="queued", last_error=exc.message)
            write_atomic(state_path, json.dumps(state, indent=2) + "\n")
            report.failed[name] = exc.message
            changed.append(f"{QUEUE}/{name}.json")
            continue
        sent_dir = hd.root / SENT
        sent_dir.mkdir(parents=True, exist_ok=True)
        done = {**state, "state": "sent", "sent": clock.now(config.timezone).isoformat(), "server": answer}
        write_atomic(sent_dir / f"{name}.json", json.dumps(done, indent=2) + "\n")  # first: recover() completes the move
        os.replace(eml, sent_dir / f"{name}.eml")
        state_path.unlink()
        report.sent.append(name)
        changed += [f"{QUEUE}/{name}.eml", f"{QUEUE}/{name}.json", f"{SENT}/{name}.eml", f"{SENT}/{name}.json"]
        changed += record_delivery(hd, done)
    return report, changed


def record_delivery(hd: Helpdesk, state: dict[str, Any]) -> list[str]:
    """A reply reaches the customer when it is delivered, so that is when it counts for the
    clocks: the first delivered reply (not an automatic one) gives the ticket's `first_response`,
    and a wait for the customer that the reply started is paused from now on, not from when it
    was queued. Idempotent; returns the ticket path when it changed. Mail without a ticket
    (reminders) or for a ticket gone changes nothing."""
    ticket_id, entry_id, when = state.get("ticket"), state.get("entry"), state.get("sent")
    if not (isinstance(ticket_id, str) and isinstance(entry_id, str) and isinstance(when, str)):
        return []
    try:
        ticket = hd.load(ticket_id)
    except (TixError, OSError):
        return []
    entry = next((e for e in ticket.entries if e.id == entry_id), None)
    if entry is None or entry.kind != "reply" or entry.extra.get("automatic"):
        return []
    try:
        delivered = datetime.fromisoformat(when)
    except ValueError:
        return []
    changed = _settle(ticket, entry_id)
    if not ticket.extra.get("first_response"):
        ticket.extra["first_response"] = delivered
        changed = True
    if sla.start_pause(ticket, hd.config, delivered):  # waiting for the customer from the moment they have it
        changed = True
    return [hd.save(ticket)] if changed else []


def _settle(ticket: Ticket, entry_id: str) -> bool:
    """Take a reply off the ticket's `undelivered` list (delivered or cancelled)."""
    state = sla.SlaState(ticket)
    before = state.undelivered
    if entry_id not in before and before == ticket.extra.get("undelivered", []):
        return False
    state.undelivered = [e for e in before if e != entry_id]
    return True


def outbox_changes(hd: Helpdesk) -> list[str]:
    """Outbox files that differ from HEAD: left by a run that was killed before its commit."""
    return sorted(hd.git.dirty_paths("outbox"))


def recover(hd: Helpdesk, actor: Person) -> str | None:
    """Commit what an interrupted `tix send` moved (queue -> sending -> sent) before anything else,
    so the outbox in git always tells what went out (issue 10 #5), with the first response of
    mail it delivered but did not record. The caller holds the lock."""
    paths = outbox_changes(hd)
    if not paths:
        return None
    for path in [p for p in paths if p.startswith(f"{SENT}/") and p.endswith(".json")]:
        name = path[len(SENT) + 1 : -len(".json")]
        state = _read_state(hd.root / path)
        if state.get("state") != "sent":
            continue  # a sent record cut short by the kill: the outbox is still committed as it is
        if (hd.root / QUEUE / f"{name}.eml").is_file():  # the server took it; the kill came before the move
            os.replace(hd.root / QUEUE / f"{name}.eml", hd.root / SENT / f"{name}.eml")
            (hd.root / QUEUE / f"{name}.json").unlink(missing_ok=True)
            paths += [f"{QUEUE}/{name}.eml", f"{QUEUE}/{name}.json", f"{SENT}/{name}.eml"]
        paths += record_delivery(hd, state)
    return hd.git.commit(sorted(set(paths)), commits.message(msg.commit_send_recovered(), "send"), actor)


def _commit_claim(hd: Helpdesk, actor: Person, path: str) -> None:
    """--all-clones: the `sending` mark is committed before the server sees the message, so after
    a crash (and a sync) no other clone takes it for still queued."""
    hd.git.commit([path], commits.message(msg.commit_sending_one(), "send"), actor)


def send_outbox(desk: Any, names: list[str] | None = None, resend: bool = False, all_clones: bool = False) -> SendReport:
    """`tix send`: deliver under the helpdesk lock, then commit what moved in the outbox."""
    hd = desk.hd
    with hd.locked():
        recover(hd, desk.actor)
        if desk.include_edits:  # --include-edits: the hand edits are committed first, then the mail goes
            todo = names if names is not None else queued(hd, all_clones)
            for path in sorted(set(hand_edited_tickets(hd, todo).values())):
                desk.take_up_hand_edit(path.split("/")[2])
        claim = (lambda path: _commit_claim(hd, desk.actor, path)) if all_clones else None
        report, changed = deliver(hd, hd.config, names, resend, all_clones, claim)
        if changed:
            actor = desk.actor
            message = commits.message(msg.commit_send(len(report.sent)), "send")
            hd.git.commit(sorted(set(changed)), message, actor)
    return report


def retry(desk: Any, refs: list[str]) -> tuple[SendReport, list[Waiting]]:
    """`tix outbox retry`: deliver the named mail now, from this clone, whichever clone queued it
    (its `sending` mark is committed first, as for --all-clones). Uncertain mail is not resent
    here: that takes `tix send --resend NAME`, after checking it did not arrive. Also returns
    the mail that another clone queued: that clone must sync before its own `tix send`."""
    chosen = select(desk.hd, refs)
    foreign = _queued_elsewhere(desk.hd, chosen)
    return send_outbox(desk, [w.name for w in chosen], all_clones=bool(foreign)), foreign


# --- the outbox as a list: what waits, in every clone (tix outbox) --------------------


class Waiting(Record):
    """One message not delivered yet. `state`: queued (not tried), failed (tried, refused or
    unreachable: it stays queued) or uncertain (a run was interrupted while sending it)."""

    __slots__ = ("name", "state", "ticket", "entry", "queued", "queued_by", "attempts", "last_error", "to", "subject")
    name: str
    state: str
    ticket: str | None
    entry: str | None
    queued: str | None
    queued_by: str | None
    attempts: int
    last_error: str | None
    to: str
    subject: str

    def __init__(self, name: str, state: str, ticket: str | None, entry: str | None, queued: str | None,
                 queued_by: str | None, attempts: int, last_error: str | None, to: str, subject: str) -> None:  # fmt: skip
        self.name = name
        self.state = state
        self.ticket = ticket
        self.entry = entry
        self.queued = queued
        self.queued_by = queued_by
        self.attempts = attempts
        self.last_error = last_error
        self.to = to
        self.subject = subject

    def as_dict(self) -> dict[str, Any]:
        """The stable JSON shape (`tix outbox -f json`, `tix remind -f json`): every field, in order."""
        return {name: getattr(self, name) for name in self.__slots__}


def _read_state(path: Path) -> dict[str, Any]:
    """A queue or sent record; {} when missing, unreadable, refused (a symlink) or not an object."""
    try:
        state = json.loads(read_text(path))
    except (OSError, ValueError, UnsafePath):
        return {}
    return state if isinstance(state, dict) else {}


def _state_word(state: dict[str, Any]) -> str:
    if state.get("state") == "sending":
        return "uncertain"
    return "failed" if state.get("last_error") else "queued"


def waiting(hd: Helpdesk) -> list[Waiting]:
    """Every message in outbox/queue/, whichever clone queued it (the queue travels with sync)."""
    import email.parser
    import email.policy

    folder = hd.root / QUEUE
    if not folder.is_dir():
        return []
    parser = email.parser.BytesHeaderParser(policy=email.policy.default)
    found = []
    checked: set[str] = set()
    for path in sorted(folder.glob("*.eml")):
        state = _read_state(path.with_suffix(".json"))
        try:
            headers = parser.parsebytes(read_bytes(path, checked)[: 64 * 1024])
        except UnsafePath as exc:  # listed, so that someone looks; never read (tix send refuses it too)
            headers, state = parser.parsebytes(b""), {**state, "last_error": exc.message}
        except OSError:
            continue
        text = {key: state[key] if isinstance(state.get(key), str) else None for key in ("ticket", "entry", "queued", "queued_by", "last_error")}
        tries = state.get("attempts")
        attempts = tries if isinstance(tries, int) else 0
        found.append(Waiting(path.stem, _state_word(state), text["ticket"], text["entry"], text["queued"], text["queued_by"],
                             attempts, text["last_error"], one_line(str(headers.get("to", ""))), one_line(str(headers.get("subject", "")))))  # fmt: skip
    return found


def select(hd: Helpdesk, refs: list[str]) -> list[Waiting]:
    """The waiting messages named by `refs`: an outbox name, or a ticket ID (all of its mail)."""
    everything = waiting(hd)
    chosen: dict[str, Waiting] = {}
    for ref in refs:
        named = [w for w in everything if w.name == ref]
        if not named:
            ticket_id = resolve_ref(hd, ref)
            named = [w for w in everything if w.ticket == ticket_id]
            if not named:
                raise InvalidValue(msg.outbox_nothing_for(ticket_id, QUEUE))
        chosen.update((w.name, w) for w in named)
    return list(chosen.values())


def delivery_states(hd: Helpdesk, ticket: Ticket) -> dict[str, dict[str, Any]]:
    """entry id -> where its mail stands (queued, failed, uncertain, sent, cancelled), for `tix show`."""
    states = {}
    for entry in ticket.entries:
        if entry.kind != "reply":
            continue
        name = outbox_name(ticket.id, entry.id)
        for folder in (QUEUE, SENT, CANCELLED):
            state = _read_state(hd.root / folder / f"{name}.json")
            if state:
                word = _state_word(state) if folder == QUEUE else folder.rpartition("/")[2]
                since = state.get({"sent": "sent", "cancelled": "cancelled"}.get(word, "queued"))
                states[entry.id] = {"state": word, "since": since, "error": state.get("last_error") if folder == QUEUE else None}
                break
    return states


def cancel(desk: Any, refs: list[str], reason: str) -> tuple[list[Waiting], list[str], list[Waiting]]:
    """`tix outbox cancel`: withdraw waiting mail (to outbox/cancelled/, kept), with a note on its
    ticket saying what was withdrawn and why. The reply no longer counts as sent: a waiting
    status it set does not pause the clock. Returns what was cancelled, the tickets noted, and
    the mail another clone queued (which that clone still delivers until it syncs)."""
    from tix.domain import ids
    from tix.domain.model import Entry

    if not reason.strip():
        raise InvalidValue(msg.outbox_cancel_needs_reason())
    hd = desk.hd
    actor = desk.actor
    with hd.locked():
        recover(hd, actor)
        chosen = select(hd, refs)
        for ticket_id in sorted({item.ticket for item in chosen if item.ticket and hd.exists(item.ticket)}):
            desk.take_up_hand_edit(ticket_id)  # before anything moves: a hand edit is never swept into the note's commit
        now = desk.now()
        paths: list[str] = []
        notes: dict[str, list[str]] = {}
        for item in chosen:
            source, state_path = hd.root / QUEUE / f"{item.name}.eml", hd.root / QUEUE / f"{item.name}.json"
            target = hd.root / CANCELLED
            target.mkdir(parents=True, exist_ok=True)
            state = {**_read_state(state_path), "state": "cancelled", "was": item.state, "cancelled": now.isoformat(),
                     "cancelled_by": str(actor), "reason": reason}  # fmt: skip
            os.replace(source, target / f"{item.name}.eml")
            write_atomic(target / f"{item.name}.json", json.dumps(state, indent=2) + "\n")
            state_path.unlink(missing_ok=True)
            paths += [f"{QUEUE}/{item.name}.eml", f"{QUEUE}/{item.name}.json", f"{CANCELLED}/{item.name}.eml", f"{CANCELLED}/{item.name}.json"]
            if item.ticket:
                note = msg.outbox_cancelled_note(item.name, item.to, reason, uncertain=item.state == "uncertain")
                notes.setdefault(item.ticket, []).append(note)
        for ticket_id, lines in notes.items():
            try:
                ticket = hd.load(ticket_id)
            except TixError:
                continue  # the mail is withdrawn all the same; the ticket file is broken or gone
            for item in chosen:
                if item.ticket == ticket_id and item.entry:
                    _settle(ticket, item.entry)
            ticket.entries.append(Entry(ids.random_id(), "note", str(actor), now, "\n".join(lines)))
            ticket.updated = now
            paths.append(hd.save(ticket))
        if paths:
            tickets = {item.ticket for item in chosen}
            only = next(iter(tickets)) if len(tickets) == 1 else None  # one ticket's mail, none without a ticket
            if only:
                message = commits.commit_message(only, "cancel-mail", msg.commit_cancel_ticket_mail())
            else:
                message = commits.message(msg.commit_cancel(len(chosen)), "cancel-mail")
            hd.git.commit(sorted(set(paths)), message, actor, now)
    return chosen, sorted(notes), _queued_elsewhere(hd, chosen)


def retarget(hd: Helpdesk, source_id: str, target_id: str) -> list[str]:
    """Queued mail of a ticket folded into another now belongs to that one (sync._fold)."""
    changed = []
    folder = hd.root / QUEUE
    for path in sorted(folder.glob(f"{source_id}-*.json")) if folder.is_dir() else []:
        state = _read_state(path)
        if state.get("ticket") == source_id:
            write_atomic(path, json.dumps({**state, "ticket": target_id}, indent=2) + "\n")
            changed.append(str(path.relative_to(hd.root)))
    return changed


def _queued_elsewhere(hd: Helpdesk, items: list[Waiting]) -> list[Waiting]:
    return [w for w in items if w.queued_by not in (None, hd.clone_id)]
