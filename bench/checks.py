"""The `--check` mode of the benchmarks: each figure against a floor measured in the same run on the same data.

A check fails only when a ratio is far past its bound (machines are noisy; ratios travel, seconds do not).
Every ratio is printed on one line, so the CI log shows them whether they pass or not."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class Ratio:
    name: str  # what is measured, e.g. "import msg/s vs stdlib read+parse"
    value: float
    floor: float
    unit: str
    bound: float
    higher_is_better: bool  # msg/s: True (ratio = value/floor must be >= bound); seconds: False (<= bound)

    @property
    def ratio(self) -> float:
        return self.value / self.floor

    @property
    def ok(self) -> bool:
        return self.ratio >= self.bound if self.higher_is_better else self.ratio <= self.bound

    def line(self) -> str:
        sign = ">=" if self.higher_is_better else "<="
        verdict = "ok" if self.ok else "FAIL"
        return (f"bench check {verdict:<4} {self.name}: {self.ratio:.2f}x (bound {sign} {self.bound:g}x; "
                f"{self.value:,.3f} vs floor {self.floor:,.3f} {self.unit})")


def timed(command: list[str], **kwargs: object) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, **kwargs)  # type: ignore[call-overload]
    return time.perf_counter() - start


def interleaved_medians(runs: dict[str, Callable[[], float]], repeat: int) -> dict[str, float]:
    """Median seconds of each, run in turn (a, b, c, a, b, c, ...) so load on the machine hits all alike."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            times[name].append(run())
    return {name: statistics.median(values) for name, values in times.items()}


def report(ratios: list[Ratio]) -> int:
    """Prints every ratio; the exit code: 0 when all are within their bounds, 1 otherwise."""
    for ratio in ratios:
        print(ratio.line(), flush=True)
    failed = [r.name for r in ratios if not r.ok]
    if failed:
        print(f"bench check FAILED: {', '.join(failed)}", flush=True)
    return 1 if failed else 0


# --- helpers of the side-by-side benchmarks (bench_speed, bench_search, bench_stats) ---------------


def run_or_stop(command: list[str], cwd: Path, env: dict[str, str], bench: str) -> str:
    """The output of one run; a failure stops the benchmark `bench` with git's or tix's message."""
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{bench}: {' '.join(command)} failed ({done.returncode}) in {cwd}:\n{done.stderr}")
    return done.stdout


def timed_or_stop(command: list[str], cwd: Path, env: dict[str, str], bench: str) -> float:
    """Seconds of one run in a fresh process; output thrown away, a failure stops the benchmark."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"{bench}: {' '.join(command)} failed ({done.returncode}) in {cwd}:\n{done.stderr}")
    return seconds


def finish(rows: list[Any], figures: dict[str, Any], json_path: Path | None, check: bool) -> None:
    """Write the figures to `json_path` (with the load average and the rows), print how many targets
    were missed, and exit 1 with --check when any was."""
    load = os.getloadavg()
    if json_path:
        json_path.write_text(json.dumps({**figures, "cpus": os.cpu_count(), "load_average": load, "rows": rows},
                                        indent=2) + "\n", encoding="utf-8")  # fmt: skip
    missed = [row for row in rows if row["ok"] is False]
    print(f"\n{len(missed)} of {sum(row['ok'] is not None for row in rows)} targets missed; load average {load[0]:.2f}", flush=True)
    if check and missed:
        sys.exit(1)
