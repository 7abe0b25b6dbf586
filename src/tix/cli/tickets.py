"""The ticket commands: open, show, list, change, and the audit trail."""

import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from tix import messages as msg
from tix.cli import fast
from tix.cli.common import TextOrJson, emit, read_text, say, state
from tix.errors import InvalidValue

if TYPE_CHECKING:
    from tix.domain.model import Person

app = typer.Typer()
NO_NOTIFY_HELP = "Send the customer no notice of this change (notify.STATUS in tix.yaml)."


class ListFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class Channel(str, Enum):
    email = "email"
    phone = "phone"
    chat = "chat"
    form = "form"
    other = "other"


@app.command()
def new(
    ctx: typer.Context,
    subject: str = typer.Argument(..., metavar="SUBJECT", help="What the ticket is about."),
    from_: Optional[str] = typer.Option(None, "--from", help="Requester: 'Name <email>' or an address (default: you)."),
    body: Optional[str] = typer.Option(None, "--body", "-b", help="The request's text."),
    body_file: Optional[str] = typer.Option(None, "--body-file", "-F", help="Read the text from a file ('-': stdin)."),
    channel: Channel = typer.Option(Channel.other, help="How the request came in."),
    priority: Optional[str] = typer.Option(None, "--priority", "-p", help="Priority (default from config)."),
    category: Optional[str] = typer.Option(None, "--category", "-c", help="Category."),
    owner: Optional[str] = typer.Option(None, "--owner", "-o", help="Assign to a team member."),
    queue: Optional[str] = typer.Option(None, "--queue", "-q", help="Queue."),
    tag: Optional[list[str]] = typer.Option(None, "--tag", "-t", help="Tag (repeatable)."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Open a new ticket and print its ID.

    \b
    Examples:
      tix new "Printer on fire" --from "Jan Kowalski <jan@example.pl>"   # for a customer
      tix new "VPN down" -p urgent -q it -t vpn -b "Since 9:00"         # with fields and text
      echo "details" | tix new "From the phone" --channel phone -F -
    """
    from tix.render.tickets import created
    from tix.services import tickets

    requester, text = _requester(from_), _body_text(body, body_file)
    change = tickets.create(state(ctx).desk(), subject, requester, text, channel.value, priority, category, owner, queue, tag or [])
    say(created(change, format.value))


def _requester(from_: str | None) -> "Person | None":
    from tix.domain.model import Person

    requester = Person.parse(from_) if from_ else None
    if from_ and requester is None:
        raise InvalidValue(msg.cli_bad_requester(from_))
    return requester


def _body_text(body: str | None, body_file: str | None) -> str:
    if not body_file:
        return body or ""
    if body_file == "-":
        return sys.stdin.read()
    try:
        return Path(body_file).read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidValue(msg.cli_body_file_unreadable(body_file, exc.strerror)) from None


@app.command()
def show(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or unambiguous prefix."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Show a ticket with its whole conversation.

    \b
    Examples:
      tix show 4KX2             # any unambiguous prefix of the ID
      tix show 4KX2 -f json     # for scripts
    """
    emit(fast.show(state(ctx), ticket, format.value), paged=True)


@app.command("list")
def list_(
    ctx: typer.Context,
    query: Optional[list[str]] = typer.Argument(None, metavar="[QUERY]...", help="Query terms (docs/SEARCH.md), or @view."),
    status: Optional[list[str]] = typer.Option(None, "--status", "-s", help="Status or group (open/waiting/closed); repeat or comma-separate."),
    owner: Optional[list[str]] = typer.Option(None, "--owner", "-o", help="Owner (handle or address)."),
    mine: bool = typer.Option(False, "--mine", "-m", help="Tickets owned by you."),
    unassigned: bool = typer.Option(False, "--unassigned", "-u", help="Tickets nobody owns."),
    priority: Optional[list[str]] = typer.Option(None, "--priority", "-p", help="Priority."),
    category: Optional[list[str]] = typer.Option(None, "--category", "-c", help="Category."),
    tag: Optional[list[str]] = typer.Option(None, "--tag", "-t", help="Has this tag (all given tags must match)."),
    queue: Optional[list[str]] = typer.Option(None, "--queue", "-q", help="Queue."),
    customer: Optional[str] = typer.Option(None, "--customer", help="Requester's address or name contains this."),
    since: Optional[str] = typer.Option(None, "--since", help="Changed since: 7d, 12h, 30m, 2w or an ISO date."),
    sort: str = typer.Option("priority,created", "--sort", help="Sort keys, comma-separated; '-key' descends."),
    all_: bool = typer.Option(False, "--all", "-a", help="Include closed tickets."),
    breached: bool = typer.Option(False, "--breached", help="Only tickets past an SLA target."),
    due_within: Optional[str] = typer.Option(None, "--due-within", metavar="DURATION",
                                             help="Only tickets with a target due within this time (2h, 1d, 30m), breached ones included."),
    format: ListFormat = typer.Option(ListFormat.table, "--format", "-f", help="Output format."),
    limit: Optional[int] = typer.Option(None, "--limit", "-n", min=0, help="Show at most N tickets."),
    view: Optional[str] = typer.Option(None, "--view", help="Run a saved view (views: in tix.yaml)."),
) -> None:
    """List tickets (by default those not closed), filtered and sorted; a query narrows them.

    \b
    Examples:
      tix list --mine                     # what is yours to do
      tix list -s waiting -q billing      # a status group in one queue
      tix list priority:urgent -n 10      # a query (docs/SEARCH.md), the first 10
      tix list @triage --sort -updated    # a saved view (views: in tix.yaml), newest first
    """
    emit(fast.list_tickets(
        state(ctx), status=status, owner=owner, mine=mine, unassigned=unassigned, priority=priority, category=category, tag=tag,
        queue=queue, customer=customer, since=since, sort=sort, all_=all_, breached=breached, due_within=due_within,
        format=format.value, limit=limit, query=query, view=view,
    ), paged=True)  # fmt: skip


@app.command()
def assign(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix."),
    user: str = typer.Argument(..., metavar="USER", help="Team handle or mail address."),
    no_notify: bool = typer.Option(False, "--no-notify", help=NO_NOTIFY_HELP),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Make a teammate the owner of a ticket.

    \b
    Examples:
      tix assign 4KX2 anna                # a team handle
      tix assign 4KX2 anna@example.com    # or an address
    """
    emit(fast.change(state(ctx), "assign", ticket, user=user, no_notify=no_notify, format=format.value))


@app.command()
def take(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix."),
    no_notify: bool = typer.Option(False, "--no-notify", help=NO_NOTIFY_HELP),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Make yourself the owner of a ticket.

    \b
    Examples:
      tix take 4KX2
    """
    emit(fast.change(state(ctx), "take", ticket, no_notify=no_notify, format=format.value))


@app.command()
def unassign(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix."),
    no_notify: bool = typer.Option(False, "--no-notify", help=NO_NOTIFY_HELP),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Remove a ticket's owner.

    \b
    Examples:
      tix unassign 4KX2
    """
    emit(fast.change(state(ctx), "unassign", ticket, no_notify=no_notify, format=format.value))


@app.command()
def status(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix."),
    new_status: str = typer.Argument(..., metavar="STATUS", help="A configured status."),
    no_notify: bool = typer.Option(False, "--no-notify", help=NO_NOTIFY_HELP),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Set a ticket's status.

    \b
    Examples:
      tix status 4KX2 pending
    """
    emit(fast.change(state(ctx), "status", ticket, new_status=new_status, no_notify=no_notify, format=format.value))


@app.command()
def close(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix."),
    message: Optional[str] = typer.Option(None, "--message", "-m", help="Reason, kept as an internal note."),
    no_notify: bool = typer.Option(False, "--no-notify", help=NO_NOTIFY_HELP),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Close a ticket.

    \b
    Examples:
      tix close 4KX2 -m "Fixed by the firmware update"
    """
    emit(fast.change(state(ctx), "close", ticket, message=message, no_notify=no_notify, format=format.value))


@app.command()
def reopen(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix."),
    no_notify: bool = typer.Option(False, "--no-notify", help=NO_NOTIFY_HELP),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Reopen a closed ticket.

    \b
    Examples:
      tix reopen 4KX2
    """
    emit(fast.change(state(ctx), "reopen", ticket, no_notify=no_notify, format=format.value))


@app.command()
def priority(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix."),
    level: str = typer.Argument(..., metavar="PRIORITY", help="A configured priority."),
    no_notify: bool = typer.Option(False, "--no-notify", help=NO_NOTIFY_HELP),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Set a ticket's priority.

    \b
    Examples:
      tix priority 4KX2 urgent
    """
    emit(fast.change(state(ctx), "priority", ticket, level=level, no_notify=no_notify, format=format.value))


@app.command()
def category(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix."),
    name: str = typer.Argument(..., metavar="CATEGORY", help="A configured category ('' clears it)."),
    no_notify: bool = typer.Option(False, "--no-notify", help=NO_NOTIFY_HELP),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Set a ticket's category.

    \b
    Examples:
      tix category 4KX2 billing
      tix category 4KX2 ''     # clears it
    """
    emit(fast.change(state(ctx), "category", ticket, name=name, no_notify=no_notify, format=format.value))


@app.command()
def queue(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix."),
    name: str = typer.Argument(..., metavar="QUEUE", help="A configured queue ('' clears it)."),
    no_notify: bool = typer.Option(False, "--no-notify", help=NO_NOTIFY_HELP),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Move a ticket to a queue.

    \b
    Examples:
      tix queue 4KX2 it
      tix queue 4KX2 ''        # clears it
    """
    emit(fast.change(state(ctx), "queue", ticket, name=name, no_notify=no_notify, format=format.value))


@app.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
def tag(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix."),
    changes: list[str] = typer.Argument(..., metavar="[+]TAG|-TAG...", help="+tag or tag adds, -tag removes."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", help="Output format (no -f: `-f` is the tag f removed)."),
) -> None:
    """Add and remove tags: tix tag 4KX2 +vip -spam.

    \b
    Examples:
      tix tag 4KX2 +vip -spam     # add vip, remove spam
    """
    from tix.render.tickets import change
    from tix.services import tickets

    say(change(tickets.tag(state(ctx).desk(), ticket, changes), format.value))


@app.command()
def note(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix."),
    text: str = typer.Argument(..., metavar="TEXT", help="The note ('-' reads it from stdin)."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Add an internal note (never sent to the customer).

    \b
    Examples:
      tix note 4KX2 "Called her back, waiting for the serial number"
      git log -1 | tix note 4KX2 -     # the note from stdin
    """
    from tix.render.tickets import change
    from tix.services import tickets

    say(change(tickets.note(state(ctx).desk(), ticket, read_text(text)), format.value))


@app.command()
def edit(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix."),
    reopen: Optional[bool] = typer.Option(None, "--reopen-rejected/--discard-rejected",
                                          help="Start from the version tix edit last rejected, or discard it (default: ask)."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:  # fmt: skip
    """Edit a ticket file in $EDITOR; the result is validated before it is committed.

    A version that is rejected is kept; the next `tix edit` of the ticket offers to reopen it.

    \b
    Examples:
      EDITOR=vim tix edit 4KX2
    """
    from tix.render.tickets import change
    from tix.services import tickets

    desk = state(ctx).desk()
    if reopen is None:
        rejected = tickets.rejected_edit(desk, ticket)
        reopen = rejected is not None and _ask(msg.edit_offer_rejected(*rejected))
    say(change(tickets.edit(desk, ticket, reopen_rejected=reopen), format.value))


def _ask(question: str) -> bool:
    """Yes unless the user says no; nobody to answer (stdin at its end) is a no."""
    import click

    try:
        return typer.confirm(question, default=True, err=True)
    except click.exceptions.Abort:
        typer.echo("", err=True)
        return False


@app.command()
def log(
    ctx: typer.Context,
    ticket: Optional[str] = typer.Argument(None, metavar="[ID]", help="Ticket ID or prefix (default: the whole helpdesk)."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
    limit: Optional[int] = typer.Option(None, "--limit", "-n", help="At most N changes (default: all for a ticket, 20 otherwise)."),
) -> None:
    """The audit trail: who changed what, from what to what, and when.

    \b
    Examples:
      tix log 4KX2           # one ticket's history
      tix log -n 50          # the last 50 changes across the helpdesk
    """
    from tix.render import tickets as output
    from tix.services.showing import audit_trail

    hd = state(ctx).helpdesk
    emit(output.trail(audit_trail(hd, ticket, limit), format.value, hd.config), paged=True)
