"""The import's fast paths keep every guarantee of the slow ones: files written in bulk never go
through a symlink and get git's mode; a commit whose pack is written in the background keeps a
commit made meanwhile; a re-run settles known files cheaply but never on the cache alone."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import git

from tix.storage.files import UMASK, UnsafePath, write_many
from tix.storage.layout import Helpdesk


def test_bulk_writes_make_folders_and_give_files_git_s_mode(helpdesk: Path) -> None:
    Helpdesk(helpdesk)  # registers the root: writes below it never follow a symlink
    checked: set[str] = set()
    (helpdesk / "tickets" / "AB").mkdir(parents=True)
    (helpdesk / "tickets" / "AB" / ".tix-write.tmp").write_bytes(b"left by a crashed run")
    write_many(helpdesk, {"tickets/AB/X/e1/message.eml": b"raw", "tickets/AB/.x": b"", "tickets/AB/X/ticket.md": b"t" * 70_000},
               checked)  # fmt: skip
    assert (helpdesk / "tickets/AB/X/e1/message.eml").read_bytes() == b"raw"
    assert (helpdesk / "tickets/AB/X/ticket.md").read_bytes() == b"t" * 70_000
    assert stat.S_IMODE((helpdesk / "tickets/AB/X/ticket.md").stat().st_mode) == 0o666 & ~UMASK
    assert not list(helpdesk.rglob(".tix-write.tmp"))  # no temporary file stays, not even an old one
    assert f"{helpdesk}/tickets/AB/X/e1" in checked


def test_bulk_writes_refuse_a_committed_symlink_folder(helpdesk: Path, tmp_path: Path) -> None:
    Helpdesk(helpdesk)
    outside = tmp_path / "outside"
    outside.mkdir()
    (helpdesk / "tickets").mkdir(exist_ok=True)
    os.symlink(outside, helpdesk / "tickets" / "ZY")
    with pytest.raises(UnsafePath, match="tickets/ZY: it is a symlink"):
        write_many(helpdesk, {"tickets/ZY/ZYAAAAAA/ticket.md": b"x"}, set())
    assert list(outside.iterdir()) == []
    os.symlink(outside / "file", helpdesk / "tickets" / "victim")
    (helpdesk / "tickets" / "AB").mkdir()
    os.symlink(outside / "planted", helpdesk / "tickets" / "AB" / ".tix-write.tmp")  # a symlink at the temporary name
    write_many(helpdesk, {"tickets/victim": b"data", "tickets/AB/f": b"data"}, set())
    assert list(outside.iterdir()) == []  # the link is replaced, never followed
    assert (helpdesk / "tickets" / "victim").read_bytes() == b"data" and not (helpdesk / "tickets" / "victim").is_symlink()


def test_a_commit_made_while_the_pack_is_written_is_kept(helpdesk: Path) -> None:
    from tix.domain.model import Person

    repo = Helpdesk(helpdesk).git
    files = {"tickets/AB/ABAAAAAA/e1/message.eml": b"mail\n", "quarantine/x.txt": b"note\n"}
    write_many(helpdesk, files, set())  # the working tree holds the bytes first, as the importer does
    started = repo.commit_files(dict(files), "tix: import 1 message", Person("Cron", "cron@example.com"), wait=False)
    (helpdesk / "notes.txt").write_text("a teammate's change\n", encoding="utf-8")
    git(helpdesk, "add", "notes.txt")
    git(helpdesk, "commit", "-qm", "teammate")  # HEAD moves while git writes the pack
    teammate = git(helpdesk, "rev-parse", "HEAD").strip()
    landed = started.land()
    assert landed == git(helpdesk, "rev-parse", "HEAD").strip()
    assert started.parent == teammate  # built again on the new HEAD: nothing overwritten
    assert git(helpdesk, "log", "--format=%s", "-2").splitlines() == ["tix: import 1 message", "teammate"]
    assert {"notes.txt", *files} <= set(git(helpdesk, "ls-files").split())
    assert git(helpdesk, "status", "--porcelain") == ""
    assert "refs/worktree/tix/commit-in-progress" not in git(helpdesk, "for-each-ref")


def test_a_failing_run_leaves_its_batch_to_the_journal(helpdesk: Path, tmp_path: Path) -> None:
    """A run that fails while a batch's pack is being written: nothing moves HEAD, the next run
    commits the batch from the journal, and no message is lost or doubled."""
    from conftest import make_eml, make_maildir, run_console_script

    from tix.services.desk import Desk
    from tix.services.intake import Importer

    maildir = make_maildir(tmp_path / "Maildir", {f"{n}.host": make_eml(message_id=f"<m{n}@x>") for n in range(30)})
    run_console_script("config", "set", "mail.batch", "10", cwd=helpdesk)
    importer = Importer(Desk(Helpdesk(helpdesk)))
    real_land = importer._land
    landed = []

    def land_twice_then_fail() -> None:
        if importer.writer.in_flight is not None:
            if len(landed) == 2:
                raise KeyboardInterrupt  # killed while the third batch's pack is written
            landed.append(1)
        real_land()

    importer._land = land_twice_then_fail  # type: ignore[method-assign]
    head = git(helpdesk, "rev-parse", "HEAD")
    with pytest.raises(KeyboardInterrupt):
        importer.run([str(maildir)])
    assert len(git(helpdesk, "rev-list", f"{head.strip()}..HEAD").split()) == 2
    assert (helpdesk / ".git" / "tix" / "import-journal").exists()
    rerun = run_console_script("import", str(maildir), cwd=helpdesk)
    assert rerun.returncode == 0, rerun.stderr
    assert message_ids(helpdesk) == sorted(f"<m{n}@x>" for n in range(30))  # each once
    assert git(helpdesk, "log", "-1", "--format=%s").strip() == "tix: complete an interrupted import"
    assert git(helpdesk, "status", "--porcelain") == ""
    assert not (helpdesk / ".git" / "tix" / "import-journal").exists()


def message_ids(root: Path) -> list[str]:
    from tix.storage import ticketfile

    found = []
    for path in (root / "tickets").glob("*/*/ticket.md"):
        found += ticketfile.loads(path.read_text(encoding="utf-8"), str(path.relative_to(root))).message_ids
    return sorted(found)


def test_after_an_import_a_re_run_reads_no_ticket_file_again(helpdesk: Path, tmp_path: Path) -> None:
    """The import leaves git's index with stat data and the ticket index current: the next run's
    refresh parses nothing (it re-read every ticket before), yet still sees a folder added by hand."""
    import shutil

    from conftest import make_eml, make_maildir, run_console_script

    from tix.storage.index import Index

    maildir = make_maildir(tmp_path / "Maildir", {f"{n}.host": make_eml(message_id=f"<m{n}@x>") for n in range(30)})
    result = run_console_script("import", str(maildir), cwd=helpdesk)
    assert result.returncode == 0, result.stderr
    assert git(helpdesk, "diff-index", "--name-only", "HEAD") == ""  # no file left for git to read again
    index = Index(Helpdesk(helpdesk))
    try:
        assert index.refresh() == 0
        source = next((helpdesk / "tickets").glob("*/*/ticket.md")).parent
        copy = source.parent / (source.name[:2] + "".join(reversed(source.name[2:])))
        shutil.copytree(source, copy)  # a ticket folder added by hand to a shard the import wrote to
        (copy / "ticket.md").write_text((copy / "ticket.md").read_text(encoding="utf-8").replace(source.name, copy.name), encoding="utf-8")
        assert index.refresh() == 1
        assert copy.name in {row.id for row in index.rows(datetime.now(UTC))}
    finally:
        index.close()


@pytest.mark.parametrize("padding", [0, 4070, 4085, 4096, 9000, 16300, 16380])
def test_a_re_run_confirms_a_file_by_its_message_id_wherever_its_header_puts_it(tmp_path: Path, padding: int) -> None:
    """The head is read 4 KB at a time up to 16 KB: a Message-ID across a 4 KB boundary, or late
    in a long header, still confirms the file; one only in the body, or past 16 KB, never does."""
    from tix.storage.duplicates import head_names as _head_names

    received = b"".join(b"Received: from relay%d.example.net by mx.example.com; Mon, 1 Dec 2026\n" % n for n in range(400))
    head = received[:padding] + (b"\n" if padding else b"")
    path = tmp_path / "m.eml"
    path.write_bytes(head + b"Subject: x\nMessage-ID:\n <a@example.pl>\n\nbody\n")
    item = path  # the file is known by its path
    found = len(head) + 40 < 16384
    assert _head_names(item, "<a@example.pl>") is found
    assert _head_names(item, "<b@example.pl>") is False
    path.write_bytes(head + b"Subject: x\n\nMessage-ID: <a@example.pl>\n")
    assert _head_names(item, "<a@example.pl>") is False  # in the body it is anyone's text



def test_a_follow_up_that_fails_half_way_leaves_its_ticket_as_the_batch_had_it(tix, helpdesk: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The undo snapshot of a ticket already pending in the batch (now a pickle, not YAML) puts
    back everything the failing message changed: entries, participants, Message-IDs."""
    from conftest import make_eml
    from test_mail_import import fail_filing

    fail_filing(monkeypatch, "<bad@x>")
    (tmp_path / "1.eml").write_bytes(make_eml(message_id="<first@x>"))
    (tmp_path / "2.eml").write_bytes(make_eml(message_id="<bad@x>", in_reply_to="<first@x>", references="<first@x>",
                                              sender="Ola Nowa <ola@example.pl>", subject="Re: x"))  # fmt: skip
    (tmp_path / "3.eml").write_bytes(make_eml(message_id="<third@x>", in_reply_to="<first@x>", references="<first@x>"))
    result = tix("import", str(tmp_path / "1.eml"), str(tmp_path / "2.eml"), str(tmp_path / "3.eml"))
    assert result.code == 3 and "1 quarantined" in result.out, result.out + result.err
    from tix.storage import ticketfile

    [path] = list((helpdesk / "tickets").glob("*/*/ticket.md"))
    ticket = ticketfile.loads(path.read_text(encoding="utf-8"), str(path.relative_to(helpdesk)))
    assert ticket.message_ids == ["<first@x>", "<third@x>"]
    assert "ola@example.pl" not in ticket.participants
    assert len(ticket.entries) == 2


def test_a_batch_the_file_system_refuses_is_one_line_and_the_next_run_completes_it(tix, helpdesk: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """What the file system refuses in a batch (here: permission denied on a shard folder) reaches
    the user as one line; HEAD does not move, nothing is marked seen, and the next run imports
    every message exactly once (commit 55ff303 had no test)."""
    import subprocess

    from conftest import make_eml, make_maildir

    from tix.domain import ids

    first = make_eml(message_id="<one@x>")
    maildir = make_maildir(tmp_path / "Maildir", {"1.host": first, "2.host": make_eml(message_id="<two@x>", subject="Other")})
    head = git(helpdesk, "rev-parse", "HEAD")
    shard = helpdesk / "tickets" / ids.shard(ids.derived_id("<one@x>"))
    shard.mkdir(parents=True)
    lock = ["chattr", "+i", str(shard)] if os.geteuid() == 0 else ["chmod", "555", str(shard)]
    subprocess.run(lock, check=True)
    try:
        result = tix("import", "--mark-seen", str(maildir))
    finally:
        subprocess.run(["chattr", "-i", str(shard)] if os.geteuid() == 0 else ["chmod", "755", str(shard)], check=True)
    assert result.code == 1, result.err
    assert result.err.count("\n") == 1 and "permission denied" in result.err and "nothing was lost" in result.err
    assert "Traceback" not in result.err
    assert git(helpdesk, "rev-parse", "HEAD") == head
    assert len(list((maildir / "new").iterdir())) == 2  # not marked seen
    again = tix("import", "--mark-seen", str(maildir))
    assert again.code == 0, again.err
    assert message_ids(helpdesk) == ["<one@x>", "<two@x>"]
    assert git(helpdesk, "status", "--porcelain") == ""
    assert list((maildir / "new").iterdir()) == []


def test_a_parser_process_that_dies_costs_its_share_a_stay_in_quarantine_not_the_run(tix, helpdesk: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Parsing runs in worker processes fed by the importer itself. One that dies (out of memory,
    killed) puts the messages it held in quarantine with the reason, a fresh one takes over, and
    the run goes on; `--retry-quarantine` files them later. (With multiprocessing.Pool a dead
    worker left the run waiting forever.)"""
    from conftest import make_eml

    from tix.mail import workers as mailin

    real = mailin._parse_job

    def dies_on_one(job, *prepare):  # type: ignore[no-untyped-def]
        if b"<die@x>" in job[0]:
            os._exit(9)
        return real(job, *prepare)

    monkeypatch.setattr(mailin, "_parse_job", dies_on_one)
    folder = tmp_path / "mail"
    folder.mkdir()
    for n in range(40):
        mid = "<die@x>" if n == 3 else f"<m{n}@x>"
        (folder / f"{n:02d}.eml").write_bytes(make_eml(message_id=mid, subject=f"Question {n}"))
    result = tix("import", str(folder))
    assert result.code == 3, result.err
    quarantined = sorted((helpdesk / "quarantine").glob("*.txt"))
    assert 1 <= len(quarantined) <= 20
    assert all("the parser process stopped" in path.read_text(encoding="utf-8") for path in quarantined)
    assert len(message_ids(helpdesk)) == 40 - len(quarantined)
    monkeypatch.setattr(mailin, "_parse_job", real)
    assert tix("import", "--retry-quarantine").code == 0
    assert len(message_ids(helpdesk)) == 40 and "<die@x>" in message_ids(helpdesk)


def test_a_pack_started_on_a_stale_base_lands_on_the_real_head(helpdesk: Path) -> None:
    """The importer starts each batch's pack on its own last commit without asking git; when a
    teammate committed since, the commit is built again on the real HEAD, and the helper ref goes."""
    from tix.domain.model import Person

    repo = Helpdesk(helpdesk).git
    stale = repo.head_and_tree()
    (helpdesk / "notes.txt").write_text("a teammate's change\n", encoding="utf-8")
    git(helpdesk, "add", "notes.txt")
    git(helpdesk, "commit", "-qm", "teammate")
    files = {"quarantine/x.txt": b"note\n"}
    write_many(helpdesk, files, set())
    started = repo.commit_files(dict(files), "tix: import 1 message", Person("Cron", "cron@example.com"), wait=False,
                                base=stale)  # fmt: skip
    landed = started.land()
    assert git(helpdesk, "log", "--format=%s", "-2").splitlines() == ["tix: import 1 message", "teammate"]
    assert landed == git(helpdesk, "rev-parse", "HEAD").strip() and started.parent != stale[0]
    assert git(helpdesk, "status", "--porcelain") == ""
    assert "refs/worktree/tix/commit-in-progress" not in git(helpdesk, "for-each-ref")


def _imported_copy(helpdesk: Path, tmp_path: Path, mails: int) -> Path:
    """A helpdesk that imported `mails` mails, copied as a backup is restored: the same files, none
    with the stat data git's index recorded for it (new inodes and change times)."""
    import shutil

    from conftest import make_eml, make_maildir, run_console_script

    maildir = make_maildir(tmp_path / "Maildir", {f"{n}.host": make_eml(message_id=f"<m{n}@x>") for n in range(mails)})
    result = run_console_script("import", str(maildir), cwd=helpdesk)
    assert result.returncode == 0, result.stderr
    copy = tmp_path / "restored"
    shutil.copytree(helpdesk, copy, symlinks=True)
    assert len(git(copy, "diff-files", "--name-only").split()) > mails  # git has every file to check by content
    return copy


def _counting(monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    """The ticket files the index reads and the git commands run, from here on."""
    from tix.storage import index as index_module

    read, ran = [], []
    real_read, real_spawn = index_module.read_bytes, os.posix_spawnp

    def counting_read(path, *rest):  # type: ignore[no-untyped-def]
        read.append(str(path))
        return real_read(path, *rest)

    def counting_spawn(path, args, *rest, **kwargs):  # type: ignore[no-untyped-def]
        ran.append(" ".join(args[3:5]))  # git -C ROOT COMMAND ... (storage/gitstart.py)
        return real_spawn(path, args, *rest, **kwargs)

    monkeypatch.setattr(index_module, "read_bytes", counting_read)
    monkeypatch.setattr(os, "posix_spawnp", counting_spawn)
    return read, ran


def test_a_restored_copy_is_read_once_and_git_records_the_stat_data_anew(helpdesk: Path, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """After a copy or restore, git's index holds stale stat data for every file, so each `git
    diff-index` reported every ticket and every command re-read them all (0.65 s of each `tix list`
    at 10,000 tickets). The first refresh has git record the stat data anew, as `git status` does;
    a hand edit made in the copy is still seen, and from then on only it is read."""
    from tix.storage.index import Index

    copy = _imported_copy(helpdesk, tmp_path, 40)
    edited = sorted((copy / "tickets").glob("*/*/ticket.md"))[3]
    edited.write_text(edited.read_text(encoding="utf-8").replace("subject: ", "subject: Edited by hand, ", 1), encoding="utf-8")
    relative = str(edited.relative_to(copy))
    read, ran = _counting(monkeypatch)
    index = Index(Helpdesk(copy))
    try:
        index.refresh()
        assert read == [str(edited)]  # the 39 others are git's to check, by content, once
        assert "add --refresh" in ran
        assert git(copy, "diff-files", "--name-only", "--", "tickets").split() == [relative]
        assert any(row.subject.startswith("Edited by hand") for row in index.rows(datetime.now(UTC)))
        read.clear(), ran.clear()
        index.refresh()
        assert read == [str(edited)] and "add --refresh" not in ran  # the hand edit, as before the copy
    finally:
        index.close()


def test_many_hand_edits_have_git_refresh_its_stat_data_once_not_on_every_command(helpdesk: Path, tmp_path: Path,
                                                                                   monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from conftest import make_eml, make_maildir, run_console_script

    from tix.storage.index import Index

    maildir = make_maildir(tmp_path / "Maildir", {f"{n}.host": make_eml(message_id=f"<m{n}@x>") for n in range(40)})
    assert run_console_script("import", str(maildir), cwd=helpdesk).returncode == 0
    for path in (helpdesk / "tickets").glob("*/*/ticket.md"):  # sed -i over every ticket: each one really differs
        path.write_text(path.read_text(encoding="utf-8").replace("priority: normal", "priority: high"), encoding="utf-8")
    read, ran = _counting(monkeypatch)
    index = Index(Helpdesk(helpdesk))
    try:
        index.refresh()
        assert ran.count("add --refresh") == 1 and len(read) == 40
        assert {row.priority for row in index.rows(datetime.now(UTC))} == {"high"}
        ran.clear()
        index.refresh()
        index.refresh()
        assert "add --refresh" not in ran  # git reports the same 40: its stat data is current already
        one = next((helpdesk / "tickets").glob("*/*/ticket.md"))
        one.write_text(one.read_text(encoding="utf-8").replace("priority: high", "priority: low"), encoding="utf-8")
        index.refresh()
        assert "add --refresh" not in ran  # one edit more than git named after its refresh: not one to refresh for
    finally:
        index.close()


@pytest.mark.parametrize("why", ["GIT_OPTIONAL_LOCKS=0", "GIT_OPTIONAL_LOCKS=false", "another git holds the index's lock",
                                 "a writer holds the helpdesk", "the helpdesk's lock file cannot be opened"])
def test_without_the_lock_the_refresh_reads_every_file_and_tries_again_next_time(helpdesk: Path, tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch, why: str) -> None:  # fmt: skip
    from tix.storage.index import Index

    copy = _imported_copy(helpdesk, tmp_path, 40)
    lock = copy / ".git" / "index.lock"
    if why.startswith("GIT_OPTIONAL_LOCKS"):
        monkeypatch.setenv("GIT_OPTIONAL_LOCKS", why.partition("=")[2])
    elif why.startswith("another git"):
        lock.write_bytes(b"")
    elif why.startswith("the helpdesk's lock"):  # as for a teammate with read access only (root opens anything)
        (copy / ".git" / "tix" / "lock").unlink(missing_ok=True)
        (copy / ".git" / "tix" / "lock").mkdir()
    before = (copy / ".git" / "index").read_bytes()
    read, ran = _counting(monkeypatch)
    desk = Helpdesk(copy)
    index = Index(desk)
    try:
        if why.startswith("a writer"):
            with desk.locked():  # as an import holds it while git's index takes its batches up
                index.refresh()
        else:
            index.refresh()
        assert (copy / ".git" / "index").read_bytes() == before  # git's index untouched, no error either
        assert "add --refresh" not in ran  # not even begun
        assert len(read) == 40  # each file compared by content instead: nothing changed, nothing missed
        monkeypatch.delenv("GIT_OPTIONAL_LOCKS", raising=False)
        lock.unlink(missing_ok=True)
        if (copy / ".git" / "tix" / "lock").is_dir():
            (copy / ".git" / "tix" / "lock").rmdir()
        read.clear()
        index.refresh()
        assert "add --refresh" in ran and git(copy, "diff-files", "--name-only", "--", "tickets") == ""
        read.clear()
        index.refresh()
        assert read == []
    finally:
        index.close()


def test_with_a_git_older_than_path_format_the_import_files_every_mail_without_its_own_pack(helpdesk: Path, tmp_path: Path) -> None:
    """`git rev-parse --path-format` came with git 2.31: an older git refuses it, and the import
    then leaves the blobs the parse workers made to fast-import, as in a shared repository."""
    import shutil

    from conftest import make_eml, make_maildir, run_console_script

    real = shutil.which("git")
    bin_dir = tmp_path / "old-git"
    bin_dir.mkdir()
    (bin_dir / "git").write_text("#!/bin/sh\n"
                                 'for a in "$@"; do case "$a" in --path-format*) echo "error: unknown option \'${a#--}\'" >&2; exit 129;; esac; done\n'
                                 f'exec {real} "$@"\n', encoding="utf-8")  # fmt: skip
    (bin_dir / "git").chmod(0o755)
    maildir = make_maildir(tmp_path / "Maildir", {f"{n}.host": make_eml(message_id=f"<old{n}@x>") for n in range(30)})
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    result = run_console_script("import", str(maildir), cwd=helpdesk, env=env)
    assert result.returncode == 0, result.stderr
    assert len(message_ids(helpdesk)) == 30
    assert git(helpdesk, "status", "--porcelain") == "" and git(helpdesk, "fsck", "--no-progress") == ""
