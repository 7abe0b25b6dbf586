"""Which ticket an incoming mail belongs to, pure: the evidence is weighed here, the lookups
(the index, the helpdesk's secret, the ticket files) are the caller's and come in as functions.

Strongest evidence first: a reference to our own (signed) mail, a reference to a message a
ticket holds, a message that some ticket's mail refers to (a reply that came before its parent,
or a sibling), then the subject tag — from someone on that ticket, else a new ticket linked to it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from tix import messages as msg
from tix.domain import links
from tix.domain.model import Person, Ticket


class Mail(Protocol):
    """What threading reads of a parsed mail (mail/parse.py's ParsedMail)."""

    @property
    def message_id(self) -> str: ...
    @property
    def in_reply_to(self) -> Sequence[str]: ...
    @property
    def references(self) -> Sequence[str]: ...
    @property
    def original_ids(self) -> Sequence[str]: ...
    @property
    def robot(self) -> str | None: ...
    @property
    def subject(self) -> str: ...
    @property
    def sender(self) -> Person | None: ...


@dataclass(frozen=True, slots=True)
class Lookups:
    ours: Callable[[str], tuple[str, str] | None]  # (ticket, entry) of a Message-ID provably ours
    exists: Callable[[str], bool]  # a ticket here (committed or in this run)
    holder: Callable[[str], str | None]  # the ticket holding a Message-ID
    referencing: Callable[[str], list[str]]  # tickets whose mail refers to a Message-ID
    ticket: Callable[[str], Ticket]  # a ticket to look at (not to change)


@dataclass(frozen=True, slots=True)
class Threading:
    ticket: str | None  # None: a new ticket
    reason: str
    linked: str | None = None  # the ticket a new one is related to


def references_of(mail: Mail) -> list[str]:
    """The messages a mail answers, nearest first: In-Reply-To, then References newest first;
    for a bounce, first the message it reports on."""
    references = [*mail.in_reply_to] + [r for r in reversed(mail.references) if r not in mail.in_reply_to]
    if mail.robot == "bounce":
        references = [*mail.original_ids] + references
    return [r for r in references if r != mail.message_id]


def thread(mail: Mail, tag_pattern: re.Pattern[str], team: set[str], look: Lookups) -> Threading:
    """The ticket a mail belongs to, and why — strongest evidence first. `team` holds the
    teammates' addresses, lower-case. A ticket merged into another (`tix merge`) sends its mail on
    to that one."""
    found = _thread(mail, tag_pattern, team, look)
    if found.ticket is None:
        return found if found.linked is None else Threading(None, found.reason, follow(found.linked, look))
    target = follow(found.ticket, look)
    return found if target == found.ticket else Threading(target, msg.ops_threaded_to_merged(found.reason, found.ticket, target))


def follow(ticket_id: str, look: Lookups) -> str:
    """The ticket that stands where `ticket_id` was merged (itself when it was not)."""

    def target_of(current: str) -> str | None:
        target = links.merged_into(look.ticket(current).extra)
        return target if target and look.exists(target) else None

    return links.follow_merges(ticket_id, target_of)


def _thread(mail: Mail, tag_pattern: re.Pattern[str], team: set[str], look: Lookups) -> Threading:
    references = references_of(mail)
    for reference in references:
        ours = look.ours(reference)
        if ours and look.exists(ours[0]):
            return Threading(ours[0], msg.threaded_by_our_reference(reference))
    for reference in references:
        ticket_id = look.holder(reference)
        if ticket_id and look.exists(ticket_id):
            return Threading(ticket_id, msg.threaded_by_reference(reference))
    # a reply that arrived before the message it answers, or a sibling of a reply whose
    # parent tix never saw: both refer to the same message, which some ticket records
    for reference in [mail.message_id, *references]:
        tickets = sorted(t for t in look.referencing(reference) if look.exists(t))
        if tickets:
            return Threading(tickets[0], _referenced_by(tickets, reference, mail.message_id))
    tag = tag_pattern.search(mail.subject)
    if tag:
        return _by_tag(tag, mail, team, look)
    return Threading(None, msg.threaded_nowhere())


def _referenced_by(tickets: list[str], reference: str, message_id: str) -> str:
    """Why the first of `tickets` (in ID order: every clone chooses the same) is chosen."""
    why = msg.threaded_by_known_reply(tickets[0]) if reference == message_id else msg.threaded_by_shared_parent(tickets[0], reference)
    if len(tickets) > 1:
        why += msg.threaded_first_of(tickets[1:])
    return why


def _by_tag(tag: re.Match[str], mail: Mail, team: set[str], look: Lookups) -> Threading:
    """A subject tag threads only mail from someone on that ticket: anyone can type a tag."""
    ticket_id = tag.group(1).upper()
    if not look.exists(ticket_id):
        return Threading(None, msg.tag_names_no_ticket(tag.group(0)))
    ticket_id = follow(ticket_id, look)  # a merged ticket's people are on the one it was merged into
    sender = (mail.sender.email if mail.sender else "").lower()
    ticket = look.ticket(ticket_id)
    known = {ticket.requester.email.lower(), *(p.lower() for p in ticket.participants)} | team
    if sender in known:
        return Threading(ticket_id, msg.threaded_by_tag(tag.group(0), sender))
    return Threading(None, msg.tag_from_stranger(tag.group(0), sender, ticket_id), ticket_id)


def record_references(ticket: Ticket, references: list[str]) -> None:
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
