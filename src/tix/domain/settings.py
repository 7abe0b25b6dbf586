"""The helpdesk's settings as typed, read-only sections: what the code reads from tix.yaml.

storage/config.py reads and validates the file (the schema, `tix config`); `settings_from` turns
the validated data into these sections once, so no module reads `data["mail"]["tag"]` by string
key. Pure: no I/O, no YAML. Named tuples, not dataclasses: immutable and typed as well, and six
times cheaper to define, which every command pays at start-up (`bench/bench_foundation.py`).
"""

from __future__ import annotations

from typing import Any, NamedTuple


class HelpdeskSettings(NamedTuple):
    name: str
    email: str
    timezone: str
    instance: str
    language: str = "en"  # the default language of knowledge-base articles


class StatusSettings(NamedTuple):
    open: tuple[str, ...]
    waiting: tuple[str, ...]
    closed: tuple[str, ...]
    initial: str  # a new ticket's status
    reopen: str  # the status a closed ticket returns to when the customer writes again

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


class PrioritySettings(NamedTuple):
    levels: tuple[str, ...]
    default: str


class QueueSettings(NamedTuple):
    owner: str
    members: tuple[str, ...]
    email: str
    assign: str  # "", "round-robin" or "least-open"


class MemberSettings(NamedTuple):
    name: str
    email: str
    languages: tuple[str, ...]
    away: bool
    signature: str


class MailSettings(NamedTuple):
    tag: str  # the subject tag, with {instance} and {id}
    addresses: tuple[str, ...]  # our own addresses besides helpdesk.email
    fallback_charsets: tuple[str, ...]
    reopen: bool
    max_attachment_mb: float
    max_message_mb: float
    timeout: float
    batch: int
    sender: str  # mail.from
    reply_status: str
    cc_participants: bool
    sendmail: str
    block: tuple[str, ...] = ()  # senders whose mail is spam (lower-case addresses)


class AutoackSettings(NamedTuple):
    enabled: bool
    limit: int
    window_hours: float
    suggest_kb: bool = False  # the acknowledgement links the best public knowledge-base matches


class ClockSettings(NamedTuple):
    holidays_country: str
    pause_when_waiting: bool
    hours: dict[str, str]  # weekday name → "09:00-17:00" (or empty)
    holidays: tuple[str, ...]  # ISO dates


class SlaTargets(NamedTuple):
    first_response: str
    resolution: str


class EscalationSettings(NamedTuple):
    queue: str
    owner: str
    auto: bool


class RuleSettings(NamedTuple):
    """One routing rule, validated (domain/rules.py): its conditions, the fields it sets."""

    name: str
    match: dict[str, Any]
    actions: dict[str, Any]  # the rule's `set:`
    stop: bool


class ImapAccount(NamedTuple):
    """One mailbox `tix fetch` reads (tix.yaml `imap.NAME`), validated by storage/config.py."""

    name: str
    host: str
    port: int
    security: str  # "tls" (imaps://, implicit TLS), "starttls" (imap://), "none" (imap:// with tls: none)
    folders: tuple[str, ...]
    user: str
    after: str  # keep | seen | move | delete
    move_to: str  # the folder of after: move:FOLDER
    password_command: str
    password_env: str
    oauth2_token_command: str
    verify: bool  # check the server's certificate (tls: insecure turns it off, for tests)
    ca_file: str


class Settings(NamedTuple):
    helpdesk: HelpdeskSettings
    statuses: StatusSettings
    priorities: PrioritySettings
    categories: tuple[str, ...]
    queues: dict[str, QueueSettings]
    team: dict[str, MemberSettings]
    mail: MailSettings
    smtp_url: str
    autoack: AutoackSettings
    clock: ClockSettings
    remind_before: str
    escalation: EscalationSettings
    sla: dict[str, SlaTargets]  # priority → targets
    rules: tuple[RuleSettings, ...]
    imap: dict[str, ImapAccount]
    views: dict[str, str]  # name → query (domain/query.py)
    kb_base_url: str = ""  # where the knowledge-base site is published (kb_link in templates)

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
    )  # fmt: skip
