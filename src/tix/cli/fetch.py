"""`tix fetch`: mail from the IMAP mailboxes of tix.yaml, as `tix import` files it."""

from datetime import date
from typing import TYPE_CHECKING, Optional

import typer

from tix import messages as msg
from tix.cli.common import TextOrJson, emit, state
from tix.errors import InvalidValue

if TYPE_CHECKING:
    from tix.services.intake import Report

app = typer.Typer()


@app.command()
def fetch(
    ctx: typer.Context,
    account: Optional[str] = typer.Argument(None, metavar="[ACCOUNT]", help="The imap.ACCOUNT of tix.yaml to fetch (default: all)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be imported; change nothing here or on the server."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing unless something needs attention (for cron)."),
    since: Optional[str] = typer.Option(None, "--since", metavar="DATE", help="Only mail the server received on or after DATE (YYYY-MM-DD)."),
    watch: bool = typer.Option(False, "--watch", help="Keep running: import mail as it arrives (IDLE on every folder; polling where the server has none)."),
    interval: float = typer.Option(60.0, "--interval", metavar="SECONDS", help="--watch: read every folder at least this often."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Fetch new mail from IMAP (tix.yaml imap.ACCOUNT): exactly once, as `tix import` files it.

    \b
    Examples:
      tix fetch                    # every imap account of tix.yaml
      tix fetch support --dry-run  # what would be imported
      tix fetch --watch            # keep running, mail as it arrives
    """
    from tix.render import mail as output
    from tix.services import fetching

    day = _day(since)
    as_json = format == TextOrJson.json
    if watch:
        if dry_run:
            raise InvalidValue(msg.fetch_watch_dry_run())

        def show(report: Optional["Report"], problem: Optional[str]) -> None:
            if problem is not None:
                typer.echo(msg.cli_warning(problem), err=True)
            elif report is not None and (report.counts.total() or report.warnings or report.problems):  # a quiet cycle prints nothing
                for text, err, nl in output.imported(report, format.value, False, quiet, stdin=False).lines:
                    typer.echo(text, err=err, nl=nl)

        if not quiet:
            typer.echo(msg.fetch_watching(account or "every account"), err=True)
        fetching.watch(state(ctx).desk, account, day, show, interval=max(interval, 1.0))
        return
    from tix.cli.progress import progress as progress_bar

    progress = progress_bar(msg.fetch_progress_label(), None, quiet or as_json)  # the messages waiting are known only once connected
    try:
        report = fetching.fetch(state(ctx).desk(), account, dry_run=dry_run, since=day, keep_decisions=as_json, progress=progress)
    finally:
        if progress is not None:
            progress.close()
    emit(output.imported(report, format.value, dry_run, quiet, stdin=False))


def _day(text: Optional[str]) -> Optional[date]:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(msg.fetch_bad_since(text)) from None
