"""Git reads begun before they are needed: at 50,000 tickets the longest step of `tix search` and
`tix list` is git's check of the working tree for hand edits (it stats every ticket file) and the
next is Python importing tix. cli/main.py begins the check first thing, from here (standard library
only, nothing of tix, not even subprocess or pathlib: ~7 ms that git would otherwise wait for), and
git works while Python imports; GitRepo.run collects each answer instead of running the command
again. A one-line state change (`tix assign 4KX2 anna`) begins its first two reads so: the
identity it commits as and HEAD as the ticket file's check for hand edits reads it. Part of the
git layer with gitrepo.py: the only two modules that compose git command lines."""

from __future__ import annotations

import os

from tix.storage.location import TICKET_FILE, TICKETS_DIR, root_of

HEAD_ARGS = ("rev-parse", "--verify", "-q", "HEAD^{commit}")  # GitRepo.head()
IDENTITY_ARGS = ("config", "--get-regexp", r"^((user|committer)\.(name|email)|commit\.gpgsign)$")  # GitRepo.config_value
HEAD_ENTRIES_ARGS = ("cat-file", "--batch-check=%(objectname) %(objecttype)")  # GitRepo._read_head
# The commands whose first step is the ticket index's refresh (a HEAD and a working-tree check).
REFRESHING = ("list", "search")
# The one-line state changes (cli/fast.py's CHANGES; tests/test_cli_fast.py holds the two equal):
# a ticket first, then its value; these options take a value of their own.
CHANGING = ("assign", "take", "unassign", "status", "reopen", "priority", "category", "queue", "close")
_CHANGE_OPTIONS_WITH_VALUE = ("--format", "-f", "--message", "-m")
_GLOBAL_OPTIONS_WITH_VALUE = ("-C", "--as", "--color")
_GLOBAL_FLAGS = ("--no-pager", "--include-edits")  # and --color=WHEN


class Begun:
    """A git command running in the background (os.posix_spawnp: no subprocess import, ~3 ms of
    every command that runs git), its output and error collected by `communicate` as with
    subprocess.Popen. GitRepo.run runs every one-shot git command so. `stdin` is written at once
    as far as the pipe takes it (a few lines: all of it), the rest while the output is read;
    `env` replaces the environment. tix's own files are never inherited (Python opens them
    close-on-exec), and git puts back SIGPIPE's default that Python's ignoring would pass on."""

    def __init__(self, root: str, args: tuple[str, ...], stdin: bytes = b"", env: dict[str, str] | None = None) -> None:
        self._out, out_write = os.pipe()
        self._err, err_write = os.pipe()
        in_read, self._in = os.pipe() if stdin else (os.open(os.devnull, os.O_RDONLY), -1)
        actions = [(os.POSIX_SPAWN_DUP2, in_read, 0), (os.POSIX_SPAWN_DUP2, out_write, 1), (os.POSIX_SPAWN_DUP2, err_write, 2)]
        try:
            self.pid = os.posix_spawnp("git", ["git", "-C", root, *args], os.environ if env is None else env, file_actions=actions)
        except BaseException:
            for fd in (self._out, self._err, self._in):
                if fd >= 0:
                    os.close(fd)
            raise
        finally:
            for fd in (in_read, out_write, err_write):
                os.close(fd)
        self._pending = memoryview(stdin)
        if self._in >= 0:
            os.set_blocking(self._in, False)
            self._feed()
        self.returncode = -1  # until communicate() has waited for it

    def _feed(self) -> None:
        """Write what of stdin the pipe takes now; close it once all is written or git is gone."""
        try:
            while self._pending:
                self._pending = self._pending[os.write(self._in, self._pending[: 1 << 16]) :]
        except BlockingIOError:
            return
        except BrokenPipeError:  # git ended first (e.g. no repository): its error says why
            pass
        os.close(self._in)
        self._in = -1

    def communicate(self) -> tuple[bytes, bytes]:
        import select

        chunks: dict[int, list[bytes]] = {self._out: [], self._err: []}
        poll = select.poll()
        for fd in chunks:
            poll.register(fd, select.POLLIN)
        if self._in >= 0:
            poll.register(self._in, select.POLLOUT)
        reading = len(chunks)
        while reading:
            for fd, _ in poll.poll():
                if fd == self._in:
                    self._feed()
                    if self._in < 0:
                        poll.unregister(fd)
                    continue
                data = os.read(fd, 1 << 16)
                if data:
                    chunks[fd].append(data)
                else:
                    poll.unregister(fd)
                    os.close(fd)
                    reading -= 1
        if self._in >= 0:  # git closed its output without reading all of its input
            os.close(self._in)
            self._in = -1
        self.returncode = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        return b"".join(chunks[self._out]), b"".join(chunks[self._err])

    def kill(self) -> None:
        try:
            os.kill(self.pid, 9)
        except ProcessLookupError:  # it had ended
            pass


# The reads begun, by (root, args, stdin): GitRepo.run collects one for the same three.
STARTED: dict[tuple[str, tuple[str, ...], bytes], Begun] = {}


def _begin(root: str, args: tuple[str, ...], stdin: bytes = b"") -> None:
    if (root, args, stdin) not in STARTED:
        STARTED[root, args, stdin] = Begun(root, args, stdin)


def head_entries_input(paths: list[str]) -> bytes:
    """What GitRepo._read_head asks `git cat-file` about paths (HEAD, its tree, each path's entry)."""
    return "".join(["HEAD^{commit}\n", "HEAD^{tree}\n", *(f"HEAD:{path}\n" for path in paths)]).encode("utf-8", "surrogateescape")


def modified_args(head: str, pathspec: str) -> tuple[str, ...]:
    return ("diff-index", "--name-only", "--no-renames", "-z", head, "--", pathspec)


def begin_worktree_check(root: str, pathspec: str) -> None:
    """Begin what the next `head()` and `modified_paths(head, pathspec)` of GitRepo(root) ask
    git, both at once in the background; they collect the answers. (HEAD moving between the two
    is a commit made during the command: the next refresh sees it in `git diff`, as when it comes
    just after.) `root`: as root_of gives it."""
    for args in (modified_args("HEAD", pathspec), HEAD_ARGS):  # the longer first: it bounds `tix list`
        _begin(root, args)


def begin_change_reads(root: str, ticket: str) -> None:
    """Begin what a state change of `ticket` (as typed: an ID or a prefix of one) asks git first:
    the identity, and HEAD with the ticket file's entry, the file found as the helpdesk finds it
    (a prefix names one folder of its shard). Anything else typed (a tag, a Message-ID) and a
    prefix that names no ticket or two begin the identity only."""
    _begin(root, IDENTITY_ARGS)
    candidate = ticket.strip().lstrip("#").upper()
    if not 2 <= len(candidate) <= 8 or not candidate.isalnum() or not candidate.isascii():
        return
    shard = os.path.join(root, TICKETS_DIR, candidate[:2])
    try:
        names = [entry.name for entry in os.scandir(shard) if entry.name.startswith(candidate)]
    except OSError:
        return
    if len(names) == 1:
        _begin(root, HEAD_ENTRIES_ARGS, head_entries_input([f"{TICKETS_DIR}/{candidate[:2]}/{names[0]}/{TICKET_FILE}"]))


def command_in(argv: list[str]) -> tuple[str | None, str | None]:
    """(the command `argv` runs, the -C folder it names), past the global options."""
    directory = None
    arguments = iter(argv)
    for argument in arguments:
        if argument in _GLOBAL_OPTIONS_WITH_VALUE:
            value = next(arguments, None)
            if argument == "-C":
                directory = value
            continue
        if argument in _GLOBAL_FLAGS or argument.startswith("--color="):
            continue
        return argument, directory
    return None, directory


def begin_for(argv: list[str]) -> None:
    """The console script's first step: when `argv` runs a command in REFRESHING, begin its
    worktree check in the helpdesk it will open (-C DIR, else TIX_DIR, else here); one in
    CHANGING, its first reads. A guess that proves wrong costs only the git processes: GitRepo
    collects only what matches its own reads."""
    command, directory = command_in(argv)
    if command not in REFRESHING and command not in CHANGING:
        return
    root = root_of(directory or os.environ.get("TIX_DIR") or os.curdir)
    if root is None:
        return
    if command in REFRESHING:
        begin_worktree_check(root, TICKETS_DIR)
        return
    arguments = iter(argv[argv.index(command) + 1 :])
    for argument in arguments:
        if argument in _CHANGE_OPTIONS_WITH_VALUE:
            next(arguments, None)
        elif not argument.startswith("-"):
            begin_change_reads(root, argument)
            return
