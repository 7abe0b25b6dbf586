"""Automatic mail to the customer besides replies (issue 17): the status notice a transition sends
(`notify.STATUS` in tix.yaml), the rating question any template can ask (`ask_rating()`), the
answer to "what is the status of my case?" — and the rules every one of them obeys: never for
spam, robots, duplicates or merged stubs, never to our own or a no-reply address, at most
autoack.limit automatic mails per address per window (so two helpdesks' robots cannot loop).

Shared by the ticket use cases (tickets.py) and the importer (intake.py), like outgoing.py.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from tix import messages as msg
from tix.domain import csat
from tix.domain.model import Ticket
from tix.domain.sla import SlaState
from tix.mail.compose import sender, ticket_tag
from tix.mail.templates import render
from tix.services import outgoing
from tix.services.desk import Desk
from tix.storage.ledger import Ledger
from tix.storage.secret import load_secret

CSAT_SECRET_ENV = "TIX_CSAT_SECRET"


def rating_key(desk: Desk) -> bytes:
    """The key rating tokens are signed with: TIX_CSAT_SECRET when set (kept outside the repository:
    a reader of the repository cannot forge a rating, but every clone that imports mail needs it),
    else one derived from the repository's `.tix/secret` (every clone agrees with no set-up; anyone
    who can read the repository could sign a rating — but could edit the ticket file as well).
    docs/TEMPLATES.md, "Notices and ratings", weighs the two."""
    given = os.environ.get(CSAT_SECRET_ENV, "").strip()
    return csat.key(given.encode() if given else load_secret(desk.hd.root)[0])


def may_mail(desk: Desk, ticket: Ticket, ledger: Ledger) -> bool:
    """Whether automatic mail may go to this ticket's customer now."""
    from tix.mail.parse import NO_REPLY

    if csat.should_skip(ticket.tags, ticket.extra):
        return False
    address = ticket.requester.email.lower()
    settings = desk.config.settings
    if not address or address in settings.own_addresses() or address in settings.team_addresses():
        return False
    if address.endswith("@invalid") or NO_REPLY.match(address):
        return False
    window = timedelta(hours=settings.autoack.window_hours)
    return ledger.recent_autoacks(address, (desk.now() - window).isoformat()) < settings.autoack.limit


class Asking:
    """`ask_rating()` for a template: the three mailto: links (good, okay, bad), each opening a reply
    whose subject carries the ticket tag and a signed token. Calling it marks the mail as a rating
    request, which is what a bare "1" replying to it is checked against."""

    def __init__(self, desk: Desk, ticket: Ticket) -> None:
        self.desk, self.ticket = desk, ticket
        self.asked = False

    def __call__(self) -> dict[str, str]:
        self.asked = True
        config = self.desk.config
        address = sender(config).email
        subject = f"Re: {self.ticket.subject} {ticket_tag(config, self.ticket.id)}"
        key = rating_key(self.desk)
        return {label: csat.mailto(address, subject, key, self.ticket.id, score) for score, label in csat.SCORES.items()}


def case_context(desk: Desk, ticket: Ticket) -> dict[str, Any]:
    """What a notice or the status answer says about the case: `case.status`, `case.owner` (first
    name), `case.due` (the resolution due time, readable, in the helpdesk's timezone)."""
    config = desk.config
    owner = ""
    if ticket.owner:
        handle = config.settings.handle_of(ticket.owner)
        member = config.settings.team.get(handle or "")
        owner = ((member.name if member else "") or (handle or "")).split(" ")[0] if (member or handle) else ""
    due = SlaState(ticket).resolution_due
    shown = due.astimezone(config.timezone).strftime("%Y-%m-%d %H:%M") if due else ""
    return {"status": ticket.status, "group": config.status_group(ticket.status) or "", "owner": owner, "due": shown}


def automatic_mail(desk: Desk, ticket: Ticket, template: str, index: Any = None) -> outgoing.Reply:
    """A template rendered for the customer in their language and prepared as automatic mail
    (not yet applied): the notice entry records its template and whether it asked for a rating."""
    agent = sender(desk.config)
    asking = Asking(desk, ticket)
    context = {**outgoing.context(desk, ticket, agent, index=index), "case": case_context(desk, ticket), "ask_rating": asking}
    rendered = render(desk.hd.root, template, context, outgoing.customer_language(desk, ticket, index))
    reply = outgoing.prepare(desk, ticket, rendered, agent, automatic=True)
    if asking.asked:
        reply.entry.extra["csat_asked"] = True
    return reply


def on_transition(desk: Desk, ticket: Ticket, old_status: str) -> tuple[str, dict[str, bytes]] | None:
    """The notice of a ticket that moved from `old_status` into its status, added to it (under the
    caller's lock, before its commit): (the change summary's part, the outbox files), or None when no
    notice is configured for the status or none may go (see the module)."""
    template = desk.config.settings.notify.get(ticket.status)
    if not template or ticket.status == old_status:
        return None
    ledger = Ledger(desk.hd)
    try:
        if not may_mail(desk, ticket, ledger):
            return None
        reply = automatic_mail(desk, ticket, template)
        reply.entry.extra["notice"] = ticket.status
        outgoing.apply(desk, reply, None)
        ledger.note_autoack(ticket.requester.email.lower(), desk.now().isoformat())
    finally:
        ledger.close()
    return msg.notice_queued(ticket.status, template, reply.entry.extra.get("csat_asked", False)), reply.outbox
