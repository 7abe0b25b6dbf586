"""The ticket use cases: open, assign, move, tag, note, edit. Each validates, then changes one
ticket in one commit through the desk (services/desk.py), and returns the `Change`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tix import messages as msg
from tix.domain import ids
from tix.domain.model import Entry, Person, Ticket
from tix.errors import InvalidValue, TixError
from tix.services.desk import Change, Desk, edit_a_copy
from tix.storage.files import read_text, write_atomic
from tix.storage.people import resolve_agent
from tix.storage.refs import resolve as resolve_ref


def create(
    desk: Desk,
    subject: str,
    requester: Person | None = None,
    body: str = "",
    channel: str = "other",
    priority: str | None = None,
    category: str | None = None,
    owner: str | None = None,
    queue: str | None = None,
    tags: list[str] | None = None,
) -> Change:
    if not subject.strip():
        raise InvalidValue(msg.ticket_needs_subject())
    config = desk.config
    requester = requester or desk.actor
    now = desk.now()
    ticket = Ticket(
        id="",
        subject=subject,
        requester=requester,
        status=config.settings.statuses.initial,
        priority=desk.check_priority(priority or config.settings.priorities.default),
        created=now,
        updated=now,
        owner=resolve_agent(config, owner) if owner else None,
        queue=desk.check_queue(queue),
        category=desk.check_category(category),
        tags=[check_tag(tag) for tag in tags or []],
        channel=desk.check_channel(channel),
    )
    if body.strip():
        ticket.entries.append(Entry(ids.random_id(), "inbound", str(requester), now, body))
    from tix.domain.rules import Message

    explicit = {name for name, value in (("priority", priority), ("category", category), ("owner", owner),
                                         ("queue", queue)) if value}  # fmt: skip
    desk.route_new(ticket, Message(ticket.subject, body, requester.email, [], ticket.channel), explicit)
    desk.update_clocks(ticket, None)
    with desk.hd.locked():
        ticket.id = _unused_id(desk)
        return desk.save_and_commit(ticket, "create", msg.ticket_created(ticket.subject))


def _unused_id(desk: Desk) -> str:
    for _ in range(100):
        candidate = ids.random_id()
        if not desk.hd.exists(candidate):
            return candidate
    raise TixError(msg.no_unused_id())  # 31^8 IDs: only a broken random source gets here


def assign(desk: Desk, ticket_ref: str, user: str) -> Change:
    owner = resolve_agent(desk.config, user)

    def mutate(ticket: Ticket) -> str:
        if ticket.owner == owner:
            return ""
        old, ticket.owner = ticket.owner, owner
        return msg.changed("owner", old, owner)

    return desk.update(ticket_ref, "assign", mutate)


def take(desk: Desk, ticket_ref: str) -> Change:
    return assign(desk, ticket_ref, desk.actor.email if not desk.config.settings.team else _own_handle(desk))


def _own_handle(desk: Desk) -> str:
    for handle, member in desk.config.settings.team.items():
        if member.email.lower() == desk.actor.email.lower():
            return handle
    return desk.actor.email  # resolve_agent explains that this address is not in the team


def unassign(desk: Desk, ticket_ref: str) -> Change:
    def mutate(ticket: Ticket) -> str:
        if ticket.owner is None:
            return ""
        old, ticket.owner = ticket.owner, None
        return msg.changed("owner", old, None)

    return desk.update(ticket_ref, "unassign", mutate)


def set_status(desk: Desk, ticket_ref: str, status: str, reason: str = "", action: str = "status") -> Change:
    desk.check_status(status)

    def mutate(ticket: Ticket) -> str:
        if ticket.status == status:
            return ""
        old, ticket.status = ticket.status, status
        if reason.strip():
            ticket.entries.append(Entry(ids.random_id(), "note", str(desk.actor), desk.now(), reason))
        return msg.changed("status", old, status)

    return desk.update(ticket_ref, action, mutate)


def close(desk: Desk, ticket_ref: str, reason: str = "") -> Change:
    return set_status(desk, ticket_ref, desk.config.closed_statuses[0], reason, action="close")


def reopen(desk: Desk, ticket_ref: str) -> Change:
    ticket = desk.hd.load(resolve_ref(desk.hd, ticket_ref))
    if desk.config.status_group(ticket.status) != "closed":
        raise InvalidValue(msg.ticket_not_closed(ticket.id, ticket.status))
    return set_status(desk, ticket.id, desk.config.settings.statuses.reopen, action="reopen")


def set_priority(desk: Desk, ticket_ref: str, priority: str) -> Change:
    desk.check_priority(priority)
    return desk.update(ticket_ref, "priority", _field_setter("priority", priority))


def set_category(desk: Desk, ticket_ref: str, category: str) -> Change:
    value = desk.check_category(category)
    return desk.update(ticket_ref, "category", _field_setter("category", value))


def set_queue(desk: Desk, ticket_ref: str, queue: str) -> Change:
    value = desk.check_queue(queue)
    return desk.update(ticket_ref, "queue", _field_setter("queue", value))


def tag(desk: Desk, ticket_ref: str, changes: list[str]) -> Change:
    add = {check_tag(c[1:] if c.startswith("+") else c) for c in changes if not c.startswith("-")}
    remove = {check_tag(c[1:]) for c in changes if c.startswith("-")}
    if not add and not remove:
        raise InvalidValue(msg.no_tags_given())

    def mutate(ticket: Ticket) -> str:
        before = set(ticket.tags)
        ticket.tags = sorted((before | add) - remove)
        added, removed = sorted(set(ticket.tags) - before), sorted(before - set(ticket.tags))
        if not added and not removed:
            return ""
        return msg.tags_changed(added, removed)

    return desk.update(ticket_ref, "tag", mutate)


def note(desk: Desk, ticket_ref: str, text: str) -> Change:
    if not text.strip():
        raise InvalidValue(msg.note_empty())

    def mutate(ticket: Ticket) -> str:
        ticket.entries.append(Entry(ids.random_id(), "note", str(desk.actor), desk.now(), text))
        return msg.note_added()

    return desk.update(ticket_ref, "note", mutate)


def rejected_edit(desk: Desk, ticket_ref: str) -> tuple[str, Path] | None:
    """The ticket's ID and the version of it that `tix edit` last rejected, kept in .git/tix/edit/
    (None: none)."""
    ticket_id = resolve_ref(desk.hd, ticket_ref)
    draft = _draft_of(desk, ticket_id)
    return (ticket_id, draft) if draft.is_file() else None


def _draft_of(desk: Desk, ticket_id: str) -> Path:
    return desk.hd.state_dir / "edit" / f"{ticket_id}.md"


def _base_of(draft: Path) -> Path:
    """The ticket file as it was when the draft beside it was begun."""
    return draft.with_name(draft.name + ".base")


def edit(desk: Desk, ticket_ref: str, editor: str | None = None, reopen_rejected: bool = False) -> Change:
    """Open the ticket file in $EDITOR (a copy); commit the result if it is still a valid ticket.

    A rejected result stays in .git/tix/edit/ with the file it was begun from; with
    `reopen_rejected` the next edit starts from it (like `crontab -e`), and what changed in the
    ticket since (a mail, a teammate's change) is merged in field by field, never lost. Without it,
    a rejected version left there is discarded."""
    from tix.storage import ticketfile

    hd = desk.hd
    _ = desk.actor  # fail on a missing identity before the editor runs
    ticket_id = resolve_ref(hd, ticket_ref)
    path = hd.path_of(ticket_id)
    with hd.locked():
        desk.take_up_hand_edit(ticket_id)
    draft = _draft_of(desk, ticket_id)
    rejected = read_text(draft) if reopen_rejected and draft.is_file() else None
    began = read_text(_base_of(draft)) if rejected is not None and _base_of(draft).is_file() else None
    if rejected is None:
        draft.unlink(missing_ok=True)
        _base_of(draft).unlink(missing_ok=True)
    original, edited, draft = edit_a_copy(hd, path, f"{ticket_id}.md", editor, rejected)
    if edited == original:
        _base_of(draft).unlink(missing_ok=True)
        return Change(hd.load(ticket_id), "")
    began = began if began is not None else original
    relpath = str(path.relative_to(hd.root))
    try:
        ticket = ticketfile.loads(edited, relpath)
        if ticket.id != ticket_id:
            raise InvalidValue(msg.edit_id_changed(ticket_id, ticket.id))
        desk.check_ticket(ticket)
    except TixError as exc:
        write_atomic(_base_of(draft), began)
        raise InvalidValue(msg.edit_rejected(ticket_id, exc.message, draft)) from None
    with hd.locked():
        if read_text(path) != original:
            write_atomic(_base_of(draft), began)
            raise InvalidValue(msg.edit_changed_meanwhile(ticket_id, draft))
        if began != original:  # the ticket changed since the rejected version was begun: keep both
            from tix.storage.mergedriver import merge_texts

            ticket = ticketfile.loads(merge_texts(began, edited, original, relpath), relpath)
        ticket.updated = desk.now()
        before = ticketfile.loads(original, relpath)
        desk.update_clocks(ticket, (before.status, before.priority))
        change = desk.save_and_commit(ticket, "edit", msg.edited_by_hand())
        draft.unlink()
        _base_of(draft).unlink(missing_ok=True)
        return change


def _field_setter(name: str, value: str | None) -> Callable[[Ticket], str]:
    def mutate(ticket: Ticket) -> str:
        old = getattr(ticket, name)
        if old == value:
            return ""
        setattr(ticket, name, value)
        return msg.changed(name, old, value)

    return mutate


def check_tag(tag: str) -> str:
    tag = tag.strip()
    if not tag or any(ch.isspace() or ch == "," for ch in tag) or tag.startswith(("+", "-")):
        raise InvalidValue(msg.bad_tag(tag))
    return tag
