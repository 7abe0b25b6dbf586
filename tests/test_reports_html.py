"""Issue 13 #4: the HTML report is one self-contained file, rendered here in a real headless
Chromium: the figures are in its DOM, customer text is shown as text (a `<script>` subject never
runs), Polish and Russian come through, and a screenshot is taken (look at it: TIX_REPORT_PNG=path
keeps a copy)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from conftest import Cli, Clock

SCRIPT_SUBJECT = "<script>alert(1)</script>"
IMG_SUBJECT = "<img src=x onerror=\"document.title='PWNED'\">"
POLISH = "Zażółć gęślą jaźń: faktura"
RUSSIAN = "Проблема с оплатой счёта"


def chromium() -> str:
    for name in ("chromium", "chromium-headless-shell", "/usr/lib/chromium/chromium-headless-shell"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is not installed, but CI=true (.ci/run installs it)")
    pytest.skip("chromium is not installed (apt-get install chromium)")


def browse(binary: str, page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
               "--window-size=1200,2200", *args, page.as_uri()]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_the_html_report_in_a_real_browser(tix: Cli, clock: Clock, tmp_path: Path) -> None:
    binary = chromium()
    tix.ok("config", "set", "sla.normal.first_response", "1h")
    # Mon 23 Nov 09:00: five tickets; two answered, one closed
    a = tix.new(SCRIPT_SUBJECT, "-c", "billing")
    b = tix.ok("new", POLISH, "--from", "Zofia <zofia@example.pl>", "-c", "billing", "-o", "anna@example.com").out.strip()
    c = tix.ok("new", RUSSIAN, "--from", "Иван Петров <ivan@example.ru>", "-c", "technical").out.strip()
    tix.new(IMG_SUBJECT)
    done = tix.new("Password reset")
    clock.set(datetime.fromisoformat("2026-11-23T09:30:00+01:00"))
    tix.ok("--as", "Anna Nowak <anna@example.com>", "reply", b, "-m", "Dziękujemy")  # 30 business minutes
    clock.set(datetime.fromisoformat("2026-11-23T10:30:00+01:00"))
    tix.ok("--as", "Anna Nowak <anna@example.com>", "reply", c, "-m", "Спасибо")  # 90 business minutes
    tix.ok("close", done)  # closed without a reply: resolved, and still waiting for a first response
    clock.set(datetime.fromisoformat("2026-11-24T12:00:00+01:00"))
    figures = json.loads(tix.ok("stats", "-f", "json").out)
    assert (figures["created"], figures["resolved"], figures["first_response"]["median_business_minutes"]) == (5, 1, 60.0)

    page = tmp_path / "report.html"
    tix.ok("report", "--html", str(page))
    source = page.read_text(encoding="utf-8")
    assert len(source.encode()) < 100_000  # small enough to mail
    assert "<script" not in source.lower() and "&lt;script&gt;alert(1)&lt;/script&gt;" in source
    # nothing is loaded from anywhere: no src/href at all, and the only URL is the SVG namespace
    assert not re.search(r"\b(src|href)\s*=", source.replace("&quot;", '"').split("<body>", 1)[1].replace("src=x", ""))
    assert set(re.findall(r"https?://[^\s\"'<>]+", source)) == {"http://www.w3.org/2000/svg"}

    dom = browse(binary, page, tmp_path / "profile", "--dump-dom")
    assert dom.returncode == 0, dom.stderr
    html = dom.stdout
    assert '<b id="kpi-created">5</b>' in html and '<b id="kpi-resolved">1</b>' in html
    assert '<b id="kpi-frt-median">1 h 00 min</b>' in html  # median of 30 and 90
    assert '<b id="kpi-frt-waiting">3</b>' in html  # a, the img one and the closed one: never answered
    assert '<b id="kpi-backlog-us">2</b>' in html and '<b id="kpi-backlog-customer">2</b>' in html  # b and c: pending after the reply
    # the customer's markup is text: no script element, no image, the title untouched
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html.lower()
    assert "&lt;img src=x" in html and "<img" not in html.lower()
    assert "PWNED" not in re.search(r"<title>(.*?)</title>", html, re.S).group(1)  # type: ignore[union-attr]
    assert POLISH in html and RUSSIAN in html and "Иван" not in html  # subjects yes; requester names are not shown
    assert html.count('class="bar" data-series="created"') >= 1 and 'class="target"' in html  # the charts and the target line
    assert f"<td>{a}</td>" in html and 'class="sla-breached"' in html  # a: due 10:00 Monday, unanswered
    assert "first_response" in html and "recontact_rate" in html  # the definitions footer

    shot = tmp_path / "report.png"
    taken = browse(binary, page, tmp_path / "profile", f"--screenshot={shot}")
    assert taken.returncode == 0 and shot.stat().st_size > 20_000, taken.stderr
    if os.environ.get("TIX_REPORT_PNG"):
        shutil.copy(shot, os.environ["TIX_REPORT_PNG"])


def test_the_report_of_a_year_of_a_large_helpdesk_in_a_real_browser(tix: Cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """400 tickets with a year of history (bench/large_helpdesk.py: Polish, Russian, English), as of
    mid-September: the board lists the 50 most urgent of hundreds, every chart has its bars, and
    "no category" is never the fastest growing one."""
    import importlib.util
    import sys

    binary = chromium()
    spec = importlib.util.spec_from_file_location("large_helpdesk", Path(__file__).resolve().parents[1] / "bench" / "large_helpdesk.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    root = tmp_path / "large"
    module.build_large_helpdesk(root, 400, 4, dict(os.environ))
    tix.ok("config", "set", "categories", "[]", cwd=root)
    monkeypatch.setenv("TIX_NOW", "2025-11-20T10:00:00+00:00")
    script = tix.ok("new", SCRIPT_SUBJECT, "--from", "Mallory <m@example.com>", "-c", "reklamacje", cwd=root).out.strip()
    monkeypatch.setenv("TIX_NOW", "2026-09-15T12:00:00+00:00")
    tix.ok("new", POLISH, "--from", "Zofia <zofia@example.pl>", "-c", "faktury", cwd=root)
    page = tmp_path / "large.html"
    tix.ok("report", "--html", str(page), cwd=root)
    assert len(page.read_bytes()) < 100_000
    html = browse(binary, page, tmp_path / "profile", "--dump-dom").stdout
    board = re.search(r'<table id="board">.*?</table>', html, re.S).group(0)  # type: ignore[union-attr]
    opened = int(re.search(r"the 50 most urgent of ([\d,]+) open tickets", html).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert board.count("<tr") == 51 and opened > 100  # a header and 50 rows
    assert "(<code>tix list</code> shows them all)" in html and "`" not in html  # a command, not a literal backtick
    assert f"<td>{script}</td><td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in board  # breached since November: listed
    assert "<script" not in html.lower() and POLISH not in board  # Zofia's is new and in time: not among the 50
    assert 'id="board-states"' in html and "breached" in html
    weeks = re.findall(r'data-series="created" data-key="(2026-W\d\d)"', html)
    assert len(weeks) == 9 and len(re.findall(r'data-series="median first response \(calendar\)"', html)) >= 7
    assert "against the wall-clock target" in html  # normal's first response: 24h wall, so calendar medians
    fastest = re.search(r'<p id="fastest">Fastest growing: (.*?) \(', html)
    assert fastest is None or fastest.group(1) != "-"
    shot = tmp_path / "large.png"
    taken = browse(binary, page, tmp_path / "profile", f"--screenshot={shot}")
    assert taken.returncode == 0 and shot.stat().st_size > 50_000, taken.stderr
    if os.environ.get("TIX_REPORT_PNG"):
        shutil.copy(shot, os.environ["TIX_REPORT_PNG"].replace(".png", "-large.png"))
