"""The command line: the `tix` app, its global options, and the command groups (one module
each). A command parses, calls one service, prints what render/ makes of the result; the
modules it needs beyond Typer are imported inside it, so that `tix --help` stays lean.

The help texts of the commands and options stay where they are declared, beside the option
they describe: they are declarations, not messages. Every other text a user reads (errors,
warnings, what a command prints) comes from tix.messages.

The command modules do without `from __future__ import annotations`: Typer reads every
command's annotations on every run, and string annotations cost it an eval each (~4 ms of
`tix --help`)."""

import copy
import inspect
from enum import Enum
from pathlib import Path
from typing import Optional

import click
import typer

from tix import __version__
from tix import messages as msg
from tix.cli import config, fetch, helping, kb, mail, operations, reports, search, sync, tickets
from tix.cli.common import State
from tix.cli.usage import TixGroup

# The order of `tix --help`: how a newcomer meets the commands, across the modules.
HELP_ORDER = (
    "init", "new", "show", "list", "search", "customer", "views", "import", "fetch", "reply", "send", "templates", "remind", "escalate", "sync", "reindex",
    "assign", "take", "unassign", "status", "close", "reopen", "priority", "category", "queue", "tag", "note", "edit", "log",
    "merge", "link", "unlink", "split", "spam", "delete",
    "config", "outbox", "rules", "stats", "report", "kb", "help", "completion",
)  # fmt: skip
# The commands that read the whole app (`tix help list`, `tix completion bash`): never slimmed.
WHOLE_APP_COMMANDS = ("help", "completion")


class _InHelpOrder(TixGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(super().list_commands(ctx), key=lambda name: HELP_ORDER.index(name) if name in HELP_ORDER else len(HELP_ORDER))


app = typer.Typer(
    name="tix",
    cls=_InHelpOrder,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    # the subcommands' contexts inherit these; up to 120 columns where the terminal has them
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 120},
)
for group in (config.app, tickets.app, mail.app, fetch.app, sync.app, reports.app, search.app, kb.app, operations.app, helping.app):
    app.add_typer(group)  # no name: its commands join tix's own



class ColourChoice(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


_GLOBAL_OPTIONS_WITH_VALUE = ("-C", "--as", "--color")
_GLOBAL_FLAGS = ("--include-edits", "--no-pager")


def command_name(argv: list[str]) -> str | None:
    """The command `argv` runs, past the global options; None for `--help` and the like."""
    arguments = iter(argv)
    for argument in arguments:
        if argument in _GLOBAL_OPTIONS_WITH_VALUE:
            next(arguments, None)
        elif argument.startswith(("-C", "--as=", "--color=")) or argument in _GLOBAL_FLAGS:
            continue
        else:
            return None if argument.startswith("-") else argument
    return None


def app_for(argv: list[str]) -> typer.Typer:
    """The app holding only the command `argv` runs (or the whole app when it names none that
    exists). Typer builds a Click command for every command it holds, on every run: 14 ms for
    the 32 of tix, which `tix show` would pay for the other 31."""
    name = command_name(argv)
    if name in WHOLE_APP_COMMANDS:
        return app
    for group in app.registered_groups:
        members = group.typer_instance
        if members is None:
            continue
        command = [c for c in members.registered_commands
                   if c.callback and (c.name or typer.main.get_command_name(c.callback.__name__)) == name]  # fmt: skip
        subgroup = [g for g in members.registered_groups if g.name == name]
        if command or subgroup:
            slim_members = copy.copy(members)
            slim_members.registered_commands, slim_members.registered_groups = command, subgroup
            slim_group = copy.copy(group)
            slim_group.typer_instance = slim_members
            slim = copy.copy(app)
            slim.registered_groups = [slim_group]
            return slim
    return app


def command_for(argv: list[str]) -> click.Command:
    """The Click command that runs `argv`, in tix's words (cli/usage.py). When `argv` names no
    command (`tix --help`, `tix --version`, a typo) the group holds only each command's name and
    summary, all that its help and its error need: building every command's options is 14 ms of
    `tix --help` (issue 18: at most 1.2x `python -c "import typer"`)."""
    from tix.cli.usage import polish

    slim = app_for(argv)
    if slim is not app or command_name(argv) in WHOLE_APP_COMMANDS:
        return polish(typer.main.get_command(slim))
    bare = copy.copy(app)
    bare.registered_groups = []
    group = typer.main.get_command(bare)
    assert isinstance(group, click.Group)
    for name, summary in _summaries():
        group.add_command(click.Command(name, help=summary))
    return polish(group)


def _summaries() -> list[tuple[str, str]]:
    """(name, help text) of every command and group, as Typer would give them."""
    found = []
    for group in app.registered_groups:
        members = group.typer_instance
        if members is None:
            continue
        for command in members.registered_commands:
            if command.callback is not None and not command.hidden:
                name = command.name or typer.main.get_command_name(command.callback.__name__)
                found.append((name, command.help or inspect.getdoc(command.callback) or ""))
        for subgroup in members.registered_groups:
            if subgroup.name:
                found.append((subgroup.name, typer.main.solve_typer_info_help(subgroup)))
    return found


def _print_version(value: bool) -> None:
    if value:
        typer.echo(msg.cli_version(__version__))
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    directory: Optional[Path] = typer.Option(
        None, "-C", help="Run as if tix was started in DIR (also: TIX_DIR).", metavar="DIR"
    ),
    as_user: Optional[str] = typer.Option(
        None, "--as", help="Act as this team handle or 'Name <email>' instead of git's user (also: TIX_USER).", metavar="WHO"
    ),
    include_edits: bool = typer.Option(
        False, "--include-edits", help="Commit uncommitted hand edits of a ticket file the command changes first, as their own commit."
    ),
    colour: ColourChoice = typer.Option(
        ColourChoice.auto, "--color", help="Colour: auto (on a terminal, unless NO_COLOR is set), always or never.", metavar="WHEN"
    ),
    no_pager: bool = typer.Option(False, "--no-pager", help="Do not send long output through $TIX_PAGER, $PAGER or less."),
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version, help="Print tix's version and exit."),
) -> None:
    """A plain-text helpdesk: tickets are Markdown files in a git repository.

    Every change is a git commit made as you; `tix log` is the audit trail.
    `tix help COMMAND` shows a command's options and examples.

    \b
    Examples:
      tix init ~/helpdesk --email support@example.com   # a new helpdesk
      tix import ~/Maildir/support                      # mail becomes tickets
      tix list --mine                                   # what is yours to do
      tix -C ~/helpdesk show 4KX2                       # a ticket, from anywhere
    """
    ctx.obj = State(directory, as_user, include_edits, colour=colour.value, pager=not no_pager)
    ctx.obj.configure_terminal()
