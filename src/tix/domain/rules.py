"""Routing rules and auto-assignment: where a new ticket goes and who gets it.

Rules live in tix.yaml under `rules:`, a list applied in order to every new ticket (from
`tix import` and `tix new`). A rule fires when all its `match` conditions hold; its `set`
actions apply (a later rule overrides an earlier one's fields; tags add up); `stop: true`
ends the list. Then, if the ticket has a queue but no owner and the queue says `assign:
round-robin` or `least-open`, a member who is not away gets it.

    rules:
      - name: complaints
        match: {to: reklamacje@firma.example}
        set: {queue: complaints, category: complaint, priority: high}
        stop: true
      - name: invoices
        match: {subject: "faktur|invoice"}        # regular expressions, case-insensitive
        set: {queue: accounting, tags: [invoice]}

Rules come from teammates through git, so a pattern is data, not a trusted program: each
regular expression runs with a time limit (RULE_TIMEOUT, via the `regex` package; the standard
`re` cannot be interrupted). A pattern that backtracks past it, like `^(a+)+$` against 34 a's
and a '!', counts as not matching, and the rule is named in Outcome.warnings (issue 10 #8).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from tix import messages as msg
from tix.domain.settings import MemberSettings, QueueSettings, RuleSettings
from tix.errors import ConfigError

MATCH_KEYS = ("to", "from", "from_domain", "subject", "body", "keywords", "channel", "language")
SET_KEYS = ("queue", "category", "priority", "tags", "owner")
ASSIGN_MODES = ("", "round-robin", "least-open")
RULE_TIMEOUT = 0.5  # seconds one regular expression may take on one message


@dataclass
class Message:
    """What a rule can look at."""

    subject: str
    body: str
    sender: str  # address
    recipients: list[str]  # To, Cc and Delivered-To addresses
    channel: str


@dataclass
class Outcome:
    fired: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # rules whose pattern timed out, for the caller to print


def validate(raw: Any) -> list[dict[str, Any]]:
    """Check the `rules` list; errors name the rule (rules[2] or its name) and the key."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ConfigError(msg.rules_not_a_list())
    rules = []
    for number, rule in enumerate(raw):
        where = msg.rules_place(number)
        if not isinstance(rule, dict):
            raise ConfigError(msg.rules_not_a_mapping(where))
        unknown = set(rule) - {"name", "match", "set", "stop"}
        if unknown:
            raise ConfigError(msg.rules_unknown_key(where, sorted(unknown)[0]))
        where = msg.rules_place(number, rule.get("name"))
        match, actions = rule.get("match") or {}, rule.get("set") or {}
        if not isinstance(match, dict) or not isinstance(actions, dict):
            raise ConfigError(msg.rules_match_set_not_mappings(where))
        for key, value in match.items():
            if key not in MATCH_KEYS:
                raise ConfigError(msg.rules_unknown_condition(where, key, MATCH_KEYS))
            if key in ("subject", "body"):
                import regex

                try:
                    regex.compile(str(value), regex.IGNORECASE)
                except regex.error as exc:
                    raise ConfigError(msg.rules_bad_pattern(where, key, exc)) from None
        for key in actions:
            if key not in SET_KEYS:
                raise ConfigError(msg.rules_unknown_action(where, key, SET_KEYS))
        rules.append({"name": str(rule.get("name") or msg.rule_default_name(number + 1)), "match": dict(match),
                      "set": dict(actions), "stop": bool(rule.get("stop", False))})  # fmt: skip
    return rules


def check_against(config_data: dict[str, Any]) -> None:
    """Cross-checks once the whole config is known: values the rules set must exist."""
    levels, queues, team = config_data["priorities"]["levels"], config_data["queues"], config_data["team"]
    categories = config_data["categories"]
    for rule in config_data.get("rules") or []:
        actions = rule["set"]
        if "priority" in actions and actions["priority"] not in levels:
            raise ConfigError(msg.rule_sets_unknown(rule["name"], "priority", actions["priority"]))
        if "queue" in actions and queues and actions["queue"] not in queues:
            raise ConfigError(msg.rule_sets_unknown(rule["name"], "queue", actions["queue"]))
        if "category" in actions and categories and actions["category"] not in categories:
            raise ConfigError(msg.rule_sets_unknown(rule["name"], "category", actions["category"]))
        if "owner" in actions and team and actions["owner"] not in team:
            raise ConfigError(msg.rule_sets_unknown(rule["name"], "owner", actions["owner"]))


def guess_language(text: str) -> str:
    """A cheap guess between the languages a Polish shop meets: ru, pl or en."""
    cyrillic = sum(1 for ch in text if "\u0400" <= ch <= "\u04ff")
    polish = sum(1 for ch in text.lower() if ch in "ąćęłńśźż")
    if cyrillic > 3 and cyrillic >= polish:
        return "ru"
    return "pl" if polish > 1 else "en"


def _as_list(value: Any) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


class PatternTimeout(Exception):
    pass


def matches(condition: str, expected: Any, message: Message) -> bool:
    """Whether one condition holds; PatternTimeout when a regular expression runs out of time."""
    if condition == "to":
        wanted = {address.lower() for address in _as_list(expected)}
        return any(address.lower() in wanted for address in message.recipients)
    if condition == "from":
        return message.sender.lower() in {address.lower() for address in _as_list(expected)}
    if condition == "from_domain":
        domain = message.sender.rpartition("@")[2].lower()
        return any(domain == d.lower().lstrip("@") or domain.endswith("." + d.lower().lstrip("@")) for d in _as_list(expected))
    if condition in ("subject", "body"):
        import regex

        try:
            return regex.search(str(expected), getattr(message, condition), regex.IGNORECASE, timeout=RULE_TIMEOUT) is not None
        except TimeoutError:
            raise PatternTimeout from None
    if condition == "keywords":
        text = f"{message.subject}\n{message.body}".lower()
        return any(word.lower() in text for word in _as_list(expected))
    if condition == "channel":
        return message.channel in _as_list(expected)
    if condition == "language":
        return guess_language(f"{message.subject}\n{message.body}") in _as_list(expected)
    return False


def route(rules: Sequence[RuleSettings], message: Message) -> Outcome:
    outcome = Outcome()
    for rule in rules:
        try:
            fired = all(matches(condition, expected, message) for condition, expected in rule.match.items())
        except PatternTimeout:
            warning = msg.rule_timed_out(rule.name, RULE_TIMEOUT)
            outcome.warnings.append(warning)
            outcome.notes.append(warning)
            continue
        if fired:
            outcome.fired.append(rule.name)
            for key, value in rule.actions.items():
                if key == "tags":
                    outcome.fields["tags"] = sorted(set(outcome.fields.get("tags", [])) | set(_as_list(value)))
                else:
                    outcome.fields[key] = value
            outcome.notes.append(msg.rule_fired(rule.name, rule.actions))
            if rule.stop:
                break
    return outcome


class Assignable(Protocol):
    """What auto-assignment reads of a ticket (an index row)."""

    @property
    def owner(self) -> str | None: ...
    @property
    def status(self) -> str: ...
    @property
    def queue(self) -> str | None: ...
    @property
    def created(self) -> str: ...


def pick_owner(queues: Mapping[str, QueueSettings], team: Mapping[str, MemberSettings], queue: str,
               rows: Sequence[Assignable], closed: Sequence[str], language: str | None = None) -> tuple[str, str] | None:  # fmt: skip
    """(handle, how) for a new ticket in `queue`, from the index rows of the helpdesk's tickets,
    or None. Round-robin: the member whose latest ticket in the queue is oldest (derived from
    the tickets themselves, so every clone agrees); least-open: fewest tickets not closed.
    Members who speak the customer's `language` (team.*.languages) come first: when any of the
    queue's members does, the choice is among them (issue 18 item 4)."""
    settings = queues.get(queue)
    if settings is None:
        return None
    members = [m for m in settings.members if m in team and not team[m].away]
    speakers = [m for m in members if language and language in team[m].languages]
    members = speakers or members
    if not settings.assign or not members:
        return None
    mode = settings.assign
    email_of = {m: team[m].email.lower() for m in members}
    if mode == "least-open":
        load = {m: sum(1 for r in rows if (r.owner or "").lower() == email_of[m] and r.status not in closed) for m in members}
        chosen = min(members, key=lambda m: (load[m], members.index(m)))
        return chosen, msg.assigned_least_open(queue, load[chosen])
    latest = {m: max((r.created for r in rows if r.queue == queue and (r.owner or "").lower() == email_of[m]), default="")
              for m in members}  # fmt: skip
    chosen = min(members, key=lambda m: (latest[m], members.index(m)))
    return chosen, msg.assigned_round_robin(queue)
