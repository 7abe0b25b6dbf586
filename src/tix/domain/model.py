"""Pure data: tickets, conversation entries and people. No I/O here."""

from __future__ import annotations

import re
from datetime import datetime

from tix.domain.patterns import lazy
from tix.domain.record import Frozen, Record

TYPE_CHECKING = False  # as typing's, without importing typing (3 ms; tests/test_startup_imports.py)
if TYPE_CHECKING:
    from typing import Any, Final

ENTRY_KINDS = ("inbound", "reply", "note")
CHANNELS = ("email", "phone", "chat", "form", "other")

_CONTROL = lazy(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: str) -> str:
    """Collapse control characters and line breaks so a value stays on one line."""
    if text.isprintable():  # none of _CONTROL's characters is (most values): no search to compile
        return " ".join(text.split())
    return " ".join(_CONTROL.sub(" ", text).split())


def canonical_address(text: str) -> str:
    """An address as RFC 5322 writes it: a quoted local part keeps its quotes and spaces
    ("jan kowalski"@example.pl) and loses needless ones; elsewhere stray spaces are dropped."""
    text = one_line(text)
    if '"' in text:
        from email.headerregistry import Address

        try:
            return Address(addr_spec=text).addr_spec
        except (ValueError, IndexError, TypeError):
            pass
    return text.replace(" ", "")


def normalize_text(text: str) -> str:
    """Canonical conversation text: LF line ends, no leading or trailing empty lines."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")


_PLAIN_ADDRESS = lazy(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*")
# 'Anna Nowak <anna@x.pl>': a name of words (letters, digits, ' - _) and a plain address, which
# parseaddr gives back as they are, the name's spaces made single (tests/test_model.py compares)
_NAMED_ADDRESS = lazy(r"((?:[\w'-]+ +)*[\w'-]+)? *<([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)>")


class Person(Frozen):
    __slots__ = ("name", "email")
    name: Final[str]
    email: Final[str]

    def __init__(self, name: str, email: str) -> None:
        self.name = one_line(name)
        self.email = canonical_address(email)

    @classmethod
    def parse(cls, text: str) -> Person | None:
        """'Name <addr>' or a bare address; None when no address can be found."""
        text = one_line(text)
        if _PLAIN_ADDRESS.fullmatch(text):  # what parseaddr makes of it, without loading email.utils (and socket)
            return cls("", text)
        named = _NAMED_ADDRESS.fullmatch(text)
        if named:  # `tix --as "Anna Nowak <anna@x.pl>"`, TIX_USER, a team member: no email.utils (5 ms of `tix sync`)
            return cls(" ".join((named.group(1) or "").split()), named.group(2))
        from email.utils import parseaddr

        if '"' in text:  # a quoted local part ("jan kowalski"@x): parseaddr would drop its quotes
            from email import policy

            try:
                [found] = policy.default.header_factory("from", text).addresses
                if found.domain:
                    return cls(found.display_name, found.addr_spec)
            except (ValueError, IndexError, TypeError):
                pass
        name, address = parseaddr(text)
        if "@" not in address or " " in address:
            return None
        return cls(name, address)

    def __str__(self) -> str:
        if not self.name:
            return self.email
        name = self.name.replace("\\", "\\\\").replace('"', '\\"')
        if re.search(r"[()<>\[\]:;@,.\"\\]", self.name):
            name = f'"{name}"'
        return f"{name} <{self.email}>"

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "email": self.email}


class Entry(Record):
    """One item of the conversation: an inbound message, a reply, or an internal note."""

    __slots__ = ("id", "kind", "author", "time", "text", "message_id", "extra")
    id: str
    kind: str
    author: str
    time: datetime
    text: str
    message_id: str | None
    extra: dict[str, Any]

    def __init__(self, id: str, kind: str, author: str, time: datetime, text: str, message_id: str | None = None,
                 extra: dict[str, Any] | None = None) -> None:  # fmt: skip
        self.id = id
        self.kind = kind
        self.author = one_line(author)
        self.time = time
        self.text = normalize_text(text)
        self.message_id = message_id
        self.extra = {} if extra is None else extra

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "author": self.author,
            "time": self.time.isoformat(),
            "message_id": self.message_id,
        }
        data.update(self.extra)
        data["text"] = self.text
        return data


class Ticket(Record):
    __slots__ = ("id", "subject", "requester", "status", "priority", "created", "updated", "owner", "queue", "category",
                 "tags", "channel", "message_ids", "participants", "csat", "extra", "entries", "preamble")  # fmt: skip
    id: str
    subject: str
    requester: Person
    status: str
    priority: str
    created: datetime
    updated: datetime
    owner: str | None
    queue: str | None
    category: str | None
    tags: list[str]
    channel: str
    message_ids: list[str]
    participants: list[str]  # other addresses taking part (Cc, co-writers)
    csat: dict[str, Any] | None  # the customer's latest rating: {score: good|okay|bad, comment, at} (issue 17)
    extra: dict[str, Any]  # front-matter keys tix does not know, in file order
    entries: list[Entry]
    preamble: str  # text a person wrote above the first entry

    def __init__(self, id: str, subject: str, requester: Person, status: str, priority: str, created: datetime,
                 updated: datetime, owner: str | None = None, queue: str | None = None, category: str | None = None,
                 tags: list[str] | None = None, channel: str = "email", message_ids: list[str] | None = None,
                 participants: list[str] | None = None, csat: dict[str, Any] | None = None,
                 extra: dict[str, Any] | None = None, entries: list[Entry] | None = None, preamble: str = "") -> None:  # fmt: skip
        self.id = id
        self.subject = one_line(subject)
        self.requester = requester
        self.status = status
        self.priority = priority
        self.created = created
        self.updated = updated
        self.owner = owner
        self.queue = queue
        self.category = category
        self.tags = sorted(set(tags or ()))
        self.channel = channel
        self.message_ids = [] if message_ids is None else message_ids
        self.participants = [] if participants is None else participants
        self.csat = csat
        self.extra = {} if extra is None else extra
        self.entries = [] if entries is None else entries
        self.preamble = preamble

    def summary(self) -> dict[str, Any]:
        """The stable JSON shape of `list` (and the head of `show`)."""
        return {
            "id": self.id,
            "subject": self.subject,
            "status": self.status,
            "owner": self.owner,
            "priority": self.priority,
            "category": self.category,
            "tags": list(self.tags),
            "queue": self.queue,
            "channel": self.channel,
            "requester": self.requester.as_dict(),
            "created": self.created.isoformat(),
            "updated": self.updated.isoformat(),
        }

    def details(self) -> dict[str, Any]:
        """The stable JSON shape of `show`: the summary plus message ids, custom fields and entries."""
        data = self.summary()
        data["message_ids"] = list(self.message_ids)
        data["participants"] = list(self.participants)
        data["csat"] = dict(self.csat) if self.csat else None
        data["fields"] = dict(self.extra)
        data["entries"] = [entry.as_dict() for entry in self.entries]
        return data


def value_problems(statuses: list[str], priorities: list[str], categories: list[str], queues: list[str], status: str | None,
                   priority: str | None, category: str | None = None, queue: str | None = None, channel: str | None = None,
                   owner: str | None = None) -> list[str]:  # fmt: skip
    """What in a ticket's fields the configuration (its statuses, priorities, categories and queues)
    does not allow, e.g. a hand-written `status: opne` or `priority: 5`: refused by `tix edit`,
    warned about by `tix show` and `tix list` (issue 18 #7). An empty list of categories or queues
    allows any."""
    from tix import messages as msg

    problems = []
    if status not in statuses:
        problems.append(msg.filter_unknown_status(str(status), statuses))
    if priority not in priorities:
        problems.append(msg.unknown_configured("priority", str(priority), priorities))
    for kind, value, allowed in (("category", category, categories), ("queue", queue, queues)):
        if value and allowed and value not in allowed:
            problems.append(msg.unknown_configured(kind, value, allowed))
    if channel is not None and channel not in CHANNELS:
        problems.append(msg.unknown_channel(channel, CHANNELS))
    if owner and Person.parse(owner) is None:
        problems.append(msg.owner_not_an_address(owner))
    return problems
