"""What `tix stats` prints: a table for people, JSON (the contract of docs/REPORTS.md) and CSV
(one row per group, the JSON names flattened with dots)."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

from tix import messages as msg
from tix.render.printout import Printout
from tix.render.text import long_time, to_json, wrap

if TYPE_CHECKING:
    from tix.services.reports import Stats

DURATIONS = ("first_response", "resolution", "final_resolution")


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(round(value, 6))
    return str(value)


def as_csv(stats: Stats) -> str:
    period = {f"period.{k}": v for k, v in stats.period.items()}
    rows = [{"key": g["key"], **period, **flatten({k: v for k, v in g.items() if k != "key"})} for g in stats.groups or []]
    rows.append({"key": msg.STATS_TOTAL, **period, **flatten(stats.figures)})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = list(rows[-1])
    header += [name for name in (rows[0] if len(rows) > 1 else {}) if name not in header]  # --by article's own two
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_value(row.get(name)) for name in header])
    return out.getvalue().rstrip("\n")


def _text(figures: dict[str, Any]) -> list[str]:
    backlog = figures["backlog"]
    lines = [
        msg.stats_flow(figures["created"], figures["resolved"]),
        msg.stats_backlog(backlog["open"], backlog["waiting_on_us"], backlog["waiting_on_customer"]),
        msg.stats_age_buckets(backlog["age_buckets"]),
    ]
    lines += [msg.stats_duration(msg.STATS_DURATION_LABELS[name], figures[name]) for name in DURATIONS]
    lines += [msg.stats_sla(target, figures["sla"][target]) for target in ("first_response", "resolution")]
    lines.append(msg.stats_rates(figures["reopen_rate"], figures["recontact_rate"], figures["one_touch_rate"]))
    if "csat" in figures:
        c = figures["csat"]
        lines.append(msg.stats_csat(c["rated"], c["asked"], c["good"], c["okay"], c["bad"], c["good_pct"]))
    return lines


def _group_row(key: str, f: dict[str, Any]) -> list[str]:
    return [key, f"{f['created']:,}", f"{f['resolved']:,}", f"{f['backlog']['open']:,}",
            msg.stats_minutes(f["first_response"]["median_business_minutes"]), f"{f['first_response']['waiting']:,}",
            msg.stats_minutes(f["resolution"]["median_business_minutes"]), msg.stats_pct(f["sla"]["first_response"]["met_pct"]),
            msg.stats_pct(f["sla"]["resolution"]["met_pct"]), msg.stats_pct(f["reopen_rate"]), msg.stats_pct(f["one_touch_rate"])]  # fmt: skip


def _columns(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]


def _groups(rows: list[list[str]], width: int | None) -> list[str]:
    """The --by table; where it is wider than the terminal, one block per group instead: its key,
    then each figure after its column's name."""
    lines = _columns(rows)
    if width is None or max(len(line) for line in lines) <= width:
        return lines
    header, blocks = rows[0], []
    for row in rows[1:]:
        blocks.append(row[0])
        blocks += wrap(["  " + " · ".join(f"{name} {cell}" for name, cell in zip(header[1:], row[1:], strict=False) if cell)], width)
    return blocks


def stats_printout(stats: Stats, fmt: str, width: int | None = None) -> Printout:
    """`width`: the terminal's columns, which the text must fit (None: any)."""
    printout = Printout()
    for path in stats.broken:
        printout.warn(msg.stats_broken(path))
    if fmt == "json":
        printout.out(to_json(stats.as_json()))  # the one JSON style (docs/CLI.md)
    elif fmt == "csv":
        printout.out(as_csv(stats))
    else:
        period = msg.stats_period(*(long_time(stats.period[key]) for key in ("since", "until", "as_of")))
        for line in wrap([period, *_text(stats.figures)], width):
            printout.out(line)
        if stats.groups is not None:
            rows = [list(msg.STATS_GROUP_HEADER)] + [_group_row(str(g["key"]), g) for g in stats.groups]
            rows.append(_group_row(msg.STATS_TOTAL, stats.figures))
            if stats.by == "article":  # the tickets answered with each article, and those reopened after it
                rows[0] += msg.STATS_ARTICLE_HEADER
                for row, group in zip(rows[1:], stats.groups, strict=False):
                    row += [f"{group['answered_with']:,}", f"{group['reopened_after']:,}"]
                rows[-1] += ["", ""]
            printout.out("")
            for line in _groups(rows, width):
                printout.out(line)
    return printout


def stats_text(stats: Stats) -> str:
    """The table form as one text (the plain part of the mailed report)."""
    return "\n".join(text for text, err, _ in stats_printout(stats, "table").lines if not err)


def mailed_printout(mailed: Any) -> Printout:
    printout = Printout()
    if mailed.already:
        printout.err(msg.report_mail_already(mailed.name, mailed.to))
    elif mailed.dry_run:
        printout.out(msg.report_mail_dry_run(mailed.subject, mailed.to, mailed.size))
    else:
        printout.out(msg.report_mail_queued(mailed.name, mailed.to, mailed.size))
    return printout


def explain_printout() -> Printout:
    printout = Printout()
    printout.out(msg.kpi_explain())
    return printout
