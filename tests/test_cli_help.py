"""Help and usage errors in tix's words (issue 18, items 1 and 2), through the real entry point:
every command registered in the app (also those added later) has examples, `-h`, `tix help
COMMAND`, help without Python types, errors without Click's or pydantic's wording."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
import typer
from conftest import Cli, git

from tix.cli.app import app
from tix.cli.usage import polish


def _commands() -> list[tuple[str, click.Command]]:
    """(path, command) of every command that runs something: each leaf, and each group that runs
    without a subcommand (tix outbox, tix report)."""
    found: list[tuple[str, click.Command]] = []

    def walk(command: click.Command, path: str) -> None:
        if isinstance(command, click.Group):
            if command.invoke_without_command:
                found.append((path, command))
            for name, sub in command.commands.items():
                walk(sub, f"{path} {name}".strip())
        else:
            found.append((path, command))

    walk(polish(typer.main.get_command(app)), "")
    return found


COMMANDS = _commands()
PATHS = [path for path, _ in COMMANDS]


def _help(tix: Cli, *args: str) -> str:
    result = tix(*args)
    assert result.code == 0, (args, result.err)
    return result.out


def test_the_app_has_the_commands_this_test_walks() -> None:
    assert {"new", "list", "show", "config set", "kb search", "outbox", "outbox cancel", "help", "completion"} <= set(PATHS)


@pytest.mark.parametrize("path", PATHS)
def test_every_command_ends_its_docstring_with_examples(path: str) -> None:
    command = dict(COMMANDS)[path]
    text = command.help or ""
    block = re.search(r"\n\x08\nExamples:\n((?:  +\S.*\n?)+)$", text.rstrip() + "\n")
    assert block, f"tix {path}: its docstring must end with a \\b line, 'Examples:' and indented examples"
    assert all("tix" in line for line in block.group(1).splitlines()), path


@pytest.mark.parametrize("path", PATHS)
def test_help_shows_examples_and_argument_help_without_python_types(tix: Cli, path: str) -> None:
    words = path.split()
    shown = _help(tix, *words, "--help")
    assert "Examples:\n" in shown
    for line in shown.split("Arguments:\n" if "Arguments:\n" in shown else "Options:\n", 1)[1].splitlines():
        declared = line.strip().split("  ")[0]  # the column of the option or argument and its metavar
        for banned in ("<", "[[", "{", "INTEGER", "FLOAT", "BOOLEAN", "RANGE", "list[", "str"):
            assert banned not in declared, (path, banned, line)
        assert not re.search(r"\[x?[<>]=?", line), (path, line)  # Click's range, e.g. [x>=0]
    command = dict(COMMANDS)[path]
    for param in command.params:
        if isinstance(param, click.Argument) and getattr(param, "help", None):
            assert " ".join(param.help.split()[:3]) in " ".join(shown.split()), (path, param.name)  # type: ignore[attr-defined]
    assert _help(tix, *words, "-h") == shown
    assert _help(tix, "help", *words) == shown


def test_tix_help_alone_is_tix_help_and_no_summary_is_cut(tix: Cli) -> None:
    shown = _help(tix, "--help")
    assert _help(tix, "help") == shown == _help(tix, "-h")
    commands = shown.split("Commands:\n", 1)[1]
    assert "..." not in commands
    flat = " ".join(commands.split())
    whole = typer.main.get_command(app)
    assert isinstance(whole, click.Group)
    for name, command in whole.commands.items():
        assert f"{name} {command.get_short_help_str(limit=1000)}" in flat, name


def test_version(tix: Cli) -> None:
    from tix import __version__

    assert tix("--version").out == f"tix {__version__}\n"


def test_n_is_the_limit_in_every_command() -> None:
    for path, command in COMMANDS:
        for param in command.params:
            if isinstance(param, click.Option) and "-n" in param.opts:
                assert "--limit" in param.opts, f"tix {path}: -n must mean --limit (docs/CLI.md, Short options)"


@pytest.mark.parametrize(("args", "expected"), [
    (["list", "--stauts", "open"], "tix: error: unknown option --stauts; did you mean --status?"),
    (["list", "--lmit", "3"], "tix: error: unknown option --lmit; did you mean --limit?"),
    (["list", "-x"], "tix: error: unknown option -x"),
    (["import", "-n", "x.eml"], "tix: error: unknown option -n: in tix, -n is --limit; for a run that changes nothing write --dry-run"),
    (["list", "-n", "x"], "tix: error: --limit: 'x' is not a whole number of at least 0"),
    (["kb", "search", "x", "-n", "0"], "tix: error: --limit: '0' is not a whole number of at least 1"),
    (["show", "AB", "-f", "yaml"], "tix: error: --format: 'yaml' is not one of the choices; choose text or json"),
    (["list", "--format", "xml"], "tix: error: --format: 'xml' is not one of the choices; choose table, json or csv"),
    (["fetch", "--interval", "soon"], "tix: error: --interval: 'soon' is not a number"),
    (["list", "--mine=yes"], "tix: error: --mine is a switch and takes no value"),
    (["list", "--owner"], "tix: error: --owner needs a value"),
    (["show"], "tix: error: tix show needs ID"),
    (["show", "A", "B"], "tix: error: tix show got more than it takes: B"),
    (["outbox", "cancel", "X"], "tix: error: --message is required here"),
    (["shwo"], "tix: error: 'shwo' is not a tix command; did you mean 'show'?"),
    (["config", "sett"], "tix: error: 'sett' is not a tix config command; did you mean 'set'?"),
    (["help", "nosuch"], "tix: error: 'nosuch' is not a tix command"),
    (["completion", "tcsh"], "tix: error: SHELL: 'tcsh' is not one of the choices; choose bash, zsh or fish"),
])  # fmt: skip
def test_usage_errors_are_in_tix_words(tix: Cli, args: list[str], expected: str) -> None:
    result = tix(*args)
    first, *rest = result.err.splitlines()
    assert result.code == 2 and first == expected, result.err
    assert len(rest) == 1 and rest[0].startswith("Try 'tix help") and rest[0].endswith("for its usage and examples."), result.err
    for foreign in ("Error:", "Usage:", "Invalid value", "is not a valid", "Input should be", "Value error", "Did you mean"):
        assert foreign not in result.err


def test_a_folder_that_does_not_exist(tix: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "nope"
    for args in (["list"], ["show", "AB12"], ["search", "x"], ["tag", "AB12", "+x"], ["config", "list"]):
        result = tix("-C", str(missing), *args)
        assert (result.code, result.err) == (1, f"tix: error: -C: the folder {missing} does not exist\n"), args
    monkeypatch.setenv("TIX_DIR", str(missing))
    assert tix("list", cwd=tmp_path).err == f"tix: error: TIX_DIR: the folder {missing} does not exist\n"
    a_file = tmp_path / "file"
    a_file.write_text("x", encoding="utf-8")
    assert tix("-C", str(a_file), "list").err == f"tix: error: -C: {a_file} is not a folder\n"


def test_as_takes_a_team_handle(tix: Cli, helpdesk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tix.ok("config", "set", "team.anna.email", "anna@example.com")
    tix.ok("config", "set", "team.anna.name", "Anna Nowak")
    ticket = tix.new()
    tix.ok("--as", "anna", "take", ticket)
    assert git(helpdesk, "log", "-1", "--format=%an <%ae>").strip() == "Anna Nowak <anna@example.com>"
    assert ticket in tix.ok("--as", "anna", "list", "--mine").out
    assert ticket in tix.ok("--as", "anna", "list", "owner:me").out
    monkeypatch.setenv("TIX_USER", "anna")
    tix.ok("note", ticket, "hello")
    assert git(helpdesk, "log", "-1", "--format=%ae").strip() == "anna@example.com"
    monkeypatch.delenv("TIX_USER")
    result = tix("--as", "bob", "take", ticket)
    assert (result.code, result.err) == (1, "tix: error: --as: 'bob' is not a team handle, 'Name <email>' or an address (team: anna)\n")


def test_a_failed_sync_shows_all_that_git_said(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    git(helpdesk, "remote", "add", "origin", str(tmp_path / "no-such-remote"))
    result = tix("sync")
    assert result.code == 1
    lines = result.err.splitlines()
    assert lines[0] == "tix: error: origin: no such repository (git fetch failed)"
    assert lines[1] == "git said:"
    assert any("does not appear to be a git repository" in line for line in lines[2:])
    assert any("Could not read from remote repository" in line for line in lines[2:])
    assert all(line.startswith("  ") for line in lines[2:])
