"""prepost() against R 4.2.2 (tests/reference/expected/prepost.json, ``paired`` block).

References per column: ``t.test(post, pre, paired = TRUE)`` (tolerance 1e-10, STATISTICS.md);
``wilcox.test(post, pre, paired = TRUE)`` of R 4.2.2 (V, p, method; per-cohort small samples
from ``wilcoxon_small_samples_resilience_pre_post_by_cohort``); effectsize 0.8.3
``cohens_d`` / ``hedges_g(paired = TRUE)`` (CI against ``ci_precise``); d_av / g_av by hand
(Cumming 2012, Lakens 2013); ``effectsize::rank_biserial(post - pre)``;
``p.adjust(, "holm" / "BH")`` (``multiplicity`` block).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _prepost_reference import MEASURES, expected, scores
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from evaltool.errors import ParameterError
from evaltool.stats import PREPOST_COLUMNS, p_adjust, prepost
from evaltool.stats.wilcoxon import WARN_TIES, WARN_ZEROES

T_TOL = 1e-10
TOL = 1e-12
CI_TOL = 5e-12


def test_output_columns_are_pinned():
    assert PREPOST_COLUMNS == (
        "scale", "contrast", "time_from", "time_to", "n_pairs",
        "mean_from", "sd_from", "mean_to", "sd_to",
        "mean_diff", "sd_diff", "mean_diff_ci_low", "mean_diff_ci_high",
        "t", "df", "p_t",
        "wilcoxon_v", "p_wilcoxon", "wilcoxon_method",
        "d_av", "d_av_ci_low", "d_av_ci_high", "g_av", "g_av_ci_low", "g_av_ci_high",
        "d_z", "d_z_ci_low", "d_z_ci_high", "g_z", "g_z_ci_low", "g_z_ci_high",
        "rank_biserial", "rank_biserial_ci_low", "rank_biserial_ci_high",
        "shapiro_w", "shapiro_p",
        "p_t_adj", "p_wilcoxon_adj", "correction", "effect_size", "note",
    )
    res = prepost(scores())
    assert tuple(res.columns) == PREPOST_COLUMNS
    by = prepost(scores(), by="cohort")
    assert tuple(by.columns) == ("cohort", *PREPOST_COLUMNS, "small_group")


@pytest.fixture(scope="module")
def result() -> pd.DataFrame:
    return prepost(scores())


def test_rows_and_contrasts(result):
    assert list(zip(result["scale"], result["contrast"], strict=True)) == [
        (m, c) for m in MEASURES for c in ("post - pre", "follow - pre")
    ]
    assert set(result["effect_size"]) == {"d_av"}
    assert set(result["correction"]) == {"holm"}
    assert set(result["note"]) == {""}


@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize("later", ["post", "follow"])
def test_matches_r(result, measure, later):
    """R 4.2.2 t.test / wilcox.test (paired) and effectsize 0.8.3 on complete pairs."""
    b = expected()["paired"][measure][f"pre_vs_{later}"]
    row = result[(result["scale"] == measure) & (result["time_to"] == later)].iloc[0]
    assert row["contrast"] == b["comparison"]
    assert row["n_pairs"] == b["n_pairs"]
    for ours, ref in [("mean_from", "mean_pre"), ("mean_to", "mean_post"), ("sd_from", "sd_pre"),
                      ("sd_to", "sd_post"), ("mean_diff", "mean_diff"), ("sd_diff", "sd_diff")]:
        assert row[ours] == pytest.approx(b[ref], abs=TOL), ours
    tt = b["t_test"]
    assert row["t"] == pytest.approx(tt["t"], abs=T_TOL)
    assert row["df"] == tt["df"]
    assert row["p_t"] == pytest.approx(tt["p"], abs=T_TOL, rel=T_TOL)
    assert row["mean_diff_ci_low"] == pytest.approx(tt["ci_low"], abs=T_TOL)
    assert row["mean_diff_ci_high"] == pytest.approx(tt["ci_high"], abs=T_TOL)
    w = b["wilcoxon_default"]
    assert row["wilcoxon_v"] == w["V"]
    assert row["p_wilcoxon"] == pytest.approx(w["p"], rel=TOL)
    assert row["wilcoxon_method"] == w["method"]
    for col in ("d_av", "g_av"):
        key = "d" if col == "d_av" else "g"
        assert row[col] == pytest.approx(b[col][key], abs=TOL)
        assert row[f"{col}_ci_low"] == pytest.approx(b[col]["ci_low"], abs=TOL)
        assert row[f"{col}_ci_high"] == pytest.approx(b[col]["ci_high"], abs=TOL)
    assert row["d_z"] == pytest.approx(b["d_z"]["d"], abs=TOL)
    assert row["d_z_ci_low"] == pytest.approx(b["d_z"]["ci_precise"][0], abs=CI_TOL)
    assert row["d_z_ci_high"] == pytest.approx(b["d_z"]["ci_precise"][1], abs=CI_TOL)
    assert row["g_z"] == pytest.approx(b["g_z"]["g"], abs=TOL)
    j = b["g_av"]["J"]
    assert row["g_z_ci_low"] == pytest.approx(b["d_z"]["ci_precise"][0] * j, abs=CI_TOL)
    assert row["g_z_ci_high"] == pytest.approx(b["d_z"]["ci_precise"][1] * j, abs=CI_TOL)
    rb = b["rank_biserial"]
    assert row["rank_biserial"] == pytest.approx(rb["r"], abs=TOL)
    assert row["rank_biserial_ci_low"] == pytest.approx(rb["ci_low"], abs=TOL)
    assert row["rank_biserial_ci_high"] == pytest.approx(rb["ci_high"], abs=TOL)


def test_shapiro_matches_scipy_royston(result):
    """scipy.stats.shapiro implements R's shapiro.test algorithm (Royston 1995); the R value
    itself is checked in test_shapiro_r_published_example."""
    s = scores()
    wide = s[s["scale"] == "burnout"].pivot(index="participant_id", columns="timepoint", values="score")
    d = (wide["post"] - wide["pre"]).dropna().to_numpy()
    row = result[(result["scale"] == "burnout") & (result["time_to"] == "post")].iloc[0]
    sw = stats.shapiro(d)
    assert row["shapiro_w"] == sw.statistic and row["shapiro_p"] == sw.pvalue


def test_shapiro_r_published_example():
    """R shapiro.test(mtcars$wt): W = 0.94326, p-value = 0.09265 (RPubs 222982, R output);
    fed through prepost() as differences from a zero baseline."""
    wt = [2.620, 2.875, 2.320, 3.215, 3.440, 3.460, 3.570, 3.190, 3.150, 3.440, 3.440, 4.070,
          3.730, 3.780, 5.250, 5.424, 5.345, 2.200, 1.615, 1.835, 2.465, 3.520, 3.435, 3.840,
          3.845, 1.935, 2.140, 1.513, 3.170, 2.770, 3.570, 2.780]
    n = len(wt)
    df = pd.DataFrame({
        "participant_id": list(range(n)) * 2,
        "timepoint": pd.Categorical(["a"] * n + ["b"] * n, categories=["a", "b"]),
        "scale": "wt", "score": [0.0] * n + wt,
    })
    row = prepost(df).iloc[0]
    assert round(row["shapiro_w"], 5) == 0.94326
    assert round(row["shapiro_p"], 5) == 0.09265


def test_holm_over_all_six_matches_r(result):
    """R 4.2.2 p.adjust(all six t-test p, "holm") and "BH" (multiplicity.t_test_all_six)."""
    ref = expected()["multiplicity"]["t_test_all_six"]
    bh = prepost(scores(), correction="BH")
    for _, row in result.iterrows():
        key = f"{row['scale']}:{row['time_to']}"
        assert row["p_t_adj"] == pytest.approx(ref["holm"][key], rel=1e-15)
    for _, row in bh.iterrows():
        key = f"{row['scale']}:{row['time_to']}"
        assert row["p_t_adj"] == pytest.approx(ref["BH"][key], rel=1e-15)
        assert row["correction"] == "BH"


@pytest.mark.parametrize("method", ["holm", "BH"])
def test_primary_family_pre_post_only(method):
    """R 4.2.2 p.adjust on the three pre-post t-test and Wilcoxon p-values (primary family)."""
    ref = expected()["multiplicity"]
    res = prepost(scores(), contrasts=[("pre", "post")], correction=method)
    for _, row in res.iterrows():
        assert row["p_t_adj"] == pytest.approx(ref["t_test_pre_post"][method][row["scale"]], rel=1e-15)
        assert row["p_wilcoxon_adj"] == pytest.approx(
            ref["wilcoxon_pre_post"][method][row["scale"]], rel=1e-15)


def test_family_restricted_to_primary_scales():
    res = prepost(scores(), family=["resilience"])
    res_rows = res[res["scale"] == "resilience"]
    np.testing.assert_allclose(res_rows["p_t_adj"], p_adjust(res_rows["p_t"].to_numpy(), "holm"))
    others = res[res["scale"] != "resilience"]
    assert others["p_t_adj"].isna().all() and (others["correction"] == "none").all()
    assert others["note"].str.contains("not in the multiplicity family").all()
    assert (res_rows["note"] == "").all()


def test_correction_none():
    res = prepost(scores(), correction="none")
    np.testing.assert_array_equal(res["p_t_adj"], res["p_t"])
    assert set(res["correction"]) == {"none"}


SMALL = expected()["wilcoxon_small_samples_resilience_pre_post_by_cohort"]


def test_by_cohort_small_samples_match_r():
    """R 4.2.2 wilcox.test(post, pre, paired = TRUE) per cohort (n 5-12): exact only without
    ties and zeros, else the approximation with continuity correction."""
    res = prepost(scores(), by="cohort", contrasts=[("pre", "post")])
    res = res[res["scale"] == "resilience"].set_index("cohort")
    assert set(res.index) == set(SMALL)
    for cohort, block in SMALL.items():
        row = res.loc[cohort]
        assert row["n_pairs"] == block["n_pairs"]
        assert row["wilcoxon_v"] == block["default"]["V"]
        assert row["wilcoxon_method"] == block["default"]["method"]
        assert row["p_wilcoxon"] == pytest.approx(block["default"]["p"], rel=1e-12, abs=1e-15)
        assert not row["small_group"]
        # the same paired t-test as on the raw pre/post lists (R t.test is scipy's ttest_rel)
        tt = stats.ttest_rel(block["post"], block["pre"])
        assert row["t"] == pytest.approx(tt.statistic, abs=T_TOL)


def test_wilcoxon_fallback_is_never_silent_like_r():
    """R 4.2.2 ``wilcox.test(post, pre, paired = TRUE)`` warnings per cohort, measure and
    contrast (tests/reference/expected/wilcoxon_warnings.json, ``reference_data``, captured
    with ``withCallingHandlers``): each of R's warning texts is quoted in ``note`` exactly when
    R emitted it; the method and p are R's; no other Wilcoxon note (n' >= 50 overall)."""
    import json
    from pathlib import Path

    ref = json.loads((Path(__file__).parent / "reference" / "expected" /
                      "wilcoxon_warnings.json").read_text(encoding="utf-8"))["reference_data"]
    overall = prepost(scores()).set_index(["scale", "contrast"])
    res = prepost(scores(), by="cohort").set_index(["scale", "contrast", "cohort"])
    n_warned = 0
    for measure in MEASURES:
        for contrast, block in ref[measure].items():
            assert "Wilcoxon" not in overall.loc[(measure, contrast), "note"]
            for cohort, case in block["by_cohort"].items():
                row = res.loc[(measure, contrast, cohort)]
                r = case["default"]
                assert row["wilcoxon_v"] == r["V"]
                assert row["wilcoxon_method"] == r["method"]
                assert row["p_wilcoxon"] == pytest.approx(r["p"], rel=TOL, abs=1e-15)
                for text in (WARN_TIES, WARN_ZEROES):
                    assert (f'"{text}"' in row["note"]) is (text in r["warnings"])
                n_warned += bool(r["warnings"])
    assert n_warned > 30  # most small cohorts have ties or zeros


def test_by_groups_flag_small_and_never_drop():
    s = scores()
    s.loc[s["participant_id"].isin(["P001", "P002"]), "cohort"] = None
    res = prepost(s, by="cohort", min_cell_size=8)
    assert res["cohort"].isna().any()  # participants without a cohort form their own group
    row = res[res["cohort"].isna() & (res["scale"] == "resilience") & (res["time_to"] == "post")]
    assert row["small_group"].iloc[0] and row["n_pairs"].iloc[0] == 1
    assert "at least 3" in row["note"].iloc[0]
    c8 = res[(res["cohort"] == "C8") & (res["scale"] == "resilience") & (res["time_to"] == "post")]
    assert c8["small_group"].iloc[0]  # 5 pairs < 8
    assert len(res) == 13 * 3 * 2


def test_by_group_must_be_constant_per_participant():
    s = scores()
    s.loc[(s["participant_id"] == "P001") & (s["timepoint"] == "post"), "cohort"] = "C2"
    with pytest.raises(ParameterError, match=r"1 participant\(s\) have different \['cohort'\]") as exc:
        prepost(s, by="cohort")
    assert "P001" not in str(exc.value)


def test_pairs_by_id_when_rows_are_shuffled(result):
    shuffled = scores().sample(frac=1.0, random_state=3)
    shuffled["scale"] = pd.Categorical(shuffled["scale"], categories=list(MEASURES))
    res = prepost(shuffled)
    res["scale"] = res["scale"].astype(str)
    pd.testing.assert_frame_equal(res, result, check_exact=True)


def test_pairs_by_id_not_row_order():
    """Later scores listed in reverse order must still pair with their own baseline."""
    pre = pd.DataFrame({"participant_id": list("abcde"), "score": [1.0, 2.0, 3.0, 4.0, 5.0]})
    post = pd.DataFrame({"participant_id": list("edcba"), "score": [5.5, 4.4, 3.3, 2.2, 1.1]})
    df = pd.concat([pre.assign(timepoint="T1"), post.assign(timepoint="T2")], ignore_index=True)
    df["timepoint"] = pd.Categorical(df["timepoint"], categories=["T1", "T2"])
    row = prepost(df, scale=None).iloc[0]
    d = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    assert row["mean_diff"] == pytest.approx(d.mean(), abs=1e-12)
    assert row["sd_diff"] == pytest.approx(d.std(ddof=1), abs=1e-12)
    assert row["scale"] == "score"


def test_participants_missing_a_wave():
    """The reference data already lack waves (105 returned at post, 70 at follow); dropping
    more rows changes n_pairs exactly as the by-id complete-case rule says."""
    s = scores()
    drop = (s["timepoint"] == "post") & s["participant_id"].isin(["P001", "P003", "P004"])
    res = prepost(s[~drop])
    row = res[(res["scale"] == "resilience") & (res["time_to"] == "post")].iloc[0]
    ids = [i for i in expected()["paired"]["resilience"]["pre_vs_post"]["ids"]
           if i not in ("P001", "P003", "P004")]
    wide = s[s["scale"] == "resilience"].pivot(index="participant_id", columns="timepoint", values="score")
    sub = wide.loc[ids]
    assert row["n_pairs"] == len(ids) == 98
    tt = stats.ttest_rel(sub["post"], sub["pre"])
    assert row["t"] == pytest.approx(tt.statistic, abs=T_TOL)
    follow = res[(res["scale"] == "resilience") & (res["time_to"] == "follow")].iloc[0]
    assert follow["n_pairs"] == 69  # unchanged


def test_duplicates_raise_with_count_not_ids():
    s = scores()
    dup = pd.concat([s, s[(s["participant_id"] == "P007") & (s["timepoint"] == "pre")]])
    with pytest.raises(ParameterError, match=r"6 rows .* \(3 duplicated combination") as exc:
        prepost(dup)
    assert "P007" not in str(exc.value)


def test_input_not_modified():
    s = scores()
    before = s.copy()
    prepost(s, by="cohort")
    pd.testing.assert_frame_equal(s, before)


def _frame(pre, post, scale="x"):
    n = len(pre)
    return pd.DataFrame({
        "participant_id": list(range(n)) * 2,
        "timepoint": pd.Categorical(["T1"] * n + ["T2"] * n, categories=["T1", "T2", "T3"]),
        "scale": scale, "score": list(pre) + list(post),
    })


def _unexplained_nan(res: pd.DataFrame) -> pd.Series:
    numeric = res.select_dtypes("number")
    return numeric.isna().any(axis=1) & (res["note"] == "")


def test_degenerate_cases_are_explained():
    parts = [
        _frame([1.0, 2.0, 3.0, 4.0], [2.0, 3.0, 4.0, 5.0], "constant_shift"),
        _frame([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], "all_zero"),
        _frame([1.0, 2.0], [3.0, 4.0], "two_pairs"),
        _frame([np.nan] * 4, [np.nan] * 4, "blank"),
        _frame([1.0, 2.0, 3.0, 4.0], [1.5, 2.1, 3.9, 4.0], "fine"),
        _frame([2.0, 2.0, 2.0], [2.0, 2.0, 3.0], "flat_pre"),
    ]
    df = pd.concat(parts, ignore_index=True)
    df["timepoint"] = pd.Categorical(df["timepoint"], categories=["T1", "T2", "T3"])
    res = prepost(df)
    assert not _unexplained_nan(res).any()
    get = res.set_index(["scale", "time_to"])
    # T3 is a declared level with no data at all
    assert "timepoint 'T3' has no data" in get.loc[("fine", "T3"), "note"]
    assert get.loc[("fine", "T3"), "n_pairs"] == 0
    assert "every value is missing" in get.loc[("blank", "T2"), "note"]
    empty = prepost(df.iloc[:0])
    assert tuple(empty.columns) == PREPOST_COLUMNS and len(empty) == 0
    assert "only 2 complete pair" in get.loc[("two_pairs", "T2"), "note"]
    assert get.loc[("two_pairs", "T2"), "mean_diff"] == 2.0
    shift = get.loc[("constant_shift", "T2")]
    assert "no variance" in shift["note"] and np.isnan(shift["t"]) and np.isnan(shift["d_z"])
    assert shift["d_av"] == pytest.approx(1 / np.std([1, 2, 3, 4], ddof=1))
    assert shift["rank_biserial"] == 1.0 and shift["wilcoxon_v"] == 10
    zero = get.loc[("all_zero", "T2")]
    assert "every difference is zero" in zero["note"] and zero["d_av"] == 0.0
    assert np.isnan(zero["p_wilcoxon"]) and zero["wilcoxon_method"] == ""
    flat = get.loc[("flat_pre", "T2")]  # differences 0, 0, 1: R warns about the zeros
    assert not np.isnan(flat["d_av"])
    assert flat["note"] == f'Wilcoxon: "{WARN_ZEROES}" (R wilcox.test warning), so p is from the ' \
                           "normal approximation with continuity correction"
    fine = get.loc[("fine", "T2")]  # one zero difference: approximation, and the note says why
    assert fine["wilcoxon_method"] == "Wilcoxon signed rank test with continuity correction"
    assert fine["note"] == flat["note"]


def test_no_participant_at_both_timepoints():
    df = pd.DataFrame({
        "participant_id": ["a", "b", "c", "d"],
        "timepoint": pd.Categorical(["T1", "T1", "T2", "T2"], categories=["T1", "T2"]),
        "scale": "x", "score": [1.0, 2.0, 3.0, 4.0],
    })
    row = prepost(df).iloc[0]
    assert row["n_pairs"] == 0 and "no participant has scores at both" in row["note"]


def test_one_sided_alternative():
    two = prepost(scores(), contrasts=[("pre", "post")])
    greater = prepost(scores(), contrasts=[("pre", "post")], alternative="greater")
    res = two[two["scale"] == "resilience"].iloc[0]
    gr = greater[greater["scale"] == "resilience"].iloc[0]
    assert gr["p_t"] == pytest.approx(res["p_t"] / 2, rel=1e-12)
    assert gr["mean_diff_ci_high"] == np.inf and gr["d_z_ci_high"] == np.inf
    assert gr["rank_biserial_ci_high"] == 1.0
    assert gr["p_wilcoxon"] < res["p_wilcoxon"]


def test_timepoint_order_and_baseline():
    s = scores()
    s["timepoint"] = s["timepoint"].astype(str)
    with pytest.raises(ParameterError, match="not categorical"):
        prepost(s)
    res = prepost(s, baseline="pre")
    ref = prepost(scores())
    np.testing.assert_allclose(
        res.set_index(["scale", "contrast"])["t"],
        ref.set_index(["scale", "contrast"]).loc[res.set_index(["scale", "contrast"]).index, "t"])
    chained = prepost(scores(), contrasts=[("post", "follow")])
    assert list(chained["contrast"].unique()) == ["follow - post"]


def test_parameter_errors():
    s = scores()
    with pytest.raises(ParameterError, match=r"'alternative' parameter of prepost\(\) must be one of .* Got 'two_sided' instead"):
        prepost(s, alternative="two_sided")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'correction' parameter"):
        prepost(s, correction="fdr")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'confidence' parameter"):
        prepost(s, confidence=95)
    with pytest.raises(ParameterError, match="names column 'points'.*columns that exist"):
        prepost(s, dv="points")
    with pytest.raises(ParameterError, match="timepoint 'T9'"):
        prepost(s, contrasts=[("pre", "T9")])
    with pytest.raises(ParameterError, match="itself"):
        prepost(s, contrasts=[("pre", "pre")])
    with pytest.raises(ParameterError, match="'baseline' parameter"):
        prepost(s, baseline="T0")
    with pytest.raises(ParameterError, match="'family' parameter"):
        prepost(s, family=["wellbeing"])
    with pytest.raises(ParameterError, match="'min_cell_size'"):
        prepost(s, by="cohort", min_cell_size=0)
    with pytest.raises(ParameterError, match="must be a pandas DataFrame"):
        prepost(s.to_dict())  # type: ignore[arg-type]
    bad = s.copy()
    bad.loc[0, "participant_id"] = None
    with pytest.raises(ParameterError, match="1 row.* no participant id"):
        prepost(bad)


values = st.floats(-10, 10, allow_nan=False).map(lambda v: round(v, 1))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(values, values), min_size=3, max_size=25))
def test_swapping_contrast_direction_negates_t_and_d_z(pairs):
    pre = [p[0] for p in pairs]
    post = [p[1] for p in pairs]
    df = _frame(pre, post)
    fwd = prepost(df, contrasts=[("T1", "T2")]).iloc[0]
    back = prepost(df, contrasts=[("T2", "T1")]).iloc[0]
    assert back["mean_diff"] == pytest.approx(-fwd["mean_diff"], abs=1e-12)
    if np.isnan(fwd["t"]):
        assert np.isnan(back["t"]) and fwd["note"] != ""
        return
    assert back["t"] == pytest.approx(-fwd["t"], rel=1e-9, abs=1e-12)
    assert back["d_z"] == pytest.approx(-fwd["d_z"], rel=1e-9, abs=1e-12)
    assert back["p_t"] == pytest.approx(fwd["p_t"], rel=1e-9)
    assert back["rank_biserial"] == pytest.approx(-fwd["rank_biserial"], abs=1e-12)
    assert back["d_av"] == pytest.approx(-fwd["d_av"], rel=1e-9, abs=1e-12)


# --- vectorised by-group path (GitHub issue 16): identical, bit for bit, to one comparison at a
# time (tests/_prepost_loop_reference.py is the per-comparison implementation it replaced) -------

from _prepost_loop_reference import prepost_loop  # noqa: E402

from evaltool.stats import _paired  # noqa: E402
from evaltool.stats.effectsize import nct_ci  # noqa: E402
from evaltool.stats.wilcoxon import _signed_rank  # noqa: E402


def _assert_identical(kwargs: dict, data: pd.DataFrame) -> None:
    new, old = prepost(data, **kwargs), prepost_loop(data, **kwargs)
    pd.testing.assert_frame_equal(new, old, check_exact=True)


@pytest.mark.parametrize("kwargs", [
    {}, {"by": "cohort"}, {"by": "profession", "min_cell_size": 8},
    {"by": ["cohort", "profession"], "correction": "BH"},
    {"by": "cohort", "alternative": "greater", "confidence": 0.9, "family": ["resilience"]},
    {"by": "cohort", "alternative": "less", "correction": "bonferroni"},
    {"by": "cohort", "correction": "none", "contrasts": [("post", "follow"), ("pre", "post")]},
])
def test_vectorised_equals_one_comparison_at_a_time_on_the_r_reference(kwargs):
    _assert_identical(kwargs, scores())


def test_vectorised_equals_one_comparison_at_a_time_on_the_example_study():
    from evaltool.analysis.scoring import score_study
    from evaltool.examples import example_study_path
    from evaltool.study import link_study

    s = score_study(link_study(example_study_path()))
    for by in (None, "cohort", "profession"):
        _assert_identical({"by": by, "baseline": "T1", "family": ["brs", "coping_confidence"]}, s)


_score = st.one_of(st.sampled_from([1.0, 2.0, 2.5, 3.0, 4.0]), st.floats(0, 10, allow_nan=False),
                   st.just(float("nan")))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 5), _score, _score, _score), min_size=0, max_size=60),
    st.sampled_from(["two-sided", "greater", "less"]),
    st.sampled_from([0.95, 0.9, 0.8]),
    st.sampled_from(["holm", "BH", "bonferroni", "none"]),
    st.booleans(),
)
def test_vectorised_equals_one_comparison_at_a_time_on_random_groups(rows, alternative, confidence,
                                                                      correction, constant_shift):
    """Random groups of 0-60 people: empty groups, one or two pairs, all-zero and constant
    differences, ties, missing scores, two scales (one outside the family)."""
    recs = []
    for i, (g, a, b, c) in enumerate(rows):
        later = a + 1.0 if constant_shift and not np.isnan(a) else b
        for scale, (t1, t2, t3) in (("x", (a, later, c)), ("y", (a, a, b))):
            recs += [{"participant_id": f"p{i}", "timepoint": tp, "scale": scale, "score": v,
                      "cohort": f"c{g}"} for tp, v in zip(("T1", "T2", "T3"), (t1, t2, t3), strict=True)]
    data = pd.DataFrame(recs, columns=["participant_id", "timepoint", "scale", "score", "cohort"])
    data["score"] = data["score"].astype("float64")
    data["timepoint"] = pd.Categorical(data["timepoint"], categories=["T1", "T2", "T3"], ordered=True)
    for by in (None, "cohort"):
        _assert_identical({"by": by, "alternative": alternative, "confidence": confidence,
                           "correction": correction, "family": ["x"] if len(data) else None}, data)


def test_brentq_many_and_nct_limits_are_scipys_bit_for_bit():
    from scipy import optimize

    rng = np.random.default_rng(16)
    t = rng.standard_t(4, 300) * rng.choice([0.2, 1.0, 8.0], 300)
    df = rng.integers(2, 500, 300).astype(float)
    for conf, alt in ((0.95, "two-sided"), (0.9, "greater"), (0.8, "less")):
        lo, hi = _paired.nct_ci_many(t, df, conf, alt)
        ref = np.array([nct_ci(float(a), float(b), conf, alt) for a, b in zip(t, df, strict=True)])
        np.testing.assert_array_equal(lo, ref[:, 0])
        np.testing.assert_array_equal(hi, ref[:, 1])
    roots = _paired.brentq_many(lambda x, i: np.cos(x) - 0.3 * i / 300, np.zeros(300), np.full(300, 3.0))
    ref = [optimize.brentq(lambda x, k=k: np.cos(x) - 0.3 * k / 300, 0.0, 3.0, xtol=1e-13,
                           rtol=4 * np.finfo(float).eps, maxiter=500) for k in range(300)]
    np.testing.assert_array_equal(roots, ref)


def test_signed_rank_many_and_p_adjust_grouped_match_the_single_versions():
    rng = np.random.default_rng(7)
    lens = rng.integers(1, 70, 200)
    d = np.round(rng.normal(0.2, 1, lens.sum()) * 2) / 2  # ties and zeros
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    cells = np.flatnonzero([np.any(d[s:s + n] != 0) for s, n in zip(starts, lens, strict=True)])
    for alt in ("two-sided", "greater", "less"):
        many = _paired.signed_rank_many(d, lens, starts, cells, alt)
        for j, c in enumerate(cells):
            one = _signed_rank(d[starts[c]:starts[c] + lens[c]], alternative=alt)
            assert (many["v"][j], many["w_minus"][j], many["n_nonzero"][j]) == (one.statistic, one.w_minus, one.n_nonzero)
            assert many["p"][j] == one.p and bool(many["exact"][j]) == one.exact
            assert bool(many["has_ties"][j]) == one.has_ties and many["n_zero"][j] == one.n_zero
    p = rng.uniform(0, 1, 500)
    p[rng.uniform(size=500) < 0.1] = np.nan
    groups = rng.integers(0, 40, 500)
    for method in ("holm", "BH", "bonferroni", "none"):
        got = _paired.p_adjust_grouped(p, groups, method)
        for g in range(40):
            np.testing.assert_array_equal(got[groups == g], p_adjust(p[groups == g], method))


def test_by_group_cost_does_not_grow_with_the_number_of_groups():
    """4,000 participants in 1,000 cohorts: one pass, not one per cohort (the loop took ~4 s)."""
    import time

    rng = np.random.default_rng(3)
    n = 4000
    df = pd.DataFrame({"participant_id": np.repeat(np.arange(n), 2),
                       "timepoint": pd.Categorical(np.tile(["T1", "T2"], n), categories=["T1", "T2"]),
                       "scale": "x", "score": rng.normal(3, 1, 2 * n).round(1),
                       "cohort": np.repeat(np.arange(n) % 1000, 2)})
    t0 = time.perf_counter()
    res = prepost(df, by="cohort")
    assert len(res) == 1000 and time.perf_counter() - t0 < 30  # generous: shared CI machines


def test_shapiro_many_equals_scipy_shapiro():
    """The fast path (scipy's kernel on rows sorted and centred at once) against the public
    scipy.stats.shapiro, sample by sample: n = 3 to 5000, ties, different scales."""
    rng = np.random.default_rng(9)
    lens = rng.integers(3, 60, 400)
    lens[:3] = [3, 4, 5000]
    d = np.round(rng.normal(0, 1, lens.sum()) * rng.choice([1.0, 3.0, 10.0]), 1)
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    cells = np.flatnonzero([np.ptp(d[s:s + n]) > 0 for s, n in zip(starts, lens, strict=True)])
    w, p = _paired.shapiro_many(d, lens, starts, cells)
    ref = [stats.shapiro(d[starts[c]:starts[c] + lens[c]]) for c in cells]
    np.testing.assert_array_equal(w, [r.statistic for r in ref])
    np.testing.assert_array_equal(p, [r.pvalue for r in ref])
