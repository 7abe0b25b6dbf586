"""Outgoing-mail configuration never stops intake: the mail is filed, the acknowledgement is
skipped, and the run warns once."""

from __future__ import annotations

from pathlib import Path

from conftest import Cli, make_eml, make_maildir

from tix.storage import ticketfile


def _tickets(root: Path) -> list[ticketfile.Ticket]:
    return [ticketfile.loads(p.read_text(encoding="utf-8")) for p in (root / "tickets").rglob("ticket.md")]


def _two_messages(tmp_path: Path) -> Path:
    return make_maildir(tmp_path / "Maildir", {
        "1.a": make_eml(message_id="<a@example.pl>"),
        "2.b": make_eml(message_id="<b@example.pl>", sender="Ola <ola@example.pl>", subject="Other"),
    })  # fmt: skip


def test_autoack_without_a_helpdesk_address_still_files_the_mail(tix: Cli, tmp_path: Path) -> None:
    tix.ok("config", "set", "helpdesk.email", "")
    tix.ok("config", "set", "autoack.enabled", "true")
    result = tix("import", str(_two_messages(tmp_path)))
    assert result.code == 0, result.err
    assert len(_tickets(tix.cwd)) == 2
    assert result.err.count("no acknowledgements sent") == 1
    assert "helpdesk.email" in result.err
    assert not list((tix.cwd / "outbox").rglob("*.eml")) if (tix.cwd / "outbox").exists() else True
    assert all(len(t.entries) == 1 for t in _tickets(tix.cwd))


def test_a_broken_ack_template_is_reported_once_and_intake_goes_on(tix: Cli, tmp_path: Path) -> None:
    tix.ok("config", "set", "autoack.enabled", "true")
    (tix.cwd / "templates" / "ack.j2").write_text("Subject: Re {{ ticket.subject }\n\n{{ 1 / 0 }}\n", encoding="utf-8")
    result = tix("import", str(_two_messages(tmp_path)))
    assert result.code == 0, result.err
    assert len(_tickets(tix.cwd)) == 2
    assert result.err.count("no acknowledgements sent") == 1 and "template 'ack'" in result.err
    # fixed template: the next new ticket is acknowledged again
    (tix.cwd / "templates" / "ack.j2").write_text("Subject: Re: {{ ticket.subject }}\n\nThanks.\n", encoding="utf-8")
    late = tmp_path / "c.eml"
    late.write_bytes(make_eml(message_id="<c@example.pl>", sender="Ewa <ewa@example.pl>", subject="Third"))
    result = tix("import", str(late))
    assert result.code == 0 and "no acknowledgements" not in result.err
    assert any(len(t.entries) == 2 for t in _tickets(tix.cwd))


def test_a_journal_holding_impossible_paths_never_blocks_the_next_run(tix: Cli, tmp_path: Path) -> None:
    import json

    state = tix.cwd / ".git" / "tix"
    state.mkdir(exist_ok=True)
    long_name = "票" * 120 + ".pdf"  # 360 bytes: too long for one path component
    (state / "import-journal").write_text(json.dumps([
        f"tickets/AB/ABCDEFGH/ENTRY/{long_name}", "../outside.txt", "/etc/passwd", "tickets/../../x", 42,
    ]), encoding="utf-8")  # fmt: skip
    mail = tmp_path / "ok.eml"
    mail.write_bytes(make_eml(message_id="<innocent@example.pl>"))
    result = tix("import", str(mail))
    assert result.code == 0, result.err
    assert len(_tickets(tix.cwd)) == 1
    assert not (state / "import-journal").exists()
    (state / "import-journal").write_bytes(b"\xff\xfe not json")
    assert tix("sync").code in (0, 1)  # no remote: a clear error, but the journal is no traceback
    assert not (state / "import-journal").exists()


def test_a_new_message_in_a_reused_file_with_the_same_size_and_mtime_is_imported(tix: Cli, tmp_path: Path) -> None:
    import os

    # A plain folder: its files can be rewritten in place, so every run checks each one (a
    # Maildir file never is: a Maildir re-run skips the names it settled, mail/sources/maildir.py)
    maildir = tmp_path / "mail"
    maildir.mkdir()
    path = maildir / "1.eml"
    path.write_bytes(make_eml(message_id="<first@example.pl>", body="one"))
    tix.ok("import", str(maildir))
    stat = path.stat()
    # the same inode, size and mtime, other bytes: what a reused inode on a 1-second filesystem gives
    with open(path, "r+b") as handle:
        handle.write(make_eml(message_id="<other@example.pl>", body="two"))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_ino == stat.st_ino and path.stat().st_size == stat.st_size
    result = tix.ok("import", str(maildir))
    assert "1 new ticket" in result.out
    assert sorted(m for t in _tickets(tix.cwd) for m in t.message_ids) == ["<first@example.pl>", "<other@example.pl>"]
    assert "1 duplicate skipped" in tix.ok("import", str(maildir)).out


def test_an_attachment_name_of_360_bytes_is_shortened_and_the_mail_beside_it_imported(tix: Cli, tmp_path: Path) -> None:
    long_name = "票" * 120 + ".pdf"
    maildir = make_maildir(tmp_path / "Maildir", {
        "1.a": make_eml(message_id="<long@example.pl>", attachments=[(long_name, b"%PDF")]),
        "2.b": make_eml(message_id="<innocent@example.pl>", sender="Ola <ola@example.pl>", subject="Other"),
    })  # fmt: skip
    result = tix("import", str(maildir))
    assert result.code == 0, result.err
    assert len(_tickets(tix.cwd)) == 2
    [saved] = [p for p in (tix.cwd / "tickets").rglob("*.pdf")]
    assert len(saved.name.encode("utf-8")) <= 255 and saved.read_bytes() == b"%PDF"
    entry = next(t.entries[0] for t in _tickets(tix.cwd) if t.message_ids == ["<long@example.pl>"])
    assert entry.extra["original_names"][saved.name] == long_name


def test_a_read_only_maildir_with_mark_seen_imports_and_warns(tix: Cli, tmp_path: Path) -> None:
    import os
    import subprocess

    maildir = _two_messages(tmp_path)
    folder = maildir / "new"
    # read-only for real: permissions for a user, the immutable flag for root (who ignores them)
    lock = ["chattr", "+i", str(folder)] if os.geteuid() == 0 else ["chmod", "555", str(folder)]
    subprocess.run(lock, check=True)
    try:
        result = tix("import", "--mark-seen", str(maildir))
        assert result.code == 0, result.err
        assert len(_tickets(tix.cwd)) == 2
        assert result.err.count("cannot mark mail seen") == 1, result.err
        assert len(list(folder.iterdir())) == 2  # left where they were
    finally:
        subprocess.run(["chattr", "-i", str(folder)] if os.geteuid() == 0 else ["chmod", "755", str(folder)], check=True)
    assert "2 duplicates skipped" in tix.ok("import", "--mark-seen", str(maildir)).out
