"""Finding one's way: `tix help COMMAND` and `tix completion SHELL` (issue 18). Both read the
whole command tree, so cli/app.py never slims the app for them (WHOLE_APP_COMMANDS)."""

from enum import Enum
from typing import Optional

import click
import typer

from tix import messages as msg
from tix.cli.common import say

app = typer.Typer()


class Shell(str, Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


@app.command("help")
def help_(
    ctx: typer.Context,
    command: Optional[list[str]] = typer.Argument(None, metavar="[COMMAND]...", help="A command, or a group and its subcommand (config set)."),
) -> None:
    """Show a command's usage, options and examples; alone, the list of commands.

    \b
    Examples:
      tix help                # every command, one line each
      tix help list           # list's options and examples
      tix help config set     # a subcommand's
    """
    target = ctx.find_root()
    for name in command or []:
        group = target.command
        if not isinstance(group, click.Group):
            raise click.UsageError(msg.cli_extra_arguments(target.command_path, name), target)
        _, sub, _ = group.resolve_command(target, [name])  # an unknown name: tix's error (usage.TixGroup)
        assert sub is not None
        target = sub.make_context(name, [], parent=target, resilient_parsing=True)  # with its context_settings
    say(target.get_help())


@app.command("completion")
def completion(
    ctx: typer.Context,
    shell: Shell = typer.Argument(..., metavar="SHELL", help="bash, zsh or fish."),
) -> None:
    """Print the shell completion script for bash, zsh or fish (README: "Shell completion").

    \b
    Examples:
      eval "$(tix completion bash)"                                # in ~/.bashrc
      tix completion zsh > "${fpath[1]}/_tix"                       # zsh, once
      tix completion fish > ~/.config/fish/completions/tix.fish    # fish, once
    """
    from tix.cli.completion import script

    typer.echo(script(ctx.find_root().command, shell.value), nl=False)
