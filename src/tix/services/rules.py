"""`tix rules test`: which routing rules fire for a message, and what a new ticket would get.
Nothing is changed."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tix import messages as msg
from tix.domain import clock
from tix.errors import InvalidValue
from tix.storage.layout import Helpdesk


@dataclass
class RuleTest:
    path: Path
    fired: list[str]  # the rules that fire, in order
    fields: dict[str, Any]  # what a new ticket would get (the owner with how auto-assignment picked it)
    warnings: list[str] = field(default_factory=list)  # a rule whose pattern timed out
    robot: str | None = None  # robot mail: filed closed, tagged with its kind, without rules


def explain(helpdesk: Helpdesk, paths: list[Path]) -> list[RuleTest]:
    """For each message file, the rules that fire and the resulting fields (with the owner
    auto-assignment would pick); for robot mail, the closed status the importer gives it."""
    from tix.domain.rules import Message, pick_owner, route
    from tix.mail import parse as mailparse
    from tix.storage.index import Index

    config = helpdesk.config
    with Index.current(helpdesk) as index:
        rows = index.rows(clock.now(config.timezone))
    results = []
    for path in paths:
        try:
            raw = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()  # '-': stdin, as for tix import
            mail = mailparse.parse(raw, list(config.settings.mail.fallback_charsets))
        except OSError as exc:
            raise InvalidValue(msg.rules_message_unreadable(path, exc.strerror)) from None
        if mail.robot:  # as the importer files it (services/intake.py)
            results.append(RuleTest(path, [], {"status": config.closed_statuses[0]}, robot=mail.robot))
            continue
        sender = mail.sender.email if mail.sender else ""
        if sender.lower() in config.settings.mail.block:  # as the importer files it: spam, rules not applied
            results.append(RuleTest(path, [], {"status": config.closed_statuses[0], "tags": ["spam"]}, [msg.ops_blocked_sender(sender.lower())]))
            continue
        recipients = [p.email for p in mail.to + mail.cc] + mail.delivered_to
        outcome = route(config.settings.rules, Message(mail.subject, mail.text, sender, recipients, "email"))
        fields = dict(outcome.fields)
        if fields.get("queue") and "owner" not in fields:
            picked = pick_owner(config.settings.queues, config.settings.team, str(fields["queue"]), rows, config.closed_statuses)
            if picked:
                fields["owner"] = msg.rules_picked_owner(*picked)
        results.append(RuleTest(path, outcome.fired, fields, list(outcome.warnings)))
    return results
