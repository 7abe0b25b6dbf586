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
