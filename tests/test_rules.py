"""Routing rules and auto-assignment, on tix new, tix import and tix rules test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Cli, make_eml

from tix.domain import rules
from tix.storage.yamlio import dump_yaml, load_yaml

RULES = [
    {"name": "complaints", "match": {"to": "reklamacje@firma.example"},
     "set": {"queue": "complaints", "category": "complaint", "priority": "high"}, "stop": True},
    {"name": "vip", "match": {"from_domain": "bigclient.example"}, "set": {"priority": "urgent", "tags": ["vip"]}},
    {"name": "invoices", "match": {"subject": "faktur|invoice"}, "set": {"queue": "accounting", "tags": ["invoice"]}},
    {"name": "russian", "match": {"language": "ru"}, "set": {"owner": "ivan"}},
    {"name": "phone urgent words", "match": {"channel": "phone", "keywords": ["pali się", "on fire"]}, "set": {"priority": "urgent"}},
]  # fmt: skip


@pytest.fixture
def routed(tix: Cli, helpdesk: Path) -> Cli:
    config = load_yaml((helpdesk / "tix.yaml").read_text(encoding="utf-8"))
    config["team"] = {name: {"email": f"{name}@firma.example"} for name in ("anna", "bob", "ivan", "ola")}
    config["team"]["ola"]["away"] = True
    config["queues"] = {
        "complaints": {"members": ["anna", "bob", "ola"], "assign": "round-robin"},
        "accounting": {"members": ["anna", "bob"], "assign": "least-open"},
    }
    config["categories"] = ["general", "complaint", "billing"]
    config["rules"] = RULES
    (helpdesk / "tix.yaml").write_text(dump_yaml(config), encoding="utf-8")
    return tix


def ticket(tix: Cli, ticket_id: str) -> dict:  # type: ignore[type-arg]
    return json.loads(tix.ok("show", ticket_id, "-f", "json").out)


def imported(tix: Cli, tmp_path: Path, name: str, **mail: object) -> dict:  # type: ignore[type-arg]
    path = tmp_path / f"{name}.eml"
    path.write_bytes(make_eml(message_id=f"<{name}@x>", **mail))  # type: ignore[arg-type]
    tix.ok("import", str(path))
    rows = json.loads(tix.ok("list", "--all", "-f", "json").out)
    [row] = [r for r in rows if ticket(tix, r["id"])["message_ids"] == [f"<{name}@x>"]]
    return ticket(tix, row["id"])


def test_each_rule_kind_on_import(routed: Cli, tmp_path: Path) -> None:
    complaint = imported(routed, tmp_path, "c1", to="Reklamacje <reklamacje@firma.example>", subject="Faktura i reklamacja")
    assert (complaint["queue"], complaint["category"], complaint["priority"]) == ("complaints", "complaint", "high")
    assert complaint["tags"] == []  # stop: the invoice rule never ran
    assert complaint["fields"]["routing"][0] == "rule 'complaints': queue=complaints, category=complaint, priority=high"
    vip = imported(routed, tmp_path, "v1", sender="Boss <boss@sales.bigclient.example>", subject="Invoice 7 is wrong")
    assert (vip["priority"], vip["queue"], vip["tags"]) == ("urgent", "accounting", ["invoice", "vip"])
    russian = imported(routed, tmp_path, "r1", sender="olga@example.ru", subject="Заказ не пришёл", body="Здравствуйте, где мой заказ?")
    assert russian["owner"] == "ivan@firma.example"
    plain = imported(routed, tmp_path, "p1", subject="Question", body="Hello")
    assert (plain["queue"], plain["priority"], plain["owner"]) == (None, "normal", None)


def test_round_robin_is_fair_and_skips_members_who_are_away(routed: Cli, tmp_path: Path) -> None:
    for n in range(6):
        (tmp_path / f"c{n}.eml").write_bytes(make_eml(message_id=f"<c{n}@x>", to="reklamacje@firma.example", subject=f"Complaint {n}"))
    routed.ok("import", *(str(tmp_path / f"c{n}.eml") for n in range(6)))  # one run, one batch
    owners = [row["owner"] for row in json.loads(routed.ok("list", "--queue", "complaints", "-f", "json", "--sort", "created").out)]
    assert sorted(owners) == ["anna@firma.example"] * 3 + ["bob@firma.example"] * 3  # ola is away
    (tmp_path / "c6.eml").write_bytes(make_eml(message_id="<c6@x>", to="reklamacje@firma.example"))
    routed.ok("import", str(tmp_path / "c6.eml"))
    owners = [row["owner"] for row in json.loads(routed.ok("list", "--queue", "complaints", "-f", "json").out)]
    assert abs(owners.count("anna@firma.example") - owners.count("bob@firma.example")) == 1


def test_least_open_picks_the_member_with_fewest_open_tickets(routed: Cli, tmp_path: Path) -> None:
    for n in range(2):
        routed.ok("new", f"Old {n}", "--queue", "accounting", "--owner", "anna")
    result = routed.ok("new", "Faktura 12", "--from", "klient@example.pl")
    assert ticket(routed, result.out.strip())["owner"] == "bob@firma.example"
    assert ticket(routed, result.out.strip())["fields"]["routing"][-1] == "assigned to bob by tix (least-open in accounting (0 open))"


def test_explicit_options_on_new_win_over_rules(routed: Cli) -> None:
    ticket_id = routed.ok("new", "Printer on fire", "--channel", "phone", "-p", "low").out.strip()
    assert ticket(routed, ticket_id)["priority"] == "low"
    ticket_id = routed.ok("new", "Printer on fire", "--channel", "phone").out.strip()
    assert ticket(routed, ticket_id)["priority"] == "urgent"


def test_rules_test_shows_what_would_happen_and_changes_nothing(routed: Cli, helpdesk: Path, tmp_path: Path) -> None:
    from conftest import git

    head = git(helpdesk, "rev-parse", "HEAD")
    complaint = tmp_path / "c.eml"
    complaint.write_bytes(make_eml(to="reklamacje@firma.example"))
    other = tmp_path / "o.eml"
    other.write_bytes(make_eml(subject="Hi"))
    lines = routed.ok("rules", "test", str(complaint), str(other)).lines
    assert lines[0] == f"{complaint}: complaints → queue=complaints category=complaint priority=high owner=anna (round-robin in complaints)"
    assert lines[1] == f"{other}: no rule → defaults"
    assert git(helpdesk, "rev-parse", "HEAD") == head


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ([{"match": {"colour": "red"}, "set": {}}], "rules[0].match: unknown condition 'colour'"),
        ([{"name": "x", "match": {"subject": "("}, "set": {}}], "rules[0] (x).match.subject: not a regular expression"),
        ([{"match": {}, "set": {"mood": "happy"}}], "rules[0].set: unknown action 'mood'"),
        ([{"name": "y", "match": {}, "set": {"priority": "p0"}}], "rule 'y': priority 'p0' is not in priorities.levels"),
        ("nope", "rules: expected a list of rules"),
    ],
)
def test_invalid_rules_are_refused_naming_the_rule(tix: Cli, helpdesk: Path, bad: object, message: str) -> None:
    config = load_yaml((helpdesk / "tix.yaml").read_text(encoding="utf-8"))
    config["rules"] = bad
    (helpdesk / "tix.yaml").write_text(dump_yaml(config), encoding="utf-8")
    assert tix("list").err.startswith(f"tix: error: {message}")


def test_language_guess() -> None:
    assert rules.guess_language("Здравствуйте, где мой заказ?") == "ru"
    assert rules.guess_language("Dzień dobry, proszę o fakturę") == "pl"
    assert rules.guess_language("Hello there") == "en"
