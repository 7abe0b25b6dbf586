"""The mail commands: import, reply, send, the outbox, templates, reminders and escalation."""

import sys
from pathlib import Path
from typing import Optional

import typer

from tix import messages as msg
from tix.cli.common import TextOrJson, emit, read_text, say, state

app = typer.Typer()


@app.command("import")
def import_(
    ctx: typer.Context,
    sources: Optional[list[str]] = typer.Argument(None, metavar="PATH", help=".eml files, folders, Maildirs, mbox files; '-' reads one message from stdin."),
    maildirs: Optional[list[Path]] = typer.Option(None, "--maildir", metavar="DIR",
                                                  help="A Maildir to import (repeatable); same as giving it as PATH, but refused if it is not a Maildir."),
    mark_seen: bool = typer.Option(False, "--mark-seen", help="Maildir: move imported mail to cur/ with the S flag (only where tix owns the folder)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would happen, and why, without changing anything."),
    retry_quarantine: bool = typer.Option(False, "--retry-quarantine", help="Try the messages in quarantine/ again."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing unless something needs attention (for cron)."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Import mail: new messages become tickets, replies join theirs (exactly once).

    \b
    Examples:
      tix import ~/Maildir/support --mark-seen    # a Maildir tix owns
      tix import --dry-run inbox.mbox             # what would happen, and why
      tix import - < message.eml                  # one message, e.g. from the MTA
    """
    from tix.cli.fast import import_mail

    emit(import_mail(state(ctx), sources=sources, maildirs=[str(maildir) for maildir in maildirs or []] or None, mark_seen=mark_seen,
                     dry_run=dry_run, retry_quarantine=retry_quarantine, quiet=quiet, format=format.value))  # fmt: skip


@app.command()
def reply(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix."),
    template: Optional[str] = typer.Option(None, "--template", "-t", help="Template name (templates/NAME.j2); default: blank."),
    message: Optional[str] = typer.Option(None, "--message", "-m", help="Text for the template's {{ message }} ('-': stdin)."),
    edit: bool = typer.Option(False, "--edit", "-e", help="Edit the rendered mail in $EDITOR before it is recorded."),
    status: Optional[str] = typer.Option(None, "--status", "-s", help="Status afterwards (default: mail.reply_status)."),
    preview: bool = typer.Option(False, "--preview", help="Show the mail as the customer will read it; change nothing."),
    raw: bool = typer.Option(False, "--raw", help="With --preview (implied): the exact MIME message instead."),
    send: bool = typer.Option(False, "--send", help="Deliver it right away (otherwise: tix send)."),
    kb: Optional[list[str]] = typer.Option(None, "--kb", metavar="ARTICLE", help="Add this knowledge-base article, in the customer's language (repeatable)."),
    no_notify: bool = typer.Option(False, "--no-notify", help="Accepted as on every change: a reply's own status change never sends a second mail (a notice)."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format (JSON: the ticket, the reply and the mail)."),
) -> None:
    """Answer the customer: render a template, record the reply, queue the mail.

    \b
    Examples:
      tix reply 4KX2 -t need-info --preview        # see the mail first
      tix reply 4KX2 -m "Fixed, please try again" --send
      tix reply 4KX2 --kb reset-password -s pending
    """
    from tix.render import mail as output
    from tix.services import replies

    text = read_text(message) if message else None
    preview = preview or raw  # `--raw` alone never records or sends anything
    answer = replies.answer(state(ctx).desk(), ticket, template, text, edit, status, preview, send, kb)
    for note in answer.reply.notes:
        typer.echo(msg.cli_note(note), err=True)
    if format == TextOrJson.json:
        emit(output.replied(answer.reply, recorded=not preview, report=answer.delivery))
        return
    if preview:
        sys.stdout.write(output.preview(answer.reply, raw))
        return
    say(output.queued(answer.reply))
    if answer.delivery is not None:
        emit(output.delivery(answer.delivery))


@app.command("send")
def send_(
    ctx: typer.Context,
    resend: Optional[str] = typer.Option(None, "--resend", metavar="NAME", help="Send again a message left uncertain by an interrupted run."),
    all_clones: bool = typer.Option(False, "--all-clones", help="Also mail queued in other clones (run this in one clone only, e.g. the server's cron)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only warnings (for cron)."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Deliver the outbox (SMTP or sendmail); failed messages stay queued for the next run.

    \b
    Examples:
      tix send                # deliver what this clone queued
      tix send --all-clones -q   # the whole team's (cron, one clone only)
    """
    from tix.mail.outbox import send_outbox
    from tix.render import mail as output

    report = send_outbox(state(ctx).desk(), [resend] if resend else None, bool(resend), all_clones)
    emit(output.delivery(report, quiet, format=format.value))


outbox_app = typer.Typer(invoke_without_command=True)  # its help: the callback's docstring, with its examples
app.add_typer(outbox_app, name="outbox")


@outbox_app.callback()
def outbox_(
    ctx: typer.Context,
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Mail not delivered yet, queued in any clone: list it, retry it, cancel it.

    Alone, it lists the mail waiting (queued, failed or uncertain), whichever clone queued it.

    \b
    Examples:
      tix outbox
      tix outbox -f json
    """
    if ctx.invoked_subcommand:
        return
    from tix.mail.outbox import waiting
    from tix.render import mail as output

    hd = state(ctx).helpdesk
    emit(output.outbox(waiting(hd), format.value, hd.clone_id))


@outbox_app.command("retry")
def outbox_retry(
    ctx: typer.Context,
    names: list[str] = typer.Argument(..., metavar="NAME|ID...", help="Outbox names (from tix outbox) or ticket IDs."),
) -> None:
    """Deliver the named mail now, from this clone, whichever clone queued it.

    \b
    Examples:
      tix outbox retry 4KX2     # all mail of a ticket
    """
    from tix.mail.outbox import retry
    from tix.render import mail as output

    emit(output.retried(*retry(state(ctx).desk(), names)))


@outbox_app.command("cancel")
def outbox_cancel(
    ctx: typer.Context,
    names: list[str] = typer.Argument(..., metavar="NAME|ID...", help="Outbox names (from tix outbox) or ticket IDs."),
    message: str = typer.Option(..., "--message", "-m", help="Why: it becomes a note on the ticket."),
) -> None:
    """Withdraw mail before delivery (kept in outbox/cancelled/), with a note on its ticket.

    \b
    Examples:
      tix outbox cancel 4KX2 -m "Sent to the wrong customer"
    """
    from tix.mail.outbox import cancel
    from tix.render import mail as output

    emit(output.cancelled(*cancel(state(ctx).desk(), names, read_text(message))))


@app.command("templates")
def templates_(
    ctx: typer.Context,
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """List the reply templates and their subject lines.

    \b
    Examples:
      tix templates
    """
    from tix.render import mail as output
    from tix.services.replies import templates

    say(output.template_list(templates(state(ctx).helpdesk.root), format.value))


@app.command()
def remind(
    ctx: typer.Context,
    no_mail: bool = typer.Option(False, "--no-mail", help="Only print the digest; queue no reminder mail and keep the reminders for the next run."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be sent and escalated; record nothing."),
    record: bool = typer.Option(False, "--record", help="Record even when TIX_NOW is set (otherwise that is a what-if and records nothing)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing (for cron)."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Warn owners before SLA targets fall due and when they are breached (for cron; once per threshold).

    \b
    Examples:
      tix remind -q                 # from cron, every 15 minutes
      tix remind --dry-run          # what would be sent and escalated
    """
    from tix.render import mail as output
    from tix.services import reminders

    report = reminders.run(state(ctx).desk(), no_mail=no_mail, dry_run=dry_run, record=record)
    emit(output.reminded(report, format.value, dry_run, quiet))


@app.command()
def escalate(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="ID", help="Ticket ID or prefix."),
    message: Optional[str] = typer.Option(None, "--message", "-m", help="Why (kept in the note)."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Escalate: priority one level up, and the escalation queue/owner when configured.

    \b
    Examples:
      tix escalate 4KX2 -m "Customer called twice"
    """
    from tix.render.tickets import change
    from tix.services.reminders import escalate as run_escalate

    say(change(run_escalate(state(ctx).desk(), ticket, message or ""), format.value))
