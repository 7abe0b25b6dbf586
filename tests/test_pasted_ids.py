"""Wherever an ID is expected, tix takes what a user pastes: the subject tag, a prefix of it,
`#prefix`, a Message-ID with or without brackets, a path to the ticket's file (issue 18 #6)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import Cli, git, make_eml

from tix.storage.layout import ticket_relpath


@pytest.fixture
def mailed(tix: Cli, helpdesk: Path, tmp_path: Path) -> tuple[str, str]:
    """A ticket opened by mail <m1@example.pl>, and the helpdesk's instance."""
    path = tmp_path / "m1.eml"
    path.write_bytes(make_eml(message_id="<m1@example.pl>"))
    tix.ok("import", str(path))
    [ticket_id] = [row["id"] for row in json.loads(tix.ok("list", "-f", "json").out)]
    tix.new("Another ticket")  # a second one, so that a wrong lookup cannot pass by luck
    return ticket_id, tix.ok("config", "get", "helpdesk.instance").out.strip()


def forms(ticket_id: str, instance: str, root: Path) -> list[str]:
    relpath = ticket_relpath(ticket_id)
    return [
        ticket_id, ticket_id.lower(), ticket_id[:5], f"#{ticket_id[:4].lower()}",
        f"[{instance}#{ticket_id}]", f"{instance}#{ticket_id[:4]}", f"Re: Printer on fire [{instance}#{ticket_id}]",
        "<m1@example.pl>", "m1@example.pl", " <m1@example.pl> ",
        relpath, str(Path(relpath).parent), str(root / relpath), f"./{relpath}",
    ]  # fmt: skip


def test_show_takes_every_pasted_form(tix: Cli, helpdesk: Path, mailed: tuple[str, str]) -> None:
    ticket_id, instance = mailed
    for form in forms(ticket_id, instance, helpdesk):
        result = tix("show", form, "-f", "json")
        assert result.code == 0, (form, result.err)
        assert json.loads(result.out)["id"] == ticket_id, form


def test_every_kind_of_command_takes_them(tix: Cli, helpdesk: Path, mailed: tuple[str, str]) -> None:
    ticket_id, instance = mailed
    tix.ok("assign", f"[{instance}#{ticket_id}]", "anna@example.com")        # the Typer-free fast path
    tix.ok("note", "m1@example.pl", "pasted a Message-ID")                      # a Typer command
    tix.ok("tag", f"#{ticket_id[:4].lower()}", "+pasted")
    tix.ok("status", ticket_relpath(ticket_id), "open")
    trail = json.loads(tix.ok("log", f"{instance}#{ticket_id[:4]}", "-f", "json").out)
    assert {event["ticket"] for event in trail} == {ticket_id} and "note" in [event["action"] for event in trail]
    data = json.loads(tix.ok("show", ticket_id, "-f", "json").out)
    assert data["owner"] == "anna@example.com" and "pasted" in data["tags"] and data["status"] == "open"
    other = tix.new("Third")
    tix.ok("link", "<m1@example.pl>", other)
    assert json.loads(tix.ok("show", other, "-f", "json").out)["links"] == [{"kind": "related", "ticket": ticket_id}]


def test_a_path_from_inside_the_ticket_folder(tix: Cli, helpdesk: Path, mailed: tuple[str, str]) -> None:
    ticket_id, _ = mailed
    folder = (helpdesk / ticket_relpath(ticket_id)).parent
    assert json.loads(tix.ok("show", "ticket.md", "-f", "json", cwd=folder).out)["id"] == ticket_id
    entry = next(p for p in folder.iterdir() if p.is_dir())
    assert json.loads(tix.ok("show", os.path.join(entry.name, "message.eml"), "-f", "json", cwd=folder).out)["id"] == ticket_id


def test_our_own_message_id_names_its_ticket(tix: Cli, helpdesk: Path, mailed: tuple[str, str]) -> None:
    ticket_id, _ = mailed
    tix.ok("reply", ticket_id, "-m", "Which model?")
    ours = json.loads(tix.ok("show", ticket_id, "-f", "json").out)["entries"][-1]["message_id"]
    assert json.loads(tix.ok("show", ours.strip("<>"), "-f", "json").out)["id"] == ticket_id


@pytest.mark.parametrize(("pasted", "error"), [
    ("<nobody@example.pl>", "no ticket holds the message <nobody@example.pl>"),
    ("[TIX#ZZZZZZZZ]", "no ticket ZZZZZZZZ"),
    ("#zzzz", "no ticket matches 'ZZZZ'"),
    ("tickets/ZZ/ZZZZZZZZ/ticket.md", "no ticket ZZZZZZZZ"),
    ("notes/today.md", "is not a path to a ticket"),
    ("hello world", "is not a ticket ID"),
])  # fmt: skip
def test_what_names_no_ticket_is_one_line_and_exit_1(tix: Cli, helpdesk: Path, mailed: tuple[str, str], pasted: str, error: str) -> None:
    for command in (("show", pasted), ("note", pasted, "x")):
        result = tix(*command)
        assert result.code == 1 and result.out == "", (command, result)
        assert result.err.startswith("tix: error: ")
        assert error in result.err and len(result.err.strip().splitlines()) == 1, result.err
    assert git(helpdesk, "status", "--porcelain") == ""
