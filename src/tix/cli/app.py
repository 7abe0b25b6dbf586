"""The command line: parse, call one use case, print. No logic, git or file handling here."""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Any, Optional

import typer

from tix.errors import InvalidValue
from tix.messages import count

app = typer.Typer(
    name="tix",
    help="A plain-text helpdesk: tickets are Markdown files in a git repository.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
config_app = typer.Typer(help="Read and change the helpdesk configuration (tix.yaml), like git config.", no_args_is_help=True)
app.add_typer(config_app, name="config")


class TextOrJson(str, Enum):
    text = "text"
    json = "json"


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


class State:
    """Global options, and the helpdesk they point at (found on first use)."""

    def __init__(self, directory: Path | None, as_user: str | None) -> None:
        self.directory = directory
        self.as_user = as_user
        self._helpdesk: Any = None

    @property
    def start(self) -> Path:
        if self.directory:
            return self.directory
        return Path(os.environ["TIX_DIR"]) if os.environ.get("TIX_DIR") else Path.cwd()

    @property
    def helpdesk(self) -> Any:
        if self._helpdesk is None:
            from tix.storage.layout import open_helpdesk

            self._helpdesk = open_helpdesk(self.start)
        return self._helpdesk

    def desk(self) -> Any:
        from tix.services.tickets import Desk

        return Desk(self.helpdesk, self.as_user)


def _state(ctx: typer.Context) -> State:
    return ctx.ensure_object(State) if ctx.obj is None else ctx.obj


def _say(text: str) -> None:
    typer.echo(text)


def _report(change: Any) -> None:
    if change.summary:
        _say(f"{change.ticket.id}: {change.summary}")
    else:
        _say(f"{change.ticket.id}: nothing to change")


def _read_text(value: str) -> str:
    return sys.stdin.read() if value == "-" else value


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


@app.command()
def init(
    ctx: typer.Context,
    directory: Optional[Path] = typer.Argument(None, metavar="[DIR]", help="Folder of the helpdesk (default: -C DIR or the current one)."),
    name: Optional[str] = typer.Option(None, help="The helpdesk's display name."),
    email: Optional[str] = typer.Option(None, help="The helpdesk's mail address."),
    timezone: Optional[str] = typer.Option(None, help="IANA timezone, e.g. Europe/Warsaw."),
    config_file: Optional[Path] = typer.Option(None, "--config", help="Start from this config file (validated).", metavar="FILE"),
) -> None:
    """Create a helpdesk in a new or existing git repository (safe to run again)."""
    from tix.services.setup import init_helpdesk

    state = _state(ctx)
    result = init_helpdesk(directory or state.start, name, email, timezone, state.as_user, config_file)
    if result.written:
        _say(f"Initialized helpdesk in {result.root} ({', '.join(result.written)})")
    else:
        _say(f"{result.root} is already a helpdesk; nothing to do")


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
) -> None:
    """Open a new ticket and print its ID."""
    from tix.domain.model import Person

    requester = None
    if from_:
        requester = Person.parse(from_)
        if requester is None:
            raise InvalidValue(f"--from: '{from_}' is not 'Name <email>' or a mail address")
    text = body or ""
    if body_file:
        if body_file == "-":
            text = sys.stdin.read()
        else:
            try:
                text = Path(body_file).read_text(encoding="utf-8")
            except OSError as exc:
                raise InvalidValue(f"--body-file: cannot read {body_file}: {exc.strerror}") from None
    change = _state(ctx).desk().create(
        subject, requester, text, channel.value, priority, category, owner, queue, tag or []
    )
    _say(change.ticket.id)


@app.command()
def show(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or unambiguous prefix."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Show a ticket with its whole conversation."""
    from tix.mail.outbox import delivery_states
    from tix.render import text as output
    from tix.storage.people import display_name

    hd = _state(ctx).helpdesk
    loaded = hd.load(hd.resolve(ticket))
    details = loaded.details()
    delivery = delivery_states(hd, loaded)
    for entry in details["entries"]:
        if entry["id"] in delivery:
            entry["delivery"] = delivery[entry["id"]]
    if format == TextOrJson.json:
        _say(output.to_json(details))
    else:
        _say(output.ticket_text(details, lambda email: display_name(hd.config, email)))


@app.command("list")
def list_(
    ctx: typer.Context,
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
) -> None:
    """List tickets (by default those not closed), filtered and sorted."""
    from tix.domain import clock
    from tix.render import text as output
    from tix.services import listing
    from tix.storage.people import display_name

    state = _state(ctx)
    hd = state.helpdesk
    request = listing.make_request(
        hd, clock.now(hd.config.timezone), status=status, owner=owner, mine=mine, as_user=state.as_user, unassigned=unassigned,
        priority=priority, category=category, tag=tag, queue=queue, customer=customer, since=since, include_closed=all_,
        breached=breached, due_within=due_within, sort=sort, limit=limit,
    )  # fmt: skip
    result = listing.list_tickets(hd, request, clock.now(hd.config.timezone))
    for broken in result.broken:
        typer.echo(f"tix: warning: {broken.path}: {broken.error.removeprefix(broken.path + ': ')}", err=True)
    rows = [row.as_dict() for row in result.rows]
    if format == ListFormat.json:
        _say(output.json_rows(rows))
    elif format == ListFormat.csv:
        _say(output.csv_text(rows))
    elif rows:
        _say(output.table(rows, hd.config.priorities, lambda email: display_name(hd.config, email)))
    else:
        typer.echo("no tickets match", err=True)


@app.command("import")
def import_(
    ctx: typer.Context,
    sources: Optional[list[str]] = typer.Argument(None, metavar="PATH", help=".eml files, folders, Maildirs, mbox files; '-' reads one message from stdin."),
    maildirs: Optional[list[Path]] = typer.Option(None, "--maildir", metavar="DIR",
                                                  help="A Maildir to import (repeatable); same as giving it as PATH, but refused if it is not a Maildir."),
    mark_seen: bool = typer.Option(False, "--mark-seen", help="Maildir: move imported mail to cur/ with the S flag (only where tix owns the folder)."),
    dry_run: bool = typer.Option(False, "--dry-run", "-n", help="Show what would happen, and why, without changing anything."),
    retry_quarantine: bool = typer.Option(False, "--retry-quarantine", help="Try the messages in quarantine/ again."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing unless something needs attention (for cron)."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Import mail: new messages become tickets, replies join theirs (exactly once)."""
    from tix.errors import EXIT_QUARANTINED
    from tix.mail.sources.maildir import is_maildir
    from tix.services.intake import Importer, progress_printer

    for maildir in maildirs or []:
        if not is_maildir(maildir):
            raise InvalidValue(f"--maildir: {maildir} is not a Maildir (it needs cur/ and new/)")
    sources = list(sources or []) + [str(maildir) for maildir in maildirs or []]
    if not sources and not retry_quarantine:
        raise InvalidValue("nothing to import: give .eml files, folders, Maildirs, mbox files or '-'")
    state = _state(ctx)
    importer = Importer(
        state.desk(), dry_run=dry_run, mark_seen=mark_seen, keep_decisions=format == TextOrJson.json,
        progress=None if quiet or format == TextOrJson.json else progress_printer(),
    )  # fmt: skip
    report = importer.run(sources, retry_quarantine)
    if importer.progress:
        typer.echo("\r\x1b[K", err=True, nl=False)
    if format == TextOrJson.json:
        from tix.render import text as output

        _say(output.to_json(report.as_dict()))
    else:
        if dry_run:
            for d in report.decisions:
                where = f" {d.ticket}" if d.ticket else ""
                robot = f" [{d.robot}]" if d.robot else ""
                _say(f"{d.source}: {d.action}{where}{robot}{' (reopens)' if d.reopened else ''} — {d.reason}")
        quarantined = report.counts["quarantined"]
        if not quiet or quarantined:
            prefix = "would import " if dry_run else "imported "
            typer.echo(prefix + report.summary(), err=quiet)
        for problem in report.problems:
            typer.echo(f"tix: warning: cannot read {problem}; it stays where it is for the next run", err=True)
        for warning in report.warnings:
            typer.echo(f"tix: warning: {warning}", err=True)
        if quarantined and not dry_run:
            typer.echo(f"tix: warning: {count(quarantined, 'message')} could not be read; kept in quarantine/ "
                       "(see the .txt beside each; retry with `tix import --retry-quarantine`)", err=True)  # fmt: skip
    if (report.counts["quarantined"] or report.counts["unreadable"]) and not dry_run and sources != ["-"]:
        raise typer.Exit(EXIT_QUARANTINED)


@app.command()
def reply(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix."),
    template: Optional[str] = typer.Option(None, "--template", "-t", help="Template name (templates/NAME.j2); default: blank."),
    message: Optional[str] = typer.Option(None, "--message", "-m", help="Text for the template's {{ message }} ('-': stdin)."),
    edit: bool = typer.Option(False, "--edit", "-e", help="Edit the rendered mail in $EDITOR before it is recorded."),
    status: Optional[str] = typer.Option(None, "--status", "-s", help="Status afterwards (default: mail.reply_status)."),
    preview: bool = typer.Option(False, "--preview", help="Print the exact mail that would go out; change nothing."),
    send: bool = typer.Option(False, "--send", help="Deliver it right away (otherwise: tix send)."),
) -> None:
    """Answer the customer: render a template, record the reply, queue the mail."""
    from tix.services import replies

    desk = _state(ctx).desk()
    result = replies.reply(desk, ticket, template, _read_text(message) if message else None, edit, status, preview)
    if preview:
        sys.stdout.write(result.raw.decode("utf-8", "replace").replace("\r\n", "\n"))
        return
    _say(f"{result.ticket.id}: {result.summary} (queued {result.entry.message_id})")
    if send:
        from tix.mail.outbox import outbox_name

        _deliver(desk, [outbox_name(result.ticket.id, result.entry.id)])


@app.command("send")
def send_(
    ctx: typer.Context,
    resend: Optional[str] = typer.Option(None, "--resend", metavar="NAME", help="Send again a message left uncertain by an interrupted run."),
    all_clones: bool = typer.Option(False, "--all-clones", help="Also mail queued in other clones (run this in one clone only, e.g. the server's cron)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only warnings (for cron)."),
) -> None:
    """Deliver the outbox (SMTP or sendmail); failed messages stay queued for the next run."""
    _deliver(_state(ctx).desk(), [resend] if resend else None, resend=bool(resend), all_clones=all_clones, quiet=quiet)


def _deliver(desk: Any, names: Optional[list[str]], resend: bool = False, all_clones: bool = False, quiet: bool = False) -> None:
    from tix.mail.outbox import send_outbox

    _report_delivery(send_outbox(desk, names, resend, all_clones), quiet)


def _report_delivery(report: Any, quiet: bool = False) -> None:
    from tix.mail.transport import exit_code

    if not quiet:
        _say(report.summary())
    for name, error in report.failed.items():
        typer.echo(f"tix: warning: {name}: {error} (stays queued)", err=True)
    for name in report.uncertain:
        typer.echo(f"tix: warning: {name}: an earlier run was interrupted while sending it; it may or may not "
                   f"have gone out. Check, then: tix send --resend {name}", err=True)  # fmt: skip
    code = exit_code(report)
    if code:
        raise typer.Exit(code)


outbox_app = typer.Typer(help="Mail not delivered yet, queued in any clone: list it, retry it, cancel it.", invoke_without_command=True)
app.add_typer(outbox_app, name="outbox")


@outbox_app.callback()
def outbox_(
    ctx: typer.Context,
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """List mail waiting in the outbox (queued, failed or uncertain), whichever clone queued it."""
    if ctx.invoked_subcommand:
        return
    from tix.mail.outbox import waiting
    from tix.render import text as output

    hd = _state(ctx).helpdesk
    items = waiting(hd)
    if format == TextOrJson.json:
        _say(output.to_json([item.__dict__ for item in items]))
        return
    if not items:
        typer.echo("the outbox is empty: everything queued was delivered", err=True)
        return
    for item in output.printable([item.__dict__ for item in items]):
        mine = "this clone" if item["queued_by"] in (None, hd.clone_id) else f"clone {item['queued_by']}"
        queued = output.short_time(item["queued"]) if item["queued"] else "?"
        _say(f"{item['name']}  {item['state']:<9}  queued {queued} by {mine}, {item['attempts']} tries  "
             f"to {item['to']}  {item['subject']}")  # fmt: skip
        if item["last_error"]:
            _say(f"    last error: {item['last_error']}")


@outbox_app.command("retry")
def outbox_retry(
    ctx: typer.Context,
    names: list[str] = typer.Argument(..., metavar="NAME|ID...", help="Outbox names (from tix outbox) or ticket IDs."),
) -> None:
    """Deliver the named mail now, from this clone, whichever clone queued it."""
    from tix.mail.outbox import retry

    report, foreign = retry(_state(ctx).desk(), names)
    for item in foreign:
        if item.name in report.sent:
            typer.echo(f"tix: warning: {item.name} was queued by clone {item.queued_by}: run tix sync here and there "
                       "before that clone's next tix send, or it sends the mail again", err=True)  # fmt: skip
    _report_delivery(report)


@outbox_app.command("cancel")
def outbox_cancel(
    ctx: typer.Context,
    names: list[str] = typer.Argument(..., metavar="NAME|ID...", help="Outbox names (from tix outbox) or ticket IDs."),
    message: str = typer.Option(..., "--message", "-m", help="Why: it becomes a note on the ticket."),
) -> None:
    """Withdraw mail before delivery (kept in outbox/cancelled/), with a note on its ticket."""
    from tix.mail.outbox import cancel

    cancelled, tickets, foreign = cancel(_state(ctx).desk(), names, _read_text(message))
    for item in cancelled:
        _say(f"{item.name}: cancelled ({item.state}){f', noted on {item.ticket}' if item.ticket in tickets else ''}")
    for item in foreign:
        typer.echo(f"tix: warning: {item.name} was queued by clone {item.queued_by}, which delivers it until it syncs: "
                   "run tix sync now", err=True)  # fmt: skip


@app.command("templates")
def templates_(ctx: typer.Context) -> None:
    """List the reply templates and their subject lines."""
    from tix.mail import templates

    root = _state(ctx).helpdesk.root
    for name in templates.available(root):
        first = templates.source(root, name).partition("\n")[0]
        _say(f"{name:<16} {first}")


@app.command()
def remind(
    ctx: typer.Context,
    no_mail: bool = typer.Option(False, "--no-mail", help="Only print the digest; queue no reminder mail and keep the reminders for the next run."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be sent and escalated; record nothing."),
    record: bool = typer.Option(False, "--record", help="Record even when TIX_NOW is set (otherwise that is a what-if and records nothing)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing (for cron)."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Warn owners before SLA targets fall due and when they are breached (for cron; once per threshold)."""
    from tix.domain import clock
    from tix.render import text as output
    from tix.services.reminders import remind as run_remind

    desk = _state(ctx).desk()
    config = desk.config
    can_mail = bool(config.data["smtp"]["url"] or config.mail["sendmail"])
    what_if = dry_run or (clock.is_what_if() and not record)
    report = run_remind(desk, send_mail=can_mail and not no_mail, record=not what_if, consume=not no_mail)
    if format == TextOrJson.json:
        _say(output.to_json({"reminders": [r.__dict__ for r in report.reminders], "escalated": report.escalated,
                             "undelivered": [w.__dict__ for w in report.undelivered], "recorded": not what_if}))  # fmt: skip
        return
    if report.undelivered:  # even with --quiet: mail nobody receives is what cron must tell
        typer.echo(f"tix: warning: {count(len(report.undelivered), 'message')} in the outbox not delivered, the oldest "
                   f"queued {output.short_time(str(report.undelivered[0].queued))} (tix outbox; tix send)", err=True)  # fmt: skip
    if quiet:
        return
    for r in report.reminders:
        what = r.target.replace("_", " ")
        _say(f"{r.ticket}  {what} {'BREACHED' if r.level == 'breached' else 'due soon'} "
             f"(due {output.short_time(r.due.isoformat())})  → {r.to or 'nobody (no owner, queue owner or escalation owner; kept)'}  {r.subject}")  # fmt: skip
    for ticket_id in report.escalated:
        _say(f"{ticket_id}  {'would be escalated' if what_if else 'escalated'}")
    if not report.reminders:
        typer.echo("nothing due", err=True)
    elif what_if:
        reason = "dry run" if dry_run else "what-if with TIX_NOW (--record to record)"
        typer.echo(f"tix: {reason}: nothing recorded or sent", err=True)


@app.command()
def escalate(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix."),
    message: Optional[str] = typer.Option(None, "--message", "-m", help="Why (kept in the note)."),
) -> None:
    """Escalate: priority one level up, and the escalation queue/owner when configured."""
    from tix.services.reminders import escalate as run_escalate

    _report(run_escalate(_state(ctx).desk(), ticket, message or ""))


rules_app = typer.Typer(help="Routing rules (tix.yaml `rules:`).", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


@rules_app.command("test")
def rules_test(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., metavar="FILE.eml...", help="Messages to route (nothing is changed)."),
) -> None:
    """Show which rules fire for each message and the fields a new ticket would get."""
    from tix.services.tickets import explain_rules

    for path, fired, fields in explain_rules(_state(ctx).helpdesk, files):
        for warning in fields.pop("warnings", []):
            typer.echo(f"tix: warning: {warning}", err=True)
        if fired and fired[0].startswith("robot ("):  # filed closed, rules not applied
            _say(f"{path}: {fired[0]} → {fields['status']}")
            continue
        result = " ".join(f"{k}={','.join(v) if isinstance(v, list) else v}" for k, v in fields.items()) or "defaults"
        _say(f"{path}: {', '.join(fired) or 'no rule'} → {result}")


@app.command()
def sync(
    ctx: typer.Context,
    remote: Optional[str] = typer.Argument(None, metavar="[REMOTE]", help="Remote to sync with (default: the branch's upstream, or origin)."),
    force: bool = typer.Option(False, "--force", help="Push even a change that deletes many tickets at once."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing on success (for cron)."),
) -> None:
    """Share work with the team: fetch, merge ticket files field by field, push."""
    from tix.services.sync import sync as run_sync

    result = run_sync(_state(ctx).desk(), remote, force)
    if not quiet:
        _say(result.summary())


@app.command()
def reindex(ctx: typer.Context) -> None:
    """Rebuild the derived ticket index (.git/tix/) from the ticket files."""
    from tix.storage.index import Index

    index = Index(_state(ctx).helpdesk)
    try:
        parsed = index.refresh(full=True)  # a full rebuild, so not Index.current
        _say(f"indexed {count(index.count(), 'ticket')} ({count(parsed, 'file')} read, {len(index.broken())} broken)")
    finally:
        index.close()


@app.command()
def assign(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix."),
    user: str = typer.Argument(..., metavar="USER", help="Team handle or mail address."),
) -> None:
    """Make a teammate the owner of a ticket."""
    _report(_state(ctx).desk().assign(ticket, user))


@app.command()
def take(ctx: typer.Context, ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix.")) -> None:
    """Make yourself the owner of a ticket."""
    _report(_state(ctx).desk().take(ticket))


@app.command()
def unassign(ctx: typer.Context, ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix.")) -> None:
    """Remove a ticket's owner."""
    _report(_state(ctx).desk().unassign(ticket))


@app.command()
def status(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix."),
    new_status: str = typer.Argument(..., metavar="STATUS", help="A configured status."),
) -> None:
    """Set a ticket's status."""
    _report(_state(ctx).desk().set_status(ticket, new_status))


@app.command()
def close(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix."),
    message: Optional[str] = typer.Option(None, "--message", "-m", help="Reason, kept as an internal note."),
) -> None:
    """Close a ticket."""
    _report(_state(ctx).desk().close(ticket, message or ""))


@app.command()
def reopen(ctx: typer.Context, ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix.")) -> None:
    """Reopen a closed ticket."""
    _report(_state(ctx).desk().reopen(ticket))


@app.command()
def priority(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix."),
    level: str = typer.Argument(..., metavar="PRIORITY", help="A configured priority."),
) -> None:
    """Set a ticket's priority."""
    _report(_state(ctx).desk().set_priority(ticket, level))


@app.command()
def category(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix."),
    name: str = typer.Argument(..., metavar="CATEGORY", help="A configured category ('' clears it)."),
) -> None:
    """Set a ticket's category."""
    _report(_state(ctx).desk().set_category(ticket, name))


@app.command()
def queue(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix."),
    name: str = typer.Argument(..., metavar="QUEUE", help="A configured queue ('' clears it)."),
) -> None:
    """Move a ticket to a queue."""
    _report(_state(ctx).desk().set_queue(ticket, name))


@app.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
def tag(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix."),
    changes: list[str] = typer.Argument(..., metavar="[+]TAG|-TAG...", help="+tag or tag adds, -tag removes."),
) -> None:
    """Add and remove tags: tix tag 4KX2 +vip -spam."""
    _report(_state(ctx).desk().tag(ticket, changes))


@app.command()
def note(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix."),
    text: str = typer.Argument(..., metavar="TEXT", help="The note ('-' reads it from stdin)."),
) -> None:
    """Add an internal note (never sent to the customer)."""
    _report(_state(ctx).desk().note(ticket, _read_text(text)))


@app.command()
def edit(ctx: typer.Context, ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix.")) -> None:
    """Edit a ticket file in $EDITOR; the result is validated before it is committed."""
    _report(_state(ctx).desk().edit(ticket))


@app.command()
def log(
    ctx: typer.Context,
    ticket: Optional[str] = typer.Argument(None, metavar="[ID]", help="Ticket ID or prefix (default: the whole helpdesk)."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
    limit: Optional[int] = typer.Option(None, "--limit", "-n", help="At most N changes (default: all for a ticket, 20 otherwise)."),
) -> None:
    """The audit trail: who changed what, from what to what, and when."""
    from tix.render import text as output
    from tix.storage import history

    hd = _state(ctx).helpdesk
    ticket_id = hd.resolve(ticket) if ticket else None
    events = history.events(hd, ticket_id, limit or (None if ticket_id else 20))
    if format == TextOrJson.json:
        _say(output.to_json([event.as_dict() for event in events]))
    elif events:
        _say(output.log_text(events, show_ticket=ticket_id is None, tz=hd.config.timezone))
    else:
        typer.echo("no history yet", err=True)


@config_app.command("list")
def config_list(ctx: typer.Context) -> None:
    """Print every key and value, one KEY=VALUE per line."""
    for key, value in _state(ctx).helpdesk.config.flat():
        _say(f"{key}={_config_text(value, ', ')}")


@config_app.command("get")
def config_get(ctx: typer.Context, key: str = typer.Argument(..., metavar="KEY", help="Dotted key, e.g. helpdesk.timezone.")) -> None:
    """Print one value (a list one item per line)."""
    _say(_config_text(_state(ctx).helpdesk.config.get(key), "\n"))


@config_app.command("set")
def config_set(
    ctx: typer.Context,
    key: str = typer.Argument(..., metavar="KEY", help="Dotted key, e.g. helpdesk.timezone."),
    value: str = typer.Argument(..., metavar="VALUE", help="New value; lists as 'a, b, c'."),
) -> None:
    """Change one value; the whole file is validated, then committed."""
    from tix.services.tickets import set_config

    state = _state(ctx)
    commit = set_config(state.helpdesk, state.as_user, key, value)
    if commit is None:
        _say(f"{key}: unchanged")
    else:
        from tix.storage.config import Config

        _say(f"{key}={_config_text(Config.load(state.helpdesk.root).get(key), ', ')}")
    _approve_own_setting(state.helpdesk, key)


def _config_text(value: Any, separator: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return separator.join(str(item) for item in value)
    if isinstance(value, dict):
        from tix.storage.yamlio import dump_yaml

        return dump_yaml(value).rstrip("\n")
    return "" if value is None else str(value)


# --- trusted settings (issue 10 #3): self-contained -------------------------------------


def _approve_own_setting(helpdesk: Any, key: str) -> None:
    """A value this clone's user sets is their own decision: approved here at once."""
    from tix.mail.transport import TRUSTED_KEYS, approve
    from tix.storage.config import Config

    if key in TRUSTED_KEYS:
        approve(helpdesk, Config.load(helpdesk.root), (key,))


@config_app.command("approve")
def config_approve(ctx: typer.Context) -> None:
    """Approve, for this clone only, the mail.sendmail and smtp.url now in tix.yaml."""
    from tix.mail.transport import approve

    helpdesk = _state(ctx).helpdesk
    values = approve(helpdesk, helpdesk.config)
    _say("\n".join(f"approved {key}={value}" for key, value in values.items()) or "nothing to approve")
