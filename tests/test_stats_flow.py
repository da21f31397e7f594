"""Participant flow and the baseline comparison of completers and those lost.

Reference: Austin, P. C. (2009). Balance diagnostics for comparing the distribution of baseline
covariates between treatment groups in propensity-score matched samples. Statistics in Medicine,
28, 3083-3107 — eq. 1 (continuous: difference in means over sqrt of the mean of the two
variances) and eq. 2 (proportion: (p1 - p2) / sqrt((p1(1-p1) + p2(1-p2)) / 2)). The expected
values below are worked by hand.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from evaltool.stats import ATTRITION_COLUMNS, FLOW_COLUMNS, attrition, flow


@pytest.fixture
def study():
    # a, b, c stay to T2; d, e, f are lost after T1
    participants = pd.DataFrame({
        "participant_id": list("abcdef"),
        "T1": [True] * 6,
        "T2": [True, True, True, False, False, False],
        "profession": ["midwife", "doctor", "midwife", "doctor", "doctor", "doctor"],
    })
    scores = pd.DataFrame({
        "participant_id": list("abcdef") + list("abc"),
        "timepoint": ["T1"] * 6 + ["T2"] * 3,
        "scale": "brs",
        "score": [1.0, 2.0, 3.0, 2.0, 4.0, 6.0, 2.0, 3.0, None],
    })
    return participants, scores


def test_attrition_smd_continuous_by_hand(study):
    """stayed 1,2,3 (mean 2, var 1); lost 2,4,6 (mean 4, var 4): SMD = -2 / sqrt(2.5)."""
    participants, scores = study
    a = attrition(scores, participants, ["T1", "T2"], groups=["profession"])
    assert tuple(a.columns) == ATTRITION_COLUMNS
    brs = a[a["variable"] == "brs"].iloc[0]
    assert (brs["n_stayed"], brs["n_lost"]) == (3, 3)
    assert brs["smd"] == pytest.approx(-2 / math.sqrt(2.5), abs=1e-12)


def test_attrition_smd_proportion_by_hand(study):
    """midwife: stayed 2/3, lost 0/3 -> (2/3 - 0) / sqrt((2/3 * 1/3 + 0) / 2) by eq. 2 (= 2); doctor the negative."""
    participants, scores = study
    a = attrition(scores, participants, ["T1", "T2"], groups=["profession"]).set_index(["variable", "level"])
    p1, p2 = 2 / 3, 0.0
    expected = (p1 - p2) / math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / 2)
    assert a.loc[("profession", "midwife"), "smd"] == pytest.approx(expected, abs=1e-12)
    assert a.loc[("profession", "doctor"), "smd"] == pytest.approx(-expected, abs=1e-12)


def test_flow_counts(study):
    participants, scores = study
    kept = scores[["participant_id", "timepoint"]]
    excl = pd.DataFrame({"source": ["t2.csv"], "row": [9], "participant_id": ["z"], "timepoint": ["T2"],
                         "reason": ["duplicate"]})
    f = flow(excl, kept, scores, ["T1", "T2"], invited=10)
    assert tuple(f.columns) == FLOW_COLUMNS
    got = {(r.timepoint, r.stage, r.detail): r.n for r in f.itertuples()}
    assert got[("T1", "invited", "")] == 10
    assert got[("T2", "received", "")] == 4  # 3 kept + 1 excluded
    assert got[("T2", "excluded", "duplicate")] == 1
    assert got[("T2", "lost since previous", "T1")] == 3
    assert got[("T2", "scored", "brs")] == 2  # c has no score at T2


def _attrition_by_loop(scores, participants, timepoints, groups):
    """The definition, one level at a time (what attrition() did before issue 16)."""
    base, last = timepoints[0], timepoints[-1]
    at_base = participants[participants[base]]
    stayed = set(at_base.loc[at_base[last], "participant_id"])
    rows = []
    for gname in groups:
        vals = at_base[gname].astype(object)
        in_s = at_base["participant_id"].isin(stayed).to_numpy()
        known = vals.notna().to_numpy()
        n1, n2 = int((in_s & known).sum()), int((~in_s & known).sum())
        for level in sorted(vals.dropna().unique(), key=str):
            is_l = (vals == level).to_numpy()
            rows.append((gname, str(level), int((is_l & in_s).sum()), int((is_l & ~in_s).sum()),
                         (is_l & in_s).sum() / n1, (is_l & ~in_s).sum() / n2))
    return rows


def test_attrition_counts_every_level_in_one_pass_as_the_definition_says():
    """300 people in 40 cohorts (some without a cohort), 3 professions: each level's counts and
    proportions equal the one-level-at-a-time definition exactly."""
    import numpy as np

    rng = np.random.default_rng(16)
    n = 300
    ids = [f"p{i}" for i in range(n)]
    cohort = np.array([f"c{k}" for k in rng.integers(0, 40, n)], dtype=object)
    cohort[rng.random(n) < 0.05] = None
    participants = pd.DataFrame({"participant_id": ids, "T1": rng.random(n) < 0.95, "T2": rng.random(n) < 0.6,
                                 "cohort": cohort, "profession": rng.choice(["a", "b", "c"], n)})
    scores = pd.DataFrame({"participant_id": ids, "timepoint": "T1", "scale": "brs",
                           "score": rng.normal(3, 1, n)})
    got = attrition(scores, participants, ["T1", "T2"], groups=["cohort", "profession"])
    got = got[got["level"] != ""]
    want = _attrition_by_loop(scores, participants, ["T1", "T2"], ["cohort", "profession"])
    assert list(zip(got["variable"], got["level"], got["n_stayed"], got["n_lost"], got["mean_stayed"],
                    got["mean_lost"], strict=True)) == want


def test_flow_lost_and_returned_per_timepoint():
    kept = pd.DataFrame({"participant_id": ["a", "b", "c", "a", "c", "d", "b", "d"],
                         "timepoint": pd.Categorical(["T1"] * 3 + ["T2"] * 3 + ["T3"] * 2,
                                                     categories=["T1", "T2", "T3"])})
    excl = pd.DataFrame({"source": ["f", "f", "f"], "row": [1, 2, 3], "participant_id": [None, "x", "y"],
                         "timepoint": ["T2", "T2", "T3"], "reason": ["preview", "duplicate", "duplicate"]})
    scores = kept.assign(scale="brs", score=1.0)
    f = flow(excl, kept, scores, ["T1", "T2", "T3"])
    got = {(r.timepoint, r.stage, r.detail): r.n for r in f.itertuples()}
    # d first answers at T2: it joined (issue 11: a first appearance is never "returned after a gap")
    assert got[("T2", "lost since previous", "T1")] == 1 and got[("T2", "returned", "absent at previous")] == 0
    assert got[("T2", "joined", "first response")] == 1
    assert got[("T3", "lost since previous", "T2")] == 2 and got[("T3", "returned", "absent at previous")] == 1
    assert got[("T3", "joined", "first response")] == 0
    assert got[("T2", "received", "")] == 5 and got[("T3", "received", "")] == 3
    assert [r.detail for r in f.itertuples() if r.timepoint == "T2" and r.stage == "excluded"] == ["duplicate", "preview"]
