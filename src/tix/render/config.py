"""What the set-up commands print: `tix init`, the configuration's values, `tix rules test`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tix import messages as msg
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
    """A config value as `tix config` prints it: lists joined by `separator`, a mapping as YAML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return separator.join(str(item) for item in value)
    if isinstance(value, dict):
        from tix.storage.yamlio import dump_yaml

        return dump_yaml(value).rstrip("\n")
    return "" if value is None else str(value)


def values(pairs: list[tuple[str, Any]]) -> str:
    return "\n".join(f"{key}={value(item, ', ')}" for key, item in pairs)


def setting(result: Setting) -> str:
    return f"{result.key}={value(result.value, ', ')}" if result.changed else msg.config_unchanged(result.key)


def approved(pinned: dict[str, str]) -> str:
    return "\n".join(msg.config_approved(key, item) for key, item in pinned.items()) or msg.config_nothing_to_approve()


def rule_tests(results: list[RuleTest]) -> Printout:
    printout = Printout()
    for result in results:
        for warning in result.warnings:
            printout.warn(warning)
        if result.robot:  # filed closed, rules not applied
            printout.out(msg.rules_robot(result.path, result.robot, result.fields["status"]))
            continue
        fields = " ".join(f"{k}={','.join(v) if isinstance(v, list) else v}" for k, v in result.fields.items()) or msg.rules_defaults()
        printout.out(msg.rules_tested(result.path, result.fired, fields))
    return printout

