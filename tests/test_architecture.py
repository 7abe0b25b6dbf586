"""The modules of tix import each other without a cycle, counting imports inside functions (issue 11 #1)."""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src" / "tix"


def module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Every tix module and the tix modules it imports (`from tix.storage import index` counts
    as tix.storage.index), anywhere in the file."""
    paths = sorted(SOURCE.rglob("*.py"))
    modules = {module_name(path) for path in paths}
    graph: dict[str, set[str]] = {}
    for path in paths:
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.split(".")[0] == "tix":
                found.add(node.module)
                found |= {f"{node.module}.{alias.name}" for alias in node.names}
            elif isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names if alias.name.startswith("tix.")}
        name = module_name(path)
        graph[name] = (found & modules) - {name, "tix"} - {m for m in modules if name.startswith(m + ".")}
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


def test_the_graph_sees_every_layer() -> None:
    graph = import_graph()
    assert {"tix.cli.app", "tix.services.intake", "tix.storage.gitrepo", "tix.domain.model"} <= set(graph)
    assert "tix.storage.layout" in graph["tix.services.intake"]


# --- git command lines are composed in storage/gitrepo.py only (issue 11) ---

GIT_MODULES = {"tix.storage.gitrepo", "tix.storage.gitstart"}  # named methods there; gitstart: the early start of two reads
SUBPROCESS_CALLS = {"run", "Popen", "call", "check_call", "check_output", "system", "popen", "getoutput", "getstatusoutput"}


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _top_level_imports(node: ast.Import | ast.ImportFrom) -> set[str]:
    if isinstance(node, ast.ImportFrom):
        return {node.module.split(".")[0]} if node.module and node.level == 0 else set()
    return {alias.name.split(".")[0] for alias in node.names}


def git_command_lines(source: str) -> list[str]:
    """Where the code composes a git command line, as 'line N: how': a list or tuple that starts
    with "git" (an argv for subprocess), a "git …" string handed to subprocess or os (a shell
    line), a `.run(…)` whose first argument is a string (GitRepo.run's subcommand), or GitPython."""
    found = []
    for node in sorted(ast.walk(ast.parse(source)), key=lambda n: getattr(n, "lineno", 0)):
        line = f"line {getattr(node, 'lineno', '?')}"
        if isinstance(node, (ast.List, ast.Tuple)) and node.elts and _literal(node.elts[0]) == "git":
            found.append(f"{line}: a git argv")
        elif isinstance(node, ast.Call) and node.args:
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            first = _literal(node.args[0])
            if name == "run" and (first is not None or isinstance(node.args[0], ast.JoinedStr)):
                found.append(f"{line}: .run({first!r}, …)")
            elif name in SUBPROCESS_CALLS and first is not None and (first == "git" or first.startswith("git ")):
                found.append(f"{line}: {name}({first!r})")
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and "git" in _top_level_imports(node):
            found.append(f"{line}: imports GitPython")
    return found


def test_only_gitrepo_composes_git_command_lines() -> None:
    found = [f"{path.relative_to(SOURCE.parent)} {where}"
             for path in sorted(SOURCE.rglob("*.py")) if module_name(path) not in GIT_MODULES
             for where in git_command_lines(path.read_text(encoding="utf-8"))]  # fmt: skip
    assert not found, "git command lines outside storage/gitrepo.py (make them GitRepo methods):\n" + "\n".join(found)


def test_the_git_check_sees_each_way_of_calling_git() -> None:
    calls = [
        'subprocess.run(["git", "fetch"], check=True)',
        'command = ("git", "push")',
        'os.system("git fetch origin")',
        'hd.git.run("rev-list", "--count", "HEAD")',
        'git.run(f"{verb}", "--quiet")',
        "import git",
        "from git.cmd import Git",
    ]
    for call in calls:
        assert git_command_lines(call), call
    harmless = [
        'subprocess.run(["/bin/sh", "-c", command], check=False)',
        "importer.run(sources, retry_quarantine)",
        'raise TixError("no remote to sync with: add one, e.g. git remote add origin")',
        "from tix.storage.gitrepo import GitRepo",
    ]
    for call in harmless:
        assert not git_command_lines(call), call
    assert git_command_lines((SOURCE / "storage" / "gitrepo.py").read_text(encoding="utf-8"))
