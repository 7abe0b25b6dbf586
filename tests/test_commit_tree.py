"""A state change's commit (GitRepo.commit): its tree built by `git fast-import` from HEAD's,
so no git command reads or writes a whole index but the user's own; anything else staged
left alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Cli, git, run_console_script


def _git_commands(trace: Path) -> list[str]:
    """The git subcommands a traced run started, in order."""
    commands = []
    for line in trace.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if event.get("event") == "start":
            argv = event["argv"][1:]
            if argv[:1] == ["-C"]:  # git -C ROOT COMMAND (storage/gitstart.py's Begun runs every one)
                argv = argv[2:]
            words = [word for word in argv if not word.startswith("-")]
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


def test_after_a_state_change_git_sees_no_file_changed_and_the_index_parses_it_once(tix: Cli, helpdesk: Path) -> None:
    """git's index takes the committed file up with its stat data (`update-index --add`, not
    `--index-info`, which records none): else every `git diff-index` after it, the hand-edit check
    of each `tix list` and `tix search`, reports the file changed and the index parses it again."""
    from tix.storage.index import Index
    from tix.storage.layout import Helpdesk

    tickets = [tix.new(f"Question {n}") for n in range(3)]
    tix.ok("list")
    for ticket in tickets:
        tix.ok("assign", ticket, "Ala <ala@example.com>")
        assert git(helpdesk, "diff-index", "--name-only", "HEAD", "--", "tickets") == ""  # run before any `git status`
    index = Index(Helpdesk(helpdesk))
    try:
        assert index.refresh() == 3  # the three committed since the list: once
        assert index.refresh() == 0  # and never again (not "changed by hand" on every refresh)
    finally:
        index.close()
    assert git(helpdesk, "status", "--porcelain") == ""


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


def test_a_head_read_before_a_commit_by_someone_else_never_loses_a_change(helpdesk: Path) -> None:
    """The check before a change reads HEAD (GitRepo._read_head) and the commit starts from it. A
    commit made in between (a teammate's `git commit`) fails the compare-and-swap, and a file that
    looks unchanged against the HEAD read earlier is a change against the HEAD that is there now."""
    from tix.domain.model import Person
    from tix.storage.gitrepo import GitRepo

    me = Person("Anna Nowak", "anna@example.com")
    note = helpdesk / "note.txt"
    note.write_text("ours\n", encoding="utf-8")
    first = GitRepo(helpdesk)
    assert first.commit(["note.txt"], "ours", me)
    for text, expected in (("ours\n", "ours\n"), ("again ours\n", "again ours\n")):
        repo = GitRepo(helpdesk)
        assert repo._unlike_head(["note.txt"]) == []  # HEAD read: the file is its blob
        note.write_text("theirs\n", encoding="utf-8")
        git(helpdesk, "commit", "-qam", "theirs")  # HEAD moves under the read
        (helpdesk / "other.txt").write_text("also theirs\n", encoding="utf-8")
        git(helpdesk, "add", "other.txt")
        git(helpdesk, "commit", "-qm", "theirs too")
        theirs = git(helpdesk, "rev-parse", "HEAD").strip()
        note.write_text(text, encoding="utf-8")  # "ours" again: HEAD's blob as read, not as it is
        new = repo.commit(["note.txt"], "ours again", me)
        assert new is not None
        assert git(helpdesk, "rev-parse", "HEAD").strip() == new
        assert git(helpdesk, "rev-parse", "HEAD^").strip() == theirs
        assert git(helpdesk, "show", "HEAD:note.txt") == expected
        assert git(helpdesk, "show", "HEAD:other.txt") == "also theirs\n"
        assert git(helpdesk, "status", "--porcelain") == ""
        git(helpdesk, "rm", "-q", "other.txt")
        git(helpdesk, "commit", "-qm", "tidy")


def test_a_state_change_begins_its_first_two_git_reads_before_python_imports_tix(tix: Cli, helpdesk: Path, tmp_path: Path,
                                                                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """`tix assign 4KX2 anna` begins the identity read and HEAD's entry for the ticket file first
    thing (storage/gitstart.py, begin_for); the command takes those answers and asks git nothing
    twice. What is begun is read from gitstart's table; what runs, from a `git` first on PATH
    that logs each run and hands it on, through the console script."""
    import os
    import shutil

    from tix.cli.fast import CHANGES, COMMANDS
    from tix.storage import gitstart

    assert set(gitstart.CHANGING) == set(CHANGES)
    assert set(gitstart._CHANGE_OPTIONS_WITH_VALUE) == {option for name in CHANGES for option in COMMANDS[name].values}
    ticket = tix.new("Printer on fire")
    for n in range(20):
        tix.new(f"Question {n}")
    path = f"tickets/{ticket[:2]}/{ticket}/ticket.md"
    monkeypatch.chdir(helpdesk / "tickets")
    for args, begun in (((ticket, "ala@example.com"), [gitstart.IDENTITY_ARGS, gitstart.HEAD_ENTRIES_ARGS]),
                        (("--format", "json", f"#{ticket[:4].lower()}", "bob@example.com"), [gitstart.IDENTITY_ARGS, gitstart.HEAD_ENTRIES_ARGS]),
                        ((f"[TIX#{ticket}]", "ala@example.com"), [gitstart.IDENTITY_ARGS])):  # a tag: the identity only  # fmt: skip
        gitstart.begin_for(["assign", *args])
        started = dict(gitstart.STARTED)
        gitstart.STARTED.clear()
        for process in started.values():
            process.communicate()
        assert [key[1] for key in started] == begun, args
        assert all(key[0] == str(helpdesk) for key in started)
        if gitstart.HEAD_ENTRIES_ARGS in begun:
            assert started[str(helpdesk), gitstart.HEAD_ENTRIES_ARGS, gitstart.head_entries_input([path])]

    log, shim = tmp_path / "git.log", tmp_path / "bin" / "git"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\necho "$*" >> {log}\nexec {shutil.which("git")} "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    env = {"PATH": f"{shim.parent}{os.pathsep}{os.environ['PATH']}"}
    for who in ("ala@example.com", "bob@example.com"):
        log.unlink(missing_ok=True)
        result = run_console_script("assign", ticket[:5], who, cwd=helpdesk / "tickets", env=env)
        assert result.returncode == 0, result.stderr
        runs = [line.split()[2] for line in log.read_text(encoding="utf-8").splitlines()]  # git -C ROOT COMMAND ...
        assert sorted(runs[:2]) == ["cat-file", "config"], runs  # the two begun at once log in either order
        assert sorted(runs[2:]) == ["fast-import", "update-index", "update-ref"], runs  # and nothing is asked twice
    assert git(helpdesk, "status", "--porcelain") == ""
    assert "owner: bob@example.com" in git(helpdesk, "show", f"HEAD:tickets/{ticket[:2]}/{ticket}/ticket.md")


def test_the_committer_is_whom_git_commit_would_name_and_the_time_keeps_its_offset(helpdesk: Path,
                                                                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """fast-import writes the commit's names and times itself: the committer is whom `git commit`
    would name (GIT_COMMITTER_NAME/_EMAIL, committer.*, user.*), the author the acting teammate;
    a naive time is local time, offset included; a lone surrogate in a message is no traceback."""
    import time
    from datetime import datetime, timedelta, timezone

    from tix.domain.model import Person
    from tix.storage.gitrepo import GitRepo

    me = Person("Anna Nowak", "anna@example.com")
    own = git(helpdesk, "config", "user.email").strip()
    name = git(helpdesk, "config", "user.name").strip()
    warsaw = datetime(2026, 12, 4, 21, 30, tzinfo=timezone(timedelta(hours=1)))

    def commit(message: str, when: datetime) -> str:
        (helpdesk / "a.txt").write_text(message, encoding="utf-8", errors="replace")
        assert GitRepo(helpdesk).commit(["a.txt"], message, me, when)  # a new GitRepo: the identity is read once each
        return git(helpdesk, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%ad|%s", "--date=iso-strict").strip()

    assert commit("first", warsaw) == f"Anna Nowak <anna@example.com>|{name} <{own}>|2026-12-04T21:30:00+01:00|first"
    git(helpdesk, "config", "committer.name", "Desk Server")
    assert commit("second", warsaw).split("|")[1] == f"Desk Server <{own}>"
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Cron on helpdesk-1")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "cron@helpdesk.example")
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        shown = commit("third \udcff", datetime(2026, 7, 1, 12, 0))  # naive: New York's summer time
    finally:
        monkeypatch.undo()
        time.tzset()
    assert shown.split("|")[1:] == ["Cron on helpdesk-1 <cron@helpdesk.example>", "2026-07-01T12:00:00-04:00", "third ?"]


def test_a_linked_worktree_is_a_helpdesk_of_its_own_whose_commits_never_land_on_the_other_branch(tix: Cli, helpdesk: Path,
                                                                                                tmp_path: Path) -> None:  # fmt: skip
    """`git worktree add`: each checkout commits on its own branch, through a helper ref of its
    own (refs/worktree/), and an import there writes its pack into the shared object store."""
    from conftest import make_eml, make_maildir

    first, second = tix.new("Printer on fire"), tix.new("Scanner jammed")
    main_branch = git(helpdesk, "branch", "--show-current").strip()
    worktree = tmp_path / "second-desk"
    git(helpdesk, "worktree", "add", "-q", "-b", "elsewhere", str(worktree))
    for where, ticket, owner in ((worktree, first, "bob@example.com"), (helpdesk, second, "anna@example.com"), (worktree, second, "bob@example.com")):
        result = run_console_script("assign", ticket, owner, cwd=where)
        assert result.returncode == 0, result.stderr
    maildir = make_maildir(tmp_path / "Maildir", {f"{n}.host": make_eml(message_id=f"<wt{n}@x>") for n in range(20)})
    imported = run_console_script("import", str(maildir), cwd=worktree)
    assert imported.returncode == 0, imported.stderr
    log = {branch: git(helpdesk, "log", "--format=%s", branch).splitlines() for branch in (main_branch, "elsewhere")}
    assert log[main_branch][0].startswith(f"tix: {second} owner") and log[main_branch][0].endswith("→ anna@example.com")
    assert not any("bob@example.com" in subject or "import" in subject for subject in log[main_branch])
    assert sum("bob@example.com" in subject for subject in log["elsewhere"]) == 2 and "import" in log["elsewhere"][0]
    for where in (helpdesk, worktree):
        assert git(where, "status", "--porcelain") == ""
    assert git(helpdesk, "for-each-ref", "refs/worktree") == "" and git(worktree, "for-each-ref", "refs/worktree") == ""
    assert git(helpdesk, "fsck", "--no-progress") == ""


def test_a_linked_worktree_alone_declares_and_registers_the_merge_driver_where_git_reads_them(helpdesk: Path, tmp_path: Path) -> None:
    """git reads info/attributes and the config from the git directory the checkouts share, not
    from a worktree's own: tix run only in a linked worktree declares its merge driver there (a
    driver left unregistered would have git merge ticket files line by line, with conflicts)."""
    worktree = tmp_path / "second-desk"
    git(helpdesk, "worktree", "add", "-q", "-b", "elsewhere", str(worktree))
    (helpdesk / ".git" / "info" / "attributes").unlink()
    git(helpdesk, "config", "--remove-section", "merge.tix")
    listed = run_console_script("list", cwd=worktree)
    assert listed.returncode == 0, listed.stderr
    read_by_git = Path(git(worktree, "rev-parse", "--path-format=absolute", "--git-path", "info/attributes").strip())
    assert "tickets/**/ticket.md merge=tix" in read_by_git.read_text(encoding="utf-8").splitlines()
    assert "tix.storage.mergedriver" in git(worktree, "config", "merge.tix.driver")
    assert not (helpdesk / ".git" / "worktrees" / "second-desk" / "info" / "attributes").exists()


def test_where_git_signs_commits_tix_s_commits_are_signed_too(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    """commit.gpgSign: fast-import writes no signature, so tix signs each commit it makes with
    `git commit-tree -S` (here an SSH key), keeping its tree, parents, names, times and message."""
    import subprocess

    from conftest import make_eml, make_maildir

    key = tmp_path / "signing-key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "desk", "-f", str(key)], check=True)
    allowed = tmp_path / "allowed-signers"
    email = git(helpdesk, "config", "user.email").strip()
    allowed.write_text(f'{email} namespaces="git" {key.with_suffix(".pub").read_text(encoding="utf-8")}', encoding="utf-8")
    for name, value in (("gpg.format", "ssh"), ("user.signingkey", str(key)), ("commit.gpgSign", "true"),
                        ("gpg.ssh.allowedSignersFile", str(allowed))):  # fmt: skip
        git(helpdesk, "config", name, value)
    ticket = tix.new("Printer on fire")
    before = git(helpdesk, "rev-parse", "HEAD").strip()
    assigned = run_console_script("assign", ticket, "bob@example.com", cwd=helpdesk)
    assert assigned.returncode == 0, assigned.stderr
    maildir = make_maildir(tmp_path / "Maildir", {f"{n}.host": make_eml(message_id=f"<signed{n}@x>") for n in range(3)})
    imported = run_console_script("import", str(maildir), cwd=helpdesk)
    assert imported.returncode == 0, imported.stderr
    for commit in git(helpdesk, "rev-list", f"{before}..HEAD").split():
        assert "gpgsig -----BEGIN SSH SIGNATURE-----" in git(helpdesk, "cat-file", "commit", commit)
        subprocess.run(["git", "verify-commit", commit], cwd=helpdesk, check=True, capture_output=True)
    subjects = git(helpdesk, "log", "--format=%an|%s", f"{before}..HEAD").splitlines()
    assert len(subjects) == 2 and subjects[1].endswith(f"tix: {ticket} owner (none) → bob@example.com")
    assert "Tix-Action: assign" in git(helpdesk, "log", "-1", "--format=%B", f"{before}..HEAD", "--skip=1")
    assert git(helpdesk, "status", "--porcelain") == "" and git(helpdesk, "for-each-ref", "refs/worktree") == ""
