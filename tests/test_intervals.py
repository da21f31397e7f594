"""The shared t interval of a mean against R."""

from __future__ import annotations

import numpy as np

from evaltool._intervals import t_interval

# R 4.2.2: t.test(x, conf.level = lv)$conf.int, x1 = c(3.2, 4.1, 2.8, 3.9, 4.4, 3.0, 3.7),
# x2 = c(7, 5.5, 8, 6.5, 9), x3 = c(1, 2); columns: mean, sd, n, lower, upper (format(digits = 17))
R_T_TEST = [
    (0.95, 3.58571428571428585, 0.59841059323447654, 7, 3.03227679281290374, 4.13915177861566796),
    (0.90, 7.20000000000000018, 1.35092560861062960, 5, 5.91203986360776224, 8.48796013639223723),
    (0.95, 1.50000000000000000, 0.70710678118654757, 2, -4.85310236808734707, 7.85310236808734707),
    (0.80, 3.58571428571428585, 0.59841059323447654, 7, 3.26007329019418490, 3.91135528123438680),
]


def test_t_interval_equals_r_t_test() -> None:
    """Source: R 4.2.2 ``t.test(x, conf.level = ...)`` on the vectors above (values vendored)."""
    for level, mean, sd, n, lo, hi in R_T_TEST:
        got = t_interval(np.array([mean]), np.array([sd]), np.array([n]), level)
        np.testing.assert_allclose([got[0][0], got[1][0]], [lo, hi], rtol=1e-12)


def test_t_interval_is_missing_below_two_people() -> None:
    lo, hi = t_interval(np.array([3.0, 4.0]), np.array([np.nan, 1.0]), np.array([1, 3]), 0.95)
    assert np.isnan(lo[0]) and np.isnan(hi[0]) and np.isfinite(lo[1])
