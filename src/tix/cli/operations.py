"""The ticket operations: merge, link and unlink, split, spam, delete (issue 18 #5)."""

import typer

from tix.cli.common import TextOrJson, say, state

FORMAT_HELP = "Output format."

app = typer.Typer()


@app.command()
def merge(
    ctx: typer.Context,
    target: str = typer.Argument(..., metavar="A", help="The ticket that stays (ID, prefix, subject tag, Message-ID or path)."),
    source: str = typer.Argument(..., metavar="B", help="The ticket merged into A: it becomes a closed stub pointing to A."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help=FORMAT_HELP),
) -> None:
    """Merge ticket B into A (B becomes a closed stub pointing to A).

    B's conversation, Message-IDs, participants and tags move into A. B stays as a closed
    stub tagged duplicate (merged_into: A); mail that threads to B is filed on A.

    \b
    Examples:
      tix merge 4KX2 9ABC        # B's conversation moves into A
      tix merge 4KX2 '[T9GPS#9ABCD2EF]'
    """
    from tix.render.operations import merged
    from tix.services.operations import merge as run

    say(merged(run(state(ctx).desk(), target, source), format=format.value))


@app.command()
def link(
    ctx: typer.Context,
    first: str = typer.Argument(..., metavar="A", help="A ticket."),
    second: str = typer.Argument(..., metavar="B", help="The ticket to link it to."),
    kind: str = typer.Option("related", "--kind", "-k", metavar="related|duplicate|parent",
                             help="related; duplicate: B duplicates A; parent: A is B's parent."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help=FORMAT_HELP),
) -> None:
    """Link two tickets (related, duplicate, parent).

    Both tickets show the link (tix show, and `links` in its JSON).

    \b
    Examples:
      tix link 4KX2 9ABC                     # related
      tix link 4KX2 9ABC --kind duplicate    # 9ABC is a duplicate of 4KX2
      tix link 4KX2 9ABC --kind parent       # 4KX2 is the parent of 9ABC
    """
    from tix.render.operations import linked
    from tix.services.operations import link as run

    say(linked(run(state(ctx).desk(), first, second, kind), remove=False, format=format.value))


@app.command()
def unlink(
    ctx: typer.Context,
    first: str = typer.Argument(..., metavar="A", help="A ticket."),
    second: str = typer.Argument(..., metavar="B", help="A ticket linked to it."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help=FORMAT_HELP),
) -> None:
    """Remove every link between two tickets.

    \b
    Examples:
      tix unlink 4KX2 9ABC
    """
    from tix.render.operations import linked
    from tix.services.operations import link as run

    say(linked(run(state(ctx).desk(), first, second, remove=True), remove=True, format=format.value))


@app.command()
def split(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="The ticket holding the message."),
    entries: list[str] = typer.Argument(..., metavar="ENTRY...", help="Entry IDs (or prefixes, or Message-IDs) to move."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help=FORMAT_HELP),
) -> None:
    """Split entries off into a new ticket of their own.

    For a message that is really a new matter. Their Message-IDs move with them, so follow-ups to them thread into the new ticket; the two
    tickets are linked as related. Entry IDs are in `tix show ID -f json`.

    \b
    Examples:
      tix split 4KX2 Q7PA        # entry Q7PA… becomes a new ticket
      tix split 4KX2 '<m2@example.pl>'
    """
    from tix.render.operations import split as shown
    from tix.services.operations import split as run

    say(shown(run(state(ctx).desk(), ticket, entries), format=format.value))


@app.command()
def spam(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix."),
    block: bool = typer.Option(False, "--block", help="Also add the requester's address to mail.block."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help=FORMAT_HELP),
) -> None:
    """Mark a ticket as spam: closed, tagged, left out of stats.

    It is left out of tix stats and of notifications too. With --block, later mail from the requester is filed as spam too (mail.block in tix.yaml).

    \b
    Examples:
      tix spam 4KX2
      tix spam 4KX2 --block      # and file their next mail as spam
    """
    from tix.render.operations import spammed
    from tix.services.operations import spam as run

    say(spammed(run(state(ctx).desk(), ticket, block), format=format.value))


@app.command()
def delete(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help=FORMAT_HELP),
) -> None:
    """Delete a ticket made by mistake, in one commit.

    The history stays in git (`git revert COMMIT` restores it); its mail is not imported again.

    \b
    Examples:
      tix delete 4KX2
    """
    from tix.render.operations import deleted
    from tix.services.operations import delete as run

    say(deleted(run(state(ctx).desk(), ticket), format=format.value))

