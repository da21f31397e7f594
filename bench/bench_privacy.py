"""Disclosure control at national scale: ``cohort_summaries`` for 12,000 cohorts.

Every cohort's mean at four surveys and change from baseline on three scales, plus the
all-participants numbers, decided together (:func:`evaltool.privacy.cohort_summaries`),
beside the plain pandas groupby that computes the same means and changes with no protection.
Data: cohorts of 4–12 people, attrition to about 50% by the last survey with a few returns,
scores on a 1–5 scale in sixths (fixed seed, generated in memory).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._common import best_of_each, row

SCALES = ("s1", "s2", "s3")
TIMEPOINTS = ("T1", "T2", "T3", "T4")


def study(n_cohorts: int, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(4, 13, n_cohorts)
    pid = np.arange(sizes.sum())
    cohort = np.repeat([f"C{i:05d}" for i in range(n_cohorts)], sizes)
    stay = {"T1": 0.98, "T2": 0.94, "T3": 0.78, "T4": 0.7}
    alive = np.ones(len(pid), dtype=bool)
    rows = []
    for i, t in enumerate(TIMEPOINTS):
        alive &= rng.random(len(pid)) < stay[t]
        present = alive | (rng.random(len(pid)) < 0.03)
        for s in SCALES:
            ok = present & (rng.random(len(pid)) < 0.98)
            base = rng.normal(3, 0.7, len(pid)) + rng.normal(0.2 * i, 0.5, len(pid))
            val = np.clip(np.round(base * 6) / 6, 1, 5)
            rows.append(pd.DataFrame({"participant_id": pid[ok].astype(str), "timepoint": t, "scale": s,
                                      "score": val[ok]}))
    scores = pd.concat(rows, ignore_index=True)
    scores["timepoint"] = pd.Categorical(scores["timepoint"], categories=list(TIMEPOINTS), ordered=True)
    return scores, pd.DataFrame({"participant_id": pid.astype(str), "cohort": cohort})


def unprotected(scores: pd.DataFrame, parts: pd.DataFrame) -> pd.DataFrame:
    """The same means and changes with a plain groupby (what a script without protection does)."""
    s = scores.merge(parts, on="participant_id")
    means = s.groupby(["cohort", "scale", "timepoint"], observed=True)["score"].agg(["count", "mean", "std"])
    wide = s.pivot_table(index=["participant_id", "cohort", "scale"], columns="timepoint", values="score",
                         observed=True)
    changes = []
    for t in TIMEPOINTS[1:]:
        d = (wide[t] - wide["T1"]).dropna().rename("diff").reset_index()
        changes.append(d.groupby(["cohort", "scale"])["diff"].agg(["count", "mean", "std"]).assign(contrast=t))
    return pd.concat([means.reset_index(), pd.concat(changes).reset_index()], ignore_index=True)


def run(quick: bool = False) -> list[dict[str, Any]]:
    from evaltool.privacy import cohort_summaries

    n = 100 if quick else 12_000
    scores, parts = study(n)
    bounds = {s: (1.0, 5.0) for s in SCALES}
    timed = best_of_each({
        "evaltool": lambda: cohort_summaries(scores, parts, bounds=bounds),
        "pandas": lambda: unprotected(scores, parts),
    }, repeat=1)
    t, table = timed["evaltool"]
    tb, _ = timed["pandas"]
    groups = table[table["level"] == "group"]
    big = groups["n"].notna() & (groups["n"].fillna(0) >= 5)
    note = (f"{len(scores):,} scores, {len(table):,} numbers; shown: {groups['shown'].mean():.0%} of cohort "
            f"numbers ({groups.loc[big, 'shown'].mean():.0%} of those over ≥ 5 people), "
            f"{int(table.loc[table['level'] == 'study', 'shown'].sum())} of "
            f"{int((table['level'] == 'study').sum())} all-participants numbers")
    return [row(f"cohort_summaries ({n:,} cohorts × 4 surveys × 3 scales)", t,
                "plain pandas groupby of the same means and changes (no protection)", tb,
                "≤ 60 s", goal_seconds=60.0, note=note)]
