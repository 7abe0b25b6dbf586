"""The ticket file codec: YAML front-matter plus the conversation as Markdown.

Layout of a file (docs/FORMAT.md has the full description)::

    ---
    id: 4KX2QF7A
    subject: Printer on fire
    ...
    ---

    <!-- tix:entry {"id": "...", "kind": "inbound", "time": "...", "author": "..."} -->
    ### Message from Jan Kowalski <jan@example.pl> · 2026-11-22 10:15 +01:00

    The text, as written.

Writing is deterministic (fixed key order, unknown keys kept in their order), and any
text survives a round trip: body lines that look like an entry header are escaped with
a backslash (as mboxrd quotes "From " lines), and YAML strings with line breaks are
written double-quoted on one line.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

from tix import messages as msg
from tix.domain.model import Entry, Person, Ticket, one_line
from tix.domain.patterns import lazy
from tix.errors import TicketFormatError
from tix.storage import yamlsubset

TYPE_CHECKING = False  # as typing's, without importing typing (3 ms; tests/test_startup_imports.py)
if TYPE_CHECKING:
    from typing import Any

FIELD_ORDER = (
    "id", "subject", "status", "priority", "owner", "queue", "category", "tags",
    "channel", "requester", "participants", "created", "updated", "message_ids",
)  # fmt: skip
OPTIONAL_FIELDS = ("csat",)  # known fields written after FIELD_ORDER only when set (issue 17)
KNOWN_FIELDS = (*FIELD_ORDER, *OPTIONAL_FIELDS)
ENTRY_HEADER = "<!-- tix:entry "
ENTRY_HEADER_END = " -->"
# Lines of text that would read as ours, escaped with one more backslash in the file (and one
# less on reading): an entry header, and a Markdown heading ('### …' looks like an entry's
# heading in a Markdown viewer; issue 9 #24).
_ESCAPED_HEADER = lazy(r"^\\*(?:" + re.escape(ENTRY_HEADER) + r"|#{1,6}(?:[ \t]|$))")
_ENTRY_KEYS = ("id", "kind", "time", "author", "message_id")
HEADINGS = {"inbound": "Message from", "reply": "Reply by", "note": "Internal note by"}

# --- writing ---------------------------------------------------------------


def front_matter(ticket: Ticket) -> dict[str, Any]:
    """The front-matter as written: known fields in FIELD_ORDER, then unknown keys in their order."""
    meta: dict[str, Any] = {
        "id": ticket.id,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "owner": ticket.owner,
        "queue": ticket.queue,
        "category": ticket.category,
        "tags": list(ticket.tags),
        "channel": ticket.channel,
        "requester": ticket.requester.as_dict(),
        "participants": list(ticket.participants),
        "created": ticket.created,
        "updated": ticket.updated,
        "message_ids": list(ticket.message_ids),
    }
    if ticket.csat:  # written only once rated: files without a rating stay as they were
        meta["csat"] = dict(ticket.csat)
    for key, value in ticket.extra.items():
        meta.setdefault(key, value)
    return meta


def dumps(ticket: Ticket) -> str:
    meta = front_matter(ticket)
    written = yamlsubset.dump(meta)  # PyYAML's output, without importing it, for what tix writes
    if written is None:
        from tix.storage.yamlio import dump_yaml

        written = dump_yaml(meta)
    parts = ["---\n", written, "---\n"]
    if ticket.preamble:
        parts += ["\n", _escape(ticket.preamble), "\n"]
    for entry in ticket.entries:
        parts += ["\n", entry_header(entry), "\n", _heading(entry), "\n\n"]
        if entry.text:
            parts += [_escape(entry.text), "\n"]
    return "".join(parts)


def entry_header(entry: Entry) -> str:
    meta: dict[str, Any] = {"id": entry.id, "kind": entry.kind, "time": entry.time.isoformat(), "author": entry.author}
    if entry.message_id:
        meta["message_id"] = entry.message_id
    for key, value in entry.extra.items():
        meta.setdefault(key, value)
    encoded = json.dumps(meta, ensure_ascii=False, separators=(", ", ": "), default=str)
    # JSON never has '--' outside strings; inside them '\u002d' means the same and keeps
    # the HTML comment well-formed (a '-->' in a name would otherwise end it early).
    encoded = encoded.replace("--", "-\\u002d")
    for char in ("\u2028", "\u2029", "\x85"):
        encoded = encoded.replace(char, f"\\u{ord(char):04x}")
    return f"{ENTRY_HEADER}{encoded}{ENTRY_HEADER_END}"


def _heading(entry: Entry) -> str:
    label = HEADINGS.get(entry.kind, entry.kind.capitalize() + " by")
    when = entry.time.isoformat(sep=" ", timespec="minutes")
    return one_line(f"### {label} {entry.author} · {when}")


def _escape(text: str) -> str:
    return "\n".join("\\" + line if _ESCAPED_HEADER.match(line) else line for line in text.split("\n"))


def _unescape(line: str) -> str:
    return line[1:] if _ESCAPED_HEADER.match(line) and line.startswith("\\") else line


# --- reading ---------------------------------------------------------------


def loads(text: str, path: str = "<ticket>") -> Ticket:
    """Parse a ticket file; any problem raises TicketFormatError naming `path`."""
    meta, body, body_line = _split(text, path)
    try:
        ticket = _ticket_from_meta(meta, path)
    except (KeyError, TypeError, ValueError) as exc:
        raise TicketFormatError(path, msg.ticket_bad_front_matter(exc)) from None
    ticket.preamble, ticket.entries = _parse_body(body, path, body_line)
    folder = _FOLDER.search(path)
    if folder and folder.group(1) != ticket.id:
        # the id builds paths: one that differs from its folder is never trusted (issue 10 #2)
        raise TicketFormatError(path, msg.ticket_id_not_its_folder(ticket.id, folder.group(1)))
    return ticket


# python-frontmatter's YAML boundary (frontmatter.default_handlers.YAMLHandler.FM_BOUNDARY): tix's own
# files are split here without importing it (it imports PyYAML); tests/test_ticketfile.py holds the two equal.
_FM_BOUNDARY = lazy(r"^-{3,}\s*$", re.MULTILINE)


def _split(text: str, path: str) -> tuple[dict[str, Any], str, int]:
    """Front-matter and body (python-frontmatter's split), and the file line the body starts on.

    What tix writes is read by yamlsubset; anything else (a hand edit in YAML's other forms, a key
    given twice, broken YAML) by python-frontmatter and PyYAML, whose errors name the line."""
    text = text.lstrip("\ufeff")
    if _FM_BOUNDARY.match(text):
        parts = _FM_BOUNDARY.split(text, 2)
        if len(parts) == 3:
            meta = yamlsubset.load(parts[1])
            if isinstance(meta, dict):
                body = parts[2]
                return meta, body, text[: len(text) - len(body)].count("\n") + 1
    return _split_with_pyyaml(text, path)


def _split_with_pyyaml(text: str, path: str) -> tuple[dict[str, Any], str, int]:
    from frontmatter.default_handlers import YAMLHandler

    from tix.storage.yamlio import DuplicateKey, YAMLError, load_yaml

    handler = YAMLHandler()
    if not handler.detect(text):
        raise TicketFormatError(path, msg.ticket_no_front_matter())
    try:
        fm, body = handler.split(text)
    except ValueError:
        raise TicketFormatError(path, msg.ticket_front_matter_not_closed()) from None
    fm_first_line = text[: text.index(fm)].count("\n") + 1 if fm else 1
    try:
        meta = load_yaml(fm, strict=True)
    except DuplicateKey as exc:
        raise TicketFormatError(path, msg.ticket_field_twice(exc.key, exc.line + fm_first_line)) from None
    except YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = where.line + fm_first_line if where is not None else None
        raise TicketFormatError(path, msg.ticket_invalid_yaml(line)) from None
    if not isinstance(meta, dict):
        raise TicketFormatError(path, msg.ticket_front_matter_not_a_mapping())
    return meta, body, text[: len(text) - len(body)].count("\n") + 1


def _require(meta: dict[str, Any], key: str) -> Any:
    value = meta.get(key)
    if value is None or value == "":
        raise ValueError(msg.ticket_field_missing(key))
    return value


def _text_field(meta: dict[str, Any], key: str) -> str | None:
    value = meta.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, (dict, list)):
        raise ValueError(msg.ticket_field_not_text(key))
    return str(value)


def _time_field(meta: dict[str, Any], key: str) -> datetime:
    value = _require(meta, key)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(msg.ticket_field_not_a_time(key, value)) from None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError(msg.ticket_field_needs_offset(key))
    return value


_FOLDER = lazy(r"(?:^|/)tickets/[^/]+/([^/]+)/ticket\.md\b")


def _ticket_from_meta(meta: dict[str, Any], path: str) -> Ticket:
    ticket_id = str(_require(meta, "id"))
    requester = meta.get("requester")
    if isinstance(requester, dict) and requester.get("email"):
        person = Person(str(requester.get("name") or ""), str(requester["email"]))
    elif isinstance(requester, str) and Person.parse(requester):
        person = Person.parse(requester)  # type: ignore[assignment]
    else:
        raise ValueError(msg.ticket_requester_needs_email())
    tags = meta.get("tags") or []
    message_ids = meta.get("message_ids") or []
    participants = meta.get("participants") or []
    if not all(isinstance(value, list) for value in (tags, message_ids, participants)):
        raise ValueError(msg.ticket_lists_needed())
    return Ticket(
        id=ticket_id,
        subject=str(meta.get("subject") or ""),
        requester=person,
        status=str(_require(meta, "status")),
        priority=str(_require(meta, "priority")),
        created=_time_field(meta, "created"),
        updated=_time_field(meta, "updated"),
        owner=_text_field(meta, "owner"),
        queue=_text_field(meta, "queue"),
        category=_text_field(meta, "category"),
        tags=[str(tag) for tag in tags],
        channel=_text_field(meta, "channel") or "other",
        message_ids=[str(mid) for mid in message_ids],
        participants=[str(address) for address in participants],
        csat=_csat_field(meta.get("csat")),
        # a hand-written `csat` that is no rating is kept as it is (as an unknown key), never dropped
        extra={key: value for key, value in meta.items() if key not in KNOWN_FIELDS or (key == "csat" and not _csat_field(value))},
    )


def _csat_field(value: Any) -> dict[str, Any] | None:
    """The rating, when it is one (a mapping with a known score); anything else counts as none."""
    if isinstance(value, dict) and value.get("score") in ("good", "okay", "bad"):
        return {str(k): v for k, v in value.items()}
    return None


def _parse_body(body: str, path: str, first_line: int) -> tuple[str, list[Entry]]:
    preamble: list[str] = []
    entries: list[tuple[dict[str, Any], list[str]]] = []
    lines: list[str] = preamble
    expect = "text"  # after a header: "heading", then "blank", then "text"
    for number, line in enumerate(body.replace("\r\n", "\n").split("\n"), start=first_line):
        if line.startswith(ENTRY_HEADER):
            meta = _parse_header(line, path, number)
            lines = []
            entries.append((meta, lines))
            expect = "heading"
            continue
        if expect == "heading":
            expect = "blank"
            if line.startswith("### "):
                continue
        if expect == "blank":
            expect = "text"
            if line == "":
                continue
        lines.append(_unescape(line))
    result = []
    for meta, text_lines in entries:
        try:
            result.append(_entry_from_meta(meta, "\n".join(text_lines)))
        except (KeyError, TypeError, ValueError) as exc:
            raise TicketFormatError(path, msg.ticket_bad_entry(meta.get("id", "?"), exc)) from None
    return "\n".join(preamble).strip("\n"), result


def _parse_header(line: str, path: str, number: int) -> dict[str, Any]:
    raw = line.rstrip()
    if not raw.endswith(ENTRY_HEADER_END):
        raise TicketFormatError(path, msg.entry_header_not_closed(number))
    try:
        meta = json.loads(raw[len(ENTRY_HEADER) : -len(ENTRY_HEADER_END)])
    except json.JSONDecodeError:
        raise TicketFormatError(path, msg.entry_header_not_json(number)) from None
    if not isinstance(meta, dict):
        raise TicketFormatError(path, msg.entry_header_not_an_object(number))
    return meta


def _entry_from_meta(meta: dict[str, Any], text: str) -> Entry:
    return Entry(
        id=str(_require(meta, "id")),
        kind=str(_require(meta, "kind")),
        author=str(meta.get("author") or ""),
        time=_time_field(meta, "time"),
        text=text,
        message_id=meta.get("message_id") or None,
        extra={key: value for key, value in meta.items() if key not in _ENTRY_KEYS},
    )
