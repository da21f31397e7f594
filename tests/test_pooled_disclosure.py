"""Pooled cohort reports decided beside everything already published (issue 14 × issue 15).

A pooled report (``report cohort --cohort A --with B``) publishes the pool's means and changes
after the analysis has published every cohort's and all participants' numbers. The old rule
looked only at counts; these tests check the attacker of :func:`audit_disclosure` (linear
equations, sums = n × mean, with the scales' limits; Hundepool et al. 2012, *Statistical
Disclosure Control*, §4.3) recovers nothing from the published and pooled numbers together:
on a constructed study where the count rule leaks one person's score, and on random studies
(Hypothesis). Every pair of the example's cohorts is checked in tests/test_report_cohort.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _privacy_studies import BOUNDS, studies
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaltool.analysis import names as N
from evaltool.analysis.results import Options, Results, StudySummary
from evaltool.analysis.steps import cohorts as steps
from evaltool.analysis.steps.pooled import pooled_summaries
from evaltool.errors import EvaltoolError, ParameterError
from evaltool.privacy import (
    DECISION_COLUMNS,
    CellSet,
    audit_disclosure,
    decide_added,
    decide_cells,
    summary_cells,
)


# --- a constructed study where the count rule leaks one person ------------------------------------
class _Run:
    """The parts of ``pipeline.Run`` the disclosure and cohort steps read."""

    cohort_group = "cohort"
    groups = ["cohort"]
    tps = ["T1", "T2"]

    def __init__(self, tables: dict[str, pd.DataFrame]) -> None:
        self.tables = tables
        self.options = Options(min_cell_size=5, baseline="T1")

    def table(self, name: str) -> pd.DataFrame | None:
        t = self.tables.get(name)
        return None if t is None or len(t) == 0 else t

    def primary_scales(self) -> list[str]:
        return ["brs"]


# (T1, T2) per person on a 1–5 scale; None: did not answer. P06 (cohort B) skipped T1.
COHORT_A = [(3.0, 3.5), (3.5, 4.0), (2.5, 3.0), (4.0, 4.0)]
COHORT_B = [(2.0, 3.0), (3.0, 3.5), (None, 2.5)]
COHORT_C = [(2.0, 2.5), (3.5, 3.0), (4.0, 4.5), (2.5, 3.5), (3.0, 3.0), (4.5, 4.0), (2.0, 3.0), (3.5, 4.0)]
COHORT_D = [(3.0, 2.5), (2.5, 3.5), (4.0, 3.5), (3.5, 4.5), (2.0, 2.5), (3.0, 4.0), (4.5, 4.0), (2.5, 3.0),
            (3.5, 3.5)]


def _constructed() -> Results:
    """Analysed as the pipeline does: the disclosure step, then the cohort tables."""
    rows = [(f"P{i:02d}", name, t1, t2) for i, (name, t1, t2) in enumerate(
        (name, t1, t2) for name, grp in (("A", COHORT_A), ("B", COHORT_B), ("C", COHORT_C), ("D", COHORT_D))
        for t1, t2 in grp)]
    parts = pd.DataFrame({"participant_id": [r[0] for r in rows], "cohort": [r[1] for r in rows],
                          "T1": [r[2] is not None for r in rows], "T2": [r[3] is not None for r in rows]})
    long = [(pid, t, v) for pid, _, t1, t2 in rows for t, v in (("T1", t1), ("T2", t2)) if v is not None]
    scores = pd.DataFrame({"participant_id": [x[0] for x in long],
                           "timepoint": pd.Categorical([x[1] for x in long], ["T1", "T2"]),
                           "scale": "brs", "score": [x[2] for x in long]})
    scales = pd.DataFrame({"scale": ["brs"], "score_min": [1.0], "score_max": [5.0], "primary": [True]})
    run = _Run({N.SCORES: scores, N.PARTICIPANTS: parts, N.SCALES: scales})
    steps.disclosure(run)
    steps.cohort_summaries(run)
    return Results(tables=run.tables, options=run.options,
                   study=StudySummary(timepoints=("T1", "T2"), cohort_group="cohort", groups=("cohort",)))


def test_the_count_rule_would_have_given_away_a_score_and_the_attacker_rule_does_not() -> None:
    """Cohorts A (4 people) and B (3) are too small for numbers of their own; C (8) and D (9)
    are shown. Pooled, A + B has 6 people at T1, 7 at T2 (P06 of B skipped T1) and 6 pairs.
    Every pooled count passes the count rule (both members' counts are hidden and no other
    cohort's is), so the old rule showed all three numbers:

        mean at T1 (6 people)      = 18 / 6  = 3.00
        mean change T1→T2 (6 pairs) = 3 / 6   = 0.50
        mean at T2 (7 people)      = 23.5 / 7 ≈ 3.357

    and 7 × 3.357 − 6 × (3.00 + 0.50) = 23.5 − 21 = 2.5 = P06's score at T2, the person the
    facilitator knows missed the first survey. Decided with the attacker, the pool's mean at T2
    is hidden (its count is still shown) and the attacker recovers nothing."""
    res = _constructed()
    pooled = pooled_summaries(res, ["A", "B"])
    lv = pooled[N.COHORT_SCALES].query("scope == 'cohort'").set_index("timepoint")
    ch = pooled[N.COHORT_CHANGES].query("scope == 'cohort'").iloc[0]
    assert lv["n"].tolist() == [6, 7] and ch["n_pairs"] == 6
    assert lv["n_shown"].all() and bool(ch["n_shown"])   # the count rule passes every pooled count
    m1, d = lv.loc["T1", "mean"], ch["mean_diff"]
    assert (m1, d) == pytest.approx((3.0, 0.5))
    assert not bool(lv.loc["T2", "shown"]) and np.isnan(lv.loc["T2", "mean"])
    assert lv.loc["T2", "reason"] == steps.hidden_reason(5)   # the facilitator reads why

    s = res[N.SCORES]
    m2 = s.loc[s["participant_id"].isin([f"P{i:02d}" for i in range(7)]) & (s["timepoint"] == "T2"), "score"].mean()
    assert 7 * m2 - 6 * (m1 + d) == pytest.approx(2.5)       # what the old rule let anyone work out

    # the attacker, given everything published plus the pooled numbers (old rule vs new)
    pub, pub_shown = _published(res)
    parts = res[N.PARTICIPANTS]
    who = parts.loc[parts["cohort"].isin(["A", "B"]), ["participant_id"]].assign(pool="A + B")
    pool = summary_cells(s, who, group="pool", timepoints=["T1", "T2"], study=False)
    assert pool.cells["cell"].tolist() == ["pool=A + B|brs|T1", "pool=A + B|brs|T2", "pool=A + B|brs|T2 - T1"]
    bounds = {"brs": (1.0, 5.0)}
    old = audit_disclosure(pub.concat(pool), bounds, shown=np.concatenate([pub_shown, [True, True, True]]))
    leak = old[old["disclosed"] & (old["target"] == "value")]
    assert leak[["participant_id", "timepoint", "low", "high"]].values.tolist() == [["P06", "T2", 2.5, 2.5]]
    new = [bool(lv.loc["T1", "shown"]), bool(lv.loc["T2", "shown"]), bool(ch["shown"])]
    assert not audit_disclosure(pub.concat(pool), bounds, shown=np.concatenate([pub_shown, new]))["disclosed"].any()


def _published(res: Results) -> tuple[CellSet, np.ndarray]:
    """The constructed study's published cells (cohorts, all participants, retained vs lost)
    with the disclosure table's shown flags."""
    from evaltool.privacy import attrition_cells

    s, parts = res[N.SCORES], res[N.PARTICIPANTS]
    pub = summary_cells(s, parts, timepoints=["T1", "T2"])
    ex = attrition_cells(s, parts, ["T1", "T2"])
    pub = pub.concat(CellSet(ex.cells.assign(level="group"), ex.terms))
    d = res[N.DISCLOSURE]

    def key(f: pd.DataFrame) -> list[tuple[str, ...]]:
        when = f["timepoint"].where(f["statistic"] == "mean", f["contrast"]).astype(str)
        return list(zip(f["level"], f["group_value"].fillna(""), when, strict=True))

    flags = dict(zip(key(d), d["shown"].astype(bool), strict=True))
    assert len(flags) == len(d) == len(pub)
    return pub, np.array([flags[k] for k in key(pub.cells)], dtype=bool)


# --- decide_added on random studies -------------------------------------------------------------
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(study=studies(), k=st.sampled_from([3, 5]), data=st.data())
def test_attacker_recovers_nothing_from_published_plus_pooled_cells(study, k, data):
    """Random small studies (1–4 cohorts, people without one, 2–4 surveys, attrition and
    returns, answers often at the top of the scale): the analysis's decision, then a pool of
    any two or more cohorts (or one, a copy under another name) with every count allowed.
    Beside the published cells, the pool's shown cells give the attacker nothing, and no
    shown pooled cell describes fewer than k people."""
    scores, parts = study
    pub = summary_cells(scores, parts)
    decided = decide_cells(pub, scores, BOUNDS, min_cell_size=k)
    cohorts = sorted({c for c in parts["cohort"] if c})
    if not cohorts:
        return
    chosen = data.draw(st.lists(st.sampled_from(cohorts), min_size=1, max_size=len(cohorts), unique=True))
    who = parts.loc[parts["cohort"].isin(chosen), ["participant_id"]].assign(pool="+".join(sorted(chosen)))
    new = summary_cells(scores, who, group="pool", study=False)
    got = decide_added(pub, new, scores, BOUNDS, shown=decided["shown"], min_cell_size=k)
    assert tuple(got.columns) == DECISION_COLUMNS
    assert (got.loc[got["shown"], "n"] >= k).all()
    assert (got.loc[~got["shown"], "reason"] != "").all()
    found = audit_disclosure(pub.concat(new), BOUNDS, shown=np.concatenate([decided["shown"], got["shown"]]),
                             min_cell_size=k)
    assert not found["disclosed"].any()


def test_decide_added_checks_its_inputs_and_leaves_them_alone():
    scores = pd.DataFrame({"participant_id": [f"P{i}" for i in range(12)], "timepoint": "T1", "scale": "s1",
                           "score": [2.0, 3.0, 4.0, 3.5, 2.5, 4.5, 3.0, 2.0, 4.0, 3.5, 2.5, 3.0],
                           "cohort": ["C1"] * 3 + ["C2"] * 3 + ["C3"] * 6})
    pub = summary_cells(scores)
    shown = decide_cells(pub, scores, BOUNDS)["shown"].to_numpy()
    before = (scores.copy(), pub.cells.copy(), pub.terms.copy())
    with pytest.raises(ParameterError, match="reuse ids"):
        decide_added(pub, pub, scores, BOUNDS, shown=shown)
    with pytest.raises(ParameterError, match="must be a CellSet"):
        decide_added(pub.cells, pub, scores, BOUNDS)
    who = scores.loc[scores["cohort"] != "C3", ["participant_id"]].assign(pool="C1+C2")
    new = summary_cells(scores, who, group="pool", study=False)
    with pytest.raises(ParameterError, match="one boolean per cell"):
        decide_added(pub, new, scores, BOUNDS, shown=shown[:1])
    got = decide_added(pub, new, scores, BOUNDS, shown=shown)
    assert got["shown"].tolist() == [True]          # C1 + C2 = everyone − C3: nothing new
    off = decide_added(pub, new, scores, BOUNDS, shown=shown, candidates=[False])
    assert off["shown"].tolist() == [False] and off["reason"].iloc[0] != ""
    pd.testing.assert_frame_equal(scores, before[0])
    pd.testing.assert_frame_equal(pub.cells, before[1])
    pd.testing.assert_frame_equal(pub.terms, before[2])


def test_pooled_report_refuses_results_whose_disclosure_table_is_missing_or_altered() -> None:
    """The pool is checked against what was published; without the published decision, or with
    one that does not match the participant-level tables, there is nothing to check against."""
    import dataclasses


    res = _constructed()
    gone = dataclasses.replace(res, tables={k: v for k, v in res.tables.items() if k != N.DISCLOSURE})
    with pytest.raises(EvaltoolError, match="disclosure table"):
        pooled_summaries(gone, ["A", "B"])
    d = res[N.DISCLOSURE].copy()
    d.loc[d["shown"], "mean"] += 0.01
    edited = dataclasses.replace(res, tables={**res.tables, N.DISCLOSURE: d})
    with pytest.raises(EvaltoolError, match="does not match"):
        pooled_summaries(edited, ["A", "B"])
