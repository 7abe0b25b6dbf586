"""The ticket operations every helpdesk has (issue 18 #5): merge two tickets, link them, split a
message off into a ticket of its own, mark one as spam, delete one made by mistake. Each is one
commit as the acting teammate, with `Tix-Ticket:` trailers for every ticket it changes and its
`Tix-Action:` (merge, link, unlink, split, spam, delete), so `tix log` shows it on each.

Files move with the entries they belong to (`tickets/XX/ID/ENTRY/message.eml`, attachments), and
Message-IDs with their messages, so that mail answering them threads where they are now.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tix import messages as msg
from tix.domain import commits, ids, links
from tix.domain.model import Entry, Person, Ticket
from tix.domain.sla import SlaState
from tix.errors import InvalidValue, TixError
from tix.services.desk import Desk
from tix.storage import ticketfile
from tix.storage.deleted import tombstone
from tix.storage.layout import TICKETS_DIR, ticket_relpath
from tix.storage.refs import resolve as resolve_ref


@dataclass
class Merged:
    target: Ticket
    source: Ticket
    moved: int  # entries moved
    commit: str | None = None  # None: nothing left to move


@dataclass
class Linked:
    ticket: Ticket
    other: Ticket
    kind: str
    removed: list[str] = field(default_factory=list)  # unlink: the keys the link was under
    commit: str | None = None  # None: nothing changed


@dataclass
class Split:
    source: Ticket
    new: Ticket
    moved: int
    commit: str | None = None


@dataclass
class Spammed:
    ticket: Ticket
    summary: str  # '' when it was spam already
    blocked: str | None = None  # the address added to mail.block
    commit: str | None = None


@dataclass
class Deleted:
    ticket_id: str
    subject: str
    folder: str  # tickets/XX/ID
    commit: str | None = None


# --- merge -------------------------------------------------------------------------


def merge(desk: Desk, target_ref: str, source_ref: str) -> Merged:
    """Move the source's conversation, Message-IDs, participants and tags into the target; the
    source stays as a closed stub (`merged_into`, tag duplicate) that mail threading follows.
    Merging a stub into its target again moves what reached the stub since (a clone that had not
    seen the merge yet)."""
    hd = desk.hd
    _ = desk.actor
    with hd.locked():
        target, source = _two(desk, target_ref, source_ref, msg.ops_merge_itself)
        target_id, source_id = target.id, source.id
        into = links.merged_into(source.extra)
        if into and into != target_id:
            raise InvalidValue(msg.ops_merged_elsewhere(source_id, into))
        if links.merged_into(target.extra):
            raise InvalidValue(msg.ops_target_merged(target_id, str(links.merged_into(target.extra))))
        moving = [entry for entry in source.entries if not entry.extra.get("stub")]
        if into and not moving and not source.message_ids:
            return Merged(target, source, 0)
        now = desk.now()
        files = _Files(hd.root)
        known = {entry.id for entry in target.entries}
        for entry in moving:
            if entry.id not in known:
                target.entries.append(entry)
                files.move_folder(_entry_folder(source_id, entry.id), _entry_folder(target_id, entry.id))
        target.message_ids += [mid for mid in source.message_ids if mid not in target.message_ids]
        references = {*links.linked(target.extra, "references"), *links.linked(source.extra, "references")} - set(target.message_ids)
        if references:
            target.extra["references"] = sorted(references)
        people = [*target.participants, *source.participants, source.requester.email]
        target.participants = list(dict.fromkeys(p for p in people if p.lower() != target.requester.email.lower()))
        target.tags = sorted(set(target.tags) | set(source.tags) - {links.DUPLICATE_TAG})
        _move_delivery(source, target)
        links.add(target.extra, "duplicates", source_id)
        if not into:
            target.entries.append(_note(desk, msg.ops_merged_note(source_id, source.subject)))
        target.entries.sort(key=lambda e: (e.time, e.id))
        target.updated = now

        before = (source.status, source.priority)
        source.entries = [entry for entry in source.entries if entry.extra.get("stub")]
        if not into:
            source.entries.append(_note(desk, msg.ops_stub_note(target_id), stub=True))
        source.message_ids, source.participants, source.tags = [], [], [links.DUPLICATE_TAG]
        source.extra.pop("references", None)
        source.extra[links.MERGED_INTO] = target_id
        links.add(source.extra, "duplicate_of", target_id)
        source.status = desk.config.closed_statuses[0]
        source.updated = now
        desk.update_clocks(source, before)
        files.outbox_retarget(source_id, target_id)
        files.ticket(target)
        files.ticket(source)
        summary = msg.ops_merged(source_id, len(moving))
        commit = files.commit(desk, commits.message(f"{target_id} {summary}", "merge", [target_id, source_id]))
        return Merged(target, source, len(moving), commit)


def _move_delivery(source: Ticket, target: Ticket) -> None:
    """The source's replies still in the outbox are recorded on the target when delivered; the
    earlier first response counts (as sync folds a ticket, services/sync.py)."""
    into, other = SlaState(target), SlaState(source)
    into.undelivered = [*into.undelivered, *(e for e in other.undelivered if e not in into.undelivered)]
    other.undelivered = []
    answered = [state.first_response for state in (into, other) if state.first_response is not None]
    if answered:
        into.first_response = min(answered)


# --- link ----------------------------------------------------------------------------


def link(desk: Desk, first_ref: str, second_ref: str, kind: str = "related", remove: bool = False) -> Linked:
    """Link two tickets (both show it), or with `remove` take away every link between them."""
    if kind not in links.KINDS:
        raise InvalidValue(msg.ops_bad_link_kind(kind, tuple(links.KINDS)))
    hd = desk.hd
    _ = desk.actor
    with hd.locked():
        first, second = _two(desk, first_ref, second_ref, msg.ops_link_itself)
        first_id, second_id = first.id, second.id
        if remove:
            removed = links.remove(first.extra, second_id) + links.remove(second.extra, first_id)
            changed = bool(removed)
        else:
            removed = []
            key_first, key_second = links.KINDS[kind]
            changed = links.add(first.extra, key_first, second_id) | links.add(second.extra, key_second, first_id)
        if not changed:
            return Linked(first, second, kind, removed)
        files = _Files(hd.root)
        for ticket in (first, second):
            ticket.updated = desk.now()
            files.ticket(ticket)
        summary = msg.ops_unlinked(second_id) if remove else msg.ops_linked(kind, second_id)
        action = "unlink" if remove else "link"
        commit = files.commit(desk, commits.message(f"{first_id} {summary}", action, [first_id, second_id]))
        return Linked(first, second, kind, removed, commit)


# --- split ---------------------------------------------------------------------------


def split(desk: Desk, ticket_ref: str, entry_refs: list[str]) -> Split:
    """Make the given entries (a message that is really a new matter, and what belongs to it) a new
    ticket of their own, linked to the old one as related. Their Message-IDs go with them, so the
    customer's answers to them thread into the new ticket."""
    from tix.mail.parse import strip_reply_prefixes

    hd = desk.hd
    _ = desk.actor
    with hd.locked():
        source = _load(desk, resolve_ref(hd, ticket_ref))
        chosen = _entries(source, entry_refs)
        if source.entries and chosen[0] is source.entries[0]:
            raise InvalidValue(msg.ops_split_first(source.id))
        undelivered = set(SlaState(source).undelivered)
        for entry in chosen:
            if entry.id in undelivered:
                raise InvalidValue(msg.ops_split_undelivered(source.id, entry.id))
        first = chosen[0]
        settings = desk.config.settings
        author = Person.parse(first.author) if first.kind == "inbound" else None
        from tix.domain import identities

        tag = identities.tag_pattern(settings.mail.tag, settings.helpdesk.instance)
        subject = strip_reply_prefixes(tag.sub("", str(first.extra.get("subject") or ""))).strip() or source.subject
        now = desk.now()
        new = Ticket(
            id=_new_id(desk, first.message_id), subject=subject, requester=author or source.requester,
            status=settings.statuses.initial, priority=settings.priorities.default, created=first.time, updated=now,
            queue=source.queue, category=source.category, channel=source.channel,
        )  # fmt: skip
        files = _Files(hd.root)
        moved_ids = {entry.id for entry in chosen}
        for entry in chosen:
            new.entries.append(entry)
            files.move_folder(_entry_folder(source.id, entry.id), _entry_folder(new.id, entry.id))
        mids = [entry.message_id for entry in chosen if entry.message_id]
        new.message_ids = [mid for mid in source.message_ids if mid in mids]
        source.message_ids = [mid for mid in source.message_ids if mid not in mids]
        source.entries = [entry for entry in source.entries if entry.id not in moved_ids]
        source.entries.append(_note(desk, msg.ops_split_note(new.id, len(chosen))))
        links.add(source.extra, "related", new.id)
        links.add(new.extra, "related", source.id)
        source.updated = now
        desk.update_clocks(new, None)
        files.ticket(source)
        files.ticket(new)
        summary = msg.ops_split(len(chosen), source.id)
        commit = files.commit(desk, commits.message(f"{new.id} {summary}", "split", [new.id, source.id]))
        return Split(source, new, len(chosen), commit)


def _entries(ticket: Ticket, refs: list[str]) -> list[Entry]:
    """The entries `refs` name (an entry ID or an unambiguous prefix of one, or a Message-ID), in
    the conversation's order."""
    found: dict[str, Entry] = {}
    for ref in refs:
        wanted = ref.strip()
        if "@" in wanted:
            bare = wanted.strip("<>")
            matches = [e for e in ticket.entries if (e.message_id or "").strip("<>") == bare]
        else:
            prefix = ids.normalize(wanted)
            matches = [e for e in ticket.entries if prefix and e.id.startswith(prefix)]
        if not matches:
            raise InvalidValue(msg.ops_no_entry(ticket.id, ref))
        if len(matches) > 1:
            raise InvalidValue(msg.ops_ambiguous_entry(ticket.id, ref, [e.id for e in matches]))
        found[matches[0].id] = matches[0]
    return [entry for entry in ticket.entries if entry.id in found]


def _new_id(desk: Desk, message_id: str | None) -> str:
    """The ID the importer would have given a ticket this message opened (every clone agrees); a
    random one for a message without a Message-ID."""
    for attempt in range(100):
        candidate = ids.derived_id(message_id, attempt) if message_id else ids.random_id()
        if not desk.hd.exists(candidate):
            return candidate
    raise TixError(msg.no_unused_id())


# --- spam ----------------------------------------------------------------------------


def spam(desk: Desk, ticket_ref: str, block: bool = False) -> Spammed:
    """Close the ticket and tag it spam (left out of `tix stats` and of notifications); with `block`,
    add its requester to `mail.block`, whose mail intake then files as spam too."""
    hd = desk.hd
    _ = desk.actor
    with hd.locked():
        ticket = _load(desk, resolve_ref(hd, ticket_ref))
        before = (ticket.status, ticket.priority)
        parts = []
        closed = desk.config.closed_statuses
        if desk.config.status_group(ticket.status) != "closed":
            parts.append(msg.changed("status", ticket.status, closed[0]))
            ticket.status = closed[0]
        if links.SPAM_TAG not in ticket.tags:
            parts.append(msg.tags_changed([links.SPAM_TAG], []))
            ticket.tags = sorted({*ticket.tags, links.SPAM_TAG})
        files = _Files(hd.root)
        blocked = ticket.requester.email.lower() if block else None
        if blocked and blocked not in desk.config.settings.mail.block:
            files.write(_config_with_block(hd.root, blocked))
            parts.append(msg.ops_blocked(blocked))
        else:
            blocked = None
        if not parts:
            return Spammed(ticket, "")
        if ticket.status != before[0]:
            ticket.updated = desk.now()
            desk.update_clocks(ticket, before)
        else:
            ticket.updated = desk.now()
        files.ticket(ticket)
        summary = msg.change_summary(parts)
        commit = files.commit(desk, commits.message(f"{ticket.id} {summary}", "spam", [ticket.id]))
        return Spammed(ticket, summary, blocked, commit)


def _config_with_block(root: Path, address: str) -> tuple[str, bytes]:
    """tix.yaml with `address` added to mail.block, validated and written as `tix config set`
    writes it (the team's comments and layout kept)."""
    from tix.storage import config as configmod

    current = configmod.Config.load(root)
    listed = [*current.settings.mail.block, address]
    updated = current.with_value("mail.block", ", ".join(listed))
    text = configmod.edited_text((root / configmod.CONFIG_FILE).read_text(encoding="utf-8"), updated.data, ["mail.block"])
    return configmod.CONFIG_FILE, text.encode("utf-8")


# --- delete --------------------------------------------------------------------------


def delete(desk: Desk, ticket_ref: str) -> Deleted:
    """Remove a ticket made by mistake, with every file in its folder, in one commit (the history
    keeps it: `git revert` of that commit brings it back). A file in .tix/deleted/ remembers its
    Message-IDs, so importing the same mail again, in any clone, does not make it again
    (storage/deleted.py)."""
    hd = desk.hd
    _ = desk.actor
    with hd.locked():
        ticket = _load(desk, resolve_ref(hd, ticket_ref))
        folder = str(hd.path_of(ticket.id).parent.relative_to(hd.root))
        files = _Files(hd.root)
        on_disk = [str(p.relative_to(hd.root)) for p in (hd.root / folder).rglob("*") if p.is_file()]
        for path in sorted(hd.git.tracked_paths([folder]) | set(on_disk)):
            files.remove(path)
        files.write(tombstone(ticket, desk.actor, desk.now()))
        summary = msg.ops_deleted_summary(ticket.subject)
        body = msg.ops_deleted_body(folder)
        commit = files.commit(desk, commits.message(f"{ticket.id} {summary}", "delete", [ticket.id], body))
        return Deleted(ticket.id, ticket.subject, folder, commit)


# --- the files of one operation, committed together ------------------------------------


def _two(desk: Desk, first_ref: str, second_ref: str, itself: Callable[[str], str]) -> tuple[Ticket, Ticket]:
    """The two tickets an operation joins, loaded as `_load` does; `itself`: the error when both
    references name one ticket."""
    first_id, second_id = resolve_ref(desk.hd, first_ref), resolve_ref(desk.hd, second_ref)
    if first_id == second_id:
        raise InvalidValue(itself(first_id))
    return _load(desk, first_id), _load(desk, second_id)


def _load(desk: Desk, ticket_id: str) -> Ticket:
    """The ticket, once a hand edit of its file is taken up (refused, or committed first with
    --include-edits): an operation never sweeps one into its commit (issue 18 #8)."""
    desk.take_up_hand_edit(ticket_id)
    return desk.hd.load(ticket_id)



def _entry_folder(ticket_id: str, entry_id: str) -> str:
    return f"{TICKETS_DIR}/{ids.shard(ticket_id)}/{ticket_id}/{entry_id}"


def _note(desk: Desk, text: str, stub: bool = False) -> Entry:
    return Entry(ids.random_id(), "note", str(desk.actor), desk.now(), text, extra={"stub": True} if stub else {})


class _Files:
    """The files one operation writes and removes, put in place together and committed as one
    change; if the commit fails, every file is put back as it was."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.changes: dict[str, bytes | None] = {}  # relative path -> new content (None: removed)

    def ticket(self, ticket: Ticket) -> None:
        self.changes[ticket_relpath(ticket.id)] = ticketfile.dumps(ticket).encode("utf-8")

    def write(self, change: tuple[str, bytes]) -> None:
        self.changes[change[0]] = change[1]

    def remove(self, relpath: str) -> None:
        self.changes[relpath] = None

    def move_folder(self, old: str, new: str) -> None:
        source = self.root / old
        if not source.is_dir() or (self.root / new).exists():
            return
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            relative = path.relative_to(source).as_posix()
            self.changes[f"{new}/{relative}"] = path.read_bytes()
            self.changes[f"{old}/{relative}"] = None

    def outbox_retarget(self, source_id: str, target_id: str) -> None:
        """Queued mail of the source: delivered, it is recorded on the target (mail/outbox.py)."""
        from tix.mail.outbox import QUEUE

        folder = self.root / QUEUE
        for path in sorted(folder.glob(f"{source_id}-*.json")) if folder.is_dir() else []:
            try:
                state = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(state, dict) and state.get("ticket") == source_id:
                text = json.dumps({**state, "ticket": target_id}, indent=2) + "\n"
                self.changes[str(path.relative_to(self.root))] = text.encode("utf-8")

    def commit(self, desk: Desk, message: str) -> str | None:
        from tix.storage.files import write_atomic

        before = {path: (self.root / path).read_bytes() if (self.root / path).is_file() else None for path in self.changes}
        try:
            for path, content in self.changes.items():
                if content is not None:
                    write_atomic(self.root / path, content)
            for path, content in self.changes.items():
                if content is None:
                    (self.root / path).unlink(missing_ok=True)
                    self._prune((self.root / path).parent)
            return desk.hd.git.commit(sorted(self.changes), message, desk.actor, desk.now())
        except BaseException:
            for path, content in before.items():
                if content is None:
                    (self.root / path).unlink(missing_ok=True)
                else:
                    write_atomic(self.root / path, content)
            raise

    def _prune(self, folder: Path) -> None:
        """Remove folders left empty, up to the ticket shard."""
        stop = self.root / TICKETS_DIR
        while folder != stop and stop in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent
