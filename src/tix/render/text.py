"""Rendering for people (tables, ticket text, the audit trail) and for scripts (JSON, CSV).

Colour only when stdout is a terminal and NO_COLOR is unset, or when forced (render/terminal.py); JSON keys are stable. The labels
of a layout (the table's headers, the field names of `tix show`) are part of it and stay here;
the sentences and marks among them come from tix.messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, tzinfo

from tix import messages as msg
from tix.domain.patterns import lazy

TYPE_CHECKING = False  # as typing's, without importing typing (3 ms; tests/test_startup_imports.py)
if TYPE_CHECKING:
    from typing import Any

    from tix.storage.history import Event

CSV_COLUMNS = (
    "id", "subject", "status", "owner", "priority", "category", "tags", "queue", "channel",
    "requester_name", "requester_email", "created", "updated",
)  # fmt: skip
_COLOURS = {"red": "31", "yellow": "33", "green": "32", "dim": "2", "bold": "1", "cyan": "36"}
_PRIORITY_COLOUR = {0: "red", 1: "yellow"}


# What a terminal would obey instead of show: C0 controls but tab and line feed, DEL, C1
# controls (\x9b is CSI on 8-bit terminals), and bidi overrides/isolates that reorder text.
# Every one of them is a character str.isprintable() refuses, so text it accepts once line feeds
# and tabs are set aside (most of it) is returned as it is, without the search (and without
# compiling it: 0.5 ms of `tix show`).
_UNSAFE = lazy("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def _visible(match: re.Match[str]) -> str:
    char = match.group(0)
    return f"^{chr(ord(char) + 64)}" if ord(char) < 0x20 else f"<U+{ord(char):04X}>"


def printable(value: Any) -> Any:
    """Customer text made safe to print on a terminal: escape sequences (colour, cursor moves,
    OSC 52 clipboard writes) and bidi controls are shown as visible marks, never obeyed.
    Strings inside dicts and lists too; the files keep the bytes as they came."""
    if isinstance(value, str):
        if value.isprintable() or value.replace("\n", " ").replace("\t", " ").isprintable():  # a body: lines
            return value
        return _UNSAFE.sub(_visible, value)
    if isinstance(value, dict):
        return {key: printable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(printable(item) for item in value)
    return value


def use_colour() -> bool:
    """--color, NO_COLOR, CLICOLOR_FORCE, a terminal (render/terminal.py)."""
    from tix.render.terminal import use_colour as allowed

    return allowed()


def paint(text: str, colour: str | None, enabled: bool) -> str:
    if not enabled or not colour:
        return text
    return f"\x1b[{_COLOURS[colour]}m{text}\x1b[0m"


def _json_value(value: Any) -> str:
    """Times as ISO 8601 (with the T), anything else YAML may hold as text."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


_JSON_UNSAFE = lazy("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def _json_escape(text: str) -> str:
    """JSON escapes C0 controls itself; the rest a terminal would obey become \\uXXXX: the
    same data for a script, nothing for a terminal to act on."""
    if text.isascii() and "\x7f" not in text:  # every unsafe character is DEL or above ASCII
        return text
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def to_json(data: Any) -> str:
    import json

    return _json_escape(json.dumps(data, ensure_ascii=False, indent=2, default=_json_value))


def json_rows(rows: list[dict[str, Any]]) -> str:
    """A JSON array with one compact object per line: valid JSON, greppable, and fast to write."""
    if not rows:
        return "[]"
    import json

    encode = json.JSONEncoder(ensure_ascii=False, default=_json_value).encode  # as json.dumps, made once, not per row
    return _json_escape("[\n" + ",\n".join(encode(row) for row in rows) + "\n]")


def short_time(iso: str, tz: tzinfo | None = None) -> str:
    try:
        moment = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return str(printable(iso))  # a hand-made or hostile file's time: shown as it is, never a traceback
    return (moment.astimezone(tz) if tz else moment).strftime("%Y-%m-%d %H:%M")


def long_time(value: Any, tz: tzinfo | None = None) -> str:
    """A time for people in `tix show`: in the helpdesk's timezone, to the minute, with the zone's
    name (2026-12-03 12:56 CET)."""
    moment = value if isinstance(value, datetime) else None
    if moment is None:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return str(printable(value))
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    return (moment.astimezone(tz) if tz else moment).strftime("%Y-%m-%d %H:%M %Z").rstrip()


def label(key: str) -> str:
    """A front-matter key as words: first_response_due → First response due."""
    words = key.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def human(value: Any, tz: tzinfo | None = None, empty: str = "-") -> str:
    """Any value a file or the configuration may hold, for people: lists as `a, b`, mappings as
    `key: value; key: value`, times as in `long_time`, yes/no — never a Python repr."""
    if value is None or value == "" or value == [] or value == {}:
        return empty
    if isinstance(value, bool):
        return msg.yes_no(value)
    if isinstance(value, datetime):
        return long_time(value, tz)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {human(item, tz)}" for key, item in value.items())
    if isinstance(value, (list, tuple, set)):
        return ", ".join(human(item, tz) for item in value)
    return str(value)


def table(rows: list[dict[str, Any]], priorities: list[str], owner_name: Callable[[str | None], str], tz: tzinfo | None = None) -> str:
    """The `tix list` table, as wide as the terminal (render/terminal.py): the subject is cut to
    fit, and on a narrow one the columns that matter least go first (requester, due, owner)."""
    from tix.render.terminal import width as terminal_width

    colour = use_colour()
    rows = printable(rows)
    headers = ["ID", "STATUS", "PRIORITY", "OWNER", "DUE", "REQUESTER", "SUBJECT"]
    cells = [
        [
            row["id"],
            row["status"],
            row["priority"],
            owner_name(row["owner"]) or "-",
            short_time(row["due"], tz) if row.get("due") else "-",
            row["requester"]["name"] or row["requester"]["email"],
            row["subject"],
        ]
        for row in rows
    ]
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(headers[:-1])]
    widths[5] = min(widths[5], 24)
    total = terminal_width()
    shown = list(range(len(widths)))  # the columns before the subject that are kept
    if total is not None:
        for dropped in (5, 4, 3, 2, 1):  # requester, due, owner, priority, status
            if sum(widths[i] + 2 for i in shown) + MIN_SUBJECT <= total:
                break
            shown.remove(dropped)
    subject_width = max(MIN_SUBJECT, total - sum(widths[i] + 2 for i in shown)) if total is not None else None
    lines = ["  ".join([headers[i].ljust(widths[i]) for i in shown] + ["SUBJECT"])]
    for row, cell in zip(rows, cells, strict=True):
        parts = {i: _fit(cell[i], widths[i]).ljust(widths[i]) for i in shown}
        rank = priorities.index(row["priority"]) if row["priority"] in priorities else None
        paints = {0: "bold", 2: _PRIORITY_COLOUR.get(rank) if rank is not None else None,
                  4: {"breached": "red", "near": "yellow"}.get(row.get("sla") or "")}  # fmt: skip
        subject = cell[-1] if subject_width is None else _fit(cell[-1], subject_width)
        lines.append("  ".join([paint(parts[i], paints.get(i), colour) for i in shown] + [subject]))
    return "\n".join(lines if total is None else [lines[0][:total].rstrip(), *lines[1:]])


MIN_SUBJECT = 10  # the subject's columns on the narrowest terminal


def ticket_line(ticket_id: str, rest: str, width: int | None, colour: bool) -> str:
    """A line that starts with a ticket's ID (in bold), cut to the terminal's `width`."""
    line = ticket_id + rest if width is None else _fit(ticket_id + rest, width)
    return paint(line[: len(ticket_id)], "bold", colour) + line[len(ticket_id) :]


NARROW = 72  # a terminal narrower than this gets the short form of a ticket's line


def wrap(lines: list[str], width: int | None) -> list[str]:
    """Lines of text wrapped at `width` (words kept whole, the rest indented); None: as they are."""
    if width is None or all(len(line) <= width for line in lines):
        return lines
    import textwrap

    wrapped: list[str] = []
    for line in lines:
        wrapped += textwrap.wrap(line, width, subsequent_indent="  ", break_on_hyphens=False) or [""]
    return wrapped


def cut(line: str, width: int | None) -> str:
    """A line of plain text cut to `width` (None: as it is)."""
    return line if width is None else _fit(line, width)


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def csv_text(rows: list[dict[str, Any]]) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in printable(rows):
        flat = dict(row, tags=" ".join(row["tags"]), requester_name=row["requester"]["name"],
                    requester_email=row["requester"]["email"])  # fmt: skip
        writer.writerow([flat[column] or "" for column in CSV_COLUMNS])
    return buffer.getvalue().rstrip("\n")


def ticket_text(details: dict[str, Any], owner_name: Callable[[str | None], str], tz: tzinfo | None = None) -> str:
    colour = use_colour()
    details = printable(details)
    requester = details["requester"]
    who = f"{requester['name']} <{requester['email']}>" if requester["name"] else requester["email"]
    fields = [
        ("Status", details["status"]),
        ("Priority", details["priority"]),
        ("Owner", owner_name(details["owner"]) or "-"),
        ("Requester", who),
        ("Queue", details["queue"] or "-"),
        ("Category", details["category"] or "-"),
        ("Tags", ", ".join(details["tags"]) or "-"),
        ("Channel", details["channel"]),
        ("Created", long_time(details["created"], tz)),
        ("Updated", long_time(details["updated"], tz)),
    ]
    custom = [(label(key), human(value, tz)) for key, value in details["fields"].items()]
    width = max((len(name) for name, _ in custom), default=0) + 1  # the custom fields aligned among themselves
    lines = [paint(f"{details['id']}  {details['subject']}", "bold", colour)]
    lines += [f"{name + ':':<10} {value}" for name, value in fields]
    lines += [f"{name + ':':<{width}} {value}" for name, value in custom]
    if details.get("links"):
        lines.append(msg.ops_links_line([f"{msg.ops_link_label(link['kind'])} {link['ticket']}" for link in details["links"]]))
    if details.get("merged_into"):
        lines.append(msg.ops_merged_into_line(details["merged_into"]))
    if details.get("csat"):  # the customer's rating (issue 17)
        rating = details["csat"]
        said = msg.show_rating(str(rating.get("score")), short_time(str(rating.get("at")), tz), str(rating.get("comment") or ""))
        lines.append(f"{'Rating:':<10} {said}")
    from tix.storage.ticketfile import HEADINGS

    for entry in details["entries"]:
        heading = f"── {HEADINGS.get(entry['kind'], entry['kind'])} {entry['author']} · {short_time(entry['time'], tz)}"
        if entry.get("robot"):
            heading += f" [{entry['robot']}]"
        if entry.get("own"):
            heading += f" [{msg.ticket_own_mail()}]"
        if entry.get("delivery"):
            heading += " · " + _delivery_text(entry["delivery"])
        if entry.get("files"):
            heading += " · " + msg.ticket_files(entry["files"])
        lines += ["", paint(heading, "yellow" if entry["kind"] == "note" else "cyan", colour)]
        if entry["text"]:
            lines += ["", entry["text"]]
    return "\n".join(lines)


def _delivery_text(delivery: dict[str, Any]) -> str:
    since = short_time(delivery["since"]) if delivery.get("since") else "?"
    return msg.delivery_state(str(delivery["state"]), since, delivery.get("error"))


def _value(value: Any) -> str:
    return human(value, empty=msg.no_value())


def printable_event(event: Event) -> Event:
    import dataclasses

    return dataclasses.replace(event, **{f.name: printable(getattr(event, f.name)) for f in dataclasses.fields(event)
                                         if isinstance(getattr(event, f.name), (str, list, dict))})  # fmt: skip


def log_text(events: list[Event], show_ticket: bool, tz: tzinfo | None = None) -> str:
    """The audit trail; on a terminal narrower than NARROW, the author without the address and
    the lines wrapped to fit."""
    from tix.render.terminal import width as terminal_width

    colour, width = use_colour(), terminal_width()
    narrow = width is not None and width < NARROW
    blocks = []
    for event in events:
        event = printable_event(event)
        who = event.author.name if event.author.name and narrow else (
            f"{event.author.name} <{event.author.email}>" if event.author.name else event.author.email)  # fmt: skip
        head = f"{short_time(event.time, tz)}  {who}  "
        if narrow:  # plain words, wrapped: colour codes would count as columns
            lines = wrap([head + (f"{event.ticket}  " if show_ticket else "") + f"{event.action}  {event.commit[:10]}"], width)
        else:
            if show_ticket:
                head += paint(event.ticket, "bold", colour) + "  "
            lines = [head + paint(event.action, "cyan", colour) + paint(f"  {event.commit[:10]}", "dim", colour)]
        lines += [msg.trail_change(c.field, _value(c.old), _value(c.new)) for c in event.changes]
        lines += [msg.trail_entry(e["kind"], e["author"], "added") for e in event.entries_added]
        lines += [msg.trail_entry(e["kind"], e["author"], "edited") for e in event.entries_edited]
        lines += [msg.trail_entry(e["kind"], e["author"], "removed") for e in event.entries_removed]
        if event.problem:
            lines.append(f"    ! {event.problem}")
        blocks.append("\n".join(lines[:1] + wrap(lines[1:], width) if narrow else lines))
    return "\n".join(blocks)
