"""Benchmark for the foundation (issue: tickets as Markdown files in git).

Builds helpdesks of N synthetic tickets (default 200 and 20,000), then times the real `tix`
command in fresh processes, as a user would run it:

    python bench/bench_foundation.py            # both sizes
    python bench/bench_foundation.py --sizes 20000 --repeat 7
    python bench/bench_foundation.py --check     # CI: 2,000 tickets against floors from the same run

Targets (20,000 tickets): `tix list --status open --format json` <= 0.5 s warm;
`tix assign` <= 0.3 s including its commit, not growing with N; `tix --help` <= 0.2 s.

--check builds 2,000 tickets and compares, run in turn with their floors on the same repository:
`tix assign` with a bare `git add` + `git commit` of one changed ticket file (bound 6x); `tix --help`
and `tix list` (warm) with `python -c "import typer"` (bounds 4x and 8x: Python and Typer are the floor
of any command; the rest is tix's own start-up and, for list, its index).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
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
STATUSES = ["new", "open", "open", "pending", "on-hold", "closed", "closed", "closed"]
PRIORITIES = ["urgent", "high", "normal", "normal", "low"]


def run(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(TIX + args, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def median_time(args: list[str], cwd: Path, env: dict[str, str], repeat: int) -> float:
    return statistics.median(run(args, cwd, env) for _ in range(repeat))


def build_helpdesk(root: Path, count: int, env: dict[str, str]) -> list[str]:
    subprocess.run(TIX + ["init", str(root)], env=env, check=True, stdout=subprocess.DEVNULL)
    rng = random.Random(count)
    base = datetime.fromisoformat("2026-01-01T09:00:00+00:00")
    ticket_ids = []
    for number in range(count):
        ticket_id = ids.derived_id(f"bench-{number}")
        when = base + timedelta(minutes=number)
        ticket = Ticket(
            id=ticket_id, subject=f"Synthetic request number {number}",
            requester=Person(f"Customer {number}", f"customer{number}@example.com"),
            status=rng.choice(STATUSES), priority=rng.choice(PRIORITIES), created=when, updated=when,
            owner=rng.choice([None, "anna@example.com", "bob@example.com"]),
            category=rng.choice([None, "billing", "technical"]), tags=rng.sample(["vip", "hardware", "invoice"], 1),
            channel="email", message_ids=[f"<bench-{number}@example.com>"],
        )  # fmt: skip
        ticket.entries.append(Entry(ids.random_id(), "inbound", str(ticket.requester), when, "Hello,\n\n" + "text " * 60))
        path = root / ticket_relpath(ticket_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(ticketfile.dumps(ticket), encoding="utf-8")
        ticket_ids.append(ticket_id)
    subprocess.run(["git", "add", "tickets"], cwd=root, env=env, check=True)
    # no auto-gc of its own in the background (gc.auto=0): the repository is packed just below, as git's
    # auto-gc keeps a helpdesk that has lived; left loose, the first timed commit past gc.auto's 6,700
    # objects would start a background gc in the middle of the measurements
    subprocess.run(["git", "-c", "gc.auto=0", "commit", "-qm", "bench: synthetic tickets"], cwd=root, env=env, check=True)
    subprocess.run(["git", "gc", "--quiet"], cwd=root, env=env, check=True)
    return ticket_ids


def bench(count: int, repeat: int, env: dict[str, str]) -> dict[str, float]:
    workdir = Path(tempfile.mkdtemp(prefix=f"tix-bench-{count}-"))
    try:
        root = workdir / "desk"
        start = time.perf_counter()
        ticket_ids = build_helpdesk(root, count, env)
        setup = time.perf_counter() - start
        cold = run(["reindex"], root, env)
        run(["list", "--status", "open", "--format", "json"], root, env)
        figures = {
            "setup_s": setup,
            "reindex_cold_s": cold,
            "list_open_json_warm_s": median_time(["list", "--status", "open", "--format", "json"], root, env, repeat),
            "list_default_table_warm_s": median_time(["list"], root, env, repeat),
        }
        targets = random.Random(1).sample(ticket_ids, repeat)
        owners = ["carol@example.com", "dave@example.com"]
        figures["assign_s"] = statistics.median(
            run(["assign", ticket_id, owners[n % 2]], root, env) for n, ticket_id in enumerate(targets)
        )
        figures["list_after_one_change_s"] = median_time(["list", "--status", "open", "--format", "json"], root, env, 1)
        figures["show_s"] = median_time(["show", targets[0]], root, env, repeat)
        figures["log_ticket_s"] = median_time(["log", targets[0]], root, env, repeat)
        figures["help_s"] = median_time(["--help"], root, env, max(repeat, 11))
        return figures
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# Measured on a loaded 2-core machine: assign 3.3–3.9x, --help 1.3–1.4x, list 4.1–5.0x. The bounds
# leave room for that noise; an O(n) state change or O(n²) list lands far past them.
CHECK_BOUNDS = {"assign": 6.0, "help": 4.0, "list": 8.0}


def check(count: int, repeat: int, env: dict[str, str]) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from checks import Ratio, interleaved_medians, report, timed

    workdir = Path(tempfile.mkdtemp(prefix=f"tix-bench-check-{count}-"))
    try:
        root = workdir / "desk"
        ticket_ids = build_helpdesk(root, count, env)
        run(["reindex"], root, env)
        run(["list"], root, env)
        rng = random.Random(2)
        targets = iter(rng.sample(ticket_ids, max(repeat, 7) * 2))
        owners = iter(["carol@example.com", "dave@example.com"] * max(repeat, 7))

        def bare_commit() -> float:  # one ticket file changed, committed with plain git: what assign must do at least
            path = root / ticket_relpath(next(targets))
            path.write_text(path.read_text(encoding="utf-8") + "\nA line.\n", encoding="utf-8")
            start = time.perf_counter()
            subprocess.run(["git", "add", str(path)], cwd=root, env=env, check=True)
            subprocess.run(["git", "commit", "-qm", "bench: bare commit"], cwd=root, env=env, check=True)
            return time.perf_counter() - start

        commits = interleaved_medians({
            "commit": bare_commit,
            "typer": lambda: timed([sys.executable, "-c", "import typer"], cwd=root, env=env),
            "assign": lambda: run(["assign", next(targets), next(owners)], root, env),
        }, max(repeat, 7))  # fmt: skip
        run(["list"], root, env)  # the index catches up with the commits above before list is timed
        startup = interleaved_medians({
            "typer": lambda: timed([sys.executable, "-c", "import typer"], cwd=root, env=env),
            "help": lambda: run(["--help"], root, env),
            "list": lambda: run(["list"], root, env),
        }, max(repeat, 7))  # fmt: skip
        print(f"bench info       tix assign vs a bare git add+commit alone: {commits['assign'] / commits['commit']:.2f}x "
              f"({commits['assign']:.3f} vs {commits['commit']:.3f} s; Python's start-up is not in this floor)", flush=True)
        return report([
            Ratio(f"tix assign vs git add+commit + python -c 'import typer' ({count:,} tickets), s", commits["assign"],
                  commits["commit"] + commits["typer"], "s", CHECK_BOUNDS["assign"], higher_is_better=False),
            Ratio("tix --help vs python -c 'import typer', s", startup["help"], startup["typer"], "s",
                  CHECK_BOUNDS["help"], higher_is_better=False),
            Ratio(f"tix list ({count:,} tickets, warm) vs python -c 'import typer', s", startup["list"], startup["typer"], "s",
                  CHECK_BOUNDS["list"], higher_is_better=False),
        ])  # fmt: skip
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 20_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--check", action="store_true", help="CI: compare with floors from the same run; exit 1 if far past")
    parser.add_argument("--check-size", type=int, default=2_000, help="tickets for --check (default 2,000)")
    options = parser.parse_args()
    env = dict(os.environ, TIX_USER="Bench <bench@example.com>", GIT_AUTHOR_NAME="Bench",
               GIT_AUTHOR_EMAIL="bench@example.com", GIT_COMMITTER_NAME="Bench", GIT_COMMITTER_EMAIL="bench@example.com")  # fmt: skip
    env.pop("TIX_NOW", None)
    # Measure tix as installed, with its bytecode cached (pip compiles an installed package); an
    # environment that turns the cache off would time the compiling of every module on every run.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if options.check:
        sys.exit(check(options.check_size, options.repeat, env))
    results = {count: bench(count, options.repeat, env) for count in options.sizes}
    names = list(next(iter(results.values())))
    print(f"{'figure (median, seconds)':<28}" + "".join(f"{f'{n:,} tickets':>16}" for n in results))
    for name in names:
        print(f"{name:<28}" + "".join(f"{results[n][name]:>16.3f}" for n in results))


if __name__ == "__main__":
    main()
