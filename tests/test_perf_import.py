"""The import's fast paths keep every guarantee of the slow ones: files written in bulk never go
through a symlink and get git's mode; a commit whose pack is written in the background keeps a
commit made meanwhile; a re-run settles known files cheaply but never on the cache alone."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from conftest import git

from tix.store import Helpdesk, UMASK, UnsafePath, write_many


def test_bulk_writes_make_folders_and_give_files_git_s_mode(helpdesk: Path) -> None:
    Helpdesk(helpdesk)  # registers the root: writes below it never follow a symlink
    checked: set[str] = set()
    (helpdesk / "tickets" / "AB").mkdir(parents=True)
    (helpdesk / "tickets" / "AB" / ".tix-write.tmp").write_bytes(b"left by a crashed run")
    write_many(helpdesk, {"tickets/AB/X/e1/message.eml": b"raw", "tickets/AB/.x": b"", "tickets/AB/X/ticket.md": b"t" * 70_000},
               checked)  # fmt: skip
    assert (helpdesk / "tickets/AB/X/e1/message.eml").read_bytes() == b"raw"
    assert (helpdesk / "tickets/AB/X/ticket.md").read_bytes() == b"t" * 70_000
    assert stat.S_IMODE((helpdesk / "tickets/AB/X/ticket.md").stat().st_mode) == 0o666 & ~UMASK
    assert not list(helpdesk.rglob(".tix-write.tmp"))  # no temporary file stays, not even an old one
    assert f"{helpdesk}/tickets/AB/X/e1" in checked


def test_bulk_writes_refuse_a_committed_symlink_folder(helpdesk: Path, tmp_path: Path) -> None:
    Helpdesk(helpdesk)
    outside = tmp_path / "outside"
    outside.mkdir()
    (helpdesk / "tickets").mkdir(exist_ok=True)
    os.symlink(outside, helpdesk / "tickets" / "ZY")
    with pytest.raises(UnsafePath, match="tickets/ZY: it is a symlink"):
        write_many(helpdesk, {"tickets/ZY/ZYAAAAAA/ticket.md": b"x"}, set())
    assert list(outside.iterdir()) == []
    os.symlink(outside / "file", helpdesk / "tickets" / "victim")
    (helpdesk / "tickets" / "AB").mkdir()
    os.symlink(outside / "planted", helpdesk / "tickets" / "AB" / ".tix-write.tmp")  # a symlink at the temporary name
    write_many(helpdesk, {"tickets/victim": b"data", "tickets/AB/f": b"data"}, set())
    assert list(outside.iterdir()) == []  # the link is replaced, never followed
    assert (helpdesk / "tickets" / "victim").read_bytes() == b"data" and not (helpdesk / "tickets" / "victim").is_symlink()
