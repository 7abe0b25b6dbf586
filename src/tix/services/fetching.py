"""`tix fetch`: mail from IMAP mailboxes into tickets, through the same intake as `tix import`.

One run holds the importer's lock (a second `tix fetch` or `tix import` waits, then exits 75),
connects to each account named in tix.yaml's `imap` section, and hands its folders to the importer
as sources (mail/sources/imap.py): threading, robots, quarantine, acknowledgements and rules are
the importer's. `watch` runs a fetch, then waits with IDLE on every folder (or polls where the
server has none) and runs again, reconnecting with a growing pause when the server goes away.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

from tix import messages as msg
from tix.domain.settings import ImapAccount, Settings
from tix.errors import InvalidValue, LockHeld
from tix.mail.sources.base import Source
from tix.mail.sources.imap import FolderWatch, ImapSource, ImapUnavailable
from tix.services.desk import Desk
from tix.services.intake import Importer, Report

BACKOFF_SECONDS = (1.0, 300.0)  # the first pause after a failure, and the longest


def accounts(settings: Settings, name: str | None = None) -> list[ImapAccount]:
    """The accounts a fetch reads: the one named, else all of them."""
    if not settings.imap:
        raise InvalidValue(msg.fetch_no_accounts())
    if name is None:
        return list(settings.imap.values())
    if name not in settings.imap:
        raise InvalidValue(msg.fetch_unknown_account(name, sorted(settings.imap)))
    return [settings.imap[name]]


def fetch(
    desk: Desk, name: str | None = None, dry_run: bool = False, since: date | None = None,
    keep_decisions: bool = False, progress: Callable[[int], None] | None = None,
) -> Report:  # fmt: skip
    """Fetch what is new in each folder of the accounts, exactly once (mail/sources/imap.py)."""
    chosen = accounts(desk.config.settings, name)
    importer = Importer(desk, dry_run=dry_run, keep_decisions=keep_decisions, progress=progress)
    made: list[ImapSource] = []

    def sources() -> list[Source]:
        state = importer.ledger.imap_state()  # the ledger is open once the importer holds the lock
        made.extend(ImapSource(account, state, importer.report.warn, since, dry_run) for account in chosen)
        return list(made)

    try:
        return importer.run_sources(sources)
    finally:
        for source in made:
            source.close()


def watch(
    desk: Callable[[], Desk], name: str | None, since: date | None, show: Callable[[Report | None, str | None], None],
    interval: float = 60.0, sleep: Callable[[float], None] = time.sleep, cycles: int | None = None,
) -> None:  # fmt: skip
    """Fetch, wait for mail (IDLE on every folder of every account at once, at most `interval`
    seconds), fetch again; forever, or `cycles` times. The IDLE connections (one per folder) are
    kept between fetches and put into IDLE before each fetch (mail/sources/imap.py FolderWatch),
    so mail that arrives while a fetch runs wakes the next wait. A server gone or the lock held is shown and retried after a pause that doubles up to
    5 minutes; a refusal (login, folder) ends the watch with its one line."""
    watcher = FolderWatch(accounts(desk().config.settings, name))
    pause = BACKOFF_SECONDS[0]
    done = 0
    try:
        while cycles is None or done < cycles:
            done += 1
            try:
                watcher.start()  # IDLE before the fetch: what arrives during it wakes the wait
                show(fetch(desk(), name, since=since), None)
                watcher.wait(interval, sleep)
                pause = BACKOFF_SECONDS[0]
            except (ImapUnavailable, LockHeld) as exc:
                watcher.close()  # reconnected on the next round
                show(None, msg.fetch_retrying(exc.brief if isinstance(exc, ImapUnavailable) else exc.message, pause))
                sleep(pause)
                pause = min(pause * 2, BACKOFF_SECONDS[1])
    finally:
        watcher.close()
