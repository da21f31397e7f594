"""Pre/post statistics speed: ``evaltool.stats.prepost`` on 100,000 participants × 3 timepoints × 3 scales.

Rows (GitHub issue 4):

* ``prepost 100k`` — the whole pre/post table (pairing by id, t-test, Wilcoxon with R's
  rules, d_av/g_av, d_z/g_z with noncentral-t CIs, rank-biserial, Holm) for 3 scales × 2
  contrasts, rows shuffled and ~10% of scores missing. Baseline: what a script would do with
  pingouin — ``pivot`` by participant, then per scale × contrast ``pingouin.ttest(paired=True)``
  plus ``scipy.stats.wilcoxon`` (``pingouin.wilcoxon`` builds an n × n matrix for its CLES,
  75 GB at this size, so it cannot run). Goal: a few seconds at most (≤ 3 s), and no slower
  than the baseline.
* ``prepost by cohort`` — 20,000 participants in 200 cohorts of 100 (1,200 comparisons, each
  with every statistic above), against the same baseline looped over cohorts. Goal: ≤ 2× the
  baseline.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._common import best_of, row

N_FULL = 100_000
N_QUICK = 2_000
N_GROUPED = 20_000
GROUP_SIZE = 100
SEED = 20240604
SCALES = ("brs", "cbi", "pss10")
TIMES = ("T1", "T2", "T3")


def make_scores(n: int, seed: int = SEED) -> pd.DataFrame:
    """Tidy Scores for ``n`` participants × 3 timepoints × 3 scales, shuffled, ~10% missing."""
    rng = np.random.default_rng(seed)
    ids = np.char.add("P", np.char.zfill(np.arange(1, n + 1).astype(str), 7))
    cohort = np.char.add("C", (np.arange(n) // GROUP_SIZE).astype(str))
    parts = []
    for s in SCALES:
        base = rng.normal(3.0, 0.8, n)
        for k, t in enumerate(TIMES):
            sc = np.round(base + 0.15 * k + rng.normal(0.0, 0.6, n), 2)
            sc[rng.random(n) < 0.10] = np.nan
            parts.append(pd.DataFrame({"participant_id": ids, "cohort": cohort, "timepoint": t,
                                       "scale": s, "score": sc}))
    df = pd.concat(parts, ignore_index=True)
    df = df.iloc[rng.permutation(len(df))].reset_index(drop=True)
    df["timepoint"] = pd.Categorical(df["timepoint"], categories=list(TIMES), ordered=True)
    df["scale"] = pd.Categorical(df["scale"], categories=list(SCALES))
    return df


def pingouin_baseline(df: pd.DataFrame, by: str | None = None) -> list[Any]:
    """pivot by participant, then pingouin.ttest(paired) + scipy wilcoxon per comparison."""
    import pingouin as pg
    from scipy import stats

    out = []
    index = ["participant_id"] if by is None else [by, "participant_id"]
    for s in SCALES:
        wide = df[df["scale"] == s].pivot(index=index, columns="timepoint", values="score")
        groups = [(None, wide)] if by is None else list(wide.groupby(level=0, observed=True))
        for _, w in groups:
            for later in TIMES[1:]:
                pair = w[[TIMES[0], later]].dropna()
                x, y = pair[later].to_numpy(), pair[TIMES[0]].to_numpy()
                out.append(pg.ttest(x, y, paired=True))
                out.append(stats.wilcoxon(x, y, correction=True))
    return out


def run(quick: bool = False) -> list[dict[str, Any]]:
    import warnings

    from evaltool.stats import prepost

    n = N_QUICK if quick else N_FULL
    repeat = 1 if quick else 3
    df = make_scores(n)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pingouin/scipy chatter is not part of the timing
        secs, res = best_of(lambda: prepost(df), repeat)
        base, _ = best_of(lambda: pingouin_baseline(df), repeat)
        rows.append(row(
            f"prepost {n:,} participants × 3 timepoints × 3 scales (6 comparisons)", secs,
            "pivot + pingouin.ttest(paired) + scipy.stats.wilcoxon per scale × contrast", base,
            "≤ 3 s (a few seconds at most) and no slower than the baseline", goal_ratio=1.0,
            note=f"{int(res['n_pairs'].sum()):,} pairs; the baseline computes far less (no R rules, "
            "no effect-size CIs, no multiplicity)",
        ))
        n_g = N_QUICK if quick else N_GROUPED
        dg = df if n_g == n else make_scores(n_g)
        secs_g, res_g = best_of(lambda: prepost(dg, by="cohort"), repeat)
        base_g, _ = best_of(lambda: pingouin_baseline(dg, by="cohort"), 1)
        rows.append(row(
            f"prepost by cohort: {n_g // GROUP_SIZE:,} cohorts of {GROUP_SIZE} ({len(res_g):,} comparisons)",
            secs_g, "the same baseline looped over cohorts", base_g, "≤ 2× baseline",
            goal_ratio=2.0,
        ))
    return rows


if __name__ == "__main__":  # pragma: no cover
    for r in run(quick=False):
        print(r)
