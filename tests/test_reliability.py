"""Reliability (α, Feldt CI, ω total) and item statistics against R psych 2.2.9 and published
worked examples."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE, load_expected
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from evaltool import columns as C
from evaltool.errors import DataProblemsError, EvaltoolWarning, ParameterError
from evaltool.scoring import (
    ITEM_STATISTICS_COLUMNS,
    RELIABILITY_COLUMNS,
    feldt_ci,
    item_statistics,
    reliability,
)
from evaltool.scoring._alpha import _bounded_minres, _smc, minres_one_factor, pairwise_moments

TEST_INSTRUMENTS = Path(__file__).parent / "data" / "instruments"
BFI = TEST_INSTRUMENTS / "bfi.yaml"
TOL = 1e-9  # STATISTICS.md: alpha and item statistics


@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "data" / "bfi.csv")


@pytest.fixture(scope="module")
def pre() -> pd.DataFrame:
    long = pd.read_csv(REFERENCE / "data" / "prepost_long.csv")
    return long[long["time"] == "pre"].reset_index(drop=True)


@pytest.fixture(scope="module")
def bfi_rel(bfi: pd.DataFrame) -> pd.DataFrame:
    return reliability(bfi, BFI).set_index(C.SCALE)


@pytest.fixture(scope="module")
def bfi_items(bfi: pd.DataFrame) -> pd.DataFrame:
    return item_statistics(bfi, BFI).set_index([C.SCALE, C.ITEM])


def _bfi_scales() -> list[str]:
    return list(load_expected("bfi")["alpha"]["scales"])


# --------------------------------------------------------------------------------------
# golden: psych::alpha on psych::bfi (pairwise)
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("scale", _bfi_scales())
def test_bfi_alpha_matches_psych(bfi_rel: pd.DataFrame, scale: str) -> None:
    """raw_alpha, std.alpha and average_r of ``psych::alpha(reversed items, check.keys =
    FALSE)`` (psych 2.2.9, R 4.2.2; tests/reference/r/bfi.R, bfi.json alpha.scales) to 1e-9."""
    ref = load_expected("bfi")["alpha"]["scales"][scale]
    row = bfi_rel.loc[scale]
    assert abs(row["alpha"] - ref["raw_alpha"]) < TOL
    assert abs(row["std_alpha"] - ref["std_alpha"]) < TOL
    assert abs(row["average_r"] - ref["average_r"]) < TOL
    assert row["n_items"] == 5 and row["n"] == 2800
    assert row["n_complete"] == ref["complete_cases"]["n"]


@pytest.mark.parametrize("scale", _bfi_scales())
def test_bfi_item_statistics_match_psych(bfi_items: pd.DataFrame, scale: str) -> None:
    """Per item: n, mean, sd (psych ``item.stats``), ``r.drop`` and ``alpha.drop`` (raw_alpha,
    std.alpha, average_r) of ``psych::alpha`` (psych 2.2.9, bfi.json) to 1e-9."""
    ref = load_expected("bfi")["alpha"]["scales"][scale]
    for stat in ref["item_stats"]:
        row = bfi_items.loc[(scale, stat["item"])]
        assert row["n"] == stat["n"]
        assert abs(row["mean"] - stat["mean"]) < TOL
        assert abs(row["sd"] - stat["sd"]) < TOL
        assert abs(row["r_drop"] - stat["r_drop"]) < TOL
        assert row["reversed"] == (stat["item"] in ref["reversed_items"])
    for drop in ref["alpha_if_dropped"]:
        row = bfi_items.loc[(scale, drop["item"])]
        assert abs(row["alpha_if_dropped"] - drop["raw_alpha"]) < TOL
        assert abs(row["std_alpha_if_dropped"] - drop["std_alpha"]) < TOL
        assert abs(row["average_r_if_dropped"] - drop["average_r"]) < TOL


@pytest.mark.parametrize("scale", _bfi_scales())
def test_bfi_complete_cases_match_psych(bfi: pd.DataFrame, scale: str) -> None:
    """On complete cases only, α, std. α, r.drop and α-if-dropped equal ``psych::alpha`` of the
    listwise data (bfi.json alpha.scales.<scale>.complete_cases, psych 2.2.9) to 1e-9."""
    ref = load_expected("bfi")["alpha"]["scales"][scale]
    complete = bfi.dropna(subset=ref["items"])
    rel = reliability(complete, BFI, scales=[scale]).iloc[0]
    cc = ref["complete_cases"]
    assert rel["n"] == rel["n_complete"] == cc["n"]
    assert abs(rel["alpha"] - cc["raw_alpha_psych"]) < TOL
    assert abs(rel["std_alpha"] - cc["std_alpha_psych"]) < TOL
    items = item_statistics(complete, BFI, scales=[scale]).set_index(C.ITEM)
    for item, value in cc["r_drop_psych"].items():
        assert abs(items.loc[item, "r_drop"] - value) < TOL
    for item, value in cc["alpha_if_dropped_psych"].items():
        assert abs(items.loc[item, "alpha_if_dropped"] - value) < TOL


def test_bfi_omega_total_matches_psych(bfi: pd.DataFrame) -> None:
    """ω_t of ``psych::omega(A1 reversed, A2..A5, nfactors = 1)`` (psych 2.2.9, GPArotation
    2022.10.2; bfi.json omega_agree) to 1e-4, and the one-factor minres loadings to 1e-4."""
    ref = load_expected("bfi")["omega_agree"]
    rel = reliability(bfi, BFI, scales=["agree"]).iloc[0]
    assert abs(rel["omega_total"] - ref["omega_tot"]) < 1e-4
    assert "minres" in rel["omega_method"]
    X = bfi[["A1", "A2", "A3", "A4", "A5"]].to_numpy(dtype="float64")
    X[:, 0] = 7 - X[:, 0]
    lam, _ = minres_one_factor(pairwise_moments(X).cor)
    np.testing.assert_allclose(lam, list(ref["loadings_one_factor"].values()), rtol=0, atol=1e-4)


def test_pairwise_correlations_are_not_cov2cor(bfi: pd.DataFrame) -> None:
    """Trap 5 of tests/reference/README.md: std. α uses cov2cor(pairwise cov) (0.71303 for
    agree), not the pairwise correlation matrix (0.71266); ω uses the latter, as psych does.
    The pairwise matrices equal pandas' ``cov()``/``corr()`` (R ``use = "pairwise"``)."""
    X = bfi[["A1", "A2", "A3", "A4", "A5"]].to_numpy(dtype="float64")
    X[:, 0] = 7 - X[:, 0]
    pm = pairwise_moments(X)
    frame = pd.DataFrame(X)
    np.testing.assert_allclose(pm.cov, frame.cov().to_numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(pm.cor, frame.corr().to_numpy(), rtol=0, atol=1e-12)
    k = 5
    r_pairwise = (pm.cor.sum() - k) / (k * (k - 1))
    assert abs(k * r_pairwise / (1 + (k - 1) * r_pairwise) - 0.71266) < 1e-5


# --------------------------------------------------------------------------------------
# golden: prepost reference (pre-test items)
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("measure", ["resilience", "burnout"])
def test_prepost_alpha_pre_matches_psych(pre: pd.DataFrame, measure: str) -> None:
    """``psych::alpha`` of the pre-test resilience items (brs_2/4/6 reversed as 6 - x) and of
    the burnout items, pairwise (prepost.json alpha_pre; psych 2.2.9, R 4.2.2) to 1e-9; the
    complete-case count and the listwise α and std. α as well."""
    ref = load_expected("prepost")["alpha_pre"][measure]
    inst = TEST_INSTRUMENTS / f"prepost_{measure}.yaml"
    rel = reliability(pre, inst).iloc[0]
    assert rel["n"] == ref["n_rows"] == 120
    assert rel["n_complete"] == ref["complete_cases"]["n"]
    assert abs(rel["alpha"] - ref["raw_alpha"]) < TOL
    assert abs(rel["std_alpha"] - ref["std_alpha"]) < TOL
    assert abs(rel["average_r"] - ref["average_r"]) < TOL
    items = item_statistics(pre, inst).set_index(C.ITEM)
    for item, value in ref["r_drop"].items():
        assert abs(items.loc[item, "r_drop"] - value) < TOL
    for item, value in ref["alpha_if_dropped"].items():
        assert abs(items.loc[item, "alpha_if_dropped"] - value) < TOL
    item_ids = list(ref["r_drop"])
    listwise = reliability(pre.dropna(subset=item_ids), inst).iloc[0]
    assert abs(listwise["alpha"] - ref["complete_cases"]["raw_alpha"]) < TOL
    assert abs(listwise["std_alpha"] - ref["complete_cases"]["std_alpha"]) < TOL


# --------------------------------------------------------------------------------------
# Feldt confidence interval
# --------------------------------------------------------------------------------------
def test_feldt_ci_published_example() -> None:
    """Chris Evans' worked example (MRC CBU statswiki, "R code for computing confidence
    intervals for Cronbach's alpha", feldt1.return): α = 0.913, n = 873, k = 20, 95% →
    0.9044024 to 0.9211588 (printed to 7 decimals)."""
    lo, hi = feldt_ci(0.913, 873, 20, 0.95)
    assert abs(lo - 0.9044024) < 5e-8
    assert abs(hi - 0.9211588) < 5e-8


@pytest.mark.parametrize(("alpha", "n", "k", "level"),
                         [(0.7, 30, 5, 0.95), (0.913, 873, 20, 0.9), (0.42, 12, 3, 0.99)])
def test_feldt_ci_from_first_principles(alpha: float, n: int, k: int, level: float) -> None:
    """Feldt (1965): (1 − α)/(1 − α̂) ~ F(n − 1, (n − 1)(k − 1)). Independently of scipy's F
    quantile function, the F quantile is rebuilt from the Beta quantile (F = (d2/d1)·B/(1 − B),
    B ~ Beta(d1/2, d2/2)), and the limits are checked to have the stated coverage: at the
    lower limit the observed (1 − α̂)/(1 − α_L) sits at the F distribution's lower tail."""
    d1, d2 = n - 1, (n - 1) * (k - 1)
    g = 1 - level

    def fq(p: float) -> float:
        b = stats.beta.ppf(p, d1 / 2, d2 / 2)
        return d2 / d1 * b / (1 - b)

    lo, hi = feldt_ci(alpha, n, k, level)
    assert abs(lo - (1 - (1 - alpha) * fq(1 - g / 2))) < 1e-10
    assert abs(hi - (1 - (1 - alpha) * fq(g / 2))) < 1e-10
    # the pivot (1 - α)/(1 - α̂) at the limits sits at the g/2 and 1 - g/2 quantiles
    assert abs(stats.f.cdf((1 - lo) / (1 - alpha), d1, d2) - (1 - g / 2)) < 1e-9
    assert abs(stats.f.cdf((1 - hi) / (1 - alpha), d1, d2) - g / 2) < 1e-9


def test_feldt_ci_agrees_with_pingouin_on_complete_data(bfi: pd.DataFrame) -> None:
    """Cross-check with ``pingouin.cronbach_alpha`` (pingouin 0.7, Feldt CI rounded to 3
    decimals) on complete cases, where its n (all rows) equals evaltool's n (complete cases)."""
    import pingouin

    complete = bfi.dropna(subset=["C1", "C2", "C3", "C4", "C5"]).copy()
    rel = reliability(complete, BFI, scales=["conscientious"]).iloc[0]
    X = complete[["C1", "C2", "C3", "C4", "C5"]].copy()
    X[["C4", "C5"]] = 7 - X[["C4", "C5"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, ci = pingouin.cronbach_alpha(X)
    assert abs(rel["alpha"] - a) < 1e-12
    assert abs(rel["alpha_ci_low"] - ci[0]) <= 5e-4 + 1e-12
    assert abs(rel["alpha_ci_high"] - ci[1]) <= 5e-4 + 1e-12


def test_ci_uses_complete_cases(bfi_rel: pd.DataFrame) -> None:
    row = bfi_rel.loc["agree"]
    lo, hi = feldt_ci(row["alpha"], int(row["n_complete"]), 5, 0.95)
    assert (row["alpha_ci_low"], row["alpha_ci_high"]) == (lo, hi)
    assert lo < row["alpha"] < hi
    assert row["ci_method"].startswith("Feldt (1965)") and row["confidence"] == 0.95


# --------------------------------------------------------------------------------------
# minres
# --------------------------------------------------------------------------------------
def _random_corr(seed: int, k: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lam = rng.uniform(0.2, 0.9, k)
    X = rng.normal(size=(400, 1)) * lam + rng.normal(size=(400, k)) * np.sqrt(1 - lam**2)
    return np.corrcoef(X, rowvar=False)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(3, 12))
def test_minres_newton_equals_psych_formulation(seed: int, k: int) -> None:
    """The Newton solution in λ equals psych's own formulation (minimise the off-diagonal
    residual sum of squares over ψ ∈ [0.005, 1], L-BFGS-B; R/fa.R) solved tightly."""
    R = _random_corr(seed, k)
    lam, how = minres_one_factor(R)
    ref = _bounded_minres(R, 1 - _smc(R))
    ref = ref if ref.sum() >= 0 else -ref
    if how == "Newton":
        np.testing.assert_allclose(lam, ref, rtol=0, atol=1e-6)


def test_minres_heywood_case_solved_as_psych_poses_it() -> None:
    """When the unconstrained solution leaves psych's bounds (λ² > 0.995, a Heywood case), the
    loadings are those of psych's bounded problem (ψ ∈ [0.005, 1], R/fa.R): the same from
    SMC starting values and from ψ = 0.5, and the method says so."""
    R = np.array([[1.0, 0.98, 0.6, 0.5], [0.98, 1.0, 0.62, 0.52],
                  [0.6, 0.62, 1.0, 0.3], [0.5, 0.52, 0.3, 1.0]])
    lam, how = minres_one_factor(R)
    assert how == "L-BFGS-B, bounded (Heywood case)"
    other = _bounded_minres(R, np.full(4, 0.5))
    other = other if other.sum() >= 0 else -other
    np.testing.assert_allclose(lam, other, rtol=0, atol=1e-5)


# --------------------------------------------------------------------------------------
# behaviour
# --------------------------------------------------------------------------------------
def test_output_columns_pinned(bfi: pd.DataFrame) -> None:
    assert RELIABILITY_COLUMNS == (
        "instrument", "scale", "n_items", "n", "n_complete", "alpha", "std_alpha", "average_r",
        "alpha_ci_low", "alpha_ci_high", "confidence", "omega_total",
        "alpha_method", "ci_method", "omega_method",
    )
    assert ITEM_STATISTICS_COLUMNS == (
        "instrument", "scale", "item", "reversed", "n", "mean", "sd", "r_drop",
        "alpha_if_dropped", "std_alpha_if_dropped", "average_r_if_dropped",
    )
    assert tuple(reliability(bfi, BFI).columns) == RELIABILITY_COLUMNS
    assert tuple(item_statistics(bfi, BFI).columns) == ITEM_STATISTICS_COLUMNS
    assert len(item_statistics(bfi, BFI)) == 25


def test_negative_item_rest_correlation_warns(bfi: pd.DataFrame) -> None:
    """An un-reversed reverse-keyed item (A1 of agreeableness) is named in a warning."""
    items = ["A1", "A2", "A3", "A4", "A5"]
    with pytest.warns(EvaltoolWarning, match=r"'A1' \(scale, r_drop = -0\.\d\d\).*reverse-keyed"):
        out = item_statistics(bfi, items=items)
    assert out.set_index(C.ITEM).loc["A1", "r_drop"] < 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        item_statistics(bfi, BFI, scales=["agree"])  # keyed correctly: no warning


def test_adhoc_items_equal_instrument(bfi: pd.DataFrame, bfi_rel: pd.DataFrame) -> None:
    """items + reverse + response_range give the instrument's numbers (reverse = min + max − x)."""
    got = reliability(bfi, items={"agree": ["A1", "A2", "A3", "A4", "A5"]}, reverse=["A1"],
                      response_range=(1, 6)).iloc[0]
    want = bfi_rel.loc["agree"]
    for col in ("alpha", "std_alpha", "average_r", "alpha_ci_low", "alpha_ci_high", "omega_total"):
        assert got[col] == pytest.approx(want[col], abs=1e-12)
    assert pd.isna(got[C.INSTRUMENT]) and got[C.SCALE] == "agree"
    stats_ = item_statistics(bfi, items=["A1", "A2"], reverse=["A1"], response_range=(1, 6))
    assert stats_[C.SCALE].tolist() == ["scale", "scale"]
    assert stats_["alpha_if_dropped"].isna().all()  # α of one item is not defined


def test_parameter_errors(bfi: pd.DataFrame) -> None:
    with pytest.raises(ParameterError, match="needs an instrument or a list of items"):
        reliability(bfi)
    with pytest.raises(ParameterError, match="either an instrument or items"):
        reliability(bfi, BFI, items=["A1", "A2"])
    with pytest.raises(ParameterError, match="response_range=\\(min, max\\)"):
        reliability(bfi, items=["A1", "A2"], reverse=["A1"])
    with pytest.raises(ParameterError, match="not among the items"):
        reliability(bfi, items=["A1", "A2"], reverse=["A3"], response_range=(1, 6))
    with pytest.raises(ParameterError, match="'confidence' parameter of reliability\\(\\)"):
        reliability(bfi, BFI, confidence=95)
    with pytest.raises(ParameterError, match="has no scale"):
        item_statistics(bfi, BFI, scales=["honesty"])
    with pytest.raises(ParameterError, match="no column for"):
        reliability(bfi, items=["A1", "Z9"])
    with pytest.raises(ParameterError, match=r"cannot use \['Q3 1'\] as item or scale names"):
        reliability(bfi.rename(columns={"A1": "Q3 1"}), items=["Q3 1", "A2"])
    with pytest.raises(ParameterError, match="'invalid' parameter of item_statistics\\(\\)"):
        item_statistics(bfi, BFI, invalid="drop")  # type: ignore[arg-type]


def test_invalid_answers_are_problems(bfi: pd.DataFrame) -> None:
    dirty = bfi.copy()
    dirty.loc[3, "A2"] = 9
    with pytest.raises(DataProblemsError) as info:
        reliability(dirty, BFI, scales=["agree"])
    assert info.value.problems[[C.ROW, C.COLUMN]].values.tolist() == [[3, "A2"]]
    lenient = reliability(dirty, BFI, scales=["agree"], invalid="missing").iloc[0]
    blanked = bfi.copy()
    blanked.loc[3, "A2"] = np.nan
    assert lenient["alpha"] == reliability(blanked, BFI, scales=["agree"]).iloc[0]["alpha"]


def test_single_item_scale_gives_nan(pre: pd.DataFrame) -> None:
    row = reliability(pre, TEST_INSTRUMENTS / "prepost_confidence.yaml").iloc[0]
    assert row["n_items"] == 1 and np.isnan(row["alpha"]) and np.isnan(row["omega_total"])
    assert row["alpha_method"] == "not defined for a single item"


def test_inputs_not_mutated(bfi: pd.DataFrame) -> None:
    frame = bfi.head(300).copy()
    frame["A3"] = frame["A3"].astype("str")
    before = frame.copy(deep=True)
    reliability(frame, BFI)
    item_statistics(frame, BFI)
    pd.testing.assert_frame_equal(frame, before)


@settings(max_examples=15, deadline=None)
@given(perm=st.permutations(list(range(5))))
def test_item_order_does_not_change_alpha(bfi: pd.DataFrame, perm: list[int]) -> None:
    items = ["N1", "N2", "N3", "N4", "N5"]
    a = reliability(bfi, items=items).iloc[0]
    b = reliability(bfi, items=[items[i] for i in perm]).iloc[0]
    for col in ("alpha", "std_alpha", "average_r", "omega_total"):
        assert b[col] == pytest.approx(a[col], abs=1e-12)


def test_item_without_variance_warns_and_gives_nan() -> None:
    """An item everyone answered the same way has no correlation with anything: std. α, average
    r and ω are undefined (psych::alpha would drop the item); evaltool says so and gives NaN."""
    df = pd.DataFrame({"a": [1, 2, 3, 4, 2], "b": [2, 2, 2, 2, 2], "c": [1, 3, 2, 4, 2]})
    with pytest.warns(EvaltoolWarning, match=r"'b' \(scale\) have no variance"):
        row = reliability(df, items=["a", "b", "c"]).iloc[0]
    assert np.isfinite(row["alpha"])
    assert np.isnan(row["std_alpha"]) and np.isnan(row["omega_total"])
