"""The global options (-C, --as, --include-edits, --color, --no-pager) and the helpdesk they point at: Typer-free, for cli/fast.py too."""

from __future__ import annotations

import os
from pathlib import Path

TYPE_CHECKING = False  # as typing's, without importing typing (3 ms; tests/test_startup_imports.py)
if TYPE_CHECKING:
    from tix.services.desk import Desk
    from tix.storage.layout import Helpdesk


class State:
    """Global options, and the helpdesk they point at (found on first use)."""

    def __init__(self, directory: Path | None, as_user: str | None, include_edits: bool = False, colour: str | None = None,
                 pager: bool = True) -> None:  # fmt: skip
        self.directory = directory
        self.as_user = as_user
        self.include_edits = include_edits
        self.colour, self.pager = colour, pager  # --color, and not --no-pager
        self._helpdesk: Helpdesk | None = None

    def configure_terminal(self) -> None:
        from tix.render import terminal

        terminal.configure(self.colour, self.pager)

    @property
    def start(self) -> Path:
        if self.directory:
            return self.directory
        return Path(os.environ["TIX_DIR"]) if os.environ.get("TIX_DIR") else Path.cwd()

    @property
    def helpdesk(self) -> Helpdesk:
        if self._helpdesk is None:
            from tix.storage.layout import open_helpdesk

            start = self.start
            if (self.directory or os.environ.get("TIX_DIR")) and not start.is_dir():
                self._not_a_folder(start)
            self._helpdesk = open_helpdesk(start)
        return self._helpdesk

    def _not_a_folder(self, start: Path) -> None:
        from tix import messages as msg
        from tix.errors import InvalidValue

        source = "-C" if self.directory else "TIX_DIR"
        raise InvalidValue(msg.cli_not_a_folder(start, source) if start.exists() else msg.cli_no_such_folder(start, source))

    def desk(self) -> Desk:
        from tix.services.desk import Desk

        return Desk(self.helpdesk, self.as_user, self.include_edits)
