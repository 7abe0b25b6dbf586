"""The commands an agent runs all day start without `dataclasses`, `typing` and the like (issue 12).

Importing `dataclasses` imports `inspect` (and ast, dis, tokenize…): ~9 ms, as long as Python's
own start-up, and every @dataclass class costs ~0.5 ms more at import. The values on these paths
are plain classes (domain/record.py); this holds them to it, through the console script's own
entry point (cli/main.run) in a fresh process, every module it imports listed by -X importtime."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Cli, git

NEVER = ("dataclasses", "inspect", "email.utils", "typing", "tempfile")  # tempfile: and random, hashlib (~3 ms; files.write_atomic)
# what `tix show` does without besides: it hashes a few files (storage/blobs.py), copies none, and
# neither searches nor filters (the index's word module and the query language stay unloaded)
NEVER_FOR_SHOW = ("hashlib", "shutil", "tix.storage.fulltext", "tix.domain.query")  # email.utils: and socket, for a name beside an address (Person.parse)


def imported(argv: list[str], cwd: Path) -> set[str]:
    """Every module `tix ARGV` imports, run as the `tix` script runs it (cli/main.run); its exit
    status must be 0. -X importtime lists each import on stderr, also those of a process that ends
    with os._exit (run does so after show, list and search)."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", "from tix.cli.main import run; run()", *argv],
                            cwd=cwd, capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert result.returncode == 0, (argv, result.stderr)
    return {line.rpartition("|")[2].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}


def assert_lean(argv: list[str], cwd: Path) -> None:
    modules = imported(argv, cwd)
    assert "tix.cli.fast" in modules, argv  # it did run (and without Typer: tests/test_cli_fast.py)
    never = NEVER + NEVER_FOR_SHOW if argv[0] == "show" else NEVER
    assert [name for name in never if name in modules] == [], argv


def test_show_list_search_and_the_state_changes_import_no_dataclasses(tix: Cli, helpdesk: Path) -> None:
    first = tix.new("Printer on fire")
    second = tix.new("Scanner jammed")
    tix.ok("note", first, "toner everywhere")
    for argv in (["show", first], ["show", first, "--format", "json"], ["list"], ["list", "-n", "20"],
                 ["list", "--all", "--format", "json"], ["search", "printer"], ["search", "toner", "--format", "json"],
                 ["assign", first, "anna@example.com"], ["status", second, "pending"], ["close", second],
                 ["reopen", second], ["priority", first, "high"], ["unassign", first]):  # fmt: skip
        assert_lean(argv, helpdesk)


def test_sync_imports_no_dataclasses(tix: Cli, helpdesk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIX_USER", "Anna Nowak <anna@example.com>")  # as cron's line may say: read without email.utils
    remote, clone = tmp_path / "remote.git", tmp_path / "clone"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(helpdesk, "remote", "add", "origin", str(remote))
    ticket = tix.new()
    assert_lean(["sync"], helpdesk)  # the first push
    git(tmp_path, "clone", "-q", str(remote), str(clone))
    tix.ok("assign", ticket, "anna@example.com")
    assert_lean(["sync"], helpdesk)  # one commit out
    assert_lean(["sync"], clone)  # a fresh clone: the merge driver registered, one commit in
    assert_lean(["sync", "--quiet"], clone)  # nothing to do
    assert git(clone, "log", "-1", "--format=%s") == git(helpdesk, "log", "-1", "--format=%s")


def test_a_utc_helpdesk_loads_no_time_zone_database_and_show_no_outbox_without_replies(tix: Cli, helpdesk: Path) -> None:
    """helpdesk.timezone UTC (tix init's default) is datetime's own UTC: zoneinfo (and sysconfig)
    stay unloaded, validating the configuration included; `tix show` of a ticket without replies
    leaves the outbox alone. Another zone is zoneinfo's."""
    ticket = tix.new("Printer on fire")
    tix.ok("config", "set", "helpdesk.timezone", "UTC")  # the tests' helpdesk is in Europe/Warsaw
    (helpdesk / ".git" / "tix" / "config.marshal").unlink(missing_ok=True)  # validated afresh, then kept
    for argv in (["show", ticket], ["show", ticket], ["list"], ["assign", ticket, "anna@example.com"]):
        modules = imported(argv, helpdesk)
        assert "zoneinfo" not in modules and "sysconfig" not in modules, argv
    assert "tix.mail.outbox" not in imported(["show", ticket], helpdesk)
    assert '"updated": "' in (shown := tix.ok("show", ticket, "--format", "json").out) and "+00:00" in shown
    tix.ok("config", "set", "helpdesk.timezone", "Europe/Warsaw")
    assert "zoneinfo" in imported(["show", ticket], helpdesk)
