"""What the set-up commands print: `tix init`, the configuration's values, `tix rules test`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tix import messages as msg
from tix.render import text
from tix.render.printout import Printout

if TYPE_CHECKING:
    from tix.services.config import Setting
    from tix.services.rules import RuleTest
    from tix.services.setup import InitResult


def initialized(result: InitResult) -> str:
    if result.written:
        return msg.initialized(result.root, result.written)
    return msg.already_a_helpdesk(result.root)


def value(value: Any, separator: str) -> str:
    """A config value as `tix config` prints it: lists of words joined by `separator`, a mapping
    or a list of them (the rules) as YAML, as tix.yaml writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and not any(isinstance(item, (dict, list)) for item in value):
        return separator.join(str(item) for item in value)
    if isinstance(value, (dict, list)):
        from tix.storage.yamlio import dump_yaml

        return dump_yaml(value).rstrip("\n")
    return "" if value is None else str(value)


def values(pairs: list[tuple[str, Any]], format: str = "text") -> str:
    """`tix config list`: KEY=VALUE lines (the rules as their number and names: `tix config get
    rules` prints them whole), or one JSON object of the same keys with their values."""
    if format == "json":
        return text.to_json(dict(pairs))
    return "\n".join(f"{key}={_summary(item) if key == 'rules' else value(item, ', ')}" for key, item in pairs)


def as_json(key: str, found: Any) -> str:
    """`tix config get KEY -f json`: {"key": KEY, "value": its value}."""
    return text.to_json({"key": key, "value": found})


def _summary(rules: list[dict[str, Any]]) -> str:
    return msg.config_rules_summary(len(rules), [str(rule.get("name") or "") for rule in rules]) if rules else ""


def setting(result: Setting) -> str:
    return f"{result.key}={value(result.value, ', ')}" if result.changed else msg.config_unchanged(result.key)


def approved(pinned: dict[str, str]) -> str:
    return "\n".join(msg.config_approved(key, item) for key, item in pinned.items()) or msg.config_nothing_to_approve()


def rule_tests(results: list[RuleTest], format: str = "text") -> Printout:
    """`tix rules test`; as JSON one object per message: {path, fired, fields, robot, warnings}
    (the warnings on stderr too)."""
    printout = Printout()
    for result in results:
        for warning in result.warnings:
            printout.warn(warning)
    if format == "json":
        printout.out(text.to_json([{"path": str(r.path), "fired": r.fired, "fields": r.fields, "robot": r.robot,
                                    "warnings": r.warnings} for r in results]))  # fmt: skip
        return printout
    for result in results:
        if result.robot:  # filed closed, rules not applied
            printout.out(msg.rules_robot(result.path, result.robot, result.fields["status"]))
            continue
        fields = " ".join(f"{k}={','.join(map(str, v)) if isinstance(v, list) else text.human(v)}" for k, v in result.fields.items())
        printout.out(msg.rules_tested(result.path, result.fired, fields or msg.rules_defaults()))
    return printout

