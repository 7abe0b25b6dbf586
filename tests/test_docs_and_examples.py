"""The README's main command and the documentation stay true."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tix.cli.app import app

ROOT = Path(__file__).resolve().parents[1]


def command_names() -> list[str]:
    import typer.main

    group = typer.main.get_command(app)
    names = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        sub = getattr(command, "commands", None)
        names += [f"{name} {child}" for child in sub] if sub else [name]
    return names


def test_every_command_is_documented_in_docs_cli_md() -> None:
    documented = (ROOT / "docs" / "CLI.md").read_text(encoding="utf-8")
    for name in command_names():
        head, _, tail = name.partition(" ")
        assert f"`tix {name}" in documented or (tail and f"`tix {head} " in documented and f"`{tail}" in documented), name


def test_readme_has_the_two_setup_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```sh\n(python3 -m venv[^\n]*)\n```", readme)
    assert len(commands) == 2
    assert "examples/tour.sh" in commands[0] and "pytest" in commands[1]
    assert commands[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_guided_tour_runs(tmp_path: Path) -> None:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    env.pop("TIX_NOW", None)
    result = subprocess.run(["bash", str(ROOT / "examples" / "tour.sh"), str(tmp_path / "desk")],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "imported 6 messages: 3 new tickets, 3 follow-ups, 0 duplicates skipped, 1 from robots" in result.stdout
    assert "imported 6 messages: 0 new tickets, 0 follow-ups, 6 duplicates skipped" in result.stdout
    assert "Faktura nr 123/2026 - błędna kwota" in result.stdout
    assert "Dzień dobry, Jestem na urlopie" in result.stdout  # undeclared windows-1250, read by the fallbacks
    assert "status: open → closed" in result.stdout
    assert "sent 1 message" in result.stdout
    assert "1 follow-up (1 reopened)" in result.stdout  # the customer's answer to our reply
    # the README's "Finding things": any inflection (reklamację, dostawie), and Jan's whole story
    assert "Składam **reklamację**: w ostatniej **dostawie** brakuje dwóch tonerów." in result.stdout
    assert "jan@example.pl: 2 tickets, 1 open" in result.stdout
    # the customer loop (issue 17): the closed notice asks for a rating, Jan's "1" rates without reopening
    assert "How did we do? Reply to this mail with one digit" in result.stdout and "Rating:    good" in result.stdout
    assert "aby pomóc w sprawie" in result.stdout  # Zofia's reply from templates/pl/ (issue 18 item 4)
    log = subprocess.run(["git", "-C", str(tmp_path / "desk"), "log", "--format=%an"], capture_output=True, text=True)
    assert set(log.stdout.split("\n")) >= {"Anna Nowak", "Bob Builder"}
