"""What the mail commands print: an import, a reply, a delivery, the outbox, the reminders."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tix import messages as msg
from tix.render import text
from tix.render.printout import Printout

if TYPE_CHECKING:
    from tix.mail.outbox import Waiting
    from tix.mail.transport import SendReport
    from tix.services.intake import Report
    from tix.services.outgoing import Reply
    from tix.services.reminders import RemindReport
    from tix.services.replies import Template


def imported(report: Report, format: str, dry_run: bool, quiet: bool, stdin: bool) -> Printout:
    """`tix import`: exit EXIT_QUARANTINED when a message could not be filed (not for one read
    from stdin, which an MTA would bounce: it is kept in quarantine/ all the same)."""
    from tix.errors import EXIT_QUARANTINED

    printout = Printout()
    if format == "json":
        printout.out(text.to_json(report.as_dict()))
    else:
        _import_text(printout, report, dry_run, quiet)
    if (report.counts["quarantined"] or report.counts["unreadable"]) and not dry_run and not stdin:
        printout.code = EXIT_QUARANTINED
    return printout


def _import_text(printout: Printout, report: Report, dry_run: bool, quiet: bool) -> None:
    if dry_run:
        for d in report.decisions:
            printout.out(msg.import_dry_run_line(d.source, d.action, d.ticket, d.robot, d.reopened, d.reason))
    quarantined = report.counts["quarantined"]
    if not quiet or quarantined:
        line = msg.import_done(report.summary(), dry_run)
        if quiet:
            printout.err(line)
        else:
            printout.out(line)
    for problem in report.problems:
        printout.warn(msg.import_unreadable(problem))
    for warning in report.warnings:
        printout.warn(warning)
    if quarantined and not dry_run:
        printout.warn(msg.import_quarantined(quarantined))


def queued(reply: Reply) -> str:
    return msg.reply_queued(reply.ticket.id, reply.summary, reply.entry.message_id)


def replied(reply: Reply, recorded: bool, report: SendReport | None = None) -> Printout:
    """`tix reply -f json`: the ticket as `tix list` gives it, with what the reply did (`summary`,
    `message_id`, `commit`; `recorded` false for --preview), the mail itself (`mail`: the RFC 5322
    text) and, with --send, the delivery as `tix send -f json` gives it (else null)."""
    import dataclasses

    printout = delivery(report, format="json") if report is not None else Printout()
    printout.lines = [line for line in printout.lines if line[1]]  # its JSON goes inside this one; warnings and exit code stay
    printout.out(text.to_json(reply.ticket.summary() | {
        "summary": reply.summary, "message_id": reply.entry.message_id, "commit": reply.commit, "recorded": recorded,
        "mail": reply.raw.decode("utf-8", "replace").replace("\r\n", "\n"),
        "delivery": dataclasses.asdict(report) if report is not None else None}))  # fmt: skip
    return printout


def preview(reply: Reply, raw: bool = False) -> str:
    """The mail as the customer will read it: its addresses and subject decoded (RFC 2047), then
    the text (quoted-printable or base64 undone), then the names of any attachments. `raw`: the
    exact MIME message, as text with the line ends of this system."""
    if raw:
        return reply.raw.decode("utf-8", "replace").replace("\r\n", "\n")
    import email
    from email import policy
    from email.message import EmailMessage

    message = email.message_from_bytes(reply.raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    lines = []
    for name in ("From", "To", "Cc", "Reply-To", "Subject"):
        value = message.get(name)
        if value is not None:
            lines.append(f"{name}: {text.printable(' '.join(str(value).split()))}")
    body = message.get_body(preferencelist=("plain",))
    content = body.get_content() if isinstance(body, EmailMessage) else ""
    lines += ["", text.printable(str(content).replace("\r\n", "\n")).rstrip("\n")]
    names = [part.get_filename() or part.get_content_type() for part in message.iter_attachments()]
    lines += [msg.preview_attachment(text.printable(str(name))) for name in names]
    return "\n".join(lines) + "\n"


def delivery(report: SendReport, quiet: bool = False, printout: Printout | None = None, format: str = "text") -> Printout:
    """What a delivery did; as JSON {sent, failed {name: error}, uncertain, temporary}, its
    warnings still on stderr."""
    import dataclasses

    from tix.mail.transport import exit_code

    printout = printout or Printout()
    if format == "json":
        printout.out(text.to_json(dataclasses.asdict(report)))
    elif not quiet:
        printout.out(report.summary())
    for name, error in report.failed.items():
        printout.warn(msg.send_failed_stays(name, error))
    for name in report.uncertain:
        printout.warn(msg.send_uncertain(name))
    printout.code = exit_code(report)
    return printout


def outbox(items: list[Waiting], format: str, clone_id: str) -> Printout:
    printout = Printout()
    if format == "json":
        printout.out(text.to_json([item.as_dict() for item in items]))
        return printout
    if not items:
        printout.err(msg.outbox_empty())
    from tix.render.terminal import width

    columns = width()
    for item in text.printable([item.as_dict() for item in items]):
        by = msg.outbox_this_clone() if item["queued_by"] in (None, clone_id) else msg.outbox_clone(item["queued_by"])
        queued = text.short_time(item["queued"]) if item["queued"] else "?"
        lines = [msg.outbox_line(item["name"], item["state"], queued, by, item["attempts"], item["to"], item["subject"])]
        if item["last_error"]:
            lines.append(msg.outbox_last_error(item["last_error"]))
        for line in text.wrap(lines, columns):
            printout.out(line)
    return printout


def retried(report: SendReport, foreign: list[Waiting]) -> Printout:
    printout = Printout()
    for item in foreign:
        if item.name in report.sent:
            printout.warn(msg.retried_foreign(item.name, item.queued_by))
    return delivery(report, printout=printout)


def cancelled(items: list[Waiting], noted: list[str], foreign: list[Waiting]) -> Printout:
    printout = Printout()
    for item in items:
        printout.out(msg.cancelled(item.name, item.state, item.ticket if item.ticket in noted else None))
    for item in foreign:
        printout.warn(msg.cancelled_foreign(item.name, item.queued_by))
    return printout


def template_list(found: list[Template], format: str = "text") -> str:
    if format == "json":
        return text.to_json([{"name": template.name, "first_line": template.first_line} for template in found])
    from tix.render.terminal import width

    columns = width()
    return "\n".join(text.cut(f"{template.name:<16} {template.first_line}", columns) for template in found)


def reminded(report: RemindReport, format: str, dry_run: bool, quiet: bool) -> Printout:
    printout = Printout()
    if format == "json":
        printout.out(text.to_json({"reminders": [r.__dict__ for r in report.reminders], "escalated": report.escalated,
                                   "undelivered": [w.as_dict() for w in report.undelivered], "recorded": report.recorded}))  # fmt: skip
        return printout
    for warning in report.warnings:  # even with --quiet: a ticket left unreminded
        printout.warn(warning)
    if report.undelivered:  # even with --quiet: mail nobody receives is what cron must tell
        printout.warn(msg.outbox_late(len(report.undelivered), text.short_time(str(report.undelivered[0].queued))))
    if quiet:
        return printout
    for r in report.reminders:
        printout.out(msg.reminder_line(r.ticket, r.target, r.level == "breached", text.short_time(r.due.isoformat()), r.to, r.subject))
    for ticket_id in report.escalated:
        printout.out(msg.reminder_escalated(ticket_id, report.recorded))
    if not report.reminders:
        printout.err(msg.nothing_due())
    elif not report.recorded:
        printout.err(msg.remind_not_recorded(dry_run))
    return printout
