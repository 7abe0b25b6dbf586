"""The set-up commands: `tix init`, `tix config` (tix.yaml, like git config) and `tix rules`."""

from pathlib import Path
from typing import Optional

import typer

from tix import messages as msg
from tix.cli.common import TextOrJson, emit, say, state

app = typer.Typer()


@app.command()
def init(
    ctx: typer.Context,
    directory: Optional[Path] = typer.Argument(None, metavar="[DIR]", help="Folder of the helpdesk (default: -C DIR or the current one)."),
    name: Optional[str] = typer.Option(None, help="The helpdesk's display name."),
    email: Optional[str] = typer.Option(None, help="The helpdesk's mail address."),
    timezone: Optional[str] = typer.Option(None, help="IANA timezone, e.g. Europe/Warsaw."),
    config_file: Optional[Path] = typer.Option(None, "--config", help="Start from this config file (validated).", metavar="FILE"),
) -> None:
    """Create a helpdesk in a new or existing git repository (safe to run again).

    \b
    Examples:
      tix init ~/helpdesk --email support@example.com --timezone Europe/Warsaw
      tix init --config team.yaml      # from a prepared config file
    """
    from tix.render import config as output
    from tix.services.setup import init_helpdesk

    current = state(ctx)
    say(output.initialized(init_helpdesk(directory or current.start, name, email, timezone, current.as_user, config_file)))


config_app = typer.Typer(help="Read and change the helpdesk configuration (tix.yaml), like git config.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("list")
def config_list(
    ctx: typer.Context,
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Print every key and value, one KEY=VALUE per line.

    \b
    Examples:
      tix config list
    """
    from tix.render import config as output

    say(output.values(state(ctx).helpdesk.config.flat(), format.value))


@config_app.command("get")
def config_get(
    ctx: typer.Context,
    key: str = typer.Argument(..., metavar="KEY", help="Dotted key, e.g. helpdesk.timezone."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Print one value (a list one item per line).

    \b
    Examples:
      tix config get helpdesk.timezone
    """
    from tix.render import config as output

    found = state(ctx).helpdesk.config.get(key)
    say(output.as_json(key, found) if format == TextOrJson.json else output.value(found, "\n"))


@config_app.command("set")
def config_set(
    ctx: typer.Context,
    pairs: list[str] = typer.Argument(..., metavar="KEY VALUE [KEY VALUE]...",
                                      help="Dotted key (e.g. helpdesk.timezone) and its new value; lists as 'a, b, c'."),
) -> None:  # fmt: skip
    """Change values; all are validated together, then committed in one commit (or none is).

    tix.yaml keeps its comments and layout: only the values set are written anew.

    \b
    Examples:
      tix config set helpdesk.timezone Europe/Warsaw
      tix config set team.alice.name Alice team.alice.email alice@example.com
    """
    from tix.render import config as output
    from tix.services.config import set_values

    if len(pairs) % 2:
        raise typer.BadParameter(msg.config_set_needs_pairs(len(pairs)))
    current = state(ctx)
    done = set_values(current.helpdesk, current.as_user, list(zip(pairs[::2], pairs[1::2], strict=True)))
    say("\n".join(output.setting(result) for result in done))


@config_app.command("approve")
def config_approve(ctx: typer.Context) -> None:
    """Approve, for this clone only, the mail.sendmail and smtp.url now in tix.yaml.

    \b
    Examples:
      tix config approve      # after a pull changed smtp.url
    """
    from tix.mail.transport import approve
    from tix.render import config as output

    helpdesk = state(ctx).helpdesk
    say(output.approved(approve(helpdesk, helpdesk.config)))


rules_app = typer.Typer(help="Routing rules (tix.yaml `rules:`).", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


@rules_app.command("test")
def rules_test(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., metavar="FILE.eml...", help="Messages to route (nothing is changed); '-' reads one from stdin."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Show which rules fire for each message and the fields a new ticket would get.

    \b
    Examples:
      tix rules test message.eml other.eml
    """
    from tix.render import config as output
    from tix.services.rules import explain

    emit(output.rule_tests(explain(state(ctx).helpdesk, files), format.value))
