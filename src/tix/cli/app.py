"""The command line: the `tix` app, its global options, and the command groups (one module
each). A command parses, calls one service, prints what render/ makes of the result; the
modules it needs beyond Typer are imported inside it, so that `tix --help` stays lean.

The help texts of the commands and options stay where they are declared, beside the option
they describe: they are declarations, not messages. Every other text a user reads (errors,
warnings, what a command prints) comes from tix.messages."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import click
import typer
from typer.core import TyperGroup

from tix.cli import config, mail, sync, tickets
from tix.cli.common import State

# The order of `tix --help`: how a newcomer meets the commands, across the modules.
HELP_ORDER = (
    "init", "new", "show", "list", "import", "reply", "send", "templates", "remind", "escalate", "sync", "reindex",
    "assign", "take", "unassign", "status", "close", "reopen", "priority", "category", "queue", "tag", "note", "edit", "log",
    "config", "outbox", "rules",
)  # fmt: skip


class _InHelpOrder(TyperGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(super().list_commands(ctx), key=lambda name: HELP_ORDER.index(name) if name in HELP_ORDER else len(HELP_ORDER))


app = typer.Typer(
    name="tix",
    cls=_InHelpOrder,
    help="A plain-text helpdesk: tickets are Markdown files in a git repository.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
for group in (config.app, tickets.app, mail.app, sync.app):
    app.add_typer(group)  # no name: its commands join tix's own


@app.callback()
def main(
    ctx: typer.Context,
    directory: Optional[Path] = typer.Option(
        None, "-C", help="Run as if tix was started in DIR (also: TIX_DIR).", metavar="DIR"
    ),
    as_user: Optional[str] = typer.Option(
        None, "--as", help="Act as 'Name <email>' instead of git's user (also: TIX_USER).", metavar="WHO"
    ),
) -> None:
    """A plain-text helpdesk: tickets are Markdown files in a git repository.

    Every change is a git commit made as you; `tix log` is the audit trail.
    """
    ctx.obj = State(directory, as_user)
