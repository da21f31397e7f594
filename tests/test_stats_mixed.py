"""Longitudinal linear mixed models (evaltool.stats.mixed) against R.

Reference: ``tests/reference/expected/prepost.json`` block ``lmm`` (R 4.2.2 Patched, lme4 1.1.31,
lmerTest 3.1.3, emmeans 1.8.4.1; script ``tests/reference/r/prepost.R``), fitted to the scored
long data ``expected/prepost_scores.json`` (read through ``_prepost_reference.scores()``); model
fit statistics and the CI of d from ``expected/model_fit.json`` (``r/model_fit.R``: lme4 1.1.31,
lmerTest 3.1.3, performance 0.10.2, insight 0.19.0). Tolerances from STATISTICS.md: fixed effects
1e-5, SEs 1e-4 relative, Satterthwaite df 1e-3 relative; REML criterion, logLik, AIC, BIC 1e-6
relative; ICC and R² 1e-5.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _prepost_reference import MEASURES, expected, scores
from hypothesis import given, settings
from hypothesis import strategies as st

from evaltool.errors import EvaltoolWarning, ParameterError
from evaltool.stats.mixed import (
    ANOVA_COLUMNS,
    CHANGE_COLUMNS,
    EMMEANS_COLUMNS,
    EMMEANS_CONTRAST_COLUMNS,
    MIXED_COLUMNS,
    MODEL_FIT_COLUMNS,
    VARIANCE_COLUMNS,
    MixedFit,
    _reml,
    anova_type3,
    change_vs_baseline,
    emmeans,
    emmeans_contrasts,
    fit_mixed,
    model_fit_statistics,
    tidy_mixed,
    variance_components,
)

EST_TOL = 1e-5  # absolute, fixed effects and means
SE_RTOL = 1e-4
DF_RTOL = 1e-3
P_RTOL = 1e-3  # p follows from t and df; df is only good to DF_RTOL

LIK_RTOL = 1e-6  # REML criterion, logLik, AIC, BIC (relative)
ICC_TOL = 1e-5  # ICC and R² (absolute)
MODEL_FIT = json.loads((Path(__file__).parent / "reference" / "expected" / "model_fit.json")
                       .read_text(encoding="utf-8"))

R_TERMS = {"(Intercept)": "(Intercept)", "timepost": "timepoint[post]",
           "timefollow": "timepoint[follow]"}


def lmm(scale: str) -> dict:
    return expected()["lmm"][scale]


def one_scale(scale: str) -> pd.DataFrame:
    d = scores()
    return d[d["scale"] == scale].reset_index(drop=True)


def r_term(term: str) -> str:
    """lmerTest's coefficient name -> evaltool's (``professionmidwife:timepost`` ->
    ``profession[midwife]:timepoint[post]``)."""
    parts = []
    for part in term.split(":"):
        if part == "(Intercept)":
            parts.append(part)
        elif part.startswith("profession"):
            parts.append(f"profession[{part[len('profession'):]}]")
        else:
            parts.append(f"timepoint[{part[len('time'):]}]")
    return ":".join(parts)


def check_fixed(table: pd.DataFrame, ref: list[dict]) -> None:
    assert table["term"].tolist() == [r_term(r["term"]) for r in ref]
    for (_, row), r in zip(table.iterrows(), ref, strict=True):
        assert row["estimate"] == pytest.approx(r["estimate"], abs=EST_TOL)
        assert row["se"] == pytest.approx(r["se"], rel=SE_RTOL)
        assert row["df"] == pytest.approx(r["df"], rel=DF_RTOL)
        assert row["t"] == pytest.approx(r["t"], rel=SE_RTOL)
        assert row["p"] == pytest.approx(r["p"], rel=P_RTOL)


# --------------------------------------------------------------------------------------
# column contracts
# --------------------------------------------------------------------------------------
def test_output_columns_are_pinned():
    assert MIXED_COLUMNS == ("instrument", "scale", "model", "term", "estimate", "se", "df",
                             "t", "p", "ci_low", "ci_high", "df_method")
    assert VARIANCE_COLUMNS == ("instrument", "scale", "model", "group", "variance", "sd")
    assert ANOVA_COLUMNS == ("instrument", "scale", "model", "term", "sum_sq", "mean_sq",
                             "num_df", "den_df", "F", "p", "df_method")
    assert EMMEANS_COLUMNS == ("instrument", "scale", "model", "group", "timepoint", "emmean",
                               "se", "df", "ci_low", "ci_high", "df_method")
    assert EMMEANS_CONTRAST_COLUMNS == (
        "instrument", "scale", "model", "group", "contrast", "timepoint", "baseline",
        "estimate", "se", "df", "t", "p", "ci_low", "ci_high", "p_adjust", "df_method")
    assert CHANGE_COLUMNS == (
        "instrument", "scale", "timepoint", "baseline", "beta", "ci_low", "ci_high", "se",
        "df", "t", "p", "d", "d_ci_low", "d_ci_high", "sd_baseline", "n_baseline",
        "n_timepoint", "n_obs", "n_participants", "singular", "model", "df_method",
        "effect_size", "note")
    assert MODEL_FIT_COLUMNS == (
        "instrument", "scale", "model", "n_obs", "n_participants", "n_cohorts",
        "reml_criterion", "loglik", "loglik_df", "aic", "bic", "var_fixed", "var_random",
        "var_residual", "icc_adjusted", "icc_unadjusted", "r2_marginal", "r2_conditional",
        "singular", "method", "note")


def test_tables_have_their_columns():
    fit = fit_mixed(one_scale("resilience"), group="profession")
    assert tuple(tidy_mixed(fit).columns) == MIXED_COLUMNS
    assert tuple(variance_components(fit).columns) == VARIANCE_COLUMNS
    assert tuple(anova_type3(fit).columns) == ANOVA_COLUMNS
    assert tuple(emmeans(fit).columns) == EMMEANS_COLUMNS
    assert tuple(emmeans_contrasts(fit).columns) == EMMEANS_CONTRAST_COLUMNS
    assert tuple(change_vs_baseline(scores()).columns) == CHANGE_COLUMNS
    assert tuple(model_fit_statistics(fit).columns) == MODEL_FIT_COLUMNS


# --------------------------------------------------------------------------------------
# lmer(score ~ time + (1 | id), REML = TRUE)
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("scale", MEASURES)
def test_random_intercept_fixed_effects_match_lmerTest(scale):
    """lmerTest 3.1.3 ``summary(lmer(score ~ time + (1 | id), REML = TRUE))``: estimate, SE,
    Satterthwaite df, t, p (lmm.<scale>.random_intercept.fixed)."""
    fit = fit_mixed(one_scale(scale))
    ref = lmm(scale)
    assert fit.n_obs == ref["n_obs"]
    assert fit.n_participants == ref["n_ids"]
    assert fit.n_per_time == tuple(ref["obs_per_time"].values())
    assert fit.formula == "score ~ timepoint + (1 | participant_id)"
    table = tidy_mixed(fit)
    check_fixed(table, ref["random_intercept"]["fixed"])
    assert (table["df_method"] == "Satterthwaite").all()
    assert (table["scale"] == scale).all()


@pytest.mark.parametrize("scale", MEASURES)
def test_random_intercept_variance_components_and_reml_criterion(scale):
    """lme4 1.1.31 ``as.data.frame(VarCorr(fit))``, ``REMLcrit(fit)``, ``logLik(fit)``,
    ``isSingular(fit)`` (lmm.<scale>.random_intercept)."""
    ref = lmm(scale)["random_intercept"]
    fit = fit_mixed(one_scale(scale))
    vc = variance_components(fit)
    assert vc["group"].tolist() == ["participant_id", "Residual"]
    for (_, row), r in zip(vc.iterrows(), ref["varcorr"], strict=True):
        assert row["variance"] == pytest.approx(r["variance"], rel=1e-5)
        assert row["sd"] == pytest.approx(r["sd"], rel=1e-5)
    assert fit.reml_criterion == pytest.approx(ref["REML_criterion"], abs=1e-6)
    assert fit.loglik_reml == pytest.approx(ref["logLik_REML"], abs=1e-6)
    assert fit.singular is ref["singular"] is False
    assert fit.converged and fit.messages == ()


@pytest.mark.parametrize("scale", MEASURES)
def test_random_intercept_agrees_with_nlme(scale):
    """nlme 3.1.162 ``lme(score ~ time, random = ~1 | id, method = 'REML')`` estimates and SEs
    (lmm.<scale>.random_intercept.nlme_crosscheck); its df are containment df, not ours."""
    ref = lmm(scale)["random_intercept"]["nlme_crosscheck"]
    table = tidy_mixed(fit_mixed(one_scale(scale)))
    np.testing.assert_allclose(table["estimate"], ref["estimate"], atol=EST_TOL)
    np.testing.assert_allclose(table["se"], ref["se"], rtol=SE_RTOL)


@pytest.mark.parametrize("scale", MEASURES)
def test_confidence_intervals_are_t_based(scale):
    """CI = estimate ± qt(.975, df) × se, as lmerTest's ``waldCI``; checked against emmeans'
    lower.CL/upper.CL of the baseline mean, which is the intercept."""
    table = tidy_mixed(fit_mixed(one_scale(scale)))
    ref = lmm(scale)["random_intercept"]["emmeans"]["means"][0]
    assert table.loc[0, "ci_low"] == pytest.approx(ref["lower"], abs=EST_TOL)
    assert table.loc[0, "ci_high"] == pytest.approx(ref["upper"], abs=EST_TOL)


@pytest.mark.parametrize("scale", MEASURES)
def test_emmeans_means_and_contrasts_match_R(scale):
    """emmeans 1.8.4.1 ``emmeans(fit, ~ time, lmer.df = "satterthwaite")`` and
    ``contrast(emm, list("post - pre" = ..., "follow - pre" = ...), adjust = "none")``
    (lmm.<scale>.random_intercept.emmeans)."""
    ref = lmm(scale)["random_intercept"]["emmeans"]
    fit = fit_mixed(one_scale(scale))
    means = emmeans(fit)
    assert means["timepoint"].tolist() == [r["time"] for r in ref["means"]]
    for (_, row), r in zip(means.iterrows(), ref["means"], strict=True):
        assert row["emmean"] == pytest.approx(r["emmean"], abs=EST_TOL)
        assert row["se"] == pytest.approx(r["se"], rel=SE_RTOL)
        assert row["df"] == pytest.approx(r["df"], rel=DF_RTOL)
        assert row["ci_low"] == pytest.approx(r["lower"], abs=EST_TOL)
        assert row["ci_high"] == pytest.approx(r["upper"], abs=EST_TOL)
    con = emmeans_contrasts(fit)
    assert con["contrast"].tolist() == [r["contrast"] for r in ref["contrasts"]]
    for (_, row), r in zip(con.iterrows(), ref["contrasts"], strict=True):
        assert row["estimate"] == pytest.approx(r["estimate"], abs=EST_TOL)
        assert row["se"] == pytest.approx(r["se"], rel=SE_RTOL)
        assert row["df"] == pytest.approx(r["df"], rel=DF_RTOL)
        assert row["t"] == pytest.approx(r["t"], rel=SE_RTOL)
        assert row["p"] == pytest.approx(r["p"], rel=P_RTOL)
    assert (con["p_adjust"] == "none").all()


# --------------------------------------------------------------------------------------
# + (1 | cohort)
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("scale", MEASURES)
def test_cohort_random_intercept_matches_lmerTest(scale):
    """lmerTest 3.1.3 ``lmer(score ~ time + (1 | id) + (1 | cohort), REML = TRUE)``
    (lmm.<scale>.id_and_cohort): fixed effects with Satterthwaite df, VarCorr, REML
    criterion and ``isSingular`` — singular (cohort variance 0) for confidence and burnout,
    regular for resilience."""
    ref = lmm(scale)["id_and_cohort"]
    fit = fit_mixed(one_scale(scale), cohort="cohort")
    check_fixed(tidy_mixed(fit), ref["fixed"])
    assert fit.reml_criterion == pytest.approx(ref["REML_criterion"], abs=1e-6)
    vc = variance_components(fit)
    assert vc["group"].tolist() == ["participant_id", "cohort", "Residual"]
    for (_, row), r in zip(vc.iterrows(), ref["varcorr"], strict=True):
        if r["variance"] == 0:
            assert row["variance"] == 0.0
        else:
            assert row["variance"] == pytest.approx(r["variance"], rel=1e-4)
    assert fit.singular is ref["singular"]
    if ref["singular"]:
        assert any("singular" in m and "'cohort'" in m for m in fit.messages)
        assert fit.theta[1] == 0.0
    else:
        assert fit.messages == ()


def test_singular_cohort_fit_is_reported_in_change_table():
    rows = change_vs_baseline(scores(), cohort="cohort")
    conf = rows[rows["scale"] == "confidence"]
    assert conf["singular"].all()
    assert conf["note"].str.contains("boundary (singular) fit", regex=False).all()
    res = rows[rows["scale"] == "resilience"]
    assert not res["singular"].any() and res["note"].isna().all()


# --------------------------------------------------------------------------------------
# profession * time: type III ANOVA
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("scale", MEASURES)
def test_profession_by_time_fixed_effects_match_lmerTest(scale):
    """lmerTest 3.1.3 ``summary(lmer(score ~ profession * time + (1 | id)))``, 15 coefficients
    (lmm.<scale>.profession_by_time.fixed)."""
    ref = lmm(scale)["profession_by_time"]
    fit = fit_mixed(one_scale(scale), group="profession")
    assert fit.group_levels[0] == "doctor"
    check_fixed(tidy_mixed(fit), ref["fixed"])
    assert not fit.singular


@pytest.mark.parametrize("scale", MEASURES)
def test_type3_anova_matches_lmerTest(scale):
    """lmerTest 3.1.3 ``anova(fit, type = "III", ddf = "Satterthwaite")``: Sum Sq, Mean Sq,
    NumDF, DenDF, F, p (lmm.<scale>.profession_by_time.anova_type3)."""
    ref = lmm(scale)["profession_by_time"]["anova_type3"]
    table = anova_type3(fit_mixed(one_scale(scale), group="profession"))
    assert table["term"].tolist() == ["profession", "timepoint", "profession:timepoint"]
    for (_, row), r in zip(table.iterrows(), ref, strict=True):
        assert row["num_df"] == r["num_df"]
        assert row["den_df"] == pytest.approx(r["den_df"], rel=DF_RTOL)
        assert row["F"] == pytest.approx(r["F"], rel=1e-5)
        assert row["sum_sq"] == pytest.approx(r["sum_sq"], rel=1e-5)
        assert row["mean_sq"] == pytest.approx(r["mean_sq"], rel=1e-5)
        assert row["p"] == pytest.approx(r["p"], rel=P_RTOL)
    assert (table["df_method"] == "Satterthwaite").all()


def test_type3_anova_does_not_depend_on_the_reference_levels():
    """lmerTest's type III tests do not depend on the coding (R refit with contr.sum gives the
    same table: lmm.resilience.profession_by_time.anova_type3_sum_contrasts); here: another
    reference profession and another baseline give the same F, DenDF and p."""
    ref = lmm("resilience")["profession_by_time"]["anova_type3_sum_contrasts"]
    d = one_scale("resilience")
    d["profession"] = pd.Categorical(d["profession"],
                                     categories=sorted(d["profession"].unique())[::-1])
    table = anova_type3(fit_mixed(d, group="profession", baseline="follow"))
    for (_, row), r in zip(table.iterrows(), ref, strict=True):
        assert row["F"] == pytest.approx(r["F"], rel=1e-5)
        assert row["den_df"] == pytest.approx(r["den_df"], rel=DF_RTOL)
        assert row["p"] == pytest.approx(r["p"], rel=P_RTOL)


def test_emmeans_by_group_and_averaged():
    """Group × time means are the model-matrix combinations of the coefficients (lmerTest's
    intercept is the reference group's baseline mean); ``emmeans(fit, ~ time)`` averages the
    groups with equal weights."""
    fit = fit_mixed(one_scale("resilience"), group="profession")
    ref = {r["term"]: r for r in lmm("resilience")["profession_by_time"]["fixed"]}
    cells = emmeans(fit, by_group=True)
    assert len(cells) == 15
    doc_pre = cells[(cells["group"] == "doctor") & (cells["timepoint"] == "pre")].iloc[0]
    assert doc_pre["emmean"] == pytest.approx(ref["(Intercept)"]["estimate"], abs=EST_TOL)
    assert doc_pre["se"] == pytest.approx(ref["(Intercept)"]["se"], rel=SE_RTOL)
    assert doc_pre["df"] == pytest.approx(ref["(Intercept)"]["df"], rel=DF_RTOL)
    mid_post = cells[(cells["group"] == "midwife") & (cells["timepoint"] == "post")].iloc[0]
    expect = sum(ref[t]["estimate"] for t in ("(Intercept)", "professionmidwife", "timepost",
                                               "professionmidwife:timepost"))
    assert mid_post["emmean"] == pytest.approx(expect, abs=EST_TOL)
    avg = emmeans(fit)
    by_time = cells.groupby("timepoint", observed=True, sort=False)["emmean"].mean()
    np.testing.assert_allclose(avg["emmean"], by_time.to_numpy(), atol=1e-12)
    con = emmeans_contrasts(fit, by_group=True)
    doc = con[con["group"] == "doctor"]
    assert doc["estimate"].tolist() == pytest.approx(
        [ref["timepost"]["estimate"], ref["timefollow"]["estimate"]], abs=EST_TOL)
    assert doc["df"].tolist() == pytest.approx(
        [ref["timepost"]["df"], ref["timefollow"]["df"]], rel=DF_RTOL)


# --------------------------------------------------------------------------------------
# change vs baseline (the published study's table)
# --------------------------------------------------------------------------------------
def test_change_vs_baseline_matches_R():
    """beta/se/df/p = lmerTest's time coefficients; d = beta / SD of all available baseline
    scores, SD = R ``sd()`` of the pre scores (prepost.json descriptives.<scale>.pre)."""
    table = change_vs_baseline(scores())
    assert table["scale"].tolist() == [m for m in MEASURES for _ in range(2)]
    assert table["timepoint"].tolist() == ["post", "follow"] * 3
    assert (table["baseline"] == "pre").all()
    for scale in MEASURES:
        rows = table[table["scale"] == scale].reset_index(drop=True)
        fixed = lmm(scale)["random_intercept"]["fixed"][1:]
        desc = expected()["descriptives"][scale]
        for i, r in enumerate(fixed):
            row = rows.loc[i]
            assert row["beta"] == pytest.approx(r["estimate"], abs=EST_TOL)
            assert row["se"] == pytest.approx(r["se"], rel=SE_RTOL)
            assert row["df"] == pytest.approx(r["df"], rel=DF_RTOL)
            assert row["p"] == pytest.approx(r["p"], rel=P_RTOL)
            assert row["sd_baseline"] == pytest.approx(desc["pre"]["sd"], rel=1e-12)
            assert row["d"] == pytest.approx(r["estimate"] / desc["pre"]["sd"], rel=1e-5)
            assert row["n_timepoint"] == desc[row["timepoint"]]["n"]
        assert (rows["n_baseline"] == desc["pre"]["n"]).all()
        assert (rows["n_obs"] == lmm(scale)["n_obs"]).all()
        assert (rows["n_participants"] == 120).all()
    assert not table["singular"].any()
    assert table["note"].isna().all()
    assert table["effect_size"].str.contains("all available baseline scores").all()


def test_change_vs_baseline_from_fits_equals_from_scores():
    fits = [fit_mixed(one_scale(s)) for s in MEASURES]
    a = change_vs_baseline(fits)
    b = change_vs_baseline(scores())
    pd.testing.assert_frame_equal(a, b)
    one = change_vs_baseline(fits[0])
    pd.testing.assert_frame_equal(one, b.iloc[:2])
    by_scale = change_vs_baseline(dict(zip(MEASURES, fits, strict=True)))
    pd.testing.assert_frame_equal(by_scale, b)
    for conf in (0.9, 0.99):
        pd.testing.assert_frame_equal(change_vs_baseline(fits, confidence=conf),
                                      change_vs_baseline(scores(), confidence=conf))


# The two models of model_fit.json with a change_vs_baseline block, and how to fit them here.
CHANGE_MODELS = {"random_intercept": None, "id_and_cohort": "cohort"}


@pytest.mark.parametrize("scale", MEASURES)
@pytest.mark.parametrize("model", sorted(CHANGE_MODELS))
@pytest.mark.parametrize("confidence", [0.95, 0.90])
def test_d_and_its_ci_match_R(scale, model, confidence):
    """lmerTest 3.1.3 ``contest1D(fit, L, confint = TRUE, level = confidence)`` for each time
    coefficient, divided by R ``sd()`` of the baseline scores: d = beta / SD_baseline and
    CI of d = CI of beta / SD_baseline (model_fit.json ``<scale>.<model>.change_vs_baseline``,
    R 4.2.2); a level of 0.90 gives 90% intervals."""
    ref = MODEL_FIT["models"][scale][model]["change_vs_baseline"]
    fit = fit_mixed(one_scale(scale), cohort=CHANGE_MODELS[model])
    rows = change_vs_baseline(fit, confidence=confidence)
    assert rows["sd_baseline"].iloc[0] == pytest.approx(ref["sd_baseline"], rel=1e-12)
    assert (rows["n_baseline"] == ref["n_baseline"]).all()
    for (_, row), term in zip(rows.iterrows(), ["timepost", "timefollow"], strict=True):
        r = ref["terms"][term][f"{confidence:.2f}"]
        assert r["confidence"] == confidence
        assert row["beta"] == pytest.approx(r["beta"], abs=EST_TOL)
        assert row["se"] == pytest.approx(r["se"], rel=SE_RTOL)
        assert row["df"] == pytest.approx(r["df"], rel=DF_RTOL)
        assert row["ci_low"] == pytest.approx(r["beta_ci_low"], abs=EST_TOL)
        assert row["ci_high"] == pytest.approx(r["beta_ci_high"], abs=EST_TOL)
        assert row["d"] == pytest.approx(r["d"], abs=EST_TOL)
        assert row["d_ci_low"] == pytest.approx(r["d_ci_low"], abs=EST_TOL)
        assert row["d_ci_high"] == pytest.approx(r["d_ci_high"], abs=EST_TOL)
        np.testing.assert_allclose([row["d_ci_low"], row["d_ci_high"]],
                                   np.array([row["ci_low"], row["ci_high"]]) / row["sd_baseline"],
                                   rtol=1e-15)
    fixed = tidy_mixed(fit, confidence=confidence).iloc[1:]
    np.testing.assert_allclose(fixed[["ci_low", "ci_high"]], rows[["ci_low", "ci_high"]],
                               rtol=1e-15)


# --------------------------------------------------------------------------------------
# model fit statistics: REML criterion, logLik, AIC, BIC, ICC, Nakagawa R²
# --------------------------------------------------------------------------------------
FIT_MODELS = {"random_intercept": {}, "id_and_cohort": {"cohort": "cohort"},
              "profession_by_time": {"group": "profession"}}


def _same(value: float, ref: float | None, tol: float) -> bool:
    if ref is None:
        return bool(np.isnan(value))
    return value == pytest.approx(ref, abs=tol)


@pytest.mark.parametrize("scale", MEASURES)
@pytest.mark.parametrize("model", sorted(FIT_MODELS))
def test_model_fit_statistics_match_R(scale, model):
    """lme4 1.1.31 ``REMLcrit(fit)``, ``logLik(fit)`` (REML, with its df), ``AIC(fit)``,
    ``BIC(fit)``, ``nobs``, ``ngrps``, ``isSingular``; performance 0.10.2 ``icc(fit)``
    (adjusted, unadjusted) and ``r2_nakagawa(fit)`` (marginal, conditional); insight 0.19.0
    ``get_variance(fit)`` — R 4.2.2, model_fit.json ``<scale>.<model>``. For the singular
    cohort fits performance returns NA for both ICCs and the conditional R² (and a marginal R²
    without the random variances) with a warning: the same here, with the reason in note."""
    ref = MODEL_FIT["models"][scale][model]
    fit = fit_mixed(one_scale(scale), **FIT_MODELS[model])
    row = model_fit_statistics(fit).iloc[0]
    assert row["scale"] == scale and row["model"] == fit.formula
    assert row["n_obs"] == ref["n_obs"] == ref["logLik_nobs"]
    assert row["n_participants"] == ref["n_groups"]["id"]
    if model == "id_and_cohort":
        assert row["n_cohorts"] == ref["n_groups"]["cohort"]
    else:
        assert pd.isna(row["n_cohorts"])
    assert row["loglik_df"] == ref["logLik_df"]
    for col, key in (("reml_criterion", "REMLcrit"), ("loglik", "logLik"), ("aic", "AIC"),
                     ("bic", "BIC")):
        assert row[col] == pytest.approx(ref[key], rel=LIK_RTOL), col
    assert row["loglik"] == -row["reml_criterion"] / 2
    for col, key in (("icc_adjusted", "adjusted"), ("icc_unadjusted", "unadjusted")):
        assert _same(row[col], ref["icc"][key], ICC_TOL), col
    for col, key in (("r2_marginal", "marginal"), ("r2_conditional", "conditional")):
        assert _same(row[col], ref["r2_nakagawa"][key], ICC_TOL), col
    gv = ref["get_variance"]
    assert row["var_fixed"] == pytest.approx(gv["var_fixed"], rel=1e-5)
    assert row["var_residual"] == pytest.approx(gv["var_residual"], rel=1e-4)
    assert _same(row["var_random"], gv["var_random"], 1e-5 * (gv["var_random"] or 1))
    assert bool(row["singular"]) is ref["isSingular"]
    r_warning = "Can't compute random effect variances. Some variance components equal zero."
    warned = [w for w in ref["icc"]["warnings"] if w.startswith(r_warning)]
    assert bool(warned) is (ref["icc"]["adjusted"] is None)
    if warned:
        assert row["note"].startswith("singular fit") and r_warning in row["note"]
    else:
        assert row["note"] is None
    assert "REML" in row["method"] and "Nakagawa" in row["method"]


def test_model_fit_statistics_takes_fits_in_every_form():
    fits = {s: fit_mixed(one_scale(s)) for s in MEASURES}
    table = model_fit_statistics(fits)
    assert table["scale"].tolist() == list(MEASURES)
    pd.testing.assert_frame_equal(model_fit_statistics(list(fits.values())), table)
    pd.testing.assert_frame_equal(model_fit_statistics(fits["burnout"]), table.iloc[2:].reset_index(drop=True))
    assert str(table["n_obs"].dtype) == "Int64" and str(table["singular"].dtype) == "boolean"
    with pytest.raises(ParameterError, match="'fits' parameter of model_fit_statistics"):
        model_fit_statistics(scores())  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="must be a MixedFit"):
        model_fit_statistics([fits["burnout"], "resilience"])  # type: ignore[list-item]


def test_variance_of_fixed_predictions_by_hand():
    """var_fixed = var(X beta), the sample variance of the fixed-effect predictions over the
    observations (insight's definition), with X built by hand for a group x time model."""
    d = one_scale("burnout").dropna(subset=["score"])
    fit = fit_mixed(d, group="profession")
    g = pd.get_dummies(pd.Categorical(d["profession"], categories=fit.group_levels),
                       drop_first=True, dtype=float).to_numpy()
    t = pd.get_dummies(d["timepoint"], drop_first=True, dtype=float).to_numpy()
    inter = np.column_stack([t[:, j] * g[:, i] for j in range(t.shape[1]) for i in range(g.shape[1])])
    X = np.column_stack([np.ones(len(d)), g, t, inter])
    row = model_fit_statistics(fit).iloc[0]
    assert row["var_fixed"] == pytest.approx(np.var(X @ fit.beta, ddof=1), rel=1e-12)


# --------------------------------------------------------------------------------------
# numerics
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("scale", MEASURES)
def test_numerical_satterthwaite_path_agrees_with_analytic(scale):
    """The Richardson-extrapolated Hessian/Jacobian (used with a cohort intercept, like
    lmerTest's numDeriv) reproduces the analytic one-intercept derivatives."""
    fit = fit_mixed(one_scale(scale))
    d = one_scale(scale).dropna(subset=["score"])
    t = d["timepoint"].cat.codes.to_numpy()
    X = np.column_stack([np.ones(len(d)), t == 1, t == 2]).astype(float)
    y = d["score"].to_numpy() - d["score"].mean()
    subj, _ = pd.factorize(d["participant_id"])
    st_ = _reml.sums(X, y, subj, subj.max() + 1)
    a = _reml.satterthwaite(st_, fit.theta, fit.sigma, analytic=True)
    b = _reml.satterthwaite(st_, fit.theta, fit.sigma, analytic=False)
    np.testing.assert_allclose(b.hessian, a.hessian, rtol=1e-7)
    for ja, jb in zip(a.jac, b.jac, strict=True):
        np.testing.assert_allclose(jb, ja, rtol=1e-7, atol=1e-12)


def test_boundary_fit_equals_ordinary_least_squares():
    """Hand-worked: when within-person scores are negatively correlated the REML estimate of
    the participant variance is 0 (boundary, lme4 ``isSingular``); the model is then OLS, so
    estimates and SEs are those of ``lm`` and Satterthwaite's df are N - p."""
    rng = np.random.default_rng(7)
    n = 40
    a = rng.normal(size=n)
    d = pd.DataFrame({
        "participant_id": np.repeat(np.arange(n), 2),
        "timepoint": pd.Categorical(np.tile(["T1", "T2"], n), categories=["T1", "T2"]),
        "score": np.column_stack([a, 0.5 - a + 0.1 * rng.normal(size=n)]).ravel(),
    })
    fit = fit_mixed(d)
    assert fit.singular and fit.theta[0] == 0.0
    assert any("singular" in m for m in fit.messages)
    X = np.column_stack([np.ones(2 * n), np.tile([0.0, 1.0], n)])
    y = d["score"].to_numpy()
    beta, rss, *_ = np.linalg.lstsq(X, y, rcond=None)
    se = np.sqrt(np.diag(rss[0] / (2 * n - 2) * np.linalg.inv(X.T @ X)))
    table = tidy_mixed(fit)
    np.testing.assert_allclose(table["estimate"], beta, atol=1e-10)
    np.testing.assert_allclose(table["se"], se, rtol=1e-10)
    np.testing.assert_allclose(table["df"], 2 * n - 2, rtol=1e-8)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), shift=st.floats(-50, 50), scale=st.floats(0.1, 20))
def test_invariances(seed, shift, scale):
    """Row order does not matter; shifting the scores moves only the intercept; rescaling
    them rescales estimates and SEs and leaves df unchanged."""
    d = one_scale("resilience")
    base = tidy_mixed(fit_mixed(d))
    shuffled = d.sample(frac=1.0, random_state=np.random.RandomState(seed % 2**31))
    np.testing.assert_allclose(tidy_mixed(fit_mixed(shuffled))[["estimate", "se", "df"]],
                               base[["estimate", "se", "df"]], rtol=1e-6)
    moved = d.assign(score=d["score"] * scale + shift)
    t = tidy_mixed(fit_mixed(moved))
    expect = base["estimate"].to_numpy() * scale
    expect[0] += shift
    np.testing.assert_allclose(t["estimate"], expect, rtol=1e-6, atol=1e-6 * scale)
    np.testing.assert_allclose(t["se"], base["se"] * scale, rtol=1e-6)
    np.testing.assert_allclose(t["df"], base["df"], rtol=1e-5)


def test_input_is_not_modified():
    d = scores()
    before = d.copy()
    change_vs_baseline(d, cohort="cohort")
    fit = fit_mixed(d[d["scale"] == "burnout"], group="profession")
    anova_type3(fit)
    emmeans(fit, by_group=True)
    pd.testing.assert_frame_equal(d, before)


def test_fit_repr_and_identity():
    fit = fit_mixed(one_scale("burnout"))
    assert isinstance(fit, MixedFit)
    assert "burnout" in repr(fit) and "REML criterion" in repr(fit)
    assert fit.baseline == "pre"
    assert fit.sd_baseline == pytest.approx(expected()["descriptives"]["burnout"]["pre"]["sd"])


# --------------------------------------------------------------------------------------
# degenerate input
# --------------------------------------------------------------------------------------
def test_timepoint_without_data_gets_a_row_that_says_why():
    d = one_scale("resilience")
    d["timepoint"] = d["timepoint"].cat.add_categories(["T4"])
    d.loc[d["timepoint"] == "post", "score"] = np.nan  # scale not asked at post
    fit = fit_mixed(d)
    assert fit.time_levels == ("pre", "follow")
    assert fit.empty_time_levels == ("post", "T4")
    assert any("no scores at timepoint" in m for m in fit.messages)
    rows = change_vs_baseline(fit)
    assert rows["timepoint"].tolist() == ["post", "follow", "T4"]
    empty = rows[rows["timepoint"] != "follow"]
    assert empty["beta"].isna().all() and empty["p"].isna().all()
    assert (empty["note"] == "no scores at this timepoint").all()
    assert (empty["n_timepoint"] == 0).all()
    follow = rows[rows["timepoint"] == "follow"].iloc[0]
    assert np.isfinite(follow["beta"]) and pd.isna(follow["note"])


def test_no_baseline_scores_is_a_clear_error():
    d = one_scale("resilience")
    d.loc[d["timepoint"] == "pre", "score"] = np.nan
    with pytest.raises(ParameterError, match="no scores at the baseline timepoint 'pre'"):
        fit_mixed(d)
    fit = fit_mixed(d, baseline="post")
    assert fit.time_levels == ("post", "follow")


def test_one_observation_per_person_is_a_clear_error():
    d = one_scale("confidence")
    d = d.drop_duplicates("participant_id")
    d["timepoint"] = pd.Categorical(np.where(np.arange(len(d)) % 2, "post", "pre"),
                                    categories=["pre", "post", "follow"])
    with pytest.raises(ParameterError, match="every participant has only one score"):
        fit_mixed(d)


def test_scores_without_variance_are_a_clear_error():
    d = one_scale("confidence").assign(score=4.0)
    with pytest.raises(ParameterError, match="do not vary"):
        fit_mixed(d)


def test_scores_without_within_person_variance_are_a_clear_error():
    d = one_scale("confidence").dropna(subset=["score"])
    person = d.groupby("participant_id")["score"].transform("first")
    with pytest.raises(ParameterError, match="residual variance is estimated as zero"):
        fit_mixed(d.assign(score=person))


def test_a_scale_that_cannot_be_fitted_gets_rows_and_a_warning():
    d = scores()
    d.loc[d["scale"] == "confidence", "score"] = 5.0
    with pytest.warns(EvaltoolWarning, match="confidence could not be fitted"):
        table = change_vs_baseline(d)
    conf = table[table["scale"] == "confidence"]
    assert conf["timepoint"].tolist() == ["post", "follow"]
    assert conf["beta"].isna().all()
    assert conf["note"].str.contains("do not vary").all()
    assert table[table["scale"] == "resilience"]["beta"].notna().all()


def test_missing_scores_are_dropped_per_observation():
    d = one_scale("confidence")
    fit = fit_mixed(d)
    assert fit.n_missing == int(d["score"].isna().sum()) == 26
    assert fit.n_obs == len(d) - 26


# --------------------------------------------------------------------------------------
# parameter errors
# --------------------------------------------------------------------------------------
def test_missing_column_lists_the_columns_that_exist():
    with pytest.raises(ParameterError, match="'cohort' parameter of fit_mixed.*names column "
                                             "'wave_group'.*participant_id"):
        fit_mixed(one_scale("resilience"), cohort="wave_group")


def test_more_than_one_scale_is_refused():
    with pytest.raises(ParameterError, match="one scale at a time"):
        fit_mixed(scores())


def test_unknown_baseline_and_bad_confidence():
    with pytest.raises(ParameterError, match="'baseline' parameter .* must be one of"):
        fit_mixed(one_scale("resilience"), baseline="T9")
    fit = fit_mixed(one_scale("resilience"))
    with pytest.raises(ParameterError, match="'confidence' parameter of tidy_mixed"):
        tidy_mixed(fit, confidence=95)
    with pytest.raises(ParameterError, match="must be a MixedFit"):
        tidy_mixed(one_scale("resilience"))


def test_non_categorical_timepoint_needs_a_baseline():
    d = one_scale("resilience")
    d["timepoint"] = d["timepoint"].astype(str)
    with pytest.raises(ParameterError, match="not categorical"):
        fit_mixed(d)
    assert fit_mixed(d, baseline="pre").time_levels[0] == "pre"


def test_group_model_is_refused_by_change_vs_baseline_and_by_group_needs_group():
    fit = fit_mixed(one_scale("resilience"), group="profession")
    with pytest.raises(ParameterError, match="without group"):
        change_vs_baseline(fit)
    with pytest.raises(ParameterError, match="by_group=True"):
        emmeans(fit_mixed(one_scale("resilience")), by_group=True)


def test_duplicates_and_cohort_changes_are_refused_without_showing_ids():
    d = one_scale("resilience")
    dup = pd.concat([d, d.iloc[:3]])
    with pytest.raises(ParameterError, match="3 participant x timepoint") as err:
        fit_mixed(dup)
    assert "P00" not in str(err.value)
    moved = d.copy()
    moved.loc[(moved["participant_id"] == "P001") & (moved["timepoint"] == "post"),
              "cohort"] = "C2"
    with pytest.raises(ParameterError, match="more than one 'cohort'") as err:
        fit_mixed(moved, cohort="cohort")
    assert "P001" not in str(err.value)


def test_empty_group_by_time_cell_is_refused():
    d = one_scale("resilience")
    d = d[~((d["profession"] == "sonographer") & (d["timepoint"] == "follow"))]
    with pytest.raises(ParameterError, match="sonographer at follow"):
        fit_mixed(d, group="profession")
