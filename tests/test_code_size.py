"""Smaller rooms (issue 12 item 7): no module over 500 lines, no function over 80, and the
steps of ``link_study`` at most 60 (a step is one rule a reader can check at a glance).

Sizes are counted with ``ast``: a module's lines are its physical lines; a function's are
``end_lineno − lineno + 1`` (signature, docstring and body; decorators not counted). Split by
concept, not by line count: a long function becomes named steps, a long module the modules of
its concepts.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "evaltool"
MAX_MODULE = 500
MAX_FUNCTION = 80
MAX_LINK_STEP = 60
LINK_STEPS = ("study/link.py", "study/_waves.py", "study/_participants.py")
"""``link_study`` and its steps: reading waves (platform rules in the readers), ids, linking."""

IN_PROGRESS: tuple[str, ...] = ()


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def _pending(rel: str) -> bool:
    return rel.startswith(IN_PROGRESS)


def _functions(path: Path) -> list[tuple[str, int, int]]:
    """``(qualified name, first line, length)`` of every function and method in a module."""
    out: list[tuple[str, int, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                out.append((name, child.lineno, child.end_lineno - child.lineno + 1))
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(path.read_text(encoding="utf-8")), "")
    return out


def test_the_package_is_found() -> None:
    assert len(_modules()) > 50 and (PACKAGE / "study" / "link.py").is_file()


def test_no_module_over_500_lines() -> None:
    big = {_rel(p): n for p in _modules()
           if not _pending(_rel(p)) and (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE}
    assert not big, f"modules over {MAX_MODULE} lines (split by concept): {big}"


def test_no_function_over_80_lines() -> None:
    long = [f"{_rel(p)}:{line} {name} ({n} lines)" for p in _modules() if not _pending(_rel(p))
            for name, line, n in _functions(p) if n > MAX_FUNCTION]
    assert not long, f"functions over {MAX_FUNCTION} lines (split into named steps):\n" + "\n".join(long)


@pytest.mark.parametrize("rel", LINK_STEPS)
def test_link_study_steps_are_at_most_60_lines(rel: str) -> None:
    long = [f"{name} ({n} lines)" for name, _, n in _functions(PACKAGE / rel) if n > MAX_LINK_STEP]
    assert not long, f"{rel}: steps of link_study over {MAX_LINK_STEP} lines: {long}"


def test_platform_status_rules_live_in_the_readers() -> None:
    """The study layer applies the study's choices to the readers' status flags; it does not
    itself know what a Qualtrics ``Status`` or a REDCap ``_complete`` column means."""
    for rel in LINK_STEPS:
        text = (PACKAGE / rel).read_text(encoding="utf-8")
        code = ast.unparse(ast.parse(text))  # without comments; docstrings may name the rules
        tree = ast.parse(code)
        strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                   and not _is_docstring(tree, n)}
        assert not {s for s in strings if s in ("Status", "Finished", "_complete", "Survey Preview", "Spam")}, rel


def _is_docstring(tree: ast.AST, const: ast.Constant) -> bool:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and body[0].value is const:
            return True
    return False


def test_the_in_progress_list_only_names_what_exists() -> None:
    for rel in IN_PROGRESS:
        assert (PACKAGE / rel).exists(), f"{rel} is gone: remove it from IN_PROGRESS"
