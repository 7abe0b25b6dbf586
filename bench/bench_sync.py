"""Benchmark for team sync: 1,000 tickets changed on each of two clones, half of them the same.

    python bench/bench_sync.py [--tickets 2000] [--changed 1000]

A helpdesk of N tickets is pushed to a bare remote and cloned twice. In each clone 1,000
tickets get a new owner, status and priority and an internal note (one commit per clone,
as a day's work); the two sets overlap in half their tickets, where both sides changed the
same fields. Alice syncs first, then Bob's `tix sync` (the real command, timed) fetches,
merges and pushes; Alice syncs again. Reports the times, how many files needed the merge
driver, and whether anything needed a human (conflict markers, unmerged files, lost notes).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from tix.domain import ids
from tix.domain.model import Entry, Person, Ticket
from tix.storage import ticketfile
from tix.storage.layout import ticket_relpath

TIX = [str(Path(sys.executable).with_name("tix"))] if Path(sys.executable).with_name("tix").exists() else [sys.executable, "-m", "tix"]


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


def tix(root: Path, env: dict[str, str], *args: str) -> float:
    start = time.perf_counter()
    subprocess.run(TIX + list(args), cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def work(root: Path, ticket_ids: list[str], who: str, when: datetime, env: dict[str, str]) -> None:
    """A day's work on these tickets, committed at once (the merge is what is measured)."""
    for number, ticket_id in enumerate(ticket_ids):
        path = root / ticket_relpath(ticket_id)
        ticket = ticketfile.loads(path.read_text(encoding="utf-8"))
        ticket.owner = f"{who}@example.com"
        ticket.status = "open" if who == "alice" else "pending"
        ticket.priority = "high" if who == "alice" else "low"
        ticket.updated = when + timedelta(seconds=number)
        ticket.entries.append(Entry(ids.random_id(), "note", f"{who} <{who}@example.com>", ticket.updated, f"{who} looked at it"))
        path.write_text(ticketfile.dumps(ticket), encoding="utf-8")
    git(root, "add", "tickets")
    git(root, "commit", "-qm", f"{who}: a day's work")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--changed", type=int, default=1000)
    options = parser.parse_args()
    work_dir = Path(tempfile.mkdtemp(prefix="tix-sync-"))
    env = dict(os.environ)
    env.pop("TIX_NOW", None)
    # Measure tix as installed, with its bytecode cached (pip compiles an installed package); an
    # environment that turns the cache off would time the compiling of every module on every run.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    try:
        remote, alice, bob = work_dir / "remote.git", work_dir / "alice", work_dir / "bob"
        git(work_dir, "init", "-q", "--bare", str(remote))
        env_alice = dict(env, TIX_USER="Alice <alice@example.com>", GIT_AUTHOR_NAME="Alice", GIT_AUTHOR_EMAIL="alice@example.com",
                         GIT_COMMITTER_NAME="Alice", GIT_COMMITTER_EMAIL="alice@example.com")  # fmt: skip
        env_bob = dict(env, TIX_USER="Bob <bob@example.com>", GIT_AUTHOR_NAME="Bob", GIT_AUTHOR_EMAIL="bob@example.com",
                       GIT_COMMITTER_NAME="Bob", GIT_COMMITTER_EMAIL="bob@example.com")  # fmt: skip
        subprocess.run(TIX + ["init", str(alice)], env=env_alice, check=True, stdout=subprocess.DEVNULL)
        when = datetime.fromisoformat("2026-11-23T09:00:00+01:00")
        ticket_ids = []
        for number in range(options.tickets):
            ticket_id = ids.derived_id(f"sync-bench-{number}")
            ticket = Ticket(ticket_id, f"Request {number}", Person("Customer", f"c{number}@example.com"), "new", "normal", when, when)
            ticket.entries.append(Entry(ids.derived_id(f"e{number}"), "inbound", str(ticket.requester), when, "Hello\n" * 10))
            path = alice / ticket_relpath(ticket_id)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(ticketfile.dumps(ticket), encoding="utf-8")
            ticket_ids.append(ticket_id)
        git(alice, "add", "tickets")
        git(alice, "commit", "-qm", "tickets", "--author", "Alice <alice@example.com>")
        git(alice, "remote", "add", "origin", str(remote))
        tix(alice, env_alice, "sync")
        git(work_dir, "clone", "-q", str(remote), str(bob))
        changed, half = options.changed, options.changed // 2
        work(alice, ticket_ids[:changed], "alice", when + timedelta(hours=1), env_alice)
        work(bob, ticket_ids[changed - half : 2 * changed - half], "bob", when + timedelta(hours=2), env_bob)
        first = tix(alice, env_alice, "sync")
        merge_seconds = tix(bob, env_bob, "sync")
        last = tix(alice, env_alice, "sync")
        same = git(alice, "rev-parse", "HEAD") == git(bob, "rev-parse", "HEAD")
        markers = subprocess.run(["git", "grep", "-l", "-e", "^<<<<<<<", "HEAD", "--", "tickets"], cwd=bob,
                                 capture_output=True, text=True).stdout.split()  # fmt: skip
        unmerged = git(bob, "ls-files", "-u")
        notes_ok = all(
            "alice looked at it" in (bob / ticket_relpath(t)).read_text(encoding="utf-8")
            and "bob looked at it" in (bob / ticket_relpath(t)).read_text(encoding="utf-8")
            for t in ticket_ids[changed - half : changed]
        )
        print(f"helpdesk: {options.tickets:,} tickets; {changed:,} changed in each clone, {half:,} of them in both")
        print(f"alice's first sync (push):            {first:6.2f} s")
        print(f"bob's sync (fetch, merge {half} both-sided tickets, push): {merge_seconds:6.2f} s")
        print(f"alice's second sync (fast-forward):   {last:6.2f} s")
        print(f"clones identical: {same}; conflict markers: {len(markers)}; unmerged files: {len(unmerged.splitlines())}; "
              f"both notes kept on every shared ticket: {notes_ok}")  # fmt: skip
        print("needed a human:", "no" if same and not markers and not unmerged and notes_ok else "YES")
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
