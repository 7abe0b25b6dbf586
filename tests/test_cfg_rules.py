"""Routing rules from teammates cannot stall intake: a regular expression runs with a time limit,
counts as not matching when it runs out, and the rule is named (issue 10 #8); `rules test` shows what
the importer does with robot mail (issue 9 #11)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from conftest import Cli, make_eml, make_maildir

from tix.domain import rules
from tix.domain.settings import rules_from
from tix.storage.yamlio import dump_yaml, load_yaml

EVIL_SUBJECT = "a" * 34 + "!"


def with_rules(helpdesk: Path, rule_list: list[dict]) -> None:  # type: ignore[type-arg]
    config = load_yaml((helpdesk / "tix.yaml").read_text(encoding="utf-8"))
    config["rules"] = rule_list
    (helpdesk / "tix.yaml").write_text(dump_yaml(config), encoding="utf-8")


def message(subject: str) -> rules.Message:
    return rules.Message(subject, "body", "jan@example.pl", ["support@example.com"], "email")


def test_the_catastrophic_pattern_from_the_report_does_not_stall_routing() -> None:
    rule_list = rules.validate([{"name": "aaa", "match": {"subject": "^(a+)+$"}, "set": {"priority": "high"}}])
    started = time.monotonic()
    outcome = rules.route(rules_from(rule_list), message(EVIL_SUBJECT))
    assert time.monotonic() - started < 2 * rules.RULE_TIMEOUT + 1
    assert outcome.fired == [] and outcome.fields == {}


def test_a_pattern_that_runs_out_of_time_is_not_a_match_and_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules, "RULE_TIMEOUT", 0.05)
    rule_list = rules.validate([
        {"name": "slow", "match": {"subject": "(a|aa)+b"}, "set": {"priority": "high"}},
        {"name": "fine", "match": {"subject": "^a"}, "set": {"tags": ["a"]}},
    ])  # fmt: skip
    outcome = rules.route(rules_from(rule_list), message("a" * 60))
    assert outcome.fired == ["fine"] and outcome.fields == {"tags": ["a"]}
    assert outcome.warnings == ["rule 'slow': a pattern took longer than 0.05 s; counted as not matching"]


def test_import_files_the_mail_past_a_stalling_rule(tix: Cli, helpdesk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules, "RULE_TIMEOUT", 0.05)
    with_rules(helpdesk, [{"name": "aaa", "match": {"subject": "^(a+)+$"}, "set": {"priority": "high"}},
                          {"name": "slow", "match": {"subject": "(a|aa)+b"}, "set": {"priority": "urgent"}}])
    maildir = make_maildir(tmp_path / "Maildir", {"1": make_eml(subject=EVIL_SUBJECT), "2": make_eml(subject="a" * 60 + "c", message_id="<m2@example.pl>")})
    result = tix.ok("import", str(maildir))
    assert "tix: warning: rule 'slow': a pattern took longer than 0.05 s" in result.err  # said by the import too
    rows = json.loads(tix.ok("list", "-f", "json").out)
    assert sorted(row["priority"] for row in rows) == ["normal", "normal"]
    slow = next(row["id"] for row in rows if row["subject"] == "a" * 60 + "c")
    shown = json.loads(tix.ok("show", slow, "-f", "json").out)
    assert shown["fields"]["routing"] == ["rule 'slow': a pattern took longer than 0.05 s; counted as not matching"]


def test_rules_test_says_what_the_importer_does_with_robot_mail(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    with_rules(helpdesk, [{"name": "all", "match": {"subject": "."}, "set": {"priority": "high"}}])
    robot = tmp_path / "ooo.eml"
    robot.write_bytes(make_eml(subject="Out of office", headers={"Auto-Submitted": "auto-replied"}))
    human = tmp_path / "human.eml"
    human.write_bytes(make_eml(subject="Help"))
    lines = tix.ok("rules", "test", str(robot), str(human)).lines
    assert lines == [f"{robot}: robot (auto-reply) → closed", f"{human}: all → priority=high"]
