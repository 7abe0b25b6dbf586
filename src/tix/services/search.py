"""`tix search`, `tix customer` and `tix views`: finding tickets by their words, a customer's
whole story, and the saved queries.

Search is the index's FTS5 table (storage/index.py, words folded and stemmed by
storage/fulltext.py), refreshed with the rest of the index; the query language is
domain/query.py's, turned into filters by the listing (services/listing.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from tix import messages as msg
from tix.domain import clock
from tix.domain.record import Record
from tix.errors import InvalidValue
from tix.storage.layout import TICKETS_DIR, Helpdesk

TYPE_CHECKING = False  # as typing's, without importing typing (3 ms; tests/test_startup_imports.py)
if TYPE_CHECKING:
    from typing import Any

    from tix.storage.index import Broken
    from tix.storage.rows import TicketRow

DEFAULT_LIMIT = 20
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Found(Record):
    __slots__ = ("row", "snippet", "score", "closed")
    row: TicketRow
    snippet: str
    score: float
    closed: bool

    def __init__(self, row: TicketRow, snippet: str, score: float, closed: bool) -> None:
        self.row = row
        self.snippet = snippet
        self.score = score
        self.closed = closed

    def as_dict(self) -> dict[str, Any]:
        return {**self.row.as_dict(), "closed": self.closed, "score": round(self.score, 6), "snippet": self.snippet}


class SearchResult(Record):
    __slots__ = ("hits", "total", "broken")
    hits: list[Found]
    total: int  # how many match in all (more than shown when limited)
    broken: list[Broken]

    def __init__(self, hits: list[Found], total: int, broken: list[Broken]) -> None:
        self.hits = hits
        self.total = total
        self.broken = broken


def search(hd: Helpdesk, words: Sequence[str], *, limit: int | None = DEFAULT_LIMIT, as_user: str | None = None,
           view: str | None = None) -> SearchResult:  # fmt: skip
    """The tickets the query matches, closed ones included, best match first, each with the
    passage its words were found in."""
    # git checks the working tree for hand edits (the longest step at 50,000 tickets) while the
    # modules below are imported and the index is read: they are imported here, after it began
    # (cli/fast.py begins it even earlier, before most of tix is imported; then this is a no-op).
    hd.git.start_worktree_check(TICKETS_DIR)
    try:
        return _search(hd, words, limit, as_user, view)
    finally:
        hd.git.stop_started()  # what was not collected (a bad query) is not left running


def _search(hd: Helpdesk, words: Sequence[str], limit: int | None, as_user: str | None, view: str | None) -> SearchResult:
    from tix.services.listing import filters_from_query, query_of
    from tix.storage.fulltext import snippet
    from tix.storage.index import Index, search_texts

    query = query_of(hd, words, view)
    if query.empty:
        raise InvalidValue(msg.query_empty())
    now = clock.now(hd.config.timezone)
    filters = filters_from_query(hd, query, now, as_user)
    filters.include_closed = True
    closed = set(hd.config.closed_statuses)
    terms = query.text_terms()

    def run(index: Index) -> tuple[list[Found], int]:
        hits, total = index.search(now, filters, hd.config.closed_statuses, limit)
        found = []
        for hit in hits:
            try:
                texts = search_texts(hd.load(hit.row.id))
            except Exception:  # noqa: BLE001  (changed or gone since the index was read: the row still stands)
                texts = [hit.row.subject]
            text = snippet(texts, terms) if terms else " ".join((texts[2] if len(texts) > 2 else texts[0]).split())[:160]
            found.append(Found(hit.row, text, hit.score, hit.row.status in closed))
        return found, total

    # The index as last refreshed is searched while git checks the working tree; the answer stands
    # unless the refresh after it changed a row.
    index = Index(hd)
    try:
        answer = run(index)
        if index.refresh_changed():
            answer = run(index)
        return SearchResult(*answer, index.broken())
    finally:
        index.close()


def views(hd: Helpdesk) -> dict[str, str]:
    """The saved views of tix.yaml, by name."""
    return dict(sorted(hd.config.settings.views.items()))


# --- a customer's history -------------------------------------------------------------


class HistoryItem(Record):
    __slots__ = ("row", "closed", "created", "first_response")
    row: TicketRow
    closed: bool
    created: datetime
    first_response: timedelta | None  # from opening to the first reply (wall clock)

    def __init__(self, row: TicketRow, closed: bool, created: datetime, first_response: timedelta | None) -> None:
        self.row = row
        self.closed = closed
        self.created = created
        self.first_response = first_response

    def as_dict(self) -> dict[str, Any]:
        data = self.row.as_dict()
        data["closed"] = self.closed
        data["ended"] = {"status": self.row.status, "at": self.row.updated} if self.closed else None
        data["first_response_seconds"] = int(self.first_response.total_seconds()) if self.first_response else None
        return data


class History(Record):
    __slots__ = ("who", "domain", "items", "addresses", "months", "first_contact", "last_contact", "median_first_response")
    who: str
    domain: bool  # an organisation: every address at the mail domain `who`
    items: list[HistoryItem]  # open first, then closed; each part newest first
    addresses: list[str]  # the requesters' addresses found
    months: list[tuple[str, int]]  # the last 12 months, oldest first: ('2026-11', tickets opened)
    first_contact: datetime | None
    last_contact: datetime | None
    median_first_response: timedelta | None

    def __init__(self, who: str, domain: bool, items: list[HistoryItem], addresses: list[str], months: list[tuple[str, int]],
                 first_contact: datetime | None, last_contact: datetime | None, median_first_response: timedelta | None) -> None:  # fmt: skip
        self.who = who
        self.domain = domain
        self.items = items
        self.addresses = addresses
        self.months = months
        self.first_contact = first_contact
        self.last_contact = last_contact
        self.median_first_response = median_first_response

    @property
    def open_count(self) -> int:
        return sum(not item.closed for item in self.items)

    def as_dict(self) -> dict[str, Any]:
        return {
            "customer": self.who, "domain": self.domain, "addresses": self.addresses,
            "tickets": [item.as_dict() for item in self.items], "open": self.open_count, "closed": len(self.items) - self.open_count,
            "per_month": dict(self.months),
            "first_contact": self.first_contact.isoformat() if self.first_contact else None,
            "last_contact": self.last_contact.isoformat() if self.last_contact else None,
            "median_first_response_seconds": int(self.median_first_response.total_seconds()) if self.median_first_response else None,
        }  # fmt: skip


def customer_history(hd: Helpdesk, who: str) -> History:
    """Everything one customer (an address or a name) or one organisation (`@example.pl` or
    `example.pl`: every address at that mail domain) ever opened, with the figures of it."""
    from statistics import median_low

    text = who.strip()
    if not text:
        raise InvalidValue(msg.no_customer_tickets("''"))
    domain = text.startswith("@") or ("@" not in text and "." in text and " " not in text)
    key = text.lstrip("@") if domain else text
    now = clock.now(hd.config.timezone)
    closed = set(hd.config.closed_statuses)
    from tix.storage.index import Index

    with Index.current(hd) as index:
        found = index.history(now, key, domain)
    tz = hd.config.timezone

    def at(micros: int) -> datetime:  # the index keeps times as UTC microseconds
        return (_EPOCH + timedelta(microseconds=micros)).astimezone(tz)

    items = [HistoryItem(row, row.status in closed, at(created), timedelta(microseconds=replied - created) if replied is not None else None)
             for row, created, _, replied in found]  # fmt: skip
    items.sort(key=lambda item: item.closed)  # stable: open first, each part newest first
    contacts = [at(inbound) for _, _, inbound, _ in found] + [item.created for item in items]
    responses = [item.first_response for item in items if item.first_response is not None]
    return History(
        key, domain, items, sorted({row.requester_email.lower() for row, *_ in found}), _months(items, now),
        min(contacts) if contacts else None, max(contacts) if contacts else None,
        median_low(responses) if responses else None,
    )  # fmt: skip


def _months(items: list[HistoryItem], now: datetime) -> list[tuple[str, int]]:
    """Tickets opened in each of the last twelve months (this one included), oldest first."""
    year, month = now.year, now.month
    keys = []
    for _ in range(12):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    counts = dict.fromkeys(reversed(keys), 0)
    for item in items:
        key = item.created.astimezone(now.tzinfo).strftime("%Y-%m")
        if key in counts:
            counts[key] += 1
    return list(counts.items())
