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
