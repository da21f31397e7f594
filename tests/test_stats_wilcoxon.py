"""Wilcoxon signed-rank test against R 4.2.2 ``wilcox.test(post, pre, paired = TRUE)``.

Reference: tests/reference/expected/prepost.json (R 4.2.2 Patched, r83330), blocks
``paired.<measure>.<contrast>.wilcoxon_*`` and
``wilcoxon_small_samples_resilience_pre_post_by_cohort``; R's warnings when it cannot give an
exact p-value: tests/reference/expected/wilcoxon_warnings.json (``r/model_fit.R``); plus the
example of R's own ``?wilcox.test`` help page (Hollander & Wolfe 1973, p. 29).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from _prepost_reference import MEASURES, expected, scores
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from evaltool.errors import EvaltoolWarning, ParameterError
from evaltool.stats import psignrank, wilcoxon_signed_rank
from evaltool.stats.wilcoxon import (
    METHOD_APPROX,
    METHOD_APPROX_CC,
    METHOD_EXACT,
    WARN_TIES,
    WARN_ZEROES,
    WilcoxonResult,
    fallback_note,
)

P_TOL = 1e-12
WARNINGS_JSON = Path(__file__).parent / "reference" / "expected" / "wilcoxon_warnings.json"
R_WARNINGS = json.loads(WARNINGS_JSON.read_text(encoding="utf-8"))


def run(x, y=None, **kwargs) -> tuple[WilcoxonResult, list[str]]:
    """The test and the EvaltoolWarnings it issued (each must start with R's text)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = wilcoxon_signed_rank(x, y, **kwargs)
    assert all(issubclass(w.category, EvaltoolWarning) for w in caught)
    texts = [str(w.message) for w in caught]
    assert len(texts) == len(res.warnings)
    assert all(t.startswith(r) for t, r in zip(texts, res.warnings, strict=True))
    return res, list(res.warnings)


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
    default, warned = run(post, pre)
    ref = block["default"]
    assert warned == ref["warnings"]
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
    ours, _ = run(post, pre)
    assert sp.statistic != ours.statistic
    assert abs(sp.pvalue - ours.p) > 1e-3


def test_zeros_dropped_and_all_zero():
    """R 4.2.2: with a zero difference the exact p-value is wanted (n' < 50) but impossible:
    approximation and the warning "cannot compute exact p-value with zeroes" — also when
    every difference is zero (V = 0, p = NA)."""
    res, warned = run([1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 1.0, 1.0])
    assert res.n_zero == 1 and res.n_nonzero == 3
    assert res.method == METHOD_APPROX_CC and not res.exact
    assert warned == [WARN_ZEROES]
    none, warned = run([1.0, 2.0], [1.0, 2.0])
    assert none.n_nonzero == 0 and np.isnan(none.p) and none.statistic == 0
    assert warned == [WARN_ZEROES]
    quiet, warned = run([1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 1.0, 1.0], exact=False)
    assert warned == [] and quiet.p == res.p


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
    (a, wa), (b, wb) = run(x, y), run(y, x)
    assert wa == wb  # ties and zeros do not depend on the direction
    assert a.statistic == b.w_minus and a.w_minus == b.statistic
    assert a.statistic + a.w_minus == a.n_nonzero * (a.n_nonzero + 1) / 2
    if not np.isnan(a.p):
        assert a.p == pytest.approx(b.p, rel=1e-12)
        assert 0 <= a.p <= 1


# --------------------------------------------------------------------------------------
# R's warnings when the exact p-value is out of reach (wilcoxon_warnings.json)
# --------------------------------------------------------------------------------------
CALLS = {"default": {}, "exact_TRUE": {"exact": True}, "exact_FALSE": {"exact": False},
         "greater": {"alternative": "greater"}}


def check_case(block: dict) -> None:
    post, pre = np.array(block["post"]), np.array(block["pre"])
    for name, kwargs in CALLS.items():
        ref = block[name]
        res, warned = run(post, pre, **kwargs)
        assert res.statistic == ref["V"], name
        assert res.method == ref["method"], name
        assert res.p == pytest.approx(ref["p"], rel=P_TOL, abs=1e-15), name
        assert warned == ref["warnings"], name
        assert res.n_zero == block["n_zero_diff"]
        assert res.has_ties is block["any_tied_abs_nonzero_diff"]


@pytest.mark.parametrize("case", sorted(R_WARNINGS["hand_made"]))
def test_hand_made_ties_and_zeros_warn_like_r(case):
    """R 4.2.2 ``wilcox.test(post, pre, paired = TRUE)`` with exact = NULL / TRUE / FALSE and
    alternative = "greater", warnings captured with ``withCallingHandlers``
    (wilcoxon_warnings.json ``hand_made``): V, p, method and the warning texts, in R's order."""
    check_case(R_WARNINGS["hand_made"][case])


def test_hand_made_cases_cover_each_warning():
    seen = {tuple(c["default"]["warnings"]) for c in R_WARNINGS["hand_made"].values()}
    assert {(WARN_TIES,), (WARN_ZEROES,), (WARN_TIES, WARN_ZEROES), ()} <= seen


@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize("contrast", ["post - pre", "follow - pre"])
def test_reference_pairs_warn_like_r(measure, contrast):
    """R 4.2.2 ``wilcox.test(post, pre, paired = TRUE)`` on the reference data's complete pairs,
    all participants (n' >= 50: no warning) and per cohort (n 3-12, most warn)
    (wilcoxon_warnings.json ``reference_data``)."""
    block = R_WARNINGS["reference_data"][measure][contrast]
    assert block["all"]["default"]["warnings"] == []
    check_case(block["all"])
    for cohort in block["by_cohort"].values():
        check_case(cohort)


def test_fallback_note_quotes_r():
    res, _ = run(*[R_WARNINGS["hand_made"]["ties_and_zeros"][k] for k in ("post", "pre")])
    note = fallback_note(res)
    assert f'"{WARN_TIES}", "{WARN_ZEROES}"' in note
    assert "normal approximation with continuity correction" in note
    assert fallback_note(run([1.0, 2.0, 3.0], [0.0, 0.0, 0.0], exact=False)[0]) == ""
