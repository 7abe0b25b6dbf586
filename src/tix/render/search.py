"""What `tix search`, `tix customer` and `tix views` print, and the other tickets under `tix show`."""

from __future__ import annotations

from datetime import timedelta

from tix import messages as msg
from tix.domain.patterns import lazy
from tix.render import text
from tix.render.printout import Printout

TYPE_CHECKING = False  # as typing's, without importing typing (3 ms; tests/test_startup_imports.py)
if TYPE_CHECKING:
    from tix.services.search import History, SearchResult
    from tix.storage.config import Config
    from tix.storage.rows import TicketRow

_HIGHLIGHT = lazy(r"\*\*(.+?)\*\*")


def search_result(result: SearchResult, format: str, config: Config, limited: bool) -> Printout:
    from tix.storage.people import display_name

    printout = Printout()
    for broken in result.broken:
        printout.warn(msg.ticket_file_broken(broken.path, broken.error.removeprefix(broken.path + ": ")))
    rows = [hit.as_dict() for hit in result.hits]
    if format == "json":
        printout.out(text.json_rows(rows))
        return printout
    if format == "csv":
        printout.out(_csv(rows))
        return printout
    if not rows:
        printout.err(msg.no_tickets_match())
        return printout
    from tix.render.terminal import width as terminal_width

    colour, width = text.use_colour(), terminal_width()
    for hit in text.printable(rows):
        status = hit["status"] if not hit["closed"] or hit["status"] == "closed" else f"{hit['status']} ({msg.customer_closed_mark()})"
        who = hit["requester"]["name"] or hit["requester"]["email"]
        owner = display_name(config, hit["owner"]) or "-"
        rest = f"  {status:<8}  {owner:<12}  {text.short_time(hit['created'], config.timezone)}  {who}  {hit['subject']}"
        if width is not None and width < text.NARROW:
            rest = f"  {status}  {hit['subject']}"
        head = text.ticket_line(hit["id"], rest, width, colour)
        snippet = text.cut(hit["snippet"], None if width is None else max(width - 4, 10))
        if snippet.count("**") % 2:  # a highlight cut in the middle
            snippet += "**"
        snippet = _HIGHLIGHT.sub(lambda m: text.paint(m.group(1), "bold", True), snippet) if colour else snippet
        printout.out(head)
        if snippet:
            printout.out("    " + snippet)
    if limited and result.total > len(rows):
        printout.err(msg.search_count(len(rows), result.total))
    return printout


def _csv(rows: list[dict[str, object]]) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns = (*text.CSV_COLUMNS, "closed", "score", "snippet")
    writer.writerow(columns)
    for row in text.printable(rows):
        flat = dict(row, tags=" ".join(row["tags"]), requester_name=row["requester"]["name"], requester_email=row["requester"]["email"])
        writer.writerow(["" if flat[column] is None else flat[column] for column in columns])
    return buffer.getvalue().rstrip("\n")


def duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def history(found: History, format: str, config: Config) -> Printout:
    from tix.storage.people import display_name

    printout = Printout()
    if format == "json":
        printout.out(text.to_json(found.as_dict()))
        return printout
    if not found.items:
        printout.err(msg.no_customer_tickets(found.who))
        printout.code = 1
        return printout
    from tix.render.terminal import width as terminal_width

    colour, width = text.use_colour(), terminal_width()
    tz = config.timezone
    who = found.who if not found.domain else f"@{found.who}"
    lines = [msg.customer_heading(who, len(found.items), found.open_count)]
    if found.domain or len(found.addresses) > 1:
        lines.append("  " + ", ".join(found.addresses))
    if found.first_contact and found.last_contact:
        lines.append(msg.customer_contacts(found.first_contact.strftime("%Y-%m-%d"), found.last_contact.strftime("%Y-%m-%d")))
    median = found.median_first_response
    lines.append(msg.customer_median_response(duration(median)) if median is not None else msg.customer_no_response())
    lines += ["", msg.customer_months(), "  " + "  ".join(f"{month[2:]}:{n}" for month, n in found.months), ""]
    lines = text.wrap(lines, width)
    lines[0] = text.paint(lines[0], "bold", colour)
    for item in text.printable([item.as_dict() for item in found.items]):
        ended = f"{item['status']} {text.short_time(item['updated'], tz)}" if item["closed"] else item["status"]
        requester = f"  {item['requester']['email']}" if found.domain else ""
        owner = display_name(config, item["owner"]) or "-"
        when = text.short_time(item["created"], tz)
        rest = f"  {when}  {ended:<24}  {owner:<12}{requester}  {item['subject']}"
        if width is not None and width < text.NARROW:
            rest = f"  {ended}  {item['subject']}"
        lines.append(text.ticket_line(item["id"], rest, width, colour))
    printout.out("\n".join(lines))
    return printout


def other_tickets(rows: list[TicketRow], closed: list[str], config: Config) -> str:
    """The lines under `tix show`: the requester's other open tickets and their last closed ones."""
    if not rows:
        return ""
    shown = text.printable([row.as_dict() for row in rows])
    closed_count = sum(row["status"] in closed for row in shown)
    lines = ["", msg.other_tickets_heading(len(shown) - closed_count, closed_count)]
    lines += [f"  {row['id']}  {row['status']:<8}  {text.short_time(row['created'], config.timezone)}  {row['subject']}" for row in shown]
    return "\n".join(lines)


def views(found: dict[str, str], format: str) -> Printout:
    printout = Printout()
    if format == "json":
        printout.out(text.to_json(found))
    elif found:
        width = max(len(name) for name in found) + 1
        printout.out("\n".join(f"@{name:<{width}} {query}" for name, query in text.printable(found).items()))
    else:
        printout.err(msg.no_views())
    return printout
