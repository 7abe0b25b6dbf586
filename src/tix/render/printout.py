"""What a command prints, in order, and the status it exits with: data on stdout, warnings and
notes for people on stderr (docs/CLI.md), so a script reading stdout sees only the data."""

from __future__ import annotations

from tix import messages as msg
from tix.domain.record import Record


class Printout(Record):
    __slots__ = ("lines", "code")
    lines: list[tuple[str, bool, bool]]  # text, on stderr, newline after it
    code: int  # the exit status (docs/CLI.md)

    def __init__(self, lines: list[tuple[str, bool, bool]] | None = None, code: int = 0) -> None:
        self.lines = [] if lines is None else lines
        self.code = code

    def out(self, text: str) -> None:
        self.lines.append((text, False, True))

    def err(self, text: str, nl: bool = True) -> None:
        self.lines.append((text, True, nl))

    def warn(self, text: str) -> None:
        self.err(msg.cli_warning(text))
