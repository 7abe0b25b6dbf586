"""Three-way merge of ticket files, field by field and entry by entry. No conflict markers, ever.

Git runs it for `tickets/**/ticket.md` (declared in .gitattributes, registered per clone as
`merge.tix.driver`): `python -m tix.storage.mergedriver %O %A %B %P` writes the merge of base (O),
ours (A) and theirs (B) into A. `tix sync` uses the same `merge_texts` in-process.

The rules (docs/FORMAT.md, "How ticket files merge"):
- a field changed on one side only takes that side's value;
- `tags`, `participants` and `message_ids` merge as sets (added on either side: in; removed
  on one side and untouched on the other: out);
- `created` takes the earlier time, `updated` the later (never past the merge time + 5 min);
- any other field changed differently on both sides takes the value of the side whose
  `updated` is later (on a tie, the greater value) — the same answer whichever side is
  "ours" — and an internal note records the value that lost, so nothing silently disappears;
- the conversation is the union of entries by id, ordered by time then id; an entry edited
  on one side only takes the edit; edited on both, the greater text wins and a note says so.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tix import messages as msg
from tix.domain import ids, links
from tix.domain.model import Entry, Person, Ticket
from tix.errors import TixError
from tix.storage import ticketfile

SET_FIELDS = ("tags", "participants", "message_ids", "references", "undelivered", *links.KEYS)
# references: what the mail refers to, unseen (mailin); undelivered: replies still in the outbox (mailout);
# links.KEYS: the links between tickets (related, duplicates, ...: domain/links.py). `merged_into` is one value.
MERGE_AUTHOR = "tix merge <merge@tix.invalid>"
CLOCK_SKEW = timedelta(minutes=5)  # clocks this far ahead of the merging clone's still count


class MergeRefused(Exception):
    """The two sides cannot be one ticket (e.g. two different tickets drew the same ID)."""


def merge_texts(base: str | None, ours: str, theirs: str, path: str = "ticket.md") -> str:
    """The merged file text. Raises TixError if a side cannot be parsed, MergeRefused if the
    sides are different tickets."""
    if ours == theirs:
        return ours
    ours_ticket = ticketfile.loads(ours, msg.merge_side(path, "ours"))
    theirs_ticket = ticketfile.loads(theirs, msg.merge_side(path, "theirs"))
    base_ticket = ticketfile.loads(base, msg.merge_side(path, "base")) if base and base.strip() else None
    return ticketfile.dumps(merge(base_ticket, ours_ticket, theirs_ticket))


def merge(base: Ticket | None, ours: Ticket, theirs: Ticket, now: datetime | None = None) -> Ticket:
    if base is None and _unrelated(ours, theirs):
        raise MergeRefused(msg.merge_id_clash(ours.id))
    old, a, b = ticketfile.front_matter(base) if base else {}, ticketfile.front_matter(ours), ticketfile.front_matter(theirs)
    if now is None:
        from tix.domain import clock

        now = clock.now()
    horizon = now + CLOCK_SKEW
    # A side whose `updated` lies in the future of the merging clone's clock is no evidence of
    # being later: a clock that runs ahead must not win every conflict (issue 9 #18, docs/SYNC.md).
    fallback = base.updated if base else min(ours.updated, theirs.updated)
    def trusted(moment: datetime) -> datetime:
        return moment if moment <= horizon else min(fallback, horizon)
    a_later = (trusted(ours.updated), _key(a)) >= (trusted(theirs.updated), _key(b))
    merged: dict[str, Any] = {}
    lost: list[str] = []
    for name in _ordered_keys(a, b):
        va, vb, vo = a.get(name, _MISSING), b.get(name, _MISSING), old.get(name, _MISSING)
        if va == vb:
            value = va
        elif name in SET_FIELDS:
            value = _merge_set(vo, va, vb)
            if not value and name in links.KEYS:
                value = _MISSING  # the last link gone on one side: no empty list left behind
        elif name in ("created", "first_response"):  # the earliest is the first
            value = min(v for v in (va, vb) if v is not _MISSING)
        elif name == "updated":
            value = max(v for v in (va, vb) if v is not _MISSING)
        elif va == vo:
            value = vb
        elif vb == vo:
            value = va
        else:
            value, loser = (va, vb) if a_later else (vb, va)
            lost.append(msg.merge_kept_field(name, _show(value), _show(loser)))
        if value is not _MISSING:
            merged[name] = value
    if "references" in merged:  # a reference the other side now holds is no longer only referred to
        merged["references"] = [r for r in merged["references"] if r not in set(merged.get("message_ids") or [])]
        if not merged["references"]:
            del merged["references"]
    entries = _merge_entries(base, ours, theirs, lost)
    result = _ticket(merged, ours)
    if result.updated > horizon:
        result.updated = max(trusted(ours.updated), trusted(theirs.updated), now)  # never left in the future
    result.entries = entries
    result.preamble = _merge_text(base.preamble if base else "", ours.preamble, theirs.preamble)
    if lost:
        note_id = ids.derived_id("merge:" + json.dumps(sorted(lost), ensure_ascii=False))
        if all(entry.id != note_id for entry in result.entries):
            note = Entry(note_id, "note", MERGE_AUTHOR, result.updated, msg.merge_note(lost), extra={"merge": True})
            result.entries.append(note)
    return result


_MISSING = object()


def _ordered_keys(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    known = list(ticketfile.FIELD_ORDER)
    extra = sorted({*a, *b} - set(known))
    return [key for key in known if key in a or key in b] + extra


def _key(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, default=str, ensure_ascii=False)


def _merge_set(base: Any, ours: Any, theirs: Any) -> list[str]:
    base_set = set(base) if isinstance(base, list) else set()
    ours_list = ours if isinstance(ours, list) else []
    theirs_list = theirs if isinstance(theirs, list) else []
    removed = (base_set - set(ours_list)) | (base_set - set(theirs_list))
    merged = []
    for item in [*ours_list, *theirs_list]:
        if item not in removed and item not in merged:
            merged.append(item)
    return sorted(merged)  # the same order whichever side is "ours": clones converge byte for byte


def _show(value: Any) -> str:
    if value is _MISSING or value is None:
        return msg.merge_no_value()
    return json.dumps(value, ensure_ascii=False, default=str)


def _ticket(fields: dict[str, Any], template: Ticket) -> Ticket:
    known = set(ticketfile.FIELD_ORDER)
    requester = fields.get("requester") or template.requester.as_dict()
    return Ticket(
        id=fields["id"], subject=fields.get("subject", ""), requester=Person(requester["name"], requester["email"]),
        status=fields["status"], priority=fields["priority"], created=fields["created"], updated=fields["updated"],
        owner=fields.get("owner"), queue=fields.get("queue"), category=fields.get("category"),
        tags=list(fields.get("tags") or []), channel=fields.get("channel") or "other",
        message_ids=list(fields.get("message_ids") or []), participants=list(fields.get("participants") or []),
        extra={key: value for key, value in fields.items() if key not in known},
    )  # fmt: skip


def _merge_entries(base: Ticket | None, ours: Ticket, theirs: Ticket, lost: list[str]) -> list[Entry]:
    old = {e.id: e for e in base.entries} if base else {}
    a = {e.id: e for e in ours.entries}
    b = {e.id: e for e in theirs.entries}
    merged: list[Entry] = []
    for entry_id in {*a, *b}:
        ea, eb, eo = a.get(entry_id), b.get(entry_id), old.get(entry_id)
        if ea is None or eb is None:
            present = ea or eb
            assert present is not None
            if eo is not None and present == eo:
                continue  # deleted on one side, untouched on the other
            merged.append(present)
        elif ea == eb:
            merged.append(ea)
        elif eo is not None and ea == eo:
            merged.append(eb)
        elif eo is not None and eb == eo:
            merged.append(ea)
        else:
            keep, drop = (ea, eb) if _entry_key(ea) >= _entry_key(eb) else (eb, ea)
            merged.append(keep)
            lost.append(msg.merge_kept_entry(entry_id, drop.text))
    merged.sort(key=lambda e: (e.time, e.id))
    return merged


def _entry_key(entry: Entry) -> str:
    return json.dumps(entry.as_dict(), sort_keys=True, default=str, ensure_ascii=False)


def _merge_text(base: str, ours: str, theirs: str) -> str:
    if ours == theirs or theirs == base:
        return ours
    if ours == base:
        return theirs
    return "\n\n".join(sorted({ours, theirs}))


def _unrelated(ours: Ticket, theirs: Ticket) -> bool:
    """Two tickets created apart that share nothing: an ID clash, not one ticket twice."""
    same_mail = set(ours.message_ids) & set(theirs.message_ids)
    same_entries = {e.id for e in ours.entries} & {e.id for e in theirs.entries}
    same_origin = ours.created == theirs.created and ours.requester == theirs.requester
    return not (same_mail or same_entries or same_origin)


def main(argv: list[str]) -> int:
    """Git merge driver: `python -m tix.storage.mergedriver %O %A %B %P`; exit 0 = merged."""
    if len(argv) < 3:
        print(msg.merge_driver_usage(), file=sys.stderr)
        return 2
    base_path, ours_path, theirs_path = argv[:3]
    shown = argv[3] if len(argv) > 3 else ours_path
    def read(path: str) -> str:
        return Path(path).read_bytes().decode("utf-8", errors="replace")
    try:
        merged = merge_texts(read(base_path), read(ours_path), read(theirs_path), shown)
    except (TixError, MergeRefused) as exc:
        # Keep our side as it is (no markers) and let git report the file as conflicted.
        print(msg.merge_driver_failed(shown, getattr(exc, "message", exc)), file=sys.stderr)
        return 1
    Path(ours_path).write_bytes(merged.encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

