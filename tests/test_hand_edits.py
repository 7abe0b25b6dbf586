"""Edits that are never lost (issue 18 #8): a rejected `tix edit` can be reopened, and a ticket
file with uncommitted hand changes is never swept into a tix commit unnoticed."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from conftest import Cli, git, make_eml

from tix.storage.layout import ticket_relpath


def editor_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content_from: Path) -> None:
    """EDITOR: a small script that replaces the file it is given with `content_from`'s text."""
    script = tmp_path / "editor.sh"
    script.write_text(f'#!/bin/sh\ncat "{content_from}" > "$1"\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("EDITOR", str(script))


def commits(helpdesk: Path) -> int:
    return int(git(helpdesk, "rev-list", "--count", "HEAD"))


# --- a rejected edit is offered again -----------------------------------------------------


def test_a_rejected_edit_is_offered_again_and_committed_once_fixed(tix: Cli, helpdesk: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    ticket_id = tix.new()
    path = helpdesk / ticket_relpath(ticket_id)
    wanted = tmp_path / "wanted.md"
    long_text = path.read_text(encoding="utf-8").replace("status: new", "status: opne").replace("subject: Printer on fire", "subject: Careful work")
    wanted.write_text(long_text, encoding="utf-8")
    editor_writing(tmp_path, monkeypatch, wanted)
    rejected = tix("edit", ticket_id)
    assert rejected.code == 1 and "unknown status 'opne'" in rejected.err
    assert "status: new" in path.read_text(encoding="utf-8")

    # the next edit offers the rejected version; the editor now sees it and fixes only the typo
    fix = tmp_path / "fix.sh"
    fix.write_text('#!/bin/sh\nsed -i "s/^status: opne/status: open/" "$1"\n', encoding="utf-8")
    fix.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(fix))
    result = tix("edit", ticket_id, stdin="y\n")
    assert result.code == 0, result.err
    assert "Reopen it?" in result.err and ticket_id in result.err
    text = path.read_text(encoding="utf-8")
    assert "status: open" in text and "subject: Careful work" in text  # the careful work was not lost
    assert not list((helpdesk / ".git" / "tix" / "edit").iterdir())  # nothing left once committed


def test_declining_discards_the_rejected_version(tix: Cli, helpdesk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ticket_id = tix.new()
    monkeypatch.setenv("EDITOR", "sed -i 's/^status: new/status: opne/'")
    assert tix("edit", ticket_id).code == 1
    monkeypatch.setenv("EDITOR", "sed -i 's/^priority: normal/priority: high/'")
    result = tix("edit", ticket_id, stdin="n\n")
    assert result.code == 0, result.err
    text = (helpdesk / ticket_relpath(ticket_id)).read_text(encoding="utf-8")
    assert "priority: high" in text and "status: new" in text
    assert not (helpdesk / ".git" / "tix" / "edit" / f"{ticket_id}.md").exists()  # asked once, then gone


def test_a_reopened_version_keeps_what_came_in_meanwhile(tix: Cli, helpdesk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ticket_id = tix.new()
    monkeypatch.setenv("EDITOR", "sed -i -e 's/^status: new/status: opne/' -e 's/^priority: normal/priority: low/'")
    assert tix("edit", ticket_id).code == 1
    tix.ok("note", ticket_id, "A note added after the rejected edit")
    monkeypatch.setenv("EDITOR", "sed -i 's/^status: opne/status: open/'")
    result = tix("edit", ticket_id, "--reopen-rejected")
    assert result.code == 0, result.err
    text = (helpdesk / ticket_relpath(ticket_id)).read_text(encoding="utf-8")
    assert "priority: low" in text and "status: open" in text
    assert "A note added after the rejected edit" in text


# --- hand edits are not swept into tix's commits -----------------------------------------


def hand_edit(helpdesk: Path, ticket_id: str) -> Path:
    path = helpdesk / ticket_relpath(ticket_id)
    path.write_text(path.read_text(encoding="utf-8").replace("priority: normal", "priority: high"), encoding="utf-8")
    return path


@pytest.mark.parametrize("command", [
    ["assign", "{id}", "bob@example.com"], ["status", "{id}", "open"], ["close", "{id}"], ["tag", "{id}", "+vip"],
    ["note", "{id}", "hello"], ["priority", "{id}", "low"], ["reply", "{id}", "-m", "Hello"], ["escalate", "{id}"],
    ["edit", "{id}"], ["spam", "{id}"], ["delete", "{id}"], ["split", "{id}", "ZZZZ"],
])  # fmt: skip
def test_a_change_to_a_hand_edited_ticket_is_refused_naming_the_file(tix: Cli, helpdesk: Path, command: list[str],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    ticket_id = tix.new()
    path = hand_edit(helpdesk, ticket_id)
    before, text = commits(helpdesk), path.read_text(encoding="utf-8")
    monkeypatch.setenv("EDITOR", "sed -i 's/^subject: .*/subject: Other/'")
    result = tix(*[part.format(id=ticket_id) for part in command])
    assert result.code == 1
    assert ticket_relpath(ticket_id) in result.err and "--include-edits" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert commits(helpdesk) == before and path.read_text(encoding="utf-8") == text  # nothing changed, nothing lost


@pytest.mark.parametrize("command", [["merge", "{a}", "{b}"], ["merge", "{b}", "{a}"], ["link", "{a}", "{b}"],
                                     ["link", "{b}", "{a}", "--kind", "parent"]])  # fmt: skip
def test_a_merge_or_link_with_a_hand_edited_ticket_on_either_side_is_refused(tix: Cli, helpdesk: Path,
                                                                            command: list[str]) -> None:  # fmt: skip
    edited, other = tix.new(), tix.new()
    path = hand_edit(helpdesk, edited)
    before, text = commits(helpdesk), path.read_text(encoding="utf-8")
    result = tix(*[part.format(a=edited, b=other) for part in command])
    assert result.code == 1 and ticket_relpath(edited) in result.err and len(result.err.strip().splitlines()) == 1
    assert commits(helpdesk) == before and path.read_text(encoding="utf-8") == text
    tix.ok("--include-edits", *[part.format(a=edited, b=other) for part in command])
    assert commits(helpdesk) == before + 2  # the hand edit, then the operation


def test_a_staged_hand_edit_is_refused_too_and_the_fast_path_agrees(tix: Cli, helpdesk: Path) -> None:
    ticket_id = tix.new()
    hand_edit(helpdesk, ticket_id)
    git(helpdesk, "add", ticket_relpath(ticket_id))
    result = tix("assign", ticket_id, "bob@example.com")  # cli/fast.py's form
    assert result.code == 1 and ticket_relpath(ticket_id) in result.err


def test_include_edits_commits_the_hand_edit_first_then_the_change(tix: Cli, helpdesk: Path) -> None:
    ticket_id = tix.new()
    due_before = [line for line in (helpdesk / ticket_relpath(ticket_id)).read_text(encoding="utf-8").splitlines()
                  if line.startswith("first_response_due")]  # fmt: skip
    hand_edit(helpdesk, ticket_id)
    before = commits(helpdesk)
    tix.ok("--include-edits", "assign", ticket_id, "bob@example.com")
    assert commits(helpdesk) == before + 2
    actions = git(helpdesk, "log", "-2", "--format=%(trailers:key=Tix-Action,valueonly)").split()
    assert actions == ["assign", "edit"]
    edit_commit = git(helpdesk, "show", "HEAD~1", "--format=", "-U0", "--", ticket_relpath(ticket_id))
    assert "+priority: high" in edit_commit and "owner" not in edit_commit  # the hand edit alone
    assert "+first_response_due" in edit_commit and due_before  # its due times recomputed for the new priority
    assert git(helpdesk, "status", "--porcelain") == ""


def test_include_edits_refuses_an_invalid_hand_edit(tix: Cli, helpdesk: Path) -> None:
    ticket_id = tix.new()
    path = helpdesk / ticket_relpath(ticket_id)
    path.write_text(path.read_text(encoding="utf-8").replace("status: new", "status: opne"), encoding="utf-8")
    result = tix("--include-edits", "note", ticket_id, "hello")
    assert result.code == 1 and ticket_relpath(ticket_id) in result.err and "opne" in result.err


def test_an_import_holds_a_follow_up_to_a_hand_edited_ticket_in_quarantine(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    first = tmp_path / "first.eml"
    first.write_bytes(make_eml(message_id="<first@example.pl>"))
    tix.ok("import", str(first))
    ticket_id = tix.ok("list", "-f", "json").out.split('"id": "')[1][:8]
    path = hand_edit(helpdesk, ticket_id)
    text = path.read_text(encoding="utf-8")
    other = tmp_path / "other.eml"
    other.write_bytes(make_eml(subject="Another matter", message_id="<other@example.pl>"))
    follow = tmp_path / "follow.eml"
    follow.write_bytes(make_eml(subject="Re: Printer on fire", message_id="<follow@example.pl>", in_reply_to="<first@example.pl>"))
    result = tix("import", str(other), str(follow))
    assert result.code == 3  # some messages are in quarantine
    assert path.read_text(encoding="utf-8") == text  # the hand edit is still there, uncommitted
    assert ticket_relpath(ticket_id) in git(helpdesk, "status", "--porcelain")
    assert ticket_relpath(ticket_id) not in git(helpdesk, "show", "--name-only", "--format=", "HEAD")
    assert "Another matter" in tix.ok("list").out  # the rest of the run went on

    git(helpdesk, "commit", "-q", "-am", "my hand edit")
    retried = tix("import", "--retry-quarantine")
    assert retried.code == 0, retried.err
    assert "<follow@example.pl>" in path.read_text(encoding="utf-8") and "priority: high" in path.read_text(encoding="utf-8")


def test_the_check_asks_git_about_the_one_file_only(tix: Cli, helpdesk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """O(1) in the number of tickets: git is asked about the one file the command changes, and
    only with `git cat-file` (HEAD, its tree and the few trees on the file's way) while the file
    is HEAD's blob; `git status` (which reads git's whole index) only once it is not. The whole
    state change is five git runs: the identity, that read, fast-import (the new blob, trees and
    commit, from the HEAD that read gave), the compare-and-swap of HEAD, and git's own index."""
    from tix.storage.gitrepo import GitRepo

    ticket_id = tix.new()
    for n in range(3):
        tix.new(f"other {n}")
    seen: list[tuple[str, ...]] = []
    asked: list[bytes] = []
    original = GitRepo.start  # every git command tix runs (GitRepo.run too) starts here

    def recording(self: GitRepo, *args: str, **kwargs: object) -> object:
        seen.append(args)
        if args[0] == "cat-file":
            asked.append(kwargs["stdin"])  # type: ignore[arg-type]
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(GitRepo, "start", recording)
    tix.ok("assign", ticket_id, "bob@example.com")
    assert not [args for args in seen if args[0] in ("status", "ls-tree", "hash-object", "log", "rev-parse")]
    assert asked == [f"HEAD^{{commit}}\nHEAD^{{tree}}\nHEAD:{ticket_relpath(ticket_id)}\n".encode()]
    assert [args[0] for args in seen] == ["config", "cat-file", "update-index", "fast-import", "update-ref"]  # the index's beside fast-import
    seen.clear()
    path = helpdesk / ticket_relpath(ticket_id)
    path.write_text(path.read_text(encoding="utf-8").replace("\n", "\r\n"), encoding="utf-8")  # line ends only
    result = tix("assign", ticket_id, "anna@example.com")
    status = [args for args in seen if args[0] == "status"]
    assert status == [("status", "--porcelain", "-z", "--untracked-files=all", "--no-renames", "--", ticket_relpath(ticket_id))]
    assert result.code == 1 and ticket_relpath(ticket_id) in result.err
    assert os.environ.get("GIT_OPTIONAL_LOCKS") is None


def test_remind_leaves_a_hand_edited_ticket_alone_with_a_warning(tix: Cli, helpdesk: Path, clock) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime

    tix.ok("config", "set", "team.bob.email", "bob@example.com")
    clock.set(datetime.fromisoformat("2026-11-23T10:00:00+01:00"))
    edited = tix.new("Server down", "-p", "urgent", "--owner", "bob")
    other = tix.new("Mail down", "-p", "urgent", "--owner", "bob")
    path = helpdesk / ticket_relpath(edited)
    path.write_text(path.read_text(encoding="utf-8").replace("subject: Server down", "subject: Server down (hand)"), encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    clock.set(datetime.fromisoformat("2026-11-23T10:15:00+01:00"))
    result = tix("remind", "--record", "-q")
    assert result.code == 0, result.err
    assert f"tix: warning: {ticket_relpath(edited)}: not reminded" in result.err
    assert path.read_text(encoding="utf-8") == text
    assert ticket_relpath(edited) not in git(helpdesk, "show", "--name-only", "--format=", "HEAD")
    assert ticket_relpath(other) in git(helpdesk, "show", "--name-only", "--format=", "HEAD")


def test_send_holds_mail_whose_ticket_has_a_hand_edit(tix: Cli, helpdesk: Path) -> None:
    tix.ok("config", "set", "helpdesk.email", "support@example.com", "mail.sendmail", "/bin/true")
    ticket_id = tix.new()
    tix.ok("reply", ticket_id, "-m", "Hello")
    path = hand_edit(helpdesk, ticket_id)
    text, before = path.read_text(encoding="utf-8"), commits(helpdesk)
    held = tix("send")
    assert held.code == 1 and ticket_relpath(ticket_id) in held.err and "stays queued" in held.err
    assert path.read_text(encoding="utf-8") == text and commits(helpdesk) == before
    assert list((helpdesk / "outbox" / "queue").glob("*.eml"))
    sent = tix("--include-edits", "send")
    assert sent.code == 0, sent.err
    assert not list((helpdesk / "outbox" / "queue").glob("*.eml"))
    actions = git(helpdesk, "log", "-2", "--format=%(trailers:key=Tix-Action,valueonly)").split()
    assert actions == ["send", "edit"]
    assert git(helpdesk, "status", "--porcelain") == ""
    assert "first_response:" in path.read_text(encoding="utf-8")
