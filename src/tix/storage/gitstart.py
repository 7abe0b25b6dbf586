"""Git reads begun before they are needed: at 50,000 tickets the longest step of `tix search` is
git's check of the working tree for hand edits (it stats every ticket file) and the next is Python
importing tix. cli/fast.py begins the check first thing, from here (standard library only, nothing
of tix: importing storage/gitrepo.py first would cost its dataclasses and the model), and git
works while Python imports; GitRepo.run collects each answer instead of running the command again.
Part of the git layer with gitrepo.py: the only two modules that compose git command lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import subprocess
    from pathlib import Path

# The reads begun, by (root, args).
STARTED: dict[tuple[str, tuple[str, ...]], subprocess.Popen[bytes]] = {}
HEAD_ARGS = ("rev-parse", "--verify", "-q", "HEAD^{commit}")  # GitRepo.head()


def modified_args(head: str, pathspec: str) -> tuple[str, ...]:
    return ("diff-index", "--name-only", "--no-renames", "-z", head, "--", pathspec)


def begin_worktree_check(root: Path, pathspec: str) -> None:
    """Begin what the next `head()` and `modified_paths(head, pathspec)` of GitRepo(root) ask
    git, both at once in the background; they collect the answers. (HEAD moving between the two
    is a commit made during the command: the next refresh sees it in `git diff`, as when it comes
    just after.)"""
    import subprocess

    for args in (HEAD_ARGS, modified_args("HEAD", pathspec)):
        key = (str(root), args)
        if key not in STARTED:
            STARTED[key] = subprocess.Popen(["git", *args], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
