"""Outgoing mail: composing RFC 5322 messages that thread, the outbox, and delivery.

The outbox lives in the repository: `outbox/queue/NAME.eml` with `NAME.json` (its state),
and `outbox/sent/NAME.eml` with `NAME.json` (when, and what the server answered). A message
is marked `sending` (synced to disk) before it is handed to the server and moved to `sent/`
right after; one found still `sending` by a later run was perhaps delivered, perhaps not,
and is never sent again on its own (`tix send --resend NAME`): nothing goes out twice.
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

from tix.config import Config
from tix.errors import EXIT_TEMPFAIL, InvalidValue, TixError
from tix.model import Entry, Person, Ticket, one_line
from tix.store import Helpdesk, UnsafePath, read_bytes, read_text, write_atomic

QUEUE = "outbox/queue"
SENT = "outbox/sent"


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
    inbound = [e.message_id for e in ticket.entries if e.kind == "inbound" and e.message_id and not e.extra.get("robot")]
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
        text = f"sent {len(self.sent)} messages"
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
        state = json.loads(read_text(state_path)) if state_path.exists() else {}
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
        state = json.loads(read_text(state_path)) if state_path.exists() else {"attempts": 0}
        if state.get("state") == "sending" and not resend:
            report.uncertain.append(name)
            continue
        try:
            raw = read_bytes(eml)  # a regular file of the helpdesk: a pushed symlink must not send an outside file
        except UnsafePath as exc:
            report.failed[name] = exc.message
            continue
        state.update(state="sending", attempts=int(state.get("attempts", 0)) + 1, tried=datetime.now().astimezone().isoformat())
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
        os.replace(eml, sent_dir / f"{name}.eml")
        done = {**state, "state": "sent", "sent": datetime.now().astimezone().isoformat(), "server": answer}
        write_atomic(sent_dir / f"{name}.json", json.dumps(done, indent=2) + "\n")
        state_path.unlink()
        report.sent.append(name)
        changed += [f"{QUEUE}/{name}.eml", f"{QUEUE}/{name}.json", f"{SENT}/{name}.eml", f"{SENT}/{name}.json"]
    return report, changed


def outbox_changes(hd: Helpdesk) -> list[str]:
    """Outbox files that differ from HEAD: left by a run that was killed before its commit."""
    out = hd.git.run("status", "--porcelain", "-z", "--untracked-files=all", "--", "outbox", strip=False)
    paths = []
    fields = iter(out.split("\0"))
    for field_ in fields:
        if not field_:
            continue
        status, path = field_[:2], field_[3:]
        paths.append(path)
        if "R" in status or "C" in status:
            paths.append(next(fields, ""))  # the rename's source
    return sorted({p for p in paths if p})


def recover(hd: Helpdesk, actor: Person) -> str | None:
    """Commit what an interrupted `tix send` moved (queue -> sending -> sent) before anything else,
    so the outbox in git always tells what went out (issue 10 #5). The caller holds the lock."""
    paths = outbox_changes(hd)
    if not paths:
        return None
    return hd.git.commit(paths, "tix: record an interrupted send\n\nTix-Action: send\n", actor)


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
            message = f"tix: send {len(report.sent)} messages\n\nTix-Action: send\n"
            hd.git.commit(sorted(set(changed)), message, actor)
    return report


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

