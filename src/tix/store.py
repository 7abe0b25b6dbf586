"""Where things are in a helpdesk repository, and safe reading and writing of ticket files.

    tix.yaml                       configuration (config.py)
    templates/                     reply templates
    tickets/4K/4KX2QF7A/ticket.md  one folder per ticket, sharded by the first two ID characters;
                                   raw mail and attachments live in the same folder
    .git/tix/                      per-clone derived state: index, lock (never committed)
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from tix import ids
from tix.config import CONFIG_FILE, Config
from tix.errors import AmbiguousId, LockHeld, NotAHelpdesk, TicketNotFound, TixError
from tix.gitrepo import GitRepo, git_dir
from tix.model import Ticket

TICKETS_DIR = "tickets"
TICKET_FILE = "ticket.md"
LOCK_WAIT_SECONDS = float(os.environ.get("TIX_LOCK_WAIT", "10"))


def find_root(start: Path) -> Path:
    """The helpdesk root: the nearest folder at or above `start` holding tix.yaml and a git repository."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file() and (folder / ".git").exists():
            return folder
    raise NotAHelpdesk(f"not inside a helpdesk (no {CONFIG_FILE} in {start} or above); run `tix init` or use -C DIR")


def ticket_relpath(ticket_id: str) -> str:
    return f"{TICKETS_DIR}/{ids.shard(ticket_id)}/{ticket_id}/{TICKET_FILE}"


class UnsafePath(TixError):
    """A path in the repository that would lead outside it (a committed symlink)."""


_ROOTS: set[str] = set()  # helpdesk roots of this process: writes below them never follow a symlink


class Helpdesk:
    """One helpdesk repository: its configuration, its ticket files and its git."""

    def __init__(self, root: Path) -> None:
        self.root = root
        _ROOTS.add(os.path.abspath(root))
        self.git = GitRepo(root)

    @classmethod
    def discover(cls, start: Path) -> Helpdesk:
        """The helpdesk at or above `start` (bootstrap.open_helpdesk also registers the merge driver)."""
        return cls(find_root(start))

    @cached_property
    def config(self) -> Config:
        return Config.load(self.root)

    @cached_property
    def state_dir(self) -> Path:
        path = git_dir(self.root) / "tix"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @cached_property
    def clone_id(self) -> str:
        """A random id of this clone, kept in .git/tix (it never travels with a clone)."""
        path = self.state_dir / "clone-id"
        try:
            return path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            value = ids.random_id()
            write_atomic(path, value + "\n")
            return value

    # --- ticket files -------------------------------------------------------

    def path_of(self, ticket_id: str) -> Path:
        return self.root / ticket_relpath(ticket_id)

    def resolve(self, text: str) -> str:
        """The full ID for a user's ID or unambiguous prefix, looked up in the working tree."""
        prefix = ids.normalize(text)
        if prefix is None:
            raise TicketNotFound(f"'{text}' is not a ticket ID (IDs use {ids.ALPHABET})")
        if ids.is_full_id(prefix):
            if self.path_of(prefix).is_file():
                return prefix
            raise TicketNotFound(f"no ticket {prefix}")
        matches = sorted(self._ids_with_prefix(prefix))
        if not matches:
            raise TicketNotFound(f"no ticket matches '{prefix}'")
        if len(matches) > 1:
            shown = ", ".join(matches[:5]) + (", …" if len(matches) > 5 else "")
            raise AmbiguousId(f"'{prefix}' is ambiguous: {len(matches)} tickets match ({shown})")
        return matches[0]

    def _ids_with_prefix(self, prefix: str) -> Iterator[str]:
        base = self.root / TICKETS_DIR
        shards = [prefix[: ids.SHARD_LENGTH]] if len(prefix) >= ids.SHARD_LENGTH else self._names(base, prefix)
        for shard in shards:
            for name in self._names(base / shard, prefix):
                if (base / shard / name / TICKET_FILE).is_file():
                    yield name

    @staticmethod
    def _names(folder: Path, prefix: str) -> list[str]:
        try:
            return [entry.name for entry in os.scandir(folder) if entry.name.startswith(prefix)]
        except (FileNotFoundError, NotADirectoryError):
            return []

    def ticket_names_in_shard(self, shard: str) -> list[str]:
        folder = self.root / TICKETS_DIR / shard
        return [name for name in self._names(folder, "") if (folder / name / TICKET_FILE).is_file()]

    def all_ticket_paths(self) -> Iterator[str]:
        """Relative paths of every ticket file in the working tree."""
        for shard in self._names(self.root / TICKETS_DIR, ""):
            for name in self.ticket_names_in_shard(shard):
                yield f"{TICKETS_DIR}/{shard}/{name}/{TICKET_FILE}"

    def exists(self, ticket_id: str) -> bool:
        return self.path_of(ticket_id).is_file()

    def load(self, ticket_id: str) -> Ticket:
        from tix import ticketfile

        path = self.path_of(ticket_id)  # the id is checked against its folder on loading
        return ticketfile.loads(read_text(path), str(path.relative_to(self.root)))

    def save(self, ticket: Ticket) -> str:
        """Write the ticket file atomically; returns its path relative to the root."""
        from tix import ticketfile

        relpath = ticket_relpath(ticket.id)
        write_atomic(self.root / relpath, ticketfile.dumps(ticket))
        return relpath

    # --- locking ------------------------------------------------------------

    @contextmanager
    def locked(self, wait: float | None = None) -> Iterator[None]:
        """Hold the clone's write lock (one writer at a time: a person, cron import, sync)."""
        wait = LOCK_WAIT_SECONDS if wait is None else wait
        with open(self.state_dir / "lock", "a+") as handle:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise LockHeld("another tix command is writing to this helpdesk; try again shortly") from None
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _root_of(path: Path | str) -> str | None:
    absolute = os.path.abspath(path)
    for root in _ROOTS:
        if absolute.startswith(root) and absolute[len(root) : len(root) + 1] == "/":
            return root
    return None


def ensure_real_dirs(folder: Path | str, create: bool = True, checked: set[str] | None = None) -> None:
    """Check (and with `create`, make) every folder from the helpdesk root down to `folder` as
    a real directory, never a symlink: a teammate can commit a symlink at a ticket's shard or
    entry folder, and following it would write outside the repository (issue 10 #1).
    `checked` remembers folders found real (absolute paths; a caller holding the helpdesk lock,
    e.g. an import run): each is then checked once, not once per file."""
    root = _root_of(folder)
    if root is None:
        if create:
            Path(folder).mkdir(parents=True, exist_ok=True)
        return
    absolute = os.path.abspath(folder)
    if checked is not None and absolute in checked:
        return
    current = root
    for part in absolute[len(root) + 1 :].split("/"):
        current = f"{current}/{part}"
        if checked is not None and current in checked:
            continue
        if create:  # most folders a writer names are new (an entry's): make it first, look only if it was there
            try:
                os.mkdir(current)
                mode = stat.S_IFDIR  # made just now, by us
            except FileExistsError:
                mode = os.lstat(current).st_mode
        else:
            try:
                mode = os.lstat(current).st_mode
            except FileNotFoundError:
                return
        if not stat.S_ISDIR(mode):
            what = "a symlink" if stat.S_ISLNK(mode) else "not a folder"
            shown = os.path.relpath(current, root)
            raise UnsafePath(f"refusing to {'write' if create else 'read'} below {shown}: it is {what} (committed by someone?); remove it with git rm")
        if checked is not None:
            checked.add(current)


def read_text(path: Path) -> str:
    """A file of the helpdesk, read only if it is a regular file inside it (no symlinks)."""
    return read_bytes(path).decode("utf-8", errors="replace")


def read_bytes(path: Path, checked: set[str] | None = None) -> bytes:
    """A file of the helpdesk, read only if it is a regular file inside it (no symlinks);
    `checked` as for ensure_real_dirs."""
    root = _root_of(path)
    if root is None:
        return path.read_bytes()
    ensure_real_dirs(path.parent, create=False, checked=checked)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafePath(f"refusing to read {os.path.relpath(path, root)}: it is a symlink (committed by someone?); remove it with git rm") from None
        raise
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise UnsafePath(f"refusing to read {os.path.relpath(path, root)}: it is not a regular file")
        return handle.read()


def _read_umask() -> int:
    """The process's umask, without changing it (os.umask sets it, which races other threads):
    Linux reports it in /proc; elsewhere it is read once, here, while no threads run yet."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


UMASK = _read_umask()


def write_atomic(path: Path, content: str | bytes, durable: bool = True, make_parent: bool = True, private: bool = False) -> None:
    """Write through a temporary file and rename, so a crash never leaves half a file.
    `durable` also fsyncs it (survives a power cut); bulk writers skip that per file.
    The file gets the mode git gives checked-out files (0666 less the umask: a helpdesk shared
    by a group stays readable to it); `private` files (secrets) stay 0600."""
    ensure_real_dirs(path.parent, create=make_parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if not private:
            os.fchmod(fd, 0o666 & ~UMASK)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content.encode("utf-8") if isinstance(content, str) else content)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def write_many(root: Path, files: dict[str, bytes], checked: set[str]) -> None:
    """Write many files below the helpdesk root (paths relative to it), in the given order, each
    whole through a crash (a temporary name, then a rename), none fsynced: for a bulk writer
    holding the helpdesk lock (a mail import batch, which its journal makes crash-safe).
    Folders are made and checked real once (`checked`, as ensure_real_dirs); no file is
    opened through a symlink. The mode is git's (0666 less the umask, applied by open)."""
    base = os.path.abspath(root)
    for relpath, data in files.items():
        folder = f"{base}/{relpath.rpartition('/')[0]}" if "/" in relpath else base
        if folder not in checked:
            ensure_real_dirs(folder, create=True, checked=checked)
        tmp = f"{folder}/.tix-write.tmp"  # one at a time: the lock holder is the only writer
        try:
            fd = os.open(tmp, _WRITE_FLAGS, 0o666)
        except FileExistsError:  # left by a run that crashed
            os.unlink(tmp)
            fd = os.open(tmp, _WRITE_FLAGS, 0o666)
        try:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
            os.replace(tmp, f"{base}/{relpath}")
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

