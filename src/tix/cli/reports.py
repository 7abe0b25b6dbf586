"""The manager's view: `tix stats` (figures of a period) and `tix report` (the HTML report, and
the same by mail). Definitions: docs/REPORTS.md and `tix stats --explain`."""

from enum import Enum
from typing import Optional

import typer

from tix.cli.common import emit, state

app = typer.Typer()


class StatsFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


@app.command()
def stats(
    ctx: typer.Context,
    since: Optional[str] = typer.Option(None, "--since", help="Start of the period: 7d, 4w, an ISO date or time (default: 30 days before --until)."),
    until: Optional[str] = typer.Option(None, "--until", help="End of the period (exclusive; a date means its end; default: now)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", metavar="T", help="Compute as if now were T (nothing later is known)."),
    by: Optional[str] = typer.Option(None, "--by", help="One row per owner|category|queue|channel|priority|customer|week|month."),
    owner: Optional[list[str]] = typer.Option(None, "--owner", "-o", help="Owner (handle or address)."),
    category: Optional[list[str]] = typer.Option(None, "--category", "-c", help="Category."),
    tag: Optional[list[str]] = typer.Option(None, "--tag", "-t", help="Has this tag (all given tags must match)."),
    queue: Optional[list[str]] = typer.Option(None, "--queue", "-q", help="Queue."),
    reopen_window: int = typer.Option(7, "--reopen-window", metavar="DAYS", help="A reopen within this many days of a resolution counts."),
    recontact_days: int = typer.Option(7, "--recontact-days", metavar="DAYS", help="A new ticket of the same customer within this many days counts."),
    format: StatsFormat = typer.Option(StatsFormat.table, "--format", "-f", help="Output format."),
    explain: bool = typer.Option(False, "--explain", help="Print the definition of every figure."),
) -> None:
    """Figures for a period: created, resolved, backlog, first response, resolution, SLA, rates."""
    from tix.domain import clock
    from tix.render.reports import explain_printout, stats_printout
    from tix.services.reports import StatsRequest
    from tix.services.reports import stats as compute

    if explain:
        emit(explain_printout())
        return
    hd = state(ctx).helpdesk
    request = StatsRequest(since, until, as_of, by, owner or [], queue or [], category or [], tag or [], reopen_window, recontact_days)
    emit(stats_printout(compute(hd, request, clock.now(hd.config.timezone)), format.value))
