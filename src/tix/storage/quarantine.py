"""The quarantine folder: mail that could not be filed waits there as `<digest>.eml`, with a
note `<digest>.txt` saying why, until `tix import --retry-quarantine` files it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tix.storage.files import ensure_real_dirs

QUARANTINE_DIR = "quarantine"


class Quarantine:
    def __init__(self, root: Path) -> None:
        self.folder = root / QUARANTINE_DIR

    def waiting(self) -> tuple[list[Path], list[Path]]:
        """The messages waiting, and the entries that are not regular files (never read: a
        pushed symlink must not make the importer read an outside file, issue 10 #4)."""
        ensure_real_dirs(self.folder, create=False)
        regular: list[Path] = []
        others: list[Path] = []
        for path in sorted(self.folder.glob("*.eml")):
            (others if path.is_symlink() or not path.is_file() else regular).append(path)
        return regular, others

    def holds(self, path: Path | None) -> bool:
        """Whether the file is one waiting in quarantine (a message retried from there)."""
        return path is not None and path.parent == self.folder

    def copy_of(self, digest: str, path: Path | None) -> str | None:
        """The name of the copy of these bytes waiting in quarantine, unless it is `path` itself."""
        stored = self.folder / name(digest)
        if not stored.exists() or (path is not None and path.resolve() == stored.resolve()):
            return None
        return stored.name

    def files(self, digest: str, raw: bytes, reason: str, source: str, time: datetime) -> dict[str, bytes]:
        """A message's files in quarantine (relative to the helpdesk root): it, and its note."""
        note = f"reason: {reason}\nsource: {source}\ntime: {time.isoformat()}\nretry: tix import --retry-quarantine\n"
        return {f"{QUARANTINE_DIR}/{name(digest)}": raw, f"{QUARANTINE_DIR}/{digest[:40]}.txt": note.encode("utf-8")}


def name(digest: str) -> str:
    """The file name of a message in quarantine, from the SHA-256 of its bytes."""
    return f"{digest[:40]}.eml"


def filed(path: Path) -> list[str]:
    """The files to remove once a message retried from quarantine is filed (relative paths)."""
    return [f"{QUARANTINE_DIR}/{path.name}", f"{QUARANTINE_DIR}/{path.stem}.txt"]
