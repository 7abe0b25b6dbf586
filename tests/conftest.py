"""Fixtures: an isolated git identity and clock, real temporary helpdesks, and the real CLI."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tix.cli.main import main

START = datetime.fromisoformat("2026-11-23T09:00:00+01:00")


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


class Clock:
    """The time tix sees (TIX_NOW); tests move it forward instead of sleeping."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.set(START)

    def set(self, moment: datetime) -> None:
        self.now = moment
        self.monkeypatch.setenv("TIX_NOW", moment.isoformat())

    def advance(self, **delta: float) -> datetime:
        self.set(self.now + timedelta(**delta))
        return self.now


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own HOME and global git config with a known identity."""
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Anna Nowak\n\temail = anna@example.com\n[init]\n\tdefaultBranch = main\n", encoding="utf-8"
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("TIX_USER", "TIX_DIR", "EDITOR", "VISUAL", "GIT_DIR", "GIT_WORK_TREE", "TIX_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    return home


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


class Cli:
    """Runs the real entry point (tix.cli.main.main) in this process, in a given folder."""

    def __init__(self, cwd: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        self.cwd = cwd
        self.capsys = capsys
        self.monkeypatch = monkeypatch

    def __call__(self, *args: str, stdin: str = "", cwd: Path | None = None) -> Result:
        self.capsys.readouterr()
        with self.monkeypatch.context() as patch:
            patch.chdir(cwd or self.cwd)
            patch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8"))
            code = main(list(args))
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def ok(self, *args: str, stdin: str = "", cwd: Path | None = None) -> Result:
        result = self(*args, stdin=stdin, cwd=cwd)
        assert result.code == 0, f"tix {' '.join(args)} failed ({result.code}): {result.err}"
        return result

    def new(self, subject: str = "Printer on fire", *args: str) -> str:
        return self.ok("new", subject, "--from", "Jan Kowalski <jan@example.pl>", *args).out.strip()


@pytest.fixture
def helpdesk(tmp_path: Path, clock: Clock) -> Path:
    root = tmp_path / "desk"
    assert main(["init", str(root), "--email", "support@example.com", "--timezone", "Europe/Warsaw"]) == 0
    return root


@pytest.fixture
def tix(helpdesk: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(helpdesk, capsys, monkeypatch)


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


def tix_command() -> list[str]:
    """The installed `tix` command (or `python -m tix` where no script was installed)."""
    script = Path(sys.executable).with_name("tix")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tix"]


def run_console_script(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The installed `tix` command itself, in a separate process."""
    command = tix_command()
    return subprocess.run(
        [*command, *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=60
    )


TEST_MAIL = Path(__file__).resolve().parent / "data" / "mail"  # the project's own synthetic mail (tests/data/README.md)

# The optional shared corpus of real mail beside the repository (../shared/corpus), or TIX_CORPUS.
# On a fresh clone it is absent: the corpus-wide tests skip with a reason. CI sets TIX_REQUIRE_CORPUS=1
# when the corpus exists, so that a wrong path fails instead of quietly skipping.
CORPUS = Path(os.environ.get("TIX_CORPUS") or Path(__file__).resolve().parents[2] / "shared" / "corpus") / "eml"


def corpus_files() -> list[Path]:
    """Every corpus message, for parametrising at collection time (empty when there is no corpus)."""
    return sorted(CORPUS.glob("*/*.eml"))


@pytest.fixture
def corpus_dir() -> Path:
    """The shared corpus's eml/ folder; skips the test when it is absent (fails under TIX_REQUIRE_CORPUS=1)."""
    if not corpus_files():
        reason = f"shared mail corpus not found at {CORPUS} (optional; set TIX_CORPUS=<path to corpus/>)"
        if os.environ.get("TIX_REQUIRE_CORPUS") == "1":
            pytest.fail(reason + ", but TIX_REQUIRE_CORPUS=1")
        pytest.skip(reason)
    return CORPUS


def make_eml(
    subject: str = "Printer on fire",
    sender: str = "Jan Kowalski <jan@example.pl>",
    to: str = "Support <support@example.com>",
    body: str = "Hello, my printer is on fire.",
    message_id: str | None = "<m1@example.pl>",
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, bytes]] | None = None,
    date: str = "Mon, 23 Nov 2026 08:30:00 +0100",
) -> bytes:
    """A real RFC 5322 message built with the standard library."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = date
    if message_id:
        message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    for filename, data in attachments or []:
        message.add_attachment(data, maintype="application", subtype="octet-stream", filename=filename)
    return bytes(message)


def make_maildir(root: Path, messages: dict[str, bytes], sub: str = "new") -> Path:
    for folder in ("tmp", "new", "cur"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for name, data in messages.items():
        (root / sub / name).write_bytes(data)
    return root


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now, for a test server."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def smtp_controller(handler: Any, **options: Any) -> Iterator[Any]:
    """A real aiosmtpd server on 127.0.0.1 running `handler`, stopped afterwards."""
    from aiosmtpd.controller import Controller

    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()
