"""Issue 13: a scripted few days at a helpdesk, every figure of `tix stats` checked against values
worked out by hand (the arithmetic is in the comments). Calendar: Europe/Warsaw, Mon–Fri
09:00–17:00; SLA for `normal`: first response 1h, resolution 16h (business hours).

  D  Fri 27 Nov 09:00 mail from maria; Anna replies 09:20 (→ pending), closes 09:30;
     reopened Mon 09:05; Anna replies 09:40 (→ pending), closes 09:50.
  C  Fri 10:00 mail from piotr; Bob replies 10:30 (→ pending) and the customer never answers: paused.
  A  Fri 16:50 mail from jan (auto-acknowledged); Anna replies Mon 09:10 (→ pending), closes 10:00.
  B  Sat 28 Nov 11:00 mail from eva: only the auto-acknowledgement answers it.
  E  Mon 30 Nov 10:30 mail from jan again: a re-contact of A (resolved 10:00), not answered yet.

The report runs on Mon 30 Nov 12:00 (TIX_NOW) for the period Mon 23 Nov – Sun 6 Dec.
"""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path

from conftest import Cli, Clock, git, make_eml

ANNA = "Anna Nowak <anna@example.com>"
BOB = "Bob Builder <bob@example.com>"
PERIOD = ("--since", "2026-11-23", "--until", "2026-12-06")  # until the end of Sunday 6 Dec


def at(text: str) -> datetime:
    return datetime.fromisoformat(f"2026-{text}:00+01:00")


def mail(tix: Cli, clock: Clock, tmp_path: Path, when: str, sender: str, subject: str, key: str) -> str:
    """A message our MX received at `when` (its Received: header), imported a minute later."""
    moment = at(when)
    received = f"from mx.example.com by support.example.com; {moment.strftime('%a, %d %b %Y %H:%M:%S +0100')}"
    path = tmp_path / f"{key}.eml"
    path.write_bytes(make_eml(subject=subject, sender=sender, message_id=f"<{key}@example.org>", headers={"Received": received},
                              date="Thu, 01 Jan 2026 00:00:00 +0100"))  # a sender's Date: far in the past is never used
    clock.set(moment.replace(minute=moment.minute + 1))
    tix.ok("import", str(path))
    found = json.loads(tix.ok("list", "-f", "json", "--all").out)
    return str(next(t["id"] for t in found if t["subject"] == subject))


def stats(tix: Cli, *args: str, cwd: Path | None = None) -> dict:
    return json.loads(tix.ok("stats", *PERIOD, "-f", "json", *args, cwd=cwd).out)


def durations(count: int, waiting: int, median: float | None, p90: float | None, median_cal: float | None, mean: float | None) -> dict:
    return {"count": count, "waiting": waiting, "median_business_minutes": median, "p90_business_minutes": p90,
            "median_calendar_minutes": median_cal, "mean_business_minutes": mean}


def scripted_week(tix: Cli, clock: Clock, tmp_path: Path) -> tuple[dict[str, str], dict]:
    tix.ok("config", "set", "autoack.enabled", "true")
    tix.ok("config", "set", "sla.normal.first_response", "1h")
    tix.ok("config", "set", "sla.normal.resolution", "16h")
    ids = {}
    ids["D"] = mail(tix, clock, tmp_path, "11-27T09:00", "Maria <maria@example.com>", "Cannot log in", "d1")
    tix.ok("assign", ids["D"], "anna@example.com")
    clock.set(at("11-27T09:20"))
    tix.ok("--as", ANNA, "reply", ids["D"], "-m", "Reset it for you.")
    clock.set(at("11-27T09:30"))
    tix.ok("--as", ANNA, "close", ids["D"])
    ids["C"] = mail(tix, clock, tmp_path, "11-27T10:00", "Piotr <piotr@example.pl>", "VPN drops", "c1")
    tix.ok("assign", ids["C"], "bob@example.com")
    clock.set(at("11-27T10:30"))
    tix.ok("--as", BOB, "reply", ids["C"], "-m", "Which client version?")
    ids["A"] = mail(tix, clock, tmp_path, "11-27T16:50", "Jan Kowalski <jan@example.pl>", "Printer on fire", "a1")
    tix.ok("assign", ids["A"], "anna@example.com")
    ids["B"] = mail(tix, clock, tmp_path, "11-28T11:00", "Eva <eva@example.com>", "Invoice copy", "b1")
    clock.set(at("11-29T12:00"))  # Sunday noon: what the figures were then
    sunday = stats(tix, "--as-of", "2026-11-29T12:00:00+01:00")
    clock.set(at("11-30T09:05"))
    tix.ok("--as", ANNA, "reopen", ids["D"])
    clock.set(at("11-30T09:10"))
    tix.ok("--as", ANNA, "reply", ids["A"], "-m", "A technician is on the way.")
    clock.set(at("11-30T09:40"))
    tix.ok("--as", ANNA, "reply", ids["D"], "-m", "Try again now.")
    clock.set(at("11-30T09:50"))
    tix.ok("--as", ANNA, "close", ids["D"])
    clock.set(at("11-30T10:00"))
    tix.ok("--as", ANNA, "close", ids["A"])
    ids["E"] = mail(tix, clock, tmp_path, "11-30T10:30", "Jan Kowalski <jan@example.pl>", "Printer again", "e1")
    clock.set(at("11-30T12:00"))
    return ids, sunday


# Monday 12:00, the whole period.
EXPECTED = {
    "period": {"since": "2026-11-23T00:00:00+01:00", "until": "2026-12-07T00:00:00+01:00", "as_of": "2026-11-30T12:00:00+01:00"},
    "created": 5,  # A B C D E
    "resolved": 2,  # A (Mon 10:00) and D (Fri 09:30, Mon 09:50): once each
    "backlog": {
        "open": 3, "waiting_on_us": 2, "waiting_on_customer": 1,  # B and E are new; C is pending
        # ages at Mon 12:00: E 1 h 30 (< 1 d), B Sat 11:00 → 2 d 1 h (1–3 d), C Fri 10:00 → 3 d 2 h (3–7 d)
        "age_buckets": {"lt_1d": 1, "1_3d": 1, "3_7d": 1, "7_30d": 0, "gt_30d": 0},
    },
    # A: Fri 16:50–17:00 (10) + Mon 09:00–09:10 (10) = 20 business min; calendar Fri 16:50 → Mon 09:10 = 64 h 20 = 3860
    # C: 10:00 → 10:30 = 30 (30); D: 09:00 → 09:20 = 20 (20). B and E have no human reply (B's auto-ack does not count).
    # business [20, 20, 30]: median 20, p90 rank ceil(2.7) = 3 → 30, mean 70 / 3 = 23.3; calendar [20, 30, 3860]: median 30
    "first_response": durations(3, 2, 20.0, 30.0, 30.0, 23.3),
    # A: open time Fri 16:50 → Mon 10:00 = 10 + 60 = 70, less the pause Mon 09:10–10:00 (50) = 20; calendar 3860 + 50 = 3910
    # D: Fri 09:00 → 09:30 = 30, less the pause 09:20–09:30 (10) = 20; calendar 30. B, C, E not closed.
    # [20, 20]: median 20, p90 rank 2 → 20, mean 20; calendar median (30 + 3910) / 2 = 1970
    "resolution": durations(2, 3, 20.0, 20.0, 1970.0, 20.0),
    # D's last closing, Mon 09:50: open time Fri 09:00–17:00 (480) + Mon 09:00–09:50 (50) = 530, less the pauses
    # Fri 09:20–09:30 (10) and Mon 09:40–09:50 (10) = 510; calendar Fri 09:00 → Mon 09:50 = 4370. A: 20 / 3910.
    # [20, 510]: median 265, p90 510, mean 265; calendar median (3910 + 4370) / 2 = 4140
    "final_resolution": durations(2, 3, 265.0, 510.0, 4140.0, 265.0),
    "sla": {
        # first response, 1 business hour from creation: D due Fri 10:00, answered 09:20: met; C due 11:00, answered 10:30:
        # met; A due Fri 16:50 + 10 min + Mon 50 min = Mon 09:50, answered 09:10: met (its pause began with the reply);
        # B due Mon 10:00 (its first open hour), E due 11:30: not answered at 12:00, breached. 3 / (3 + 2) = 0.6
        "first_response": {"met": 3, "breached": 2, "pending": 0, "met_pct": 0.6},
        # resolution, 16 business hours (960 min): D due Fri 09:00 + 480 (Fri) + 480 (Mon) = Mon 17:00, + its 10 paused
        # minutes = Tue 09:10, closed Fri 09:30: met. A due Fri 16:50 + 10 + 480 + 470 = Tue 16:50, + 50 paused = Wed 09:40,
        # closed Mon 10:00: met. B (due Tue 17:00) and E (due Wed 10:30) still running; C paused since Fri 10:30, before
        # its due: pending. 2 / (2 + 0) = 1.0
        "resolution": {"met": 2, "breached": 0, "pending": 3, "met_pct": 1.0},
    },
    "reopen_rate": 0.5,  # of A and D, D was reopened (Mon 09:05, within 7 days of Fri 09:30): 1 / 2
    "recontact_rate": 0.5,  # jan opened E (Mon 10:30) within 7 days of A's resolution (Mon 10:00): 1 / 2
    "one_touch_rate": 0.5,  # A: one human reply, never reopened; D: two replies: 1 / 2
    "csat": {"asked": 0, "rated": 0, "good": 0, "okay": 0, "bad": 0, "good_pct": None, "response_rate": None, "by_owner": {}},  # nobody asked
}

# Sunday 12:00 (the same period): E does not exist, D was closed on Friday and not reopened yet, A not answered.
SUNDAY = {
    "period": {**EXPECTED["period"], "as_of": "2026-11-29T12:00:00+01:00"},
    "created": 4,
    "resolved": 1,  # D
    "backlog": {"open": 3, "waiting_on_us": 2, "waiting_on_customer": 1,  # A and B new, C pending
                # ages: B 1 d 1 h (1–3 d), A 1 d 19 h 10 (1–3 d), C 2 d 2 h (1–3 d)
                "age_buckets": {"lt_1d": 0, "1_3d": 3, "3_7d": 0, "7_30d": 0, "gt_30d": 0}},
    "first_response": durations(2, 2, 25.0, 30.0, 25.0, 25.0),  # C 30, D 20; A and B waiting: median (20 + 30) / 2
    "resolution": durations(1, 3, 20.0, 20.0, 30.0, 20.0),  # D 20 (calendar 30)
    "final_resolution": durations(1, 3, 20.0, 20.0, 30.0, 20.0),  # D, closed on Sunday
    "sla": {
        # C and D met; A due Mon 09:50 and B due Mon 10:00 still ahead: pending
        "first_response": {"met": 2, "breached": 0, "pending": 2, "met_pct": 1.0},
        # D met (due Tue 09:10); A, B, C running or paused: pending
        "resolution": {"met": 1, "breached": 0, "pending": 3, "met_pct": 1.0},
    },
    "reopen_rate": 0.0,  # D not reopened by Sunday
    "recontact_rate": 0.0,
    "one_touch_rate": 1.0,  # D: one human reply by Sunday, not reopened
    "csat": {"asked": 0, "rated": 0, "good": 0, "okay": 0, "bad": 0, "good_pct": None, "response_rate": None, "by_owner": {}},  # nobody asked
}


def test_a_scripted_week_gives_the_hand_computed_figures(tix: Cli, clock: Clock, tmp_path: Path, helpdesk: Path) -> None:
    ids, sunday = scripted_week(tix, clock, tmp_path)
    entries = json.loads(tix.ok("show", ids["B"], "-f", "json").out)["entries"]
    assert [(e["kind"], e.get("automatic")) for e in entries] == [("inbound", None), ("reply", True)]  # B: an auto-ack only
    assert json.loads(tix.ok("show", ids["A"], "-f", "json").out)["created"] == "2026-11-27T16:50:00+01:00"  # Received:, not Date:
    assert stats(tix) == EXPECTED
    # --as-of Sunday, asked on Monday after Monday's changes, gives what Sunday saw
    assert sunday == SUNDAY
    assert stats(tix, "--as-of", "2026-11-29T12:00:00+01:00") == SUNDAY
    # the cache changes nothing: after a reindex (cold) the same figures
    tix.ok("reindex")
    assert stats(tix) == EXPECTED
    by_owner = {g["key"]: g for g in stats(tix, "--by", "owner")["groups"]}
    assert sorted(by_owner) == ["-", "anna@example.com", "bob@example.com"]
    anna, bob, nobody = by_owner["anna@example.com"], by_owner["bob@example.com"], by_owner["-"]
    assert (anna["created"], anna["resolved"], anna["backlog"]["open"]) == (2, 2, 0)  # A, D
    assert anna["first_response"] == durations(2, 0, 20.0, 20.0, 1940.0, 20.0)  # A 20 and D 20; calendar (20 + 3860) / 2
    assert (bob["created"], bob["backlog"]["waiting_on_customer"], bob["first_response"]["median_business_minutes"]) == (1, 1, 30.0)
    assert (nobody["created"], nobody["first_response"]["waiting"], nobody["sla"]["first_response"]["breached"]) == (2, 2, 2)
    assert anna["recontact_rate"] == 0.5  # E (nobody's) still counts as jan's re-contact of A
    by_week = {g["key"]: g for g in stats(tix, "--by", "week")["groups"]}
    assert list(by_week) == ["2026-W48", "2026-W49"]
    assert (by_week["2026-W48"]["created"], by_week["2026-W49"]["created"]) == (4, 1)
    # resolved in W48: D (Fri); in W49: A and D (Mon)
    assert (by_week["2026-W48"]["resolved"], by_week["2026-W49"]["resolved"]) == (1, 2)

    # a teammate's clone: the same figures; a change made there and synced back is seen here too
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    git(helpdesk, "remote", "add", "origin", str(remote))
    tix.ok("sync")
    other = tmp_path / "bob"
    subprocess.run(["git", "clone", "-q", str(remote), str(other)], check=True)
    assert stats(tix, cwd=other) == EXPECTED
    clock.set(at("11-30T11:00"))  # Bob, on his clone, closes C at 11:00 (its pause ends; resolved)
    tix.ok("--as", BOB, "close", ids["C"], cwd=other)
    clock.set(at("11-30T11:30"))
    tix.ok("--as", ANNA, "note", ids["B"], "Looking for the invoice.")  # meanwhile Anna, on hers
    tix.ok("sync", cwd=other)
    tix.ok("sync")
    tix.ok("sync", cwd=other)
    clock.set(at("11-30T12:00"))
    here, there = stats(tix), stats(tix, cwd=other)
    assert here == there
    assert (here["resolved"], here["backlog"]["waiting_on_customer"]) == (3, 0)
    # C: open time Fri 10:00 → Mon 11:00 = 420 + 120 = 540, less the pause Fri 10:30 → Mon 11:00 (390 + 120 = 510) = 30
    assert here["resolution"]["count"] == 3 and here["resolution"]["median_business_minutes"] == 20.0  # [20, 20, 30]
    # yesterday's figures did not move
    assert stats(tix, "--as-of", "2026-11-29T12:00:00+01:00", cwd=other) == SUNDAY


def test_bad_input_is_one_line(tix: Cli) -> None:
    for args, text in (
        (("--by", "colour"), "--by: unknown key 'colour'"),
        (("--since", "2026-12-01", "--until", "2026-11-01"), "must come before --until"),
        (("--since", "yesterday-ish"), "--since: not a time: 'yesterday-ish'"),
        (("--as-of", "2026-13-45"), "--as-of: not a time"),
    ):
        result = tix("stats", *args)
        assert result.code == 1 and text in result.err and len(result.err.strip().splitlines()) == 1, (args, result.err)


def test_an_empty_helpdesk_gives_zeros_and_null_ratios(tix: Cli) -> None:
    data = json.loads(tix.ok("stats", "-f", "json").out)
    assert data["created"] == 0 and data["backlog"]["open"] == 0
    assert data["first_response"] == durations(0, 0, None, None, None, None)
    assert (data["reopen_rate"], data["recontact_rate"], data["one_touch_rate"]) == (None, None, None)
    assert data["sla"]["first_response"]["met_pct"] is None
    csv_lines = tix.ok("stats", "-f", "csv", "--by", "owner").out.splitlines()
    assert csv_lines[0].startswith("key,period.since,period.until,period.as_of,created,resolved,backlog.open,")
    assert "first_response.median_business_minutes" in csv_lines[0].split(",")
    assert len(csv_lines) == 2 and csv_lines[1].startswith("total,")
    assert "Created 0 · Resolved 0" in tix.ok("stats").out
    assert "first_response:" in tix.ok("stats", "--explain").out


def test_every_definition_of_explain_is_in_the_documentation() -> None:
    from tix import messages as msg

    doc = (Path(__file__).resolve().parents[1] / "docs" / "REPORTS.md").read_text(encoding="utf-8")
    missing = [name for name, text in msg.KPI_DEFINITIONS if f"- **{name}**: {text}" not in doc]
    assert not missing, f"docs/REPORTS.md lacks (or words differently) the definitions of {missing}"
