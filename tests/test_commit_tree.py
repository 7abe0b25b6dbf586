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


def test_a_path_given_is_committed_as_exactly_that_file(helpdesk: Path) -> None:
    from tix.domain.model import Person
    from tix.storage.gitrepo import GitRepo

    repo, me = GitRepo(helpdesk), Person("Anna Nowak", "anna@example.com")
    (helpdesk / "d").mkdir()
    for name in ("a.txt", "b.txt", "*.txt"):  # '*': a name, never a pattern
        (helpdesk / "d" / name).write_text(name, encoding="utf-8")
    (helpdesk / "top").write_text("a file\n", encoding="utf-8")
    assert repo.commit(["d/a.txt", "d/b.txt", "d/*.txt", "top"], "files", me)

    (helpdesk / "d" / "a.txt").write_text("changed\n", encoding="utf-8")
    assert repo.commit(["d"], "a folder named", me) is None  # a folder is no file: nothing of it goes
    assert git(helpdesk, "ls-tree", "-r", "--name-only", "HEAD", "d").split() == ["d/*.txt", "d/a.txt", "d/b.txt"]

    (helpdesk / "d" / "*.txt").unlink()
    assert repo.commit(["d/*.txt"], "one file removed", me)
    assert git(helpdesk, "ls-tree", "-r", "--name-only", "HEAD", "d").split() == ["d/a.txt", "d/b.txt"]

    (helpdesk / "top").unlink()
    (helpdesk / "top").mkdir()
    (helpdesk / "top" / "x").write_text("in a folder now\n", encoding="utf-8")
    assert repo.commit(["top", "top/x"], "a file became a folder", me)
    assert git(helpdesk, "show", "HEAD:top/x") == "in a folder now\n"
    assert "top" not in git(helpdesk, "status", "--porcelain")
