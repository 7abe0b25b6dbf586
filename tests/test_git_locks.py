"""Commits racing the user's own git in the same clone (issue 9 #16, issue 10 #6 and #10)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import pytest
from conftest import Cli, git

from tix.storage import gitrepo


def _ticket_text_at_head(root: Path, ticket_id: str) -> str:
    path = git(root, "ls-files", f"tickets/*/{ticket_id}/ticket.md").strip()
    return git(root, "show", f"HEAD:{path}")


@pytest.mark.slow
def test_tix_commits_racing_user_git_commits_land_once_or_not_at_all(tix: Cli, helpdesk: Path) -> None:
    tickets = [tix.new(f"Ticket {n}") for n in range(4)]
    stop = helpdesk / ".git" / "stop-user-loop"
    loop = subprocess.Popen(
        ["sh", "-c", f'i=0; while [ ! -e "{stop}" ]; do i=$((i+1)); echo $i >> user.txt; '
                     f'git add user.txt 2>/dev/null && git commit -qm "user $i" 2>/dev/null; done'],
        cwd=helpdesk,
    )  # fmt: skip
    codes = {}
    try:
        for n in range(100):
            codes[n] = tix("note", tickets[n % 4], f"race-note-{n:03d}.").code
    finally:
        stop.touch()
        loop.wait(timeout=60)
    user_commits = int(git(helpdesk, "rev-list", "--count", "--grep=^user ", "HEAD"))
    assert user_commits > 5, "the user's loop did not run alongside"
    history = git(helpdesk, "log", "-p", "--format=", "--", "tickets")
    final = "".join(_ticket_text_at_head(helpdesk, ticket) for ticket in tickets)
    for n, code in codes.items():
        text = f"race-note-{n:03d}."
        added = sum(1 for line in history.splitlines() if line.startswith("+") and text in line)
        if code == 0:
            assert (added, final.count(text)) == (1, 1), text
        else:
            assert code == 75 and (added, final.count(text)) == (0, 0), text
    assert sum(code == 0 for code in codes.values()) >= 90
    status = git(helpdesk, "status", "--porcelain", "--", "tickets")
    assert status == ""


def test_a_briefly_held_index_lock_is_waited_out_and_the_users_next_commit_keeps_the_change(tix: Cli, helpdesk: Path) -> None:
    ticket = tix.new()
    lock = helpdesk / ".git" / "index.lock"
    lock.write_bytes(b"")  # an IDE or `git add -p` holds the index
    threading.Timer(0.5, lock.unlink).start()
    tix.ok("note", ticket, "Called the customer back.")
    (helpdesk / "unrelated.txt").write_text("mine\n", encoding="utf-8")
    git(helpdesk, "add", "unrelated.txt")
    git(helpdesk, "commit", "-qm", "an unrelated commit of the user's")
    assert "Called the customer back." in _ticket_text_at_head(helpdesk, ticket)
    assert git(helpdesk, "status", "--porcelain") == ""


def test_a_held_index_lock_is_refused_before_anything_is_committed(tix: Cli, helpdesk: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(gitrepo, "GIT_LOCK_WAIT", 0.3)
    ticket = tix.new()
    head = git(helpdesk, "rev-parse", "HEAD")
    lock = helpdesk / ".git" / "index.lock"
    lock.write_bytes(b"")
    result = tix("note", ticket, "Not now.")
    assert result.code == 75
    assert result.err == "tix: error: git is busy (.git/index.lock is held); try again shortly\n"
    assert git(helpdesk, "rev-parse", "HEAD") == head
    old = time.time() - 3600
    os.utime(lock, (old, old))
    result = tix("note", ticket, "Not now.")
    assert result.code == 75
    assert result.err.startswith("tix: error: .git/index.lock is 3600 s old: if no git command is running, remove it")
    lock.unlink()
    assert git(helpdesk, "status", "--porcelain") == ""
    tix.ok("note", ticket, "Now.")


def test_a_stale_branch_lock_names_the_file(tix: Cli, helpdesk: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(gitrepo, "GIT_LOCK_WAIT", 0.3)
    ticket = tix.new()
    lock = helpdesk / ".git" / "refs" / "heads" / "main.lock"
    lock.write_bytes(b"")
    old = time.time() - 600
    os.utime(lock, (old, old))
    result = tix("note", ticket, "Blocked.")
    assert result.code == 75
    assert result.err.startswith("tix: error: .git/refs/heads/main.lock is 600 s old: if no git command is running")
    assert "Blocked." not in _ticket_text_at_head(helpdesk, ticket)
    assert git(helpdesk, "status", "--porcelain") == ""


def test_an_index_lock_left_by_a_killed_tix_is_removed_by_the_next_but_a_live_ones_or_gits_is_not(  # type: ignore[no-untyped-def]
        tix: Cli, helpdesk: Path, monkeypatch) -> None:  # fmt: skip
    # a kill -9 while tix moves HEAD leaves .git/index.lock behind, and git never removes it: every
    # later import failed with 75 until a person deleted the file (seen in CI's kill -9 test)
    monkeypatch.setattr(gitrepo, "GIT_LOCK_WAIT", 0.3)
    ticket = tix.new()
    lock = helpdesk / ".git" / "index.lock"
    host = os.uname().nodename
    gone = subprocess.Popen(["true"])
    gone.wait()  # a process that no longer exists
    lock.write_bytes(f"tix-lock {gone.pid} {host}\n".encode())
    tix.ok("note", ticket, "After the crash.")
    assert not lock.exists() and "After the crash." in _ticket_text_at_head(helpdesk, ticket)
    alive = subprocess.Popen(["sleep", "30"])
    try:
        for mark in (f"tix-lock {alive.pid} {host}\n".encode(), f"tix-lock {gone.pid} another-host\n".encode(), b""):
            lock.write_bytes(mark)  # a tix still at work, one on another machine, git's own: waited for, then refused
            result = tix("note", ticket, "Not yet.")
            assert result.code == 75, mark
            assert lock.read_bytes() == mark
    finally:
        alive.kill()
        alive.wait()
        lock.unlink(missing_ok=True)
    assert "Not yet." not in _ticket_text_at_head(helpdesk, ticket)


def test_the_index_lock_tix_holds_says_whose_it_is(helpdesk: Path) -> None:
    repo = gitrepo.GitRepo(helpdesk)
    with repo.user_index_locked() as lock:
        assert lock.read_bytes() == f"tix-lock {os.getpid()} {os.uname().nodename}\n".encode()
    assert not lock.exists()
