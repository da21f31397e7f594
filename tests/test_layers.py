"""The layers of the package (issue 12): reports are views, no import cycles.

``import evaltool.report`` must not pull in the pipeline's machinery (study files, the coder,
integration, scipy): a report formats a :class:`~evaltool.analysis.Results` and computes
nothing statistical. Module-level imports inside ``evaltool`` form no cycle.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "evaltool"


def test_report_layer_imports_no_pipeline_machinery() -> None:
    code = ("import sys, evaltool.report, evaltool.report.cohort, evaltool.report.study; "
            "bad = [m for m in ('evaltool.study', 'evaltool.qual.coder', 'evaltool.integrate', 'scipy', "
            "'evaltool.analysis.pipeline', 'evaltool.stats') if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def _module(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _top_level_imports(path: Path, name: str) -> set[str]:
    """Modules imported at module level (not inside functions or ``if TYPE_CHECKING``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_pkg = path.name == "__init__.py"
    base = name.split(".") if is_pkg else name.split(".")[:-1]
    out: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
                continue
            if isinstance(node, (ast.If, ast.Try)):
                visit(node.body + getattr(node, "orelse", []) + [h for x in getattr(node, "handlers", []) for h in x.body])
            elif isinstance(node, ast.Import):
                out.update(a.name for a in node.names if a.name.startswith("evaltool"))
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    mod = ".".join(base[: len(base) - node.level + 1] + ([node.module] if node.module else []))
                else:
                    mod = node.module or ""
                if mod.startswith("evaltool"):
                    out.add(mod)
                    out.update(f"{mod}.{a.name}" for a in node.names)

    visit(tree.body)
    return out


def test_no_import_cycles() -> None:
    mods = {_module(p): p for p in PACKAGE.rglob("*.py")}
    graph = {m: {d for d in _top_level_imports(p, m) if d in mods and d != m} for m, p in mods.items()}
    for m in list(graph):  # importing a.b.c runs a/__init__ and a/b/__init__ first
        parts = m.split(".")
        graph[m] |= {".".join(parts[:i]) for i in range(1, len(parts)) if ".".join(parts[:i]) in mods}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def dfs(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1 and not (nxt in node.split(".") or node.startswith(nxt + ".")):
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                dfs(nxt, stack)
        stack.pop()
        state[node] = 2

    for m in sorted(graph):
        if m not in state:
            dfs(m, [])
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(c) for c in cycles[:5])
