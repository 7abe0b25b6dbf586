"""The benchmark checks' verdicts (bench/checks.py): a ratio past its bound fails, and every line says so."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture(scope="module")
def checks():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_checks", BENCH / "checks.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_rates_and_times_are_judged_each_their_way(checks, capsys) -> None:  # type: ignore[no-untyped-def]
    slow_import = checks.Ratio("import", 5.0, 500.0, "msg/s", 0.25, higher_is_better=True)
    fast_import = checks.Ratio("import", 300.0, 500.0, "msg/s", 0.25, higher_is_better=True)
    slow_assign = checks.Ratio("assign", 0.5, 0.1, "s", 4.0, higher_is_better=False)
    assert (slow_import.ok, fast_import.ok, slow_assign.ok) == (False, True, False)
    assert checks.report([fast_import]) == 0
    assert checks.report([fast_import, slow_assign]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "bench check ok   import: 0.60x (bound >= 0.25x; 300.000 vs floor 500.000 msg/s)"
    assert lines[-2] == "bench check FAIL assign: 5.00x (bound <= 4x; 0.500 vs floor 0.100 s)"
    assert lines[-1] == "bench check FAILED: assign"


def test_ci_runs_every_check_after_the_tests() -> None:
    run = (BENCH.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert run.index("pytest -q") < run.index("bench/bench_import.py --check") < run.index("bench/bench_foundation.py --check")
    assert "TIX_REQUIRE_CORPUS=1" in run
