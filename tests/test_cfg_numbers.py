"""Numeric config keys (and the numbers inside targets and hours) have sane bounds: a wrong value is
one clear error naming the key, never a traceback later (issue 9 #20)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Cli, make_eml, make_maildir

from tix.storage import config as configmod

NUMERIC = [key.path for key in configmod.SCHEMA if key.kind in ("number", "integer")]

# Given on the command line (`tix config set KEY VALUE`).
WRONG_TEXT = ["inf", "-inf", "Infinity", "nan", "1e300", "1e400", "0", "-1", "-0.5", "ten", "", "1" * 5000, "0x10"]
# Written into tix.yaml by hand (YAML spellings of the same).
WRONG_YAML = [".inf", "-.inf", ".nan", "1.0e+300", "0", "-1", "'ten'", "[1]", "{a: 1}", "true", "10000000000000000000000"]


def test_every_numeric_key_declares_its_bounds() -> None:
    assert set(NUMERIC) >= {"mail.batch", "mail.max_message_mb", "mail.max_attachment_mb", "mail.timeout",
                            "autoack.limit", "autoack.window_hours"}
    for key in configmod.SCHEMA:
        if key.kind in ("number", "integer"):
            assert key.bounds is not None and 0 < key.bounds[0] < key.bounds[1] < 10**6, key.path
            assert key.bounds[0] <= key.default <= key.bounds[1], key.path


@pytest.mark.parametrize("key", NUMERIC)
@pytest.mark.parametrize("value", WRONG_TEXT)
def test_config_set_refuses_a_wrong_number_naming_the_key(tix: Cli, helpdesk: Path, key: str, value: str) -> None:
    before = (helpdesk / "tix.yaml").read_bytes()
    result = tix("config", "set", "--", key, value)
    assert result.code == 1
    assert result.err.startswith(f"tix: error: {key}: ") and result.err.count("\n") == 1, result.err
    assert "expected a" in result.err and " from " in result.err, result.err
    assert len(result.err) < 200
    assert (helpdesk / "tix.yaml").read_bytes() == before


@pytest.mark.parametrize("key", NUMERIC)
@pytest.mark.parametrize("value", WRONG_YAML)
def test_a_hand_edited_wrong_number_stops_import_with_one_line(tix: Cli, helpdesk: Path, tmp_path: Path, key: str, value: str) -> None:
    section, leaf = key.split(".")
    text = (helpdesk / "tix.yaml").read_text(encoding="utf-8")
    assert f"\n  {leaf}: " in text
    lines = [f"  {leaf}: {value}" if line.startswith(f"  {leaf}: ") else line for line in text.split("\n")]
    (helpdesk / "tix.yaml").write_text("\n".join(lines), encoding="utf-8")
    maildir = make_maildir(tmp_path / "Maildir", {"1": make_eml()})
    result = tix("import", str(maildir))
    assert result.code == 1
    assert result.err.startswith(f"tix: error: {key}: ") and result.err.count("\n") == 1, result.err
    assert len(result.err) < 200


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("mail.batch", "2.5", "mail.batch: expected a whole number from 1 to 100000, got 2.5"),
        ("mail.batch", "1e300", "mail.batch: 1e+300 is out of range (expected a whole number from 1 to 100000)"),
        ("mail.batch", "0", "mail.batch: 0 is out of range (expected a whole number from 1 to 100000)"),
        ("mail.timeout", "nan", "mail.timeout: expected a number from 1e-06 to 3600, got nan"),
        ("mail.max_message_mb", "inf", "mail.max_message_mb: expected a number from 0.001 to 1024, got inf"),
        ("autoack.limit", "-1", "autoack.limit: -1 is out of range (expected a whole number from 1 to 1000)"),
        ("autoack.window_hours", "ten", "autoack.window_hours: expected a number from 1 to 8760, got 'ten'"),
        ("sla.urgent.first_response", "0m", "sla.urgent.first_response: '0m' is out of range (from 1 to 120000m)"),
        ("sla.urgent.resolution", "99999999999999999999d", "sla.urgent.resolution: '99999999999999999999d' is out of range (from 1 to 365d)"),
        ("sla.normal.first_response", "9999999h wall", "sla.normal.first_response: '9999999h wall' is out of range (from 1 to 8760h wall)"),
        ("remind.before", "5000h", "remind.before: '5000h' is out of range (from 1 to 2000h)"),
        ("hours.mon", "25:00-26:00", "hours.mon: '25:00-26:00' is not a time of day (00:00 to 23:59)"),
        ("hours.tue", "09:00-17:60", "hours.tue: '09:00-17:60' is not a time of day (00:00 to 23:59)"),
        ("hours.wed", "00:00-24:00", "hours.wed: '00:00-24:00' is not a time of day (00:00 to 23:59)"),
    ],
)
def test_wrong_numbers_get_exact_messages(tix: Cli, key: str, value: str, message: str) -> None:
    result = tix("config", "set", "--", key, value)
    assert (result.code, result.err) == (1, f"tix: error: {message}\n")


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("mail.batch", "1", "1"), ("mail.batch", "100000", "100000"), ("mail.batch", "1e3", "1000"),
        ("mail.timeout", "0.5e1", "5.0"), ("mail.max_attachment_mb", "0.001", "0.001"), ("mail.max_message_mb", "1024", "1024"),
        ("autoack.limit", "1000", "1000"), ("autoack.window_hours", "8760", "8760"),
        ("sla.urgent.resolution", "365d", "365d"), ("hours.sat", "00:00-23:59", "00:00-23:59"),
    ],
)
def test_values_at_the_bounds_are_accepted(tix: Cli, key: str, value: str, shown: str) -> None:
    assert tix.ok("config", "set", key, value).out == f"{key}={shown}\n"


def test_the_largest_targets_still_compute_due_times(tix: Cli) -> None:
    tix.ok("config", "set", "sla.urgent.first_response", "2000h")
    tix.ok("config", "set", "sla.urgent.resolution", "365d")
    ticket = tix.new("Big", "--priority", "urgent")
    assert "first_response_due" in tix.ok("show", ticket, "--format", "json").out
