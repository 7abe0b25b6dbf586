"""The only module that talks to git. Writes go through the `git` command, which is many
times faster than GitPython's own index code and runs merge drivers (docs/FORMAT.md, Commits).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

from tix.errors import GitError
from tix.model import Person

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
    """One-shot git commands run as plain subprocesses: starting GitPython costs ~50 ms, a
    third of the interactive budget (bench/). GitPython serves where it earns that cost:
    its persistent `cat-file --batch` process for reading many historical blobs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._gitpython: Any = None

    def run(self, *args: str, env: dict[str, str] | None = None, strip: bool = True, stdin: bytes | None = None) -> str:
        result = subprocess.run(
            ["git", *args], cwd=self.root, capture_output=True, env={**os.environ, **(env or {})},
            input=stdin, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).decode("utf-8", "replace").strip()
            last = detail.splitlines()[-1] if detail else f"exit {result.returncode}"
            raise GitError(f"git {args[0]} failed: {last}")
        output = result.stdout.decode("utf-8", "surrogateescape")
        return output.strip() if strip else output

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

    def modified_paths(self, head: str | None, pathspec: str) -> set[str]:
        """Tracked paths under `pathspec` whose working copy (staged or not) differs from HEAD.
        Untracked files are not listed: scanning for them costs more than the rest of `tix list`."""
        if head is None:
            return set()
        output = self.run("diff-index", "--name-only", "--no-renames", "-z", head, "--", pathspec, strip=False)
        return {path for path in output.split("\0") if path}

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
        """Contents of many blobs through one persistent `git cat-file --batch` (GitPython's)."""
        if self._gitpython is None:
            import git

            self._gitpython = git.Git(str(self.root))
        blobs: dict[str, bytes] = {}
        for oid in oids:
            if oid != ZERO_OID and oid not in blobs:
                _, _, _, data = self._gitpython.get_object_data(oid)
                blobs[oid] = data
        return blobs

    # --- writing ----------------------------------------------------------

    def init(self) -> None:
        self.run("init", "-q")

    def commit(
        self, paths: list[str], message: str, author: Person,
        committer: Person | None = None, when: datetime | None = None,
    ) -> str | None:  # fmt: skip
        """Commit exactly `paths` (new, changed or deleted) as they are in the working tree.

        Anything else staged or dirty is left alone: the new tree is built in a private index
        (.git/tix/commit-index) that mirrors HEAD, so the cost does not depend on how many
        files the repository holds, and HEAD moves with a compare-and-swap (`update-ref NEW
        OLD`), so a commit made meanwhile by someone else is never overwritten. Callers hold
        the helpdesk lock. Returns the new commit, or None when the paths hold no change.
        """
        head = self.head()
        private = self._private_index(head)
        index_env = {"GIT_INDEX_FILE": str(private)}
        base_file = private.with_suffix(".base")
        path_list = "\0".join(paths).encode("utf-8", "surrogateescape") + b"\0"
        try:
            self.run("update-index", "--add", "--remove", "-z", "--stdin", env=index_env, stdin=path_list)
            tree = self.run("write-tree", env=index_env)
            if head is not None and tree == self.run("rev-parse", f"{head}^{{tree}}"):
                base_file.write_text(head, encoding="utf-8")
                return None
            env = {"GIT_AUTHOR_NAME": author.name or author.email, "GIT_AUTHOR_EMAIL": author.email}
            if committer is not None:
                env.update(GIT_COMMITTER_NAME=committer.name or committer.email, GIT_COMMITTER_EMAIL=committer.email)
            if when is not None:  # the same clock as the ticket file (TIX_NOW in tests)
                env.update(GIT_AUTHOR_DATE=when.isoformat(), GIT_COMMITTER_DATE=when.isoformat())
            parents = ["-p", head] if head else []
            new = self.run("commit-tree", tree, *parents, "-m", message.rstrip("\n"), env=env)
            self.run("update-ref", "-m", message.splitlines()[0], "HEAD", new, head or ZERO_OID)
        except BaseException:
            base_file.unlink(missing_ok=True)  # the private index may hold a change that was not committed
            raise
        base_file.write_text(new, encoding="utf-8")
        try:  # keep the user's index in step, so `git status` stays clean
            self.run("update-index", "--add", "--remove", "-z", "--stdin", stdin=path_list)
        except GitError:
            pass  # e.g. a git command of the user's holds index.lock; `git status` shows it until `git reset`
        return new

    def _private_index(self, head: str | None) -> Path:
        private = git_dir(self.root) / "tix" / "commit-index"
        private.parent.mkdir(parents=True, exist_ok=True)
        base_file = private.with_suffix(".base")
        base = base_file.read_text(encoding="utf-8").strip() if base_file.exists() else None
        if base != (head or "") or not private.exists():
            base_file.unlink(missing_ok=True)
            env = {"GIT_INDEX_FILE": str(private)}
            self.run("read-tree", *([head] if head else ["--empty"]), env=env)
            base_file.write_text(head or "", encoding="utf-8")
        return private


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
