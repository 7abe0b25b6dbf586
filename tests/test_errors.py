"""User errors: one clear line on stderr, a stable exit code, never a traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import Cli, git, run_console_script

from tix.storage.layout import ticket_relpath


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "ZZZZZZZZ"], "no ticket ZZZZZZZZ"),
        (["show", "ZZZ"], "no ticket matches 'ZZZ'"),
        (["assign", "O0O0", "bob@example.com"], "'O0O0' is not a ticket ID (IDs use 23456789ABCDEFGHJKMNPQRSTUVWXYZ)"),
        (["new", "x", "--from", "not an address"], "--from: 'not an address' is not 'Name <email>' or a mail address"),
        (["new", "x", "-p", "critical"], "unknown priority 'critical' (configured: urgent, high, normal, low)"),
        (["new", "x", "-c", "misc"], "unknown category 'misc' (configured: general, billing, technical, complaint)"),
        (["new", " "], "a ticket needs a subject"),
        (["list", "--status", "done"], "unknown status 'done' (configured: new, open, pending, on-hold, closed)"),
        (["list", "--sort", "mood"], "--sort: unknown key 'mood' (one of: priority, created, updated, due, status, owner, id, subject, category, queue)"),
        (["list", "--since", "last week"], "--since: 'last week' is neither a duration (7d, 12h) nor an ISO date"),
        (["config", "get", "helpdesk.colour"], "unknown config key 'helpdesk.colour' (see docs/CONFIG.md)"),
    ],
)
def test_user_errors_are_one_line(tix: Cli, args: list[str], message: str) -> None:
    result = tix(*args)
    assert (result.code, result.err) == (1, f"tix: error: {message}\n")


def test_bad_status_and_priority_on_a_ticket(tix: Cli) -> None:
    ticket_id = tix.new()
    assert tix("status", ticket_id, "done").err == (
        "tix: error: unknown status 'done' (configured: new, open, pending, on-hold, closed)\n")
    assert tix("priority", ticket_id, "p1").code == 1
    assert tix("tag", ticket_id, "-").err.startswith("tix: error: '' is not a valid tag")


def test_usage_errors_exit_2(tix: Cli) -> None:
    result = tix("assign")
    assert result.code == 2 and "tix assign needs ID" in result.err
    assert tix("list", "--format", "xml").code == 2
    assert tix("frobnicate").code == 2


def test_outside_a_helpdesk(tmp_path: Path, tix: Cli) -> None:
    result = tix("list", cwd=tmp_path)
    assert result.code == 1
    assert result.err == (
        f"tix: error: not inside a helpdesk (no tix.yaml in {tmp_path.resolve()} or above); run `tix init` or use -C DIR\n")


def test_no_git_identity(tix: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty.gitconfig"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    result = tix("new", "x")
    assert result.code == 1
    assert result.err == (
        "tix: error: no identity: set git's user.email (git config --global user.email you@example.com), TIX_USER or --as\n")
    assert tix("--as", "bad", "new", "x").err == (
        "tix: error: --as: 'bad' is not a team handle, 'Name <email>' or an address (tix.yaml has no team: section)\n")
    ok = tix("--as", "Cron <cron@example.com>", "new", "works without git identity")
    assert ok.code == 0, ok.err


def test_a_broken_ticket_file_is_named_and_does_not_stop_list(tix: Cli, helpdesk: Path) -> None:
    good = tix.new("Good")
    bad = tix.new("Bad")
    bad_path = ticket_relpath(bad)
    (helpdesk / bad_path).write_text("---\nid: [oops\n---\n", encoding="utf-8")
    listed = tix("list", "-f", "json")
    assert listed.code == 0
    assert [row["id"] for row in json.loads(listed.out)] == [good]
    assert listed.err == f"tix: warning: {bad_path}: invalid YAML in front-matter (line 3)\n"
    shown = tix("show", bad)
    assert (shown.code, shown.err) == (1, f"tix: error: {bad_path}: invalid YAML in front-matter (line 3)\n")
    assert tix("assign", bad, "bob@example.com").code == 1
    git(helpdesk, "checkout", "--", bad_path)
    listed = tix("list", "-f", "json")
    assert (len(json.loads(listed.out)), listed.err) == (2, "")


def test_an_invalid_config_file_is_named(tix: Cli, helpdesk: Path) -> None:
    config = helpdesk / "tix.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("default: normal", "default: meh"), encoding="utf-8")
    assert tix("list").err == "tix: error: priorities.default: 'meh' is not in priorities.levels\n"
    config.write_text("helpdesk: [\n", encoding="utf-8")
    assert tix("list").err == f"tix: error: {config}: not valid YAML at line 2\n"


def test_lock_held_exits_75(tix: Cli, helpdesk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import fcntl

    ticket_id = tix.new()
    monkeypatch.setattr("tix.storage.layout.LOCK_WAIT_SECONDS", 0.2)
    with open(helpdesk / ".git" / "tix" / "lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        result = tix("assign", ticket_id, "bob@example.com")
    assert (result.code, result.err) == (75, "tix: error: another tix command is writing to this helpdesk; try again shortly\n")
    assert tix("assign", ticket_id, "bob@example.com").code == 0


def test_no_traceback_from_the_console_script(tmp_path: Path) -> None:
    result = run_console_script("show", "ABCD", cwd=tmp_path, env={"TIX_DIR": ""})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and result.stderr.startswith("tix: error: not inside a helpdesk")


def test_failed_commit_leaves_the_ticket_file_as_it_was(tix: Cli, helpdesk: Path) -> None:
    ticket_id = tix.new()
    path = helpdesk / ticket_relpath(ticket_id)
    before = path.read_bytes()
    head = git(helpdesk, "rev-parse", "HEAD")
    lock = helpdesk / ".git" / "refs" / "heads" / "main.lock"  # as if another git were moving the branch
    lock.write_text("", encoding="utf-8")
    try:
        result = tix("assign", ticket_id, "bob@example.com")
    finally:
        os.unlink(lock)
    assert result.code == 75 and result.err == "tix: error: git is busy (.git/refs/heads/main.lock is held); try again shortly\n"
    assert path.read_bytes() == before
    assert git(helpdesk, "rev-parse", "HEAD") == head
    assert git(helpdesk, "status", "--porcelain") == ""
    assert tix("assign", ticket_id, "bob@example.com").code == 0  # nothing of the failed attempt lingers
    assert git(helpdesk, "show", "--stat", "--format=", "HEAD").count("|") == 1
