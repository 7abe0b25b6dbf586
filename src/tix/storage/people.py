"""Who is acting, and who a user name on the command line means."""

from __future__ import annotations

import os

from tix.domain.model import Person
from tix.errors import InvalidValue, NoIdentity
from tix.storage.config import Config
from tix.storage.gitrepo import GitRepo


def acting_user(git: GitRepo, override: str | None = None) -> Person:
    """`--as`, else TIX_USER, else git's user.name/user.email."""
    for source, text in (("--as", override), ("TIX_USER", os.environ.get("TIX_USER"))):
        if text:
            person = Person.parse(text)
            if person is None:
                raise NoIdentity(f"{source}: {text!r} is not 'Name <email>' or an address")
            return person
    email = git.config_value("user.email")
    if not email:
        raise NoIdentity(
            "no identity: set git's user.email (git config --global user.email you@example.com), TIX_USER or --as"
        )
    return Person(git.config_value("user.name") or "", email)


def resolve_agent(config: Config, text: str) -> str:
    """A team handle, a member's address or 'Name <address>' -> the address stored as owner."""
    team = config.team
    if text in team:
        return str(team[text]["email"])
    person = Person.parse(text)
    if person is None:
        known = f" (team: {', '.join(sorted(team))})" if team else ""
        raise InvalidValue(f"'{text}' is neither a team handle nor a mail address{known}")
    if team and not any(member["email"].lower() == person.email.lower() for member in team.values()):
        raise InvalidValue(f"'{person.email}' is not a team member (see `tix config list` team.*)")
    return person.email


def display_name(config: Config, email: str | None) -> str:
    """A short name for an owner: the team handle when there is one, else the address."""
    if not email:
        return ""
    for handle, member in config.team.items():
        if str(member["email"]).lower() == email.lower():
            return handle
    return email
