"""Small random studies for the disclosure-control property tests (Hypothesis strategies)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import strategies as st

TIMEPOINTS = ("T1", "T2", "T3", "T4")
GRID = np.arange(1.0, 5.01, 0.5)  # a 1–5 scale scored in halves; the limits come up often


@st.composite
def studies(draw: st.DrawFn, max_people: int = 30) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(scores, participants): 1–4 cohorts (plus people without one), 2–4 surveys, random
    attrition and returns, 1–2 scales, values on a grid that includes the scale's limits."""
    n_tp = draw(st.integers(2, 4))
    tps = list(TIMEPOINTS[:n_tp])
    n_cohorts = draw(st.integers(1, 4))
    sizes = [draw(st.integers(1, 10)) for _ in range(n_cohorts)]
    loose = draw(st.integers(0, 3))
    n = min(sum(sizes) + loose, max_people)
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    cohort = np.concatenate([[f"C{i}"] * s for i, s in enumerate(sizes)] + [[""] * loose])[:n]
    stay = draw(st.floats(0.4, 1.0))
    scales = ["s1"] if draw(st.booleans()) else ["s1", "s2"]
    extreme = draw(st.floats(0.0, 0.6))   # share of answers at the top of the scale
    rows = []
    alive = np.ones(n, dtype=bool)
    for t in tps:
        alive &= rng.random(n) < (1.0 if t == "T1" else stay)
        present = alive | (rng.random(n) < 0.1)
        for s in scales:
            ok = present & (rng.random(n) < 0.95)
            val = rng.choice(GRID, n)
            val = np.where(rng.random(n) < extreme, 5.0, val)
            rows.append(pd.DataFrame({"participant_id": [f"P{i:02d}" for i in np.flatnonzero(ok)],
                                      "timepoint": t, "scale": s, "score": val[ok]}))
    scores = pd.concat(rows, ignore_index=True)
    scores["timepoint"] = pd.Categorical(scores["timepoint"], categories=tps, ordered=True)
    parts = pd.DataFrame({"participant_id": [f"P{i:02d}" for i in range(n)], "cohort": cohort})
    return scores, parts


BOUNDS = {"s1": (1.0, 5.0), "s2": (1.0, 5.0)}
