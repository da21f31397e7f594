"""reliable_change() and reliable_change_summary() (Jacobson & Truax 1991).

Reference: the ``reliable_change`` block of tests/reference/expected/prepost.json — computed
by hand in R 4.2.2: SD_pre = sd() of all available pre scores, r_xx = psych 2.2.9 ``alpha``
raw_alpha at pre (``alpha_pre`` block), SE_diff = SD_pre·√2·√(1 − r_xx), |RCI| > 1.96.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _prepost_reference import expected, scores

from evaltool import load_instrument, score
from evaltool.errors import ParameterError
from evaltool.stats import (
    RELIABLE_CHANGE_COLUMNS,
    RELIABLE_CHANGE_SUMMARY_COLUMNS,
    reliable_change,
    reliable_change_summary,
)

DIRECTION = {"resilience": "higher_better", "burnout": "higher_worse"}


def _alpha() -> dict[str, float]:
    return {m: expected()["alpha_pre"][m]["raw_alpha"] for m in ("resilience", "burnout")}


@pytest.fixture(scope="module")
def changes() -> pd.DataFrame:
    return reliable_change(scores(), _alpha(), scales=["resilience", "burnout"], direction=DIRECTION)


def test_columns_are_pinned(changes):
    assert RELIABLE_CHANGE_COLUMNS == (
        "participant_id", "scale", "time_from", "time_to", "score_from", "score_to", "change",
        "direction", "sd_pre", "n_pre_for_sd", "r_xx", "reliability_source", "se_diff", "rci",
        "rci_category", "cutoff", "clinical_category", "note",
    )
    assert RELIABLE_CHANGE_SUMMARY_COLUMNS == (
        "scale", "time_from", "time_to", "n_pairs", "n_improved", "n_unchanged",
        "n_deteriorated", "n_unclassified", "pct_improved", "pct_unchanged",
        "pct_deteriorated", "n_recovered", "pct_recovered", "sd_pre", "r_xx",
        "reliability_source", "se_diff",
    )
    assert tuple(changes.columns) == RELIABLE_CHANGE_COLUMNS
    assert tuple(reliable_change_summary(changes).columns) == RELIABLE_CHANGE_SUMMARY_COLUMNS


@pytest.mark.parametrize("measure", ["resilience", "burnout"])
@pytest.mark.parametrize("later", ["post", "follow"])
def test_per_person_rci_matches_r(changes, measure, later):
    """By-hand R 4.2.2 values: ids, RCIs (1e-12), SD_pre, n for SD_pre, SE_diff."""
    ref = expected()["reliable_change"][measure][f"pre_vs_{later}"]
    sub = changes[(changes["scale"] == measure) & (changes["time_to"] == later)]
    assert list(sub["participant_id"]) == ref["ids"]
    np.testing.assert_allclose(sub["rci"], ref["rci"], rtol=0, atol=1e-12)
    assert sub["sd_pre"].iloc[0] == pytest.approx(ref["sd_pre"], abs=1e-12)
    assert sub["n_pre_for_sd"].iloc[0] == ref["n_pre_for_sd"]
    assert sub["se_diff"].iloc[0] == pytest.approx(ref["se_diff"], abs=1e-12)
    assert sub["r_xx"].iloc[0] == ref["r_xx"]
    assert (sub["reliability_source"] == "baseline alpha").all()
    assert (sub["note"] == "").all()


@pytest.mark.parametrize("measure", ["resilience", "burnout"])
@pytest.mark.parametrize("later", ["post", "follow"])
def test_counts_match_r(changes, measure, later):
    """improved / no change / deteriorated counts; "improved" = up for resilience, down for
    burnout (R 4.2.2, by hand)."""
    ref = expected()["reliable_change"][measure][f"pre_vs_{later}"]
    summary = reliable_change_summary(changes)
    row = summary[(summary["scale"] == measure) & (summary["time_to"] == later)].iloc[0]
    assert row["n_pairs"] == ref["n_pairs"]
    assert row["n_improved"] == ref["improved"]
    assert row["n_unchanged"] == ref["no_change"]
    assert row["n_deteriorated"] == ref["deteriorated"]
    assert row["n_unclassified"] == 0
    assert row["pct_improved"] == pytest.approx(100 * ref["improved"] / ref["n_pairs"])
    assert np.isnan(row["n_recovered"])  # no cut-off given


def test_threshold_is_strict(changes):
    """|RCI| > criterion strictly: a participant exactly at the criterion is unchanged."""
    sub = changes[changes["scale"] == "resilience"]
    top = sub.loc[sub["rci"].idxmax()]
    at = reliable_change(scores(), _alpha(), scales=["resilience"], direction=DIRECTION,
                         criterion=float(top["rci"]))
    mine = at[(at["participant_id"] == top["participant_id"]) & (at["time_to"] == top["time_to"])]
    assert mine["rci_category"].iloc[0] == "unchanged"


def test_clinical_significance_with_cutoff():
    """Jacobson & Truax 1991 categories, hand-worked: SD_pre = 2, r_xx = 0.875 -> SE_diff = 1."""
    df = pd.DataFrame({
        "participant_id": ["a", "b", "c", "d", "e"] * 2,
        "timepoint": pd.Categorical(["T1"] * 5 + ["T2"] * 5, categories=["T1", "T2"]),
        "scale": "mood",
        "score": [10.0, 12.0, 14.0, 11.0, 13.0,
                  13.0, 12.5, 17.0, 8.0, 10.0],
    })
    sd = np.std([10.0, 12.0, 14.0, 11.0, 13.0], ddof=1)
    r_xx = 1 - 1 / (2 * sd**2)  # SE_diff = sd * sqrt(2) * sqrt(1 - r) = 1
    rc = reliable_change(df, {"mood": r_xx}, direction={"mood": "higher_better"},
                         cutoff={"mood": 12.0}).set_index("participant_id")
    assert rc["se_diff"].iloc[0] == pytest.approx(1.0, abs=1e-12)
    assert rc.loc["a", "rci_category"] == "improved" and rc.loc["a", "clinical_category"] == "recovered"
    assert rc.loc["b", "clinical_category"] == "unchanged"
    assert rc.loc["c", "clinical_category"] == "improved"  # already functional at baseline
    assert rc.loc["d", "clinical_category"] == "deteriorated"
    assert rc.loc["e", "clinical_category"] == "deteriorated"
    summary = reliable_change_summary(rc.reset_index())
    assert summary.loc[0, "n_recovered"] == 1 and summary.loc[0, "pct_recovered"] == 20.0
    worse = reliable_change(df, {"mood": r_xx}, direction={"mood": "higher_worse"},
                            cutoff={"mood": 12.0}).set_index("participant_id")
    assert worse.loc["e", "clinical_category"] == "recovered"  # 13 -> 10 crosses below 12
    assert worse.loc["d", "clinical_category"] == "improved"  # 11 was already below 12
    assert worse.loc["a", "clinical_category"] == "deteriorated"


def test_published_reliability_and_direction_from_the_instrument():
    items = pd.DataFrame({
        "participant_id": ["a", "b", "c", "a", "b", "c"],
        "timepoint": pd.Categorical(["T1"] * 3 + ["T2"] * 3, categories=["T1", "T2"]),
        "brs_1": [1, 3, 5, 4, 3, 5], "brs_2": [5, 3, 1, 2, 3, 1], "brs_3": [1, 3, 5, 4, 3, 5],
        "brs_4": [5, 3, 1, 2, 3, 1], "brs_5": [1, 3, 5, 4, 3, 5], "brs_6": [5, 3, 1, 2, 3, 1],
    })
    s = score(items, "brs")
    published = load_instrument("brs").scale("brs").reliability
    rc = reliable_change(s, {"brs": 0.5})
    assert (rc["r_xx"] == published.value).all()
    assert rc["reliability_source"].iloc[0].startswith("published alpha: ")
    assert (rc["direction"] == "higher_better").all()
    own = reliable_change(s, {"brs": 0.5}, use_published=False)
    assert (own["r_xx"] == 0.5).all() and (own["reliability_source"] == "baseline alpha").all()
    given = reliable_change(s, {"brs": (0.9, "test-retest, Smith 2008")}, use_published=False)
    assert (given["reliability_source"] == "test-retest, Smith 2008").all()


def test_by_group_and_summary():
    rc = reliable_change(scores(), _alpha(), scales=["resilience"], direction=DIRECTION, by="cohort")
    assert tuple(rc.columns) == ("cohort", *RELIABLE_CHANGE_COLUMNS)
    summary = reliable_change_summary(rc, by="cohort", min_cell_size=7)
    assert tuple(summary.columns) == ("cohort", *RELIABLE_CHANGE_SUMMARY_COLUMNS, "small_group")
    post = summary[summary["time_to"] == "post"]
    assert post["n_pairs"].sum() == 101
    assert (summary["small_group"] == (summary["n_pairs"] < 7)).all()


def test_degenerate_baseline_is_explained():
    df = pd.DataFrame({
        "participant_id": ["a", "b", "a", "b"],
        "timepoint": pd.Categorical(["T1", "T1", "T2", "T2"], categories=["T1", "T2"]),
        "scale": "x", "score": [2.0, 2.0, 3.0, 4.0],
    })
    rc = reliable_change(df, {"x": 0.8}, direction={"x": "higher_better"})
    assert rc["rci"].isna().all() and (rc["rci_category"] == "").all()
    assert rc["note"].str.contains("SD 0").all()
    assert reliable_change_summary(rc).loc[0, "n_unclassified"] == 2


def test_input_not_modified():
    s = scores()
    before = s.copy()
    reliable_change(s, _alpha(), scales=["resilience"], direction=DIRECTION, by="cohort")
    pd.testing.assert_frame_equal(s, before)


def test_parameter_errors():
    s = scores()
    with pytest.raises(ParameterError, match="does not know whether higher is better"):
        reliable_change(s, _alpha(), scales=["resilience"])
    with pytest.raises(ParameterError, match=r"no reliability \(r_xx\) for scale\(s\) \['confidence'\]"):
        reliable_change(s, _alpha(), direction={**DIRECTION, "confidence": "higher_better"})
    with pytest.raises(ParameterError, match="strictly between 0 and 1"):
        reliable_change(s, {"resilience": 1.2}, scales=["resilience"], direction=DIRECTION)
    with pytest.raises(ParameterError, match="'direction' parameter"):
        reliable_change(s, _alpha(), scales=["resilience"], direction={"resilience": "up"})
    with pytest.raises(ParameterError, match="'scales' parameter"):
        reliable_change(s, _alpha(), scales=["wellbeing"], direction=DIRECTION)
    with pytest.raises(ParameterError, match="'criterion'"):
        reliable_change(s, _alpha(), scales=["resilience"], direction=DIRECTION, criterion=0)
    with pytest.raises(ParameterError, match="reliable_change"):
        reliable_change_summary(s)
