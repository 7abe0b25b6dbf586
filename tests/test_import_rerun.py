"""A re-run of `tix import` with nothing new (tix issue 12): what the last run saw of each Maildir
folder (the import ledger's SeenFolders) spares opening its files again — and nothing is lost.

The complexity tests count work (files read, heads read, files stat'ed, folders listed, index
refreshes) on a re-run, through the real CLI, and assert it does not grow with the number of
messages; the behaviour tests cover each way a Maildir changes under a cron importer."""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import Cli, git, make_eml, make_maildir, tix_command

from tix.mail.sources import base
from tix.storage import duplicates, ledger, ticketfile
from tix.storage import index as index_module

HOUR_NS = 3600 * 10**9


def _maildir(root: Path, count: int, start: int = 0) -> Path:
    return make_maildir(root, {f"{1767225600 + n}.M{n}P1.host": make_eml(message_id=f"<r{n}@example.pl>", subject=f"Question {n}")
                               for n in range(start, start + count)})  # fmt: skip


def _age(*folders: Path) -> None:
    """As if the folders were last changed an hour ago: their time can be trusted."""
    for folder in folders:
        mtime = folder.stat().st_mtime_ns - HOUR_NS
        os.utime(folder, ns=(mtime, mtime))


def _message_ids(root: Path) -> list[str]:
    return [mid for path in (root / "tickets").glob("*/*/ticket.md") for mid in ticketfile.loads(path.read_text("utf-8")).message_ids]


@contextmanager
def counting(monkeypatch: pytest.MonkeyPatch, maildir: Path) -> Iterator[Counter[str]]:
    """Counts (calling through) the work a run does per file: reads, head reads, stats, listings."""
    counts: Counter[str] = Counter()
    real_read, real_head, real_stat = base.Item.read, duplicates.head_names, base._stat
    real_refresh, real_scandir = index_module.Index.refresh, os.scandir

    def read(self: base.Item) -> bytes | None:
        counts["read"] += 1
        return real_read(self)

    def head(path: Path | None, message_id: str) -> bool:
        counts["head"] += 1
        return real_head(path, message_id)

    def stat(entry: os.DirEntry[str]) -> tuple[float, str | None]:
        counts["stat"] += 1
        return real_stat(entry)

    def refresh(self: index_module.Index, full: bool = False) -> int:
        counts["refresh"] += 1
        return real_refresh(self, full)

    def scandir(path: str | Path = ".") -> Iterator[os.DirEntry[str]]:
        if str(path).startswith(str(maildir)):
            counts["listing"] += 1
        return real_scandir(path)  # type: ignore[return-value]

    with monkeypatch.context() as patch:
        patch.setattr(base.Item, "read", read)
        patch.setattr(duplicates, "head_names", head)
        patch.setattr(base, "_stat", stat)
        patch.setattr(index_module.Index, "refresh", refresh)
        patch.setattr(os, "scandir", scandir)
        yield counts


# --- the work of a re-run does not grow with N ------------------------------------------------


@pytest.mark.parametrize("count", [40, 160])
def test_a_rerun_with_nothing_new_opens_stats_and_lists_nothing(tix: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    maildir = _maildir(tmp_path / "Maildir", count)
    _age(maildir / "new", maildir / "cur")
    assert f"{count} new tickets" in tix.ok("import", "--maildir", str(maildir)).out
    with counting(monkeypatch, maildir) as work:
        out = tix.ok("import", "--maildir", str(maildir)).out
    assert f"{count} duplicates skipped" in out and "0 new tickets" in out
    assert work == Counter(), work  # no file read, no head read, no stat, no listing, no index refresh


@pytest.mark.parametrize("count", [40, 160])
def test_a_rerun_of_a_changed_folder_reads_only_what_is_new(tix: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    maildir = _maildir(tmp_path / "Maildir", count)
    tix.ok("import", "--maildir", str(maildir))
    _maildir(maildir, 3, start=count)  # three new messages: new/ has changed
    with counting(monkeypatch, maildir) as work:
        out = tix.ok("import", "--maildir", str(maildir)).out
    assert "3 new tickets" in out and f"{count} duplicates skipped" in out
    assert work["read"] == 3 and work["stat"] == 3 and work["head"] == 0, work
    assert work["listing"] <= 2 and work["refresh"] == 1, work  # new/ and cur/ listed by name, once


@pytest.mark.parametrize("count", [40, 160])
def test_files_renamed_by_a_mail_client_cost_one_head_read_each(tix: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    maildir = _maildir(tmp_path / "Maildir", count)
    tix.ok("import", "--maildir", str(maildir))
    for path in sorted((maildir / "new").iterdir())[:2]:  # a client reads two: moved to cur/ with the S flag
        path.rename(maildir / "cur" / f"{path.name}:2,S")
    with counting(monkeypatch, maildir) as work:
        out = tix.ok("import", "--maildir", str(maildir)).out
    assert "0 new tickets" in out and f"{count} duplicates skipped" in out
    assert work["head"] == 2 and work["read"] == 0 and work["stat"] == 2, work
    with counting(monkeypatch, maildir) as work:
        tix.ok("import", "--maildir", str(maildir))
    assert work["head"] == work["read"] == work["stat"] == 0, work  # their new names are remembered


# --- nothing lost ---------------------------------------------------------------------------


@pytest.mark.parametrize("tick", ["same tick", "later"])
def test_a_message_added_during_a_run_is_imported_by_the_next(tix: Cli, helpdesk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tick: str) -> None:
    from tix.services import intake

    maildir = _maildir(tmp_path / "Maildir", 5)
    if tick == "later":
        _age(maildir / "new", maildir / "cur")  # the delivery during the run moves the folder's time
    before = (maildir / "new").stat().st_mtime_ns
    real_prepare = intake.Importer._prepare

    def prepare_and_deliver(self: intake.Importer, items: list[base.Item]) -> list[tuple[base.Item, bytes, str]]:
        late = maildir / "new" / "1767300000.M99P1.host"
        if not late.exists():  # delivered after new/ was listed
            late.write_bytes(make_eml(message_id="<late@example.pl>"))
            if tick == "same tick":  # a coarse filesystem: the folder's time stays what the listing saw
                os.utime(maildir / "new", ns=(before, before))
        return real_prepare(self, items)

    with monkeypatch.context() as patch:
        patch.setattr(intake.Importer, "_prepare", prepare_and_deliver)
        assert "5 new tickets" in tix.ok("import", "--maildir", str(maildir)).out
    assert "1 new ticket" in tix.ok("import", "--maildir", str(maildir)).out
    assert sorted(_message_ids(helpdesk)) == sorted([f"<r{n}@example.pl>" for n in range(5)] + ["<late@example.pl>"])


def test_a_folder_changed_within_the_tick_of_its_listing_is_listed_again(tix: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """notmuch's rule: a folder whose time is that of the scan may still change within that tick."""
    maildir = _maildir(tmp_path / "Maildir", 3)  # just delivered: its time is now
    tix.ok("import", "--maildir", str(maildir))
    with counting(monkeypatch, maildir) as work:
        tix.ok("import", "--maildir", str(maildir))
    assert work["listing"] >= 1 and work["read"] == 0  # listed by name again, nothing read
    _age(maildir / "new", maildir / "cur")
    tix.ok("import", "--maildir", str(maildir))  # an hour old now: this listing's time is kept
    with counting(monkeypatch, maildir) as work:
        tix.ok("import", "--maildir", str(maildir))
    assert work["listing"] == 0


def test_a_file_renamed_by_a_mail_client_is_imported_exactly_once(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    maildir = _maildir(tmp_path / "Maildir", 3)
    make_maildir(maildir, {"1767229999.M7P1.host:2,": make_eml(message_id="<read@example.pl>")}, sub="cur")
    _age(maildir / "new", maildir / "cur")
    assert "4 new tickets" in tix.ok("import", "--maildir", str(maildir)).out
    (maildir / "cur" / "1767229999.M7P1.host:2,").rename(maildir / "cur" / "1767229999.M7P1.host:2,RS")  # replied, seen
    first = sorted((maildir / "new").iterdir())[0]
    first.rename(maildir / "cur" / f"{first.name}:2,S")
    out = tix.ok("import", "--maildir", str(maildir)).out
    assert "0 new tickets" in out and "4 duplicates skipped" in out
    assert "0 new tickets" in tix.ok("import", "--maildir", str(maildir)).out
    ids = _message_ids(helpdesk)
    assert len(ids) == len(set(ids)) == 4


def test_mark_seen_moves_what_earlier_runs_settled_and_remembers_the_new_names(tix: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    maildir = _maildir(tmp_path / "Maildir", 4)
    tix.ok("import", "--maildir", str(maildir))  # without --mark-seen: left in new/
    out = tix.ok("import", "--mark-seen", "--maildir", str(maildir)).out
    assert "4 duplicates skipped" in out
    assert list((maildir / "new").iterdir()) == [] and all(p.name.endswith(":2,S") for p in (maildir / "cur").iterdir())
    with counting(monkeypatch, maildir) as work:
        assert "4 duplicates skipped" in tix.ok("import", "--mark-seen", "--maildir", str(maildir)).out
    assert work["read"] == work["head"] == 0 and len(list((maildir / "cur").iterdir())) == 4


@pytest.mark.parametrize("where", ["save", "listed"])
def test_a_run_killed_before_its_bookkeeping_loses_and_doubles_nothing(
    tix: Cli, helpdesk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """Killed after the commit, before the names (or the folder's time) were written: the next
    run reads those files again and finds them duplicates."""
    maildir = _maildir(tmp_path / "Maildir", 6)
    _age(maildir / "new", maildir / "cur")

    def killed(*args: object) -> None:
        raise KeyboardInterrupt  # stands for kill -9: nothing after this point runs

    with monkeypatch.context() as patch:
        patch.setattr(ledger.SeenFolders, where, killed)
        assert tix("import", "--maildir", str(maildir)).code != 0
    _maildir(maildir, 2, start=6)
    out = tix.ok("import", "--maildir", str(maildir)).out
    assert "2 new tickets" in out and "6 duplicates skipped" in out
    ids = _message_ids(helpdesk)
    assert len(ids) == len(set(ids)) == 8
    assert "0 new tickets" in tix.ok("import", "--maildir", str(maildir)).out


@pytest.mark.slow
def test_two_cron_reruns_at_once_import_each_new_message_once(helpdesk: Path, tmp_path: Path) -> None:
    maildir = _maildir(tmp_path / "Maildir", 60)
    env = dict(os.environ, TIX_LOCK_WAIT="60")
    env.pop("TIX_NOW", None)
    command = tix_command()
    subprocess.run([*command, "import", "--maildir", str(maildir)], cwd=helpdesk, env=env, check=True, capture_output=True)
    _maildir(maildir, 40, start=60)
    runs = [subprocess.Popen([*command, "import", "--maildir", str(maildir)], cwd=helpdesk, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]  # fmt: skip
    results = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], results
    ids = _message_ids(helpdesk)
    assert len(ids) == len(set(ids)) == 100
    assert "40 new tickets" in results[0][0] + results[1][0]


def test_a_pull_that_removed_a_ticket_is_seen_before_new_mail_is_filed(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    """The index is refreshed lazily, but always before the first new message is filed: a reply to
    a ticket deleted since (a pull, a hand edit) does not thread into a ticket that is gone."""
    maildir = _maildir(tmp_path / "Maildir", 1)
    tix.ok("import", "--maildir", str(maildir))
    tix.ok("import", "--maildir", str(maildir))  # nothing new: the index is not even refreshed
    [ticket] = (helpdesk / "tickets").glob("*/*/ticket.md")
    git(helpdesk, "rm", "-rq", str(ticket.parent))
    git(helpdesk, "commit", "-qm", "a teammate removed the ticket")
    make_maildir(maildir, {"1767300000.M1P1.host": make_eml(message_id="<reply@example.pl>", in_reply_to="<r0@example.pl>",
                                                            subject="Re: Question 0")})  # fmt: skip
    out = tix.ok("import", "--maildir", str(maildir)).out
    assert "1 new ticket" in out and "0 follow-ups" in out


def test_a_file_name_that_is_not_utf8_is_imported_and_remembered(tix: Cli, helpdesk: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Any bytes are a valid file name; the ledger (SQLite text is UTF-8) used to fail on such a
    name after the commit, with a traceback on this run and every later one."""
    maildir = _maildir(tmp_path / "Maildir", 2)
    hostile = os.fsdecode(b"\xff\xfe1767229999.M9P1.host")
    (maildir / "new" / hostile).write_bytes(make_eml(message_id="<hostile@example.pl>", subject="Bytes"))
    _age(maildir / "new", maildir / "cur")
    assert "3 new tickets" in tix.ok("import", "--maildir", str(maildir)).out
    _age(maildir / "new", maildir / "cur")
    with counting(monkeypatch, maildir) as work:
        assert "0 new tickets" in tix.ok("import", "--maildir", str(maildir)).out
    assert work["read"] == 0
    (maildir / "new" / hostile).unlink()  # gone from the folder: forgotten by the next listing, nothing breaks
    assert "0 new tickets" in tix.ok("import", "--maildir", str(maildir)).out
    assert sorted(_message_ids(helpdesk)) == ["<hostile@example.pl>", "<r0@example.pl>", "<r1@example.pl>"]
