"""The t interval of a mean, shared by every layer that publishes one (cohort summaries, pooled
reports, joint displays, figures). Bottom layer: scipy is imported only when it is called."""

from __future__ import annotations

import numpy as np

__all__ = ["t_interval"]


def t_interval(mean: object, sd: object, n: object, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """t-based CI of a mean, as R's ``t.test(x, conf.level = confidence)``:
    mean ± t(1 − α/2, n − 1) · sd / √n; NaN where n < 2.

    Parameters
    ----------
    mean, sd, n
        Arrays (or scalars) of means, standard deviations (n − 1 denominator) and sizes.
    confidence
        The confidence level, e.g. 0.95 (validated by the caller).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Lower and upper limits.

    Examples
    --------
    >>> lo, hi = t_interval(7.2, 1.3509256086106296, 5, 0.90)   # R: t.test(c(7, 5.5, 8, 6.5, 9), conf.level = .9)
    >>> round(float(lo), 6), round(float(hi), 6)
    (5.91204, 8.48796)
    """
    from scipy import stats

    n_arr = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = stats.t.ppf((1 + confidence) / 2, np.where(n_arr >= 2, n_arr - 1, np.nan))
        half = q * np.asarray(sd, dtype=float) / np.sqrt(n_arr)
    m = np.asarray(mean, dtype=float)
    return m - half, m + half
