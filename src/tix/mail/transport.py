"""Delivering outgoing mail: SMTP (STARTTLS or TLS, with a password) or a sendmail command.

A transport hands one message's bytes to the server and returns its answer. A failure worth
retrying (unreachable, 4xx, sendmail's EX_TEMPFAIL) is a TemporaryFailure; a refusal (5xx, a
missing password, a command that fails) is a TixError. The settings that run a program or
receive the password are the local user's decision: tix.yaml travels with every pull, so
`tix config approve` pins them in this clone and nothing is sent until they match. What a
delivery run reports, and the exit code that means, is here too; walking the queue is
mail/outbox.py's concern.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from email.utils import getaddresses
from pathlib import Path

from tix import messages as msg
from tix.errors import EXIT_TEMPFAIL, InvalidValue, TixError
from tix.storage.config import Config
from tix.storage.files import read_text, write_atomic
from tix.storage.layout import Helpdesk


class TemporaryFailure(Exception):
    pass


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # name -> error (stays queued)
    uncertain: list[str] = field(default_factory=list)
    temporary: bool = False

    def summary(self) -> str:
        return msg.send_report(len(self.sent), len(self.failed), len(self.uncertain))


def exit_code(report: SendReport) -> int:
    if report.temporary:
        return EXIT_TEMPFAIL
    return 1 if report.failed or report.uncertain else 0


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
        raise TixError(msg.send_not_approved({key: config.get(key) for key in keys}))


# --- the transports ----------------------------------------------------------------------


class Transport:
    @staticmethod
    def from_config(config: Config) -> Transport:
        settings = config.settings
        if settings.mail.sendmail:
            return SendmailTransport(settings.mail.sendmail)
        url = settings.smtp_url
        if not url:
            raise InvalidValue(msg.send_no_transport())
        return SmtpTransport(url)

    def send(self, raw: bytes) -> str:
        raise NotImplementedError


def envelope(raw: bytes) -> tuple[str, list[str]]:
    import email

    message = email.message_from_bytes(raw)
    senders = getaddresses([str(message.get("from", ""))])
    if not senders:
        raise TixError(msg.send_no_from())
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
            raise TemporaryFailure(msg.smtp_cannot_connect(self.host, self.port, exc)) from None
        try:
            client.ehlo()
            if not self.tls and client.has_extn("starttls"):
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if self.user:
                password = self._password()
                if password is None:
                    raise TixError(msg.smtp_no_password())
                if not self.tls and not client.has_extn("starttls") and self.host not in ("127.0.0.1", "localhost", "::1"):
                    raise TixError(msg.smtp_no_starttls(self.host))
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
            error = msg.smtp_recipient_refused(exc.recipients)
            raise (TemporaryFailure(error) if code < 500 else TixError(error)) from None
        except smtplib.SMTPResponseException as exc:
            error = msg.smtp_refused(exc.smtp_code, exc.smtp_error)
            raise (TemporaryFailure(error) if exc.smtp_code < 500 else TixError(error)) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(msg.smtp_failed(self.host, self.port, exc)) from None
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
            raise TemporaryFailure(msg.sendmail_failed(self.command[0], exc)) from None
        if result.returncode == 75:  # EX_TEMPFAIL, as MTAs use it
            raise TemporaryFailure(msg.sendmail_exited(self.command[0], 75))
        if result.returncode != 0:
            raise TixError(msg.sendmail_exited(self.command[0], result.returncode, result.stderr.decode("utf-8", "replace").strip()))
        return msg.sendmail_accepted(self.command[0])
