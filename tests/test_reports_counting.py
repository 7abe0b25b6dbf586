"""Issue 13 #6: after one state change, the next `tix stats` works out again that one ticket's
facts only, whatever the size of the helpdesk: the work is counted, not timed (deterministic, no
clock). The counters wrap the real functions and call through (counting, not mocking); every
command is the real CLI on a real git repository.

Counted per `tix stats`: `kpi.facts` calls (tickets worked out), ticket files parsed, `git log`
calls and the commits they returned, and every git subprocess. The same counts for a helpdesk of
20 tickets and one of 80."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from conftest import Cli, Clock, git, make_eml

from tix.cli.main import main
from tix.domain import kpi
from tix.storage import ticketfile
from tix.storage.gitrepo import GitRepo
from tix.storage.layout import ticket_relpath

SIZES = (20, 80)


def counted_stats(tix: Cli, monkeypatch: pytest.MonkeyPatch, cwd: Path) -> tuple[dict, Counter[str]]:
    """`tix stats -f json` in `cwd`, with the work it did."""
    counts: Counter[str] = Counter()
    real_facts, real_loads, real_log, real_run = kpi.facts, ticketfile.loads, GitRepo.log, GitRepo.run

    def facts(*args, **kwargs):  # type: ignore[no-untyped-def]
        counts["tickets worked out"] += 1
        return real_facts(*args, **kwargs)

    def loads(*args, **kwargs):  # type: ignore[no-untyped-def]
        counts["ticket files parsed"] += 1
        return real_loads(*args, **kwargs)

    def log(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        found = real_log(self, *args, **kwargs)
        counts["git log calls"] += 1
        counts["commits read"] += len(found)
        return found

    def run(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        counts["git subprocesses"] += 1
        return real_run(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(kpi, "facts", facts)
        patch.setattr(ticketfile, "loads", loads)
        patch.setattr(GitRepo, "log", log)
        patch.setattr(GitRepo, "run", run)
        data = json.loads(tix.ok("stats", "--since", "2026-11-01", "-f", "json", cwd=cwd).out)
    return data, counts


def build(tix: Cli, root: Path, tickets: int, tmp_path: Path) -> list[str]:
    """A helpdesk of `tickets` mail tickets (one import), IDs in order."""
    assert main(["init", str(root), "--email", "support@example.com", "--timezone", "Europe/Warsaw"]) == 0
    mail = tmp_path / f"mail-{tickets}"
    mail.mkdir()
    for n in range(tickets):
        (mail / f"{n:03d}.eml").write_bytes(make_eml(subject=f"Question {n}", sender=f"Customer {n} <c{n}@example.pl>",
                                                     message_id=f"<q{n}-{tickets}@example.pl>"))  # fmt: skip
    tix.ok("import", "--quiet", str(mail), cwd=root)
    return sorted(t["id"] for t in json.loads(tix.ok("list", "--all", "-f", "json", cwd=root).out))


def test_one_change_recomputes_one_ticket_at_any_size(tix: Cli, clock: Clock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work: dict[int, dict[str, Counter[str]]] = {}
    for size in SIZES:
        root = tmp_path / f"desk-{size}"
        ids = build(tix, root, size, tmp_path)
        assert len(ids) == size
        clock.advance(minutes=5)
        steps: dict[str, Counter[str]] = {}
        first, cold = counted_stats(tix, monkeypatch, root)
        assert first["created"] == size and cold["tickets worked out"] == size  # cold: every ticket, once
        _, steps["nothing changed"] = counted_stats(tix, monkeypatch, root)

        clock.advance(minutes=10)
        tix.ok("assign", ids[size // 2], "bob@example.com", cwd=root)
        data, steps["tix assign"] = counted_stats(tix, monkeypatch, root)
        by_owner = json.loads(tix.ok("stats", "--since", "2026-11-01", "--by", "owner", "-f", "json", cwd=root).out)
        assert [g["key"] for g in by_owner["groups"]] == ["-", "bob@example.com"]  # the change is seen

        clock.advance(minutes=10)
        tix.ok("--as", "Bob <bob@example.com>", "reply", ids[1], "-m", "On it.", cwd=root)
        data, steps["tix reply"] = counted_stats(tix, monkeypatch, root)
        assert data["first_response"]["count"] == 1 and data["first_response"]["waiting"] == size - 1

        # a hand edit committed with plain git counts like tix's own change, and costs the same
        path = root / ticket_relpath(ids[-1])
        path.write_text(path.read_text(encoding="utf-8").replace("\nstatus: new\n", "\nstatus: closed\n", 1), encoding="utf-8")
        git(root, "commit", "-qam", "closed by hand", f"--date={clock.advance(minutes=10).isoformat()}")
        clock.advance(minutes=10)
        data, steps["git commit by hand"] = counted_stats(tix, monkeypatch, root)
        assert data["resolved"] == 1 and data["backlog"]["open"] == size - 1

        # the configuration is part of every ticket's key: a new SLA target works out every ticket
        tix.ok("config", "set", "sla.normal.first_response", "4h", cwd=root)
        _, config = counted_stats(tix, monkeypatch, root)
        assert config["tickets worked out"] == size and config["commits read"] == 0  # tix.yaml is no ticket
        work[size] = steps

    small, large = (work[size] for size in SIZES)
    assert small == large, (small, large)  # the same work at 20 tickets and at 80
    assert dict(small["nothing changed"]) == {"git subprocesses": 1}  # `git rev-parse HEAD`: the cache is at HEAD
    for step in ("tix assign", "tix reply", "git commit by hand"):
        counts = small[step]
        assert (counts["tickets worked out"], counts["ticket files parsed"]) == (1, 1), (step, counts)
        assert (counts["git log calls"], counts["commits read"]) == (1, 1), (step, counts)  # `git log OLD..HEAD`
        assert counts["git subprocesses"] <= 6, (step, counts)  # rev-parse (twice), merge-base, log, diff, ls-tree
