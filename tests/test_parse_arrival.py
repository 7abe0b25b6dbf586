"""When a message arrived: the newest Received: header, the Maildir delivery time (issue 9: #10, parse side)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from conftest import make_eml, make_maildir

from tix.mail import parse as mailparse
from tix.mail.sources import open_source
from tix.mail.sources.base import Item


def with_received(*received: str) -> bytes:
    head = "".join(f"Received: {value}\r\n" for value in received).encode()
    return head + make_eml(date="Tue, 24 Nov 2026 08:30:00 +0100")  # a Date: 20 hours after it arrived


def test_arrived_is_the_time_in_the_topmost_received_header() -> None:
    mail = mailparse.parse(with_received(
        "from mx.example.com (mx.example.com [192.0.2.1])\r\n\tby desk.example.com (Postfix) with ESMTPS id 4F;\r\n"
        "\tMon, 23 Nov 2026 12:30:05 +0000 (UTC)",
        "from laptop by mx.example.com; Sun, 22 Nov 2026 12:00:00 +0000",
    ))  # fmt: skip
    assert mail.arrived == datetime(2026, 11, 23, 12, 30, 5, tzinfo=UTC)
    assert mail.date == datetime(2026, 11, 24, 8, 30, tzinfo=timezone(timedelta(hours=1)))  # kept for display


def test_a_semicolon_inside_the_received_clauses_does_not_confuse_it() -> None:
    mail = mailparse.parse(with_received("from a (helo=x;y) by b with esmtp (id 1; tls) ; Mon, 23 Nov 2026 12:30:05 +0200"))
    assert mail.arrived == datetime(2026, 11, 23, 10, 30, 5, tzinfo=UTC)


def test_no_readable_received_time_means_none() -> None:
    assert mailparse.parse(make_eml()).arrived is None
    assert mailparse.parse(with_received("from a by b with smtp")).arrived is None
    assert mailparse.parse(with_received("from a by b; yesterday", "from c by a; Mon, 23 Nov 2026 12:30:05 +0000")).arrived is None
    assert mailparse.parse(with_received("from a by b; Mon, 23 Nov 2026 12:30:05")).arrived is None  # no zone
    assert mailparse.parse(with_received("from a by b; Mon, 23 Nov 99999 12:30:05 +0000")).arrived is None


def test_a_maildir_item_tells_its_delivery_time_from_its_name_else_its_mtime(tmp_path: Path) -> None:
    box = make_maildir(tmp_path / "Mail", {"1795430405.M1P2.desk": make_eml(), "oddname": make_eml(message_id="<m2@x>")})
    os.utime(box / "new" / "oddname", (1795000000, 1795000000))
    items = {item.path.name: item for item in open_source(str(box)) if item.path}
    assert items["1795430405.M1P2.desk"].delivered_at() == datetime.fromtimestamp(1795430405, UTC)
    assert items["oddname"].delivered_at() == datetime.fromtimestamp(1795000000, UTC)


def test_other_sources_do_not_guess_a_delivery_time(tmp_path: Path) -> None:
    (tmp_path / "one.eml").write_bytes(make_eml())
    [item] = open_source(str(tmp_path / "one.eml"))
    assert item.delivered_at() is None
    assert Item("stdin", data=b"x").delivered_at() is None
