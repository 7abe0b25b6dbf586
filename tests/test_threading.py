"""Threading when the parent is missing: replies that share an absent parent (or grandparent)
join one ticket, the parent joins it when it arrives, and clones agree whatever the order."""

from __future__ import annotations

from pathlib import Path

from conftest import Cli, Clock, make_eml, make_maildir
from test_sync import Team

from tix.storage import ticketfile


def tickets(root: Path) -> list[ticketfile.Ticket]:
    return [ticketfile.loads(p.read_text(encoding="utf-8")) for p in (root / "tickets").rglob("ticket.md")]


def thread() -> dict[str, bytes]:
    """A list thread whose root <p@list> and middle <g@list> are not in the folder."""
    return {
        "1.a": make_eml(subject="Re: build fails", message_id="<a@list>", in_reply_to="<p@list>", references="<p@list>", body="a"),
        "2.b": make_eml(subject="Re: build fails", sender="Zofia <zofia@example.pl>", message_id="<b@list>",
                        in_reply_to="<p@list>", references="<p@list>", body="b"),
        # only the absent grandparent is shared: References "<p@list> <g@list>"
        "3.c": make_eml(subject="Re: build fails", sender="Ivan <ivan@example.ru>", message_id="<c@list>",
                        in_reply_to="<g@list>", references="<p@list> <g@list>", body="c"),
    }  # fmt: skip


def test_siblings_of_an_absent_parent_share_one_ticket_and_the_parent_joins_later(tix: Cli, tmp_path: Path) -> None:
    maildir = make_maildir(tmp_path / "Maildir", thread())
    tix.ok("import", str(maildir))
    [ticket] = tickets(tix.cwd)
    assert sorted(ticket.message_ids) == ["<a@list>", "<b@list>", "<c@list>"]
    assert "<p@list>" in ticket.extra["references"] and "<g@list>" in ticket.extra["references"]
    # a later run: the missing parent itself, and one more sibling
    parent = tmp_path / "p.eml"
    parent.write_bytes(make_eml(subject="build fails", message_id="<p@list>", body="p"))
    late = tmp_path / "d.eml"
    late.write_bytes(make_eml(subject="Re: build fails", message_id="<d@list>", in_reply_to="<p@list>", body="d"))
    result = tix.ok("import", "--dry-run", str(parent))
    assert "a reply to it is already on" in result.out
    tix.ok("import", str(parent), str(late))
    [ticket] = tickets(tix.cwd)
    assert sorted(ticket.message_ids) == ["<a@list>", "<b@list>", "<c@list>", "<d@list>", "<p@list>"]
    assert "<p@list>" not in ticket.extra["references"]  # held now, no longer only referred to


def test_a_message_reaching_two_tickets_chooses_the_first_and_says_why(tix: Cli, tmp_path: Path) -> None:
    one = tmp_path / "one.eml"
    one.write_bytes(make_eml(message_id="<x1@list>", in_reply_to="<gone1@list>", body="x1"))
    two = tmp_path / "two.eml"
    two.write_bytes(make_eml(subject="Other", message_id="<x2@list>", in_reply_to="<gone2@list>", body="x2"))
    tix.ok("import", str(one), str(two))
    assert len(tickets(tix.cwd)) == 2
    both = tmp_path / "both.eml"
    both.write_bytes(make_eml(message_id="<x3@list>", references="<gone1@list> <gone2@list>", body="x3"))
    out = tix.ok("import", "--dry-run", "--format", "json", str(both)).out
    import json

    [decision] = json.loads(out)["messages"]
    chosen = sorted(t.id for t in tickets(tix.cwd) if {"<gone1@list>", "<gone2@list>"} & set(t.extra["references"]))
    assert decision["ticket"] in chosen
    assert "also answers" in decision["reason"]
    # the same answer on every run: the choice depends on the data, not on the order of reading
    assert json.loads(tix.ok("import", "--dry-run", "--format", "json", str(both)).out)["messages"][0]["ticket"] == decision["ticket"]


def test_two_clones_importing_a_thread_in_opposite_orders_end_with_one_ticket(tmp_path: Path, clock: Clock) -> None:
    team = Team(tmp_path)
    team.first("alice")
    team.clone("bob")
    files = {}
    for name, data in thread().items():
        files[name] = tmp_path / f"{name}.eml"
        files[name].write_bytes(data)
    names = sorted(files)
    team.ok("alice", "import", *(str(files[n]) for n in names))
    team.ok("bob", "import", *(str(files[n]) for n in reversed(names)))
    team.ok("alice", "sync")
    team.ok("bob", "sync")
    team.converge()
    [ticket] = tickets(team.clones["alice"])
    assert sorted(ticket.message_ids) == ["<a@list>", "<b@list>", "<c@list>"]
    assert sorted(e.text for e in ticket.entries) == ["a", "b", "c"]


def test_references_merge_as_a_set_between_clones(tmp_path: Path, clock: Clock) -> None:
    """Both clones add a sibling of the same absent parent to one ticket: the merged ticket
    refers to both siblings' references, so a third sibling still finds it."""
    team = Team(tmp_path)
    team.first("alice")
    first = tmp_path / "a.eml"
    first.write_bytes(make_eml(message_id="<a@list>", in_reply_to="<p@list>", body="a"))
    team.ok("alice", "import", str(first))
    team.ok("alice", "sync")
    team.clone("bob")
    one = tmp_path / "b.eml"
    one.write_bytes(make_eml(message_id="<b@list>", in_reply_to="<q@list>", references="<p@list> <q@list>", body="b"))
    two = tmp_path / "c.eml"
    two.write_bytes(make_eml(message_id="<c@list>", in_reply_to="<r@list>", references="<p@list> <r@list>", body="c"))
    team.ok("alice", "import", str(one))
    team.ok("bob", "import", str(two))
    team.ok("alice", "sync")
    team.ok("bob", "sync")
    team.converge()
    [ticket] = tickets(team.clones["alice"])
    assert set(ticket.extra["references"]) == {"<p@list>", "<q@list>", "<r@list>"}
    late = tmp_path / "d.eml"
    late.write_bytes(make_eml(message_id="<d@list>", in_reply_to="<r@list>", body="d"))
    team.ok("alice", "import", str(late))
    [ticket] = tickets(team.clones["alice"])
    assert "<d@list>" in ticket.message_ids
