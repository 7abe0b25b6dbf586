"""A `tix send` killed with SIGKILL mid-delivery: the next run first commits what the killed one
moved, never sends a message twice, and leaves outbox/ clean in git (issue 10 #5)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli, git, smtp_controller


class SlowSecond:
    """Accepts every message; holds the answer to the second one until the test lets go."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.holding = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.original_content)
        if len(self.messages) == 2:
            self.holding.set()
            await asyncio.sleep(3)
        return "250 OK"


@pytest.fixture
def slow_server():  # type: ignore[no-untyped-def]
    handler = SlowSecond()
    with smtp_controller(handler) as controller:
        yield controller, handler


def tix_process(cwd: Path, *args: str) -> subprocess.Popen[bytes]:
    script = Path(sys.executable).with_name("tix")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "tix"]
    return subprocess.Popen([*command, *args], cwd=cwd, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.slow
@pytest.mark.parametrize("all_clones", [False, True], ids=["own", "all-clones"])
def test_a_killed_send_is_committed_by_the_next_run_and_nothing_goes_twice(tix: Cli, helpdesk: Path, slow_server, all_clones: bool) -> None:  # type: ignore[no-untyped-def]
    controller, handler = slow_server
    tix.ok("config", "set", "mail.from", "Pomoc <pomoc@firma.example>")
    tix.ok("config", "set", "smtp.url", f"smtp://127.0.0.1:{controller.port}")
    for n in range(3):
        tix.ok("reply", tix.new(f"Ticket {n}"), "-m", f"Answer {n}")
    extra = ["--all-clones"] if all_clones else []
    process = tix_process(helpdesk, "send", *extra)
    assert handler.holding.wait(30), process.communicate()
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    time.sleep(0.1)
    head = git(helpdesk, "rev-parse", "HEAD")
    if all_clones:  # the claim of the message being sent was committed before it went out
        states = [json.loads(git(helpdesk, "show", f"HEAD:{p}")) for p in git(helpdesk, "ls-tree", "--name-only", "HEAD", "outbox/queue/").split()
                  if p.endswith(".json")]  # fmt: skip
        assert "sending" in [s["state"] for s in states]
    assert git(helpdesk, "status", "--porcelain", "--", "outbox") != ""  # the killed run's moves, not yet committed

    result = tix("send", *extra)
    assert result.code == 1 and "uncertain" in result.out  # the one in flight is never resent on its own
    assert git(helpdesk, "rev-parse", "HEAD") != head
    assert git(helpdesk, "status", "--porcelain", "--", "outbox") == ""
    time.sleep(3.2)  # the held answer goes out to a dead client
    bodies = [m.decode() for m in handler.messages]
    assert sorted(b.count("Answer") for b in bodies) == [1, 1, 1]
    assert all(sum(f"Answer {n}" in b for b in bodies) == 1 for n in range(3))  # each exactly once
    assert len(list((helpdesk / "outbox" / "sent").glob("*.eml"))) == 2
    log = git(helpdesk, "log", "--format=%s", "-5")
    assert "tix: record an interrupted send" in log
