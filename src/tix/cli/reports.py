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
    query: Optional[list[str]] = typer.Argument(None, metavar="[QUERY]...", help="Only the tickets this query matches (docs/SEARCH.md), or @view."),
    since: Optional[str] = typer.Option(None, "--since", help="Start of the period: 7d, 4w, an ISO date or time (default: 30 days before --until)."),
    until: Optional[str] = typer.Option(None, "--until", help="End of the period (exclusive; a date means its end; default: now)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", metavar="T", help="Compute as if now were T (nothing later is known)."),
    by: Optional[str] = typer.Option(None, "--by", help="One row per owner|category|queue|channel|priority|customer|article|week|month."),
    owner: Optional[list[str]] = typer.Option(None, "--owner", "-o", help="Owner (handle or address)."),
    category: Optional[list[str]] = typer.Option(None, "--category", "-c", help="Category."),
    tag: Optional[list[str]] = typer.Option(None, "--tag", "-t", help="Has this tag (all given tags must match)."),
    queue: Optional[list[str]] = typer.Option(None, "--queue", "-q", help="Queue."),
    reopen_window: int = typer.Option(7, "--reopen-window", metavar="DAYS", help="A reopen within this many days of a resolution counts."),
    recontact_days: int = typer.Option(7, "--recontact-days", metavar="DAYS", help="A new ticket of the same customer within this many days counts."),
    format: StatsFormat = typer.Option(StatsFormat.table, "--format", "-f", help="Output format."),
    explain: bool = typer.Option(False, "--explain", help="Print the definition of every figure."),
    view: Optional[str] = typer.Option(None, "--view", help="Only the tickets a saved view matches (views: in tix.yaml)."),
) -> None:
    """Figures for a period: created, resolved, backlog, first response, resolution, SLA, rates.

    \b
    Examples:
      tix stats                          # the last 30 days
      tix stats --since 2026-01-01 --by owner -f csv
      tix stats --explain                # how each figure is defined
    """
    from tix.domain import clock
    from tix.render.reports import explain_printout, stats_printout
    from tix.services.reports import StatsRequest
    from tix.services.reports import stats as compute

    if explain:
        emit(explain_printout())
        return
    st = state(ctx)
    hd = st.helpdesk
    request = StatsRequest(since, until, as_of, by, owner or [], queue or [], category or [], tag or [], reopen_window, recontact_days,
                           query or [], view, st.as_user)  # fmt: skip
    from tix.render.terminal import width

    emit(stats_printout(compute(hd, request, clock.now(hd.config.timezone)), format.value, width()))


report_app = typer.Typer(invoke_without_command=True, no_args_is_help=False)
app.add_typer(report_app, name="report")


@report_app.callback()
def report(
    ctx: typer.Context,
    html: Optional[str] = typer.Option(None, "--html", metavar="FILE", help="Write the report as one self-contained HTML file."),
    since: Optional[str] = typer.Option(None, "--since", help="Start of the period (default: 8 weeks before --until)."),
    until: Optional[str] = typer.Option(None, "--until", help="End of the period (exclusive; a date means its end; default: now)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", metavar="T", help="Compute as if now were T."),
    owner: Optional[list[str]] = typer.Option(None, "--owner", "-o", help="Owner (handle or address)."),
    category: Optional[list[str]] = typer.Option(None, "--category", "-c", help="Category."),
    tag: Optional[list[str]] = typer.Option(None, "--tag", "-t", help="Has this tag (all given tags must match)."),
    queue: Optional[list[str]] = typer.Option(None, "--queue", "-q", help="Queue."),
) -> None:
    """The manager's report: the board, flow, backlog, first response, agents and categories.

    \b
    Examples:
      tix report --html report.html
      tix report --html q1.html --since 2026-01-01 --until 2026-04-01
    """
    if ctx.invoked_subcommand:
        return
    from tix import messages as msg
    from tix.domain import clock
    from tix.errors import InvalidValue
    from tix.render.report_html import report_html
    from tix.services.reports import StatsRequest
    from tix.services.reports import report as build
    from tix.storage.files import write_atomic

    if not html:
        raise InvalidValue(msg.report_needs_html())
    hd = state(ctx).helpdesk
    request = StatsRequest(since or "8w", until, as_of, None, owner or [], queue or [], category or [], tag or [])
    page = report_html(build(hd, request, clock.now(hd.config.timezone)), hd.config.timezone).encode("utf-8")
    from pathlib import Path

    write_atomic(Path(html), page)
    typer.echo(msg.report_written(html, len(page)), err=True)


@report_app.command("mail")
def mail(
    ctx: typer.Context,
    to: str = typer.Option(..., "--to", metavar="ADDR", help="Who gets the report."),
    period: str = typer.Option("week", "--period", help="week (the last complete week) or month (the last complete month)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would be queued; change nothing."),
) -> None:
    """For cron: the report of the last week or month by mail (plain text and HTML), through the
    outbox (`tix send` delivers it); once per period and address.

    \b
    Examples:
      tix report mail --to boss@example.com --period month
    """
    from tix.render.report_html import report_html
    from tix.render.reports import mailed_printout, stats_text
    from tix.services import reports

    desk = state(ctx).desk()
    hd, now = desk.hd, desk.now()
    chosen = reports.last_period(now, period)
    built = reports.report(hd, reports.StatsRequest(chosen.since.isoformat(), chosen.until.isoformat()), now)
    text, page = stats_text(built.stats), report_html(built, hd.config.timezone)
    emit(mailed_printout(reports.queue_report(desk, to, chosen.key, text, page, dry_run)))
