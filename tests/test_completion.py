"""Shell completion (issue 18): the script `tix completion SHELL` prints, run in a real bash (and
zsh and fish where they are installed) against a real helpdesk, completes commands, options and
the helpdesk's own values; a Tab runs tix without Typer, git or Jinja2."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Cli

BIN = str(Path(sys.executable).parent)  # where the installed `tix` is


@pytest.fixture
def desk(tix: Cli, helpdesk: Path) -> dict[str, str]:
    tix.ok("config", "set", "team.anna.email", "anna@example.com")
    tix.ok("config", "set", "team.anna.name", "Anna Nowak")
    tix.ok("config", "set", "team.bartek.email", "bartek@example.com")
    tix.ok("config", "set", "queues.it.owner", "anna")
    tix.ok("config", "set", "categories", "hardware, access")
    first = tix.new("Printer on fire", "-t", "vip")
    tix.ok("list")  # the index knows the first ticket; the second only the files know
    second = tix.new("VPN down")
    return {"first": first, "second": second}


def _script(tix: Cli, shell: str, tmp_path: Path) -> Path:
    path = tmp_path / f"tix.{shell}"
    path.write_text(tix.ok("completion", shell).out, encoding="utf-8")
    return path


def _env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}


def _bash(script: Path, cwd: Path, *lines: list[str]) -> list[list[str]]:
    """COMPREPLY after each command line (the last word is the one being completed)."""
    calls = "\n".join(
        "COMP_WORDS=(" + " ".join(_quoted(word) for word in words) + f"); COMP_CWORD={len(words) - 1}; COMPREPLY=(); "
        '_tix_complete; printf "%s\\n" "${COMPREPLY[@]}"; echo ---' for words in lines
    )
    run = subprocess.run(["bash", "--norc", "-c", f"source {script}\ncomplete -p tix\n{calls}"], cwd=cwd, env=_env(),
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr
    registered, _, rest = run.stdout.partition("\n")
    assert registered.startswith("complete ") and registered.endswith("-F _tix_complete tix")
    return [[line for line in block.split("\n") if line] for block in rest.split("---\n")[:-1]]


def _quoted(word: str) -> str:
    return "'" + word.replace("'", "'\\''") + "'"


def test_bash_completes_commands_options_and_the_helpdesks_values(tix: Cli, helpdesk: Path, desk: dict[str, str], tmp_path: Path) -> None:
    script = _script(tix, "bash", tmp_path)
    first, second = desk["first"], desk["second"]
    answers = _bash(
        script, helpdesk,
        ["tix", "lis"], ["tix", "list", "--st"], ["tix", "list", "--status", ""], ["tix", "list", "-s", "o"],
        ["tix", "status", first[:3], ""], ["tix", "assign", first, ""], ["tix", "--as", "b"], ["tix", "list", "-o", ""],
        ["tix", "show", ""], ["tix", "show", first[:2].lower()], ["tix", "show", second[:3]], ["tix", "reply", first, "-t", ""],
        ["tix", "list", "-q", ""], ["tix", "new", "x", "-c", ""], ["tix", "list", "-p", "h"], ["tix", "config", "s"],
        ["tix", "list", "--status", "=", "o"], ["tix", "list", "-f", ""], ["tix", "help", "con"], ["tix", "completion", ""],
        ["tix", "list", "-t", ""], ["tix", "kb", "s"], ["tix", "outbox", "c"],
    )  # fmt: skip
    assert answers[0] == ["list"]
    assert answers[1] == ["--status"]
    assert answers[2] == ["new", "open", "pending", "on-hold", "closed"]
    assert answers[3] == ["open", "on-hold"]
    assert answers[4] == answers[2]
    assert answers[5] == ["anna", "bartek"]
    assert answers[6] == ["bartek"]
    assert answers[7] == ["anna", "bartek"]
    assert first in answers[8]  # from the index
    assert answers[9] == [first] or first in answers[9]  # any case
    assert second in answers[10]  # not indexed yet: from its shard on disk
    assert answers[11] == ["ack", "blank", "closed-notice", "need-info", "resolved", "status-answer"]
    assert answers[12] == ["it"]
    assert answers[13] == ["hardware", "access"]
    assert answers[14] == ["high"]
    assert answers[15] == ["set"]
    assert answers[16] == ["open", "on-hold"]  # bash splits --status=o at '='
    assert answers[17] == ["table", "json", "csv"]
    assert answers[18] == ["config"]
    assert answers[19] == ["bash", "zsh", "fish"]
    assert answers[20] == ["vip"]
    assert answers[21] == ["show", "search", "suggest"]
    assert answers[22] == ["cancel"]


def test_bash_completes_file_names_and_another_helpdesk(tix: Cli, helpdesk: Path, desk: dict[str, str], tmp_path: Path) -> None:
    script = _script(tix, "bash", tmp_path)
    (tmp_path / "mail.eml").write_text("x", encoding="utf-8")
    answers = _bash(script, tmp_path, ["tix", "import", "ma"], ["tix", "-C", str(helpdesk), "list", "-s", "cl"], ["tix", "list", "-s", ""])
    assert answers[0] == ["mail.eml"]
    assert answers[1] == ["closed"]
    assert answers[2] == []  # outside a helpdesk: nothing, and no error on the prompt


def test_a_tab_loads_no_typer_git_or_jinja2(tix: Cli, helpdesk: Path, desk: dict[str, str], tmp_path: Path) -> None:
    script = _script(tix, "bash", tmp_path).read_text(encoding="utf-8")
    spec = script.split("local spec='", 1)[1].split("'\n", 1)[0].replace("'\\''", "'")
    code = ("import sys\nfrom tix.cli.main import main\n"
            "for words in (['show', ''], ['list', '-s', ''], ['reply', 'X', '-t', ''], ['assign', 'X', ''], ['lis']):\n"
            "    main(['__complete', 'bash', *words])\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'typer', 'click', 'git', 'jinja2', 'rich'}))")  # fmt: skip
    run = subprocess.run([sys.executable, "-c", code], cwd=helpdesk, env={**_env(), "_TIX_COMPLETE_SPEC": spec},
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert desk["first"] in lines and "closed" in lines and "resolved" in lines and "anna" in lines and "list" in lines
    assert lines[-1] == "[]"


def test_a_broken_spec_or_helpdesk_gives_no_candidates_and_no_error(tix: Cli, helpdesk: Path) -> None:
    (helpdesk / "tix.yaml").write_text("statuses: [", encoding="utf-8")
    run = subprocess.run([*_tix(), "__complete", "bash", "list", "-s", ""], cwd=helpdesk, capture_output=True, text=True,
                         env={**_env(), "_TIX_COMPLETE_SPEC": '{"list": {"commands": {}, "options": {"-s": "status"}, "arguments": []}}'},
                         timeout=60)  # fmt: skip
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")
    run = subprocess.run([*_tix(), "__complete", "bash", "li"], cwd=helpdesk, capture_output=True, text=True,
                         env={**_env(), "_TIX_COMPLETE_SPEC": "not json"}, timeout=60)  # fmt: skip
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")


def _tix() -> list[str]:
    from conftest import tix_command

    return tix_command()


def _shell(name: str) -> None:
    """Skips the test without the shell (.ci/run installs it), except in CI (CI=true), where that fails."""
    if shutil.which(name) is None:
        reason = f"{name} is not installed (apt-get install {name})"
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail(reason + ", and CI=true: the completion tests must run in CI")
        pytest.skip(reason)


def test_zsh_script_parses_and_offers_the_values(tix: Cli, helpdesk: Path, desk: dict[str, str], tmp_path: Path) -> None:
    _shell("zsh")
    script = _script(tix, "zsh", tmp_path)
    assert script.read_text(encoding="utf-8").startswith("#compdef tix\n")
    assert subprocess.run(["zsh", "-n", str(script)], capture_output=True, timeout=60).returncode == 0
    # compsys's own functions stand in for what they are handed: the candidates and their descriptions
    driver = (f"compdef() {{ : }}\n_describe() {{ print -rl -- \"${{(@P)${{@[-1]}}}}\" }}\n_files() {{ print -- FILES }}\n"
              f"source {script}\n"
              "t() { words=(\"$@\"); CURRENT=${#words}; _tix_complete; print -- --- }\n"
              f"t tix lis\nt tix assign {desk['first']} ''\nt tix show {desk['first'][:2]}\nt tix import ''\nt tix list --status=o\n")  # fmt: skip
    run = subprocess.run(["zsh", "-f", "-c", driver], cwd=helpdesk, env=_env(), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    blocks = [block.strip().splitlines() for block in run.stdout.split("---\n")[:-1]]
    assert blocks[0][0].startswith("list:List tickets")
    assert blocks[1] == ["anna:Anna Nowak", "bartek:bartek@example.com"]
    assert blocks[2] == [f"{desk['first']}:Printer on fire"]
    assert blocks[3] == ["FILES"]
    assert blocks[4] == ["--status=open", "--status=on-hold"]


def test_fish_completes_in_a_real_fish(tix: Cli, helpdesk: Path, desk: dict[str, str], tmp_path: Path) -> None:
    _shell("fish")
    script = _script(tix, "fish", tmp_path)
    assert subprocess.run(["fish", "-n", str(script)], capture_output=True, timeout=60).returncode == 0
    driver = (f"source {script}\n"
              "complete -C 'tix lis'; echo ---\n"
              "complete -C 'tix list --status '; echo ---\n"
              f"complete -C 'tix assign {desk['first']} '; echo ---\n"
              "complete -C 'tix show '; echo ---\n")  # fmt: skip
    run = subprocess.run(["fish", "--no-config", "-c", driver], cwd=helpdesk, env={**_env(), "HOME": str(tmp_path)},
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr
    blocks = [block.strip().splitlines() for block in run.stdout.split("---\n")[:-1]]
    assert blocks[0][0].startswith("list\tList tickets")
    assert sorted(blocks[1]) == ["closed", "new", "on-hold", "open", "pending"]
    assert blocks[2] == ["anna\tAnna Nowak", "bartek\tbartek@example.com"]
    assert f"{desk['first']}\tPrinter on fire" in blocks[3]
