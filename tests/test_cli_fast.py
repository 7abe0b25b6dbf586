"""`tix show` and `tix list` without Typer (cli/fast.py): the same options, values and defaults
as the Typer commands, the same output and exit status, and Typer for everything else."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest
import typer
from conftest import Cli, git, make_eml, make_maildir, tix_command

from tix.cli import fast
from tix.cli.app import app

ALIASES = {"all": "all_"}  # the Python name of an option whose name is a builtin


def _typer_command(name: str) -> click.Command:
    group = typer.main.get_command(app)
    assert isinstance(group, click.Group)
    command = group.get_command(click.Context(group), name)
    assert command is not None
    return command


@pytest.mark.parametrize("name", sorted(fast.COMMANDS))
def test_the_fast_path_knows_each_option_as_the_typer_command_declares_it(name: str) -> None:
    spec, command = fast.COMMANDS[name], _typer_command(name)
    options = [p for p in command.params if isinstance(p, click.Option) and p.name != "help"]
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    assert tuple(p.name for p in arguments) == spec.positionals
    for argument in arguments:  # an optional one has its default here
        assert (argument.name in spec.defaults) == (not argument.required), argument.name
        if not argument.required:
            assert spec.defaults[str(argument.name)] == argument.default, argument.name
    assert set(spec.values) | set(spec.flags) == {spelling for p in options for spelling in p.opts}
    for option in options:
        key = ALIASES.get(str(option.name), str(option.name))
        for spelling in option.opts:
            assert (spec.flags if option.is_flag else spec.values)[spelling] == key, spelling
        default = option.default.value if hasattr(option.default, "value") else option.default
        assert spec.defaults[key] == (None if option.multiple and default in ((), None) else default), key
        assert (key in spec.many) == option.multiple, key
        if isinstance(option.type, click.Choice):
            assert tuple(spec.choices[key]) == tuple(str(choice) for choice in option.type.choices), key


def test_plain_forms_are_taken_with_their_values() -> None:
    parsed = fast.parse(["-C", "/srv/desk", "--as", "Anna <a@example.com>", "list", "-s", "open", "--status=new", "-n", "5",
                         "--mine", "--format", "json", "--sort=-created"])  # fmt: skip
    assert parsed is not None
    name, state, options = parsed
    assert (name, state.directory, state.as_user) == ("list", Path("/srv/desk"), "Anna <a@example.com>")
    assert options["status"] == ["open", "new"] and options["limit"] == 5 and options["mine"] is True
    assert options["format"] == "json" and options["sort"] == "-created" and options["owner"] is None
    shown = fast.parse(["show", "AB12", "-f", "json"])
    assert shown is not None and (shown[0], shown[2]) == ("show", {"ticket": "AB12", "format": "json"})


@pytest.mark.parametrize("argv", [
    ["show"], ["show", "A", "B"], ["show", "--help"], ["show", "-x", "A"], ["show", "A", "--format", "yaml"],
    ["show", "--", "A"], ["list", "--help"], ["list", "-n5"], ["list", "-n", "-1"], ["list", "-n", "five"],
    ["list", "--limit", "2", "--limit", "3"], ["list", "--customer", ""], ["list", "--status="],
    ["list", "--mine=yes"], ["list", "-ma"], ["-C"], ["-C", "a", "-C", "b", "list"], ["--help"], [], ["tag", "A", "+x"], ["assign", "A"], ["category", "A", ""],
    ["close", "A", "-m"], ["assign", "A", "b", "c"],
    ["list", "--no-such"], ["list", "--format", "xml"],
    ["search", "x", "--help"], ["search", "x", "--limit", "0"], ["search", "x", "--limit"], ["search", "--no-such", "x"], ["search", "-", "x"],
    ["search", "--", "x"], ["search", "x", "--format", "yaml"],
])  # fmt: skip
def test_anything_else_is_left_to_typer(argv: list[str]) -> None:
    assert fast.parse(argv) is None


@pytest.fixture
def desk_with_tickets(tix: Cli) -> list[str]:
    ticket_ids = [tix.new(f"Ticket {n}") for n in range(4)]
    tix.ok("assign", ticket_ids[0], "anna@example.com")
    tix.ok("status", ticket_ids[1], "closed")
    tix.ok("priority", ticket_ids[2], "high")
    return ticket_ids


def test_each_form_prints_and_exits_as_through_typer(tix: Cli, desk_with_tickets: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    first = desk_with_tickets[0]
    forms = [
        ["show", first], ["show", first, "--format", "json"], ["show", first[:4]], ["show", "ZZZZZZZZ"], ["show", "!!"],
        ["list"], ["list", "--all"], ["list", "-n", "2"], ["list", "--format", "json"], ["list", "-f", "csv", "--all"],
        ["list", "--mine"], ["list", "--status", "closed"], ["list", "-s", "open,waiting", "-p", "high"],
        ["list", "--sort", "-created", "-n", "3"], ["list", "--status", "nonsense"], ["list", "--since", "7d"],
        ["list", "--owner", "anna@example.com"], ["list", "--unassigned", "--breached"], ["list", "--due-within", "2h"],
        ["--as", "Bob <bob@example.com>", "list", "--mine"], ["list", "--customer", "jan"], ["list", "--tag", "x"],
        ["list", "--customer", "-jan"], ["list", "--sort", "--help"], ["list", "--sort=nonsense"], ["-C", ".", "list", "-n", "0"],
        ["search", "ticket"], ["search", "ticket", "-n", "2"], ["search", "-n1", "ticket", "--format", "json"], ["search", "--all", "ticket"],
        ["search", "ticket", "-tag:x", "-nothing", "--format=csv"], ["search", "stauts:open"], ["search"], ["search", "@nope"],
        ["search", "--view", "nope"], ["search", '"ticket 1"', "is:open"], ["search", "-C", "x"],
    ]  # fmt: skip
    for argv in forms:
        assert fast.parse(fast.spelled_out(argv)) is not None, argv  # each is a form the fast path takes
        quick = tix(*argv)
        with monkeypatch.context() as patch:
            patch.setattr(fast, "run", lambda arguments: None)  # Typer runs it
            slow = tix(*argv)
        assert (quick.code, quick.out, quick.err) == (slow.code, slow.out, slow.err), argv


def test_each_state_change_commits_prints_and_exits_as_through_typer(
    tix: Cli, desk_with_tickets: list[str], helpdesk: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    first, closed = desk_with_tickets[0], desk_with_tickets[1]
    forms = [
        ["assign", first, "bob@example.com"], ["assign", first, "anna@example.com"], ["take", first[:5]], ["unassign", first],
        ["status", first, "pending"], ["status", first, "nonsense"], ["reopen", closed], ["reopen", first],
        ["priority", first, "urgent"], ["category", first, "question"], ["queue", first, "nowhere"],
        ["close", first], ["close", first, "--message", "solved by phone"], ["close", first, "-m", "done"],
        ["assign", "ZZZZZZZZ", "bob@example.com"], ["--as", "Bob <bob@example.com>", "take", first],
    ]  # fmt: skip
    for argv in forms:
        assert fast.parse(argv) is not None, argv
        before = git(helpdesk, "rev-parse", "HEAD").strip()
        quick = tix(*argv)
        quick_commit = git(helpdesk, "log", "-1", "--format=%s%n%b%an <%ae>").strip()
        git(helpdesk, "reset", "-q", "--hard", before)
        with monkeypatch.context() as patch:
            patch.setattr(fast, "run", lambda arguments: None)  # Typer runs it
            slow = tix(*argv)
        slow_commit = git(helpdesk, "log", "-1", "--format=%s%n%b%an <%ae>").strip()
        git(helpdesk, "reset", "-q", "--hard", before)
        assert (quick.code, quick.out, quick.err, quick_commit) == (slow.code, slow.out, slow.err, slow_commit), argv


def test_the_fast_commands_do_not_load_typer(tix: Cli, desk_with_tickets: list[str], helpdesk: Path) -> None:
    # nor PyYAML: tix's own files are read and written by storage/yamlsubset.py
    for argv, heavy in ((["show", desk_with_tickets[0]], ("typer", "click", "yaml", "frontmatter")),
                        (["list", "-n", "2"], ("typer", "click", "yaml", "frontmatter")),
                        (["assign", desk_with_tickets[0], "bob@example.com"], ("typer", "click", "yaml", "frontmatter")),
                        (["search", "ticket", "-n", "2"], ("typer", "click", "yaml", "frontmatter"))):  # fmt: skip
        code = f"import sys\nfrom tix.cli.main import main\nassert main({argv!r}) == 0\nprint(sorted(m for m in {heavy!r} if m in sys.modules))"
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=helpdesk)
        assert result.stdout.strip().splitlines()[-1] == "[]", argv


def _both_ways(tix: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, forms: list[list[str]],
               prepare: Callable[[Path], None]) -> dict[str, list[tuple[int, str, str]]]:  # fmt: skip
    """Each form run in a helpdesk of its own for each way, cli/fast.py's and Typer's (its
    run refused): exit code, output and errors, with the folder and commit ids left out."""
    seen = {}
    for way in ("fast", "typer"):
        root = tmp_path / way / "desk"
        assert tix("init", str(root)).code == 0
        prepare(root)

        def shown(text: str, way: str = way) -> str:
            return re.sub(r"\b[0-9a-f]{40}\b", "<commit>", text.replace(str(tmp_path / way), "…"))  # two helpdesks' commits

        with monkeypatch.context() as patch:
            if way == "typer":
                patch.setattr(fast, "run", lambda arguments: None)
            results = []
            for argv in forms:
                assert fast.parse(argv) is not None, argv
                result = tix(*argv, cwd=root)
                results.append((result.code, shown(result.out), shown(result.err)))
        seen[way] = results
    return seen


def test_sync_prints_and_exits_as_through_typer(tix: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    forms = [["sync"], ["sync"], ["sync", "-q"], ["sync", "origin"], ["sync", "nosuch"], ["sync", "--force", "--quiet"]]
    def with_remote(root: Path) -> None:
        git(root.parent, "init", "-q", "--bare", str(root.parent / "remote.git"))
        git(root, "remote", "add", "origin", str(root.parent / "remote.git"))

    seen = _both_ways(tix, monkeypatch, tmp_path, forms, with_remote)
    assert seen["fast"] == seen["typer"]
    assert any(code != 0 for code, _, _ in seen["fast"])  # the unknown remote fails, the same way


def test_read_only_commands_end_without_teardown_and_lose_no_output(tix: Cli, desk_with_tickets: list[str], helpdesk: Path) -> None:
    # cli/main.run ends show, list and search with os._exit once their output is flushed
    from conftest import run_console_script

    for n in range(60):  # enough rows that the JSON is larger than a pipe's buffer
        tix.new(f"Ticket with a long subject to fill the pipe {n} " + "x" * 900)
    listed = run_console_script("list", "--all", "--format", "json", cwd=helpdesk)
    assert listed.returncode == 0 and len(json.loads(listed.stdout)) == 64 and listed.stderr == ""
    shown = run_console_script("show", desk_with_tickets[0], cwd=helpdesk)
    assert shown.returncode == 0 and desk_with_tickets[0] in shown.stdout
    missing = run_console_script("show", "ZZZZZZZZ", cwd=helpdesk)
    assert missing.returncode == 1 and missing.stdout == "" and missing.stderr.startswith("tix: error: ")
    found = run_console_script("search", "pipe", "-n", "3", "--format", "json", cwd=helpdesk)
    assert found.returncode == 0 and len(json.loads(found.stdout)) == 3
    empty = run_console_script("search", cwd=helpdesk)
    assert empty.returncode == 1 and empty.stderr.startswith("tix: error: ")
    command = " ".join(f"'{part}'" for part in tix_command())
    cut = subprocess.run(["bash", "-c", f"{command} list --all | head -c 10"], cwd=helpdesk, capture_output=True, text=True)
    assert len(cut.stdout) == 10 and cut.stderr == ""  # a reader that goes away early: no noise


def test_state_changes_end_without_teardown_once_their_commit_has_landed(tix: Cli, desk_with_tickets: list[str], helpdesk: Path) -> None:
    # cli/main.run ends the changes of storage/gitstart.CHANGING with os._exit too
    from conftest import git, make_eml, run_console_script

    ticket = desk_with_tickets[0]
    before = git(helpdesk, "rev-parse", "HEAD").strip()
    assigned = run_console_script("assign", ticket, "bob@example.com", "--format", "json", cwd=helpdesk)
    assert assigned.returncode == 0 and assigned.stderr == "", assigned.stderr
    assert json.loads(assigned.stdout)["owner"] == "bob@example.com"
    closed = run_console_script("close", ticket, "-m", "done", cwd=helpdesk)
    assert closed.returncode == 0 and ticket in closed.stdout
    assert git(helpdesk, "rev-list", "--count", f"{before}..HEAD").strip() == "2"
    tix.ok("config", "set", "notify.closed", "closed-notice")  # a close that queues the customer's notice
    mail = helpdesk.parent / "in.eml"
    mail.write_bytes(make_eml(message_id="<os-exit@example.pl>"))
    mailed = json.loads(tix.ok("import", str(mail), "--format", "json").out)["messages"][0]["ticket"]
    noticed = run_console_script("close", mailed, cwd=helpdesk)
    assert noticed.returncode == 0 and noticed.stderr == "", noticed.stderr
    queued = git(helpdesk, "ls-tree", "-r", "--name-only", "HEAD", "outbox/queue").split()
    assert [path for path in queued if path.endswith(".eml")], queued  # the notice, committed with the close
    for path in queued:
        assert (helpdesk / path).read_text(encoding="utf-8") == git(helpdesk, "show", f"HEAD:{path}")
    assert git(helpdesk, "status", "--porcelain") == ""
    assert git(helpdesk, "status", "--porcelain") == ""  # git's index took both commits' files up
    assert not list((helpdesk / ".git").glob("**/*.lock")) and not (helpdesk / ".git" / "tix" / "user-index").exists()
    assert json.loads(tix.ok("show", ticket, "--format", "json").out)["status"] == "closed"
    missing = run_console_script("assign", "ZZZZZZZZ", "bob@example.com", cwd=helpdesk)
    assert missing.returncode == 1 and missing.stdout == "" and missing.stderr.startswith("tix: error: ")


def test_import_prints_exits_and_files_as_through_typer(tix: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`tix import` (cron's command) runs without Typer: the same tickets, words and exit codes."""
    mails = {f"{n}.eml": make_eml(message_id=f"<m{n}@example.pl>", subject=f"Drukarka {n}") for n in range(3)}
    maildir = make_maildir(tmp_path / "Maildir", mails)
    loose = tmp_path / "loose.eml"
    loose.write_bytes(make_eml(message_id="<loose@example.pl>", subject="Скан"))
    forms = [["import", "--quiet", "--maildir", str(maildir)], ["import", "--maildir", str(maildir)], ["import", str(loose), "--dry-run"],
             ["import", "-f", "json", str(loose)], ["import", "--maildir", str(tmp_path)], ["import"], ["import", "--retry-quarantine", "-q"],
             ["import", str(tmp_path / "missing.eml")]]  # fmt: skip
    seen = _both_ways(tix, monkeypatch, tmp_path, forms, lambda root: None)
    tickets = {way: sorted(path.name for path in (tmp_path / way / "desk" / "tickets").glob("*/*")) for way in seen}
    assert seen["fast"] == seen["typer"] and tickets["fast"] == tickets["typer"]
    assert len(tickets["fast"]) == 4 and any(code != 0 for code, _, _ in seen["fast"])
    assert fast.parse(["import", "-"]) is None  # stdin: Typer's
    code = (f"import sys\nfrom tix.cli.main import main\nassert main(['import', '--quiet', '--maildir', {str(maildir)!r}]) == 0\n"
            "print(sorted(m for m in ('typer', 'click') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path / "fast" / "desk")
    assert result.stdout.strip().splitlines()[-1] == "[]"
