"""Scoring speed: 1,000,000 respondents × 35 items (BRS + CBI + PSS-10) read from CSV.

Rows (GitHub issue 2, item 6):

* ``read+score`` — the CSV is read into pandas through pyarrow (``pyarrow.csv.read_csv(path)
  .to_pandas()``, the fastest way to a pandas frame) and ``evaltool.score`` scores BRS, CBI and
  PSS-10, against a bare ``pyarrow.csv.read_csv`` of the same file (measured in turns with it).
  Goal: ≤ 3× the bare read.
* ``score only`` — the three ``evaltool.score`` calls on the frame already in memory.
* ``per-row apply`` baseline — a straightforward pandas ``DataFrame.apply(axis=1)`` scorer (the
  same rules: recode, reverse, minimum answered, mean / prorated sum) timed on a 20,000-row
  subset and extrapolated linearly to the full size. Goal: evaltool ≥ 20× faster.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._common import best_of, best_of_each, data_dir, row
from ._instruments import ITEMS, bench_instrument

N_FULL = 1_000_000
N_QUICK = 2_000
N_APPLY = 20_000
SEED = 20240601
MISSING = 0.03
NAMES = ("brs", "cbi", "pss10")


def make_data(n: int, path: Path | None = None) -> Path:
    """Write ``n`` synthetic respondents (participant_id + 35 items, ~3% missing) to CSV.

    Deterministic (seed ``SEED``); reused if the file already exists.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = path or data_dir() / f"scoring_{n}.csv"
    if path.exists():
        return path
    rng = np.random.default_rng(SEED)
    cols: dict[str, Any] = {"participant_id": pa.array(np.char.add("P", np.char.zfill(
        np.arange(1, n + 1).astype(str), 7)))}
    latent = rng.normal(size=n)
    ranges = {"brs": (1, 5), "cbi": (1, 5), "pss10": (0, 4)}
    for name in NAMES:
        lo, hi = ranges[name]
        for item in ITEMS[name]:
            x = np.clip(np.rint((lo + hi) / 2 + 0.9 * latent + rng.normal(size=n)), lo, hi).astype("int8")
            miss = rng.random(n) < MISSING
            cols[item] = pa.array(x, mask=miss)
    tmp = path.with_suffix(".tmp")
    pacsv.write_csv(pa.table(cols), tmp, pacsv.WriteOptions(quoting_style="needed"))
    tmp.replace(path)
    return path


def read_csv(path: Path) -> pd.DataFrame:
    """A large numeric export into pandas through pyarrow (numbers as float64, text as str).

    ``pd.read_csv(engine="pyarrow")`` gives the same frame but was up to 2× slower in our runs.
    """
    import pyarrow.csv as pacsv

    return pacsv.read_csv(path).to_pandas()


def score_all(frame: pd.DataFrame, instruments: list[Any]) -> list[pd.DataFrame]:
    import evaltool

    return [evaltool.score(frame, inst) for inst in instruments]


def apply_scorer(frame: pd.DataFrame, instruments: list[Any]) -> pd.DataFrame:
    """The straightforward baseline: ``DataFrame.apply(axis=1)`` with a Python function that
    recodes, reverses, checks the minimum answered and averages (or prorates) each scale."""
    specs = []
    for inst in instruments:
        for scale in inst.scales:
            items = []
            for item_id in scale.items:
                rs = inst.response_sets[inst.item(item_id).response_set]
                items.append((item_id, rs.recode, inst.is_reversed(scale, item_id),
                              rs.scored_min + rs.scored_max))
            specs.append((scale.id, items, scale.min_answered(), scale.method, len(scale.items)))

    def score_row(r: pd.Series) -> pd.Series:
        out = {}
        for scale_id, items, min_answered, method, k in specs:
            values = []
            for item_id, recode, reverse, flip in items:
                v = r[item_id]
                if pd.isna(v):
                    continue
                if recode:
                    v = recode[v]
                if reverse:
                    v = flip - v
                values.append(v)
            if len(values) < max(min_answered, 1):
                out[scale_id] = np.nan
            elif method == "mean":
                out[scale_id] = sum(values) / len(values)
            elif method == "sum":
                out[scale_id] = sum(values) if len(values) == k else np.nan
            else:  # prorated_sum
                out[scale_id] = k * sum(values) / len(values)
        return pd.Series(out)

    return frame.apply(score_row, axis=1)


def _agree(ours: list[pd.DataFrame], theirs: pd.DataFrame) -> bool:
    for scores in ours:
        for scale_id, part in scores.groupby("scale", observed=True):
            a = part["score"].to_numpy()
            b = theirs[scale_id].to_numpy(dtype="float64")
            if not np.allclose(a, b, rtol=0, atol=1e-9, equal_nan=True):
                return False
    return True


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Time reading + scoring against a bare pyarrow read and a per-row ``apply`` scorer."""
    import pyarrow.csv as pacsv

    n = N_QUICK if quick else N_FULL
    n_apply = min(n, 200 if quick else N_APPLY)
    repeat = 1 if quick else 5
    path = make_data(n)
    instruments, sources = zip(*(bench_instrument(name) for name in NAMES), strict=True)
    instruments = list(instruments)
    where = ", ".join(f"{name} {src}" for name, src in zip(NAMES, sources, strict=True))
    size = f"{n:,} × 35"

    frame = read_csv(path)
    timed = best_of_each({
        "bare": lambda: pacsv.read_csv(path),
        "read": lambda: read_csv(path),
        "score": lambda: score_all(frame, instruments),
    }, repeat)
    t_bare, t_read, (t_score, ours) = timed["bare"][0], timed["read"][0], timed["score"]

    subset = frame.iloc[:n_apply]
    t_apply_sub, theirs = best_of(lambda: apply_scorer(subset, instruments), 1)
    t_apply = t_apply_sub * n / n_apply
    agree = _agree([s.groupby("scale", observed=True).head(n_apply) for s in ours], theirs)

    from evaltool.io import read_export

    t_export, export = best_of(lambda: read_export(path), 1)
    t_export_score, _ = best_of(lambda: score_all(export.data, instruments), 1)

    return [
        row(f"read CSV + score BRS, CBI, PSS-10 ({size})", t_read + t_score,
            "pyarrow.csv.read_csv, bare read", t_bare, "≤ 3× baseline", goal_ratio=3,
            note=f"read (pyarrow → pandas) {t_read:.2f} s + score {t_score:.2f} s; "
            f"5 scales, {5 * n:,} score rows; instruments: {where}"),
        row(f"score only, frame in memory ({size})", t_score,
            "pandas DataFrame.apply(axis=1) per-row scorer", t_apply, "≥ 20× faster than baseline",
            goal_ratio=1 / 20,
            note=f"per-row baseline timed on the first {n_apply:,} rows ({t_apply_sub:.2f} s) and "
            f"extrapolated linearly × {n / n_apply:g}; scores agree to 1e-9: {'yes' if agree else 'NO'}"),
        row(f"evaltool.io.read_export + score, text columns ({size})", t_export + t_export_score,
            "pyarrow.csv.read_csv, bare read", t_bare, "information (CLI path)",
            note=f"read_export (every column as text) {t_export:.2f} s + score {t_export_score:.2f} s"),
    ]
