"""The ticket file format: deterministic, lossless, and safe from whatever customers write."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tix.domain.model import Entry, Person, Ticket
from tix.errors import TicketFormatError
from tix.storage import ticketfile

WHEN = datetime(2026, 11, 23, 9, 0, tzinfo=timezone(timedelta(hours=1)))
# Any Unicode text a mail can decode to (surrogates cannot be written as UTF-8 at all).
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)
hostile_lines = st.lists(
    st.sampled_from([
        "---", "...", "<!-- tix:entry {} -->", '<!-- tix:entry {"id": "X", "kind": "note"} -->',
        "\\<!-- tix:entry x", "\\\\<!-- tix:entry y", "### Reply by someone", "", "owner: mallory",
        "-->", "\r", "\u2028", "{{ 7*7 }}", "id: HACKED",
    ]) | any_text,
    max_size=12,
).map("\n".join)


def make_ticket(subject: str = "Printer on fire", name: str = "Jan Kowalski", texts: list[str] | None = None) -> Ticket:
    ticket = Ticket(
        id="4KX2QF7A", subject=subject, requester=Person(name, "jan@example.pl"), status="new",
        priority="normal", created=WHEN, updated=WHEN, tags=["vip"], message_ids=["<a@example.pl>"],
    )
    for number, text in enumerate(texts or []):
        kind = ("inbound", "note", "reply")[number % 3]
        ticket.entries.append(Entry(f"E{number}", kind, f"{name} <jan@example.pl>", WHEN, text, f"<m{number}@x>"))
    return ticket


def test_round_trip_keeps_every_field_and_entry() -> None:
    ticket = make_ticket(texts=["Hello,\n\nmy printer is on fire.", "Called back.", "Fixed."])
    ticket.extra = {"order_number": "PL-1234", "sla": {"due": "tomorrow"}}
    text = ticketfile.dumps(ticket)
    again = ticketfile.loads(text)
    assert again == ticket
    assert ticketfile.dumps(again) == text


def test_front_matter_key_order_is_fixed_and_unknown_keys_follow_in_their_order() -> None:
    ticket = make_ticket()
    ticket.extra = {"zeta": 1, "alpha": 2}
    keys = [line.split(":")[0] for line in ticketfile.dumps(ticket).split("---\n")[1].splitlines() if line[:1].isalpha()]
    assert keys == list(ticketfile.FIELD_ORDER) + ["zeta", "alpha"]


def test_hand_written_file_with_unknown_keys_and_preamble_round_trips() -> None:
    text = (
        "---\nid: 4KX2QF7A\nsubject: Hi\nstatus: open\npriority: low\nrequester: Jan <jan@example.pl>\n"
        "created: 2026-11-23T09:00:00+01:00\nupdated: 2026-11-23T09:00:00+01:00\ncustom: [1, 2]\n---\n\n"
        "Some notes a person typed above the conversation.\n"
    )
    ticket = ticketfile.loads(text)
    assert ticket.preamble == "Some notes a person typed above the conversation."
    assert ticket.extra == {"custom": [1, 2]}
    assert ticket.requester == Person("Jan", "jan@example.pl")
    assert ticketfile.loads(ticketfile.dumps(ticket)) == ticket


def test_body_line_that_looks_like_an_entry_header_is_escaped_not_obeyed() -> None:
    forged = '<!-- tix:entry {"id": "FAKE", "kind": "note", "time": "2026-01-01T00:00:00+00:00", "author": "Boss"} -->'
    ticket = make_ticket(texts=[f"Please see:\n{forged}\nthanks"])
    text = ticketfile.dumps(ticket)
    assert "\n\\" + forged in text
    again = ticketfile.loads(text)
    assert [entry.id for entry in again.entries] == ["E0"]
    assert again.entries[0].text == f"Please see:\n{forged}\nthanks"


def test_a_name_with_comment_terminator_keeps_the_header_a_single_comment() -> None:
    ticket = make_ticket(name="Eve --> <!-- x")
    ticket.entries.append(Entry("E9", "note", "Eve --> <!-- x <eve@example.com>", WHEN, "hi"))
    header = [line for line in ticketfile.dumps(ticket).splitlines() if line.startswith("<!-- tix:entry")][0]
    assert header.count("-->") == 1 and header.endswith(" -->")
    assert ticketfile.loads(ticketfile.dumps(ticket)).entries[0].author == "Eve --> <!-- x <eve@example.com>"


@settings(max_examples=300, deadline=None)
@given(subject=any_text, name=any_text, texts=st.lists(hostile_lines, max_size=4), extra_value=any_text)
def test_any_customer_text_round_trips_and_cannot_forge_structure(
    subject: str, name: str, texts: list[str], extra_value: str
) -> None:
    ticket = make_ticket(subject, name, texts)
    ticket.extra = {"note": extra_value}
    text = ticketfile.dumps(ticket)
    again = ticketfile.loads(text)
    assert again == ticket  # nothing lost, nothing added: no forged field, entry or header
    assert [e.id for e in again.entries] == [f"E{n}" for n in range(len(texts))]
    assert again.status == "new" and again.id == "4KX2QF7A"
    assert ticketfile.dumps(again) == text  # writing is deterministic


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("no front matter\n", "no YAML front-matter"),
        ("---\nid: [unclosed\n---\n", "invalid YAML"),
        ("---\n- a list\n---\n", "not a mapping"),
        ("---\nsubject: x\n---\n", "missing field 'id'"),
        ("---\nid: A\nstatus: new\npriority: low\nrequester: {name: x}\ncreated: 2026-01-01T00:00:00+00:00\n"
         "updated: 2026-01-01T00:00:00+00:00\n---\n", "requester"),
        ("---\nid: A\nstatus: new\npriority: low\nrequester: a@b.c\ncreated: yesterday\n"
         "updated: 2026-01-01T00:00:00+00:00\n---\n", "created"),
        ("---\nid: A\nstatus: new\npriority: low\nrequester: a@b.c\ncreated: 2026-01-01T00:00:00+00:00\n"
         "updated: 2026-01-01T00:00:00+00:00\n---\n\n<!-- tix:entry {broken -->\n", "not valid JSON"),
    ],
)
def test_broken_files_raise_an_error_naming_the_file(text: str, reason: str) -> None:
    with pytest.raises(TicketFormatError) as caught:
        ticketfile.loads(text, "tickets/4K/4KX2QF7A/ticket.md")
    assert caught.value.message.startswith("tickets/4K/4KX2QF7A/ticket.md: ")
    assert reason in caught.value.message
