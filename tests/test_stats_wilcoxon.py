"""Wilcoxon signed-rank test against R 4.2.2 ``wilcox.test(post, pre, paired = TRUE)``.

Reference: tests/reference/expected/prepost.json (R 4.2.2 Patched, r83330), blocks
``paired.<measure>.<contrast>.wilcoxon_*`` and
``wilcoxon_small_samples_resilience_pre_post_by_cohort``; plus the example of R's own
``?wilcox.test`` help page (Hollander & Wolfe 1973, p. 29).
"""

from __future__ import annotations

import numpy as np
import pytest
from _prepost_reference import MEASURES, expected, scores
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from evaltool.errors import EvaltoolWarning, ParameterError
from evaltool.stats import psignrank, wilcoxon_signed_rank
from evaltool.stats.wilcoxon import METHOD_APPROX, METHOD_APPROX_CC, METHOD_EXACT

P_TOL = 1e-12


def _pairs(measure: str, later: str) -> tuple[np.ndarray, np.ndarray, dict]:
    block = expected()["paired"][measure][f"pre_vs_{later}"]
    wide = scores().query("scale == @measure").pivot(
        index="participant_id", columns="timepoint", values="score")
    ok = wide[["pre", later]].dropna()
    assert list(ok.index) == block["ids"]
    return ok[later].to_numpy(), ok["pre"].to_numpy(), block


@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize("later", ["post", "follow"])
def test_large_samples_match_r_default(measure, later):
    """R 4.2.2 wilcox.test(post, pre, paired = TRUE): n' >= 50, so approximation with cc."""
    x, y, block = _pairs(measure, later)
    res = wilcoxon_signed_rank(x, y)
    ref = block["wilcoxon_default"]
    assert res.statistic == ref["V"]
    assert res.p == pytest.approx(ref["p"], rel=P_TOL, abs=1e-15)
    assert res.method == ref["method"] == METHOD_APPROX_CC
    assert res.exact is ref["exact_used"] is False
    assert res.n_nonzero == block["n_nonzero_diff"]
    assert res.n_zero == block["n_zero_diff"]
    assert res.w_minus == block["wilcoxon_W_minus"]
    assert res.z == pytest.approx(block["wilcoxon_approx_cc"]["z_by_hand"], abs=1e-12)


@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize("later", ["post", "follow"])
def test_correction_switch_matches_r(measure, later):
    """R 4.2.2 wilcox.test(..., exact = FALSE, correct = TRUE / FALSE)."""
    x, y, block = _pairs(measure, later)
    cc = wilcoxon_signed_rank(x, y, exact=False, correct=True)
    no = wilcoxon_signed_rank(x, y, exact=False, correct=False)
    assert cc.p == pytest.approx(block["wilcoxon_approx_cc"]["p"], rel=P_TOL)
    assert no.p == pytest.approx(block["wilcoxon_approx_no_cc"]["p"], rel=P_TOL)
    assert cc.method == block["wilcoxon_approx_cc"]["method"]
    assert no.method == block["wilcoxon_approx_no_cc"]["method"] == METHOD_APPROX


SMALL = expected()["wilcoxon_small_samples_resilience_pre_post_by_cohort"]


@pytest.mark.parametrize("cohort", sorted(SMALL, key=lambda c: int(c[1:])))
def test_small_cohorts_exact_or_approximation_like_r(cohort):
    """R 4.2.2 wilcox.test(post, pre, paired = TRUE) with exact = NULL, TRUE and FALSE in each
    cohort of 5-12: exact only without ties and zeros, else approximation with cc."""
    block = SMALL[cohort]
    post, pre = np.array(block["post"]), np.array(block["pre"])
    default = wilcoxon_signed_rank(post, pre)
    ref = block["default"]
    assert default.statistic == ref["V"]
    assert default.method == ref["method"]
    assert default.p == pytest.approx(ref["p"], rel=P_TOL, abs=1e-15)
    assert default.exact is (ref["method"] == METHOD_EXACT)
    assert default.exact is (block["n_zero_diff"] == 0 and not block["any_tied_abs_nonzero_diff"])

    fallback = bool(block["exact_TRUE"]["warnings"])
    if fallback:
        with pytest.warns(EvaltoolWarning, match="cannot compute exact p-value"):
            forced = wilcoxon_signed_rank(post, pre, exact=True)
    else:
        forced = wilcoxon_signed_rank(post, pre, exact=True)
    assert forced.method == block["exact_TRUE"]["method"]
    assert forced.p == pytest.approx(block["exact_TRUE"]["p"], rel=P_TOL, abs=1e-15)

    approx = wilcoxon_signed_rank(post, pre, exact=False)
    assert approx.method == block["approx_cc"]["method"]
    assert approx.p == pytest.approx(block["approx_cc"]["p"], rel=P_TOL, abs=1e-15)


def test_r_help_page_example_one_sided():
    """R ?wilcox.test example (Hollander & Wolfe 1973, p. 29): depression scores,
    wilcox.test(x, y, paired = TRUE, alternative = "greater") gives V = 40, p-value = 0.01953
    (exact: 10/512)."""
    x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
    y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
    res = wilcoxon_signed_rank(x, y, alternative="greater")
    assert res.statistic == 40
    assert res.method == METHOD_EXACT
    assert res.p == pytest.approx(10 / 512, rel=1e-14)
    assert round(res.p, 5) == 0.01953
    # P(V <= 40) = 1 - P(V >= 41); P(V = 40) = P(V = 5) = 3/512 ({5}, {1,4}, {2,3}), so
    # P(V >= 41) = 7/512 and the lower tail is 505/512.
    less = wilcoxon_signed_rank(x, y, alternative="less")
    assert less.p == pytest.approx(505 / 512, rel=1e-14)


def test_exact_distribution_agrees_with_scipy():
    """psignrank (R's nmath algorithm) against scipy's exact signed-rank distribution."""
    rng = np.random.default_rng(7)
    for n in (3, 6, 11, 20, 35, 49):
        d = rng.permutation(np.arange(1, n + 1)) * rng.choice([-1.0, 1.0], n)
        ours = wilcoxon_signed_rank(d)
        assert ours.exact
        ref = stats.wilcoxon(d, method="exact")
        assert ours.p == pytest.approx(ref.pvalue, rel=1e-12, abs=1e-15)


def test_psignrank_small_values_by_hand():
    """Hand count: subsets of {1..5} with rank sum <= 3 are {}, {1}, {2}, {3}, {1,2}: 5/32."""
    assert psignrank(3, 5) == pytest.approx(5 / 32, rel=1e-15)
    assert psignrank(3, 5, lower_tail=False) == pytest.approx(27 / 32, rel=1e-15)
    assert psignrank(-1, 5) == 0.0
    assert psignrank(15, 5) == 1.0


def test_scipy_defaults_differ_trap_list():
    """Trap list 1-3 of tests/reference/README.md: scipy's statistic is min(W+, W-), without
    continuity correction; evaltool reports R's V and p."""
    block = SMALL["C2"]  # tied, n = 8: R uses the approximation, scipy a permutation p
    post, pre = np.array(block["post"]), np.array(block["pre"])
    sp = stats.wilcoxon(post, pre)
    ours = wilcoxon_signed_rank(post, pre)
    assert sp.statistic != ours.statistic
    assert abs(sp.pvalue - ours.p) > 1e-3


def test_zeros_dropped_and_all_zero():
    res = wilcoxon_signed_rank([1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 1.0, 1.0])
    assert res.n_zero == 1 and res.n_nonzero == 3
    assert res.method == METHOD_APPROX_CC and not res.exact
    none = wilcoxon_signed_rank([1.0, 2.0], [1.0, 2.0])
    assert none.n_nonzero == 0 and np.isnan(none.p) and none.statistic == 0


def test_missing_pairs_dropped():
    a = wilcoxon_signed_rank([2.0, np.nan, 5.0, 7.0, 1.5], [1.0, 3.0, 1.0, 2.0, 1.0])
    b = wilcoxon_signed_rank([2.0, 5.0, 7.0, 1.5], [1.0, 1.0, 2.0, 1.0])
    assert a == b


def test_parameter_errors():
    with pytest.raises(ParameterError, match="'alternative' parameter of wilcoxon_signed_rank"):
        wilcoxon_signed_rank([1, 2, 3], [0, 0, 0], alternative="two_sided")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="same length"):
        wilcoxon_signed_rank([1, 2, 3], [0, 0])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-20, 20), st.integers(-20, 20)), min_size=1, max_size=40))
def test_swapping_x_and_y_swaps_w_plus_and_w_minus(pairs):
    x = np.array([p[0] for p in pairs], dtype=float)
    y = np.array([p[1] for p in pairs], dtype=float)
    a, b = wilcoxon_signed_rank(x, y), wilcoxon_signed_rank(y, x)
    assert a.statistic == b.w_minus and a.w_minus == b.statistic
    assert a.statistic + a.w_minus == a.n_nonzero * (a.n_nonzero + 1) / 2
    if not np.isnan(a.p):
        assert a.p == pytest.approx(b.p, rel=1e-12)
        assert 0 <= a.p <= 1
