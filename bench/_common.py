"""Helpers shared by the benchmark modules: data folder, timing, result rows.

Every ``bench_*.py`` module exposes ``run(quick: bool = False) -> list[dict]``; each dict is one
row of the table that ``python -m bench`` prints (see ``bench/README.md`` for the contract).
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "_data"

ROW_KEYS = ("task", "seconds", "baseline", "baseline_seconds", "goal")
"""Keys every result row must have (``goal_ratio``, ``goal_seconds`` and ``note`` are optional)."""


def data_dir() -> Path:
    """``bench/_data`` (gitignored; ``EVALTOOL_BENCH_DATA`` overrides it), created if missing."""
    path = Path(os.environ.get("EVALTOOL_BENCH_DATA") or DATA_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def best_of(func: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Smallest wall-clock time of ``repeat`` calls (garbage collected before each), and the
    last result."""
    best = float("inf")
    result = None
    for _ in range(max(1, repeat)):
        gc.collect()
        t0 = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - t0)
    return best, result


def best_of_each(funcs: dict[str, Callable[[], Any]], repeat: int = 3) -> dict[str, tuple[float, Any]]:
    """Like :func:`best_of` for several functions, run in turns (a, b, a, b, ...) so that a
    figure and its baseline are measured under the same machine load."""
    best = {name: float("inf") for name in funcs}
    results: dict[str, Any] = {}
    for _ in range(max(1, repeat)):
        for name, func in funcs.items():
            gc.collect()
            t0 = time.perf_counter()
            results[name] = func()
            best[name] = min(best[name], time.perf_counter() - t0)
    return {name: (best[name], results[name]) for name in funcs}


def row(task: str, seconds: float, baseline: str, baseline_seconds: float | None, goal: str,
        *, goal_ratio: float | None = None, goal_seconds: float | None = None,
        note: str | None = None, peak_mb: float | None = None, goal_peak_mb: float | None = None,
        **extra: Any) -> dict[str, Any]:
    """One result row (see ``bench/README.md``).

    ``goal_ratio`` makes a relative goal checkable: met when ``seconds / baseline_seconds`` is
    at most ``goal_ratio`` (3 for "≤ 3× baseline", 1/20 for "≥ 20× faster than baseline").
    ``goal_seconds`` makes an absolute goal checkable: met when ``seconds`` is at most it.
    ``peak_mb`` is the peak resident memory of the measured process; ``goal_peak_mb`` makes a
    memory goal checkable (met when ``peak_mb`` is at most it). ``extra`` keys (e.g. a stage
    breakdown) are kept in the row and in ``--json`` output.
    """
    out: dict[str, Any] = {
        "task": task, "seconds": float(seconds), "baseline": baseline,
        "baseline_seconds": None if baseline_seconds is None else float(baseline_seconds),
        "goal": goal,
    }
    if goal_ratio is not None:
        out["goal_ratio"] = float(goal_ratio)
    if goal_seconds is not None:
        out["goal_seconds"] = float(goal_seconds)
    if note:
        out["note"] = note
    if peak_mb is not None:
        out["peak_mb"] = float(peak_mb)
    if goal_peak_mb is not None:
        out["goal_peak_mb"] = float(goal_peak_mb)
    out.update(extra)
    return out


def goal_met(r: dict[str, Any]) -> bool | None:
    """Whether a row meets its checkable goal(s); ``None`` when it has none."""
    checks = []
    base = r.get("baseline_seconds")
    if r.get("goal_ratio") is not None and base:
        checks.append(r["seconds"] / base <= r["goal_ratio"])
    if r.get("goal_seconds") is not None:
        checks.append(r["seconds"] <= r["goal_seconds"])
    if r.get("goal_peak_mb") is not None:
        checks.append(r.get("peak_mb") is not None and r["peak_mb"] <= r["goal_peak_mb"])
    return all(checks) if checks else None
