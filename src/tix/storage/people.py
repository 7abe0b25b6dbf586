"""Who is acting, and who a user name on the command line means."""

from __future__ import annotations

import os
from collections.abc import Callable

from tix import messages as msg
from tix.domain.model import Person
from tix.errors import InvalidValue, NoIdentity
from tix.storage.config import Config
from tix.storage.gitrepo import GitRepo


def acting_user(git: GitRepo, override: str | None = None, config: Callable[[], Config] | None = None) -> Person:
    """`--as`, else TIX_USER, else git's user.name/user.email. `--as` and TIX_USER may name a team
    handle, as everywhere a user is expected (`config`: the helpdesk's, read only for a handle)."""
    for source, text in (("--as", override), ("TIX_USER", os.environ.get("TIX_USER"))):
        if text:
            person = Person.parse(text)
            if person is None:
                team = config().settings.team if config is not None else {}
                member = team.get(text.strip())
                if member is None or not member.email:
                    raise NoIdentity(msg.identity_unknown_handle(source, text, sorted(team)) if config is not None
                                     else msg.identity_not_a_person(source, text))  # fmt: skip
                return Person(member.name or text.strip(), member.email)
            return person
    email = git.config_value("user.email")
    if not email:
        raise NoIdentity(msg.no_identity())
    return Person(git.config_value("user.name") or "", email)


def resolve_agent(config: Config, text: str) -> str:
    """A team handle, a member's address or 'Name <address>' -> the address stored as owner."""
    team = config.settings.team
    if text in team:
        return team[text].email
    person = Person.parse(text)
    if person is None:
        raise InvalidValue(msg.agent_unknown(text, sorted(team)))
    if team and config.settings.handle_of(person.email) is None:
        raise InvalidValue(msg.agent_not_in_team(person.email))
    return person.email


def display_name(config: Config, email: str | None) -> str:
    """A short name for an owner: the team handle when there is one, else the address."""
    if not email:
        return ""
    return config.settings.handle_of(email) or email
