"""The commit-message convention (docs/FORMAT.md): a subject line "tix: SUMMARY", then
machine-readable trailers: one `Tix-Ticket:` per ticket the commit is about, and its
`Tix-Action:`. `tix log` reads the trailers (storage/history.py); the wording of the
summaries is in tix.messages."""

from __future__ import annotations

from collections.abc import Iterable


def message(summary: str, action: str, tickets: Iterable[str] = (), body: str = "") -> str:
    """"tix: SUMMARY", then `body` as a paragraph of its own when given, then the trailers."""
    paragraph = f"{body}\n\n" if body else ""
    return f"tix: {summary}\n\n{paragraph}{ticket_trailers(tickets)}Tix-Action: {action}\n"


def ticket_trailers(ticket_ids: Iterable[str]) -> str:
    """A `Tix-Ticket:` trailer line for each ticket, in the order given."""
    return "".join(f"Tix-Ticket: {ticket_id}\n" for ticket_id in ticket_ids)


def commit_message(ticket_id: str, action: str, summary: str) -> str:
    """A change to one ticket: "tix: ID SUMMARY", with the ticket and the action as trailers."""
    return message(f"{ticket_id} {summary}", action, [ticket_id])


def article_message(article_id: str, action: str, summary: str) -> str:
    """A change to one knowledge-base article (all its languages): "tix: kb ID SUMMARY", with
    the article as a `Tix-Article:` trailer and the action (kb-new, kb-edit, kb-archive)."""
    return f"tix: kb {article_id} {summary}\n\nTix-Article: {article_id}\nTix-Action: {action}\n"
