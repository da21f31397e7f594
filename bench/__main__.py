"""``python -m bench [--quick] [NAME ...]``: run the benchmark modules and print one table.

Every ``bench/bench_*.py`` module is imported and its ``run(quick)`` called; each returned
row is printed beside its baseline (measured in the same run), with the ratio and whether
the goal is met. ``NAME`` limits the run to modules whose name contains it (e.g. ``scoring``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import platform
import sys
import time
from pathlib import Path
from typing import Any

from ._common import ROW_KEYS, goal_met


def modules(names: list[str] | None = None) -> list[str]:
    """Names of the ``bench_*`` modules in this package (sorted), filtered by ``names``."""
    here = Path(__file__).resolve().parent
    found = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    if names:
        found = [m for m in found if any(n in m for n in names)]
    return found


def _fmt_s(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def _fmt_ratio(x: float) -> str:
    """``seconds / baseline_seconds``: "1.87×", or "1/1200×" when far below 1."""
    return f"{x:.2f}×" if x >= 0.1 else f"1/{1 / x:,.0f}×"


def table(rows: list[dict[str, Any]]) -> str:
    """One aligned text table: figure, baseline, ratio, goal and whether it is met."""
    head = ("module", "task", "seconds", "peak MB", "baseline", "baseline s", "ratio", "goal", "met")
    lines = []
    notes = []
    for r in rows:
        base = r.get("baseline_seconds")
        ratio = "—" if not base else _fmt_ratio(r["seconds"] / base)
        met = goal_met(r)
        peak = "—" if r.get("peak_mb") is None else f"{r['peak_mb']:,.0f}"
        lines.append((r.get("module", ""), r["task"], _fmt_s(r["seconds"]), peak, r["baseline"],
                      _fmt_s(base), ratio, r["goal"], "—" if met is None else ("yes" if met else "NO")))
        if r.get("note"):
            notes.append(f"[{len(lines)}] {r['note']}")
    widths = [max(len(str(x)) for x in col) for col in zip(head, *lines, strict=True)]
    right = {2, 3, 5, 6}

    def fmt(cells: tuple[str, ...]) -> str:
        return "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    out = [fmt(head), fmt(tuple("-" * w for w in widths))]
    out += [fmt(line) for line in lines]
    if notes:
        out += ["", "Notes (row number in brackets):", *notes]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="only modules whose name contains one of these")
    parser.add_argument("--quick", action="store_true", help="smoke run on tiny data")
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    rows: list[dict[str, Any]] = []
    start = time.perf_counter()
    for name in modules(args.names):
        mod = importlib.import_module(f"{__package__}.{name}")
        print(f"running {name} ...", file=sys.stderr, flush=True)
        for r in mod.run(quick=args.quick):
            missing = [k for k in ROW_KEYS if k not in r]
            if missing:
                raise SystemExit(f"{name}.run() returned a row without {missing}")
            rows.append({"module": name.removeprefix("bench_"), **r})
    print(f"evaltool benchmarks{' (quick)' if args.quick else ''} — Python {platform.python_version()}, "
          f"{platform.machine()}, total {time.perf_counter() - start:.0f} s")
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
