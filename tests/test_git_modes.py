"""Files tix writes honour the umask like git's checkouts; private files stay private (issue 9 #9)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path


def _tix(*args: str, cwd: Path, umask: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("tix")
    command = " ".join(f"'{a}'" for a in ([str(script)] if script.exists() else [sys.executable, "-m", "tix"]) + list(args))
    return subprocess.run(["sh", "-c", f"umask {umask} && exec {command}"], cwd=cwd, capture_output=True, text=True, timeout=60)


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_with_umask_002_files_are_group_writable_like_gits_checkouts(tmp_path: Path) -> None:
    root = tmp_path / "desk"
    result = _tix("init", str(root), "--email", "support@example.com", cwd=tmp_path, umask="002")
    assert result.returncode == 0, result.stderr
    result = _tix("new", "Printer on fire", "--from", "jan@example.pl", cwd=root, umask="002")
    assert result.returncode == 0, result.stderr
    ticket_id = result.stdout.strip()
    ticket = next((root / "tickets").glob(f"*/{ticket_id}/ticket.md"))
    assert _mode(ticket) == 0o664
    assert _mode(ticket.parent) == 0o775
    assert _mode(root / "tix.yaml") == 0o664


def test_with_umask_077_files_stay_private(tmp_path: Path) -> None:
    root = tmp_path / "desk"
    assert _tix("init", str(root), "--email", "support@example.com", cwd=tmp_path, umask="077").returncode == 0
    result = _tix("new", "Printer on fire", "--from", "jan@example.pl", cwd=root, umask="077")
    ticket = next((root / "tickets").glob(f"*/{result.stdout.strip()}/ticket.md"))
    assert _mode(ticket) == 0o600


def test_private_writes_stay_0600_whatever_the_umask(tmp_path: Path) -> None:
    from tix.storage.files import write_atomic

    write_atomic(tmp_path / "secret", "s3cret\n", private=True)
    write_atomic(tmp_path / "public", "hello\n")
    assert _mode(tmp_path / "secret") == 0o600
    assert _mode(tmp_path / "public") == 0o666 & ~_current_umask()


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
