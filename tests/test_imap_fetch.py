"""`tix fetch` against a real Dovecot on 127.0.0.1 (issue 16): exactly once, whatever happens."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
import yaml
from conftest import TEST_MAIL, Cli, corpus_files, git, make_eml, run_console_script, tix_command
from dovecot import PASSWORD, Dovecot

from tix.storage import ticketfile

SEEN, DELETED = b"\\Seen", b"\\Deleted"


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    server = Dovecot()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIX_IMAP_PASSWORD", PASSWORD)


def configure(root: Path, accounts: dict[str, dict[str, object]], **mail: object) -> None:
    """Write tix.yaml's imap section (and mail.* keys) as a person would edit the file."""
    path = root / "tix.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["imap"] = accounts
    data["mail"].update(mail)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    git(root, "commit", "-qam", "imap account")


def tickets(root: Path) -> list[ticketfile.Ticket]:
    return [ticketfile.loads(path.read_text(encoding="utf-8")) for path in sorted((root / "tickets").glob("*/*/ticket.md"))]


def message_ids(root: Path) -> list[str]:
    return [mid for ticket in tickets(root) for mid in ticket.message_ids]


def numbered(count: int, prefix: str = "bulk") -> list[bytes]:
    return [make_eml(message_id=f"<{prefix}{n}@example.pl>", subject=f"Question {n}", body="Hello\n" * 20) for n in range(count)]


def test_fetch_imports_new_mail_once_and_leaves_it_unread(tix: Cli, helpdesk: Path, dovecot: Dovecot) -> None:
    polish = (TEST_MAIL / "windows-1250-8bit.eml").read_bytes()
    russian = (TEST_MAIL / "koi8-r-undeclared.eml").read_bytes()
    read_on_the_phone = make_eml(subject="Already read", message_id="<phone@example.pl>")
    dovecot.append([polish, russian])
    dovecot.append([read_on_the_phone], flags=(SEEN,))
    configure(helpdesk, {"support": dovecot.account()})
    first = tix.ok("fetch")
    assert "3 messages: 3 new tickets" in first.out
    assert "<phone@example.pl>" in message_ids(helpdesk)  # read elsewhere first: imported all the same
    assert "Faktura za październik" in [ticket.subject for ticket in tickets(helpdesk)]
    flags = dovecot.flags()
    assert [SEEN in flags[uid] for uid in sorted(flags)] == [False, False, True]  # BODY.PEEK[]: nothing marked read
    again = tix.ok("fetch")
    assert "0 messages" in again.out  # nothing fetched again: the mark is past them
    dovecot.append([make_eml(message_id="<later@example.pl>", subject="Later")])
    third = tix.ok("fetch")
    assert "1 message: 1 new ticket" in third.out
    assert sorted(set(message_ids(helpdesk))) == sorted(message_ids(helpdesk)) and len(message_ids(helpdesk)) == 4
    assert git(helpdesk, "status", "--porcelain") == ""


def test_fetch_files_mail_exactly_as_import_does(tix: Cli, helpdesk: Path, dovecot: Dovecot, tmp_path: Path) -> None:
    """Charsets, hostile attachment names, robots, lists, forwards: the same pipeline, the same tickets."""
    from tix.cli.main import main

    files = sorted(TEST_MAIL.glob("*.eml"))
    dovecot.append([path.read_bytes() for path in files])
    configure(helpdesk, {"support": dovecot.account()})
    tix.ok("fetch")
    imported = tmp_path / "imported"
    assert main(["init", str(imported), "--email", "support@example.com", "--timezone", "Europe/Warsaw"]) == 0
    tix.ok("import", str(TEST_MAIL), cwd=imported)

    def shown(root: Path) -> list[tuple[str, str, str, list[str]]]:
        return sorted((t.id, t.subject, t.status, [e.text for e in t.entries]) for t in tickets(root))

    assert len(shown(helpdesk)) >= len(files) - 2 and shown(helpdesk) == shown(imported)
    names = sorted(p.name for p in (helpdesk / "tickets").rglob("*") if p.is_file() and p.name != "ticket.md")
    assert names == sorted(p.name for p in (imported / "tickets").rglob("*") if p.is_file() and p.name != "ticket.md")


def test_dry_run_lists_and_changes_nothing(tix: Cli, helpdesk: Path, dovecot: Dovecot) -> None:
    dovecot.append(numbered(2))
    configure(helpdesk, {"support": dovecot.account(after="delete")})
    head = git(helpdesk, "rev-parse", "HEAD")
    shown = tix.ok("fetch", "--dry-run")
    assert "imap.support/INBOX#1" in shown.out and "imap.support/INBOX#2" in shown.out
    assert git(helpdesk, "rev-parse", "HEAD") == head and dovecot.uids() == [1, 2]
    assert "2 messages: 2 new tickets" in tix.ok("fetch").out
    assert dovecot.uids() == []


@pytest.mark.parametrize("after", ["keep", "seen", "delete", "move:Processed"])
def test_each_after_action_runs_on_the_server_after_the_commit(tix: Cli, helpdesk: Path, dovecot: Dovecot, after: str) -> None:
    dovecot.create("Processed")
    dovecot.append(numbered(3))
    configure(helpdesk, {"support": dovecot.account(after=after)})
    assert "3 new tickets" in tix.ok("fetch").out
    inbox = dovecot.flags()
    if after == "keep":
        assert sorted(inbox) == [1, 2, 3] and not any(SEEN in flags for flags in inbox.values())
    elif after == "seen":
        assert sorted(inbox) == [1, 2, 3] and all(SEEN in flags for flags in inbox.values())
    else:
        assert inbox == {}  # gone from INBOX, and expunged: no \Deleted message left behind
    assert len(dovecot.uids("Processed")) == (3 if after.startswith("move") else 0)
    assert "0 messages" in tix.ok("fetch").out


@pytest.mark.parametrize("without", [("MOVE",), ("MOVE", "UIDPLUS")])
def test_move_without_the_move_extension_is_copy_then_delete(tix: Cli, helpdesk: Path, without: tuple[str, ...]) -> None:
    """Dovecot told not to announce MOVE (imap_capability): tix copies, flags \\Deleted, and expunges
    just its own messages (UID EXPUNGE), or the folder where the server has no UIDPLUS either."""
    server = Dovecot(without=without, rawlog=True)
    try:
        server.create("Processed")
        server.append(numbered(2))
        configure(helpdesk, {"support": server.account(after="move:Processed")})
        assert "2 new tickets" in tix.ok("fetch").out
        assert server.uids() == [] and len(server.uids("Processed")) == 2
        sent = next(s for s in server.sessions() if any(c.startswith("UID FETCH") for c in s))
        assert not any("MOVE" in c for c in sent)
        expunge = "UID EXPUNGE 1,2" if "UIDPLUS" not in without else "EXPUNGE"
        assert [c for c in sent if c.startswith(("UID COPY", "UID STORE", "UID EXPUNGE", "EXPUNGE"))] == [
            'UID COPY 1,2 "Processed"', "UID STORE 1,2 +FLAGS (\\Deleted)", expunge], sent
        assert "0 messages" in tix.ok("fetch").out
    finally:
        server.close()


def test_a_uidvalidity_change_reads_the_folder_again_and_files_nothing_twice(tix: Cli, helpdesk: Path, dovecot: Dovecot) -> None:
    dovecot.append(numbered(3))
    configure(helpdesk, {"support": dovecot.account()})
    tix.ok("fetch")
    dovecot.renumber()  # the index files and UID list deleted: a new UIDVALIDITY
    dovecot.append([make_eml(message_id="<new@example.pl>", subject="After the change")])
    result = tix.ok("fetch")
    assert "UIDVALIDITY" in result.err and "renumbered" in result.err
    assert "4 messages: 1 new ticket, 0 follow-ups, 3 duplicates skipped" in result.out
    assert len(message_ids(helpdesk)) == len(set(message_ids(helpdesk))) == 4


def test_renumbered_uids_under_the_same_uidvalidity_file_nothing_twice(tix: Cli, helpdesk: Path, dovecot: Dovecot) -> None:
    dovecot.append(numbered(2))
    configure(helpdesk, {"support": dovecot.account()})
    tix.ok("fetch")
    dovecot.stop()
    for path in dovecot.maildir.glob("dovecot-uidlist"):
        path.unlink()  # measured (research §4.5): UIDVALIDITY stays, the messages get new UIDs
    dovecot.start()
    dovecot.append([make_eml(message_id="<new@example.pl>", subject="After")])
    tix.ok("fetch")
    assert len(message_ids(helpdesk)) == len(set(message_ids(helpdesk))) == 3


def test_several_accounts_and_folders(tix: Cli, helpdesk: Path, dovecot: Dovecot) -> None:
    dovecot.create("Sales")
    dovecot.append(numbered(2, "inbox"))
    dovecot.append(numbered(1, "sales"), folder="Sales")
    other = Dovecot()
    try:
        other.append(numbered(1, "other"))
        configure(helpdesk, {"support": dovecot.account(folders=["INBOX", "Sales"]), "billing": other.account()})
        assert "4 messages: 4 new tickets" in tix.ok("fetch").out
        other.append(numbered(1, "again"))
        dovecot.append(numbered(1, "more"))
        assert "1 message: 1 new ticket" in tix.ok("fetch", "billing").out
        assert "1 message: 1 new ticket" in tix.ok("fetch").out
    finally:
        other.close()


def test_since_limits_the_run_to_recent_mail(tix: Cli, helpdesk: Path, dovecot: Dovecot) -> None:
    from datetime import datetime

    with dovecot.client() as client:
        client.append("INBOX", numbered(1, "old")[0], (), datetime(2020, 1, 1, tzinfo=UTC))
        client.append("INBOX", numbered(1, "new")[0], ())
    configure(helpdesk, {"support": dovecot.account()})
    assert "1 message: 1 new ticket" in tix.ok("fetch", "--since", "2024-01-01").out
    assert message_ids(helpdesk) == ["<new0@example.pl>"]
    assert tix("fetch", "--since", "last tuesday").code == 1


def test_imaps_and_starttls_verify_the_certificate(tix: Cli, helpdesk: Path, dovecot: Dovecot) -> None:
    dovecot.append(numbered(1))
    for tls in ("imaps", "starttls"):
        account = dovecot.account(tls=tls)
        del account["ca_file"]  # the test certificate is trusted by nobody
        configure(helpdesk, {"support": account})
        refused = tix("fetch")
        assert refused.code == 1 and refused.err.count("\n") == 1, refused.err
        assert "certificate of 127.0.0.1 is not trusted" in refused.err and "Traceback" not in refused.err
    configure(helpdesk, {"support": {**dovecot.account(tls="imaps"), "tls": "insecure"}})
    assert "1 new ticket" in tix.ok("fetch").out
    dovecot.append(numbered(1, "more"))
    configure(helpdesk, {"support": dovecot.account(tls="imaps")})  # the CA file: verified and trusted
    assert "1 new ticket" in tix.ok("fetch").out


def test_bad_input_is_one_clear_line(tix: Cli, helpdesk: Path, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import free_port

    configure(helpdesk, {"support": dovecot.account()})
    monkeypatch.setenv("TIX_IMAP_PASSWORD", "wrong")
    wrong = tix("fetch")
    assert wrong.code == 1 and "login as 'alice' refused" in wrong.err and wrong.err.count("\n") == 1
    monkeypatch.setenv("TIX_IMAP_PASSWORD", PASSWORD)
    configure(helpdesk, {"support": dovecot.account(folders=["Nowhere"])})
    missing = tix("fetch")
    assert missing.code == 1 and "no folder 'Nowhere'" in missing.err and missing.err.count("\n") == 1
    configure(helpdesk, {"support": dovecot.account(after="move:Nowhere")})
    assert "no folder 'Nowhere'" in tix("fetch").err
    closed = {**dovecot.account(), "url": f"imap://127.0.0.1:{free_port()}/INBOX"}
    configure(helpdesk, {"support": closed})
    unreachable = tix("fetch")
    assert unreachable.code == 75 and "cannot reach 127.0.0.1" in unreachable.err and unreachable.err.count("\n") == 1
    configure(helpdesk, {"support": {**dovecot.account(), "password_env": "", "password_command": "exit 3"}})
    assert "password_command failed" in tix("fetch").err
    configure(helpdesk, {"support": {**dovecot.account(), "password_env": "", "password_command": f"echo {PASSWORD}"}})
    assert tix("fetch").code == 0
    assert "unknown" not in tix("fetch", "nobody").err and "no IMAP account 'nobody'" in tix("fetch", "nobody").err


@pytest.mark.parametrize(
    ("fields", "said"),
    [({"url": "https://mail.example.com"}, "is not imaps://"), ({"after": "archive"}, "is not keep, seen"),
     ({"password": "hunter2"}, "never goes in tix.yaml"), ({"tls": "maybe"}, "verify, insecure or none"),
     ({"password_command": "x", "password_env": "Y"}, "give one of")],
)  # fmt: skip
def test_the_account_is_checked_when_tix_yaml_is_read(tix: Cli, helpdesk: Path, fields: dict[str, str], said: str) -> None:
    account: dict[str, object] = {"url": "imaps://mail.example.com/INBOX", "user": "support@example.com", **fields}
    configure(helpdesk, {"support": account})
    result = tix("list")
    assert result.code == 1 and said in result.err and result.err.count("\n") == 1, result.err


def test_no_account_is_one_clear_line(tix: Cli) -> None:
    result = tix("fetch")
    assert result.code == 1 and "no IMAP account in tix.yaml" in result.err


def _fetcher(helpdesk: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    environment = {**os.environ, **env}
    environment.pop("TIX_NOW", None)
    return subprocess.Popen([*tix_command(), "fetch", *args], cwd=helpdesk, env=environment, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


@pytest.mark.slow
def test_kill_9_mid_fetch_then_a_rerun_loses_and_doubles_nothing(helpdesk: Path, dovecot: Dovecot) -> None:
    count = 1500
    dovecot.append(numbered(count))
    configure(helpdesk, {"support": dovecot.account(after="seen")}, batch=50)
    commits = int(git(helpdesk, "rev-list", "--count", "HEAD"))
    process = _fetcher(helpdesk)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and int(git(helpdesk, "rev-list", "--count", "HEAD")) < commits + 2:
        time.sleep(0.01)  # the first batches are committed: kill it mid-run
    time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert 0 < len(message_ids(helpdesk)) < count  # it really died mid-run
    # Killed while it held git's index.lock (HEAD moved, the user's index not yet updated), it leaves
    # the lock as a killed git command does (storage/gitrepo.py says so): tix then refuses with "remove
    # it and try again", and `git status` shows the index behind HEAD until `git reset`. Done here, as a
    # person would; the tickets themselves are committed either way.
    if (helpdesk / ".git" / "index.lock").exists():
        (helpdesk / ".git" / "index.lock").unlink()
        git(helpdesk, "reset", "-q")
    rerun = run_console_script("fetch", cwd=helpdesk, env={"TIX_NOW": ""})
    assert rerun.returncode == 0, rerun.stderr
    found = message_ids(helpdesk)
    assert len(found) == count and len(set(found)) == count
    assert all(SEEN in flags for flags in dovecot.flags().values())  # the after: action ran on every one
    assert git(helpdesk, "status", "--porcelain") == ""
    assert "0 messages" in run_console_script("fetch", cwd=helpdesk, env={"TIX_NOW": ""}).stdout


@pytest.mark.slow
def test_two_fetches_at_once_one_waits_or_exits_75_and_nothing_is_doubled(helpdesk: Path, dovecot: Dovecot) -> None:
    dovecot.append(numbered(400))
    configure(helpdesk, {"support": dovecot.account()}, batch=50)
    runs = [_fetcher(helpdesk, TIX_LOCK_WAIT="0") for _ in range(2)]
    results = [run.communicate(timeout=120) for run in runs]
    codes = sorted(run.returncode for run in runs)
    assert codes in ([0, 0], [0, 75]), results
    if codes == [0, 75]:
        assert "another tix command" in next(err for run, (_, err) in zip(runs, results, strict=True) if run.returncode == 75)
    runs = [_fetcher(helpdesk, TIX_LOCK_WAIT="60") for _ in range(2)]  # waiting for the lock instead
    dovecot.append(numbered(50, "second"))
    assert [run.wait(timeout=120) for run in runs] == [0, 0]
    found = message_ids(helpdesk)
    assert len(found) == len(set(found)) == 450


def test_two_clones_fetching_one_mailbox_sync_to_one_ticket_each(tmp_path: Path, helpdesk: Path, dovecot: Dovecot) -> None:
    dovecot.append(numbered(3))
    configure(helpdesk, {"support": dovecot.account()})
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(helpdesk), str(remote))
    git(helpdesk, "remote", "add", "origin", str(remote))
    git(helpdesk, "fetch", "-q", "origin")
    git(helpdesk, "branch", "-q", "--set-upstream-to=origin/main")
    second = tmp_path / "second"
    git(tmp_path, "clone", "-q", str(remote), str(second))
    env = {"TIX_NOW": ""}
    assert run_console_script("fetch", cwd=helpdesk, env=env).returncode == 0
    assert run_console_script("fetch", cwd=second, env=env).returncode == 0  # its own mark: it fetches them too
    assert run_console_script("sync", cwd=helpdesk, env=env).returncode == 0
    synced = run_console_script("sync", cwd=second, env=env)
    assert synced.returncode == 0, synced.stderr
    assert run_console_script("sync", cwd=helpdesk, env=env).returncode == 0
    assert sorted(message_ids(second)) == sorted(message_ids(helpdesk)) == [f"<bulk{n}@example.pl>" for n in range(3)]


@pytest.mark.slow
def test_a_server_dropping_the_connection_mid_fetch_exits_75_and_the_next_run_goes_on(helpdesk: Path, dovecot: Dovecot) -> None:
    count = 1500
    dovecot.append(numbered(count))
    configure(helpdesk, {"support": dovecot.account()}, batch=50)
    commits = int(git(helpdesk, "rev-list", "--count", "HEAD"))
    process = _fetcher(helpdesk)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and int(git(helpdesk, "rev-list", "--count", "HEAD")) < commits + 2:
        time.sleep(0.01)
    dovecot.stop()  # the server goes away in the middle of the run
    _, err = process.communicate(timeout=60)
    assert process.returncode == 75 and err.count("\n") == 1 and "Traceback" not in err, err
    assert "imap.support:" in err and 0 < len(message_ids(helpdesk)) < count
    dovecot.start()
    rerun = run_console_script("fetch", cwd=helpdesk, env={"TIX_NOW": ""})
    assert rerun.returncode == 0, rerun.stderr
    found = message_ids(helpdesk)
    assert len(found) == len(set(found)) == count


def _wait_for(check: object, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
@pytest.mark.parametrize("idle", [True, False])
def test_watch_imports_mail_as_it_arrives_and_survives_the_server_going_away(helpdesk: Path, idle: bool) -> None:
    server = Dovecot() if idle else Dovecot(without=("IDLE",))
    try:
        configure(helpdesk, {"support": server.account()})
        interval = "60" if idle else "1"  # with IDLE the server says when mail comes; without, tix polls
        watcher = _fetcher(helpdesk, "--watch", "--interval", interval)
        try:
            server.append(numbered(1, "first"))
            assert _wait_for(lambda: "<first0@example.pl>" in message_ids(helpdesk), 20)
            server.stop()
            time.sleep(0.5)
            server.start()
            server.append(numbered(1, "second"))  # after a reconnection, with a pause of a few seconds at most
            assert _wait_for(lambda: "<second0@example.pl>" in message_ids(helpdesk), 40)
            assert watcher.poll() is None  # still watching
        finally:
            watcher.send_signal(signal.SIGINT)
            _, err = watcher.communicate(timeout=30)
        assert "Traceback" not in err, err
        assert sorted(message_ids(helpdesk)) == ["<first0@example.pl>", "<second0@example.pl>"]
    finally:
        server.close()


def _uids(command: str) -> list[int]:
    """The UIDs a `UID FETCH 1:3,7 (...)` names."""
    found: list[int] = []
    for part in command.split()[2].split(","):
        first, _, last = part.partition(":")
        found.extend(range(int(first), int(last or first) + 1))
    return found


@pytest.mark.slow
def test_watch_idles_on_every_folder_of_every_account_and_stops_on_ctrl_c(helpdesk: Path) -> None:
    """With --interval 600 nothing is polled during the test: only IDLE, on the folder the mail
    went to, can wake the watcher."""
    server, other = Dovecot(rawlog=True), Dovecot(rawlog=True)
    try:
        server.create("Sales")
        configure(helpdesk, {"support": server.account(folders=["INBOX", "Sales"]), "billing": other.account()})
        watcher = _fetcher(helpdesk, "--watch", "--interval", "600")
        try:
            def idling() -> list[str]:
                return sorted(next(c for c in s if c.startswith("EXAMINE")) for d in (server, other)
                              for s in d.sessions() if s and s[-1] == "IDLE")  # fmt: skip
            assert _wait_for(lambda: len(idling()) == 3, 20), (server.sessions(), other.sessions())
            assert idling() == ['EXAMINE "INBOX"', 'EXAMINE "INBOX"', 'EXAMINE "Sales"']  # one connection per folder
            for target, folder, prefix in ((server, "Sales", "sales"), (other, "INBOX", "billing"), (server, "INBOX", "inbox")):
                target.append(numbered(1, prefix), folder=folder)
                assert _wait_for(lambda p=prefix: f"<{p}0@example.pl>" in message_ids(helpdesk), 20), prefix  # type: ignore[misc]
            assert watcher.poll() is None

            def waiting() -> bool:  # every fetch logged out, every folder in IDLE: between fetches
                sessions = [s for d in (server, other) for s in d.sessions() if s]
                return all(s[-1] == ("IDLE" if s[0].startswith("EXAMINE") else "LOGOUT") for s in sessions)

            assert _wait_for(waiting, 20)
        finally:
            watcher.send_signal(signal.SIGINT)
            _, err = watcher.communicate(timeout=30)
        assert watcher.returncode == 130 and "Traceback" not in err, err  # 130: stopped by Ctrl-C, as shells count it
        assert sorted(message_ids(helpdesk)) == ["<billing0@example.pl>", "<inbox0@example.pl>", "<sales0@example.pl>"]
        assert all(s[-1] == "LOGOUT" for d in (server, other) for s in d.sessions())  # every connection closed
    finally:
        server.close()
        other.close()


@pytest.mark.slow
def test_a_large_first_run_streams_in_batches_and_a_killed_one_resumes_where_it_stopped(helpdesk: Path) -> None:
    """Every FETCH asks for at most 100 messages, with BODY.PEEK[]; commits land while the run
    goes on; after kill -9 the next run searches from its mark, not from the start, and every
    message ends up on a ticket exactly once."""
    from tix.mail.sources.imap import FETCH_BATCH

    count = 1200
    server = Dovecot(rawlog=True)
    try:
        server.append(numbered(count))
        configure(helpdesk, {"support": server.account()}, batch=50)
        commits = int(git(helpdesk, "rev-list", "--count", "HEAD"))
        process = _fetcher(helpdesk)
        assert _wait_for(lambda: int(git(helpdesk, "rev-list", "--count", "HEAD")) >= commits + 3, 60)
        process.send_signal(signal.SIGKILL)
        process.wait()
        killed = len(message_ids(helpdesk))
        assert 0 < killed < count  # committed batch by batch, and really killed mid-run
        if (helpdesk / ".git" / "index.lock").exists():  # as in the kill -9 test above
            (helpdesk / ".git" / "index.lock").unlink()
            git(helpdesk, "reset", "-q")
        before = len(server.sessions())
        rerun = run_console_script("fetch", cwd=helpdesk, env={"TIX_NOW": ""})
        assert rerun.returncode == 0, rerun.stderr
        found = message_ids(helpdesk)
        assert len(found) == len(set(found)) == count
        first, second = next(s for s in server.sessions()[:before] if any("FETCH" in c for c in s)), server.sessions()[before]
        for session in (first, second):
            fetches = [c for c in session if c.startswith("UID FETCH")]
            assert fetches and all("BODY.PEEK[]" in c and len(_uids(c)) <= FETCH_BATCH for c in fetches), fetches
        search = next(c for c in second if c.startswith("UID SEARCH"))
        start = int(search.split("UID SEARCH UID ")[1].split(":")[0])
        assert 1 < start <= killed + 1, search  # resumed from the last landed batch
        assert _uids(next(c for c in second if c.startswith("UID FETCH")))[0] == start
    finally:
        server.close()


@pytest.mark.slow
def test_messages_deleted_on_the_server_mid_run_are_skipped_and_the_run_goes_on(helpdesk: Path, dovecot: Dovecot) -> None:
    """Deleted by someone else after the run listed the folder: the server then shows them empty
    to the run until a NOOP; none is reported broken, none is lost or doubled."""
    count, deleted = 1000, range(700, 1000)  # bulk700..bulk999: UIDs 701..1000, well past what is read ahead
    dovecot.append(numbered(count))
    configure(helpdesk, {"support": dovecot.account(after="seen")}, batch=50)
    commits = int(git(helpdesk, "rev-list", "--count", "HEAD"))
    process = _fetcher(helpdesk)
    assert _wait_for(lambda: int(git(helpdesk, "rev-list", "--count", "HEAD")) >= commits + 2, 60)
    with dovecot.client() as client:
        client.select_folder("INBOX")
        client.delete_messages([n + 1 for n in deleted])
        client.expunge()
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0 and "empty" not in err and "Traceback" not in err, err
    found = message_ids(helpdesk)
    assert len(found) == len(set(found))
    assert set(found) >= {f"<bulk{n}@example.pl>" for n in range(count) if n not in deleted}  # nothing lost
    assert len(found) < count, out  # some were deleted before the run read them: it really was mid-run
    assert all(SEEN in flags for flags in dovecot.flags().values()) and len(dovecot.uids()) == count - len(deleted)
    again = run_console_script("fetch", cwd=helpdesk, env={"TIX_NOW": ""})
    assert again.returncode == 0 and "0 messages" in again.stdout, again.stdout + again.stderr


def test_a_held_lock_exits_75_with_one_line(helpdesk: Path, dovecot: Dovecot) -> None:
    from tix.storage.layout import Helpdesk

    dovecot.append(numbered(1))
    configure(helpdesk, {"support": dovecot.account()})
    with Helpdesk.discover(helpdesk).locked():  # another tix command at work
        held = run_console_script("fetch", cwd=helpdesk, env={"TIX_NOW": "", "TIX_LOCK_WAIT": "0"})
    assert held.returncode == 75 and held.stderr.count("\n") == 1 and "another tix command" in held.stderr, held.stderr
    assert message_ids(helpdesk) == [] and dovecot.uids() == [1]
    assert "1 new ticket" in run_console_script("fetch", cwd=helpdesk, env={"TIX_NOW": ""}).stdout


def test_a_message_the_server_returns_empty_is_named_and_fetched_again_next_run(tix: Cli, helpdesk: Path, dovecot: Dovecot) -> None:
    dovecot.append(numbered(1, "before"))
    empty = dovecot.maildir / "new" / "1700000000.empty.host"
    empty.write_bytes(b"")  # delivered broken: Dovecot serves it as a message of no bytes
    os.chown(empty, dovecot.uid, dovecot.gid)
    dovecot.append(numbered(1, "after"))
    configure(helpdesk, {"support": dovecot.account()})
    first = tix("fetch")
    assert first.code == 3 and "cannot read imap.support/INBOX#3: the server returned it empty" in first.err, first.err
    assert sorted(message_ids(helpdesk)) == ["<after0@example.pl>", "<before0@example.pl>"]
    second = tix("fetch")  # only the empty one is asked for again; the others are past the mark
    assert second.code == 3 and "INBOX#3: the server returned it empty" in second.err and "0 messages" in second.out
    with dovecot.client() as client:  # gone from the server: the next run forgets it
        client.select_folder("INBOX")
        client.delete_messages([3])
        client.expunge()
    assert tix("fetch").code == 0
    assert tix("fetch").code == 0 and sorted(message_ids(helpdesk)) == ["<after0@example.pl>", "<before0@example.pl>"]


def test_oauth2_logs_in_with_the_token_the_command_prints(tix: Cli, helpdesk: Path, dovecot: Dovecot) -> None:
    account = {**dovecot.account(), "password_env": "", "oauth2_token_command": "echo ya29.token-from-the-helper"}
    configure(helpdesk, {"support": account})
    result = tix("fetch")  # this Dovecot has no OAuth2 verifier: the XOAUTH2 login is tried, and refused
    assert result.code == 1 and "login as 'alice' refused" in result.err and result.err.count("\n") == 1, result.err
    configure(helpdesk, {"support": {**account, "oauth2_token_command": "false"}})
    assert "oauth2_token_command failed: exit 1" in tix("fetch").err


def test_the_whole_corpus_comes_through_imap_as_it_imports(tix: Cli, helpdesk: Path, dovecot: Dovecot, corpus_dir: Path,
                                                           tmp_path: Path) -> None:  # fmt: skip
    """Real mail written by others, hostile and odd included, delivered into the server's Maildir as
    an MTA does (APPEND would refuse some of it): every message fetched, none quarantined, the
    same tickets as `tix import` of the files makes (Dovecot serves the lines with CRLF)."""
    from tix.cli.main import main

    files = corpus_files()
    for n, path in enumerate(files):
        target = dovecot.maildir / "new" / f"{1700000000 + n}.corpus{n}.host"
        target.write_bytes(path.read_bytes())
        os.chown(target, dovecot.uid, dovecot.gid)
    charsets = ["windows-1250", "iso-8859-2", "windows-1251", "koi8-r"]
    configure(helpdesk, {"support": dovecot.account()}, fallback_charsets=charsets)
    result = tix("fetch")
    assert result.code == 0, result.err
    assert f"{len(files)} messages" in result.out and "0 quarantined" in result.out
    imported = tmp_path / "imported"
    assert main(["init", str(imported), "--email", "support@example.com", "--timezone", "Europe/Warsaw"]) == 0
    configure(imported, {}, fallback_charsets=charsets)
    tix.ok("import", str(corpus_dir), cwd=imported)
    assert sorted(t.subject for t in tickets(helpdesk)) == sorted(t.subject for t in tickets(imported))
    assert git(helpdesk, "status", "--porcelain") == ""
