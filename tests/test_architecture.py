"""The modules of tix import each other without a cycle, counting imports inside functions (issue 11 #1)."""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src" / "tix"


def import_graph() -> dict[str, set[str]]:
    modules = {path.stem for path in SOURCE.glob("*.py")}
    graph: dict[str, set[str]] = {}
    for path in SOURCE.glob("*.py"):
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "tix":
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tix."):
                found.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                found |= {alias.name.split(".")[1] for alias in node.names if alias.name.startswith("tix.")}
        graph[path.stem] = (found & modules) - {path.stem}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()

    def visit(module: str, trail: list[str]) -> list[str] | None:
        for target in sorted(graph[module]):
            if target in trail:
                return trail[trail.index(target):] + [target]
            if target not in done:
                cycle = visit(target, trail + [target])
                if cycle:
                    return cycle
        done.add(module)
        return None

    for module in sorted(graph):
        cycle = visit(module, [module])
        if cycle:
            return cycle
    return None


def test_no_module_imports_itself_back_through_others() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
