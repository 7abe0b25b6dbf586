"""`tix config set`: change values of tix.yaml, validated together, committed like any other change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tix import messages as msg
from tix.domain import commits
from tix.errors import ConfigError
from tix.storage.files import write_atomic
from tix.storage.layout import Helpdesk
from tix.storage.people import acting_user


@dataclass
class Setting:
    key: str
    value: Any  # as tix.yaml now holds it
    commit: str | None  # None: nothing changed
    changed: bool = True  # False: this value was already so


def set_value(hd: Helpdesk, actor_override: str | None, key: str, value: str) -> Setting:
    """One value (see set_values)."""
    return set_values(hd, actor_override, [(key, value)])[0]


def set_values(hd: Helpdesk, actor_override: str | None, pairs: list[tuple[str, str]]) -> list[Setting]:
    """Validate and write config values, all in one commit or none (the error names the key).
    tix.yaml keeps its comments and layout: only the values set are written anew
    (storage/yamledit.py). A trusted key this clone's user sets is their own decision, so it is
    approved here at once (mail/outbox.py)."""
    from tix.mail.transport import TRUSTED_KEYS, approve
    from tix.storage import config as configmod

    keys = [key for key, _ in pairs]
    twice = next((key for n, key in enumerate(keys) if key in keys[:n]), None)
    if twice is not None:
        raise ConfigError(msg.config_key_given_twice(twice))
    actor = acting_user(hd.git, actor_override, lambda: configmod.Config.load(hd.root))
    with hd.locked():
        current = configmod.Config.load(hd.root)
        updated = current.with_values(pairs)
        changed = {key for key in keys if _lookup(updated.data, key) != _lookup(current.data, key)}
        commit = None
        if updated.data != current.data:
            path = hd.root / configmod.CONFIG_FILE
            text = configmod.edited_text(path.read_text(encoding="utf-8"), updated.data, [key for key in keys if key in changed])
            write_atomic(path, text)
            subject = msg.commit_config_set_many([(key, value) for key, value in pairs if key in changed])
            commit = hd.git.commit([configmod.CONFIG_FILE], commits.message(subject, "config"), actor)
    now = configmod.Config.load(hd.root)
    trusted = tuple(key for key in keys if key in TRUSTED_KEYS)
    if trusted:
        approve(hd, now, trusted)
    return [Setting(key, now.get(key), commit if key in changed else None, key in changed) for key in keys]


def _lookup(data: dict[str, Any], key: str) -> Any:
    value: Any = data
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value
