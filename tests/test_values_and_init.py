"""Hand-written values the configuration does not know are warned about by `tix list` and `tix show`,
and a `tix init` that fails leaves nothing half-made (issue 18 #7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Cli, git

from tix.cli.main import main
from tix.storage.layout import ticket_relpath


def set_by_hand(helpdesk: Path, ticket_id: str, old: str, new: str) -> str:
    path = helpdesk / ticket_relpath(ticket_id)
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    git(helpdesk, "commit", "-qam", "by hand")
    return ticket_relpath(ticket_id)


def test_list_and_show_warn_about_unknown_values_naming_the_file(tix: Cli, helpdesk: Path) -> None:
    typo, five, fine = tix.new("Typo"), tix.new("Five"), tix.new("Fine")
    typo_path = set_by_hand(helpdesk, typo, "status: new", "status: opne")
    five_path = set_by_hand(helpdesk, five, "priority: normal", "priority: 5")
    listed = tix.ok("list")
    assert f"tix: warning: {typo_path}: unknown status 'opne' (configured: new, open" in listed.err
    assert f"tix: warning: {five_path}: unknown priority '5' (configured: urgent, high, normal, low)" in listed.err
    assert len(listed.err.splitlines()) == 2
    assert {typo, five, fine} <= {line.split()[0] for line in listed.lines[1:]}  # still listed: nothing hidden
    json_list = tix.ok("list", "-f", "json")
    assert len(json.loads(json_list.out)) == 3 and "opne" in json_list.err  # stdout stays data

    shown = tix.ok("show", typo)
    assert shown.err.splitlines() == [
        f"tix: warning: {typo_path}: unknown status 'opne' (configured: new, open, pending, on-hold, closed); "
        "fix it with `tix edit` or add it to tix.yaml"
    ]
    assert tix.ok("show", fine).err == ""
    assert tix.ok("list").err.count("warning") == 2


def test_many_files_with_one_unknown_value_are_one_warning(tix: Cli, helpdesk: Path) -> None:
    ids = [tix.new(f"T{n}") for n in range(5)]
    for ticket_id in ids:
        set_by_hand(helpdesk, ticket_id, "status: new", "status: waiting-for-parts")
    warnings = tix.ok("list").err.splitlines()
    assert len(warnings) == 1 and warnings[0].startswith("tix: warning: 5 ticket files (tickets/")
    assert ", ...)" in warnings[0]


def test_the_unknown_value_check_does_not_grow_with_the_tickets(tix: Cli, helpdesk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One index probe per distinct value (a handful), whatever the number of tickets."""
    from tix.storage import index as index_module

    for n in range(12):
        tix.new(f"T{n}")
    calls: list[int] = []
    original = index_module.Index.unknown_values

    def counting(self: index_module.Index, column: str, allowed: list[str]) -> list[tuple[str, int, list[str]]]:
        before = self.db.total_changes
        statements: list[str] = []
        self.db.set_trace_callback(statements.append)
        try:
            return original(self, column, allowed)
        finally:
            self.db.set_trace_callback(None)
            calls.append(len(statements))
            assert self.db.total_changes == before

    monkeypatch.setattr(index_module.Index, "unknown_values", counting)
    tix.ok("list")
    assert calls == [2, 2]  # status: new only; priority: normal only — MIN, then nothing above it


# --- tix init ----------------------------------------------------------------------------


def test_a_failed_init_in_a_new_folder_leaves_no_folder(tmp_path: Path) -> None:
    target = tmp_path / "new" / "desk"
    assert main(["init", str(target), "--timezone", "Mars/Olympus"]) == 1
    assert not (tmp_path / "new").exists()


def test_a_failed_init_midway_leaves_an_existing_folder_as_it_was(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "desk"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n", encoding="utf-8")
    (target / "templates").write_text("not a folder\n", encoding="utf-8")  # copying the templates fails midway
    assert main(["init", str(target)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tix: error: cannot create the helpdesk:") and "templates" in err and "Traceback" not in err
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt", "templates"]  # no .git, no tix.yaml


def test_a_failed_init_in_a_git_repository_leaves_it_as_it_was(tmp_path: Path) -> None:
    target = tmp_path / "repo"
    target.mkdir()
    git(target, "init", "-q")
    (target / ".gitignore").write_text("*.log\n", encoding="utf-8")
    git(target, "add", ".gitignore")
    git(target, "commit", "-qm", "first")
    (target / "templates").write_text("not a folder\n", encoding="utf-8")
    git(target, "add", "templates")
    git(target, "commit", "-qm", "second")
    head = git(target, "rev-parse", "HEAD")
    assert main(["init", str(target), "--name", "Desk"]) == 1
    assert git(target, "rev-parse", "HEAD") == head
    assert git(target, "status", "--porcelain") == ""
    assert (target / ".gitignore").read_text(encoding="utf-8") == "*.log\n"
    assert not (target / "tix.yaml").exists() and not (target / ".gitattributes").exists()


def test_a_failed_init_without_an_identity_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-gitconfig"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    target = tmp_path / "desk"
    assert main(["init", str(target)]) == 1
    assert not target.exists()


def test_a_bad_seed_config_leaves_nothing(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("statuses:\n  initial: nowhere\n", encoding="utf-8")
    target = tmp_path / "desk"
    assert main(["init", str(target), "--config", str(seed)]) == 1
    assert not target.exists()
    assert main(["init", str(target)]) == 0  # and a second try starts clean
