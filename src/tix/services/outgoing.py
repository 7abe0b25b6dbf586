"""A reply entry and its mail, built for a ticket: what a template sees, the signed entry, the
queued message, and the ticket's change. Shared by `tix reply` (services/replies.py) and the
importer's acknowledgements (services/intake.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tix import messages as msg
from tix.domain import identities, ids
from tix.domain.model import Entry, Person, Ticket
from tix.domain.sla import SlaState
from tix.errors import InvalidValue, TixError
from tix.mail.compose import compose, ticket_tag
from tix.mail.outbox import queue_files
from tix.mail.templates import Rendered
from tix.services.desk import Desk
from tix.storage.people import display_name
from tix.storage.secret import SECRET_PATH, load_secret

if TYPE_CHECKING:
    from tix.storage.kb import Library


@dataclass
class Reply:
    ticket: Ticket
    entry: Entry
    raw: bytes  # the RFC 5322 message
    outbox: dict[str, bytes]  # files to write (relative path -> content)
    summary: str = ""
    commit: str | None = None
    notes: list[str] = field(default_factory=list)  # for the agent (stderr): e.g. an article sent in another language


def context(desk: Desk, ticket: Ticket, agent: Person, message: str = "", index: Any = None,
            kb_suggestions: list[dict[str, str]] | None = None) -> dict[str, Any]:  # fmt: skip
    """What a template sees: plain data only (no objects with methods to call). `kb_suggestions`
    (see `kb_suggestions()`) is given by the acknowledgement with autoack.suggest_kb; every other
    mail sees an empty list, so one template can serve both."""
    config = desk.config
    settings = config.settings
    fields = {key: value for key, value in ticket.extra.items() if isinstance(key, str)}
    ticket_data = {**fields, **ticket.summary(), "tag": ticket_tag(config, ticket.id), "participants": list(ticket.participants)}
    handle = display_name(config, agent.email)
    member = settings.team.get(handle)
    name = (member.name if member else "") or agent.name
    signed = name or agent.email
    # automatic mail is signed by the helpdesk itself: its name once, not "Pomoc Firma\nPomoc Firma" (issue 18)
    default = signed if signed == settings.helpdesk.name or not settings.helpdesk.name else f"{signed}\n{settings.helpdesk.name}"
    signature = (member.signature if member else "") or default
    return {
        "ticket": ticket_data,
        "customer": {**ticket.requester.as_dict(), "tickets": _earlier_tickets(desk, ticket, index)},
        "agent": {"name": name, "email": agent.email, "signature": signature},
        "helpdesk": {"name": settings.helpdesk.name, "email": settings.helpdesk.email},
        "message": message,
        "kb_suggestions": list(kb_suggestions or []),
    }


def customer_language(desk: Desk, ticket: Ticket, index: Any = None) -> str:
    """The language to write to this ticket's customer in (issue 18 item 4): the ticket's `lang`
    field (set by hand or by a rule's `set: {lang: pl}`), else a guess from what the customer wrote,
    else the language of the requester's latest earlier ticket that has text, else helpdesk.language."""
    from tix.domain.kb import LANG, first_message, ticket_language

    given = ticket.extra.get("lang")
    if isinstance(given, str) and LANG.match(given):
        return given
    if first_message(ticket).strip():
        return ticket_language(ticket)
    for earlier in reversed(_earlier_tickets(desk, ticket, index)):
        try:
            other = desk.hd.load(str(earlier["id"]))
        except TixError:  # a broken earlier ticket only means no hint from it
            continue
        if first_message(other).strip() or isinstance(other.extra.get("lang"), str):
            return ticket_language(other)
    return desk.config.settings.helpdesk.language


def kb_suggestions(desk: Desk, ticket: Ticket, library: Library) -> list[dict[str, str]]:
    """The public articles that answer a new ticket well enough to link in its acknowledgement
    (autoack.suggest_kb, issue 15), best first: ranked as `tix kb suggest` ranks them (storage/kb.rank
    over the subject and first message, stop words left out), but only public versions, each in the
    customer's language else helpdesk.language, and only the few storage/kb.good_enough keeps. Each
    is `id`, `lang`, `title` and `url` (its published page, kb_link's; '' without kb.base_url)."""
    from tix.domain.kb import first_message, meaningful, page_url, ticket_language
    from tix.storage.kb import good_enough, rank, suggestion_candidates

    settings = desk.config.settings
    candidates = suggestion_candidates(library, ticket_language(ticket), settings.helpdesk.language, for_customers=True)
    text = f"{ticket.subject}\n{first_message(ticket)}"
    hits = good_enough(rank(desk.hd.state_dir, library, candidates, text, None, meaningful, snippets=False))
    base = settings.kb_base_url
    return [{"id": hit.article.id, "lang": hit.article.lang, "title": hit.article.title,
             "url": page_url(base, hit.article) if base else ""} for hit in hits]  # fmt: skip


def _earlier_tickets(desk: Desk, ticket: Ticket, index: Any = None) -> list[dict[str, Any]]:
    from tix.storage.index import Index

    if index is None:
        with Index.current(desk.hd) as fresh:
            rows = fresh.tickets_of(ticket.requester.email)
    else:
        rows = index.tickets_of(ticket.requester.email)
    mine = [r for r in rows if r["id"] != ticket.id]
    return [{"id": r["id"], "subject": r["subject"], "status": r["status"], "created": r["created"]}
            for r in sorted(mine, key=lambda r: r["created"])]  # fmt: skip


def prepare(desk: Desk, ticket: Ticket, rendered: Rendered, agent: Person, automatic: bool = False) -> Reply:
    """The reply entry and its message, not yet saved anywhere."""
    config = desk.config
    entry_id = ids.random_id()
    domain = (config.settings.mail.sender or config.settings.helpdesk.email or "tix.invalid").rpartition("@")[2].strip(">")
    now = desk.now()
    secret, new_secret = load_secret(desk.hd.root)
    entry = Entry(entry_id, "reply", str(agent), now, rendered.body.rstrip("\n"),
                  identities.make(secret, ticket.id, entry_id, config.instance, domain),
                  {"subject": rendered.subject, "to": [str(ticket.requester)], "template": rendered.template})  # fmt: skip
    if automatic:
        entry.extra["automatic"] = True
    message = compose(config, ticket, entry, rendered.subject, automatic)
    entry.extra["subject"] = str(message["Subject"])
    outbox = queue_files(ticket, entry, message, now, desk.hd.clone_id)
    if new_secret is not None:  # the first signed Message-ID: the secret is committed with it
        outbox[SECRET_PATH] = new_secret
    return Reply(ticket, entry, bytes(message), outbox)


def apply(desk: Desk, reply: Reply, status: str | None) -> str:
    """Add the reply to its ticket and move its status; returns the change summary. The
    first-response time is written when the mail is delivered (mailout.record_delivery)."""
    ticket, entry = reply.ticket, reply.entry
    first = not any(e.kind == "reply" and not e.extra.get("automatic") for e in ticket.entries)
    ticket.entries.append(entry)
    ticket.message_ids.append(entry.message_id or "")
    ticket.updated = entry.time
    parts = [msg.reply_added()]
    if not entry.extra.get("automatic"):  # until delivered, it neither answers nor pauses (mailout.record_delivery)
        state = SlaState(ticket)
        state.undelivered = [*state.undelivered, entry.id]
        if first and state.first_response is None:
            parts.append(msg.first_response_once_delivered())
    if status and status != ticket.status:
        parts.append(msg.changed("status", ticket.status, status))
        before = (ticket.status, ticket.priority)
        ticket.status = status
        desk.update_clocks(ticket, before)
    return msg.change_summary(parts)


class Articles:
    """Knowledge-base articles for one mail to a ticket's customer (issue 15): `tix reply --kb`, and
    `kb("id")` / `kb_link("id")` in a template. Each is the public version in the customer's
    language (domain/kb.ticket_language), else in helpdesk.language, saying so in `notes`; an
    internal, draft or archived article never goes out. `used` lists the ids, for the ticket's `kb:`."""

    def __init__(self, desk: Desk, ticket: Ticket) -> None:
        from tix.domain.kb import ticket_language

        self.hd = desk.hd
        self.lang = ticket_language(ticket)
        self.default = desk.config.settings.helpdesk.language
        self.base_url = desk.config.settings.kb_base_url
        self._library: Library | None = None
        self.used: list[str] = []
        self.notes: list[str] = []

    @property
    def library(self) -> Library:
        if self._library is None:
            from tix.storage.kb import load

            self._library = load(self.hd.root)
        return self._library

    def _pick(self, article_id: str) -> Any:
        from tix.domain.kb import pick_for_customer

        article_id = str(article_id)
        versions = self.library.versions(article_id)
        if not versions:
            raise InvalidValue(self.library.unknown(article_id))
        article, fell_back = pick_for_customer(versions, self.lang, self.default)
        if article is None:
            raise InvalidValue(msg.kb_not_for_customers(article_id, {lang: a.visibility for lang, a in sorted(versions.items())}))
        if fell_back:
            note = msg.kb_fell_back(article_id, self.lang, article.lang)
            if note not in self.notes:
                self.notes.append(note)
        if article_id not in self.used:
            self.used.append(article_id)
        return article

    def text(self, article_id: str) -> str:
        """The article's Markdown text (what `kb("id")` gives a template)."""
        return str(self._pick(article_id).body)

    def link(self, article_id: str) -> str:
        """The published page of the article (`kb_link("id")`): kb.base_url/LANG/ID.html."""
        if not self.base_url:
            raise InvalidValue(msg.kb_no_base_url())
        from tix.domain.kb import page_url

        return page_url(self.base_url, self._pick(article_id))

    def template_functions(self) -> dict[str, Any]:
        return {"kb": self.text, "kb_link": self.link}
