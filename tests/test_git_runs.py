"""How tix runs git: one-shot commands spawned without subprocess (storage/gitstart.py's Begun,
GitRepo.run), as subprocess would run them."""

from __future__ import annotations

from pathlib import Path


def test_a_git_run_with_more_input_and_output_than_a_pipe_holds_completes(helpdesk: Path) -> None:
    """GitRepo.run spawns git without subprocess (storage/gitstart.py's Begun): its input is
    written while its output is read, so a run that answers as it reads (hash-object, 5,000
    paths: ~200 KB each way) never waits on itself; `env` reaches git; SIGPIPE is git's own."""
    import os

    from tix.storage.gitrepo import GitRepo

    (helpdesk / "one.txt").write_text("one\n", encoding="utf-8")
    repo = GitRepo(helpdesk)
    expected = repo.run("hash-object", "one.txt")
    names = ("one.txt\n" * 5000).encode()
    assert repo.run("hash-object", "--stdin-paths", stdin=names).split() == [expected] * 5000
    assert repo.run("var", "GIT_AUTHOR_IDENT", env={"GIT_AUTHOR_NAME": "Zofia Zięba", "GIT_AUTHOR_EMAIL": "z@example.pl"}).startswith(
        "Zofia Zięba <z@example.pl>")
    assert "GIT_AUTHOR_NAME" not in os.environ or os.environ["GIT_AUTHOR_NAME"] != "Zofia Zięba"
    status = repo.run("-c", "alias.sigpipe=!grep SigIgn /proc/$$/status", "sigpipe")
    assert int(status.split()[1], 16) & (1 << 12) == 0  # SIGPIPE (13), which Python ignores: git's children have it


def test_a_git_that_ends_before_reading_its_input_is_a_git_error_not_a_broken_pipe(helpdesk: Path, tmp_path: Path) -> None:
    """Begun writes stdin as git reads it: when git ends first (no repository, a bad option),
    the rest of a megabyte of input is dropped and git's own error is what is raised."""
    import pytest

    from tix.errors import GitError
    from tix.storage.gitrepo import GitRepo

    nowhere = tmp_path / "not-a-repository"
    nowhere.mkdir()
    lines = b"HEAD:tickets/AB/ABCDEFGH/ticket.md\n" * 30_000  # ~1 MB: far more than a pipe holds
    with pytest.raises(GitError, match="not a git repository"):
        GitRepo(nowhere).run("cat-file", "--batch-check", stdin=lines)
    with pytest.raises(GitError, match="git cat-file failed") as failed:
        GitRepo(helpdesk).run("cat-file", "--no-such-option", stdin=lines)
    assert "unknown option" in failed.value.detail
    assert GitRepo(helpdesk).run("cat-file", "--batch-check", stdin=lines).count("missing") == 30_000  # and a run that reads it all
