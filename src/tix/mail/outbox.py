"""Outgoing mail: composing RFC 5322 messages that thread, the outbox, and delivery.

The outbox lives in the repository: `outbox/queue/NAME.eml` with `NAME.json` (its state),
`outbox/sent/NAME.eml` with `NAME.json` (when, and what the server answered), and
`outbox/cancelled/` for mail withdrawn before delivery (`tix outbox cancel`). A message
is marked `sending` (synced to disk) before it is handed to the server and moved to `sent/`
right after; one found still `sending` by a later run was perhaps delivered, perhaps not,
and is never sent again on its own (`tix send --resend NAME`): nothing goes out twice.

The first-response clock stops when a reply is delivered, not when it is queued: delivery is
what the customer sees (issue 9 #4, docs/WORKFLOW.md). `tix send` writes `first_response`
on the ticket in the commit that moves the mail to `sent/`.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from pathlib import Path
from typing import Any

from tix.domain import clock, sla
from tix.domain.model import Entry, Person, Ticket, one_line
from tix.errors import EXIT_TEMPFAIL, InvalidValue, TixError
from tix.messages import count
from tix.storage.config import Config
from tix.storage.files import UnsafePath, read_bytes, read_text, write_atomic
from tix.storage.layout import Helpdesk

QUEUE = "outbox/queue"
SENT = "outbox/sent"
CANCELLED = "outbox/cancelled"


def sender(config: Config) -> Person:
    configured = config.mail["from"]
    if configured:
        person = Person.parse(configured)
        assert person is not None  # validated with the config
        return person
    email = config.data["helpdesk"]["email"]
    if not email:
        raise InvalidValue("the helpdesk has no address: tix config set helpdesk.email support@example.com (or mail.from)")
    return Person(config.data["helpdesk"]["name"], email)


def ticket_tag(config: Config, ticket_id: str) -> str:
    return str(config.mail["tag"]).replace("{instance}", config.instance).replace("{id}", ticket_id)


def _address(person: Person) -> Address:
    try:  # the stored address is an addr_spec: a quoted local part is quoted once, not twice
        return Address(display_name=one_line(person.name), addr_spec=person.email)
    except (ValueError, IndexError, TypeError):
        local, _, domain = person.email.rpartition("@")
        return Address(display_name=one_line(person.name), username=local, domain=domain)


def compose(config: Config, ticket: Ticket, entry: Entry, subject: str, automatic: bool) -> EmailMessage:
    """The message for a reply entry: From the helpdesk, To the requester, threaded under the
    customer's latest message. Every value passes through one_line and the email package's
    header objects, so no CR/LF from ticket data can start a header of its own."""
    message = EmailMessage()
    message["From"] = _address(sender(config))
    message["To"] = _address(ticket.requester)
    if config.mail["cc_participants"] and ticket.participants and not automatic:
        # automatic mail goes to the requester alone: the one address autoack.limit counts (issue 9 #22)
        message["Cc"] = [_address(Person("", address)) for address in ticket.participants]
    tag = ticket_tag(config, ticket.id)
    subject = one_line(subject)
    message["Subject"] = subject if tag.lower() in subject.lower() else f"{subject} {tag}"
    message["Date"] = format_datetime(entry.time)
    message["Message-ID"] = entry.message_id or ""
    earlier = [e.message_id for e in ticket.entries if e.message_id and e.id != entry.id]
    inbound = [e.message_id for e in ticket.entries
               if e.kind == "inbound" and e.message_id and not e.extra.get("robot") and not e.extra.get("own")]  # fmt: skip
    if inbound:
        message["In-Reply-To"] = inbound[-1]
    if earlier:
        message["References"] = " ".join(earlier[:1] + earlier[1:][-19:])
    message["X-Tix-Loop"] = config.instance
    if automatic:
        message["Auto-Submitted"] = "auto-replied"
        message["X-Auto-Response-Suppress"] = "All"
        message["Precedence"] = "auto_reply"
    message.set_content(entry.text + "\n")
    return message


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


# --- delivery ------------------------------------------------------------------------


class TemporaryFailure(Exception):
    pass


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # name -> error (stays queued)
    uncertain: list[str] = field(default_factory=list)
    temporary: bool = False

    def summary(self) -> str:
        text = "sent " + count(len(self.sent), "message")
        if self.failed:
            text += f", {len(self.failed)} still queued"
        if self.uncertain:
            text += f", {len(self.uncertain)} uncertain"
        return text


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


def deliver(
    hd: Helpdesk, config: Config, names: list[str] | None = None, resend: bool = False, all_clones: bool = False,
    claim: Any = None,
) -> tuple[SendReport, list[str]]:
    """Hand queued messages to the server. Returns the report and the outbox paths changed
    (the caller commits them). The caller holds the helpdesk lock."""
    todo = names if names is not None else queued(hd, all_clones)
    if not todo:
        return SendReport(), []
    check_approved(hd, config)
    transport = Transport.from_config(config)
    report = SendReport()
    changed: list[str] = []
    for name in todo:
        eml, state_path = hd.root / QUEUE / f"{name}.eml", hd.root / QUEUE / f"{name}.json"
        if not eml.exists():
            raise InvalidValue(f"no queued message {name} in {QUEUE}/")
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
    before = sla.undelivered(ticket)
    if entry_id not in before and before == ticket.extra.get("undelivered", []):
        return False
    sla.set_undelivered(ticket, [e for e in before if e != entry_id])
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
    return hd.git.commit(sorted(set(paths)), "tix: record an interrupted send\n\nTix-Action: send\n", actor)


def _commit_claim(hd: Helpdesk, actor: Person, path: str) -> None:
    """--all-clones: the `sending` mark is committed before the server sees the message, so after
    a crash (and a sync) no other clone takes it for still queued."""
    hd.git.commit([path], "tix: sending 1 message\n\nTix-Action: send\n", actor)


def send_outbox(desk: Any, names: list[str] | None = None, resend: bool = False, all_clones: bool = False) -> SendReport:
    """`tix send`: deliver under the helpdesk lock, then commit what moved in the outbox."""
    hd = desk.hd
    with hd.locked():
        recover(hd, desk.actor)
        claim = (lambda path: _commit_claim(hd, desk.actor, path)) if all_clones else None
        report, changed = deliver(hd, hd.config, names, resend, all_clones, claim)
        if changed:
            actor = desk.actor
            message = f"tix: send {count(len(report.sent), 'message')}\n\nTix-Action: send\n"
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


@dataclass
class Waiting:
    """One message not delivered yet. `state`: queued (not tried), failed (tried, refused or
    unreachable: it stays queued) or uncertain (a run was interrupted while sending it)."""

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
            ticket_id = hd.resolve(ref)
            named = [w for w in everything if w.ticket == ticket_id]
            if not named:
                raise InvalidValue(f"no mail waiting for {ticket_id} in {QUEUE}/ (tix outbox lists what waits)")
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
        raise InvalidValue("say why the mail is cancelled: -m TEXT (it becomes a note on the ticket)")
    hd = desk.hd
    actor = desk.actor
    with hd.locked():
        recover(hd, actor)
        chosen = select(hd, refs)
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
                maybe = " (an interrupted run was sending it: it may have gone out)" if item.state == "uncertain" else ""
                notes.setdefault(item.ticket, []).append(f"Mail {item.name} to {item.to} cancelled before delivery{maybe}: {reason}")
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
            subject = f"tix: {only} cancel mail" if only else f"tix: cancel {count(len(chosen), 'message')}"
            trailer = f"Tix-Ticket: {only}\n" if only else ""
            hd.git.commit(sorted(set(paths)), f"{subject}\n\n{trailer}Tix-Action: cancel-mail\n", actor, now)
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


# --- settings that run a program or receive the password: the local user's decision -----

TRUSTED_KEYS = ("mail.sendmail", "smtp.url")  # tix.yaml travels with every pull: these need this clone's approval


def _fingerprint(value: object) -> str:
    import hashlib

    return hashlib.sha256(str(value).encode("utf-8")).hexdigest()


def _approvals_path(hd: Helpdesk) -> Path:
    return hd.state_dir / "approved.json"  # under .git/: never tracked, never pulled


def approvals(hd: Helpdesk) -> dict[str, str]:
    path = _approvals_path(hd)
    return json.loads(read_text(path)) if path.is_file() else {}


def approve(hd: Helpdesk, config: Config, keys: tuple[str, ...] = TRUSTED_KEYS) -> dict[str, str]:
    """Pin the current values of `keys` in this clone (like `direnv allow`); returns key -> value."""
    pinned = approvals(hd)
    values = {}
    for key in keys:
        value = config.get(key)
        if value:
            pinned[key] = _fingerprint(value)
            values[key] = str(value)
        else:
            pinned.pop(key, None)
    write_atomic(_approvals_path(hd), json.dumps(pinned, indent=2) + "\n")
    return values


def unapproved(hd: Helpdesk, config: Config) -> list[str]:
    pinned = approvals(hd)
    return [key for key in TRUSTED_KEYS if config.get(key) and pinned.get(key) != _fingerprint(config.get(key))]


def check_approved(hd: Helpdesk, config: Config) -> None:
    """Refuse to run a command or send the password that this clone's user has not approved: a
    teammate's (or an intruder's) push may have changed tix.yaml."""
    keys = unapproved(hd, config)
    if keys:
        shown = ", ".join(f"{key}={config.get(key)!r}" for key in keys)
        raise TixError(f"not sending: {shown} is new or changed in tix.yaml and not approved in this clone; check it, then run: tix config approve")


class Transport:
    @staticmethod
    def from_config(config: Config) -> Transport:
        if config.mail["sendmail"]:
            return SendmailTransport(str(config.mail["sendmail"]))
        url = str(config.data["smtp"]["url"])
        if not url:
            raise InvalidValue("no way to deliver mail: tix config set smtp.url smtp://host:587 (or mail.sendmail)")
        return SmtpTransport(url)

    def send(self, raw: bytes) -> str:
        raise NotImplementedError


def envelope(raw: bytes) -> tuple[str, list[str]]:
    import email

    message = email.message_from_bytes(raw)
    senders = getaddresses([str(message.get("from", ""))])
    if not senders:
        raise TixError("no From address in the message")
    sender_address = senders[0][1]
    recipients = [address for _, address in getaddresses([str(v) for v in message.get_all("to", []) + message.get_all("cc", [])]) if address]
    return sender_address, recipients


def wire(raw: bytes) -> bytes:
    """The message as SMTP carries it: every line ended by CRLF (RFC 5321 2.3.8). smtplib fixes
    line ends only for str; dot-stuffing it does for bytes too. Line length is settled by
    compose (the body is quoted-printable or base64 whenever a line would be long)."""
    return re.sub(rb"\r?\n", b"\r\n", raw)


class SmtpTransport(Transport):
    def __init__(self, url: str) -> None:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        self.tls = parts.scheme == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.tls else 587)
        self.user = parts.username

    def _password(self) -> str | None:
        if os.environ.get("TIX_SMTP_PASSWORD"):
            return os.environ["TIX_SMTP_PASSWORD"]
        path = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "tix" / "smtp-password"
        return path.read_text(encoding="utf-8").strip() if path.is_file() else None

    def send(self, raw: bytes) -> str:
        import smtplib
        import ssl

        mail_from, recipients = envelope(raw)
        try:
            client: smtplib.SMTP = (smtplib.SMTP_SSL if self.tls else smtplib.SMTP)(self.host, self.port, timeout=60)
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(f"cannot connect to {self.host}:{self.port}: {exc}") from None
        try:
            client.ehlo()
            if not self.tls and client.has_extn("starttls"):
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if self.user:
                password = self._password()
                if password is None:
                    raise TixError("smtp.url names a user but no password was found (TIX_SMTP_PASSWORD or ~/.config/tix/smtp-password)")
                if not self.tls and not client.has_extn("starttls") and self.host not in ("127.0.0.1", "localhost", "::1"):
                    raise TixError(f"{self.host} offers no STARTTLS: the password would travel in clear; use smtps://")
                client.login(self.user, password)
            code, answer = client.mail(mail_from)
            if code >= 400:
                raise smtplib.SMTPSenderRefused(code, answer, mail_from)
            for recipient in recipients:
                code, answer = client.rcpt(recipient)
                if code >= 400:
                    raise smtplib.SMTPRecipientsRefused({recipient: (code, answer)})
            code, answer = client.data(wire(raw))
            if code >= 400:
                raise smtplib.SMTPDataError(code, answer)
            return f"{code} {answer.decode('utf-8', 'replace') if isinstance(answer, bytes) else answer}"
        except smtplib.SMTPRecipientsRefused as exc:
            code = next(iter(exc.recipients.values()))[0]
            error = f"recipient refused: {exc.recipients}"
            raise (TemporaryFailure(error) if code < 500 else TixError(error)) from None
        except smtplib.SMTPResponseException as exc:
            error = f"server answered {exc.smtp_code} {exc.smtp_error!r}"
            raise (TemporaryFailure(error) if exc.smtp_code < 500 else TixError(error)) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(f"{self.host}:{self.port}: {exc}") from None
        finally:
            try:
                client.quit()
            except Exception:  # noqa: BLE001  the message is already settled; a rude hang-up does not matter
                client.close()


class SendmailTransport(Transport):
    def __init__(self, command: str) -> None:
        self.command = shlex.split(command)

    def send(self, raw: bytes) -> str:
        try:
            result = subprocess.run(self.command, input=raw, capture_output=True, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise TemporaryFailure(f"{self.command[0]}: {exc}") from None
        if result.returncode == 75:  # EX_TEMPFAIL, as MTAs use it
            raise TemporaryFailure(f"{self.command[0]} exited 75")
        if result.returncode != 0:
            raise TixError(f"{self.command[0]} exited {result.returncode}: {result.stderr.decode('utf-8', 'replace').strip()}")
        return f"accepted by {self.command[0]}"


def exit_code(report: SendReport) -> int:
    if report.temporary:
        return EXIT_TEMPFAIL
    return 1 if report.failed or report.uncertain else 0

