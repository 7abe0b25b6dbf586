"""Complexity tests: count the work per message, not the time (deterministic, no clock).

`import_work(helpdesk, messages)` imports messages through the real Importer in this process and counts
calls to `tix.storage.ticketfile.dumps` (each ticket serialisation) and git subprocesses. The counters wrap the real
functions (counting, not mocking: they call through). Use `assert_linear` on the counts of N and 4N
messages for any other hot path."""

from __future__ import annotations

import random
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from conftest import make_eml

from tix.services.desk import Desk
from tix.services.intake import Importer
from tix.storage import ticketfile
from tix.storage.layout import Helpdesk

N = 40  # and 4N = 160: one import batch each (mail.batch is 500), so a per-batch cost shows


def messages(count: int, seed: int = 1) -> list[bytes]:
    """Realistic enough: different senders, a quarter replies to an earlier message, some attachments."""
    rng = random.Random(seed)
    sent: list[str] = []
    out = []
    for n in range(count):
        mid = f"<c{n}@example.pl>"
        parent = rng.choice(sent) if sent and rng.random() < 0.25 else None
        out.append(make_eml(
            subject=("Re: " if parent else "") + f"Question {n}", sender=f"Customer {n % 7} <c{n % 7}@example.pl>",
            body=f"Hello, question number {n}.\n" * rng.randint(1, 5), message_id=mid, in_reply_to=parent,
            references=parent, attachments=[("scan.pdf", b"%PDF" * 50)] if rng.random() < 0.2 else None,
        ))  # fmt: skip
        sent.append(mid)
    return out


def import_work(helpdesk: Path, raws: list[bytes], monkeypatch: pytest.MonkeyPatch, folder: Path) -> Counter[str]:
    """Imports the messages (as .eml files in `folder`) into the helpdesk; returns the work counted."""
    counts: Counter[str] = Counter()
    folder.mkdir(parents=True)
    for n, raw in enumerate(raws):
        (folder / f"{n:05d}.eml").write_bytes(raw)
    real_dumps = ticketfile.dumps
    real_popen = subprocess.Popen

    def counting_dumps(*args, **kwargs):  # type: ignore[no-untyped-def]
        counts["dumps"] += 1
        return real_dumps(*args, **kwargs)

    class CountingPopen(real_popen):  # type: ignore[misc,valid-type]
        def __init__(self, args, *rest, **kwargs):  # type: ignore[no-untyped-def]
            first = args[0] if isinstance(args, (list, tuple)) and args else str(args).split(" ")[0]
            if Path(str(first)).name == "git":
                counts["git"] += 1
            super().__init__(args, *rest, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(ticketfile, "dumps", counting_dumps)
        patch.setattr(subprocess, "Popen", CountingPopen)  # subprocess.run and GitPython's own calls go through it
        try:
            import git.cmd

            patch.setattr(git.cmd, "Popen", CountingPopen)
        except ImportError:  # pragma: no cover
            pass
        report = Importer(Desk(Helpdesk.discover(helpdesk))).run([str(folder)])
    assert report.counts["quarantined"] == 0 and sum(report.counts.values()) >= len(raws), report.summary()
    return counts


def assert_linear(small: int, large: int, what: str, bound: float = 4.5) -> None:
    """The work for 4N messages is at most ~4x the work for N (plus a little for fixed costs)."""
    assert large <= bound * max(small, 1), f"{what}: {small} for {N} messages, {large} for {4 * N} ({large / max(small, 1):.1f}x)"


@pytest.fixture
def work(helpdesk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock) -> dict[int, Counter[str]]:  # type: ignore[no-untyped-def]
    """The work of importing N messages into one fresh helpdesk and 4N into another."""
    from tix.cli.main import main

    second = tmp_path / "desk4n"
    assert main(["init", str(second), "--email", "support@example.com", "--timezone", "Europe/Warsaw"]) == 0
    return {
        N: import_work(helpdesk, messages(N), monkeypatch, tmp_path / "mail-n"),
        4 * N: import_work(second, messages(4 * N), monkeypatch, tmp_path / "mail-4n"),
    }


def test_git_calls_do_not_grow_per_message(work: dict[int, Counter[str]]) -> None:
    assert work[N]["git"] > 0  # the counter sees git
    assert_linear(work[N]["git"], work[4 * N]["git"], "git subprocesses")


def test_ticket_serialisations_grow_linearly_with_the_batch(work: dict[int, Counter[str]]) -> None:
    assert work[N]["dumps"] >= N * 0.5  # the counter sees every new ticket written
    assert_linear(work[N]["dumps"], work[4 * N]["dumps"], "ticketfile.dumps calls")
