"""Help and usage errors in tix's words (issue 18): what Click and Typer would otherwise print
in theirs ("Invalid value for '-n' / '--limit': 'x' is not a valid integer range.").

`polish` goes over the Click commands Typer built, once per run, before they parse anything:
options get a metavar that names what they take (`--status STATUS`, `-n N`; not `TEXT` or a
Python type, whatever the Typer version), values are converted by tix's words, and groups list
their commands with the whole summary, not one cut at 45 characters. `usage_error` turns the
Click exception a bad command line raises into tix's lines (messages.py). cli/main.py calls
both; nothing here runs for the fast path (cli/fast.py), which never sees a bad command line."""

from __future__ import annotations

import difflib
import re
from typing import Any

import click
from typer.core import TyperGroup

from tix import messages as msg

# The metavar of an option declared without one, by its long name (else the name in capitals).
METAVARS = {"limit": "N", "body-file": "FILE", "from": "WHO", "owner": "WHO", "since": "WHEN", "until": "WHEN",
            "sort": "KEYS", "template": "NAME", "message": "TEXT", "body": "TEXT", "customer": "TEXT"}  # fmt: skip


class TixGroup(TyperGroup):
    """A Typer group that lists its commands with their whole summaries and says in tix's words
    that a command does not exist."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=1000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            closest = difflib.get_close_matches(name, self.list_commands(ctx), n=1)
            raise click.UsageError(msg.cli_unknown_command(name, closest[0] if closest else None, ctx.command_path), ctx)
        return super().resolve_command(ctx, args)


class Worded(click.ParamType):  # type: ignore[type-arg]  # generic only since Click 8.3
    """Another Click type's conversion, refusing a value in tix's words."""

    def __init__(self, inner: click.ParamType[Any]) -> None:
        self.inner = inner
        self.name = inner.name

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str | None:
        return self.inner.get_metavar(param, ctx)

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        return self.inner.shell_complete(ctx, param, incomplete)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return self.inner.convert(value, param, ctx)
        except click.BadParameter:
            self.fail(refusal(self.inner, value), param, ctx)


def refusal(kind: click.ParamType[Any], value: Any) -> str:
    shown = str(value)
    if isinstance(kind, click.Choice):
        return msg.cli_not_a_choice(shown, [str(choice) for choice in kind.choices])
    if isinstance(kind, click.types.IntParamType):
        low = high = None
        if isinstance(kind, click.IntRange):
            low = None if kind.min is None else int(kind.min) + (1 if kind.min_open else 0)
            high = None if kind.max is None else int(kind.max) - (1 if kind.max_open else 0)
        return msg.cli_not_a_whole_number(shown, low, high)
    if isinstance(kind, click.types.FloatParamType):
        return msg.cli_not_a_number(shown)
    return f"{shown!r} is not accepted here"


def polish(command: click.Command) -> click.Command:
    """`command` and its subcommands in tix's words (see the module's docstring)."""
    if type(command) is TyperGroup:
        command.__class__ = TixGroup  # Typer builds its own groups; this adds two methods, no state
    for param in command.params:
        if isinstance(param, click.Option) and param.metavar is None and not param.is_flag and not isinstance(param.type, click.Choice):
            long = next((spelling[2:] for spelling in param.opts if spelling.startswith("--")), str(param.name))
            if isinstance(param.type, click.types.IntParamType):
                param.metavar = "N"
            elif isinstance(param.type, click.types.FloatParamType):
                param.metavar = "NUMBER"
            else:
                param.metavar = METAVARS.get(long, long.upper().replace("-", "_"))
        if isinstance(param.type, (click.Choice, click.types.IntParamType, click.types.FloatParamType)):
            param.type = Worded(param.type)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            polish(sub)
    return command


def usage_error(error: click.UsageError | click.BadParameter, root: click.Command, arguments: list[str]) -> list[str]:
    """The lines (for stderr) that say what is wrong with a command line, and where help is."""
    ctx = error.ctx or _context_for(root, arguments)
    path = ctx.command_path if ctx is not None else "tix"
    return [msg.cli_error(_problem(error, ctx, path)), msg.cli_try_help(path)]


def _problem(error: click.ClickException, ctx: click.Context | None, path: str) -> str:
    spellings = _option_spellings(ctx)
    if isinstance(error, click.NoSuchOption):
        name = error.option_name
        if name == "-n" and "--dry-run" in spellings:
            return msg.cli_dry_run_is_long(name)
        candidates = [s for s in spellings if s.startswith("--")] if name.startswith("--") else spellings
        closest = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
        return msg.cli_unknown_option(name, closest[0] if closest else None)
    if isinstance(error, click.BadOptionUsage):
        option = _option(ctx, error.option_name)
        if option is not None and option.is_flag:
            return msg.cli_takes_no_value(error.option_name)
        return msg.cli_needs_value(error.option_name)
    if isinstance(error, click.MissingParameter) and error.param is not None:
        if isinstance(error.param, click.Option):
            return msg.cli_missing_option(_longest(error.param))
        return msg.cli_missing_argument(path, _longest(error.param))
    if isinstance(error, click.BadParameter):
        where = _longest(error.param) if error.param is not None else (error.param_hint or "")
        return msg.cli_bad_value(str(where), error.message) if where else error.message
    extra = re.match(r"Got unexpected extra arguments? \((.*)\)$", error.message)
    if extra:
        return msg.cli_extra_arguments(path, extra.group(1))
    return error.message


def _context_for(root: click.Command, arguments: list[str]) -> click.Context:
    """The context of the command `arguments` name (Click raises some errors without one)."""
    ctx = click.Context(root, info_name="tix")
    for word in arguments:
        command = ctx.command
        sub = command.get_command(ctx, word) if isinstance(command, click.Group) and not word.startswith("-") else None
        if sub is not None:
            ctx = click.Context(sub, info_name=word, parent=ctx)
    return ctx


def _option_spellings(ctx: click.Context | None) -> list[str]:
    if ctx is None:
        return []
    return [s for p in ctx.command.get_params(ctx) if isinstance(p, click.Option) for s in (*p.opts, *p.secondary_opts)]


def _option(ctx: click.Context | None, name: str) -> click.Option | None:
    if ctx is None:
        return None
    return next((p for p in ctx.command.get_params(ctx) if isinstance(p, click.Option) and name in p.opts), None)


def _longest(param: click.Parameter) -> str:
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    return param.metavar or str(param.name).upper()
