"""Layout and start-up: sharded ticket folders, and a lean `tix --help`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import Cli, git


def test_tickets_are_sharded_by_their_first_two_characters(tix: Cli, helpdesk: Path) -> None:
    ticket_ids = [tix.new(f"Ticket {n}") for n in range(5)]
    for ticket_id in ticket_ids:
        assert (helpdesk / "tickets" / ticket_id[:2] / ticket_id / "ticket.md").is_file()
    assert set(git(helpdesk, "ls-tree", "--name-only", "HEAD", "tickets/").split()) == {
        f"tickets/{ticket_id[:2]}" for ticket_id in ticket_ids}


def test_a_state_change_rewrites_only_its_own_shard_tree(tix: Cli, helpdesk: Path) -> None:
    ticket_ids = [tix.new(f"Ticket {n}") for n in range(30)]
    target = ticket_ids[0]
    before = git(helpdesk, "rev-parse", "HEAD").strip()
    tix.ok("assign", target, "bob@example.com")
    changed_trees = git(helpdesk, "diff-tree", "-r", "-t", "--name-only", before, "HEAD").split()
    assert changed_trees == ["tickets", f"tickets/{target[:2]}", f"tickets/{target[:2]}/{target}",
                             f"tickets/{target[:2]}/{target}/ticket.md"]


def test_help_does_not_import_git_mail_or_template_libraries() -> None:
    code = (
        "import sys\nfrom tix.cli.main import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('git', 'mailparser', 'jinja2', 'frontmatter', 'sqlite3', 'yaml') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_show_loads_neither_the_index_nor_the_mail_or_network_modules(tix: Cli, helpdesk: Path) -> None:
    """`tix show` reads one file: SQLite, git history, the mail and socket modules, CSV and
    the temporary-file machinery are for other commands (issue 12: every command feels instant).
    Where an index exists, show asks it one indexed query for the requester's other tickets
    (issue 14); where none does, it loads no SQLite."""
    ticket_id = tix.new()
    heavy = ("sqlite3", "email.message", "email.utils", "socket", "smtplib", "csv", "tempfile", "tix.storage.index",
             "tix.storage.history", "tix.mail.transport", "jinja2", "git")  # fmt: skip
    code = (
        f"import sys\nfrom tix.cli.main import main\nassert main(['show', {ticket_id!r}]) == 0\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=helpdesk)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_commits_made_with_plain_git_in_between_are_kept(tix: Cli, helpdesk: Path) -> None:
    ticket_id = tix.new()
    (helpdesk / "README.md").write_text("our helpdesk\n", encoding="utf-8")
    git(helpdesk, "add", "README.md")
    git(helpdesk, "commit", "-qm", "docs by hand")
    tix.ok("assign", ticket_id, "bob@example.com")
    assert git(helpdesk, "log", "--format=%s", "-3").splitlines() == [
        f"tix: {ticket_id} owner (none) → bob@example.com", "docs by hand", f"tix: {ticket_id} new ticket: Printer on fire"]
    assert "README.md" in git(helpdesk, "ls-tree", "--name-only", "HEAD")
    assert git(helpdesk, "status", "--porcelain") == ""


def test_a_ticket_folder_added_without_git_is_listed(tix: Cli, helpdesk: Path) -> None:
    import json
    import shutil

    ticket_id = tix.new()
    assert len(json.loads(tix.ok("list", "-f", "json").out)) == 1
    source = helpdesk / "tickets" / ticket_id[:2] / ticket_id
    copy = helpdesk / "tickets" / "ZZ" / "ZZZZZZZZ"
    shutil.copytree(source, copy)
    ticket_file = copy / "ticket.md"
    ticket_file.write_text(ticket_file.read_text(encoding="utf-8").replace(ticket_id, "ZZZZZZZZ"), encoding="utf-8")
    assert sorted(row["id"] for row in json.loads(tix.ok("list", "-f", "json").out)) == sorted([ticket_id, "ZZZZZZZZ"])
    shutil.rmtree(copy)
    assert [row["id"] for row in json.loads(tix.ok("list", "-f", "json").out)] == [ticket_id]
