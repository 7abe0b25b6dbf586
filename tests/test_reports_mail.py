"""Issue 13 #5: `tix report mail` for cron — the last week's report as plain text and HTML through
the outbox and a real SMTP server on 127.0.0.1, once per period and address."""

from __future__ import annotations

import email
import json
from datetime import datetime
from email import policy
from pathlib import Path

from conftest import Cli, Clock, git
from test_replies import smtp_server  # noqa: F401  (a fixture: a real aiosmtpd on 127.0.0.1)


def test_the_weekly_report_is_mailed_once_per_week(tix: Cli, clock: Clock, helpdesk: Path, smtp_server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    controller, recorder = smtp_server
    tix.ok("config", "set", "smtp.url", f"smtp://127.0.0.1:{controller.port}")
    tix.new("<b>Printer</b> on fire")  # Mon 23 Nov 09:00, week 48
    clock.set(datetime.fromisoformat("2026-11-24T10:00:00+01:00"))
    tix.new("Second one")
    clock.set(datetime.fromisoformat("2026-11-30T07:00:00+01:00"))  # Monday morning's cron: the report for week 48
    head = git(helpdesk, "rev-parse", "HEAD")
    dry = tix.ok("report", "mail", "--to", "Szefowa <boss@example.com>", "--dry-run")
    assert "would queue 'Helpdesk: report for 2026-W48' for Szefowa <boss@example.com>" in dry.out
    assert git(helpdesk, "rev-parse", "HEAD") == head and not (helpdesk / "outbox" / "queue").exists()
    queued = tix.ok("report", "mail", "--to", "Szefowa <boss@example.com>")
    assert "queued the report for Szefowa <boss@example.com>" in queued.out
    assert "Tix-Action: report" in git(helpdesk, "log", "-1", "--format=%B")
    tix.ok("send")
    [(_, recipients, raw)] = recorder.messages
    assert recipients == ["boss@example.com"]
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["Subject"] == "Helpdesk: report for 2026-W48" and message["Auto-Submitted"] == "auto-generated"
    plain = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Period 2026-11-23 00:00 UTC+01:00 → 2026-11-30 00:00 UTC+01:00" in plain and "Created 2 · Resolved 0" in plain
    assert '<b id="kpi-created">2</b>' in html and "&lt;b&gt;Printer&lt;/b&gt; on fire" in html
    # cron runs again on Tuesday: the same week, nothing mailed twice
    clock.set(datetime.fromisoformat("2026-12-01T07:00:00+01:00"))
    again = tix.ok("report", "mail", "--to", "boss@example.com")
    assert "went to boss@example.com already" in again.err
    tix.ok("send")
    assert len(recorder.messages) == 1
    # the next Monday: week 49's report
    clock.set(datetime.fromisoformat("2026-12-07T07:00:00+01:00"))
    tix.ok("report", "mail", "--to", "boss@example.com")
    tix.ok("send")
    assert len(recorder.messages) == 2
    assert email.message_from_bytes(recorder.messages[1][2], policy=policy.default)["Subject"] == "Helpdesk: report for 2026-W49"
    # a month, and bad input
    monthly = tix.ok("report", "mail", "--to", "boss@example.com", "--period", "month", "--dry-run")
    assert "report for 2026-11" in monthly.out
    bad = tix("report", "mail", "--to", "boss@example.com", "--period", "year")
    assert bad.code == 1 and "--period: unknown period 'year'" in bad.err
    assert json.loads(tix.ok("stats", "-f", "json", "--as-of", "2026-11-29T00:00:00+01:00").out)["created"] == 2
