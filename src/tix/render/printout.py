"""What a command prints, in order, and the status it exits with: data on stdout, warnings and
notes for people on stderr (docs/CLI.md), so a script reading stdout sees only the data."""

from __future__ import annotations

from dataclasses import dataclass, field

from tix import messages as msg


@dataclass
class Printout:
    lines: list[tuple[str, bool, bool]] = field(default_factory=list)  # text, on stderr, newline after it
    code: int = 0  # the exit status (docs/CLI.md)

    def out(self, text: str) -> None:
        self.lines.append((text, False, True))

    def err(self, text: str, nl: bool = True) -> None:
        self.lines.append((text, True, nl))

    def warn(self, text: str) -> None:
        self.err(msg.cli_warning(text))
