"""Domain errors. Each carries the exit code the CLI reports; `main` prints the message as one line."""

from __future__ import annotations

from tix import messages as msg

# Exit codes are part of the interface (docs/CLI.md): scripts and cron rely on them.
EXIT_OK = 0
EXIT_USER_ERROR = 1
EXIT_USAGE = 2
EXIT_QUARANTINED = 3  # an import finished, but some messages could not be read (kept in quarantine/)
EXIT_TEMPFAIL = 75  # sysexits EX_TEMPFAIL: a lock is held or a remote is unreachable; retry later


class TixError(Exception):
    """An error the user can act on; never shown with a traceback."""

    exit_code = EXIT_USER_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAHelpdesk(TixError):
    pass


class ConfigError(TixError):
    pass


class TicketNotFound(TixError):
    pass


class AmbiguousId(TixError):
    pass


class InvalidValue(TixError):
    pass


class TemplateError(InvalidValue):
    """A reply template that cannot be read or rendered; the message names the template (and line)."""

    def __init__(self, name: str, reason: str, line: int | None = None) -> None:
        super().__init__(msg.template_error(name, reason, line))
        self.template = name
        self.line = line
        self.reason = reason


class TicketFormatError(TixError):
    """A ticket file that cannot be parsed; the message names the file."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(msg.ticket_format_error(path, reason))
        self.path = path
        self.reason = reason


class ArticleFormatError(TixError):
    """A knowledge-base article file that cannot be read as an article; the message names the file."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(msg.kb_format_error(path, reason))
        self.path = path
        self.reason = reason


class NoIdentity(TixError):
    pass


class GitError(TixError):
    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail or message


class LockHeld(TixError):
    exit_code = EXIT_TEMPFAIL


class StorageError(TixError):
    """The file system refused a write: full, read-only, or not ours to write."""


def storage_error(exc: OSError, action: str = "write") -> StorageError:
    """One clear line for an OSError of the file system (issue 9 #24)."""
    import errno

    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        error = StorageError(msg.storage_disk_full(action, exc.filename))
        error.exit_code = EXIT_TEMPFAIL
        return error
    if exc.errno == errno.EROFS:
        return StorageError(msg.storage_read_only(action, exc.filename))
    if exc.errno in (errno.EACCES, errno.EPERM):
        return StorageError(msg.storage_denied(action, exc.filename))
    return StorageError(msg.storage_failed(action, exc.filename, exc.strerror or str(exc)))


