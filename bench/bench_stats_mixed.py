"""Longitudinal mixed model speed: random intercept + Satterthwaite df on ~260k rows.

Rows (GitHub issue 4, item 4):

* ``fit_mixed + tidy_mixed`` — ``score ~ timepoint + (1 | participant_id)`` by REML on 100,000
  participants × 3 timepoints with attrition (~262k scores), including input checks, the
  REML fit, Satterthwaite df, t, p and CIs; against **statsmodels** ``MixedLM`` (REML, z tests
  only) on the same data, measured in the same run (arrays, no formula parsing). If
  statsmodels would take more than two minutes it is timed on a 20% participant subset and
  scaled up linearly; the row's note says so. Goal: ≥ 30× faster than statsmodels.
* the same evaltool time beside R 4.2 ``lme4::lmer`` + ``lmerTest`` ``summary()`` on data of
  this size: 8.7 s, the figure given in the task brief — **not measured in this run** (R is
  not installed here), so ``baseline_seconds`` is None. Goal: < 2 s.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd

from ._common import best_of, row

N_FULL = 100_000
N_QUICK = 1_000
SEED = 20240604
TIMES = ("T1", "T2", "T3")
R_ANCHOR_SECONDS = 8.7
STATSMODELS_LIMIT = 120.0


def make_data(n: int, seed: int = SEED) -> pd.DataFrame:
    """``n`` participants × 3 timepoints (person SD 0.7, residual SD 0.5, change +0.30/+0.35);
    98% / 85% / 80% of the scores present. Deterministic."""
    rng = np.random.default_rng(seed)
    ids = np.char.add("P", np.char.zfill(np.arange(1, n + 1).astype(str), 7))
    t = np.tile(np.arange(3), n)
    y = (3.0 + np.array([0.0, 0.30, 0.35])[t] + np.repeat(rng.normal(0, 0.7, n), 3)
         + rng.normal(0, 0.5, 3 * n))
    keep = rng.random(3 * n) < np.array([0.98, 0.85, 0.80])[t]
    return pd.DataFrame({
        "participant_id": np.repeat(ids, 3)[keep],
        "timepoint": pd.Categorical(np.asarray(TIMES)[t[keep]], categories=list(TIMES),
                                    ordered=True),
        "score": y[keep],
    })


def _evaltool(data: pd.DataFrame) -> pd.DataFrame:
    from evaltool.stats.mixed import fit_mixed, tidy_mixed

    return tidy_mixed(fit_mixed(data))


def _statsmodels(data: pd.DataFrame) -> np.ndarray:
    import warnings

    from statsmodels.regression.mixed_linear_model import MixedLM

    codes = data["timepoint"].cat.codes.to_numpy()
    X = np.column_stack([np.ones(len(data)), codes == 1, codes == 2]).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = MixedLM(data["score"].to_numpy(), X, groups=data["participant_id"].to_numpy()
                      ).fit(reml=True)
    return np.asarray(res.fe_params)


def _subset(data: pd.DataFrame, frac: float) -> pd.DataFrame:
    ids = data["participant_id"].unique()
    keep = set(ids[: int(len(ids) * frac)])
    return data[data["participant_id"].isin(keep)]


def run(quick: bool = False) -> list[dict[str, Any]]:
    n = N_QUICK if quick else N_FULL
    data = make_data(n)
    label = f"{n:,} participants × 3 timepoints ({len(data):,} scores)"
    secs, table = best_of(lambda: _evaltool(data), repeat=3)

    # statsmodels: full data unless a 20% subset says it would take over the limit
    sub = _subset(data, 0.2)
    t0 = time.perf_counter()
    beta_sub = _statsmodels(sub)
    t_sub = time.perf_counter() - t0
    scaled = t_sub * len(data) / len(sub)
    if scaled > STATSMODELS_LIMIT:
        base_secs = scaled
        diff = np.abs(_evaltool(sub)["estimate"].to_numpy() - beta_sub)
        how = (f"statsmodels timed on a 20% participant subset ({len(sub):,} scores, "
               f"{t_sub:.1f} s) and scaled linearly to the full data")
    else:
        base_secs, beta_sm = best_of(lambda: _statsmodels(data), repeat=1)
        diff = np.abs(table["estimate"].to_numpy() - beta_sm)
        how = "statsmodels timed on the full data"
    agree = f"; max |fixed-effect difference| vs statsmodels {float(diff.max()):.1e}"
    task = f"mixed model: fit_mixed + tidy_mixed (REML, Satterthwaite), {label}"
    return [
        row(task, secs, "statsmodels 0.15 MixedLM(...).fit(reml=True), z tests only",
            base_secs, "≥ 30× faster than statsmodels, and < 2 s", goal_ratio=1 / 30,
            goal_seconds=2.0, note=how + agree),
        row(task, secs, "R 4.2 lme4::lmer + lmerTest summary() — brief's anchor figure "
            "(8.7 s for ~260k rows), NOT measured in this run", None,
            "< 2 s (beat R's 8.7 s)", goal_seconds=2.0,
            note="R is not installed here; the anchor is the task brief's measurement"),
    ]


if __name__ == "__main__":  # pragma: no cover
    import sys

    for r in run(quick="--quick" in sys.argv):
        print(r)
