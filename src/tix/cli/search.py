"""`tix search`, `tix customer` and `tix views` (docs/SEARCH.md).

The options of `tix search` are long ones only: a query term may begin with '-' (`-tag:spam`,
`-nowy`), and Click would read a short option out of it (`-t ag:spam`, `-n owy`, `-h` out of
`-nothing`); unknown options are query words. `-n N`, as in `tix list`, is spelled `--limit N`
and `-h` `--help` before Click sees them (cli/fast.py, spelled_out)."""

from typing import Optional

import typer

from tix.cli.common import TextOrJson, emit, state
from tix.cli.tickets import ListFormat

app = typer.Typer()


@app.command(context_settings={"ignore_unknown_options": True, "help_option_names": ["--help"]})  # `-nothing` is a word; `-h`: cli/fast.py
def search(
    ctx: typer.Context,
    query: Optional[list[str]] = typer.Argument(None, metavar="QUERY...", help="Words and terms (docs/SEARCH.md), or @view."),
    format: ListFormat = typer.Option(ListFormat.table, "--format", help="Output format."),
    limit: int = typer.Option(20, "--limit", min=1, help="Show at most N tickets, best first (-n N for short)."),
    all_: bool = typer.Option(False, "--all", help="Show every ticket that matches (closed ones are always included, marked)."),
    view: Optional[str] = typer.Option(None, "--view", help="Run a saved view (views: in tix.yaml)."),
) -> None:
    """Find tickets by their words, in any inflection, best match first.

    \b
    Examples:
      tix search reklamacja dostawa     # any inflection
      tix search toner -tag:spam -n 5   # a negated term, the best 5
      tix search owner:me printer --all  # every match, closed ones too
    """
    from tix.cli import fast

    emit(fast.search(state(ctx), query=query, format=format.value, limit=limit, all_=all_, view=view))


@app.command()
def customer(
    ctx: typer.Context,
    who: str = typer.Argument(..., metavar="ADDR|NAME|DOMAIN", help="jan@example.pl, 'Jan Kowalski', or example.pl / @example.pl."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """A customer's (or an organisation's) whole history: tickets, volume, response times.

    \b
    Examples:
      tix customer jan@example.pl
      tix customer @example.pl      # a whole organisation
    """
    from tix.render.search import history
    from tix.services.search import customer_history

    hd = state(ctx).helpdesk
    emit(history(customer_history(hd, who), format.value, hd.config))


@app.command()
def views(
    ctx: typer.Context,
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """List the saved views (views: in tix.yaml); run one with `tix list @NAME`.

    \b
    Examples:
      tix views
    """
    from tix.render.search import views as output
    from tix.services.search import views as saved

    emit(output(saved(state(ctx).helpdesk), format.value))
