"""Composing outgoing mail: the RFC 5322 message of a reply or notification.

The headers (From the helpdesk, To the requester, Cc, the ticket tag in the subject, Date,
Message-ID), the threading headers (In-Reply-To, References), the marks of automatic mail,
and the body, whose encoding the email package settles (quoted-printable or base64 whenever
a line would be long). Queueing the message is mail/outbox.py's concern, delivering it
mail/transport.py's.
"""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from tix import messages as msg
from tix.domain.model import Entry, Person, Ticket, one_line
from tix.errors import InvalidValue
from tix.storage.config import Config


def sender(config: Config) -> Person:
    configured = config.settings.mail.sender
    if configured:
        person = Person.parse(configured)
        assert person is not None  # validated with the config
        return person
    email = config.settings.helpdesk.email
    if not email:
        raise InvalidValue(msg.send_no_sender())
    return Person(config.settings.helpdesk.name, email)


def ticket_tag(config: Config, ticket_id: str) -> str:
    return config.settings.mail.tag.replace("{instance}", config.instance).replace("{id}", ticket_id)


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
    if config.settings.mail.cc_participants and ticket.participants and not automatic:
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
