"""What the mail commands print: an import, a reply, a delivery, the outbox, the reminders."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tix.messages import count
from tix.render import text
from tix.render.printout import Printout

if TYPE_CHECKING:
    from tix.mail.outbox import Waiting
    from tix.mail.transport import SendReport
    from tix.services.intake import Report
    from tix.services.outgoing import Reply
    from tix.services.reminders import RemindReport
    from tix.services.replies import Template


def imported(report: Report, format: str, dry_run: bool, quiet: bool, progress: bool, stdin: bool) -> Printout:
    """`tix import`: exit EXIT_QUARANTINED when a message could not be filed (not for one read
    from stdin, which an MTA would bounce: it is kept in quarantine/ all the same)."""
    from tix.errors import EXIT_QUARANTINED

    printout = Printout()
    if progress:
        printout.err("\r\x1b[K", nl=False)  # the progress count goes
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
            where = f" {d.ticket}" if d.ticket else ""
            robot = f" [{d.robot}]" if d.robot else ""
            printout.out(f"{d.source}: {d.action}{where}{robot}{' (reopens)' if d.reopened else ''} — {d.reason}")
    quarantined = report.counts["quarantined"]
    if not quiet or quarantined:
        line = ("would import " if dry_run else "imported ") + report.summary()
        if quiet:
            printout.err(line)
        else:
            printout.out(line)
    for problem in report.problems:
        printout.warn(f"cannot read {problem}; it stays where it is for the next run")
    for warning in report.warnings:
        printout.warn(warning)
    if quarantined and not dry_run:
        printout.warn(f"{count(quarantined, 'message')} could not be read; kept in quarantine/ "
                      "(see the .txt beside each; retry with `tix import --retry-quarantine`)")  # fmt: skip


def queued(reply: Reply) -> str:
    return f"{reply.ticket.id}: {reply.summary} (queued {reply.entry.message_id})"


def preview(reply: Reply) -> str:
    """The exact mail, as text with the line ends of this system."""
    return reply.raw.decode("utf-8", "replace").replace("\r\n", "\n")


def delivery(report: SendReport, quiet: bool = False, printout: Printout | None = None) -> Printout:
    from tix.mail.transport import exit_code

    printout = printout or Printout()
    if not quiet:
        printout.out(report.summary())
    for name, error in report.failed.items():
        printout.warn(f"{name}: {error} (stays queued)")
    for name in report.uncertain:
        printout.warn(f"{name}: an earlier run was interrupted while sending it; it may or may not "
                      f"have gone out. Check, then: tix send --resend {name}")  # fmt: skip
    printout.code = exit_code(report)
    return printout


def outbox(items: list[Waiting], format: str, clone_id: str) -> Printout:
    printout = Printout()
    if format == "json":
        printout.out(text.to_json([item.__dict__ for item in items]))
        return printout
    if not items:
        printout.err("the outbox is empty: everything queued was delivered")
    for item in text.printable([item.__dict__ for item in items]):
        mine = "this clone" if item["queued_by"] in (None, clone_id) else f"clone {item['queued_by']}"
        queued = text.short_time(item["queued"]) if item["queued"] else "?"
        printout.out(f"{item['name']}  {item['state']:<9}  queued {queued} by {mine}, {item['attempts']} tries  "
                     f"to {item['to']}  {item['subject']}")  # fmt: skip
        if item["last_error"]:
            printout.out(f"    last error: {item['last_error']}")
    return printout


def retried(report: SendReport, foreign: list[Waiting]) -> Printout:
    printout = Printout()
    for item in foreign:
        if item.name in report.sent:
            printout.warn(f"{item.name} was queued by clone {item.queued_by}: run tix sync here and there "
                          "before that clone's next tix send, or it sends the mail again")  # fmt: skip
    return delivery(report, printout=printout)


def cancelled(items: list[Waiting], noted: list[str], foreign: list[Waiting]) -> Printout:
    printout = Printout()
    for item in items:
        printout.out(f"{item.name}: cancelled ({item.state}){f', noted on {item.ticket}' if item.ticket in noted else ''}")
    for item in foreign:
        printout.warn(f"{item.name} was queued by clone {item.queued_by}, which delivers it until it syncs: run tix sync now")
    return printout


def template_list(found: list[Template]) -> str:
    return "\n".join(f"{template.name:<16} {template.first_line}" for template in found)


def reminded(report: RemindReport, format: str, dry_run: bool, quiet: bool) -> Printout:
    printout = Printout()
    if format == "json":
        printout.out(text.to_json({"reminders": [r.__dict__ for r in report.reminders], "escalated": report.escalated,
                                   "undelivered": [w.__dict__ for w in report.undelivered], "recorded": report.recorded}))  # fmt: skip
        return printout
    if report.undelivered:  # even with --quiet: mail nobody receives is what cron must tell
        printout.warn(f"{count(len(report.undelivered), 'message')} in the outbox not delivered, the oldest "
                      f"queued {text.short_time(str(report.undelivered[0].queued))} (tix outbox; tix send)")  # fmt: skip
    if quiet:
        return printout
    for r in report.reminders:
        what = r.target.replace("_", " ")
        to = r.to or "nobody (no owner, queue owner or escalation owner; kept)"
        printout.out(f"{r.ticket}  {what} {'BREACHED' if r.level == 'breached' else 'due soon'} "
                     f"(due {text.short_time(r.due.isoformat())})  → {to}  {r.subject}")  # fmt: skip
    for ticket_id in report.escalated:
        printout.out(f"{ticket_id}  {'escalated' if report.recorded else 'would be escalated'}")
    if not report.reminders:
        printout.err("nothing due")
    elif not report.recorded:
        reason = "dry run" if dry_run else "what-if with TIX_NOW (--record to record)"
        printout.err(f"tix: {reason}: nothing recorded or sent")
    return printout
