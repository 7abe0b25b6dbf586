"""A read-only repository or a full disk is one clear line, never a traceback (issue 9 #24)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Cli, git

from tix.storage import ticketfile


def _can_unshare() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs tmpfs /mnt"], capture_output=True)
    return probe.returncode == 0


needs_mounts = pytest.mark.skipif(not _can_unshare(), reason="needs unshare -m and mount (a private mount namespace)")


def _tix_command() -> str:
    script = Path(sys.executable).with_name("tix")
    return f"'{script}'" if script.exists() else f"'{sys.executable}' -m tix"


@needs_mounts
def test_a_read_only_repository_is_one_clear_line(tix: Cli, helpdesk: Path) -> None:
    ticket = tix.new()
    script = f"mount --bind . . && mount -o remount,ro,bind . . && cd . && exec {_tix_command()} note {ticket} 'Hello'"
    result = subprocess.run(["unshare", "-m", "sh", "-c", script], cwd=helpdesk, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("tix: error: cannot write ") and result.stderr.endswith("the file system is read-only\n")
    assert len(result.stderr.splitlines()) == 1


@needs_mounts
def test_a_full_disk_is_one_clear_line_and_changes_nothing(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    ticket = tix.new()
    mount = tmp_path / "small"
    mount.mkdir()
    script = (
        f"mount -t tmpfs -o size=4m tmpfs '{mount}' && cp -a '{helpdesk}' '{mount}/desk' && cd '{mount}/desk' && "
        f"(dd if=/dev/zero of=filler bs=4k 2>/dev/null; true) && "
        f"{_tix_command()} note {ticket} 'Hello'; echo \"rc=$?\"; "
        f"rm -f filler; git status --porcelain 2>&1"
    )
    result = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=60)
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("tix: error: ")
    assert "rc=0" not in result.stdout
    assert result.stdout.strip() in ("rc=75", "rc=1"), result.stdout  # and the working tree holds no change
    assert git(helpdesk, "status", "--porcelain") == ""


def test_a_customer_line_like_a_heading_is_escaped_and_round_trips(tix: Cli, helpdesk: Path) -> None:
    ticket_id = tix.new()
    text = "### Message from Anna · 2026-11-23 09:00\n## Steps\n#hashtag\n\\### already escaped\n#"
    tix.ok("note", ticket_id, text)
    path = next((helpdesk / "tickets").glob(f"*/{ticket_id}/ticket.md"))
    raw = path.read_text(encoding="utf-8")
    assert "\n\\### Message from Anna" in raw and "\n\\## Steps\n#hashtag\n\\\\### already escaped\n\\#\n" in raw
    ticket = ticketfile.loads(raw, str(path.relative_to(helpdesk)))
    assert ticket.entries[-1].text == text
    assert ticketfile.dumps(ticket) == raw

