"""evaltool type-checks, and every public name has a real type (STYLE.md 12: typed public API).

mypy runs in-process (``mypy.api.run``) with the ``[tool.mypy]`` settings of pyproject.toml, on
the package plus a small user-side script. The script reveals the type of every name in the
public ``__all__`` lists (the top level and the subpackages its lazy names come from): a name
that mypy sees as ``Any`` (a lazy module ``__getattr__`` without ``TYPE_CHECKING`` imports) or
as a module (a function named like its own submodule, imported through an import cycle) would
silently un-type user code. It also makes a few calls the way a user writes them (typed dicts
for per-scale options, ``Literal`` option strings). mypy's cache (``.mypy_cache``, gitignored)
makes warm runs fast; CI starts cold.
"""

from __future__ import annotations

import importlib
import re
import textwrap
import uuid
from pathlib import Path

import pytest
from mypy import api

import evaltool

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("typing")]

# the public namespaces: the top level and every module its lazily imported names come from
NAMESPACES = ("evaltool", *sorted(set(evaltool._LAZY.values())))

USER_CALLS = '''
# mypy: warn-unused-ignores
import pandas as pd

import evaltool


def _typed_calls(scores: pd.DataFrame) -> None:
    r_xx: dict[str, float] = {"stress": 0.8}
    cutoffs: dict[str, float] = {"stress": 20.0}
    evaltool.reliable_change(scores, r_xx, cutoff=cutoffs)
    evaltool.prepost(scores, correction="BH", alternative="greater")
    evaltool.prepost(scores, alternative="two_sided")  # type: ignore[arg-type]  # not an option
'''


def _user_script(path: Path) -> dict[int, str]:
    """Write the user-side script; return line number -> public name revealed on that line."""
    lines = textwrap.dedent(USER_CALLS).strip().splitlines()
    # mypy does not replay the notes of a module it finds unchanged in its cache: a new line
    # each run makes it check (and reveal) this script again; the package stays cached
    lines.append(f"# run {uuid.uuid4().hex}")
    revealed: dict[int, str] = {}
    for ns in NAMESPACES:
        lines.append(f"import {ns}")
        for name in importlib.import_module(ns).__all__:
            lines.append(f"reveal_type({ns}.{name})")
            revealed[len(lines)] = f"{ns}.{name}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return revealed


@pytest.fixture(scope="module")
def mypy_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, int, dict[int, str], Path]:
    script = tmp_path_factory.mktemp("typing") / "evaltool_user.py"
    revealed = _user_script(script)
    stdout, stderr, status = api.run([
        "--config-file", str(ROOT / "pyproject.toml"),
        "--cache-dir", str(ROOT / ".mypy_cache"),
        str(ROOT / "evaltool"), str(script),
    ])
    assert not stderr, stderr
    return stdout, status, revealed, script


def test_package_and_user_calls_type_check(mypy_run: tuple[str, int, dict[int, str], Path]) -> None:
    stdout, status, _, _ = mypy_run
    errors = [line for line in stdout.splitlines() if ": error:" in line]
    assert status == 0 and not errors, "\n".join(errors) or stdout


def test_public_names_have_real_types(mypy_run: tuple[str, int, dict[int, str], Path]) -> None:
    stdout, _, revealed, script = mypy_run
    found = {}
    for m in re.finditer(rf'^{re.escape(str(script))}:(\d+): note: Revealed type is "(.*)"$',
                         stdout, flags=re.M):
        found[revealed[int(m.group(1))]] = m.group(2)
    assert set(found) == set(revealed.values())  # every public name was revealed
    untyped = {name: t for name, t in found.items() if t in ("Any", "Any?", "types.ModuleType")}
    assert not untyped, untyped
