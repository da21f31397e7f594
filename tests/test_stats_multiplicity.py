"""p_adjust against R 4.2.2 ``stats::p.adjust(p, method = "holm" / "BH")``.

Reference: the ``multiplicity`` block of tests/reference/expected/prepost.json (R 4.2.2),
three families: pre-post t-test p-values, pre-post Wilcoxon p-values, all six t-test p-values.
"""

from __future__ import annotations

import numpy as np
import pytest
from _prepost_reference import expected
from hypothesis import given, settings
from hypothesis import strategies as st

from evaltool.errors import ParameterError
from evaltool.stats import p_adjust

FAMILIES = ("t_test_pre_post", "wilcoxon_pre_post", "t_test_all_six")


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("method", ["holm", "BH"])
def test_matches_r_p_adjust(family, method):
    """R 4.2.2 p.adjust(p, method) on the reference families, to 1e-15."""
    block = expected()["multiplicity"][family]
    names = list(block["raw"])
    raw = np.array([block["raw"][k] for k in names])
    want = np.array([block[method][k] for k in names])
    np.testing.assert_allclose(p_adjust(raw, method), want, rtol=1e-15, atol=0)


def test_missing_values_are_kept_and_not_counted():
    """R: p.adjust(c(0.01, NA, 0.03), "holm") is 0.02, NA, 0.03 (n = non-missing count)."""
    out = p_adjust([0.01, np.nan, 0.03], "holm")
    np.testing.assert_allclose(out, [0.02, np.nan, 0.03])
    assert np.all(np.isnan(p_adjust([np.nan, np.nan], "BH")))
    assert p_adjust([], "holm").size == 0


def test_other_methods_and_input_untouched():
    p = np.array([0.01, 0.02, 0.5])
    before = p.copy()
    np.testing.assert_allclose(p_adjust(p, "bonferroni"), [0.03, 0.06, 1.0])
    np.testing.assert_array_equal(p_adjust(p, "none"), p)
    np.testing.assert_array_equal(p, before)


def test_parameter_errors():
    with pytest.raises(ParameterError, match=r"'method' parameter of p_adjust\(\) must be one of"):
        p_adjust([0.1], "hommel")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="between 0 and 1"):
        p_adjust([0.1, 1.5])


pvals = st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=30)


@settings(max_examples=100, deadline=None)
@given(pvals, st.sampled_from(["holm", "BH", "bonferroni"]))
def test_adjusted_p_is_monotone_bounded_and_not_below_raw(p, method):
    raw = np.array(p)
    adj = p_adjust(raw, method)
    assert np.all(adj >= raw - 1e-15)
    assert np.all(adj <= 1.0)
    order = np.argsort(raw, kind="stable")
    assert np.all(np.diff(adj[order]) >= -1e-15)


@settings(max_examples=60, deadline=None)
@given(pvals)
def test_bh_never_above_holm(p):
    raw = np.array(p)
    assert np.all(p_adjust(raw, "BH") <= p_adjust(raw, "holm") + 1e-15)
