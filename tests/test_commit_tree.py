"""A state change's commit (GitRepo.commit): its tree built by `git fast-import` from HEAD's,
so no git command reads or writes a whole index but the user's own; anything else staged
left alone."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Cli, git, run_console_script


def _git_commands(trace: Path) -> list[str]:
    """The git subcommands a traced run started, in order."""
    commands = []
    for line in trace.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if event.get("event") == "start":
            words = [word for word in event["argv"][1:] if not word.startswith("-")]
            commands.append(words[0] if words else "")
    return commands


def test_a_state_change_runs_no_git_command_that_reads_the_whole_tree(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    for n in range(30):
        tix.new(f"Question {n}")
    ticket = tix.new("Printer on fire")
    trace = tmp_path / "trace.json"
    done = run_console_script("assign", ticket, "Ala <ala@example.com>", cwd=helpdesk, env={"GIT_TRACE2_EVENT": str(trace)})
    assert done.returncode == 0, done.stderr

    commands = _git_commands(trace)
    assert "fast-import" in commands
    assert not {"write-tree", "read-tree", "commit-tree"} & set(commands)
    assert commands.count("update-index") == 1  # the user's own index, kept in step
    assert "owner: ala@example.com" in git(helpdesk, "show", f"HEAD:tickets/{ticket[:2]}/{ticket}/ticket.md")
    assert git(helpdesk, "status", "--porcelain") == ""
    assert git(helpdesk, "show", "-s", "--format=%an <%ae>", "HEAD").strip() == "Anna Nowak <anna@example.com>"


def test_what_the_user_staged_stays_staged_and_out_of_tix_commits(tix: Cli, helpdesk: Path) -> None:
    ticket = tix.new()
    (helpdesk / "notes.txt").write_text("draft\n", encoding="utf-8")
    git(helpdesk, "add", "notes.txt")
    tix.ok("priority", ticket, "high")

    assert "notes.txt" not in git(helpdesk, "show", "--name-only", "--format=", "HEAD")
    assert git(helpdesk, "status", "--porcelain").splitlines() == ["A  notes.txt"]
