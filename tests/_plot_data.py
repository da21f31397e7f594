"""Simulated scores for figure tests and the figure benchmark (deterministic, any size).

Four scales with the shapes of the example study's: a 6-item mean on 1–5 (steps of 1/6), a
5-item mean on 0–10 (steps of 0.2), an integer count 0–8, and a lower-is-better 0–100 burnout
score (steps of 25/6). Four timepoints with attrition.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TIMEPOINTS = ("T1", "T2", "T3", "T4")
SCALES = {
    # id: (label, direction, score range, items, item values, baseline mean, gain per wave)
    "brs": ("Resilience (BRS)", "higher_better", (1.0, 5.0), 6, np.arange(1, 6), 3.3, 0.08),
    "coping": ("Confidence in coping with adverse events", "higher_better", (0.0, 10.0), 5,
               np.arange(0, 11), 4.5, 0.9),
    "knowledge": ("Resilience strategies knowledge (correct answers, 0–8)", "higher_better", (0.0, 8.0), 8,
                  np.array([0, 1]), 0.5, 0.12),
    "cbi": ("Personal burnout (CBI)", "higher_worse", (0.0, 100.0), 6, np.arange(0, 101, 25), 50.0, -3.0),
}


def simulate_scores(n: int, *, seed: int = 0, timepoints: tuple[str, ...] = TIMEPOINTS,
                    scales: tuple[str, ...] = tuple(SCALES)) -> pd.DataFrame:
    """Long Scores ``participant_id, timepoint, scale, score`` for ``n`` participants."""
    rng = np.random.default_rng(seed)
    u = rng.normal(0, 1, n)
    present = np.ones((n, len(timepoints)), dtype=bool)
    for j in range(1, len(timepoints)):
        present[:, j] = rng.random(n) < (0.92 - 0.12 * j)
    ids = np.array([f"P{i:06d}" for i in range(n)])
    frames = []
    for s in scales:
        _, _, (lo, hi), k, values, base, gain = SCALES[s]
        own_gain = rng.normal(1, 0.6, n)
        for j, t in enumerate(timepoints):
            m = present[:, j]
            if s == "knowledge":
                p = 1 / (1 + np.exp(-(base + 0.6 * u[m] + gain * 8 * min(j, 2) * own_gain[m] / 4)))
                score = rng.binomial(k, np.clip(p, 0.01, 0.99)).astype(float)
            else:
                latent = base + (hi - lo) * 0.12 * u[m] + gain * min(j, 2) * own_gain[m] * (1 if j < 3 else 0.8)
                items = latent[:, None] + rng.normal(0, (hi - lo) * 0.15, (int(m.sum()), k))
                items = values[np.abs(items[..., None] - values).argmin(axis=-1)]
                score = items.mean(axis=1)
            frames.append(pd.DataFrame({"participant_id": ids[m], "timepoint": t, "scale": s, "score": score}))
    out = pd.concat(frames, ignore_index=True)
    out["timepoint"] = pd.Categorical(out["timepoint"], list(timepoints), ordered=True)
    return out


def scale_table() -> pd.DataFrame:
    """The scales' labels, directions and ranges, as the analysis's ``scales`` table."""
    return pd.DataFrame([{"scale": s, "label": v[0], "direction": v[1], "score_min": v[2][0],
                          "score_max": v[2][1]} for s, v in SCALES.items()])
