"""describe() and band_counts().

References: the ``descriptives`` block of tests/reference/expected/prepost.json (R 4.2.2
``length``, ``mean``, ``sd`` per measure × time); quartiles against R's documented
``quantile(1:10)`` output (type 7: 1, 3.25, 5.5, 7.75, 10; R 4.2 ``?quantile``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _prepost_reference import MEASURES, TIMES, expected, scores

from evaltool import score
from evaltool.errors import ParameterError
from evaltool.stats import BAND_COUNT_COLUMNS, DESCRIBE_COLUMNS, band_counts, describe


def test_columns_are_pinned():
    assert DESCRIBE_COLUMNS == (
        "scale", "timepoint", "n", "n_missing", "mean", "sd", "median", "q1", "q3", "min",
        "max", "quantile_method",
    )
    assert BAND_COUNT_COLUMNS == ("scale", "timepoint", "band", "n", "n_banded", "percent")
    assert tuple(describe(scores()).columns) == DESCRIBE_COLUMNS
    assert tuple(describe(scores(), by="cohort").columns) == ("cohort", *DESCRIBE_COLUMNS, "small_group")


def test_matches_r_descriptives():
    """R 4.2.2 mean/sd (n - 1) per measure × time; n = non-missing, n_rows = rows."""
    res = describe(scores())
    assert list(zip(res["scale"], res["timepoint"], strict=True)) == [
        (m, t) for m in MEASURES for t in TIMES]
    ref = expected()["descriptives"]
    for _, row in res.iterrows():
        b = ref[row["scale"]][row["timepoint"]]
        assert row["n"] == b["n"]
        assert row["n"] + row["n_missing"] == b["n_rows"]
        assert row["mean"] == pytest.approx(b["mean"], abs=1e-12)
        assert row["sd"] == pytest.approx(b["sd"], abs=1e-12)


def test_quartiles_are_r_type_7():
    """R: quantile(1:10) -> 1, 3.25, 5.5, 7.75, 10 (type 7, the default)."""
    df = pd.DataFrame({"timepoint": "T1", "scale": "x", "score": np.arange(1.0, 11.0)})
    row = describe(df).iloc[0]
    assert (row["min"], row["q1"], row["median"], row["q3"], row["max"]) == (1, 3.25, 5.5, 7.75, 10)
    assert "type 7" in row["quantile_method"]


def test_by_group_every_cell_and_small_flag():
    s = scores()
    s.loc[s["participant_id"] == "P001", "cohort"] = None
    res = describe(s, by="cohort", min_cell_size=6)
    assert len(res) == 13 * 3 * 3  # 12 cohorts + the missing-cohort group
    assert res["cohort"].isna().sum() == 9
    total = res.groupby(["scale", "timepoint"], sort=False)["n"].sum()
    overall = describe(s).set_index(["scale", "timepoint"])["n"]
    assert (total.to_numpy() == overall.to_numpy()).all()
    assert (res["small_group"] == (res["n"] < 6)).all()


def test_empty_timepoint_category_is_shown():
    df = pd.DataFrame({
        "timepoint": pd.Categorical(["T1", "T1"], categories=["T1", "T2"]),
        "scale": "x", "score": [1.0, 2.0],
    })
    res = describe(df)
    assert list(res["timepoint"]) == ["T1", "T2"]
    assert res.loc[1, "n"] == 0 and res.loc[1, "n_missing"] == 0


def test_within_name_is_kept_and_input_not_modified():
    s = scores().rename(columns={"timepoint": "wave"})
    before = s.copy()
    res = describe(s, within="wave")
    assert "wave" in res.columns and "timepoint" not in res.columns
    pd.testing.assert_frame_equal(s, before)


def test_describe_parameter_errors():
    with pytest.raises(ParameterError, match="names column 'value'"):
        describe(scores(), dv="value")
    with pytest.raises(ParameterError, match="must be numeric"):
        describe(scores().assign(score="high"))
    with pytest.raises(ParameterError, match="'by' parameter of describe"):
        describe(scores(), by="scale")


def _brs_scores() -> pd.DataFrame:
    items = pd.DataFrame({
        "participant_id": ["a", "b", "c", "a", "b", "c"],
        "timepoint": pd.Categorical(["T1"] * 3 + ["T2"] * 3, categories=["T1", "T2"]),
        "brs_1": [1, 3, 5, 2, 4, 5], "brs_2": [5, 3, 1, 4, 2, 1], "brs_3": [1, 3, 5, 2, 4, 5],
        "brs_4": [5, 3, 1, 4, 2, 1], "brs_5": [1, 3, 5, 2, 4, 5], "brs_6": [5, 3, 1, 4, 2, 1],
    })
    return score(items, "brs")


def test_band_counts_use_the_instrument_bands():
    s = _brs_scores()  # scores 1, 3, 5 at T1 and 2, 4, 5 at T2
    res = band_counts(s)
    assert tuple(res.columns) == BAND_COUNT_COLUMNS
    assert list(res["band"]) == ["low", "normal", "high"] * 2
    assert list(res["n"]) == [1, 1, 1, 1, 1, 1]
    assert (res["n_banded"] == 3).all()
    sums = res.groupby("timepoint", observed=True)["percent"].sum()
    assert np.allclose(sums, 100.0)


def test_band_counts_zero_bands_and_groups():
    df = pd.DataFrame({"timepoint": ["T1", "T1", "T2"], "scale": "x", "cohort": ["A", "B", "B"],
                       "band": ["low", "low", None]})
    res = band_counts(df, bands={"x": ["low", "high"]}, by="cohort")
    assert tuple(res.columns) == ("cohort", *BAND_COUNT_COLUMNS, "small_group")
    b_t2 = res[(res["cohort"] == "B") & (res["timepoint"] == "T2")]
    assert list(b_t2["n"]) == [0, 0] and b_t2["percent"].isna().all()
    assert res["small_group"].all()
    with pytest.raises(ParameterError, match="not among the declared bands"):
        band_counts(df, bands={"x": ["high"]})
