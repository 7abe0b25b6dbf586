"""A run killed after its batch's commit landed but before it updated git's index: the next run's
journal recovery finds nothing to commit and must still bring the index up to HEAD, or `git status`
shows the batch's tickets as deleted and untracked (seen in the kill -9 import test)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Cli, git, make_eml


def test_recovery_takes_a_landed_batch_up_in_gits_index(tix: Cli, tmp_path: Path) -> None:
    first = tmp_path / "first.eml"
    first.write_bytes(make_eml(message_id="<landed@example.pl>"))
    assert tix("import", str(first)).code == 0
    batch = sorted(git(tix.cwd, "ls-files", "tickets").split())
    assert batch
    # as the killed run left it: HEAD holds the batch, git's index does not, the journal lists it
    git(tix.cwd, "rm", "-q", "--cached", "-r", "tickets")
    (tix.cwd / ".git" / "tix" / "import-journal").write_text(json.dumps(batch), encoding="utf-8")
    assert git(tix.cwd, "status", "--porcelain") != ""
    second = tmp_path / "second.eml"
    second.write_bytes(make_eml(message_id="<next@example.pl>", subject="Another"))
    result = tix("import", str(second))
    assert result.code == 0, result.err
    assert git(tix.cwd, "status", "--porcelain") == ""
    assert not (tix.cwd / ".git" / "tix" / "import-journal").exists()
