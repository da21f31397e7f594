"""Smoke test of the benchmark suite: every ``bench/bench_*.py`` module runs on tiny data and
returns rows with the keys of the contract in ``bench/README.md`` (no timing assertions)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.__main__ import modules, table  # noqa: E402
from bench._common import ROW_KEYS, goal_met  # noqa: E402


@pytest.fixture(autouse=True)
def _bench_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVALTOOL_BENCH_DATA", str(tmp_path))


def test_modules_found() -> None:
    found = modules()
    assert "bench_scoring" in found and "bench_reliability" in found


@pytest.mark.parametrize("name", modules())
def test_quick_run_returns_contract_rows(name: str) -> None:
    mod = importlib.import_module(f"bench.{name}")
    rows = mod.run(quick=True)
    assert rows, f"{name}.run(quick=True) returned no rows"
    for r in rows:
        for key in ROW_KEYS:
            assert key in r, (name, key)
        assert isinstance(r["task"], str) and isinstance(r["baseline"], str) and isinstance(r["goal"], str)
        assert r["seconds"] >= 0
        assert r["baseline_seconds"] is None or r["baseline_seconds"] >= 0
        goal_met(r)  # computable for every row
    text = table([{"module": name, **r} for r in rows])
    assert rows[0]["task"] in text


@pytest.mark.parametrize("name", ["bench_scoring", "bench_reliability"])
def test_quick_run_agrees_with_baseline(name: str) -> None:
    """Where evaltool and the baseline compute the same thing, the run checks they agree."""
    rows = importlib.import_module(f"bench.{name}").run(quick=True)
    notes = " ".join(r.get("note", "") for r in rows)
    assert "to 1e-9: yes" in notes and ": NO" not in notes
