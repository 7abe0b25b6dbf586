"""The HTML report (`tix report --html`): one self-contained file, no script, no network: the
charts are inline SVG drawn here, the style is inline, and every text from tickets (subjects,
names, categories) goes through `_e` (HTML escaping), so customer text is shown, never run."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING, Any

from tix import messages as msg
from tix.render.text import long_time

if TYPE_CHECKING:
    from tix.services.reports import Report

_STYLE = """
body{font-family:"DejaVu Sans","Noto Sans","Segoe UI",Arial,sans-serif;margin:24px;color:#1d2630;background:#fff;max-width:1100px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d8dee4;padding-bottom:4px}
.sub{color:#57606a;font-size:13px}.tiles{display:flex;flex-wrap:wrap;gap:10px;margin-top:16px}
.tile{border:1px solid #d8dee4;border-radius:6px;padding:10px 14px;min-width:140px}
.tile b{display:block;font-size:22px}.tile span{font-size:12px;color:#57606a}
table{border-collapse:collapse;font-size:13px}th,td{border-bottom:1px solid #eaeef2;padding:4px 10px;text-align:left}
td.n,th.n{text-align:right}th,td.n,#board td:nth-child(1),#board td:nth-child(5),#board td:nth-child(6){white-space:nowrap}
.sla-breached{background:#ffd8d3}.sla-near{background:#fff1c2}.sla-ok{background:#dcf5e3}
.sla-paused{background:#e8eaed}.charts{display:flex;flex-wrap:wrap;gap:24px}svg text{font-size:11px;fill:#1d2630}
footer{margin-top:32px;font-size:12px;color:#57606a}footer dt{font-weight:bold;margin-top:6px}footer dd{margin:0 0 0 12px}
"""
_CREATED, _RESOLVED, _FRT, _TARGET = "#4b7bec", "#20bf6b", "#8854d0", "#eb3b5a"


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _with_code(text: str) -> str:
    """`text` escaped, with its `command` spans (the catalogue's way of naming a command) set as <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", _e(text))


def _time(seconds: int | None, tz: Any) -> str:
    if seconds is None:
        return "—"
    return datetime.fromtimestamp(seconds, UTC).astimezone(tz).strftime("%Y-%m-%d %H:%M")


def bar_chart(labels: list[str], series: list[tuple[str, str, list[float | None]]], title: str, line: float | None = None,
              line_label: str = "", fmt: Any = None) -> str:  # fmt: skip
    """Grouped vertical bars, one group per label, each value written above its bar; an optional
    dashed horizontal line (a target)."""
    fmt = fmt or (lambda v: f"{v:g}")
    width, height, left, bottom, top = max(420, 80 * len(labels) + 60), 240, 40, 40, 24  # 80: room for "45 h 07 min"
    values = [v for _, _, vs in series for v in vs if v is not None] + ([line] if line else [])
    peak = max(values, default=0) or 1
    plot_h = height - bottom - top
    group_w = (width - left - 10) / max(len(labels), 1)
    bar_w = max(min(group_w / (len(series) + 1), 28), 4)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="{_e(title)}">',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - 5}" y2="{height - bottom}" stroke="#8c959f"/>']
    for i, label in enumerate(labels):
        x0 = left + i * group_w + (group_w - bar_w * len(series)) / 2
        for j, (name, colour, vs) in enumerate(series):
            value = vs[i]
            if value is None:
                continue
            h = plot_h * value / peak
            x, y = x0 + j * bar_w, height - bottom - h
            parts.append(f'<rect class="bar" data-series="{_e(name)}" data-key="{_e(label)}" x="{x:.1f}" y="{y:.1f}" '
                         f'width="{bar_w - 2:.1f}" height="{h:.1f}" fill="{colour}"><title>{_e(name)} {_e(label)}: {_e(fmt(value))}</title></rect>')
            parts.append(f'<text x="{x + (bar_w - 2) / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle">{_e(fmt(value))}</text>')
        parts.append(f'<text x="{left + i * group_w + group_w / 2:.1f}" y="{height - bottom + 14}" text-anchor="middle">{_e(label)}</text>')
    if line:
        y = height - bottom - plot_h * line / peak
        parts.append(f'<line class="target" x1="{left}" y1="{y:.1f}" x2="{width - 5}" y2="{y:.1f}" stroke="{_TARGET}" stroke-dasharray="5,4"/>')
    legend_x = left
    for name, colour, _ in series:
        parts.append(f'<rect x="{legend_x}" y="{height - 16}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{legend_x + 14}" y="{height - 7}">{_e(name)}</text>')
        legend_x += 14 + 7 * len(name) + 16
    if line:  # named in the legend, not on the plot, where it would cover a bar's figure
        parts.append(f'<line x1="{legend_x}" y1="{height - 11}" x2="{legend_x + 18}" y2="{height - 11}" stroke="{_TARGET}" stroke-dasharray="5,4"/>'
                     f'<text x="{legend_x + 22}" y="{height - 7}" fill="{_TARGET}">{_e(line_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def hbar_chart(rows: list[tuple[str, int]], title: str, colour: str = _CREATED) -> str:
    width, row_h, left = 420, 26, 80
    height = row_h * len(rows) + 10
    peak = max((v for _, v in rows), default=0) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="{_e(title)}">']
    for i, (label, value) in enumerate(rows):
        y = 5 + i * row_h
        w = (width - left - 50) * value / peak
        parts.append(f'<text x="{left - 6}" y="{y + 16}" text-anchor="end">{_e(label)}</text>'
                     f'<rect class="bar" data-key="{_e(label)}" x="{left}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{colour}"/>'
                     f'<text x="{left + w + 5:.1f}" y="{y + 16}">{value:,}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _table(header: list[str], rows: list[list[str]], numeric: set[int], row_classes: list[str] | None = None, table_id: str = "") -> str:
    head = "".join(f'<th class="n">{_e(h)}</th>' if i in numeric else f"<th>{_e(h)}</th>" for i, h in enumerate(header))
    body = []
    for r, row in enumerate(rows):
        cls = f' class="{row_classes[r]}"' if row_classes else ""
        cells = "".join(f'<td class="n">{cell}</td>' if i in numeric else f"<td>{cell}</td>" for i, cell in enumerate(row))
        body.append(f"<tr{cls}>{cells}</tr>")
    ident = f' id="{table_id}"' if table_id else ""
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


BOARD_ROWS = 50  # the board lists the most urgent open tickets; `tix list` has them all
SLA_ORDER = ("breached", "near", "ok", "paused", "none")


def most_urgent(board: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """Breached first (the longest overdue first), then due soon, in time (the nearest due first),
    paused, and without a target (the oldest first)."""
    rank = {state: n for n, state in enumerate(SLA_ORDER)}
    return sorted(board, key=lambda r: (rank[r["sla"]], r["due"] if r["due"] is not None else r["created"], r["id"]))[:limit]


def _tile(ident: str, value: str, label: str) -> str:
    return f'<div class="tile"><b id="{ident}">{_e(value)}</b><span>{_e(label)}</span></div>'


def report_html(report: Report, tz: Any) -> str:
    stats = report.stats
    f = stats.figures
    backlog = f["backlog"]
    period = stats.period
    h = msg.REPORT_HTML
    tiles = "".join([
        _tile("kpi-created", f"{f['created']:,}", h["created"]), _tile("kpi-resolved", f"{f['resolved']:,}", h["resolved"]),
        _tile("kpi-backlog-us", f"{backlog['waiting_on_us']:,}", h["waiting_on_us"]),
        _tile("kpi-backlog-customer", f"{backlog['waiting_on_customer']:,}", h["waiting_on_customer"]),
        _tile("kpi-frt-median", msg.stats_minutes(f["first_response"]["median_business_minutes"]), h["frt_median"]),
        _tile("kpi-frt-waiting", f"{f['first_response']['waiting']:,}", h["frt_waiting"]),
        _tile("kpi-sla-fr", msg.stats_pct(f["sla"]["first_response"]["met_pct"]), h["sla_fr"]),
        _tile("kpi-sla-res", msg.stats_pct(f["sla"]["resolution"]["met_pct"]), h["sla_res"]),
        _tile("kpi-reopen", msg.stats_pct(f["reopen_rate"]), h["reopen"]),
        _tile("kpi-one-touch", msg.stats_pct(f["one_touch_rate"]), h["one_touch"]),
        _tile("kpi-recontact", msg.stats_pct(f["recontact_rate"]), h["recontact"]),
    ])  # fmt: skip
    # the board: open tickets by status and owner, then each with its SLA state
    statuses = sorted({str(r["status"]) for r in report.board})
    owners = sorted({str(r["owner"] or "-") for r in report.board})
    cells = Counter((str(r["owner"] or "-"), str(r["status"])) for r in report.board)
    matrix = [[_e(o)] + [str(cells[o, s]) for s in statuses] for o in owners]
    nothing = f"<p>{_e(h['none'])}</p>"
    board_matrix = _table([h["owner"], *statuses], matrix, set(range(1, len(statuses) + 1)), table_id="board-matrix") if report.board else nothing
    shown = most_urgent(report.board, BOARD_ROWS)
    board_rows = [[_e(r["id"]), _e(r["subject"]), _e(r["status"]), _e(r["owner"] or "-"), _e(h["target_" + r["target"]]),
                   _e(_time(r["due"], tz)), _e(h["sla_" + r["sla"]])] for r in shown]  # fmt: skip
    board_list = _table([h["id"], h["subject"], h["status"], h["owner"], h["target"], h["due"], h["sla"]], board_rows, set(),
                        [f"sla-{r['sla']}" for r in shown], "board") if report.board else ""  # fmt: skip
    states = {state: sum(1 for r in report.board if r["sla"] == state) for state in SLA_ORDER}
    board_states = " · ".join(f'<span class="sla-{state}">{_e(h["sla_" + state])} {count:,}</span>' for state, count in states.items() if count)
    if report.board:
        shown_note = _with_code(msg.report_board_shown(len(shown), len(report.board)))
        board_list = f'<p id="board-states">{board_states}</p><p class="sub">{shown_note}</p>' + board_list
    labels = [w["key"] for w in report.weeks]
    flow = bar_chart(labels, [(h["created"], _CREATED, [w["created"] for w in report.weeks]),
                              (h["resolved"], _RESOLVED, [w["resolved"] for w in report.weeks])], h["chart_flow"])  # fmt: skip
    # a wall-clock target ("24h wall") is met or missed in calendar time: the medians drawn against it are too
    frt_key, frt_name, frt_title = (("frt_median_calendar", h["frt_median_calendar"], h["chart_frt_calendar"]) if report.target_wall
                                    else ("frt_median", h["frt_median"], h["chart_frt"]))  # fmt: skip
    frt = bar_chart(labels, [(frt_name, _FRT, [w[frt_key] for w in report.weeks])], frt_title,
                    line=report.target_minutes, line_label=h["target_line"] + " " + msg.stats_minutes(report.target_minutes),
                    fmt=msg.stats_minutes)  # fmt: skip
    ages = hbar_chart([(h["age_" + k], v) for k, v in backlog["age_buckets"].items()], h["chart_ages"], "#fa8231")
    agents = _table([h["agent"], h["open"], h["replies"], h["resolved"], h["frt_median"]],
                    [[_e(a["agent"]), f"{a['open']:,}", f"{a['replies']:,}", f"{a['resolved']:,}",
                      _e(msg.stats_minutes(a["first_response_median_business_minutes"]))] for a in report.agents],
                    {1, 2, 3, 4}, table_id="agents") if report.agents else nothing  # fmt: skip
    trend_rows = [[_e(t["category"]), f"{t['previous']:,}", f"{t['current']:,}", f"{t['change']:+,}",
                   _e(msg.stats_pct(t["growth"])), _e(h["yes"] if t["eligible"] else h["no"])] for t in report.trend]  # fmt: skip
    trend = _table([h["category"], h["previous"] + " " + report.trend_periods[0], h["current"] + " " + report.trend_periods[1],
                    h["change"], h["growth"], h["eligible"]], trend_rows, {1, 2, 3, 4}, table_id="trend") if report.trend else nothing  # fmt: skip
    growing = [t for t in report.trend if t["eligible"] and (t["growth"] or 0) > 0]
    fastest = f"<p id=\"fastest\">{_e(h['fastest'])}: {_e(growing[0]['category'])} ({_e(msg.stats_pct(growing[0]['growth']))})</p>" if growing else ""
    definitions = "".join(f"<dt>{_e(name)}</dt><dd>{_with_code(text)}</dd>" for name, text in msg.KPI_DEFINITIONS)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>{_e(report.helpdesk)} — {_e(h['title'])}</title><style>{_STYLE}</style></head><body>
<h1>{_e(report.helpdesk)} — {_e(h['title'])}</h1>
<div class="sub" id="period">{_e(msg.stats_period(*(long_time(period[key], tz) for key in ('since', 'until', 'as_of'))))}</div>
<div class="tiles">{tiles}</div>
<h2>{_e(h['board'])}</h2>{board_matrix}<p></p>{board_list}
<h2>{_e(h['charts'])}</h2><div class="charts"><div><h3>{_e(h['chart_flow'])}</h3>{flow}</div>
<div><h3>{_e(frt_title)}</h3>{frt}</div><div><h3>{_e(h['chart_ages'])}</h3>{ages}</div></div>
<h2>{_e(h['agents'])}</h2>{agents}
<h2>{_e(h['trend'])}</h2>{fastest}{trend}
<footer><p>{_e(h['generated'])} {_e(report.generated)} · {_e(h['commit'])} {_e(report.commit or '-')}</p>
<dl id="definitions">{definitions}</dl></footer>
</body></html>
"""
