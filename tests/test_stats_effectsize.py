"""Paired effect sizes against R 4.2.2 / effectsize 0.8.3 (tests/reference/expected/prepost.json).

* d_z, g_z: ``effectsize::cohens_d(post, pre, paired = TRUE)`` / ``hedges_g(...)``; the CI is
  checked against ``ci_precise`` (``uniroot(tol = 1e-13)`` on ``pt(t, n - 1, ncp)``, R 4.2.2)
  because effectsize's own ``optim`` limits are only good to ~1e-6 (and worse for g_z).
* d_av, g_av, J: by hand in R 4.2.2 (Cumming 2012; Lakens 2013; exact Hedges J).
* rank-biserial: ``effectsize::rank_biserial(post - pre)``.
"""

from __future__ import annotations

import numpy as np
import pytest
from _prepost_reference import MEASURES, expected, scores
from hypothesis import given, settings
from hypothesis import strategies as st

from evaltool.errors import ParameterError
from evaltool.stats import (
    cohens_d_av,
    cohens_d_z,
    hedges_g_av,
    hedges_g_z,
    hedges_j,
    nct_ci,
    rank_biserial,
)

TOL = 1e-12
CI_TOL = 5e-12  # scipy's noncentral t vs R's pt, both solved to 1e-13 (reference README)
CASES = [(m, t) for m in MEASURES for t in ("post", "follow")]


def _pairs(measure: str, later: str) -> tuple[np.ndarray, np.ndarray, dict]:
    block = expected()["paired"][measure][f"pre_vs_{later}"]
    wide = scores().query("scale == @measure").pivot(
        index="participant_id", columns="timepoint", values="score")
    ok = wide[["pre", later]].dropna()
    assert list(ok.index) == block["ids"]
    return ok[later].to_numpy(), ok["pre"].to_numpy(), block


@pytest.mark.parametrize(("measure", "later"), CASES)
def test_d_z_and_noncentral_t_interval(measure, later):
    """effectsize 0.8.3 cohens_d(post, pre, paired = TRUE); CI vs ci_precise (R uniroot)."""
    x, y, block = _pairs(measure, later)
    es = cohens_d_z(x, y)
    ref = block["d_z"]
    assert es.estimate == pytest.approx(ref["d"], abs=TOL)
    assert es.ci_low == pytest.approx(ref["ci_precise"][0], abs=CI_TOL)
    assert es.ci_high == pytest.approx(ref["ci_precise"][1], abs=CI_TOL)
    # effectsize's own (optim) limits are within ~1e-6 of the precise ones
    assert es.ci_low == pytest.approx(ref["ci_low"], abs=2e-6)
    assert es.n == block["n_pairs"] and es.note == ""


@pytest.mark.parametrize(("measure", "later"), CASES)
def test_g_z(measure, later):
    """effectsize 0.8.3 hedges_g(post, pre, paired = TRUE) = d_z * J(n - 1), limits * J."""
    x, y, block = _pairs(measure, later)
    es = hedges_g_z(x, y)
    j = block["g_av"]["J"]
    assert es.estimate == pytest.approx(block["g_z"]["g"], abs=TOL)
    assert es.ci_low == pytest.approx(block["d_z"]["ci_precise"][0] * j, abs=CI_TOL)
    assert es.ci_high == pytest.approx(block["d_z"]["ci_precise"][1] * j, abs=CI_TOL)


@pytest.mark.parametrize(("measure", "later"), CASES)
def test_d_av_g_av_and_j(measure, later):
    """By hand in R 4.2.2: d_av = mean(d)/((SD_pre + SD_post)/2), CI d_av +/- qnorm(.975) SE;
    g_av = d_av * J, J = exp(lgamma(df/2) - log(sqrt(df/2)) - lgamma((df-1)/2))."""
    x, y, block = _pairs(measure, later)
    dav, gav = cohens_d_av(x, y), hedges_g_av(x, y)
    assert dav.estimate == pytest.approx(block["d_av"]["d"], abs=TOL)
    assert dav.ci_low == pytest.approx(block["d_av"]["ci_low"], abs=TOL)
    assert dav.ci_high == pytest.approx(block["d_av"]["ci_high"], abs=TOL)
    assert hedges_j(len(x) - 1) == pytest.approx(block["g_av"]["J"], abs=1e-14)
    assert gav.estimate == pytest.approx(block["g_av"]["g"], abs=TOL)
    assert gav.ci_low == pytest.approx(block["g_av"]["ci_low"], abs=TOL)
    assert gav.ci_high == pytest.approx(block["g_av"]["ci_high"], abs=TOL)
    # trap 6: not the root-mean-square SD variant, not the approximate J
    assert abs(dav.estimate - block["d_av_rms_variant"]["d"]) > 1e-6
    alt = block["g_av"]["alternatives_not_reference"]
    assert abs(gav.estimate - alt["approx_df"]["g"]) > 1e-8
    assert abs(gav.estimate - alt["approx_two_groups"]["g"]) > 1e-6


@pytest.mark.parametrize(("measure", "later"), CASES)
def test_rank_biserial(measure, later):
    """effectsize 0.8.3 rank_biserial(post - pre): zeros dropped, Fisher-z CI with n'."""
    x, y, block = _pairs(measure, later)
    es = rank_biserial(x, y)
    ref = block["rank_biserial"]
    assert es.estimate == pytest.approx(ref["r"], abs=TOL)
    assert es.ci_low == pytest.approx(ref["ci_low"], abs=TOL)
    assert es.ci_high == pytest.approx(ref["ci_high"], abs=TOL)
    assert es.n == block["n_nonzero_diff"]
    same = rank_biserial(x - y)  # differences form
    assert same.estimate == es.estimate and same.ci_low == es.ci_low


def test_rank_biserial_not_the_xy_quirk():
    """The effectsize 0.8.3 (x, y, paired = TRUE) interface uses a different n' in the CI;
    the reference (and evaltool) use the number of non-zero differences."""
    x, y, block = _pairs("resilience", "post")
    quirk = block["rank_biserial"]["effectsize_0_8_3_xy_interface"]
    es = rank_biserial(x, y)
    assert es.estimate == pytest.approx(quirk["r"], abs=TOL)
    assert abs(es.ci_low - quirk["ci_low"]) > 1e-4


def test_nct_ci_solves_the_defining_equations():
    """P(T <= t | ncp_low) = 0.975 and P(T <= t | ncp_high) = 0.025 (definition)."""
    from scipy import stats

    t, df = 4.3452084987313775, 100
    lo, hi = nct_ci(t, df)
    assert stats.nct.cdf(t, df, lo) == pytest.approx(0.975, abs=1e-13)
    assert stats.nct.cdf(t, df, hi) == pytest.approx(0.025, abs=1e-13)
    lo1, hi1 = nct_ci(t, df, 0.95, "greater")
    assert hi1 == np.inf and stats.nct.cdf(t, df, lo1) == pytest.approx(0.95, abs=1e-13)
    lo2, hi2 = nct_ci(t, df, 0.95, "less")
    assert lo2 == -np.inf and stats.nct.cdf(t, df, hi2) == pytest.approx(0.05, abs=1e-13)
    lo3, hi3 = nct_ci(-40.0, 9)  # far tail still brackets
    assert lo3 < hi3 < 0


def test_one_sided_interval_is_one_side_of_the_two_sided_one():
    """effectsize convention: a one-sided 95% interval is one limit of the two-sided 90% one."""
    x, y, _ = _pairs("burnout", "post")
    for func in (cohens_d_z, cohens_d_av, rank_biserial):
        two = func(x, y, confidence=0.90)
        less = func(x, y, confidence=0.95, alternative="less")
        greater = func(x, y, confidence=0.95, alternative="greater")
        assert less.ci_high == pytest.approx(two.ci_high, abs=1e-12)
        assert greater.ci_low == pytest.approx(two.ci_low, abs=1e-12)
        assert less.ci_low in (-np.inf, -1.0) and greater.ci_high in (np.inf, 1.0)


def test_hedges_j_by_hand():
    """J(df) = Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2)); J(2) = 1/sqrt(pi) * Gamma(1)/... :
    with df = 2: Gamma(1) / (1 * Gamma(1/2)) = 1/sqrt(pi)."""
    assert hedges_j(2) == pytest.approx(1 / np.sqrt(np.pi), rel=1e-14)
    assert np.isnan(hedges_j(1))
    assert np.allclose(hedges_j(np.array([2.0, 100.0])), [1 / np.sqrt(np.pi), hedges_j(100)])


def test_degenerate_inputs_say_why():
    const = cohens_d_z([2.0, 3.0, 4.0], [1.0, 2.0, 3.0])
    assert np.isnan(const.estimate) and "no variance" in const.note
    assert "fewer than 2" in cohens_d_z([1.0], [2.0]).note
    flat = cohens_d_av([1.0, 1.0, 1.0], [1.0, 1.0, 1.0])
    assert np.isnan(flat.estimate) and "variance" in flat.note
    zero = rank_biserial([1.0, 2.0], [1.0, 2.0])
    assert np.isnan(zero.estimate) and "zero" in zero.note
    full = rank_biserial([2.0, 3.0, 5.0], [1.0, 1.0, 1.0])
    assert full.estimate == 1.0 and full.ci_low == 1.0 and full.ci_high == 1.0


def test_parameter_errors():
    with pytest.raises(ParameterError, match="'confidence' parameter of cohens_d_z"):
        cohens_d_z([1, 2, 3], [0, 1, 1], confidence=95)
    with pytest.raises(ParameterError, match="'alternative' parameter of rank_biserial"):
        rank_biserial([1, 2, 3], [0, 1, 1], alternative="two_sided")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="same length"):
        cohens_d_av([1, 2, 3], [0, 1])


values = st.floats(-50, 50, allow_nan=False, allow_infinity=False).map(lambda v: round(v, 2))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(values, values), min_size=3, max_size=30))
def test_swapping_x_and_y_negates_d_z(pairs):
    x = np.array([p[0] for p in pairs])
    y = np.array([p[1] for p in pairs])
    a, b = cohens_d_z(x, y), cohens_d_z(y, x)
    if np.isnan(a.estimate):
        assert np.isnan(b.estimate)
        return
    assert b.estimate == pytest.approx(-a.estimate, rel=1e-12, abs=1e-12)
    assert b.ci_low == pytest.approx(-a.ci_high, rel=1e-9, abs=1e-9)
    assert a.ci_low <= a.estimate <= a.ci_high
