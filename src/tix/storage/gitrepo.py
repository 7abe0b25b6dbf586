"""The only module that talks to git: every git command line tix runs is a named method here
(tests/test_architecture.py holds the other modules to that). Writes go through the `git`
command, which is many times faster than GitPython's own index code and runs merge drivers
(docs/FORMAT.md, Commits).
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from tix import messages as msg
from tix.domain.model import Person
from tix.domain.record import Record
from tix.errors import GitError, LockHeld
from tix.storage.blobs import blob_id
from tix.storage.files import write_atomic
from tix.storage.gitstart import HEAD_ARGS as _HEAD_ARGS  # reads begun early (cli/fast.py): see gitstart.py
from tix.storage.gitstart import HEAD_ENTRIES_ARGS as _HEAD_ENTRIES_ARGS
from tix.storage.gitstart import IDENTITY_ARGS as _IDENTITY_ARGS
from tix.storage.gitstart import STARTED as _STARTED
from tix.storage.gitstart import Begun, begin_worktree_check, head_entries_input
from tix.storage.gitstart import modified_args as _modified_args

TYPE_CHECKING = False  # as typing's, without importing typing (3 ms; tests/test_startup_imports.py)
if TYPE_CHECKING:
    import subprocess
    from typing import Any

    from tix.storage.packfile import PackedBlob

ZERO_OID = "0" * 40
# what one `git config` run (gitstart.IDENTITY_ARGS) reads for config_value, as git names them
_IDENTITY_KEYS = ("user.name", "user.email", "committer.name", "committer.email", "commit.gpgsign")
_OID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")  # SHA-1 or SHA-256
GIT_LOCK_WAIT = float(os.environ.get("TIX_GIT_LOCK_WAIT", "5"))  # seconds to wait out a git command's lock
STALE_LOCK_SECONDS = 60  # a git lock file older than this was most likely left by a crash


class Commit(Record):
    __slots__ = ("oid", "author", "time", "subject", "trailers", "changes")
    oid: str
    author: Person
    time: str  # ISO 8601 author date
    subject: str
    trailers: dict[str, str]
    changes: list[tuple[str, str, str]]  # (path, old blob, new blob)

    def __init__(self, oid: str, author: Person, time: str, subject: str, trailers: dict[str, str],
                 changes: list[tuple[str, str, str]] | None = None) -> None:  # fmt: skip
        self.oid = oid
        self.author = author
        self.time = time
        self.subject = subject
        self.trailers = trailers
        self.changes = [] if changes is None else changes


class GitRepo:
    """One-shot git commands run as plain subprocesses: starting GitPython costs ~50 ms, a
    third of the interactive budget (bench/). GitPython serves where it earns that cost:
    its persistent `cat-file --batch` process for reading many historical blobs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._gitpython: Any = None
        self._identity: dict[str, str] | None = None
        self._started_head: str | None = None
        self._packs: str | None = None  # objects/pack ("" where tix writes no pack: _pack_dir)
        self._seen_head: tuple[str, str, dict[str, tuple[str, str]]] | None = None  # _read_head's HEAD, tree, paths

    def start(self, *args: str, env: dict[str, str] | None = None, stdin: bytes | None = None) -> Begun:
        """A git command running, its answer collected by `communicate` (run waits for it)."""
        started = _STARTED.pop((str(self.root), args, stdin or b""), None) if env is None else None
        if started is None:  # else begun earlier (storage/gitstart.py): its answer, without a second run
            started = Begun(str(self.root), args, stdin or b"", {**os.environ, **env} if env else None)
        return started

    def run(self, *args: str, env: dict[str, str] | None = None, strip: bool = True, stdin: bytes | None = None) -> str:
        started = self.start(*args, env=env, stdin=stdin)
        stdout, stderr = started.communicate()
        returncode = started.returncode
        if returncode != 0:
            detail = (stderr or stdout).decode("utf-8", "replace").strip()
            last = detail.splitlines()[-1] if detail else msg.git_exit_status(returncode)
            raise GitError(msg.git_failed(args[0], last), detail)
        output = stdout.decode("utf-8", "surrogateescape")
        return output.strip() if strip else output

    def start_worktree_check(self, pathspec: str) -> None:
        """begin_worktree_check for this repository (a no-op when cli/main.py began it already)."""
        begin_worktree_check(str(self.root), pathspec)

    def stop_started(self) -> None:
        """End the git reads begun for this repository that nothing collected (a command that
        failed before it needed them)."""
        for key in [key for key in _STARTED if key[0] == str(self.root)]:
            process = _STARTED.pop(key)
            process.kill()
            process.communicate()

    # --- reading ----------------------------------------------------------

    def head(self) -> str | None:
        started = (str(self.root), _HEAD_ARGS, b"") in _STARTED
        head = self.resolve_commit("HEAD")
        if started:
            self._started_head = head  # what the started worktree check's HEAD was
        return head

    def resolve_commit(self, ref: str) -> str | None:
        """The commit `ref` names; None when it names none (an unborn branch, a missing ref)."""
        try:
            return self.run("rev-parse", "--verify", "-q", ref + "^{commit}") or None
        except GitError:
            return None

    def current_branch(self) -> str | None:
        """The short name of the branch HEAD is on (also an unborn one); None when HEAD is detached."""
        try:
            return self.run("symbolic-ref", "--short", "-q", "HEAD")
        except GitError:
            return None

    def resolve_commits(self, *refs: str) -> list[str | None]:
        """The commit each ref names, None where it names none (as `resolve_commit`), in one git call."""
        if any("\n" in ref for ref in refs):  # git reads them one a line (and no ref name holds one)
            return [self.resolve_commit(ref) for ref in refs]
        stdin = "".join(f"{ref}^{{commit}}\n" for ref in refs).encode("utf-8", "surrogateescape")
        lines = self.run("cat-file", "--batch-check=%(objectname)", stdin=stdin).splitlines() if refs else []
        return [line if _OID.fullmatch(line) else None for line in lines]  # else "<ref>^{commit} missing"

    def count_commits(self, tip: str, not_in: str | None = None) -> int:
        """How many commits `tip` has that `not_in` has not (all of its history without `not_in`)."""
        return int(self.run("rev-list", "--count", f"{not_in}..{tip}" if not_in else tip))

    def divergence(self, ours: str, theirs: str) -> tuple[int, int]:
        """How many commits `ours` has that `theirs` has not, and how many the other way round."""
        left, right = self.run("rev-list", "--left-right", "--count", f"{ours}...{theirs}").split()
        return int(left), int(right)

    def root_commits(self) -> list[str]:
        """The commits without a parent in HEAD's history; none on an unborn branch."""
        try:
            return self.run("rev-list", "--max-parents=0", "HEAD").split()
        except GitError:
            return []

    def head_and_tree(self) -> tuple[str | None, str | None]:
        """HEAD and its tree in one git call; (None, None) on an unborn branch."""
        try:
            head, tree = self.run("log", "-1", "--format=%H%n%T", "HEAD").split()
        except (GitError, ValueError):
            return None, None
        return head, tree

    def config_value(self, key: str) -> str | None:
        """A git config value. The user.* and committer.* identity and commit.gpgSign are read
        once per process (one `git config` call: every state change needs them)."""
        if key in _IDENTITY_KEYS:
            if self._identity is None:
                try:
                    output = self.run(*_IDENTITY_ARGS)
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

    def deleted_paths(self, old: str, new: str, pathspec: str) -> list[str]:
        """Paths under `pathspec` that `old` has and `new` no longer has."""
        output = self.run("diff", "--name-only", "--diff-filter=D", "-z", old, new, "--", pathspec, strip=False)
        return [path for path in output.split("\0") if path]

    def modified_paths(self, head: str | None, pathspec: str) -> set[str]:
        """Tracked paths under `pathspec` whose working copy (staged or not) differs from HEAD.
        Untracked files are not listed: scanning for them costs more than the rest of `tix list`."""
        if head is None:
            return set()
        args = _modified_args(head, pathspec)
        if head == self._started_head and (str(self.root), _modified_args("HEAD", pathspec), b"") in _STARTED:
            args = _modified_args("HEAD", pathspec)  # begun with the head() that gave `head`
        output = self.run(*args, strip=False)
        return {path for path in output.split("\0") if path}

    def refresh_stat_data(self, pathspec: str = ".") -> bool:
        """Have git record anew in its index the stat data of the tracked files under `pathspec`
        whose content is what the index holds (`git add --refresh`, as `git status` does when it
        can take the lock). Until then every `git status` and `git diff-index` (the ticket index's
        check for hand edits, on every run) reads such files again: after a copy or restore of the
        helpdesk, whose files all have new stat data, and after an import, whose files git's index
        took up from their content (`--index-info`: no stat data). Best effort, False when not
        done: another git holds the index's lock (git gives up at once, before reading a file),
        the repository is not writable here, or the user asked git to take no optional lock
        (GIT_OPTIONAL_LOCKS false)."""
        if not _git_bool(os.environ.get("GIT_OPTIONAL_LOCKS"), default=True):
            return False
        index_dir = git_dir(self.root)
        if (index_dir / "index.lock").exists() or not os.access(index_dir, os.W_OK):
            return False
        try:
            self.run("add", "--refresh", "--", pathspec, env={"GIT_LITERAL_PATHSPECS": "1"})  # files that do differ stay as they are
        except GitError:
            return False
        return True

    def dirty_paths(self, pathspec: str) -> set[str]:
        """Paths under `pathspec` whose working copy or index differs from HEAD, untracked
        files included, and both names of a rename."""
        output = self.run("status", "--porcelain", "-z", "--untracked-files=all", "--", pathspec, strip=False)
        paths = set()
        fields = iter(output.split("\0"))
        for field_ in fields:
            if not field_:
                continue
            status, path = field_[:2], field_[3:]
            paths.add(path)
            if "R" in status or "C" in status:
                paths.add(next(fields, ""))  # the rename's source
        return paths - {""}

    def uncommitted(self, paths: list[str]) -> set[str]:
        """Of `paths`, those a commit of them would sweep a change of someone's into: the working
        copy or the index differs from HEAD, or git does not track the file (issue 18 #8). One git
        run limited to the paths, whatever the repository holds; git takes no optional lock for it."""
        suspects = self._unlike_head(paths) if len(paths) <= 64 else list(paths)
        if not suspects:
            return set()
        output = self.run("status", "--porcelain", "-z", "--untracked-files=all", "--no-renames", "--", *suspects,
                          env={"GIT_OPTIONAL_LOCKS": "0"}, strip=False)  # fmt: skip
        return {field_[3:] for field_ in output.split("\0") if len(field_) > 3}

    def _unlike_head(self, paths: list[str]) -> list[str]:
        """Of `paths`, those whose working copy is not byte for byte HEAD's blob: the only ones
        `git status` is asked about. `git status` reads the whole of git's index (~19 ms at 50,000
        tickets, more than the rest of a `tix assign`); `git cat-file` reads the few trees on the
        paths (~2 ms), and hashing the file as git would tells the rest. A file that is HEAD's
        blob has nothing a commit could sweep in (tix builds its commits from HEAD's tree; a change
        staged and then undone in the working copy is the one case this does not see)."""
        at_head = self._read_head(paths)
        if at_head is None:  # no commit yet: git status judges
            return list(paths)
        suspects = []
        for path in paths:
            try:
                data = (self.root / path).read_bytes()
            except FileNotFoundError:
                if path in at_head:  # removed by hand
                    suspects.append(path)
                continue
            except OSError:
                suspects.append(path)
                continue
            if at_head.get(path, ("", ""))[0] != blob_id(data):
                suspects.append(path)
        return suspects

    def _read_head(self, paths: list[str]) -> dict[str, tuple[str, str]] | None:
        """HEAD, its tree and what it holds at each path (id and type), in one `git cat-file`;
        None on an unborn branch. Kept as `_seen_head` for the commit that follows: its first
        build starts from it (a HEAD moved since fails the compare-and-swap and is read again)."""
        self._seen_head = None
        if any("\n" in path for path in paths):  # cat-file reads one name a line
            return None
        lines = self.run(*_HEAD_ENTRIES_ARGS, stdin=head_entries_input(paths)).split("\n")
        answers = [(oid, kind) for oid, _, kind in (line.rpartition(" ") for line in lines)]  # or "<name> missing"
        if len(answers) != len(paths) + 2 or not all(_OID.fullmatch(oid) for oid, _ in answers[:2]):
            return None
        at_head = {path: answer for path, answer in zip(paths, answers[2:], strict=True) if answer[1] != "missing"}
        self._seen_head = (answers[0][0], answers[1][0], {path: at_head.get(path, ("", "missing")) for path in paths})
        return at_head

    def file_at_head(self, path: str) -> str | None:
        """The text of `path` as HEAD holds it; None when HEAD has no such file."""
        try:
            return self.run("cat-file", "blob", f"HEAD:{path}", strip=False)
        except GitError:
            return None

    def tracked_paths(self, paths: list[str]) -> set[str]:
        """The files in the index that `paths` name (a folder names the files under it)."""
        if not paths:
            return set()
        return set(self.run("ls-files", "-z", "--", *paths, strip=False).split("\0")) - {""}

    def upstream_remote(self, branch: str) -> str | None:
        """The remote `branch` is set to pull from (`branch.<name>.remote`), if any."""
        return self.config_value(f"branch.{branch}.remote")

    def remotes(self) -> list[str]:
        return self.run("remote").split()

    def log(self, pathspec: str, max_count: int | None = None, revisions: str | None = None) -> list[Commit]:
        """Non-merge commits touching `pathspec`, newest first, with the blob ids of each change
        (those in `revisions`, e.g. `OLD..NEW`, when given; else HEAD's history)."""
        fmt = "%x1e%H%x1f%an%x1f%ae%x1f%aI%x1f%s%x1f%(trailers:unfold,separator=%x1d)"
        args = ["log", "--no-merges", "--full-history", "--raw", "--no-abbrev", "--no-renames", f"--format={fmt}"]
        if max_count:
            args.append(f"-n{max_count}")
        if self.head() is None:
            return []
        if revisions:
            args.append(revisions)
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

    def tree_blobs(self, commit: str, paths: list[str]) -> dict[str, str]:
        """The blob id of each path (or of every file under a folder) in `commit`; missing ones left out."""
        output = self.run("ls-tree", "-r", "-z", "--full-tree", commit, "--", *paths, strip=False) if paths else ""
        found = {}
        for record in output.split("\0"):
            meta, sep, path = record.partition("\t")
            if sep and meta.split()[1] == "blob":
                found[path] = meta.split()[2]
        return found

    def is_ancestor(self, old: str, new: str) -> bool:
        try:
            self.run("merge-base", "--is-ancestor", old, new)
        except GitError:
            return False
        return True

    def iter_blobs(self, oids: list[str]) -> Iterator[tuple[str, bytes]]:
        """(oid, contents) of many blobs, in the order given, streamed from one `git cat-file
        --batch` fed by a thread: no round trip per blob (read_blobs' persistent process answers
        one at a time, ~0.1 ms each), and only one blob in memory at a time. For the stats cache's
        cold start, which reads every version of every ticket file."""
        import subprocess
        import threading

        wanted = [oid for oid in oids if oid != ZERO_OID]
        if not wanted:
            return
        process = subprocess.Popen(["git", "cat-file", "--batch"], cwd=self.root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, bufsize=1 << 20)  # fmt: skip
        assert process.stdin is not None and process.stdout is not None
        stdin, stdout = process.stdin, process.stdout

        def feed() -> None:
            try:
                for start in range(0, len(wanted), 1000):
                    stdin.write("".join(f"{oid}\n" for oid in wanted[start : start + 1000]).encode())
                stdin.close()
            except (BrokenPipeError, ValueError):  # the reader stopped early
                pass

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        try:
            for oid in wanted:
                header = stdout.readline().split()
                if len(header) != 3:
                    raise GitError(msg.git_failed("cat-file", f"{oid}: {b' '.join(header).decode(errors='replace') or 'no answer'}"))
                data = stdout.read(int(header[2]))
                stdout.read(1)  # the newline after the contents
                yield oid, data
        finally:
            stdout.close()
            process.kill() if writer.is_alive() else None
            process.wait()
            writer.join()

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
        """Environment for a commit: the author is the acting teammate; the committer is whom git
        names (_committer), or the author where git knows no one (cron, a fresh machine)."""
        env = {"GIT_AUTHOR_NAME": author.name or author.email, "GIT_AUTHOR_EMAIL": author.email}
        if self._committer() is None:
            env.update(GIT_COMMITTER_NAME=author.name or author.email, GIT_COMMITTER_EMAIL=author.email)
        if when is not None:  # the same clock as the ticket file (TIX_NOW in tests)
            env.update(GIT_AUTHOR_DATE=when.isoformat(), GIT_COMMITTER_DATE=when.isoformat())
        return env

    def commit(self, paths: list[str], message: str, author: Person, when: datetime | None = None) -> str | None:
        """Commit exactly `paths` (new, changed or deleted) as they are in the working tree.

        Anything else staged or dirty is left alone. One `git fast-import` takes the files'
        bytes inline (their ids computed here, as commit_files does), builds the new tree from HEAD's, reading only the trees on the paths' way, so the cost
        does not depend on how many files the repository holds, and tells the new tree and
        commit (`ls`, `get-mark`). (A private index mirroring HEAD cost two git runs that read
        and wrote all of it: ~20 ms at 10,000 tickets; a `hash-object` and a `rev-parse` around
        fast-import, two runs more.) HEAD moves with a compare-and-swap (`update-ref NEW OLD`),
        so a commit made meanwhile by someone else is never overwritten. Callers hold the
        helpdesk lock. Returns the new commit, or None when the paths hold no change.
        """
        contents = self._working_files(paths)
        removed = [path for path in paths if contents[path] is None]
        changed = [_inline(path, data) for path, data in contents.items() if data is not None]
        # git's index takes the files up itself (with their stat data) unless one is removed:
        # then it is given every entry, the files' ids computed here
        index_info = b"" if not removed else "".join(
            f"0 {ZERO_OID}\t{path}\0" if data is None else f"100644 {blob_id(data)}\t{path}\0" for path, data in contents.items()
        ).encode("utf-8", "surrogateescape")
        stream_head = self._stream_head(message, author, when)

        def build(head: str | None, head_tree: str | None) -> str | None:
            base = f"from {head}\n".encode() if head else b""
            # a removal first (a file that became a folder), and only of a file HEAD holds: fast-import's
            # D takes a whole folder, where the index's removal takes one file entry
            gone = [b"D " + _fast_import_path(path) + b"\n" for path in self._files_in(head, removed)]
            stream = stream_head + base + b"".join(gone + changed) + b'ls ""\n\nget-mark :1\n'
            told = self.run("fast-import", "--quiet", "--force", "--depth=0", "--cat-blob-fd=1", stdin=stream).split()
            tree, new = (told[2], told[-1]) if len(told) == 4 and told[:2] == ["040000", "tree"] else self.run(
                "rev-parse", f"{_TEMP_REF}^{{tree}}", _TEMP_REF).split()  # an empty tree: `ls` says "missing"
            return None if head is not None and tree == head_tree else self._signed(new)

        with self.user_index_locked():
            # git's index is updated on its copy while fast-import and update-ref run (on the other
            # core), and the copy takes the index's place only once HEAD has moved
            index_update = self._begin_user_index_update(index_info, files=None if removed else paths)
            new = None
            try:
                new = self._advance_head(build, message.splitlines()[0], delete=_TEMP_REF)
            finally:
                if new is None:  # on success the helper ref went with HEAD's move
                    self.run("update-ref", "-d", _TEMP_REF)
                self._finish_user_index_update(index_update, keep=new is not None)
            if new is None:
                return None
        for stale in ("commit-index", "commit-index.base"):  # the private index tix committed through until 2026-12-03
            (git_dir(self.root) / "tix" / stale).unlink(missing_ok=True)
        return new

    def _working_files(self, paths: list[str]) -> dict[str, bytes | None]:
        """Each path's bytes in the working tree; None for one that is gone (or is a folder now).
        A symlink or other special file is refused (files.read_bytes): nothing outside is read."""
        import stat

        from tix.storage.files import read_bytes

        contents: dict[str, bytes | None] = {}
        for path in paths:
            try:
                mode = os.lstat(self.root / path).st_mode
            except (FileNotFoundError, NotADirectoryError):
                mode = None
            contents[path] = None if mode is None or stat.S_ISDIR(mode) else read_bytes(self.root / path)
        return contents

    def _files_in(self, head: str | None, paths: list[str]) -> list[str]:
        """Those of `paths` that `head` holds as files (one `ls-tree`, only when there are any)."""
        if head is None or not paths:
            return []
        seen = self._seen_head
        if seen is not None and seen[0] == head and all(path in seen[2] for path in paths):
            return [path for path in paths if seen[2][path][1] == "blob"]
        listed = self.run("ls-tree", "-z", "--full-tree", head, "--", *paths, strip=False, env={"GIT_LITERAL_PATHSPECS": "1"})
        found = set()
        for entry in listed.split("\0"):
            info, _, path = entry.partition("\t")
            if info.split(" ")[1:2] == ["blob"]:
                found.add(path)
        return [path for path in paths if path in found]

    def _stream_head(self, message: str, author: Person, when: datetime | None) -> bytes:
        """The start of a fast-import stream committing to the helper ref: author the acting
        teammate; committer whom `git commit` would name (GIT_COMMITTER_NAME and _EMAIL, else
        git's own identity), or the author where git has none (as identity_env)."""
        when = when or datetime.now()
        if when.utcoffset() is None:
            when = when.astimezone()  # a naive time is local time, as git takes it
        stamp = f"{int(when.timestamp())} {when.strftime('%z')}".encode()
        who = self._committer() or author
        body = message.rstrip("\n").encode("utf-8", "replace") + b"\n"  # a lone surrogate: '?', not a traceback
        return b"".join([f"reset {_TEMP_REF}\ncommit {_TEMP_REF}\nmark :1\n".encode(), b"author " + _ident(author) + b" " + stamp + b"\n",
                         b"committer " + _ident(who) + b" " + stamp + b"\n", b"data %d\n" % len(body) + body])  # fmt: skip

    def _signed(self, commit: str) -> str:
        """`commit` itself, or, where git signs every commit (commit.gpgSign), the same commit
        signed by `git commit-tree -S` with the same tree, parents, names, times and message:
        fast-import writes no signature. The unsigned one is left for `git gc`."""
        if not _git_bool(self.config_value("commit.gpgsign"), default=False):
            return commit
        head, _, message = self.run("cat-file", "commit", commit, strip=False).partition("\n\n")
        tree, parents, env = "", [], {}
        for line in head.splitlines():
            key, _, value = line.partition(" ")
            if key == "tree":
                tree = value
            elif key == "parent":
                parents += ["-p", value]
            elif key in ("author", "committer"):
                name, _, rest = value.partition(" <")
                email, _, date = rest.rpartition("> ")
                role = key.upper()
                env.update({f"GIT_{role}_NAME": name, f"GIT_{role}_EMAIL": email, f"GIT_{role}_DATE": date})
        return self.run("commit-tree", "-S", tree, *parents, env=env, stdin=message.encode("utf-8", "surrogateescape"))

    def _committer(self) -> Person | None:
        """Whom `git commit` names as committer: GIT_COMMITTER_NAME and _EMAIL, else committer.name
        and .email, else user.name and .email (the email also from EMAIL); None where git knows
        no email (cron, a fresh machine)."""
        env = os.environ
        email = env.get("GIT_COMMITTER_EMAIL")
        if email is None:
            email = self.config_value("committer.email") or self.config_value("user.email") or env.get("EMAIL")
        if email is None:
            return None
        name = env.get("GIT_COMMITTER_NAME") or self.config_value("committer.name") or self.config_value("user.name") or ""
        return Person(name, email)

    # --- with a remote, and merging (tix sync) -----------------------------

    def fetch_branch(self, remote: str, branch: str) -> tuple[str | None, str | None]:
        """Fetch `branch` of `remote` into its remote-tracking ref (forced: the remote's word
        is final there) and return HEAD and the commit that ref names, read in one git call:
        None for HEAD on an unborn branch, None for the remote when neither it nor an earlier
        fetch has one (an empty remote is no error). Never prompts."""
        tracking = _tracking_ref(remote, branch)
        try:
            self.run("fetch", "--quiet", remote, f"+refs/heads/{branch}:{tracking}", env=_batch_env())
        except GitError as exc:
            if "couldn't find remote ref" not in exc.message.lower():
                raise
        head, remote_head = self.resolve_commits("HEAD", tracking)
        return head, remote_head

    def push_branch(self, remote: str, branch: str) -> bool:
        """Push HEAD to `branch` of `remote` and move the remote-tracking ref along. False when
        the remote refuses it for holding commits that HEAD lacks (someone pushed since the
        last fetch); GitError for any other failure. Never prompts."""
        try:
            self.run("push", "--quiet", remote, f"HEAD:refs/heads/{branch}", env=_batch_env())
        except GitError as exc:
            text = exc.detail.lower()
            if "rejected" in text or "fetch first" in text or "non-fast-forward" in text:
                return False
            raise
        self.run("update-ref", _tracking_ref(remote, branch), "HEAD")
        return True

    def reset_to(self, commit: str) -> None:
        """Point the branch, index and working tree at `commit` (an empty clone taking the remote)."""
        self.run("reset", "-q", "--hard", commit)

    def merge(self, commit: str, env: dict[str, str], message: str | None = None) -> None:
        """Merge `commit` into HEAD: a fast-forward only without `message`, else a merge commit
        with it. The ticket merge driver is off for it: git would start it once per file
        (~90 ms each), so conflicted ticket files are left unmerged (see `unmerged`) for the
        caller to merge in one process, then `mark_resolved` and `commit_merge`, or
        `abort_merge`. GitError when anything is left conflicted or the merge cannot start."""
        how = ["--ff-only"] if message is None else ["--no-ff", "--no-edit", "-m", message]
        self.run("-c", "merge.tix.driver=false", "merge", "--quiet", *how, commit, env=env)

    def unmerged(self) -> dict[str, dict[int, str]]:
        """Unmerged paths and their index stages (1 base, 2 ours, 3 theirs) -> blob ids."""
        stages: dict[str, dict[int, str]] = {}
        for record in self.run("ls-files", "-u", "-z", strip=False).split("\0"):
            if record:
                meta, _, path = record.partition("\t")
                _, oid, stage = meta.split()
                stages.setdefault(path, {})[int(stage)] = oid
        return stages

    def mark_resolved(self, paths: list[str]) -> None:
        """Stage the working-tree files of these conflicted paths: their conflict is resolved."""
        names = "\0".join(paths).encode("utf-8", "surrogateescape") + b"\0"
        self.run("update-index", "--add", "-z", "--stdin", stdin=names)

    def commit_merge(self, env: dict[str, str]) -> None:
        """Commit the merge in progress with the message git prepared for it (no hooks)."""
        self.run("commit", "-q", "--no-edit", "--no-verify", env=env)

    def abort_merge(self) -> None:
        """Undo the merge in progress: HEAD, index and working tree as they were before it."""
        self.run("merge", "--abort")

    # --- moving HEAD safely -------------------------------------------------

    def _advance_head(
        self, build: Callable[[str | None, str | None], str | None], reason: str, delete: str | None = None
    ) -> str | None:
        """Move HEAD to the commit `build(head, head_tree)` makes, by compare-and-swap.

        A plain `git commit` of the user's may hold HEAD.lock or the branch's lock for a few
        milliseconds, or move HEAD between our read and our swap: then we look whether our
        commit landed after all (success: never report failure for a change that is in the
        history), else build again on the new HEAD and retry, a bounded number of times
        (issue 9 #16, issue 10 #10). Returns the commit that landed, or None for no change."""
        deadline = time.monotonic() + GIT_LOCK_WAIT
        delay = 0.01
        seen, self._seen_head = self._seen_head, None
        while True:
            head, head_tree = (seen[0], seen[1]) if seen else self.head_and_tree()
            new = build(head, head_tree)
            if new is None:
                if seen and self.head_and_tree() != (seen[0], seen[1]):  # "no change" on a HEAD read earlier: again
                    seen = None
                    continue
                return None
            seen = None
            try:
                if delete is None:
                    self.run("update-ref", "-m", reason, "HEAD", new, head or ZERO_OID)
                else:  # one transaction: HEAD moves and the helper ref goes, or neither
                    self.run("update-ref", "-m", reason, "--stdin", stdin=f"update HEAD {new} {head or ZERO_OID}\ndelete {delete}\n".encode())
                return new
            except GitError as exc:
                if self._landed(new):
                    return new
                if not _is_lock_race(exc.detail) or time.monotonic() >= deadline:
                    lock = self.held_lock("HEAD.lock", self._branch_lock())
                    if lock is not None:
                        raise lock from None
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)

    def _landed(self, new: str) -> bool:
        head = self.head()
        if head is None:
            return False
        if head == new:
            return True
        try:
            self.run("merge-base", "--is-ancestor", new, head)
            return True
        except GitError:
            return False

    def _branch_lock(self) -> str:
        try:
            return self.run("symbolic-ref", "-q", "HEAD") + ".lock"
        except GitError:
            return "HEAD.lock"

    def held_lock(self, *names: str) -> LockHeld | None:
        """A clear error for the first of git's lock files (relative to the git directory)
        that exists: held by a running git command, or left over from one that crashed."""
        for name in names:
            try:
                path = Path(self.run("rev-parse", "--git-path", name))
            except GitError:
                continue
            path = path if path.is_absolute() else self.root / path
            try:
                age = time.time() - path.lstat().st_mtime
            except OSError:
                continue
            shown = _shown(path, self.root)
            if age >= STALE_LOCK_SECONDS:
                return LockHeld(msg.git_lock_stale(shown, int(age)))
            return LockHeld(msg.git_lock_held(shown))
        return None

    @contextmanager
    def user_index_locked(self) -> Iterator[Path]:
        """Hold the user's .git/index.lock the way git's own commands do, for the moment it takes
        to move HEAD and update the index. Without it, a `git commit` of the user's running in
        that moment would record the index's old blob of our file and revert our change, and a
        tool holding the lock would leave the index behind HEAD (issue 10 #6). Waits (bounded)
        for a git command that holds it; one that stays is refused before anything is committed."""
        lock = git_dir(self.root) / "index.lock"
        deadline = time.monotonic() + GIT_LOCK_WAIT
        delay = 0.01
        while True:
            try:
                handle = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
                try:
                    os.write(handle, _lock_mark())  # whose it is: a tix killed while holding it is seen as gone
                finally:
                    os.close(handle)
                break
            except FileExistsError:
                if _break_if_left_by_a_dead_tix(lock):
                    continue
                if time.monotonic() >= deadline:
                    raise self.held_lock("index.lock") or LockHeld(msg.git_busy("index.lock")) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.2)
        try:
            yield lock
        finally:
            lock.unlink(missing_ok=True)

    def take_up_in_user_index(self, paths: list[str]) -> None:
        """Make git's index hold `paths` as the working tree has them: for the files of a commit
        that landed when its run was killed before it updated the index (`git status` would show
        them deleted and untracked). Callers hold the helpdesk lock."""
        index_info = self._index_info(paths)
        with self.user_index_locked():
            self._update_user_index(index_info)

    def _update_user_index(self, index_info: bytes) -> None:
        """Keep the user's own index in step with a commit (the caller holds index.lock), so
        `git status` stays clean and the user's next `git commit` keeps our change."""
        self._finish_user_index_update(self._begin_user_index_update(index_info), keep=True)

    def _begin_user_index_update(self, index_info: bytes, files: list[str] | None = None) -> tuple[Begun, Path] | None:
        """Start updating git's index (the caller holds index.lock), on a copy that
        _finish_user_index_update renames into place, as git itself does. The copy is a second
        name of the index file (git writes `user-index.lock` and renames it over that name, never
        writing the file it reads), so no megabytes are copied; a copy where links fail.
        `files` (all present): git takes them up from the working tree as `git add` does, with
        their stat data, where `--index-info` records none and every later `git diff-index`
        (each `tix list`'s check for hand edits) would report them changed until a `git status`.
        None when no copy could be made: `git status` shows the difference until `git reset`."""
        index = git_dir(self.root) / "index"
        copy = git_dir(self.root) / "tix" / "user-index"
        try:
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.unlink(missing_ok=True)
            if index.exists():
                try:
                    os.link(index, copy)
                except OSError:
                    import shutil  # here: 1.7 ms that the other commands do without

                    shutil.copyfile(index, copy)
        except OSError:
            copy.unlink(missing_ok=True)
            return None
        env = {"GIT_INDEX_FILE": str(copy)}
        if files:
            stdin = b"".join(path.encode("utf-8", "surrogateescape") + b"\0" for path in files)
            return self.start("update-index", "-z", "--add", "--stdin", env=env, stdin=stdin), copy
        return self.start("update-index", "-z", "--index-info", env=env, stdin=index_info), copy

    def _finish_user_index_update(self, started: tuple[Begun, Path] | None, keep: bool) -> None:
        """The copy takes the index's place when git updated it and `keep` (the commit landed)."""
        if started is None:
            return
        update, copy = started
        update.communicate()
        try:
            if update.returncode == 0 and keep:
                os.replace(copy, git_dir(self.root) / "index")
        except OSError:
            pass
        finally:
            copy.unlink(missing_ok=True)  # e.g. a split index: `git status` shows the difference until `git reset`

    def commit_files(
        self, files: dict[str, bytes | None], message: str, author: Person, when: datetime | None = None, wait: bool = True,
        base: tuple[str, str] | None = None, packed: dict[str, PackedBlob] | None = None,
    ) -> Any:  # fmt: skip
        """Commit many files given as content (None: delete) in one `git fast-import` pack.

        For bulk writers (mail import): loose objects cost ~1 ms each here, a pack of a
        thousand files a few. The working tree must already hold the same bytes; HEAD moves
        by compare-and-swap, and both indexes are updated from ids computed here, so git
        hashes nothing twice. Returns the new commit, or None when nothing changed.
        With `wait=False` it returns a FileCommit at once, its pack being written by git
        meanwhile (on the other core); its `land()` moves HEAD and returns what this returns.
        `base` (commit, tree) is where HEAD most likely is (the caller's last commit): the pack
        is started on it without asking git; a HEAD found elsewhere on landing is built on again.
        `packed`: files among them already made blobs (storage/packfile.py, by the import's parse
        workers), written here as a pack of their own that fast-import only names."""
        header = self._stream_head(message, author, when)
        parts = []
        info = []
        import hashlib  # noqa: F401  loaded: blob_id hashes through OpenSSL, six times faster than _sha1 on many files

        packed = packed if packed and self._pack_dir() else {}
        blobs = []
        for path, data in files.items():
            name = _fast_import_path(path)
            blob = packed.get(path)
            if data is None:
                parts.append(b"D " + name + b"\n")
                info.append(f"0 {ZERO_OID}\t{path}")
            elif blob is not None and blob.size == len(data):
                blobs.append(blob)
                parts.append(b"M 100644 " + blob.oid.encode() + b" " + name + b"\n")
                info.append(f"100644 {blob.oid}\t{path}")
            else:
                parts.append(_inline(path, data))
                info.append(f"100644 {blob_id(data)}\t{path}")
        parts.append(b"\n")
        if blobs:  # before fast-import starts: it looks each named blob up
            from tix.storage.packfile import write_pack

            write_pack(self._pack_dir() or "", blobs)
        index_info = "".join(line + "\0" for line in info).encode("utf-8", "surrogateescape")
        pending = FileCommit(self, header, parts, index_info, message.splitlines()[0], base)
        return pending.land() if wait else pending

    def _pack_dir(self) -> str | None:
        """objects/pack, as git finds it (a worktree's is its main repository's); None in a
        SHA-256 repository, whose ids storage/packfile.py does not make, in a shared one, and
        with a git older than 2.31 (no --path-format): fast-import then writes those blobs too."""
        if self._packs is None:
            try:
                found = self.run("rev-parse", "--show-object-format", "--path-format=absolute", "--git-path", "objects/pack").split("\n")
            except GitError:
                found = ["", ""]
            shared = self.config_value("core.sharedRepository")  # git gives a shared repository's packs its group's modes
            self._packs = found[1] if found[0] == "sha1" and shared in (None, "false", "umask", "0") else ""
        return self._packs or None

    def _fast_import(self, spool: Any) -> subprocess.Popen[bytes]:
        """Start `git fast-import` reading a spooled stream from its start (a file: no thread
        feeds a pipe). Mail does not delta against the unrelated blob before it, which is all
        fast-import tries: no deltas, and zlib's fastest level (packs ~3 % larger, written in
        about half the time)."""
        import subprocess
        import tempfile

        spool.flush()
        errors = tempfile.TemporaryFile(dir=git_dir(self.root))  # noqa: SIM115  read after git exits, closed there
        command = ["git", "-c", "core.compression=1", "-c", "pack.compression=1", "fast-import", "--quiet", "--force", "--depth=0"]
        spool.seek(0)
        process = subprocess.Popen(command, cwd=self.root, stdin=spool, stdout=subprocess.DEVNULL, stderr=errors)
        process.errors = errors  # type: ignore[attr-defined]
        return process

    def _index_info(self, paths: list[str]) -> bytes:
        """`update-index --index-info` input for the paths: each file hashed into the object
        store once (one `hash-object` for all), a missing file as a removal."""
        present = [path for path in paths if (self.root / path).is_file()]
        oids = []
        if present:
            names = "\n".join(present).encode("utf-8", "surrogateescape")
            oids = self.run("hash-object", "-w", "--stdin-paths", stdin=names).split()
        lines = [f"100644 {oid}\t{path}" for oid, path in zip(oids, present, strict=True)]
        kept = set(present)
        lines += [f"0 {ZERO_OID}\t{path}" for path in paths if path not in kept]
        return "".join(line + "\0" for line in lines).encode("utf-8", "surrogateescape")


# Per worktree (git's refs/worktree/): a linked worktree has a helpdesk lock of its own, so two
# worktrees can commit at once and must not build on each other's helper ref.
_TEMP_REF = "refs/worktree/tix/commit-in-progress"


class FileCommit:
    """A commit of file contents whose pack git is writing (GitRepo.commit_files, wait=False):
    `land()` waits for it and moves HEAD by compare-and-swap. Started on HEAD as it was; if
    HEAD moved meanwhile (a teammate's commit), it is built again on the new HEAD."""

    def __init__(
        self, repo: GitRepo, header: bytes, parts: list[bytes], index_info: bytes, reason: str, base: tuple[str, str] | None = None
    ) -> None:  # fmt: skip
        import tempfile

        self.repo = repo
        self.header, self.index_info, self.reason = header, index_info, reason
        self.base, self.base_tree = base or repo.head_and_tree()
        self.parent: str | None = None  # the commit it landed on
        self.tree: str | None = None  # the tree of the commit it made
        # The stream waits in an unlinked file (not in memory while the next batch is read).
        self._spool = tempfile.TemporaryFile(dir=git_dir(repo.root))  # noqa: SIM115  lives as long as the pending commit
        self._spool.write(self._head_of_stream(self.base))
        self._parts_at = self._spool.tell()
        self._spool.writelines(parts)
        self._process: subprocess.Popen[bytes] | None = repo._fast_import(self._spool)
        self._started = False  # set on landing: the pack made ahead is there to use

    def _head_of_stream(self, head: str | None) -> bytes:
        return self.header + (f"from {head}\n".encode() if head else b"")

    def _restart_on(self, head: str | None) -> None:
        """The same stream, built on another HEAD."""
        import shutil
        import tempfile

        spool = tempfile.TemporaryFile(dir=git_dir(self.repo.root))  # noqa: SIM115  replaces self._spool
        spool.write(self._head_of_stream(head))
        self._spool.seek(self._parts_at)
        shutil.copyfileobj(self._spool, spool)
        self._spool.close()
        self._spool, self._parts_at = spool, len(self._head_of_stream(head))
        self._process = self.repo._fast_import(self._spool)

    def _wait(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        returncode = process.wait()
        errors = process.errors  # type: ignore[attr-defined]
        errors.seek(0)
        detail = errors.read().decode("utf-8", "replace").strip()
        errors.close()
        if returncode != 0:
            last = detail.splitlines()[-1] if detail else msg.git_exit_status(returncode)
            raise GitError(msg.git_failed("fast-import", last), detail)

    def cancel(self) -> None:
        """Stop git writing the pack (the run is failing: its journal completes the batch later)."""
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()
            process.errors.close()  # type: ignore[attr-defined]

    def land(self) -> str | None:
        repo = self.repo
        bases: list[str | None] = []

        def build(head: str | None, head_tree: str | None) -> str | None:
            bases.append(head)
            started, self._started = self._started, False
            if not started or head != self.base:  # the pack made ahead is on another HEAD (or was used)
                self._restart_on(head)
                self._wait()
            new, self.tree = repo.run("rev-parse", _TEMP_REF, f"{_TEMP_REF}^{{tree}}").split()
            if head is not None and self.tree == head_tree:
                return None
            return repo._signed(new)

        try:
            # The pack is finished before git's index.lock is taken: the lock is held only for
            # moving HEAD and updating the index (a kill -9 inside that moment leaves it behind, marked as
            # ours: the next tix removes it, see _break_if_left_by_a_dead_tix).
            self._started = self._process is not None
            self._wait()
            with repo.user_index_locked():
                new = None
                try:
                    new = repo._advance_head(build, self.reason, delete=_TEMP_REF)
                finally:
                    if new is None:  # on success the helper ref went with HEAD's move
                        repo.run("update-ref", "-d", _TEMP_REF)
                if new is None:
                    return None
                repo._update_user_index(self.index_info)
        finally:
            self.cancel()
            self._spool.close()
        self.parent = bases[-1]
        return new


def _tracking_ref(remote: str, branch: str) -> str:
    return f"refs/remotes/{remote}/{branch}"


def _batch_env() -> dict[str, str]:
    """For commands that reach a remote: fail instead of asking for a password or a host key
    (tix sync runs from cron as well as by hand)."""
    env = {"GIT_TERMINAL_PROMPT": "0"}
    if "GIT_SSH_COMMAND" not in os.environ:
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes -o ConnectTimeout=20"
    return env


def _is_lock_race(detail: str) -> bool:
    """A git error that says a lock file was taken or a ref moved under us: worth a retry."""
    text = detail.lower()
    return any(s in text for s in (".lock': file exists", "cannot lock ref", "unable to create", "but expected",
                                   "another git process seems to be running"))  # fmt: skip


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def _git_bool(value: str | None, default: bool) -> bool:
    """A boolean as git reads one from its config or environment (true/yes/on, false/no/off,
    empty for false, a number); `default` when unset or unreadable."""
    if value is None:
        return default
    word = value.strip().lower()
    if word in ("true", "yes", "on"):
        return True
    if word in ("false", "no", "off", ""):
        return False
    try:
        return int(word) != 0
    except ValueError:
        return default


def _ident(person: Person) -> bytes:
    name = re.sub(r"[<>\n]", "", person.name or person.email)
    email = re.sub(r"[<>\n\s]", "", person.email)
    return f"{name} <{email}>".encode("utf-8", "replace")


def _inline(path: str, data: bytes) -> bytes:
    """A fast-import file command with the file's bytes in the stream."""
    return b"M 100644 inline " + _fast_import_path(path) + b"\ndata %d\n" % len(data) + data + b"\n"


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


def common_dir(root: Path) -> Path:
    """The git directory the checkouts of a repository share (its config, info/attributes): a
    linked worktree's own git directory names it in `commondir`; elsewhere it is git_dir's."""
    own = git_dir(root)
    try:
        return (own / (own / "commondir").read_text(encoding="utf-8").strip()).resolve()
    except OSError:
        return own


def iter_ancestors(start: Path) -> Iterator[Path]:
    yield start
    yield from start.parents


# --- the ticket merge driver: registered in every clone, since git config never travels ---

DRIVER_NAME = "tix ticket merge (field by field, entries as a union)"
DRIVER_MODULE = "tix.storage.mergedriver"
INFO_ATTRIBUTES = "tickets/**/ticket.md merge=tix"


def driver_command() -> str:
    import shlex

    return f"{shlex.quote(sys.executable)} -m {DRIVER_MODULE} %O %A %B %P"


def ensure_merge_driver(git: GitRepo) -> bool:
    """Register the ticket merge driver in this clone's config (it cannot travel with a clone),
    and declare it in .git/info/attributes, which outranks every committed .gitattributes: a
    pushed `merge=union` line cannot bypass it (issue 10 #7). Cheap when both are there: two
    small reads. A driver registered by an older tix (another module path) or by a Python that
    is gone is registered again. True if the driver had to be registered."""
    _ensure_info_attributes(git.root)
    config = common_dir(git.root) / "config"
    try:
        text = config.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return False
    if '[merge "tix"]' in text:
        start = text.index('[merge "tix"]')
        section = text[start : text.find("\n[", start + 1) if "\n[" in text[start + 1 :] else len(text)]
        for line in section.splitlines():
            key, _, value = line.strip().partition("=")
            if key.strip() == "driver":
                import shlex

                words = shlex.split(value.strip()) if value.strip() else []
                if words and os.path.exists(words[0]) and DRIVER_MODULE in words:
                    return False
    git.run("config", "merge.tix.name", DRIVER_NAME)
    git.run("config", "merge.tix.driver", driver_command())
    return True


def _ensure_info_attributes(root: Path) -> None:
    path = common_dir(root) / "info" / "attributes"  # git reads the shared one, also in a linked worktree
    try:
        current = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        current = ""
    except OSError:
        return
    if INFO_ATTRIBUTES in current.splitlines():
        return
    separator = "" if not current or current.endswith("\n") else "\n"
    note = "# tix: its own merge driver for ticket files, above any committed .gitattributes\n"
    write_atomic(path, current + separator + note + INFO_ATTRIBUTES + "\n")


# --- index.lock left by a killed tix ---------------------------------------------------------------
# tix holds .git/index.lock for the moment it moves HEAD (user_index_locked). A `kill -9` in that moment
# leaves it behind, and git never removes a lock by itself: every later import would fail (75) until a
# person deleted it. So the lock tix creates says whose it is, and a lock whose tix is gone (same host,
# no such process) is removed by the next tix. A lock without that mark is git's or another tool's:
# never touched.
_LOCK_MARK = b"tix-lock "


def _lock_mark() -> bytes:
    return _LOCK_MARK + f"{os.getpid()} {os.uname().nodename}\n".encode()


def _left_by_a_dead_tix(lock: Path) -> bool:
    try:
        with open(lock, "rb") as handle:
            head = handle.read(300)
    except OSError:
        return False
    if not head.startswith(_LOCK_MARK):
        return False
    try:
        pid_text, host = head[len(_LOCK_MARK) :].decode("utf-8").split()
        pid = int(pid_text)
    except ValueError:
        return False
    if host != os.uname().nodename or pid == os.getpid() or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, as another user
        return False
    return False


def _break_if_left_by_a_dead_tix(lock: Path) -> bool:
    """Remove `lock` when a tix that is gone left it; True when it did. Breakers take turns (a flock),
    so one cannot remove the fresh lock another has just made in its place."""
    import fcntl

    turns = lock.parent / "tix" / "index-lock-break"
    turns.parent.mkdir(parents=True, exist_ok=True)
    with open(turns, "a+") as turn:
        fcntl.flock(turn, fcntl.LOCK_EX)
        if not _left_by_a_dead_tix(lock):
            return False
        lock.unlink(missing_ok=True)
        return True
