"""What the ticket commands print: a change, a ticket, a list, the audit trail."""

from __future__ import annotations

from tix import messages as msg
from tix.render import text
from tix.render.printout import Printout

TYPE_CHECKING = False  # as typing's, without importing typing (3 ms; tests/test_startup_imports.py)
if TYPE_CHECKING:
    from typing import Any

    from tix.services.desk import Change
    from tix.services.listing import Listing
    from tix.services.showing import Trail
    from tix.storage.config import Config


def change(done: Change, format: str = "text") -> str:
    """What a change did: a line, or as JSON the ticket as `tix list` gives it with `changed`
    (false: nothing to change), `summary` (the line's words) and `commit` (null: none made)."""
    if format == "json":
        return text.to_json(done.ticket.summary() | {"changed": bool(done.summary), "summary": done.summary, "commit": done.commit})
    return msg.change_done(done.ticket.id, done.summary or msg.nothing_to_change())


def created(done: Change, format: str) -> str:
    """`tix new`: the new ticket's ID; as JSON {id, subject, status, priority, owner, queue,
    category, tags, commit}."""
    if format != "json":
        return done.ticket.id
    t = done.ticket
    return text.to_json({"id": t.id, "subject": t.subject, "status": t.status, "priority": t.priority, "owner": t.owner,
                         "queue": t.queue, "category": t.category, "tags": list(t.tags), "commit": done.commit})  # fmt: skip


def ticket(details: dict[str, Any], format: str, config: Config) -> str:
    from tix.storage.people import display_name

    if format == "json":
        return text.to_json(details)
    return text.ticket_text(details, lambda email: display_name(config, email), config.timezone)


def listing(result: Listing, format: str, config: Config) -> Printout:
    from tix.storage.people import display_name

    printout = Printout()
    for broken in result.broken:
        printout.warn(msg.ticket_file_broken(broken.path, broken.error.removeprefix(broken.path + ": ")))
    for column, value, count, paths, known in result.unknown:
        problem = msg.filter_unknown_status(value, known) if column == "status" else msg.unknown_configured(column, value, known)
        printout.warn(msg.ticket_value_unknown(paths, count, problem))
    rows = [row.as_dict() for row in result.rows]
    if format == "json":
        printout.out(text.json_rows(rows))
    elif format == "csv":
        printout.out(text.csv_text(rows))
    elif rows:
        printout.out(text.table(rows, config.priorities, lambda email: display_name(config, email), config.timezone))
    else:
        printout.err(msg.no_tickets_match())
    return printout


def trail(found: Trail, format: str, config: Config) -> Printout:
    printout = Printout()
    if format == "json":
        printout.out(text.to_json([event.as_dict() for event in found.events]))
    elif found.events:
        printout.out(text.log_text(found.events, show_ticket=found.ticket is None, tz=config.timezone))
    else:
        printout.err(msg.no_history())
    return printout
