"""Safe reading and writing below a helpdesk root: never through a symlink a teammate committed
(issue 10), atomic and durable, with the process's umask (issue 9 #9)."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

from tix import messages as msg
from tix.errors import TixError


class UnsafePath(TixError):
    """A path in the repository that would lead outside it (a committed symlink)."""


_ROOTS: set[str] = set()  # helpdesk roots of this process: writes below them never follow a symlink

def register_root(root: Path) -> None:
    """Writes below `root` (a helpdesk this process opened) never follow a symlink."""
    _ROOTS.add(os.path.abspath(root))


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
            raise UnsafePath(msg.unsafe_folder(os.path.relpath(current, root), stat.S_ISLNK(mode), writing=create))
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
            raise UnsafePath(msg.unsafe_symlink(os.path.relpath(path, root))) from None
        raise
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise UnsafePath(msg.unsafe_not_regular(os.path.relpath(path, root)))
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
    while True:  # a name of its own, made as tempfile.mkstemp makes one (without its imports: ~3 ms a state change)
        tmp = f"{path.parent}/.{path.name}.{os.urandom(6).hex()}.tmp"
        try:
            fd = os.open(tmp, _WRITE_FLAGS, 0o600 if private else 0o666)  # the umask applies, as git's checkout
            break
        except FileExistsError:
            continue
    try:
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

