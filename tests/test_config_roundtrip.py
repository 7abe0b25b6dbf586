"""`tix config set` keeps the person's tix.yaml as they wrote it, and sets several keys at once,
all or nothing (issue 18 #7)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import Cli, git

HAND_WRITTEN = """\
# Our helpdesk. Ask Ola before changing the hours!
helpdesk:
    name: "Pomoc Firma"     # shown in replies
    email: pomoc@firma.example
    timezone: Europe/Warsaw

# who is who
team:
    ola:
        email: ola@firma.example   # the boss
        languages: [pl, en]

statuses:
    waiting:
      - pending
      - on-hold

hours:
    sat: ''   # closed on Saturdays (for now)
"""


def write_config(tix: Cli, helpdesk: Path, text: str) -> None:
    (helpdesk / "tix.yaml").write_text(text, encoding="utf-8")
    git(helpdesk, "commit", "-qam", "our own tix.yaml")


def test_config_set_keeps_comments_layout_and_quoting(tix: Cli, helpdesk: Path) -> None:
    write_config(tix, helpdesk, HAND_WRITTEN)
    tix.ok("config", "set", "helpdesk.timezone", "Europe/Berlin")
    tix.ok("config", "set", "statuses.waiting", "pending, on-hold, supplier")
    text = (helpdesk / "tix.yaml").read_text(encoding="utf-8")
    expected = HAND_WRITTEN.replace("timezone: Europe/Warsaw", "timezone: Europe/Berlin").replace(
        "      - on-hold\n", "      - on-hold\n      - supplier\n")
    assert text == expected
    assert tix.ok("config", "get", "helpdesk.timezone").out == "Europe/Berlin\n"


def test_several_keys_at_once_in_one_commit(tix: Cli, helpdesk: Path) -> None:
    write_config(tix, helpdesk, HAND_WRITTEN)
    before = int(git(helpdesk, "rev-list", "--count", "HEAD"))
    result = tix.ok("config", "set", "team.alice.name", "Alice", "team.alice.email", "alice@example.com")
    assert result.out == "team.alice.name=Alice\nteam.alice.email=alice@example.com\n"
    assert int(git(helpdesk, "rev-list", "--count", "HEAD")) == before + 1
    text = (helpdesk / "tix.yaml").read_text(encoding="utf-8")
    assert "# the boss" in text and "# who is who" in text
    assert "    alice:\n        name: Alice\n        email: alice@example.com\n" in text
    assert tix.ok("assign", tix.new(), "alice").out.strip().endswith("alice@example.com")


def test_several_keys_are_all_or_nothing_and_the_error_names_the_key(tix: Cli, helpdesk: Path) -> None:
    write_config(tix, helpdesk, HAND_WRITTEN)
    head = git(helpdesk, "rev-parse", "HEAD")
    result = tix("config", "set", "helpdesk.name", "New name", "team.bob.email", "not-an-address")
    assert result.code == 1
    assert result.err.startswith("tix: error: team.bob.email:") and len(result.err.splitlines()) == 1
    assert (helpdesk / "tix.yaml").read_text(encoding="utf-8") == HAND_WRITTEN
    assert git(helpdesk, "rev-parse", "HEAD") == head
    unknown = tix("config", "set", "helpdesk.name", "New name", "helpdesk.nmae", "x")
    assert unknown.code == 1 and "helpdesk.nmae" in unknown.err
    twice = tix("config", "set", "mail.batch", "10", "mail.batch", "20")
    assert twice.code == 1 and "mail.batch" in twice.err
    odd = tix("config", "set", "mail.batch", "10", "mail.timeout")
    assert odd.code == 2 and "KEY VALUE pairs" in odd.err
    assert (helpdesk / "tix.yaml").read_text(encoding="utf-8") == HAND_WRITTEN


def test_a_set_value_that_looks_like_another_type_stays_a_string(tix: Cli, helpdesk: Path) -> None:
    tix.ok("config", "set", "helpdesk.name", "yes", "team.no.email", "no@example.com", "team.no.name", "2026-12-24")
    assert tix.ok("config", "get", "helpdesk.name").out == "yes\n"
    assert tix.ok("config", "get", "team.no.name").out == "2026-12-24\n"
    tix.ok("config", "set", "statuses.waiting", "pending, off")
    assert tix.ok("config", "get", "statuses.waiting").out == "pending\noff\n"


def test_an_unchanged_value_says_so(tix: Cli) -> None:
    tix.ok("config", "set", "mail.batch", "20")
    result = tix.ok("config", "set", "mail.batch", "20", "mail.timeout", "10")
    assert result.out == "mail.batch: unchanged\nmail.timeout=10\n"


def test_ruamel_is_imported_by_config_set_only(helpdesk: Path) -> None:
    code = (
        "import sys\n"
        "from tix.cli.main import main\n"
        "for argv in (['show', 'ZZZZ'], ['list'], ['config', 'get', 'helpdesk.name'], ['new', 'x']):\n"
        "    main(argv)\n"
        "    assert 'ruamel' not in ' '.join(sys.modules), argv\n"
        "main(['config', 'set', 'mail.batch', '7'])\n"
        "assert 'ruamel.yaml' in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=helpdesk, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_numbers_are_written_as_yaml_1_1_reads_them(tix: Cli, helpdesk: Path) -> None:
    for value, shown in (("0.000001", "1e-06"), ("2.5", "2.5"), ("30", "30")):
        tix.ok("config", "set", "mail.timeout", value)
        assert tix.ok("config", "get", "mail.timeout").out == f"{shown}\n"
