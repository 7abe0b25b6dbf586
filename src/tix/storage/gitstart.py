"""Git reads begun before they are needed: at 50,000 tickets the longest step of `tix search` and
`tix list` is git's check of the working tree for hand edits (it stats every ticket file) and the
next is Python importing tix. cli/main.py begins the check first thing, from here (standard library
only, nothing of tix, not even subprocess or pathlib: ~7 ms that git would otherwise wait for), and
git works while Python imports; GitRepo.run collects each answer instead of running the command
again. Part of the git layer with gitrepo.py: the only two modules that compose git command lines."""

from __future__ import annotations

import os

from tix.storage.location import TICKETS_DIR, root_of

HEAD_ARGS = ("rev-parse", "--verify", "-q", "HEAD^{commit}")  # GitRepo.head()
# The commands whose first step is the ticket index's refresh (a HEAD and a working-tree check).
REFRESHING = ("list", "search")
_GLOBAL_OPTIONS_WITH_VALUE = ("-C", "--as", "--color")
_GLOBAL_FLAGS = ("--no-pager", "--include-edits")  # and --color=WHEN


class Begun:
    """A git command running in the background (os.posix_spawnp, so no subprocess import), its
    output and error collected by `communicate` as with subprocess.Popen."""

    def __init__(self, root: str, args: tuple[str, ...]) -> None:
        self._out, out_write = os.pipe()
        self._err, err_write = os.pipe()
        actions = [(os.POSIX_SPAWN_DUP2, out_write, 1), (os.POSIX_SPAWN_DUP2, err_write, 2)]
        try:
            self.pid = os.posix_spawnp("git", ["git", "-C", root, *args], os.environ, file_actions=actions)
        finally:
            os.close(out_write)
            os.close(err_write)
        self.returncode = -1  # until communicate() has waited for it

    def communicate(self) -> tuple[bytes, bytes]:
        import select

        chunks: dict[int, list[bytes]] = {self._out: [], self._err: []}
        poll = select.poll()
        for fd in chunks:
            poll.register(fd, select.POLLIN)
        reading = len(chunks)
        while reading:
            for fd, _ in poll.poll():
                data = os.read(fd, 1 << 16)
                if data:
                    chunks[fd].append(data)
                else:
                    poll.unregister(fd)
                    os.close(fd)
                    reading -= 1
        self.returncode = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        return b"".join(chunks[self._out]), b"".join(chunks[self._err])

    def kill(self) -> None:
        try:
            os.kill(self.pid, 9)
        except ProcessLookupError:  # it had ended
            pass


# The reads begun, by (root, args).
STARTED: dict[tuple[str, tuple[str, ...]], Begun] = {}


def modified_args(head: str, pathspec: str) -> tuple[str, ...]:
    return ("diff-index", "--name-only", "--no-renames", "-z", head, "--", pathspec)


def begin_worktree_check(root: str, pathspec: str) -> None:
    """Begin what the next `head()` and `modified_paths(head, pathspec)` of GitRepo(root) ask
    git, both at once in the background; they collect the answers. (HEAD moving between the two
    is a commit made during the command: the next refresh sees it in `git diff`, as when it comes
    just after.) `root`: as root_of gives it."""
    for args in (HEAD_ARGS, modified_args("HEAD", pathspec)):
        key = (root, args)
        if key not in STARTED:
            STARTED[key] = Begun(root, args)


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
    worktree check in the helpdesk it will open (-C DIR, else TIX_DIR, else here). A guess that
    proves wrong costs only the git processes: GitRepo collects only what matches its own reads."""
    command, directory = command_in(argv)
    if command not in REFRESHING:
        return
    root = root_of(directory or os.environ.get("TIX_DIR") or os.curdir)
    if root is not None:
        begin_worktree_check(root, TICKETS_DIR)
