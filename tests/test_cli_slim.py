"""Each run builds only the command it runs (cli/app.py `app_for`): Typer turns every command it
holds into a Click command on every run, so `tix show` would pay for all the others. What a user
sees must not change: each command's help, usage errors and results are the whole app's."""

from __future__ import annotations

import click
import pytest
import typer
from typer.testing import CliRunner

from tix.cli.app import app, app_for, command_name


def _command_names() -> list[str]:
    group = typer.main.get_command(app)
    assert isinstance(group, click.Group)
    return sorted(group.list_commands(click.Context(group)))


def test_the_command_is_found_past_the_global_options() -> None:
    assert command_name(["show", "AB12"]) == "show"
    assert command_name(["-C", "/srv/helpdesk", "--as", "Anna <a@example.com>", "list", "-n", "5"]) == "list"
    assert command_name(["-C/srv/helpdesk", "--as=Anna <a@example.com>", "import", "--quiet"]) == "import"
    assert command_name(["--help"]) is None
    assert command_name([]) is None
    assert command_name(["-C", "/srv/helpdesk"]) is None


def test_an_unknown_command_gets_the_whole_app_and_its_error() -> None:
    assert app_for(["nosuch"]) is app
    assert app_for(["--help"]) is app
    result = CliRunner().invoke(app_for(["nosuch"]), ["nosuch"], prog_name="tix")
    assert result.exit_code == 2 and "'nosuch' is not a tix command" in result.output


def test_the_slim_app_holds_one_command() -> None:
    slim = typer.main.get_command(app_for(["show", "AB12"]))
    assert isinstance(slim, click.Group)
    assert slim.list_commands(click.Context(slim)) == ["show"]
    assert len(_command_names()) > 20  # the whole app is untouched


@pytest.mark.parametrize("name", _command_names())
def test_each_command_helps_and_fails_as_in_the_whole_app(name: str) -> None:
    runner = CliRunner()
    for args in ([name, "--help"], [name, "--no-such-option"]):
        whole = runner.invoke(app, args, prog_name="tix")
        slim = runner.invoke(app_for(args), args, prog_name="tix")
        assert (slim.exit_code, slim.output) == (whole.exit_code, whole.output), args
