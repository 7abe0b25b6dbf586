"""Answering customers: render a template, record the reply on the ticket, queue the mail."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tix import messages as msg
from tix.domain import commits
from tix.errors import InvalidValue
from tix.mail.outbox import outbox_name, send_outbox
from tix.mail.templates import available, render, source, split
from tix.mail.transport import SendReport
from tix.services.desk import Desk, run_editor
from tix.services.outgoing import Articles, Reply, apply, context, prepare
from tix.storage.files import read_text, write_atomic
from tix.storage.refs import resolve as resolve_ref


def reply(
    desk: Desk, ticket_ref: str, template: str | None = None, message: str | None = None,
    edit: bool = False, status: str | None = None, preview: bool = False, kb: list[str] | None = None,
) -> Reply:  # fmt: skip
    """`tix reply`: render, optionally edit, then record and queue (or only preview). Each `kb`
    article's text follows the message, in the customer's language (services/outgoing.Articles)."""
    hd = desk.hd
    agent = desk.actor
    ticket = hd.load(resolve_ref(hd, ticket_ref))
    name = template or "blank"
    if template is None and not message and not edit and not kb:
        raise InvalidValue(msg.reply_what_to_send())
    articles = Articles(desk, ticket)
    text = "\n\n".join([part for part in [(message or "").strip("\n"), *(articles.text(a).strip("\n") for a in kb or [])] if part])
    rendered = render(hd.root, name, {**context(desk, ticket, agent, text), **articles.template_functions()})
    if edit:
        draft = hd.state_dir / "edit" / f"reply-{ticket.id}.txt"
        write_atomic(draft, f"Subject: {rendered.subject}\n\n{rendered.body}")
        run_editor(None, draft)
        rendered = split(name, read_text(draft))
    if not rendered.body.strip():
        raise InvalidValue(msg.reply_empty())
    target_status = desk.check_status(status or desk.config.settings.mail.reply_status)
    result = prepare(desk, ticket, rendered, agent)
    result.notes = articles.notes
    if articles.used:
        result.entry.extra["kb"] = list(articles.used)
    if preview:
        return result
    with hd.locked():
        desk.take_up_hand_edit(ticket.id)  # a hand edit is never swept into the reply's commit (issue 18 #8)
        fresh = hd.load(ticket.id)
        result.ticket = fresh
        result.summary = apply(desk, result, target_status)
        if articles.used:  # which articles answered the ticket (issue 15: tickets answered with article X)
            known = [str(a) for a in fresh.extra.get("kb") or [] if isinstance(a, str)]
            fresh.extra["kb"] = known + [a for a in articles.used if a not in known]
            result.summary = msg.change_summary([result.summary, msg.kb_used(articles.used)])
        for relpath, data in result.outbox.items():
            write_atomic(hd.root / relpath, data)
        path = hd.save(fresh)
        paths = [path, *result.outbox]
        result.commit = hd.git.commit(paths, commits.commit_message(fresh.id, "reply", result.summary), agent, fresh.updated)
    return result


@dataclass
class Answer:
    reply: Reply
    delivery: SendReport | None = None  # when sent at once


def answer(
    desk: Desk, ticket_ref: str, template: str | None = None, message: str | None = None,
    edit: bool = False, status: str | None = None, preview: bool = False, send: bool = False, kb: list[str] | None = None,
) -> Answer:  # fmt: skip
    """`tix reply`: the reply (see `reply`), delivered at once when `send` (and not a preview)."""
    result = reply(desk, ticket_ref, template, message, edit, status, preview, kb)
    if preview or not send:
        return Answer(result)
    return Answer(result, send_outbox(desk, [outbox_name(result.ticket.id, result.entry.id)]))


@dataclass
class Template:
    name: str
    first_line: str  # its subject line


def templates(root: Path) -> list[Template]:
    """`tix templates`: the reply templates there are, each with its first line."""
    return [Template(name, source(root, name).partition("\n")[0]) for name in available(root)]
