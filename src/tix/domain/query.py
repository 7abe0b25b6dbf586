"""The query language of `tix search`, `tix list QUERY` and saved views (docs/SEARCH.md).

    status:open owner:me customer:jan@example.pl tag:vip -tag:spam priority:high,urgent
    created:>2w due:<4h is:breached is:unanswered has:attachment "exact phrase" free words

A query is terms separated by spaces, all of which must hold. A term is `field:value` (a value
may be a comma list, any of which will do, or "quoted"), a "quoted phrase", or a word (`zamów*`
for a prefix); `-` or `not:` in front negates it. A word with a colon whose left part is no
field and looks like none (`re:faktura`, `10:30`) is text like any other. Anything else that
does not parse is an error naming the term and its position (1-based, in the query as typed,
its words joined by spaces), with the nearest field or value when there is one. Parsing is pure:
what a value means at a given moment and in a given helpdesk (`me`, `2w`, `open`) is settled by
the caller (services/listing.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tix import messages as msg
from tix.domain.patterns import lazy
from tix.domain.record import Frozen
from tix.errors import InvalidValue

TYPE_CHECKING = False  # as typing's, without importing typing (3 ms; tests/test_startup_imports.py)
if TYPE_CHECKING:
    from typing import Final

FIELDS = ("status", "owner", "customer", "category", "queue", "tag", "priority", "created", "updated", "due", "is", "has")
ALIASES = {"cat": "category", "prio": "priority", "from": "customer", "org": "customer", "requester": "customer",
           "tags": "tag", "state": "status"}  # fmt: skip
IS_VALUES = ("open", "waiting", "closed", "breached", "unanswered", "unassigned", "assigned")
HAS_VALUES = ("attachment",)
TIME_FIELDS = ("created", "updated", "due")
_LISTS = ("status", "owner", "customer", "category", "queue", "tag", "priority")  # comma lists: any value will do
_NAME = lazy(r"[A-Za-z]+")
_DURATION = lazy(r"^(\d+)([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
LONGEST_SPAN = timedelta(days=36_525)  # a century: longer is a typing mistake (and datetimes end at year 9999)


class TextTerm(Frozen):
    """Free text of a query: one word (maybe `prefix*`) or a quoted phrase."""

    __slots__ = ("text", "phrase", "prefix")
    text: Final[str]
    phrase: Final[bool]
    prefix: Final[bool]

    def __init__(self, text: str, phrase: bool = False, prefix: bool = False) -> None:
        self.text = text
        self.phrase = phrase
        self.prefix = prefix


class Term(Frozen):
    __slots__ = ("field", "values", "negated", "position", "text", "comparison")
    field: Final[str | None]  # None: free text
    values: Final[tuple[str, ...]]
    negated: Final[bool]
    position: Final[int]
    text: Final[TextTerm | None]  # for free text
    comparison: Final[str]  # for times: '>' (after), '<' (before) or '' (that day)

    def __init__(self, field: str | None, values: tuple[str, ...] = (), negated: bool = False, position: int = 1,
                 text: TextTerm | None = None, comparison: str = "") -> None:  # fmt: skip
        self.field = field
        self.values = values
        self.negated = negated
        self.position = position
        self.text = text
        self.comparison = comparison


class Query(Frozen):
    __slots__ = ("terms", "source")
    terms: Final[tuple[Term, ...]]
    source: Final[str]

    def __init__(self, terms: tuple[Term, ...], source: str = "") -> None:
        self.terms = terms
        self.source = source

    @property
    def empty(self) -> bool:
        return not self.terms

    def text_terms(self) -> list[TextTerm]:
        return [term.text for term in self.terms if term.text is not None and not term.negated]


def parse(source: str) -> Query:
    """The terms of a query, or InvalidValue naming the first bad one and its position."""
    terms: list[Term] = []
    for position, raw in _split(source):
        term = _term(raw, position)
        if term is not None:
            terms.append(term)
    return Query(tuple(terms), source)


def _split(source: str) -> list[tuple[int, str]]:
    """The query's terms as typed, each with its 1-based position; quotes keep spaces inside."""
    found: list[tuple[int, str]] = []
    index, length = 0, len(source)
    while index < length:
        if source[index].isspace():
            index += 1
            continue
        start, quoted = index, False
        while index < length and (quoted or not source[index].isspace()):
            if source[index] == '"':
                quoted = not quoted
            index += 1
        if quoted:
            raise InvalidValue(msg.query_unbalanced_quote(source[start:], source.index('"', start) + 1))
        found.append((start + 1, source[start:index]))
    return found


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text.startswith('"') and text.endswith('"') else text.replace('"', " ")


def _term(raw: str, position: int) -> Term | None:
    negated = False
    body = raw
    if body.startswith("-") and len(body) > 1:
        negated, body = True, body[1:]
    elif body.lower().startswith("not:") and len(body) > 4:
        negated, body = True, body[4:]
    if body.startswith('"'):
        return _text(_unquote(body), negated, position, phrase=True)
    name, colon, value = body.partition(":")
    if colon and _NAME.fullmatch(name):
        field = ALIASES.get(name.lower(), name.lower())
        if field in FIELDS:
            return _field_term(field, name, value, negated, position, raw)
        import difflib  # here: only a word with a colon that is no field pays for it (12 ms)

        close = difflib.get_close_matches(name.lower(), FIELDS, n=1, cutoff=0.75)
        if close:
            raise InvalidValue(msg.query_unknown_field(name, position, close[0]))
    return _text(body, negated, position)


def _text(text: str, negated: bool, position: int, phrase: bool = False) -> Term | None:
    prefix = not phrase and text.endswith("*") and len(text.rstrip("*")) > 0
    cleaned = text.rstrip("*") if prefix else text
    if not any(ch.isalnum() for ch in cleaned):
        return None  # punctuation only (`*`, `-`, `:`): nothing to look for
    return Term(None, (), negated, position, TextTerm(cleaned, phrase, prefix))


def _field_term(field: str, name: str, value: str, negated: bool, position: int, raw: str) -> Term:
    value = _unquote(value) if value.startswith('"') else value
    if not value.strip():
        raise InvalidValue(msg.query_missing_value(name, position))
    if field in TIME_FIELDS:
        comparison = value[0] if value[0] in "<>" else ""
        value = value[1:] if comparison else value
        return Term(field, (value.strip(),), negated, position, comparison=comparison)
    values = tuple(v.strip() for v in value.split(",") if v.strip()) if field in _LISTS else (value.strip(),)
    if field in ("is", "has"):
        allowed = IS_VALUES if field == "is" else HAS_VALUES
        for one in values:
            if one.lower() not in allowed and one.lower().rstrip("s") not in allowed:
                import difflib

                close = difflib.get_close_matches(one.lower(), allowed, n=1, cutoff=0.6)
                raise InvalidValue(msg.query_bad_value(raw, position, allowed, close[0] if close else None))
        values = tuple(v.lower() if v.lower() in allowed else v.lower().rstrip("s") for v in values)
    return Term(field, values, negated, position)


class SpanTooLong(InvalidValue):
    """A span of time longer than LONGEST_SPAN (a report names its own range in its message)."""


def span_of(amount: str, unit: str, what: str) -> timedelta:
    """`amount` minutes, hours, days or weeks (unit m, h, d, w), at most LONGEST_SPAN."""
    try:
        span = timedelta(**{_UNITS[unit]: int(amount)})
    except OverflowError:
        span = LONGEST_SPAN * 2
    if span > LONGEST_SPAN:
        raise SpanTooLong(msg.span_too_long(what))
    return span


def moment(term: Term, now: datetime) -> tuple[datetime | None, datetime | None]:
    """The span of time a time term asks for, as (from, until): `created:>2w` is (two weeks ago,
    None), `due:<4h` is (None, four hours from now), `created:2026-11-20` that whole day. A
    duration counts back from now for `created` and `updated`, forward for `due`."""
    [text] = term.values
    match = _DURATION.match(text)
    if match:
        span = span_of(match.group(1), match.group(2), f"{term.field}:{term.comparison}{text}")
        point = now + span if term.field == "due" else now - span
        day = False
    else:
        try:
            point = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidValue(msg.query_bad_time(f"{term.field}:{term.comparison}{text}", term.position)) from None
        day = "T" not in text and " " not in text
        point = point if point.tzinfo else point.replace(tzinfo=now.tzinfo)
    if term.comparison == ">":
        return (point + timedelta(days=1) if day else point), None
    if term.comparison == "<":
        return None, point
    if day:
        return point, point + timedelta(days=1)
    return point, None
