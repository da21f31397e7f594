"""Standardised effect sizes for paired (pre/post) data, with confidence intervals.

Every function takes the later values ``x`` and the earlier values ``y`` (paired position by
position; incomplete pairs are dropped), so a positive effect means an increase. The names
always carry their subscript (``d_z``, ``d_av``), never a bare "Cohen's d" (docs/statistics.md).

One-sided alternatives give one-sided intervals (one limit infinite) at the stated
confidence, as effectsize does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import optimize, special, stats

from ..errors import ParameterError, one_of
from ..options import check_confidence
from .wilcoxon import wilcoxon_signed_rank

__all__ = [
    "EffectSize",
    "cohens_d_av",
    "cohens_d_z",
    "hedges_g_av",
    "hedges_g_z",
    "hedges_j",
    "nct_ci",
    "rank_biserial",
]

Alternative = Literal["two-sided", "greater", "less"]
_ALTERNATIVES = ("two-sided", "greater", "less")


@dataclass(frozen=True)
class EffectSize:
    """A point estimate with its confidence interval and the method used.

    Attributes
    ----------
    estimate, ci_low, ci_high
        Effect size and confidence limits (NaN when undefined; see ``note``).
    n
        Number of complete pairs used (non-zero differences for the rank-biserial).
    method
        Short name of the estimator and interval (e.g. ``"d_z, noncentral t"``).
    note
        Why the value is missing, or ``""``.

    Examples
    --------
    >>> es = cohens_d_z([3.0, 2.5, 4.0, 3.5], [3.5, 3.5, 4.2, 3.9])
    >>> round(es.estimate, 3), es.n, es.method
    (-1.543, 4, 'd_z, noncentral t')
    """

    estimate: float
    ci_low: float
    ci_high: float
    n: int
    method: str
    note: str = ""


def _check(confidence: float, alternative: str, func: str) -> None:
    check_confidence(confidence, func)
    if alternative not in _ALTERNATIVES:
        raise ParameterError(
            f"The 'alternative' parameter of {func}() must be one of {one_of(_ALTERNATIVES)}. "
            f"Got {alternative!r} instead."
        )


def _pairs(x: object, y: object, func: str) -> tuple[np.ndarray, np.ndarray]:
    xa = np.asarray(x, dtype="float64").reshape(-1)
    ya = np.asarray(y, dtype="float64").reshape(-1)
    if xa.size != ya.size:
        raise ParameterError(
            f"x and y passed to {func}() must have the same length (got {xa.size} and {ya.size}).",
            fix="pass values paired position by position.",
        )
    ok = ~(np.isnan(xa) | np.isnan(ya))
    return xa[ok], ya[ok]


def _tails(confidence: float, alternative: str) -> tuple[float, float]:
    """Lower and upper probabilities bounding the interval (0/1 = infinite side)."""
    if alternative == "two-sided":
        a = (1 - confidence) / 2
        return a, 1 - a
    if alternative == "greater":
        return 1 - confidence, 1.0
    return 0.0, confidence


def hedges_j(df: float | np.ndarray) -> float | np.ndarray:
    """Exact small-sample correction factor J of Hedges' g.

    Parameters
    ----------
    df
        Degrees of freedom (``n - 1`` for paired data).

    Returns
    -------
    float or numpy.ndarray
        :math:`J = \\Gamma(df/2) / (\\sqrt{df/2}\\,\\Gamma((df-1)/2))`; NaN for df <= 1.

    Notes
    -----
    Computed on the log scale, as effectsize 0.8.3 does
    (``exp(lgamma(df/2) - log(sqrt(df/2)) - lgamma((df-1)/2))``); checked against the ``J`` of
    ``tests/reference/expected/prepost.json`` (R 4.2.2) to 1e-14.

    Examples
    --------
    >>> round(float(hedges_j(100)), 6)
    0.992478
    """
    d = np.asarray(df, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        j = np.exp(special.gammaln(d / 2) - np.log(np.sqrt(d / 2)) - special.gammaln((d - 1) / 2))
    j = np.where(d > 1, j, np.nan)
    return float(j) if j.ndim == 0 else j


def _nct_root(t: float, df: float, prob: float) -> float:
    """The noncentrality parameter λ with P(T <= t | df, λ) = prob (cdf falls as λ grows)."""

    def f(ncp: float) -> float:
        return float(special.nctdtr(df, ncp, t)) - prob

    width = special.ndtri(max(prob, 1 - prob)) * np.sqrt(1 + t * t / (2 * df)) + 1.0
    lo, hi = t - width, t + width
    for _ in range(60):
        if f(lo) > 0:
            break
        lo -= width
        width *= 2
    for _ in range(60):
        if f(hi) < 0:
            break
        hi += width
        width *= 2
    return float(optimize.brentq(f, lo, hi, xtol=1e-13, rtol=4 * np.finfo(float).eps, maxiter=500))


def nct_ci(t: float, df: float, confidence: float = 0.95,
           alternative: Alternative = "two-sided") -> tuple[float, float]:
    """Confidence limits for the noncentrality parameter of a t statistic.

    Parameters
    ----------
    t
        Observed t statistic.
    df
        Degrees of freedom.
    confidence
        Confidence level.
    alternative
        ``"two-sided"``, ``"greater"`` (upper limit infinite) or ``"less"`` (lower limit
        infinite).

    Returns
    -------
    tuple of float
        ``(low, high)`` with :math:`P(T \\le t \\mid \\lambda_{low}) = 1 - \\alpha/2` and
        :math:`P(T \\le t \\mid \\lambda_{high}) = \\alpha/2`.

    Notes
    -----
    Solved with Brent's method on scipy's noncentral t distribution to ~1e-13, like
    ``uniroot(tol = 1e-13)`` on ``pt(t, df, ncp)`` in R (the ``ci_precise`` values of
    ``tests/reference/expected/prepost.json``).

    Examples
    --------
    >>> lo, hi = nct_ci(4.3452084987313775, 100)
    >>> round(lo, 6), round(hi, 6)
    (2.28508, 6.385419)
    """
    _check(confidence, alternative, "nct_ci")
    if not (np.isfinite(t) and df > 0):
        return float("nan"), float("nan")
    p_low, p_high = _tails(confidence, alternative)
    low = -np.inf if p_low == 0 else _nct_root(t, df, 1 - p_low)
    high = np.inf if p_high == 1 else _nct_root(t, df, 1 - p_high)
    return float(low), float(high)


def cohens_d_z(x: object, y: object, *, confidence: float = 0.95,
               alternative: Alternative = "two-sided") -> EffectSize:
    """Cohen's d_z: mean difference over the SD of the differences (``x - y``).

    Parameters
    ----------
    x, y
        Later and earlier values, paired by position.
    confidence
        Confidence level of the interval.
    alternative
        ``"two-sided"``, ``"greater"`` or ``"less"`` (one-sided interval).

    Returns
    -------
    EffectSize
        ``estimate`` = d_z with its noncentral-t interval.

    Notes
    -----
    :math:`d_z = \\bar d / s_d`, :math:`t = d_z \\sqrt n`; the CI is
    :math:`[\\lambda_{low}, \\lambda_{high}] / \\sqrt n` from :func:`nct_ci` with
    :math:`df = n - 1` — ``effectsize::cohens_d(post, pre, paired = TRUE)`` (effectsize 0.8.3,
    R 4.2.2), whose own limits are only good to ~1e-6; this solves the same equations to
    ~1e-12 (checked against ``ci_precise`` in the reference).

    Examples
    --------
    >>> es = cohens_d_z([5, 6, 7, 9], [4, 4, 6, 6])
    >>> round(es.estimate, 4)
    1.8278
    """
    _check(confidence, alternative, "cohens_d_z")
    xa, ya = _pairs(x, y, "cohens_d_z")
    d = xa - ya
    n = d.size
    method = "d_z, noncentral t"
    if n < 2:
        return EffectSize(np.nan, np.nan, np.nan, n, method, "fewer than 2 pairs")
    m = float(np.mean(d))
    s = float(np.std(d, ddof=1))
    if s == 0 or s / np.sqrt(n) < 10 * np.finfo(float).eps * abs(m):
        return EffectSize(np.nan, np.nan, np.nan, n, method,
                          "d_z undefined: the differences have no variance")
    dz = m / s
    lo, hi = nct_ci(dz * np.sqrt(n), n - 1, confidence, alternative)
    return EffectSize(dz, lo / np.sqrt(n), hi / np.sqrt(n), n, method)


def hedges_g_z(x: object, y: object, *, confidence: float = 0.95,
               alternative: Alternative = "two-sided") -> EffectSize:
    """Hedges' g_z = d_z × J(n − 1); the CI limits of d_z are multiplied by J too.

    Parameters
    ----------
    x, y
        Later and earlier values, paired by position.
    confidence, alternative
        As for :func:`cohens_d_z`.

    Returns
    -------
    EffectSize
        g_z and its interval.

    Notes
    -----
    ``effectsize::hedges_g(post, pre, paired = TRUE)`` (effectsize 0.8.3), with the exact
    J of :func:`hedges_j`.

    Examples
    --------
    >>> round(hedges_g_z([5, 6, 7, 9], [4, 4, 6, 6]).estimate, 4)
    1.3226
    """
    dz = cohens_d_z(x, y, confidence=confidence, alternative=alternative)
    j = float(hedges_j(dz.n - 1)) if dz.n > 2 else np.nan
    note = dz.note or ("" if dz.n > 2 else "J undefined for fewer than 3 pairs")
    return EffectSize(dz.estimate * j, dz.ci_low * j, dz.ci_high * j, dz.n,
                      "g_z, noncentral t, exact J", note)


def cohens_d_av(x: object, y: object, *, confidence: float = 0.95,
                alternative: Alternative = "two-sided") -> EffectSize:
    """Cohen's d_av: mean difference over the average of the two SDs (Cumming 2012).

    Parameters
    ----------
    x, y
        Later and earlier values, paired by position.
    confidence, alternative
        Confidence level; one-sided alternatives give one-sided intervals.

    Returns
    -------
    EffectSize
        d_av and its normal-approximation interval.

    Notes
    -----
    :math:`d_{av} = \\bar d / ((s_x + s_y)/2)` (Cumming 2012; Lakens 2013, eq. 10), SDs with
    n − 1. CI: :math:`d_{av} \\pm z_{1-\\alpha/2} SE`, :math:`SE = (s_d/\\sqrt n) / ((s_x +
    s_y)/2)` (Algina & Keselman 2003, as in ``repeated_measures_d()`` of effectsize > 0.8.3).
    This is the mean of the two SDs, not their root mean square (trap 6 of the reference
    README). Checked against the by-hand R 4.2.2 values in ``tests/reference`` to 1e-12.

    Examples
    --------
    >>> round(cohens_d_av([5, 6, 7, 9], [4, 4, 6, 6]).estimate, 4)
    1.2227
    """
    _check(confidence, alternative, "cohens_d_av")
    xa, ya = _pairs(x, y, "cohens_d_av")
    n = xa.size
    method = "d_av, normal approximation"
    if n < 2:
        return EffectSize(np.nan, np.nan, np.nan, n, method, "fewer than 2 pairs")
    sd_avg = (float(np.std(xa, ddof=1)) + float(np.std(ya, ddof=1))) / 2
    d = xa - ya
    if sd_avg == 0:
        return EffectSize(np.nan, np.nan, np.nan, n, method,
                          "d_av undefined: neither timepoint has any variance")
    dav = float(np.mean(d)) / sd_avg
    se = (float(np.std(d, ddof=1)) / np.sqrt(n)) / sd_avg
    p_low, p_high = _tails(confidence, alternative)
    lo = -np.inf if p_low == 0 else dav + stats.norm.ppf(p_low) * se
    hi = np.inf if p_high == 1 else dav + stats.norm.ppf(p_high) * se
    return EffectSize(dav, float(lo), float(hi), n, method)


def hedges_g_av(x: object, y: object, *, confidence: float = 0.95,
                alternative: Alternative = "two-sided") -> EffectSize:
    """Hedges' g_av = d_av × J(n − 1), CI limits × J (Lakens 2013; exact J).

    Parameters
    ----------
    x, y
        Later and earlier values, paired by position.
    confidence, alternative
        As for :func:`cohens_d_av`.

    Returns
    -------
    EffectSize
        g_av and its interval.

    Notes
    -----
    J is the exact gamma-function correction (:func:`hedges_j`) with df = n − 1, the
    convention of effectsize; the approximations 1 − 3/(4df − 1) differ in the 6th digit.

    Examples
    --------
    >>> round(hedges_g_av([5, 6, 7, 9], [4, 4, 6, 6]).estimate, 4)
    0.8847
    """
    dav = cohens_d_av(x, y, confidence=confidence, alternative=alternative)
    j = float(hedges_j(dav.n - 1)) if dav.n > 2 else np.nan
    note = dav.note or ("" if dav.n > 2 else "J undefined for fewer than 3 pairs")
    return EffectSize(dav.estimate * j, dav.ci_low * j, dav.ci_high * j, dav.n,
                      "g_av, normal approximation, exact J", note)


def rank_biserial(x: object, y: object | None = None, *, confidence: float = 0.95,
                  alternative: Alternative = "two-sided") -> EffectSize:
    """Matched-pairs rank-biserial correlation of ``x - y`` (zeros dropped).

    Parameters
    ----------
    x, y
        Later and earlier values paired by position (or the differences when ``y`` is None).
    confidence, alternative
        Confidence level; one-sided alternatives give one-sided intervals.

    Returns
    -------
    EffectSize
        r and its Fisher-z interval; ``n`` is the number of non-zero differences.

    Notes
    -----
    :math:`r = (W_+ - W_-) / (n'(n'+1)/2)`, average ranks of :math:`|d|`, zeros dropped.
    CI: :math:`\\tanh(\\operatorname{atanh}(r) \\pm z\\,SE)`,
    :math:`SE = \\sqrt{(2n'^3 + 3n'^2 + n')/6} / ((n'^2 + n')/2)` —
    ``effectsize::rank_biserial(post - pre)`` (effectsize 0.8.3, R 4.2.2), checked to 1e-12.
    (effectsize 0.8.3's ``rank_biserial(x, y, paired = TRUE)`` counts n′ differently in the
    CI; the difference-based form is the reference.)

    Examples
    --------
    >>> round(rank_biserial([5, 6, 7, 9], [4, 4, 6, 6]).estimate, 4)
    1.0
    """
    _check(confidence, alternative, "rank_biserial")
    if y is None:
        d = np.asarray(x, dtype="float64").reshape(-1)
        d = d[~np.isnan(d)]
        xa, ya = d, np.zeros_like(d)
    else:
        xa, ya = _pairs(x, y, "rank_biserial")
    res = wilcoxon_signed_rank(xa, ya, exact=False)
    n = res.n_nonzero
    method = "matched rank-biserial, Fisher z"
    if n == 0:
        return EffectSize(np.nan, np.nan, np.nan, 0, method,
                          "rank-biserial undefined: every difference is zero")
    total = n * (n + 1) / 2
    r = (res.statistic - res.w_minus) / total
    se = np.sqrt((2 * n**3 + 3 * n**2 + n) / 6) / ((n**2 + n) / 2)
    p_low, p_high = _tails(confidence, alternative)
    with np.errstate(divide="ignore"):
        zr = np.arctanh(r)
    lo = -1.0 if p_low == 0 else float(np.tanh(zr + stats.norm.ppf(p_low) * se))
    hi = 1.0 if p_high == 1 else float(np.tanh(zr + stats.norm.ppf(p_high) * se))
    return EffectSize(float(r), lo, hi, n, method)
