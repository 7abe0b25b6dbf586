"""The only module that talks to git. Writes go through the `git` command, which is many
times faster than GitPython's own index code and runs merge drivers (docs/FORMAT.md, Commits).
"""

from __future__ import annotations

import os
import re
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
        self._identity: dict[str, str] | None = None

    def run(self, *args: str, env: dict[str, str] | None = None, strip: bool = True, stdin: bytes | None = None) -> str:
        result = subprocess.run(
            ["git", *args], cwd=self.root, capture_output=True, env={**os.environ, **(env or {})},
            input=stdin, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).decode("utf-8", "replace").strip()
            last = detail.splitlines()[-1] if detail else f"exit {result.returncode}"
            raise GitError(f"git {args[0]} failed: {last}", detail)
        output = result.stdout.decode("utf-8", "surrogateescape")
        return output.strip() if strip else output

    # --- reading ----------------------------------------------------------

    def head(self) -> str | None:
        try:
            return self.run("rev-parse", "--verify", "-q", "HEAD^{commit}") or None
        except GitError:
            return None

    def head_and_tree(self) -> tuple[str | None, str | None]:
        """HEAD and its tree in one git call; (None, None) on an unborn branch."""
        try:
            head, tree = self.run("log", "-1", "--format=%H%n%T", "HEAD").split()
        except (GitError, ValueError):
            return None, None
        return head, tree

    def config_value(self, key: str) -> str | None:
        """A git config value. The user.* identity is read once per process (one `git config`
        call for name and email: every state change needs both)."""
        if key.startswith("user."):
            if self._identity is None:
                try:
                    output = self.run("config", "--get-regexp", r"^user\.(name|email)$")
                except GitError:
                    output = ""
                self._identity = dict(line.split(" ", 1) for line in output.splitlines() if " " in line)
            return self._identity.get(key) or None
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

    def identity_env(self, author: Person, when: datetime | None = None) -> dict[str, str]:
        """Environment for a commit: the author is the acting teammate; the committer is git's
        own identity, or the author where git has none (cron, a fresh machine)."""
        env = {"GIT_AUTHOR_NAME": author.name or author.email, "GIT_AUTHOR_EMAIL": author.email}
        if not self.config_value("user.email"):
            env.update(GIT_COMMITTER_NAME=author.name or author.email, GIT_COMMITTER_EMAIL=author.email)
        if when is not None:  # the same clock as the ticket file (TIX_NOW in tests)
            env.update(GIT_AUTHOR_DATE=when.isoformat(), GIT_COMMITTER_DATE=when.isoformat())
        return env

    def commit(self, paths: list[str], message: str, author: Person, when: datetime | None = None) -> str | None:
        """Commit exactly `paths` (new, changed or deleted) as they are in the working tree.

        Anything else staged or dirty is left alone: the new tree is built in a private index
        (.git/tix/commit-index) that mirrors HEAD, so the cost does not depend on how many
        files the repository holds, and HEAD moves with a compare-and-swap (`update-ref NEW
        OLD`), so a commit made meanwhile by someone else is never overwritten. Callers hold
        the helpdesk lock. Returns the new commit, or None when the paths hold no change.
        """
        head, head_tree = self.head_and_tree()
        private = self._private_index(head)
        index_env = {"GIT_INDEX_FILE": str(private)}
        base_file = private.with_suffix(".base")
        try:
            index_info = self._index_info(paths)
            self.run("update-index", "-z", "--index-info", env=index_env, stdin=index_info)
            tree = self.run("write-tree", env=index_env)
            if head is not None and tree == head_tree:
                base_file.write_text(head, encoding="utf-8")
                return None
            parents = ["-p", head] if head else []
            new = self.run("commit-tree", tree, *parents, "-m", message.rstrip("\n"), env=self.identity_env(author, when))
            self.run("update-ref", "-m", message.splitlines()[0], "HEAD", new, head or ZERO_OID)
        except BaseException:
            base_file.unlink(missing_ok=True)  # the private index may hold a change that was not committed
            raise
        base_file.write_text(new, encoding="utf-8")
        self._update_user_index(index_info)
        return new

    def _update_user_index(self, index_info: bytes) -> None:
        """Keep the user's own index in step with a commit, so `git status` stays clean."""
        try:
            self.run("update-index", "-z", "--index-info", stdin=index_info)
        except GitError:
            pass  # e.g. a git command of the user's holds index.lock; `git status` shows it until `git reset`

    def commit_files(self, files: dict[str, bytes | None], message: str, author: Person, when: datetime | None = None) -> str | None:
        """Commit many files given as content (None: delete) in one `git fast-import` pack.

        For bulk writers (mail import): loose objects cost ~1 ms each here, a pack of a
        thousand files a few. The working tree must already hold the same bytes; HEAD moves
        by compare-and-swap, and both indexes are updated from ids computed here, so git
        hashes nothing twice. Returns the new commit, or None when nothing changed."""
        import hashlib

        head, head_tree = self.head_and_tree()
        when = when or datetime.now().astimezone()
        stamp = f"{int(when.timestamp())} {when.strftime('%z') or '+0000'}".encode()
        own = self.config_value("user.email")
        who = Person(self.config_value("user.name") or "", own) if own else author  # as identity_env
        temp_ref = "refs/tix/commit-in-progress"
        parts = [f"reset {temp_ref}\ncommit {temp_ref}\n".encode()]
        parts.append(b"author " + _ident(author) + b" " + stamp + b"\n")
        parts.append(b"committer " + _ident(who) + b" " + stamp + b"\n")
        body = message.rstrip("\n").encode("utf-8") + b"\n"
        parts.append(b"data %d\n" % len(body) + body)
        if head:
            parts.append(f"from {head}\n".encode())
        info = []
        for path, data in files.items():
            name = _fast_import_path(path)
            if data is None:
                parts.append(b"D " + name + b"\n")
                info.append(f"0 {ZERO_OID}\t{path}")
            else:
                parts.append(b"M 100644 inline " + name + b"\ndata %d\n" % len(data) + data + b"\n")
                oid = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
                info.append(f"100644 {oid}\t{path}")
        parts.append(b"\n")
        self.run("fast-import", "--quiet", "--force", stdin=b"".join(parts))
        new = self.run("rev-parse", temp_ref)
        try:
            if head is not None and self.run("rev-parse", f"{new}^{{tree}}") == head_tree:
                return None
            self.run("update-ref", "-m", message.splitlines()[0], "HEAD", new, head or ZERO_OID)
        finally:
            self.run("update-ref", "-d", temp_ref)
        index_info = "".join(line + "\0" for line in info).encode("utf-8", "surrogateescape")
        private = git_dir(self.root) / "tix" / "commit-index"
        base_file = private.with_suffix(".base")
        base = base_file.read_text(encoding="utf-8").strip() if base_file.exists() else None
        base_file.unlink(missing_ok=True)
        if private.exists() and base == (head or ""):
            self.run("update-index", "-z", "--index-info", env={"GIT_INDEX_FILE": str(private)}, stdin=index_info)
            base_file.write_text(new, encoding="utf-8")
        self._update_user_index(index_info)
        return new

    def _index_info(self, paths: list[str]) -> bytes:
        """`update-index --index-info` input for the paths: each file hashed into the object
        store once (one `hash-object` for all), a missing file as a removal."""
        present = [path for path in paths if (self.root / path).is_file()]
        oids = []
        if present:
            names = "\n".join(present).encode("utf-8", "surrogateescape")
            oids = self.run("hash-object", "-w", "--stdin-paths", stdin=names).split()
        lines = [f"100644 {oid}\t{path}" for oid, path in zip(oids, present)]
        kept = set(present)
        lines += [f"0 {ZERO_OID}\t{path}" for path in paths if path not in kept]
        return "".join(line + "\0" for line in lines).encode("utf-8", "surrogateescape")

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


def _ident(person: Person) -> bytes:
    name = re.sub(r"[<>\n]", "", person.name or person.email)
    email = re.sub(r"[<>\n\s]", "", person.email)
    return f"{name} <{email}>".encode("utf-8")


def _fast_import_path(path: str) -> bytes:
    if path.startswith('"') or "\n" in path:
        return ('"' + path.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"').encode("utf-8", "surrogateescape")
    return path.encode("utf-8", "surrogateescape")


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
