"""The import's own packs (storage/packfile.py): blobs compressed where the mail is parsed,
written as a version 2 pack and index that git reads as its own."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from conftest import Cli, git, make_eml, make_maildir

from tix.storage.packfile import pack_blob, write_pack

TEXT = ("Dzień dobry, drukarka się pali. Proszę o pomoc.\n" * 400).encode("utf-8")


def _repo(path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    return path


def test_git_reads_every_blob_of_a_written_pack_as_it_was_given(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    contents = [b"", b"hello\n", TEXT, os.urandom(200_000), bytes(range(256)) * 300]
    blobs = [pack_blob(data) for data in contents] + [pack_blob(b"hello\n")]  # one id twice: packed once
    write_pack(str(repo / ".git/objects/pack"), blobs)

    for data, blob in zip(contents, blobs, strict=False):
        made = subprocess.run(["git", "hash-object", "--stdin"], input=data, cwd=repo, capture_output=True, check=True)
        assert made.stdout.decode().strip() == blob.oid
        read = subprocess.run(["git", "cat-file", "blob", blob.oid], cwd=repo, capture_output=True, check=True)
        assert read.stdout == data
    packs = list((repo / ".git/objects/pack").glob("pack-*.idx"))
    assert len(packs) == 1
    verified = git(repo, "verify-pack", "-v", str(packs[0]))
    assert "non delta: 5 objects" in verified
    assert subprocess.run(["git", "fsck", "--full", "--no-dangling"], cwd=repo, capture_output=True).returncode == 0
    assert not list((repo / ".git/objects/pack").glob("tmp_*"))


def test_text_is_compressed_and_data_that_does_not_compress_is_stored_as_it_is() -> None:
    noise = os.urandom(100_000)
    assert len(pack_blob(TEXT).entry) < len(TEXT) / 10
    stored = pack_blob(noise).entry
    assert len(noise) < len(stored) < len(noise) + 64  # zlib's stored blocks: a few bytes each 64 KiB, no search


def test_an_import_commits_its_files_through_its_own_pack_and_git_finds_them_whole(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    photo = os.urandom(50_000)  # as incompressible as a JPEG
    mails = {f"m{n}": make_eml(subject=f"Drukarka {n}", message_id=f"<p{n}@example.pl>", body=f"Dzień dobry {n}\n" * 50,
                               attachments=[("photo.jpg", photo), ("log.txt", TEXT)])
             for n in range(20)}  # fmt: skip  (20: enough for the parse workers, not parsed inline)
    before = set((helpdesk / ".git/objects/pack").glob("pack-*.pack"))
    tix.ok("import", "--quiet", str(make_maildir(tmp_path / "Maildir", mails)))

    assert git(helpdesk, "status", "--porcelain") == ""  # the committed blobs are the files' bytes
    assert subprocess.run(["git", "fsck", "--full", "--no-dangling"], cwd=helpdesk, capture_output=True).returncode == 0
    committed = git(helpdesk, "ls-tree", "-r", "--name-only", "HEAD", "tickets").splitlines()
    photos = [path for path in committed if path.endswith(".jpg")]
    assert len(photos) == 20
    for path in photos[:3]:
        read = subprocess.run(["git", "cat-file", "blob", f"HEAD:{path}"], cwd=helpdesk, capture_output=True, check=True)
        assert read.stdout == photo == (helpdesk / path).read_bytes()
    new_packs = set((helpdesk / ".git/objects/pack").glob("pack-*.pack")) - before
    listed = "".join(git(helpdesk, "verify-pack", "-v", str(pack.with_suffix(".idx"))) for pack in new_packs)
    photo_id = git(helpdesk, "rev-parse", f"HEAD:{photos[0]}").strip()
    assert photo_id in listed  # in one of the run's packs, not a loose object
    blobs = [git(helpdesk, "rev-parse", f"HEAD:{path}").strip() for path in committed if not path.endswith("ticket.md")]
    assert photo_id in blobs and len(blobs) == 60  # each message, its text file and its photo
    assert not any((helpdesk / ".git/objects" / oid[:2] / oid[2:]).exists() for oid in blobs)  # none went loose
