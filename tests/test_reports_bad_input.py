"""Issue 13, "Bad input": every mistake a manager can type is one clear line on stderr (exit 1, or
2 for typer's usage errors), never a traceback; an empty helpdesk or a period with no tickets is
a report of zeros and `null` ratios (never a division by zero), in every format and in the HTML
report. tests/test_reports_day.py has the first few cases; these are the rest."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import pytest
from conftest import Cli, Clock

RATIOS = ("reopen_rate", "recontact_rate", "one_touch_rate")


@pytest.mark.parametrize(("args", "text"), [
    (("stats", "--by", "colour"), "--by: unknown key 'colour' (one of: owner, category, queue, channel, priority, customer, article, week, month)"),
    (("stats", "--by", "Owner"), "--by: unknown key 'Owner'"),
    (("stats", "--since", "2026-12-01", "--until", "2026-11-01"), "--since (2026-12-01T00:00:00+01:00) must come before --until"),
    (("stats", "--since", "2d", "--until", "7d"), "must come before --until"),
    (("stats", "--since", "0d"), "must come before --until"),
    (("stats", "--since", "2026-02-30"), "--since: not a time: '2026-02-30' (use 7d, 4w, 12h, an ISO date"),
    (("stats", "--until", "next friday"), "--until: not a time: 'next friday'"),
    (("stats", "--since", "-5d"), "--since: not a time: '-5d'"),
    (("stats", "--since", "2026-11-01T25:00"), "--since: not a time"),
    (("stats", "--since", "99999999d"), "--since: '99999999d' is out of range (the period must fall within the years 1 to 9999)"),
    (("stats", "--until", "9999-12-31"), "--until: '9999-12-31' is out of range"),  # its end is year 10000
    (("stats", "--as-of", "0001-01-01"), "--as-of: '0001-01-01' is out of range"),  # 30 days before it is year 0
    (("stats", "--since", "0001-01-01T00:00:00+14:00"), "--since: '0001-01-01T00:00:00+14:00' is out of range"),  # in Warsaw: year 0
    (("stats", "--reopen-window", "-1"), "--reopen-window: a number of days, 0 or more"),
    (("stats", "--recontact-days", "-3"), "--recontact-days: a number of days, 0 or more"),
    (("report", "--html", "r.html", "--since", "4w", "--until", "8w"), "must come before --until"),
    (("report", "--html", "r.html", "--since", "soon"), "--since: not a time: 'soon'"),
    (("report",), "tix report: say where to write it: --html FILE"),
    (("report", "mail", "--to", "boss@example.com", "--period", "year"), "--period: unknown period 'year' (one of: week, month)"),
])  # fmt: skip
def test_a_bad_option_is_one_line(tix: Cli, args: tuple[str, ...], text: str) -> None:
    tix.new()
    result = tix(*args)
    assert result.code == 1, (args, result)
    assert text in result.err and len(result.err.strip().splitlines()) == 1, (args, result.err)
    assert "Traceback" not in result.err and result.out == ""


def test_a_bad_format_is_a_usage_error(tix: Cli) -> None:
    result = tix("stats", "--format", "xml")
    assert result.code == 2 and "'xml' is not one of" in result.err and "Traceback" not in result.err


def zeros(data: dict) -> None:
    """The figures of a period where nothing happened."""
    assert (data["created"], data["resolved"]) == (0, 0)
    for name in ("first_response", "resolution", "final_resolution"):
        assert data[name] == {"count": 0, "waiting": 0, "median_business_minutes": None, "p90_business_minutes": None,
                              "median_calendar_minutes": None, "mean_business_minutes": None}, name  # fmt: skip
    for target in ("first_response", "resolution"):
        assert data["sla"][target] == {"met": 0, "breached": 0, "pending": 0, "met_pct": None}
    assert all(data[name] is None for name in RATIOS)


def test_a_period_with_no_tickets_gives_zeros_and_nulls(tix: Cli, clock: Clock, tmp_path: Path) -> None:
    tix.ok("config", "set", "sla.normal.first_response", "1h")
    first = tix.new()
    tix.new("Second", "-o", "anna@example.com")
    tix.ok("close", first)
    clock.set(datetime.fromisoformat("2026-11-30T12:00:00+01:00"))
    before = ("--since", "2026-01-01", "--until", "2026-01-31")  # long before the helpdesk began
    data = json.loads(tix.ok("stats", *before, "-f", "json").out)
    zeros(data)
    assert data["backlog"] == {"open": 0, "waiting_on_us": 0, "waiting_on_customer": 0,
                               "age_buckets": {"lt_1d": 0, "1_3d": 0, "3_7d": 0, "7_30d": 0, "gt_30d": 0}}  # fmt: skip
    assert json.loads(tix.ok("stats", *before, "--by", "owner", "-f", "json").out)["groups"] == []
    weeks = json.loads(tix.ok("stats", *before, "--by", "week", "-f", "json").out)["groups"]
    assert [w["key"] for w in weeks] == ["2026-W01", "2026-W02", "2026-W03", "2026-W04", "2026-W05"]
    for week in weeks:
        zeros(week)
    rows = list(csv.DictReader(io.StringIO(tix.ok("stats", *before, "--by", "week", "-f", "csv").out)))
    assert [r["key"] for r in rows] == [w["key"] for w in weeks] + ["total"]
    assert all(r["reopen_rate"] == "" and r["first_response.median_business_minutes"] == "" and r["created"] == "0" for r in rows)
    table = tix.ok("stats", *before).out
    assert "Created 0 · Resolved 0" in table and "Reopen rate — · Re-contact rate — · One-touch —" in table
    # a later period with tickets but no events in it: the backlog is carried, the flow is zero
    later = json.loads(tix.ok("stats", "--since", "2026-11-28", "-f", "json").out)
    assert (later["created"], later["resolved"], later["backlog"]["open"]) == (0, 0, 1)
    assert all(later[name] is None for name in RATIOS) and later["first_response"]["median_business_minutes"] is None

    page = tmp_path / "empty-period.html"
    result = tix.ok("report", "--html", str(page), *before)
    assert f"wrote {page}" in result.err
    html = page.read_text(encoding="utf-8")
    assert '<b id="kpi-created">0</b>' in html and '<b id="kpi-frt-median">—</b>' in html and '<b id="kpi-reopen">—</b>' in html
    assert "nothing to show" in html and 'id="definitions"' in html


def test_an_empty_helpdesk_reports_and_mails_zeros(tix: Cli, tmp_path: Path) -> None:
    zeros(json.loads(tix.ok("stats", "-f", "json", "--by", "week").out))
    for by in ("owner", "category", "queue", "channel", "priority", "customer", "month"):
        data = json.loads(tix.ok("stats", "-f", "json", "--by", by).out)
        assert data["groups"] == [] or all(g["created"] == 0 for g in data["groups"]), by
    page = tmp_path / "empty.html"
    tix.ok("report", "--html", str(page))
    html = page.read_text(encoding="utf-8")
    assert '<b id="kpi-created">0</b>' in html and "nothing to show" in html
    assert "would queue" in tix.ok("report", "mail", "--to", "boss@example.com", "--dry-run").out
