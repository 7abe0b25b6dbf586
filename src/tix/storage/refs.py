"""What users paste where a ticket ID is expected, turned into the ticket's ID: the one place every
command resolves a ticket reference (issue 18 #6).

    RF8P, rf8phnxd, #rf8p           an ID or an unambiguous prefix, in any case
    [T9GPS#RF8PHNXD], T9GPS#RF8P    the subject tag (a whole subject line holding it too)
    <m1@example.pl>, m1@example.pl  a Message-ID the ticket holds (or one of ours naming it)
    tickets/RF/RF8PHNXD/ticket.md   a path to the ticket's file or into its folder

A plain ID or prefix costs what it always did (no index, no git); only a Message-ID opens the index.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from tix import messages as msg
from tix.domain import ids
from tix.domain.patterns import lazy
from tix.errors import TicketNotFound
from tix.storage.layout import TICKETS_DIR, Helpdesk

_ID = f"[{ids.ALPHABET}{ids.ALPHABET.lower()}]"
# a tag as the default mail.tag writes it, or a prefix of one: [T9GPS#RF8P], T9GPS#RF8P, #rf8p
_TAG = lazy(rf"^\[?\s*(?:[A-Za-z0-9][A-Za-z0-9_.-]*\s*)?#\s*({_ID}{{1,{ids.ID_LENGTH}}})\s*\]?$")
_TAG_IN_TEXT = lazy(rf"\[[A-Za-z0-9_.-]*\s*#\s*({_ID}{{1,{ids.ID_LENGTH}}})\]")
_PATH = lazy(rf"(?:^|/){TICKETS_DIR}/[^/]+/({_ID}{{{ids.ID_LENGTH}}})(?:/|$)")


def resolve(hd: Helpdesk, text: str) -> str:
    """The full ID of the ticket `text` names; TicketNotFound (or AmbiguousId) when none or many."""
    pasted = text.strip()
    if ids.normalize(pasted) is not None or not pasted:
        return hd.resolve_prefix(pasted)
    if "@" in pasted and not pasted.startswith("["):
        return _by_message_id(hd, pasted)
    if "/" in pasted or os.sep in pasted or pasted.endswith(".md"):
        found = _by_path(pasted)
        if found:
            return hd.resolve_prefix(found)
        raise TicketNotFound(msg.ops_path_not_a_ticket(pasted))
    tag = _TAG.match(pasted) or _TAG_IN_TEXT.search(pasted) or _configured_tag(hd, pasted)
    if tag:
        return hd.resolve_prefix(tag.group(1))
    return hd.resolve_prefix(pasted)  # its own error: not a ticket ID


def _by_path(text: str) -> str | None:
    """The ID in a path to a ticket's file or folder, as given or from the current folder."""
    for candidate in (text.replace(os.sep, "/"), os.path.normpath(Path.cwd() / text).replace(os.sep, "/")):
        found = _PATH.search(candidate)
        if found:
            return found.group(1).upper()
    return None


def _configured_tag(hd: Helpdesk, text: str) -> re.Match[str] | None:
    """The helpdesk's own tag format (mail.tag), when it is not the default's shape."""
    from tix.domain import identities

    settings = hd.config.settings
    return identities.tag_pattern(settings.mail.tag, settings.helpdesk.instance).search(text)


def _by_message_id(hd: Helpdesk, text: str) -> str:
    """The ticket holding a Message-ID (with or without its angle brackets); else the ticket one of
    our own Message-IDs names."""
    from tix.domain import identities
    from tix.storage.index import Index

    bare = text.strip().strip("<>").strip()
    message_id = f"<{bare}>"
    with Index.current(hd) as index:
        held = index.ticket_for_message(message_id) or index.ticket_for_message(bare)
    if held and hd.exists(held):
        return held
    claim = identities.SIGNED.match(message_id) or identities.UNSIGNED.match(message_id)
    if claim and hd.exists(claim.group(1).upper()):
        return claim.group(1).upper()
    raise TicketNotFound(msg.ops_no_ticket_holds(message_id))
