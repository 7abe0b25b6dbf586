"""The helpdesk's settings as typed, read-only sections: what the code reads from tix.yaml.

storage/config.py reads and validates the file (the schema, `tix config`); `settings_from` turns
the validated data into these sections once, so no module reads `data["mail"]["tag"]` by string
key. Pure: no I/O, no YAML. The sections are plain slotted records (domain/record.py), not named
tuples or dataclasses: every command that reads a setting defines these classes at start-up, and
a NamedTuple costs `typing` (~3 ms to import) plus ~0.2 ms a class, a dataclass `inspect` (~9 ms),
against the 9 ms of `python -c pass` (issue 12). Their fields are `Final` (mypy refuses to set
them); the sections of hashable values are `Frozen`, the ones holding a dict (the clock's hours,
a rule, `Settings` itself) plain `Record`s, which nothing hashes. No tuple behaviour: read a
section's fields by name. `typing` is imported for the type checker only.
"""

from __future__ import annotations

from tix.domain.record import Frozen, Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final


class HelpdeskSettings(Frozen):
    __slots__ = ("name", "email", "timezone", "instance", "language")
    name: Final[str]
    email: Final[str]
    timezone: Final[str]
    instance: Final[str]
    language: Final[str]  # the default language of knowledge-base articles

    def __init__(self, name: str, email: str, timezone: str, instance: str, language: str = "en") -> None:
        self.name = name
        self.email = email
        self.timezone = timezone
        self.instance = instance
        self.language = language


class StatusSettings(Frozen):
    __slots__ = ("open", "waiting", "closed", "initial", "reopen")
    open: Final[tuple[str, ...]]
    waiting: Final[tuple[str, ...]]
    closed: Final[tuple[str, ...]]
    initial: Final[str]  # a new ticket's status
    reopen: Final[str]  # the status a closed ticket returns to when the customer writes again

    def __init__(self, open: tuple[str, ...], waiting: tuple[str, ...], closed: tuple[str, ...], initial: str, reopen: str) -> None:
        self.open = open
        self.waiting = waiting
        self.closed = closed
        self.initial = initial
        self.reopen = reopen

    @property
    def all(self) -> tuple[str, ...]:
        return (*self.open, *self.waiting, *self.closed)

    def groups(self) -> dict[str, list[str]]:
        return {"open": list(self.open), "waiting": list(self.waiting), "closed": list(self.closed)}

    def group_of(self, status: str) -> str | None:
        for group, names in (("open", self.open), ("waiting", self.waiting), ("closed", self.closed)):
            if status in names:
                return group
        return None


class PrioritySettings(Frozen):
    __slots__ = ("levels", "default")
    levels: Final[tuple[str, ...]]
    default: Final[str]

    def __init__(self, levels: tuple[str, ...], default: str) -> None:
        self.levels = levels
        self.default = default


class QueueSettings(Frozen):
    __slots__ = ("owner", "members", "email", "assign")
    owner: Final[str]
    members: Final[tuple[str, ...]]
    email: Final[str]
    assign: Final[str]  # "", "round-robin" or "least-open"

    def __init__(self, owner: str, members: tuple[str, ...], email: str, assign: str) -> None:
        self.owner = owner
        self.members = members
        self.email = email
        self.assign = assign


class MemberSettings(Frozen):
    __slots__ = ("name", "email", "languages", "away", "signature")
    name: Final[str]
    email: Final[str]
    languages: Final[tuple[str, ...]]
    away: Final[bool]
    signature: Final[str]

    def __init__(self, name: str, email: str, languages: tuple[str, ...], away: bool, signature: str) -> None:
        self.name = name
        self.email = email
        self.languages = languages
        self.away = away
        self.signature = signature


class MailSettings(Frozen):
    __slots__ = ("tag", "addresses", "fallback_charsets", "reopen", "max_attachment_mb", "max_message_mb", "timeout",
                 "batch", "sender", "reply_status", "cc_participants", "sendmail", "block")  # fmt: skip
    tag: Final[str]  # the subject tag, with {instance} and {id}
    addresses: Final[tuple[str, ...]]  # our own addresses besides helpdesk.email
    fallback_charsets: Final[tuple[str, ...]]
    reopen: Final[bool]
    max_attachment_mb: Final[float]
    max_message_mb: Final[float]
    timeout: Final[float]
    batch: Final[int]
    sender: Final[str]  # mail.from
    reply_status: Final[str]
    cc_participants: Final[bool]
    sendmail: Final[str]
    block: Final[tuple[str, ...]]  # senders whose mail is spam (lower-case addresses)

    def __init__(self, tag: str, addresses: tuple[str, ...], fallback_charsets: tuple[str, ...], reopen: bool,
                 max_attachment_mb: float, max_message_mb: float, timeout: float, batch: int, sender: str,
                 reply_status: str, cc_participants: bool, sendmail: str, block: tuple[str, ...] = ()) -> None:  # fmt: skip
        self.tag = tag
        self.addresses = addresses
        self.fallback_charsets = fallback_charsets
        self.reopen = reopen
        self.max_attachment_mb = max_attachment_mb
        self.max_message_mb = max_message_mb
        self.timeout = timeout
        self.batch = batch
        self.sender = sender
        self.reply_status = reply_status
        self.cc_participants = cc_participants
        self.sendmail = sendmail
        self.block = block


class AutoackSettings(Frozen):
    __slots__ = ("enabled", "limit", "window_hours", "suggest_kb")
    enabled: Final[bool]
    limit: Final[int]
    window_hours: Final[float]
    suggest_kb: Final[bool]  # the acknowledgement links the best public knowledge-base matches

    def __init__(self, enabled: bool, limit: int, window_hours: float, suggest_kb: bool = False) -> None:
        self.enabled = enabled
        self.limit = limit
        self.window_hours = window_hours
        self.suggest_kb = suggest_kb


class StatusAnswerSettings(Frozen):
    __slots__ = ("enabled", "keywords")
    enabled: Final[bool]
    keywords: Final[tuple[str, ...]]

    def __init__(self, enabled: bool, keywords: tuple[str, ...]) -> None:
        self.enabled = enabled
        self.keywords = keywords


class ClockSettings(Record):
    __slots__ = ("holidays_country", "pause_when_waiting", "hours", "holidays")
    holidays_country: Final[str]
    pause_when_waiting: Final[bool]
    hours: Final[dict[str, str]]  # weekday name → "09:00-17:00" (or empty)
    holidays: Final[tuple[str, ...]]  # ISO dates

    def __init__(self, holidays_country: str, pause_when_waiting: bool, hours: dict[str, str],
                 holidays: tuple[str, ...]) -> None:  # fmt: skip
        self.holidays_country = holidays_country
        self.pause_when_waiting = pause_when_waiting
        self.hours = hours
        self.holidays = holidays


class SlaTargets(Frozen):
    __slots__ = ("first_response", "resolution")
    first_response: Final[str]
    resolution: Final[str]

    def __init__(self, first_response: str, resolution: str) -> None:
        self.first_response = first_response
        self.resolution = resolution


class EscalationSettings(Frozen):
    __slots__ = ("queue", "owner", "auto")
    queue: Final[str]
    owner: Final[str]
    auto: Final[bool]

    def __init__(self, queue: str, owner: str, auto: bool) -> None:
        self.queue = queue
        self.owner = owner
        self.auto = auto


class RuleSettings(Record):
    """One routing rule, validated (domain/rules.py): its conditions, the fields it sets."""

    __slots__ = ("name", "match", "actions", "stop")
    name: Final[str]
    match: Final[dict[str, Any]]
    actions: Final[dict[str, Any]]  # the rule's `set:`
    stop: Final[bool]

    def __init__(self, name: str, match: dict[str, Any], actions: dict[str, Any], stop: bool) -> None:
        self.name = name
        self.match = match
        self.actions = actions
        self.stop = stop


class ImapAccount(Frozen):
    """One mailbox `tix fetch` reads (tix.yaml `imap.NAME`), validated by storage/config.py."""

    __slots__ = ("name", "host", "port", "security", "folders", "user", "after", "move_to", "password_command",
                 "password_env", "oauth2_token_command", "verify", "ca_file")  # fmt: skip
    name: Final[str]
    host: Final[str]
    port: Final[int]
    security: Final[str]  # "tls" (imaps://, implicit TLS), "starttls" (imap://), "none" (imap:// with tls: none)
    folders: Final[tuple[str, ...]]
    user: Final[str]
    after: Final[str]  # keep | seen | move | delete
    move_to: Final[str]  # the folder of after: move:FOLDER
    password_command: Final[str]
    password_env: Final[str]
    oauth2_token_command: Final[str]
    verify: Final[bool]  # check the server's certificate (tls: insecure turns it off, for tests)
    ca_file: Final[str]

    def __init__(self, name: str, host: str, port: int, security: str, folders: tuple[str, ...], user: str, after: str,
                 move_to: str, password_command: str, password_env: str, oauth2_token_command: str, verify: bool,
                 ca_file: str) -> None:  # fmt: skip
        self.name = name
        self.host = host
        self.port = port
        self.security = security
        self.folders = folders
        self.user = user
        self.after = after
        self.move_to = move_to
        self.password_command = password_command
        self.password_env = password_env
        self.oauth2_token_command = oauth2_token_command
        self.verify = verify
        self.ca_file = ca_file


class Settings(Record):
    __slots__ = ("helpdesk", "statuses", "priorities", "categories", "queues", "team", "mail", "smtp_url", "autoack",
                 "clock", "remind_before", "escalation", "sla", "rules", "imap", "views", "kb_base_url", "notify",
                 "status_answer")  # fmt: skip
    helpdesk: Final[HelpdeskSettings]
    statuses: Final[StatusSettings]
    priorities: Final[PrioritySettings]
    categories: Final[tuple[str, ...]]
    queues: Final[dict[str, QueueSettings]]
    team: Final[dict[str, MemberSettings]]
    mail: Final[MailSettings]
    smtp_url: Final[str]
    autoack: Final[AutoackSettings]
    clock: Final[ClockSettings]
    remind_before: Final[str]
    escalation: Final[EscalationSettings]
    sla: Final[dict[str, SlaTargets]]  # priority → targets
    rules: Final[tuple[RuleSettings, ...]]
    imap: Final[dict[str, ImapAccount]]
    views: Final[dict[str, str]]  # name → query (domain/query.py)
    kb_base_url: Final[str]  # where the knowledge-base site is published (kb_link in templates)
    notify: Final[dict[str, str]]  # status -> template of the customer's notice ('' or absent: none); {} by default
    status_answer: Final[StatusAnswerSettings]  # off, no keywords by default (a new one per Settings)

    def __init__(self, helpdesk: HelpdeskSettings, statuses: StatusSettings, priorities: PrioritySettings,
                 categories: tuple[str, ...], queues: dict[str, QueueSettings], team: dict[str, MemberSettings],
                 mail: MailSettings, smtp_url: str, autoack: AutoackSettings, clock: ClockSettings, remind_before: str,
                 escalation: EscalationSettings, sla: dict[str, SlaTargets], rules: tuple[RuleSettings, ...],
                 imap: dict[str, ImapAccount], views: dict[str, str], kb_base_url: str = "",
                 notify: dict[str, str] | None = None, status_answer: StatusAnswerSettings | None = None) -> None:  # fmt: skip
        self.helpdesk = helpdesk
        self.statuses = statuses
        self.priorities = priorities
        self.categories = categories
        self.queues = queues
        self.team = team
        self.mail = mail
        self.smtp_url = smtp_url
        self.autoack = autoack
        self.clock = clock
        self.remind_before = remind_before
        self.escalation = escalation
        self.sla = sla
        self.rules = rules
        self.imap = imap
        self.views = views
        self.kb_base_url = kb_base_url
        self.notify = {} if notify is None else notify
        self.status_answer = StatusAnswerSettings(False, ()) if status_answer is None else status_answer

    def own_addresses(self) -> set[str]:
        """Every address that is the helpdesk itself, lower-case."""
        found = {self.helpdesk.email, *(queue.email for queue in self.queues.values()), *self.mail.addresses}
        return {address.lower() for address in found if address}

    def team_addresses(self) -> set[str]:
        """The teammates' addresses, lower-case."""
        return {member.email.lower() for member in self.team.values() if member.email}

    def handle_of(self, email: str) -> str | None:
        """The team handle of the member with this address, if any."""
        wanted = email.lower()
        return next((handle for handle, member in self.team.items() if member.email.lower() == wanted), None)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def rules_from(validated: list[dict[str, Any]]) -> tuple[RuleSettings, ...]:
    """The typed rules of a list checked by domain/rules.py's `validate`."""
    return tuple(RuleSettings(rule["name"], dict(rule["match"]), dict(rule["set"]), bool(rule["stop"])) for rule in validated)


def imap_account(name: str, fields: dict[str, Any]) -> ImapAccount:
    """An `imap.NAME` entry checked by storage/config.py: its URL split into host, port and
    security, the folder of the URL's path when `folders` names none."""
    from urllib.parse import unquote, urlsplit

    url = urlsplit(_text(fields.get("url")))
    tls = _text(fields.get("tls")) or "verify"
    security = "tls" if url.scheme == "imaps" else "none" if tls == "none" else "starttls"
    folders = tuple(fields.get("folders") or ()) or (unquote(url.path.strip("/")) or "INBOX",)
    after = _text(fields.get("after")) or "keep"
    action, _, target = after.partition(":")
    return ImapAccount(name, url.hostname or "", url.port or (993 if security == "tls" else 143), security, folders,
                       _text(fields.get("user")) or unquote(url.username or ""), action, target,
                       _text(fields.get("password_command")), _text(fields.get("password_env")),
                       _text(fields.get("oauth2_token_command")), tls != "insecure", _text(fields.get("ca_file")))  # fmt: skip


def settings_from(data: dict[str, Any]) -> Settings:
    """The typed sections of validated configuration data (storage/config.py's `Config.data`)."""
    helpdesk, statuses, mail = data["helpdesk"], data["statuses"], data["mail"]
    return Settings(
        helpdesk=HelpdeskSettings(_text(helpdesk["name"]), _text(helpdesk["email"]), _text(helpdesk["timezone"]),
                                  _text(helpdesk["instance"]), _text(helpdesk["language"]) or "en"),
        statuses=StatusSettings(tuple(statuses["open"]), tuple(statuses["waiting"]), tuple(statuses["closed"]),
                                _text(statuses["initial"]), _text(statuses["reopen"])),
        priorities=PrioritySettings(tuple(data["priorities"]["levels"]), _text(data["priorities"]["default"])),
        categories=tuple(data["categories"]),
        queues={name: QueueSettings(_text(q.get("owner")), tuple(q.get("members") or ()), _text(q.get("email")),
                                    _text(q.get("assign"))) for name, q in data["queues"].items()},
        team={handle: MemberSettings(_text(m.get("name")), _text(m.get("email")), tuple(m.get("languages") or ()),
                                     bool(m.get("away")), _text(m.get("signature"))) for handle, m in data["team"].items()},
        mail=MailSettings(_text(mail["tag"]), tuple(mail["addresses"]), tuple(mail["fallback_charsets"]), bool(mail["reopen"]),
                          float(mail["max_attachment_mb"]), float(mail["max_message_mb"]), float(mail["timeout"]),
                          int(mail["batch"]), _text(mail["from"]), _text(mail["reply_status"]), bool(mail["cc_participants"]),
                          _text(mail["sendmail"]), tuple(str(a).lower() for a in mail.get("block") or ())),
        smtp_url=_text(data["smtp"]["url"]),
        autoack=AutoackSettings(bool(data["autoack"]["enabled"]), int(data["autoack"]["limit"]),
                                float(data["autoack"]["window_hours"]), bool(data["autoack"]["suggest_kb"])),
        clock=ClockSettings(_text(data["clock"]["holidays_country"]), bool(data["clock"]["pause_when_waiting"]),
                            {day: _text(hours) for day, hours in data["hours"].items()}, tuple(str(d) for d in data["holidays"])),
        remind_before=_text(data["remind"]["before"]),
        escalation=EscalationSettings(_text(data["escalation"]["queue"]), _text(data["escalation"]["owner"]),
                                      bool(data["escalation"]["auto"])),
        sla={name: SlaTargets(_text(t.get("first_response")), _text(t.get("resolution"))) for name, t in data["sla"].items()},
        rules=rules_from(data.get("rules") or []),
        imap={name: imap_account(name, fields) for name, fields in (data.get("imap") or {}).items()},
        views={str(name): _text(query) for name, query in (data.get("views") or {}).items()},
        kb_base_url=_text(data["kb"]["base_url"]),
        notify={str(status): _text(name) for status, name in (data.get("notify") or {}).items() if name},
        status_answer=StatusAnswerSettings(bool(data["status_answer"]["enabled"]), tuple(data["status_answer"]["keywords"])),
    )  # fmt: skip
