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
        "import sys\nfrom tix.main import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('git', 'mailparser', 'jinja2', 'frontmatter', 'sqlite3', 'yaml') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"
