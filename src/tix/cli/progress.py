"""The progress bar of `tix import` (and `tix fetch`) on a terminal: Click's, with the total,
the rate and the time left; nothing at all when stderr is not a terminal (cron, a pipe)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from tix import messages as msg

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar


class Progress:
    """Called by the importer with the number of messages done so far."""

    def __init__(self, label: str, total: int | None) -> None:
        import click

        self.started = time.monotonic()
        self.bar: ProgressBar[str] = click.progressbar(
            length=total, label=label, file=sys.stderr, show_eta=True, show_pos=True, show_percent=total is not None,
            item_show_func=lambda rate: rate, width=20,
        )  # fmt: skip
        self.bar.render_progress()

    def __call__(self, done: int) -> None:
        elapsed = time.monotonic() - self.started
        rate = msg.progress_rate(done / elapsed) if elapsed > 0 else None
        self.bar.update(done - self.bar.pos, current_item=rate)

    def close(self) -> None:
        """The bar stays, full, on its own line, above the report."""
        self.bar.render_finish()


def progress(label: str, total: Callable[[], int] | None, quiet: bool) -> Progress | None:
    """A progress bar, or None when `quiet` or stderr is no terminal; `total` counts the messages
    (only then: a folder is listed once more for it)."""
    if quiet or not sys.stderr.isatty():
        return None
    return Progress(label, total() if total else None)
