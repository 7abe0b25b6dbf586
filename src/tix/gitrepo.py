"""The only module that talks to git. Writes go through the `git` command (GitPython's
`Git` wrapper): it is several times faster than GitPython's own index and runs merge drivers.
GitPython is imported on first use, so commands that never touch git start fast.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from tix.errors import GitError
from tix.model import Person

if TYPE_CHECKING:
    import git

ZERO_OID = "0" * 40


@dataclass
class Commit:
    oid: str
    author: Person
    time: str  # ISO 8601 author date
    subject: str
    trailers: dict[str, str]
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (path, old blob, new blob)


class GitRepo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._git: git.Git | None = None

    @property
    def git(self) -> git.Git:
        if self._git is None:
            import git

            self._git = git.Git(str(self.root))
        return self._git

    def run(self, *args: str, env: dict[str, str] | None = None, strip: bool = True) -> str:
        from git.exc import GitCommandError

        try:
            return self.git.execute(["git", *args], env=env, strip_newline_in_stdout=strip)  # type: ignore[call-overload,no-any-return]
        except GitCommandError as exc:
            detail = (exc.stderr or exc.stdout or "").strip().replace("stderr: ", "").replace("stdout: ", "").strip("'\" \n")
            last = detail.splitlines()[-1] if detail else f"exit {exc.status}"
            raise GitError(f"git {args[0]} failed: {last}") from None

    # --- reading ----------------------------------------------------------

    def head(self) -> str | None:
        try:
            return self.run("rev-parse", "--verify", "-q", "HEAD^{commit}") or None
        except GitError:
            return None

    def config_value(self, key: str) -> str | None:
        try:
            return self.run("config", "--get", key) or None
        except GitError:
            return None

    def changed_paths(self, old: str | None, new: str | None, pathspec: str) -> set[str] | None:
        """Paths under `pathspec` that differ between two commits; None when that cannot be told."""
        if old == new:
            return set()
        if old is None or new is None:
            return None
        try:
            output = self.run("diff", "--name-only", "--no-renames", "-z", old, new, "--", pathspec, strip=False)
        except GitError:
            return None  # e.g. the old commit is gone after a history rewrite: rebuild
        return {path for path in output.split("\0") if path}

    def dirty_paths(self, pathspec: str) -> set[str]:
        """Paths under `pathspec` whose working copy differs from HEAD, untracked ones included."""
        output = self.run("status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames", "--", pathspec, strip=False)
        return {item[3:] for item in output.split("\0") if len(item) > 3}

    def log(self, pathspec: str, max_count: int | None = None) -> list[Commit]:
        """Non-merge commits touching `pathspec`, newest first, with the blob ids of each change."""
        fmt = "%x1e%H%x1f%an%x1f%ae%x1f%aI%x1f%s%x1f%(trailers:unfold,separator=%x1d)"
        args = ["log", "--no-merges", "--full-history", "--raw", "--no-abbrev", "--no-renames", f"--format={fmt}"]
        if max_count:
            args.append(f"-n{max_count}")
        if self.head() is None:
            return []
        output = self.run(*args, "--", pathspec, strip=False)
        commits = []
        for record in output.split("\x1e")[1:]:
            header, _, raw = record.partition("\n")
            oid, name, email, when, subject, trailer_text = header.split("\x1f")
            trailers = {}
            for trailer in trailer_text.split("\x1d"):
                key, sep, value = trailer.partition(":")
                if sep:
                    trailers[key.strip()] = value.strip()
            commit = Commit(oid, Person(name, email), when, subject, trailers)
            for line in raw.splitlines():
                if line.startswith(":"):
                    meta, _, path = line.partition("\t")
                    fields = meta.split()
                    commit.changes.append((_unquote(path), fields[2], fields[3]))
            commits.append(commit)
        return commits

    def read_blobs(self, oids: list[str]) -> dict[str, bytes]:
        """Contents of many blobs through one `git cat-file --batch` process."""
        blobs: dict[str, bytes] = {}
        for oid in oids:
            if oid != ZERO_OID and oid not in blobs:
                _, _, _, data = self.git.get_object_data(oid)
                blobs[oid] = data
        return blobs

    # --- writing ----------------------------------------------------------

    def init(self) -> None:
        self.run("init", "-q")

    def commit(
        self, paths: list[str], message: str, author: Person,
        committer: Person | None = None, when: datetime | None = None,
    ) -> str | None:  # fmt: skip
        """Commit exactly `paths` (new, changed or deleted), leaving anything else staged or dirty alone.
        Returns the new commit, or None when the paths hold no change."""
        env = dict(os.environ)
        env.update(GIT_AUTHOR_NAME=author.name or author.email, GIT_AUTHOR_EMAIL=author.email)
        if when is not None:  # the same clock as the ticket file (TIX_NOW in tests)
            env.update(GIT_AUTHOR_DATE=when.isoformat(), GIT_COMMITTER_DATE=when.isoformat())
        if committer is not None:
            env.update(GIT_COMMITTER_NAME=committer.name or committer.email, GIT_COMMITTER_EMAIL=committer.email)
        # `--only` (the default with paths) commits these paths from the working tree and
        # nothing else from the index; new files must be known to git first.
        self.run("add", "-A", "--", *paths)
        if self.head() is not None and not self.run("diff", "--cached", "--name-only", "HEAD", "--", *paths):
            return None
        self.run("commit", "-q", "--no-verify", "-m", message, "--only", "--", *paths, env=env)
        return self.run("rev-parse", "HEAD")


def _unquote(path: str) -> str:
    """Undo git's C-style quoting of unusual path names."""
    if not (path.startswith('"') and path.endswith('"')):
        return path
    raw = path[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1")
    return raw.decode("utf-8", "replace")


def git_dir(root: Path) -> Path:
    """The repository's git directory, also when `.git` is a file (worktrees, submodules)."""
    dot_git = root / ".git"
    if dot_git.is_file():
        text = dot_git.read_text(encoding="utf-8").strip()
        if text.startswith("gitdir:"):
            return (root / text.split(":", 1)[1].strip()).resolve()
    return dot_git


def iter_ancestors(start: Path) -> Iterator[Path]:
    yield start
    yield from start.parents
