"""An IMAP folder as a mail source (`tix fetch`, issue 16), through imapclient.

Exactly once, as mbsync and getmail do it (research: capabilities-anchors §4): a message is known by
(account, folder, UIDVALIDITY, UID), never by the server's \\Seen flag — mail a person read first on
the phone is imported all the same. Messages are read with BODY.PEEK[] (reading never marks them
read), in batches of FETCH_BATCH (bounded memory), oldest UID first. What this clone has committed
of a folder (storage/ledger.py `ImapState`) is written only after the commit that holds the messages
exists (`landed`, called by the importer), and the `after:` action (seen, move, delete) runs only
then too. A run killed at any moment leaves the mark of the last landed batch: the next run fetches
the rest again, and the importer's content hash and Message-ID index find what is already held, so
nothing is lost and nothing is filed twice. The same index covers a UIDVALIDITY change (the folder
is read again from the start) and a UID renumbered without one.

The mark of a folder is a watermark: the highest UID below which every message the server listed is
settled. Messages settle out of order (the importer settles a duplicate before it has filed the
messages parsed before it), so a UID settled above an unsettled one does not move the mark. A
message that cannot be settled (the server returns it empty; its `after:` action failed) is kept in
the mark's `retry` list and fetched again by the next run.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from tix import messages as msg
from tix.domain.settings import ImapAccount
from tix.errors import EXIT_TEMPFAIL, TixError
from tix.mail.sources.base import Item, UnreadableMessage
from tix.storage.ledger import FolderMark, ImapState

if TYPE_CHECKING:
    from imapclient import IMAPClient

FETCH_BATCH = 100  # messages a FETCH asks for: ~100 × the mean message size held at once
TIMEOUT_SECONDS = 60.0
IDLE_RENEW_SECONDS = 29 * 60  # RFC 2177: re-issue IDLE at least every 29 minutes


class ImapUnavailable(TixError):
    """The server cannot be reached or dropped the connection: cron retries (exit 75)."""

    exit_code = EXIT_TEMPFAIL

    def __init__(self, message: str, brief: str) -> None:
        super().__init__(message)
        self.brief = brief  # without what the next run does: --watch says when it retries


class ImapRefused(TixError):
    """The server answered but refused us (login, folder, certificate): a person must look."""

    def __init__(self, message: str, problem: str = "") -> None:
        super().__init__(message)
        self.problem = problem or message


@dataclass
class ImapItem(Item):
    folder: str = ""
    uid: int = 0
    arrived: datetime | None = None  # the server's INTERNALDATE

    def read(self) -> bytes | None:
        if not self.data:
            assert isinstance(self.source, ImapSource)
            raise UnreadableMessage(msg.imap_empty_message(self.source.account.name, self.folder, self.uid))
        return self.data


@dataclass
class _Folder:
    """One folder's progress in this run."""

    uidvalidity: int
    start: int  # the mark this run started from
    retry: set[int]  # earlier runs' UIDs to fetch again (below `start`)
    todo: list[int] = field(default_factory=list)  # the UIDs above `start` the server listed, ascending
    done: set[int] = field(default_factory=set)  # settled (or gone from the server) in this run
    failed: set[int] = field(default_factory=set)  # settled, but the after: action failed: fetched again
    settled_now: list[int] = field(default_factory=list)  # settled since the last `landed`
    mark: int = 0  # the watermark: every UID in todo up to it is done
    position: int = 0  # how far the watermark has come through todo
    fetched: int = 0  # how far the run has come through todo (a completed run: all of it)

    def advance(self) -> None:
        while self.position < len(self.todo) and self.todo[self.position] in self.done:
            self.mark = self.todo[self.position]
            self.position += 1


def connect(account: ImapAccount, timeout: float = TIMEOUT_SECONDS) -> IMAPClient:
    """A logged-in connection: TLS verified unless `tls: insecure`; one clear error otherwise."""
    import ssl

    from imapclient import IMAPClient
    from imapclient.exceptions import IMAPClientError, LoginError

    context = ssl.create_default_context(cafile=account.ca_file or None)
    if not account.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    name, host, port = account.name, account.host, account.port
    secret = _secret(account)  # before connecting: a missing password leaves no connection open
    try:
        client = IMAPClient(host, port, ssl=account.security == "tls", ssl_context=context, timeout=timeout)
        if account.security == "starttls":
            if not client.has_capability("STARTTLS"):
                client.shutdown()
                raise ImapRefused(msg.imap_no_starttls(name, host))
            client.starttls(context)
    except ssl.SSLCertVerificationError as exc:
        raise ImapRefused(msg.imap_bad_certificate(name, host, exc.verify_message or exc.reason)) from None
    except (OSError, IMAPClientError) as exc:  # refused, unreachable, timed out, TLS broken
        problem = _problem(exc)
        raise ImapUnavailable(msg.imap_unreachable(name, host, port, problem),
                              msg.imap_unreachable(name, host, port, problem, later=False)) from None  # fmt: skip
    client.normalise_times = False  # INTERNALDATE with its offset, not as naive local time
    try:
        if account.oauth2_token_command:
            client.oauth2_login(account.user, secret)
        else:
            client.login(account.user, secret)
    except LoginError as exc:
        close_client(client)
        raise ImapRefused(msg.imap_login_failed(name, account.user, _problem(exc))) from None
    except (OSError, IMAPClientError) as exc:
        problem = _problem(exc)
        raise ImapUnavailable(msg.imap_connection_lost(name, problem), msg.imap_connection_lost(name, problem, later=False)) from None
    return client


def _secret(account: ImapAccount) -> str:
    """The password or OAuth2 token: from a command, an environment variable, or a per-user file
    outside the repository (~/.config/tix/imap-NAME-password); never from tix.yaml."""
    name = account.name
    command = account.oauth2_token_command or account.password_command
    if command:
        key = "oauth2_token_command" if account.oauth2_token_command else "password_command"
        try:
            done = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=120, check=False)  # noqa: S602  the admin's own command
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ImapRefused(msg.imap_secret_command_failed(name, key, exc)) from None
        lines = done.stdout.splitlines()
        if done.returncode != 0 or not lines or not lines[0].strip():
            last = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
            raise ImapRefused(msg.imap_secret_command_failed(name, key, last))
        return lines[0].strip()
    if account.password_env:
        value = os.environ.get(account.password_env)
        if not value:
            raise ImapRefused(msg.imap_secret_env_missing(name, account.password_env))
        return value
    variable = "TIX_IMAP_PASSWORD_" + name.upper().replace("-", "_").replace(".", "_")
    if os.environ.get(variable):
        return os.environ[variable]
    path = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "tix" / f"imap-{name}-password"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    raise ImapRefused(msg.imap_no_secret(name))


def _problem(exc: BaseException) -> str:
    text = str(exc).strip()
    if isinstance(exc.args[0] if exc.args else None, bytes):
        text = exc.args[0].decode("utf-8", "replace")
    return text or type(exc).__name__


def close_client(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # noqa: BLE001  closing a connection that may be broken already
        try:
            client.shutdown()
        except Exception:  # noqa: BLE001, S110
            pass


class ImapSource:
    """The folders of one account, fetched over one connection (made when iteration starts,
    under the importer's lock)."""

    def __init__(
        self, account: ImapAccount, state: ImapState, note: Callable[[str], None], since: date | None = None,
        dry_run: bool = False, batch: int = FETCH_BATCH,
    ) -> None:  # fmt: skip
        self.account = account
        self.name = f"imap.{account.name}"
        self.state = state
        self.dry_run = dry_run  # remembers nothing and changes nothing on the server
        self.note = note
        self.since = since
        self.batch = batch
        self.client: IMAPClient | None = None
        self.selected: str | None = None
        self.uidvalidity = 0  # the selected folder's
        self.folders: dict[str, _Folder] = {}

    # --- reading -------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Item]:
        self.client = connect(self.account)
        if self.account.after == "move" and not self.dry_run:
            self._check_folder(self.account.move_to)
        for folder in self.account.folders:
            yield from self._fetch(folder)

    def _fetch(self, folder: str) -> Iterator[Item]:
        progress = self._start(folder)
        criteria: list[Any] = ["UID", f"{progress.start + 1}:*"]
        if self.since is not None:
            criteria += ["SINCE", self.since]
        client = self._client()
        with self._guard():
            listed = client.search(criteria)
        progress.todo = sorted(uid for uid in listed if uid > progress.start)  # n:* always names the last message
        again = sorted(progress.retry)
        for offset in range(0, len(again), self.batch):
            yield from self._batch(folder, progress, again[offset:offset + self.batch])
        for offset in range(0, len(progress.todo), self.batch):
            uids = progress.todo[offset:offset + self.batch]
            yield from self._batch(folder, progress, uids)
            progress.fetched = offset + len(uids)

    def _start(self, folder: str) -> _Folder:
        """Select the folder; where this clone's mark of it is void (UIDVALIDITY changed), start over."""
        uidvalidity = self._select(folder)
        mark = self.state.mark(self.account.name, folder)
        if mark is not None and mark.uidvalidity != uidvalidity:
            self.note(msg.imap_uidvalidity_changed(self.account.name, folder, mark.uidvalidity, uidvalidity))
            mark = None
        start = mark.last_uid if mark else 0
        progress = _Folder(uidvalidity, start, set(mark.retry) if mark else set(), mark=start)
        self.folders[folder] = progress
        return progress

    def _batch(self, folder: str, progress: _Folder, uids: list[int]) -> Iterator[Item]:
        self._select(folder)  # a batch's landing may have selected another folder meanwhile
        client = self._client()
        with self._guard():
            fetched = client.fetch(uids, ["BODY.PEEK[]", "INTERNALDATE"])
        empty = [uid for uid in uids if uid in fetched and not fetched[uid].get(b"BODY[]")]
        if empty:
            # Deleted by someone else (a colleague on the phone) since this connection listed the
            # folder: the server keeps showing such a message here, with no bytes, until a command
            # that may report expunges (NOOP; RFC 3501 §7.4.1) — measured on Dovecot. Asked again
            # after one, a deleted message is gone and one still empty is empty indeed.
            with self._guard():
                client.noop()
                again = client.fetch(empty, ["BODY.PEEK[]", "INTERNALDATE"])
            for uid in empty:
                if uid in again:
                    fetched[uid] = again[uid]
                else:
                    del fetched[uid]
        for uid in uids:
            data = fetched.get(uid)
            if data is None:  # deleted on the server since it was listed: nothing to import
                progress.retry.discard(uid)
                progress.done.add(uid)
                continue
            raw = data.get(b"BODY[]") or b""
            when = data.get(b"INTERNALDATE")
            arrived = when if isinstance(when, datetime) else None
            yield ImapItem(f"{self.name}/{folder}#{uid}", data=raw, source=self, folder=folder, uid=uid, arrived=arrived)
        progress.advance()

    def delivered_at(self, item: Item) -> datetime | None:
        """The server's INTERNALDATE: when the message reached the mailbox."""
        when = item.arrived if isinstance(item, ImapItem) else None
        if when is None:
            return None
        return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)

    # --- after the commit ----------------------------------------------------------------

    def mark_seen(self, item: Item) -> None:
        pass  # the after: action runs per batch, in `landed`

    def settled(self, item: Item) -> None:
        if isinstance(item, ImapItem) and item.folder in self.folders:
            self.folders[item.folder].settled_now.append(item.uid)

    def landed(self) -> None:
        """The batch's commit exists: run the after: action on its messages, then move each
        folder's mark (in that order: a crash between the two fetches them again, as duplicates,
        and runs the action again)."""
        if self.dry_run:
            return
        for folder, progress in self.folders.items():
            uids, progress.settled_now = progress.settled_now, []
            if not uids:
                self._save(folder, progress)
                continue
            if self._after(folder, uids):
                progress.done.update(uids)
                progress.retry.difference_update(uids)
            else:
                progress.failed.update(uids)
            progress.advance()
            self._save(folder, progress)

    def finish(self) -> None:
        """The run is over and every batch landed: the messages listed but not settled (read as
        empty, their action failed) go to the retry list, and the mark moves past them."""
        if self.dry_run:
            return
        for folder, progress in self.folders.items():
            fetched = progress.todo[:progress.fetched]
            progress.retry.update(uid for uid in fetched[progress.position:] if uid not in progress.done)
            progress.retry.update(progress.failed)
            progress.done.update(fetched)
            progress.advance()
            self._save(folder, progress)

    def close(self) -> None:
        if self.client is not None:
            close_client(self.client)
            self.client = None

    def _save(self, folder: str, progress: _Folder) -> None:
        retry = {uid for uid in progress.retry | progress.failed if uid <= progress.mark}
        self.state.save(self.account.name, folder, FolderMark(progress.uidvalidity, progress.mark, tuple(retry)))

    def _after(self, folder: str, uids: list[int]) -> bool:
        """The account's after: action on these messages; False (and a warning) if it failed."""
        action = self.account.after
        if action == "keep":
            return True
        from imapclient import DELETED, SEEN

        if self._select(folder) != self.folders[folder].uidvalidity:
            return False  # renumbered meanwhile: these UIDs may name other messages now
        client = self._client()
        try:
            with self._guard():
                if action == "seen":
                    client.add_flags(uids, [SEEN])
                elif action == "move" and client.has_capability("MOVE"):
                    client.move(uids, self.account.move_to)
                else:
                    if action == "move":
                        client.copy(uids, self.account.move_to)
                    client.add_flags(uids, [DELETED])
                    if client.has_capability("UIDPLUS"):
                        client.uid_expunge(uids)  # only ours, never a message someone else flagged
                    else:
                        client.expunge()
        except ImapRefused as exc:
            shown = f"move:{self.account.move_to}" if action == "move" else action
            self.note(msg.imap_after_failed(self.account.name, shown, exc.problem))
            return False
        return True

    # --- the connection ------------------------------------------------------------------

    def _client(self) -> IMAPClient:
        assert self.client is not None
        return self.client

    def _select(self, folder: str) -> int:
        """Select the folder (read-write: the after: action changes it) and return its UIDVALIDITY."""
        if self.selected == folder:
            return self.uidvalidity
        try:
            with self._guard():
                info = self._client().select_folder(folder, readonly=self.dry_run)
        except ImapRefused as exc:
            raise ImapRefused(msg.imap_unknown_folder(self.account.name, folder, exc.problem)) from None
        self.selected, self.uidvalidity = folder, int(info.get(b"UIDVALIDITY", 0))
        return self.uidvalidity

    def _check_folder(self, folder: str) -> None:
        with self._guard():
            exists = self._client().folder_exists(folder)
        if not exists:
            raise ImapRefused(msg.imap_unknown_folder(self.account.name, folder, "after: move"))

    def _guard(self) -> _Guard:
        return _Guard(self.account.name)


class _Guard:
    """A dropped connection becomes ImapUnavailable (exit 75): what landed is kept, the next run goes on."""

    def __init__(self, account: str) -> None:
        self.account = account

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> Literal[False]:
        import imaplib

        from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

        if exc is not None and isinstance(exc, (OSError, imaplib.IMAP4.abort, IMAPClientAbortError)):
            problem = _problem(exc)
            raise ImapUnavailable(msg.imap_connection_lost(self.account, problem),
                                  msg.imap_connection_lost(self.account, problem, later=False)) from None  # fmt: skip
        if exc is not None and isinstance(exc, IMAPClientError):  # a NO or BAD answer
            problem = _problem(exc)
            raise ImapRefused(msg.imap_server_refused(self.account, problem), problem) from None
        return False


class FolderWatch:
    """One connection per folder of the accounts (`tix fetch --watch`), each selected read-only,
    kept open between fetches, and put into IDLE *before* each fetch: mail that arrives while the
    fetch runs is then announced on a socket nobody has read yet, so `wait` sees it. (Put into IDLE
    after the fetch, a connection gets the news of mail that came meanwhile together with the
    server's `+ idling`: the client library reads both at once, and no socket wakes for it.)
    `wait` returns when any folder announces new mail, or after `timeout` seconds — all a server
    without IDLE gets: it is polled."""

    def __init__(self, accounts: list[ImapAccount]) -> None:
        self.accounts = accounts
        self.clients: list[tuple[str, IMAPClient, bool]] = []  # (account, connection, whether it has IDLE)
        self.idling: list[tuple[str, IMAPClient]] = []

    def start(self) -> None:
        """Connect every folder, if not connected yet, and put each into IDLE (ImapUnavailable:
        a server gone; ImapRefused: a login or folder refused)."""
        if not self.clients:
            try:
                for account in self.accounts:
                    for folder in account.folders:
                        client = connect(account)
                        try:
                            self.clients.append((account.name, client, _watch_folder(client, account.name, folder)))
                        except BaseException:
                            close_client(client)
                            raise
            except BaseException:
                self.close()
                raise
        for name, client, idle in self.clients:
            if idle:
                with _Guard(name):
                    client.idle()
                self.idling.append((name, client))

    def wait(self, timeout: float, sleep: Callable[[float], None] = time.sleep) -> bool:
        """Wait up to `timeout` seconds (at most IDLE_RENEW_SECONDS) for new mail in any folder,
        then end IDLE. True when some folder announced it, or when one cannot announce (no IDLE)."""
        import selectors

        timeout = min(timeout, IDLE_RENEW_SECONDS)
        if not self.idling:
            sleep(timeout)
            return True
        arrived = False
        selector = selectors.DefaultSelector()
        try:
            for account, client in self.idling:
                selector.register(client.socket(), selectors.EVENT_READ, (account, client))
            deadline = time.monotonic() + timeout
            quiet = True  # nothing but keep-alives (`* OK Still here`) and flag changes so far: wait on
            while quiet and not arrived and (left := deadline - time.monotonic()) > 0:
                for key, _ in selector.select(left):
                    account, client = key.data
                    with _Guard(account):
                        responses = client.idle_check(timeout=0)
                    arrived = _new_mail(responses) or arrived
                    quiet = quiet and bool(responses)  # readable, yet nothing: the connection closed (DONE says)
        finally:
            selector.close()
            while self.idling:  # one at a time: those left after a failure are for `close`
                account, client = self.idling[0]
                with _Guard(account):
                    arrived = _new_mail(client.idle_done()[1]) or arrived
                self.idling.pop(0)
        return arrived or any(not idle for _, _, idle in self.clients)

    def close(self) -> None:
        """Log out of every folder (out of IDLE first: a LOGOUT sent in IDLE is never answered)."""
        idling = {id(client) for _, client in self.idling}
        for _, client, _ in self.clients:
            if id(client) in idling:
                try:
                    client.idle_done()
                except Exception:  # noqa: BLE001  a broken connection: nothing to log out of
                    with contextlib.suppress(Exception):
                        client.shutdown()
                    continue
            close_client(client)
        self.clients, self.idling = [], []


def _watch_folder(client: IMAPClient, account: str, folder: str) -> bool:
    """Select the folder read-only; whether the server can announce mail in it (IDLE)."""
    try:
        with _Guard(account):
            client.select_folder(folder, readonly=True)
    except ImapRefused as exc:
        raise ImapRefused(msg.imap_unknown_folder(account, folder, exc.problem)) from None
    with _Guard(account):
        return bool(client.has_capability("IDLE"))


def _new_mail(responses: list[Any]) -> bool:
    """Whether IDLE responses announce a message (`* 12 EXISTS`), not just flags or a keep-alive."""
    return any(isinstance(r, tuple) and len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses)
