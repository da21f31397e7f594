"""The national-scale shortcuts of the decider and the joint display give exactly what the
general computations give (issue 16): incremental signatures, the matrix form of the code
presence table, and the per-code moments of the joint display."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaltool.integrate import _common, joint
from evaltool.privacy import summary_cells
from evaltool.privacy._problem import Problem, scale_bounds


def _scores(seed: int = 3, people: int = 90) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(people):
        for t in ("T1", "T2", "T3"):
            if t == "T1" or rng.random() < 0.7:
                for s in ("a", "b"):
                    rows.append((f"P{i:03d}", t, s, float(rng.integers(1, 6)), f"C{i % 7}"))
    return pd.DataFrame(rows, columns=["participant_id", "timepoint", "scale", "score", "cohort"])


def test_signature_updates_equal_a_full_pass() -> None:
    scores = _scores()
    cells = summary_cells(scores)
    prob = Problem.build(cells, scores, scale_bounds({"a": (1, 5), "b": (1, 5)}, ["a", "b"], "t"), 0.2, "t")
    rng = np.random.default_rng(0)
    active = np.ones(prob.n_cells, dtype=bool)
    for step in range(40):
        flip = rng.choice(prob.n_cells, size=1 + step % 3, replace=False)
        active[flip] = ~active[flip]
        for only, signed in ((None, False), (prob.study, False), (None, True)):
            got = prob.signature(active, only, signed=signed)
            mask = active if only is None else active & only
            want = prob._full_signature(mask, signed)
            for g, w in zip(got, want, strict=True):
                assert np.array_equal(g, w)
    assert len(prob.__dict__["_sig_cache"]) <= 3


def test_matrix_presence_equals_the_grouping_path() -> None:
    rng = np.random.default_rng(1)
    m = pd.DataFrame({"participant_id": [f"P{i}" for i in range(30)],
                      **{f"code{j}": rng.integers(0, 2, 30) for j in range(4)}})
    fast = _common.presence(m, "t", ["code2", "code0"])
    # a repeated person (all zeros) takes the general path; any() leaves the flags as they were
    extra = m.iloc[[0]].assign(**{f"code{j}": 0 for j in range(4)})
    slow = _common.presence(pd.concat([m, extra], ignore_index=True), "t", ["code2", "code0"])
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert list(fast["code"].unique()) == ["code0", "code2"]
    assert len(fast) == 60 and fast["present"].sum() == m[["code0", "code2"]].to_numpy().sum()


def test_per_code_moments_equal_the_joined_moments() -> None:
    rng = np.random.default_rng(2)
    ids = [f"P{i}" for i in range(200)]
    m = pd.DataFrame({"participant_id": ids[:180], **{f"c{j}": rng.integers(0, 2, 180) for j in range(5)}})
    rows = [(p, s, "T1", t, float(rng.normal(0.3, 1.1)))
            for s in ("b", "a") for t in ("T3", "T2") for p in ids if rng.random() < 0.8]
    ch = pd.DataFrame(rows, columns=["participant_id", "scale", "time_from", "time_to", "change"])
    prepared = joint._changes(ch, None, "t")
    pres = _common.presence(m, "t")
    grid, with_code, without = joint._moments(prepared, pres)
    grid2, with2, without2 = joint._moments_joined(prepared, pres, grid)
    pd.testing.assert_frame_equal(grid, grid2)
    for a, b in zip((*with_code, *without), (*with2, *without2), strict=True):
        assert np.array_equal(a, b, equal_nan=True)
    assert np.nansum(with_code[0]) + np.nansum(without[0]) == 5 * prepared["participant_id"].isin(ids[:180]).sum()
