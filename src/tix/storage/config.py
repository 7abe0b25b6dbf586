"""The helpdesk's shared configuration, `tix.yaml` at the root of the helpdesk repository.

Every key is declared once in SCHEMA (type, default, documentation). Loading validates
the file against it with errors that name the key; writing regenerates the file from it,
with each key's documentation as a comment; docs/CONFIG.md is generated from it too.
"""

from __future__ import annotations

import re
from pathlib import Path

from tix import messages as msg
from tix.domain.model import Person
from tix.domain.patterns import lazy
from tix.domain.record import Frozen
from tix.errors import ConfigError, TixError
from tix.storage.location import CONFIG_FILE as CONFIG_FILE  # there: the helpdesk is found before the rest of tix is imported

TYPE_CHECKING = False  # as typing's, without importing typing (3 ms; tests/test_startup_imports.py)
if TYPE_CHECKING:
    from typing import Any, Final

    from tix.domain.settings import Settings

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


class Key(Frozen):
    __slots__ = ("path", "kind", "default", "doc", "bounds")
    path: Final[str]  # dotted; '*' stands for any name (a queue, a team member)
    kind: Final[str]  # text | address | addresses | timezone | token | name | names | charsets | bool | number | integer | query
    default: Final[Any]
    doc: Final[str]
    bounds: Final[tuple[float, float] | None]  # number and integer keys: the sane range, both ends included

    def __init__(self, path: str, kind: str, default: Any, doc: str, bounds: tuple[float, float] | None = None) -> None:
        self.path = path
        self.kind = kind
        self.default = default
        self.doc = doc
        self.bounds = bounds


SECTION_DOCS = {
    "helpdesk": "Who the helpdesk is.",
    "statuses": "Ticket statuses, grouped by what they mean. A status belongs to exactly one group.",
    "priorities": "Ticket priorities, most urgent first.",
    "categories": "Categories a ticket can have (empty: any word is accepted).",
    "queues": "Queues (teams or inboxes), by name: queues.NAME.owner, queues.NAME.members, queues.NAME.email.",
    "mail": "Mail intake (`tix import`) and outgoing mail.",
    "smtp": "Delivery of outgoing mail (`tix send`).",
    "autoack": "Automatic acknowledgement of new tickets from mail.",
    "hours": "Opening hours per weekday; SLA clocks count only open time.",
    "holidays": "Closed days.",
    "clock": "How SLA clocks run.",
    "remind": "Reminders before SLA targets (tix remind).",
    "escalation": "What escalating a ticket does (tix escalate, or automatically on a breach).",
    "sla": "Targets per priority: sla.PRIORITY.first_response and sla.PRIORITY.resolution "
    "(defaults: urgent 1h / 1d, high eod / 3d, normal '24h wall' / 5d, low 3d / 10d).",
    "rules": "Routing rules, applied in order to every new ticket (docs/WORKFLOW.md).",
    "imap": "Mailboxes `tix fetch` reads, by account name: imap.NAME.url (imaps://host:993/INBOX), .user, .folders, "
    ".after, and the password from .password_command or .password_env (never from this file) or an OAuth2 token from "
    ".oauth2_token_command (docs/MAIL.md).",
    "team": "Team members, by handle: team.HANDLE.name, .email, .languages, .away. "
    "A handle can be used wherever a user is expected (`tix assign 4KX2 anna`).",
    "views": "Saved views: views.NAME is a query (docs/SEARCH.md), run by `tix list @NAME` or `tix list --view NAME`.",
    "kb": "The knowledge base: articles in kb/LANG/CATEGORY/ID.md (docs/KB.md).",
    "notify": "Status notices to the customer, by status: notify.STATUS is the template mailed when a ticket moves "
    "into STATUS (docs/TEMPLATES.md, \"Notices and ratings\").",
    "status_answer": "The automatic answer to a customer who only asks for the status of their ticket.",
}

SCHEMA: tuple[Key, ...] = (
    Key("helpdesk.name", "text", "Helpdesk", "Display name of the helpdesk, used in replies."),
    Key("helpdesk.email", "address", "", "The helpdesk's own mail address, e.g. support@example.com."),
    Key("helpdesk.timezone", "timezone", "UTC", "IANA timezone for times written into tickets, e.g. Europe/Warsaw."),
    Key("helpdesk.instance", "token", "TIX",
        "Short name of this helpdesk in subject tags, Message-IDs and loop headers; `tix init` picks a random one. "
        "Two helpdesks that mail each other must differ here."),
    Key("helpdesk.language", "name", "en",
        "The helpdesk's default language (en, pl, ru, ...): a knowledge-base article goes out in it when the customer's language has no public version."),
    Key("statuses.open", "names", ["new", "open"], "Statuses of tickets the team has to work on."),
    Key("statuses.waiting", "names", ["pending", "on-hold"],
        "Statuses of tickets waiting for someone else: 'pending' waits for the customer, 'on-hold' is postponed."),
    Key("statuses.closed", "names", ["closed"], "Statuses of finished tickets; `tix list` hides them by default."),
    Key("statuses.initial", "name", "new", "Status of a newly created ticket."),
    Key("statuses.reopen", "name", "open", "Status `tix reopen` moves a closed ticket to."),
    Key("priorities.levels", "names", ["urgent", "high", "normal", "low"], "Priorities, most urgent first."),
    Key("priorities.default", "name", "normal", "Priority of a new ticket."),
    Key("categories", "names", ["general", "billing", "technical", "complaint"],
        "Categories a ticket can have; an empty list accepts any category."),
    Key("queues.*.owner", "text", None, "Handle or address of the person responsible for the queue."),
    Key("queues.*.members", "names", [], "Handles of the team members working the queue."),
    Key("queues.*.email", "address", "", "Address whose mail belongs to this queue, e.g. sales@example.com."),
    Key("queues.*.assign", "assign", "", "Auto-assignment of new tickets in the queue: round-robin, least-open, or empty for none."),
    Key("rules", "rules", [], "Routing rules for new tickets, in order: match conditions, set actions, stop (docs/WORKFLOW.md). Edit them in tix.yaml."),
    Key("mail.tag", "text", "[{instance}#{id}]",
        "Ticket tag put in subjects and recognised in replies; must contain {id} and {instance}."),
    Key("mail.addresses", "addresses", [], "More addresses of the helpdesk (aliases); mail from them is never a customer's."),
    Key("mail.block", "addresses", [],
        "Senders whose mail is filed as spam: a new ticket from one is closed and tagged spam, never acknowledged, "
        "and their mail never reopens a ticket (`tix spam ID --block` adds the requester)."),
    Key("mail.fallback_charsets", "charsets", ["windows-1252"],
        "Charsets tried, best reading first, for 8-bit text that declares none or a wrong one "
        "(a Polish desk: windows-1250, iso-8859-2; a Russian one: windows-1251, koi8-r)."),
    Key("mail.reopen", "bool", True, "A customer's reply to a waiting or closed ticket reopens it (robots never do)."),
    Key("mail.max_attachment_mb", "number", 25, "Larger attachments are not saved as files (they stay in the raw message).",
        (0.001, 1024)),
    Key("mail.max_message_mb", "number", 50, "Larger messages are not parsed but kept in quarantine/.", (0.001, 1024)),
    Key("mail.timeout", "number", 30, "Seconds one message may take to parse before it is quarantined.",
        (0.000001, 3600)),
    Key("mail.batch", "integer", 500, "Messages per commit during an import.", (1, 100_000)),
    Key("mail.from", "text", "", "From of outgoing mail, e.g. 'Pomoc Firma <pomoc@firma.example>' (default: helpdesk.name and helpdesk.email)."),
    Key("mail.reply_status", "name", "pending", "Status a ticket moves to when an agent replies (unless `tix reply --status`)."),
    Key("mail.cc_participants", "bool", False, "Copy replies to the ticket's participants."),
    Key("mail.sendmail", "text", "", "A sendmail-compatible command to deliver with instead of SMTP, e.g. '/usr/sbin/sendmail -t -i'."),
    Key("smtp.url", "text", "",
        "SMTP server: smtp://host:587 (STARTTLS when offered), smtps://host:465 (TLS), user name in the URL "
        "(smtp://user@host:587); the password comes from TIX_SMTP_PASSWORD or ~/.config/tix/smtp-password, never from here."),
    Key("autoack.enabled", "bool", False, "Acknowledge each new ticket from mail with the 'ack' template."),
    Key("autoack.limit", "integer", 3, "At most this many automatic mails to one address per window (loop protection).",
        (1, 1000)),
    Key("autoack.window_hours", "number", 24, "The window for autoack.limit, in hours.", (1, 8760)),
    Key("autoack.suggest_kb", "bool", False,
        "The acknowledgement links up to 3 public knowledge-base articles that match the new ticket well, in the "
        "customer's language (kb_link URLs with kb.base_url, else titles): `kb_suggestions` in the 'ack' template."),
    *(Key(f"hours.{day}", "hours", "09:00-17:00" if day not in ("sat", "sun") else "",
          f"Opening hours on {name} in helpdesk.timezone, e.g. 09:00-17:00 or 08:00-12:00, 13:00-17:00; empty: closed.")
      for day, name in (("mon", "Monday"), ("tue", "Tuesday"), ("wed", "Wednesday"), ("thu", "Thursday"),
                        ("fri", "Friday"), ("sat", "Saturday"), ("sun", "Sunday"))),
    Key("holidays", "dates", [], "Days the helpdesk is closed, as ISO dates: [2026-12-24, 2026-12-25]."),
    Key("clock.holidays_country", "country", "",
        "Also close on the public holidays of this country (ISO code such as PL or DE; needs the holidays package: pip install 'tix[holidays]')."),
    Key("clock.pause_when_waiting", "bool", True, "SLA clocks stop while a ticket is in a waiting status (waiting for the customer)."),
    Key("remind.before", "target", "1h", "tix remind warns this long before a target falls due (and again when it is breached)."),
    Key("escalation.queue", "text", "", "Queue an escalated ticket moves to (empty: stays in its queue)."),
    Key("escalation.owner", "text", "", "Handle or address an escalated ticket is assigned to (empty: keeps its owner)."),
    Key("escalation.auto", "bool", False, "tix remind escalates a ticket the first time a target is breached."),
    Key("sla.*.first_response", "target", "", "First-response target for the priority *: 30m, 1h (open hours), eod, 3d (open days), '24h wall'; "
        "at most 120000m, 2000h, 365d or 8760h wall."),
    Key("sla.*.resolution", "target", "", "Resolution target for the priority *, in the same units."),
    Key("imap.*.url", "imap_url", "", "The mailbox: imaps://host:993/INBOX (TLS), or imap://host:143/INBOX (STARTTLS, required unless tls: none)."),
    Key("imap.*.user", "text", "", "The login name (default: the user name in the URL)."),
    Key("imap.*.folders", "folders", [], "Folders to fetch from (default: the URL's folder, else INBOX)."),
    Key("imap.*.after", "after", "keep",
        "What happens on the server to a message once the commit holding it exists: keep, seen (flag it read), "
        "move:FOLDER, or delete."),
    Key("imap.*.password_command", "text", "", "A command printing the password (like mbsync's PassCmd), e.g. 'pass show mail/support'."),
    Key("imap.*.password_env", "text", "", "An environment variable holding the password, e.g. TIX_IMAP_PASSWORD."),
    Key("imap.*.oauth2_token_command", "text", "",
        "A command printing an OAuth2 access token (XOAUTH2: Gmail, Microsoft 365); used instead of a password."),
    Key("imap.*.tls", "imap_tls", "verify",
        "verify: check the server's certificate (default); insecure: do not (a test server only); "
        "none: no TLS at all on imap:// (a server on this machine only)."),
    Key("imap.*.ca_file", "text", "", "A PEM file of the certificate authorities to trust instead of the system's."),
    Key("team.*.name", "text", "", "Full name."),
    Key("team.*.email", "address", "", "Mail address; it identifies the member in ticket files and git."),
    Key("team.*.languages", "names", [], "Languages the member answers in, e.g. [en, pl]."),
    Key("team.*.away", "bool", False, "True while the member is away (no new assignments)."),
    Key("team.*.signature", "text", "", "Signature for the member's replies (default: name and helpdesk name)."),
    Key("views.*", "query", "", "A saved query, e.g. 'owner:me priority:urgent,high is:open'."),
    Key("notify.*", "template", "",
        "Template mailed to the customer when a ticket moves into the status *, e.g. notify.closed: closed-notice "
        "(empty: none). Never for spam, robots, duplicates or merged tickets, nor when a reply already goes out; "
        "capped per address by autoack.limit; `--no-notify` skips it."),
    Key("status_answer.enabled", "bool", False,
        "Answer a customer who writes only to ask for the ticket's status with the 'status-answer' template "
        "(status, owner's first name, due time); the message is filed on the ticket as always."),
    Key("status_answer.keywords", "phrases", ["status", "jaki jest status", "какой статус"],
        "Words that make a short message (12 words at most) a status question, in any language the customers write."),
    Key("kb.base_url", "text", "",
        "Where the site `tix kb build` writes is published, e.g. https://help.firma.example/kb/: "
        "`kb_link(\"ID\")` in a reply template is BASE_URL/LANG/ID.html."),
)  # fmt: skip

SECTION_ORDER = (
    "helpdesk", "statuses", "priorities", "categories", "queues", "mail", "smtp", "autoack",
    "hours", "holidays", "clock", "sla", "remind", "escalation", "rules", "team", "imap", "views", "kb",
    "notify", "status_answer",
)  # fmt: skip
DEFAULT_SLA = {
    "urgent": {"first_response": "1h", "resolution": "1d"},
    "high": {"first_response": "eod", "resolution": "3d"},
    "normal": {"first_response": "24h wall", "resolution": "5d"},
    "low": {"first_response": "3d", "resolution": "10d"},
}
NAMED_SECTIONS = ("queues", "team", "sla", "imap")
_IMAP_URL = lazy(r"^imaps?://([^@/\s]+@)?[^@/:\s]+(:\d{1,5})?(/[^\s]*)?$")
_ENV_NAME = lazy(r"^[A-Za-z_][A-Za-z0-9_]*$")


# The keys without a '*' by their path: validating a tix.yaml looks up every key in it, which every
# command does (issue 12). No '*' key matches one of these paths (tests/test_config.py).
_EXACT = {key.path: key for key in SCHEMA if "*" not in key.path}


def find_key(path: str) -> tuple[Key, list[str]]:
    """The schema entry for a dotted key, and the names its '*' parts matched."""
    exact = _EXACT.get(path)
    if exact is not None:
        return exact, []
    parts = path.split(".")
    for key in SCHEMA:
        pattern = key.path.split(".")
        if len(pattern) == len(parts) and all(p == "*" or p == q for p, q in zip(pattern, parts, strict=True)):
            return key, [q for p, q in zip(pattern, parts, strict=True) if p == "*"]
    raise ConfigError(msg.config_unknown_key(path))


def defaults() -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key in SCHEMA:
        if "*" not in key.path:
            _put(data, key.path.split("."), _copy(key.default))
        else:
            _put(data, key.path.split(".")[:1], {})
    data["sla"] = {name: dict(targets) for name, targets in DEFAULT_SLA.items()}
    return data


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def _put(data: dict[str, Any], parts: list[str], value: Any) -> None:
    for part in parts[:-1]:
        data = data.setdefault(part, {})
    data[parts[-1]] = value


def parse_value(key: Key, path: str, text: str) -> Any:
    """Turn a command-line string into the key's type ('a, b' or '[a, b]' for lists)."""
    if key.kind == "rules":
        raise ConfigError(msg.config_rules_by_hand(path, CONFIG_FILE))
    if key.kind == "bool":
        lowered = text.strip().lower()
        if lowered in ("true", "yes", "on", "1"):
            return True
        if lowered in ("false", "no", "off", "0"):
            return False
        raise ConfigError(msg.config_expected(path, "true or false", repr(text)))
    if key.kind in ("number", "integer"):
        try:
            return int(text)
        except ValueError:
            pass
        try:
            return float(text)
        except ValueError:
            raise ConfigError(msg.config_expected(path, _range_text(key), repr(text.strip()))) from None
    if key.kind in ("names", "addresses", "charsets", "dates", "folders", "phrases"):
        stripped = text.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            stripped = stripped[1:-1]
        return [item.strip() for item in stripped.split(",") if item.strip()]
    return text.strip()


def _check_value(key: Key, path: str, value: Any) -> Any:
    if key.kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(msg.config_expected(path, "true or false", repr(value)))
        return value
    if key.kind == "rules":
        if value is None or value == []:
            return []  # as validate says, without loading the rules engine (and its regex package) for every command
        from tix.domain import rules

        return rules.validate(value)
    if key.kind == "query":
        return _check_query(path, value)
    if key.kind == "dates":
        from datetime import date

        if value is None:
            return []
        if not isinstance(value, list):
            raise ConfigError(msg.config_expected(path, "a list of dates", repr(value)))
        try:
            return [date.fromisoformat(str(item)).isoformat() for item in value]
        except ValueError:
            raise ConfigError(msg.config_expected(path, "ISO dates like 2026-12-24", repr(value))) from None
    if key.kind in ("number", "integer"):
        return _check_number(key, path, value)
    if key.kind in ("addresses", "charsets", "folders", "phrases"):
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ConfigError(msg.config_expected(path, "a list", repr(value)))
        for item in value:
            if key.kind == "addresses" and Person.parse(item) is None:
                raise ConfigError(msg.config_not_an_address(path, item))
            if key.kind == "charsets":
                import codecs

                try:
                    codecs.lookup(item)
                except LookupError:
                    raise ConfigError(msg.config_unknown_charset(path, item)) from None
        return list(value)
    if key.kind == "names":
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, (str, int)) for item in value):
            raise ConfigError(msg.config_expected(path, "a list of names", repr(value)))
        names = [str(item) for item in value]
        for name in names:
            if not _NAME.match(name):
                raise ConfigError(msg.config_bad_name(path, name, explain=True))
        if len(set(names)) != len(names):
            raise ConfigError(msg.config_name_twice(path))
        return names
    if value is None:
        return key.default
    if isinstance(value, (list, dict)):
        raise ConfigError(msg.config_expected(path, "a single value", repr(value)))
    text = str(value)
    if key.kind == "template" and text and not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", text):
        raise ConfigError(msg.config_bad_name(path, text))
    if key.kind == "name" and not _NAME.match(text):
        raise ConfigError(msg.config_bad_name(path, text))
    if key.kind == "country" and text:
        from tix.domain.sla import public_holidays

        public_holidays(text)
    if key.kind == "assign" and text not in ("", "round-robin", "least-open"):
        raise ConfigError(msg.config_bad_assign(path, text))
    if key.kind == "hours":
        from tix.domain.sla import parse_hours

        parse_hours(text, path)
    if key.kind == "target" and text:
        from tix.domain.sla import parse_target

        parse_target(text, path)
    if key.kind == "imap_url" and text and not _IMAP_URL.match(text):
        raise ConfigError(msg.config_bad_imap_url(path, text))
    if key.kind == "after" and not re.match(r"^(keep|seen|delete|move:\S.*)$", text):
        raise ConfigError(msg.config_bad_after(path, text))
    if key.kind == "imap_tls" and text not in ("verify", "insecure", "none"):
        raise ConfigError(msg.config_expected(path, "verify, insecure or none", repr(text)))
    if key.kind == "token" and not re.match(r"^[A-Za-z0-9][A-Za-z0-9-]{0,15}$", text):
        raise ConfigError(msg.config_bad_token(path, text))
    if key.kind == "address" and text and Person.parse(text) is None:
        raise ConfigError(msg.config_not_an_address(path, text))
    if key.kind == "timezone":
        try:
            timezone_named(text)
        except (ValueError, LookupError):
            raise ConfigError(msg.config_unknown_timezone(path, text)) from None
    return text


def _check_query(path: str, value: Any) -> str:
    """A saved view: a name as other names, a query that parses (domain/query.py)."""
    from tix.domain.query import parse

    name = path.split(".", 1)[1]
    if not _NAME.match(name):
        raise ConfigError(msg.config_bad_name(path, name))
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(msg.config_expected(path, "a query such as 'owner:me is:open'", repr(value)))
    try:
        parse(value)
    except TixError as exc:
        raise ConfigError(msg.config_bad_view(name, exc.message)) from None
    return value


def _range_text(key: Key) -> str:
    low, high = key.bounds or (0, 0)
    return msg.config_number_range(key.kind == "integer", low, high)


def _check_number(key: Key, path: str, value: Any) -> int | float:
    """A finite number inside the key's bounds (inf, nan, 1e300, 0 or -1 are named errors, never a crash later)."""
    import math

    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(msg.config_expected(path, _range_text(key), repr(value)))
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(msg.config_expected(path, _range_text(key), repr(value)))
    low, high = key.bounds or (0, 0)
    if key.kind == "integer":
        if isinstance(value, float) and not value.is_integer():
            raise ConfigError(msg.config_expected(path, _range_text(key), repr(value)))
        value = int(value)
    if not low <= value <= high:
        shown = f"{value:g}" if isinstance(value, float) else (str(value) if abs(value) < 10**12 else f"{float(value):g}")
        raise ConfigError(msg.config_out_of_range(path, shown, _range_text(key)))
    number: int | float = value
    return number


def validate(raw: Any, source: str = CONFIG_FILE) -> dict[str, Any]:
    """Check a loaded config against SCHEMA, fill in defaults, and check cross-key rules."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(msg.config_not_a_mapping(source, "sections"))
    data = defaults()
    for section, value in raw.items():
        section = str(section)
        if section in NAMED_SECTIONS:
            data[section] = _validate_named(section, value)
        elif section in SECTION_DOCS and isinstance(data.get(section), dict):
            if value is None and section in ("views", "notify"):  # `views:` with nothing under it
                continue
            if not isinstance(value, dict):
                raise ConfigError(msg.config_not_a_mapping(section, "keys"))
            for leaf, item in value.items():
                path = f"{section}.{leaf}"
                data[section][str(leaf)] = _check_value(find_key(path)[0], path, item)
        else:
            data[section] = _check_value(find_key(section)[0], section, value)
    if "sla" not in raw:  # the default targets, for the priorities this helpdesk has
        data["sla"] = {name: targets for name, targets in data["sla"].items() if name in data["priorities"]["levels"]}
    _check_rules(data)
    return data


def _validate_named(section: str, value: Any) -> dict[str, Any]:
    """Validate `queues` or `team`: a mapping from a name to that thing's fields."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(msg.config_not_a_mapping(section, "names"))
    result = {}
    for name, fields in value.items():
        if not _NAME.match(str(name)):
            raise ConfigError(msg.config_bad_name(f"{section}.{name}", name))
        if fields is None:
            fields = {}
        if not isinstance(fields, dict):
            raise ConfigError(msg.config_not_a_mapping(f"{section}.{name}", "fields"))
        entry = {key.path.rsplit(".", 1)[1]: _copy(key.default) for key in SCHEMA if key.path.startswith(section + ".*.")}
        for leaf, item in fields.items():
            path = f"{section}.{name}.{leaf}"
            if section == "imap" and leaf in ("password", "pass", "secret", "token"):
                raise ConfigError(msg.config_imap_secret_in_file(path))
            entry[str(leaf)] = _check_value(find_key(path)[0], path, item)
        result[str(name)] = entry
    return result


def flatten(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """Every set key as (dotted path, value), in file order."""
    items: list[tuple[str, Any]] = []
    for section in SECTION_ORDER:
        value = data[section]
        if section in NAMED_SECTIONS:
            items += [(f"{section}.{name}.{leaf}", v) for name, fields in value.items() for leaf, v in fields.items()]
        elif isinstance(value, dict):
            items += [(f"{section}.{leaf}", v) for leaf, v in value.items()]
        else:
            items.append((section, value))
    return items


def _check_rules(data: dict[str, Any]) -> None:
    statuses = data["statuses"]
    seen: dict[str, str] = {}
    for group in ("open", "waiting", "closed"):
        for name in statuses[group]:
            if name in seen:
                raise ConfigError(msg.config_status_twice(group, name, seen[name]))
            seen[name] = group
    if not statuses["open"] or not statuses["closed"]:
        raise ConfigError(msg.config_statuses_needed())
    if statuses["initial"] not in seen:
        raise ConfigError(msg.config_not_a_status("statuses.initial", statuses["initial"]))
    if seen.get(statuses["reopen"]) not in ("open", "waiting"):
        raise ConfigError(msg.config_not_a_status("statuses.reopen", statuses["reopen"], "an open or waiting"))
    levels = data["priorities"]["levels"]
    if not levels:
        raise ConfigError(msg.config_priorities_needed())
    if data["priorities"]["default"] not in levels:
        raise ConfigError(msg.config_not_a_priority("priorities.default", data["priorities"]["default"]))
    if data["mail"]["reply_status"] not in seen:
        raise ConfigError(msg.config_not_a_status("mail.reply_status", data["mail"]["reply_status"]))
    if data["mail"]["from"] and Person.parse(data["mail"]["from"]) is None:
        raise ConfigError(msg.config_not_an_address("mail.from", data["mail"]["from"]))
    url = data["smtp"]["url"]
    if url and not re.match(r"^smtps?://([^@/]+@)?[^@/:]+(:\d+)?/?$", url):
        raise ConfigError(msg.config_bad_smtp_url(url))
    if data.get("rules"):
        from tix.domain import rules

        rules.check_against(data)
    for name in data["sla"]:
        if name not in levels:
            raise ConfigError(msg.config_not_a_priority(f"sla.{name}", name))
    for name in data["notify"]:
        if name not in seen:
            raise ConfigError(msg.config_not_a_status(f"notify.{name}", name))
    tag = data["mail"]["tag"]
    if "{id}" not in tag or "{instance}" not in tag:
        raise ConfigError(msg.config_bad_tag())
    for handle, member in data["team"].items():
        if not member["email"]:
            raise ConfigError(msg.config_member_needs_address(handle))
    for queue, fields in data["queues"].items():
        for member in fields["members"]:
            if member not in data["team"]:
                raise ConfigError(msg.config_not_in_team(queue, member))
    for name, fields in data.get("imap", {}).items():
        _check_imap(name, fields)


def _check_imap(name: str, fields: dict[str, Any]) -> None:
    """An IMAP account names its server, a user, and where its secret comes from (never this file)."""
    if not fields["url"]:
        raise ConfigError(msg.config_imap_needs(name, "url", "imaps://host:993/INBOX"))
    if not fields["user"] and "@" not in fields["url"].split("://", 1)[1]:
        raise ConfigError(msg.config_imap_needs(name, "user", "support@example.com"))
    secrets = [key for key in ("password_command", "password_env", "oauth2_token_command") if fields[key]]
    if len(secrets) > 1:
        raise ConfigError(msg.config_imap_one_secret(name, secrets))
    if fields["password_env"] and not _ENV_NAME.match(fields["password_env"]):
        raise ConfigError(msg.config_expected(f"imap.{name}.password_env", "an environment variable's name", repr(fields["password_env"])))
    if fields["tls"] == "none" and fields["url"].startswith("imaps:"):
        raise ConfigError(msg.config_imap_tls_none(name))




def timezone_named(name: str) -> Any:
    """The tzinfo of an IANA name; ValueError or LookupError for an unknown one. UTC (tix init's
    default) is datetime's own: the same offsets and name as zoneinfo's, without loading zoneinfo
    and sysconfig (~2 ms of every command) or needing the system's time zone database."""
    if name == "UTC":
        from datetime import UTC

        return UTC
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


# The modules whose code decides what a validated configuration holds (the parse, `validate` and
# what it calls): a change to any of them (a new tix) sets the values kept aside.
_VALIDATORS = ("storage/config.py", "storage/yamlsubset.py", "storage/yamlio.py", "domain/sla.py", "domain/rules.py",
               "domain/query.py", "domain/model.py", "domain/settings.py")  # fmt: skip


def _validator_stamp() -> tuple[str | int, ...]:
    import os
    import sys

    package = os.path.dirname(os.path.dirname(__file__))
    stamp: list[str | int] = [sys.version]
    for name in _VALIDATORS:
        try:
            found = os.stat(os.path.join(package, name))
        except OSError:
            return ()
        stamp += [name, found.st_mtime_ns, found.st_size]
    return tuple(stamp)


def _kept_values(kept: Path, text: str, stamp: tuple[str | int, ...]) -> dict[str, Any] | None:
    """The values validated from `text` as Config.load kept them; None when there are none (or
    they were kept by other code, from other text, or cannot be read)."""
    import marshal

    try:
        kept_stamp, kept_text, data = marshal.loads(kept.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if kept_text != text or kept_stamp != stamp or not stamp or not isinstance(data, dict):
        return None
    return data


def _keep_values(kept: Path, text: str, stamp: tuple[str | int, ...], data: dict[str, Any]) -> None:
    """Best effort: a read-only repository, or values marshal cannot hold, keep nothing."""
    import marshal

    from tix.storage.files import write_atomic

    try:
        write_atomic(kept, marshal.dumps((stamp, text, data)), durable=False)
    except (OSError, ValueError):
        pass


def _parse_yaml(text: str, path: Path) -> Any:
    """tix.yaml's content: its plain form without PyYAML (storage/yamlsubset.py), the rest with it."""
    from tix.storage import yamlsubset

    raw = yamlsubset.load(text)
    if raw is not yamlsubset.NOT_SIMPLE:
        return raw
    from tix.storage.yamlio import YAMLError, load_yaml

    try:
        return load_yaml(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(msg.config_bad_yaml(str(path), mark.line + 1 if mark is not None else None)) from None


class Config:
    __slots__ = ("data", "_settings", "_timezone")

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self._settings: Settings | None = None
        self._timezone: Any = None

    @classmethod
    def load(cls, root: Path, kept: Path | None = None) -> Config:
        """tix.yaml of the helpdesk at `root`, validated. With `kept` (a file in .git/tix), the
        validated values are kept there with the very text they came from and the stamp of the
        code that validated them (_validator_stamp), and taken from there while both are the
        same: parsing and validating cost ~3 ms of every command, regexes and modules (SLA
        targets, time zones) loaded for it alone. A hand edit or a pull changes the text."""
        import errno
        import os
        import stat

        path = root / CONFIG_FILE
        try:  # a regular file of the helpdesk only: a pushed symlink must not read an outside file (issue 10 #4)
            with os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0)), "rb") as handle:
                if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                    raise ConfigError(msg.config_file_problem(str(path), "not-regular"))
                text = handle.read().decode("utf-8")
        except FileNotFoundError:
            raise ConfigError(msg.config_file_problem(str(path), "missing")) from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise ConfigError(msg.config_file_problem(str(path), "symlink")) from None
            raise
        except UnicodeDecodeError:
            raise ConfigError(msg.config_bad_yaml(str(path), None)) from None
        stamp = _validator_stamp() if kept is not None else ()
        if kept is not None:
            data = _kept_values(kept, text, stamp)
            if data is not None:
                return cls(data)
        data = validate(_parse_yaml(text, path), str(path))
        if kept is not None and stamp:
            _keep_values(kept, text, stamp, data)
        return cls(data)


    def get(self, path: str) -> Any:
        value: Any = self.data
        for part in path.split("."):
            if not isinstance(value, dict) or part not in value:
                find_key(path)  # unknown keys get the schema's error
                raise ConfigError(msg.config_key_not_set(path))
            value = value[part]
        return value

    def with_value(self, path: str, text: str) -> Config:
        return self.with_values([(path, text)])

    def with_values(self, pairs: list[tuple[str, str]]) -> Config:
        """This configuration with every (dotted key, command-line text) set, validated together:
        all of them or, with the error naming the key, none."""
        import copy

        data = copy.deepcopy(self.data)
        for path, text in pairs:
            key, _ = find_key(path)
            _put(data, path.split("."), parse_value(key, path, text))
        return Config(validate(data))

    def flat(self) -> list[tuple[str, Any]]:
        return flatten(self.data)

    # --- typed accessors -------------------------------------------------

    @property
    def settings(self) -> Settings:
        """The validated configuration as typed sections (domain/settings.py, imported here: the
        commands that never read a setting do not pay for defining its classes); worked out once."""
        if self._settings is None:
            from tix.domain.settings import settings_from

            self._settings = settings_from(self.data)
        return self._settings

    @property
    def timezone(self) -> Any:
        """helpdesk.timezone as a tzinfo (timezone_named)."""
        if self._timezone is None:
            self._timezone = timezone_named(self.data["helpdesk"]["timezone"])
        return self._timezone

    @property
    def statuses(self) -> list[str]:
        return list(self.settings.statuses.all)

    def status_group(self, status: str) -> str | None:
        return self.settings.statuses.group_of(status)

    @property
    def closed_statuses(self) -> list[str]:
        return list(self.settings.statuses.closed)

    @property
    def priorities(self) -> list[str]:
        return list(self.settings.priorities.levels)

    @property
    def categories(self) -> list[str]:
        return list(self.settings.categories)

    @property
    def queues(self) -> list[str]:
        return list(self.settings.queues)

    @property
    def instance(self) -> str:
        return self.settings.helpdesk.instance


def edited_text(text: str, updated: dict[str, Any], keys: list[str]) -> str:
    """tix.yaml's `text` with the values of `keys` as `updated` (validated data) holds them, set in
    place so the file keeps its comments and layout (storage/yamledit.py); a file the round trip
    cannot keep is written anew (`render`). Raises rather than give a text that would not read
    back as `updated`: such a file is never committed."""
    from tix.storage.yamlio import load_yaml

    edited = _set_in_place(text, [(key.split("."), _lookup(updated, key)) for key in keys])
    if edited is None or validate(load_yaml(edited)) != updated:
        edited = render(updated)
    if validate(load_yaml(edited)) != updated:
        raise TixError(msg.config_would_not_read_back(CONFIG_FILE))
    return edited


def _lookup(data: dict[str, Any], key: str) -> Any:
    value: Any = data
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _set_in_place(text: str, values: list[tuple[list[str], Any]]) -> str | None:
    """The text with the values set in place; None when the round trip cannot read it."""
    from tix.storage import yamledit

    try:
        return yamledit.set_values(text, values)
    except Exception:  # noqa: BLE001  ruamel's own errors (a file PyYAML reads and ruamel does not)
        return None


def render(data: dict[str, Any]) -> str:
    """The config file text: every section with its documentation as comments."""
    from tix.storage.yamlio import dump_yaml

    out = [
        "# tix helpdesk configuration. Every key is described in docs/CONFIG.md.",
        "# Change it with `tix config set KEY VALUE` (which keeps your comments) or by hand.",
    ]
    for section in SECTION_ORDER:
        out += ["", f"# {SECTION_DOCS[section]}"]
        value = data.get(section)
        fixed = [key for key in SCHEMA if key.path.startswith(section + ".") and "*" not in key.path]
        if section == "rules" and value:
            out.append(dump_yaml({section: value}).rstrip("\n"))
            continue
        if not fixed:
            out.append(dump_yaml({section: value}, flow_lists=True).rstrip("\n") if value else f"{section}: {'[]' if isinstance(value, list) else '{}'}")
            continue
        out.append(f"{section}:")
        for key in fixed:
            leaf = key.path.split(".", 1)[1]
            out.append(f"  # {key.doc}")
            out += ["  " + line for line in dump_yaml({leaf: (value or {})[leaf]}, flow_lists=True).rstrip("\n").split("\n")]
    return "\n".join(out) + "\n"


def docs_markdown() -> str:
    """docs/CONFIG.md, generated from SCHEMA (a test keeps the file in step)."""
    lines = [
        "# Configuration reference",
        "",
        "The helpdesk's configuration lives in `tix.yaml` at the root of the helpdesk repository and is shared",
        "with the team through git. Read and change it like `git config`:",
        "",
        "```sh",
        "tix config list",
        "tix config get helpdesk.timezone",
        "tix config set helpdesk.timezone Europe/Warsaw",
        "tix config set statuses.waiting 'pending, on-hold, waiting-for-supplier'",
        "tix config set team.anna.email anna@example.com",
        "tix config set team.alice.name Alice team.alice.email alice@example.com",
        "```",
        "",
        "`config set` validates the whole file before writing it, commits the change, and names the key when",
        "a value is refused. Several `KEY VALUE` pairs are validated together and committed in one commit: all",
        "of them or, when one is refused, none. Lists are given as `a, b, c` (or `[a, b, c]`). `*` in a key",
        "stands for a name you choose (a queue, a team member's handle). The file may also be edited by hand;",
        "tix validates it on every load. `config set` changes only the values it sets: your comments, blank",
        "lines, key order, quoting and indentation stay as you wrote them.",
        "",
        "Secrets (SMTP passwords) never belong here: they come from the environment or a per-user file.",
        "",
        "| key | type | default | meaning |",
        "| --- | --- | --- | --- |",
    ]
    for key in SCHEMA:
        default = ", ".join(key.default) if isinstance(key.default, list) else key.default
        default = "" if default in (None, "") else f"`{str(default).lower() if isinstance(default, bool) else default}`"
        kind = f"{key.kind}, {key.bounds[0]:g}–{key.bounds[1]:g}" if key.bounds else key.kind
        lines.append(f"| `{key.path}` | {kind} | {default} | {key.doc} |")
    lines += ["", "## Sections", ""]
    lines += [f"- `{name}`: {SECTION_DOCS[name]}" for name in SECTION_ORDER]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m tix.storage.config > docs/CONFIG.md
    print(docs_markdown(), end="")
