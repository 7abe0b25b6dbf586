"""`tix config set`: change one value of tix.yaml, validated, committed like any other change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tix import messages as msg
from tix.domain import commits
from tix.errors import TixError
from tix.storage.files import write_atomic
from tix.storage.layout import Helpdesk
from tix.storage.people import acting_user


@dataclass
class Setting:
    key: str
    value: Any  # as tix.yaml now holds it
    commit: str | None  # None: the value was already so


def set_value(hd: Helpdesk, actor_override: str | None, key: str, value: str) -> Setting:
    """Validate and write one config value, committed; a trusted key this clone's user sets is
    their own decision, so it is approved here at once (mail/outbox.py)."""
    from tix.mail.transport import TRUSTED_KEYS, approve
    from tix.storage import config as configmod
    from tix.storage.yamlio import load_yaml

    actor = acting_user(hd.git, actor_override, lambda: configmod.Config.load(hd.root))
    with hd.locked():
        current = configmod.Config.load(hd.root)
        updated = current.with_value(key, value)
        commit = None
        if updated.data != current.data:
            text = configmod.render(updated.data)
            if configmod.validate(load_yaml(text)) != updated.data:  # never commit a file that reads back differently
                raise TixError(msg.config_would_not_read_back(configmod.CONFIG_FILE))
            write_atomic(hd.root / configmod.CONFIG_FILE, text)
            commit = hd.git.commit([configmod.CONFIG_FILE], commits.message(msg.commit_config_set(key, value), "config"), actor)
    now = configmod.Config.load(hd.root)
    if key in TRUSTED_KEYS:
        approve(hd, now, (key,))
    return Setting(key, now.get(key), commit)
