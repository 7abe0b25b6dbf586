"""Working with the team and the derived index: `tix sync`, `tix reindex`."""

from typing import Optional

import typer

from tix.cli import fast
from tix.cli.common import TextOrJson, emit, say, state

app = typer.Typer()


@app.command()
def sync(
    ctx: typer.Context,
    remote: Optional[str] = typer.Argument(None, metavar="[REMOTE]", help="Remote to sync with (default: the branch's upstream, or origin)."),
    force: bool = typer.Option(False, "--force", help="Push even a change that deletes many tickets at once."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing on success (for cron)."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Share work with the team: fetch, merge ticket files field by field, push.

    \b
    Examples:
      tix sync              # with the upstream, or origin
      tix sync backup -q    # another remote, quietly (cron)
    """
    emit(fast.sync(state(ctx), remote, force, quiet, format.value))


@app.command()
def reindex(
    ctx: typer.Context,
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Rebuild the derived ticket index (.git/tix/) from the ticket files.

    \b
    Examples:
      tix reindex
    """
    from tix.render.sync import reindexed
    from tix.services.reindex import reindex as run_reindex

    say(reindexed(run_reindex(state(ctx).helpdesk), format.value))
