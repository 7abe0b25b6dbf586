"""The typed sections of tix.yaml (domain/settings.py) hold what the validated data holds (issue 11 #2)."""

from __future__ import annotations

from pathlib import Path

from tix.storage.config import Config, defaults, validate

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "tix.yaml"


def test_the_defaults_as_sections() -> None:
    settings = Config(defaults()).settings
    assert settings.statuses.initial == "new" and "closed" in settings.statuses.all
    assert settings.statuses.group_of(settings.statuses.reopen) in ("open", "waiting")
    assert settings.priorities.default in settings.priorities.levels
    assert "{id}" in settings.mail.tag and settings.mail.batch > 0
    assert set(settings.clock.hours) == {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}


def test_the_example_configuration_as_sections() -> None:
    from tix.storage.yamlio import load_yaml

    data = validate(load_yaml(EXAMPLE.read_text(encoding="utf-8")))
    settings = Config(data).settings
    assert settings.helpdesk.timezone == data["helpdesk"]["timezone"]
    assert settings.statuses.groups() == {group: list(data["statuses"][group]) for group in ("open", "waiting", "closed")}
    assert {name: (q.owner, list(q.members)) for name, q in settings.queues.items()} == {
        name: (q.get("owner") or "", list(q.get("members") or [])) for name, q in data["queues"].items()}
    assert {handle: m.email for handle, m in settings.team.items()} == {h: m["email"] for h, m in data["team"].items()}
    assert {p: (s.first_response, s.resolution) for p, s in settings.sla.items()} == {
        p: (t.get("first_response") or "", t.get("resolution") or "") for p, t in data["sla"].items()}
