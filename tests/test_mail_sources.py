"""Each kind of mail source satisfies the Source protocol and yields, through open_source, the
items `tix import` read before the sources became a package (issue 11 #2)."""

from __future__ import annotations

import io
import os
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import make_eml, make_maildir

from tix.errors import InvalidValue
from tix.mail.sources import open_source
from tix.mail.sources.base import Item, Source
from tix.mail.sources.files import EmlFile, Folder
from tix.mail.sources.maildir import Maildir
from tix.mail.sources.mbox import Mbox
from tix.mail.sources.stdin import Stdin

DELIVERED = 1795430405  # a Maildir name's time: 2026-11-23


def mbox(path: Path, *message_ids: str) -> Path:
    path.write_bytes(b"".join(b"From jan@example.pl Mon Nov 23 08:30:00 2026\n" + make_eml(message_id=mid).replace(b"\r\n", b"\n") + b"\n"
                              for mid in message_ids))  # fmt: skip
    return path


def message_id(item: Item) -> str:
    raw = item.read()
    assert raw is not None
    match = re.search(rb"^Message-ID: (\S+)", raw, re.MULTILINE)
    assert match, raw
    return match.group(1).decode()


def listed(source: Source, root: Path) -> list[tuple[str, str, str]]:
    """(label relative to root, Message-ID, kind of the source that yielded it) for every item."""
    return [(item.label.removeprefix(f"{root}/"), message_id(item), type(item.source).__name__) for item in source]


def test_an_eml_file_is_one_message_even_when_it_starts_like_an_mbox(tmp_path: Path) -> None:
    path = tmp_path / "one.eml"
    path.write_bytes(b"From jan@example.pl Mon Nov 23 08:30:00 2026\n" + make_eml(message_id="<one@x>"))
    source = open_source(str(path))
    assert isinstance(source, EmlFile) and isinstance(source, Source)
    [item] = source
    assert (item.label, item.path, item.data, message_id(item)) == (str(path), path, None, "<one@x>")
    assert item.delivered_at() is None
    item.mark_seen()
    assert path.exists()


def test_a_folder_yields_its_files_oldest_first_then_its_subfolders_by_name(tmp_path: Path) -> None:
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.eml").write_bytes(make_eml(message_id="<a@x>"))
    mbox(root / "box", "<box1@x>", "<box2@x>")
    (root / "b.eml").write_bytes(make_eml(message_id="<b@x>"))
    (root / ".hidden.eml").write_bytes(make_eml(message_id="<hidden@x>"))
    for age, name in enumerate(["b.eml", "box", "a.eml"]):
        os.utime(root / name, (1795000000 - age, 1795000000 - age))
    (root / "sub").mkdir()
    (root / "sub" / "c.eml").write_bytes(make_eml(message_id="<c@x>"))
    (root / "tmp").mkdir()
    (root / "tmp" / "half.eml").write_bytes(make_eml(message_id="<half@x>"))
    make_maildir(root / "Mail", {f"{DELIVERED}.M1.desk": make_eml(message_id="<md@x>")})
    source = open_source(str(root))
    assert isinstance(source, Folder) and isinstance(source, Source)
    assert listed(source, root) == [
        ("a.eml", "<a@x>", "Folder"), ("box#1", "<box1@x>", "Mbox"), ("box#2", "<box2@x>", "Mbox"), ("b.eml", "<b@x>", "Folder"),
        (f"Mail/new/{DELIVERED}.M1.desk", "<md@x>", "Maildir"), ("sub/c.eml", "<c@x>", "Folder"),
    ]  # fmt: skip
    assert all(item.listed is not None for item in source if item.path is not None)  # one stat a file, by the listing


def test_a_maildir_reads_new_then_cur_tells_the_delivery_time_and_marks_seen_into_cur(tmp_path: Path) -> None:
    box = make_maildir(tmp_path / "Mail", {f"{DELIVERED}.M1.desk": make_eml(message_id="<new@x>")})
    (box / "cur" / "old.desk:2,F").write_bytes(make_eml(message_id="<old@x>"))
    (box / "tmp" / "half").write_bytes(make_eml(message_id="<half@x>"))
    source = open_source(str(box))
    assert isinstance(source, Maildir) and isinstance(source, Source)
    assert listed(source, box) == [(f"new/{DELIVERED}.M1.desk", "<new@x>", "Maildir"), ("cur/old.desk:2,F", "<old@x>", "Maildir")]
    first, second = source
    assert first.delivered_at() == datetime.fromtimestamp(DELIVERED, UTC)
    first.mark_seen()
    second.mark_seen()
    assert sorted(p.name for p in (box / "cur").iterdir()) == [f"{DELIVERED}.M1.desk:2,S", "old.desk:2,FS"]
    assert list((box / "new").iterdir()) == []


def test_an_mbox_yields_its_messages_numbered_and_is_never_changed(tmp_path: Path) -> None:
    path = mbox(tmp_path / "inbox", "<mb1@x>", "<mb2@x>")
    before = path.read_bytes()
    source = open_source(str(path))
    assert isinstance(source, Mbox) and isinstance(source, Source)
    assert listed(source, tmp_path) == [("inbox#1", "<mb1@x>", "Mbox"), ("inbox#2", "<mb2@x>", "Mbox")]
    for item in source:
        assert item.path is None and item.delivered_at() is None
        item.mark_seen()
    assert path.read_bytes() == before


def test_a_dash_reads_one_message_from_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = make_eml(message_id="<stdin@x>")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    source = open_source("-")
    assert isinstance(source, Stdin) and isinstance(source, Source)
    [item] = source
    assert (item.label, item.path, item.data, item.delivered_at()) == ("stdin", None, raw, None)


def test_a_missing_path_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidValue, match="no such file or folder"):
        open_source(str(tmp_path / "nowhere"))
