"""Wilcoxon signed-rank test for paired data with R 4.2's rules (``wilcox.test(paired = TRUE)``).

scipy's ``wilcoxon`` differs from R on three points (tests/reference/README.md, trap list):
it reports ``min(W+, W-)`` instead of R's ``V = W+``, it uses no continuity correction by
default, and with ties or zeros in small samples it switches to a permutation p-value. This
module follows R 4.2.2 exactly and says in ``method`` which p-value was computed.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
from scipy import special, stats

from ..errors import EvaltoolWarning, ParameterError, one_of

__all__ = [
    "METHOD_APPROX",
    "METHOD_APPROX_CC",
    "METHOD_EXACT",
    "WARN_TIES",
    "WARN_ZEROES",
    "WilcoxonResult",
    "fallback_note",
    "psignrank",
    "wilcoxon_signed_rank",
]

Alternative = Literal["two-sided", "greater", "less"]
ALTERNATIVES: tuple[str, ...] = ("two-sided", "greater", "less")

METHOD_EXACT = "Wilcoxon signed rank exact test"
METHOD_APPROX = "Wilcoxon signed rank test"
METHOD_APPROX_CC = "Wilcoxon signed rank test with continuity correction"
EXACT_MAX_N = 50
"""R uses the exact distribution only when fewer than this many non-zero differences."""
WARN_TIES = "cannot compute exact p-value with ties"
"""R's warning (verbatim) when an exact p-value is wanted but some |differences| are tied."""
WARN_ZEROES = "cannot compute exact p-value with zeroes"
"""R's warning (verbatim) when an exact p-value is wanted but some differences are zero."""


@dataclass(frozen=True)
class WilcoxonResult:
    """Result of :func:`wilcoxon_signed_rank`.

    Attributes
    ----------
    statistic
        R's ``V``: the sum of the ranks of the positive differences ``x - y`` (W+).
    p
        p-value (NaN when no difference is non-zero).
    method
        R's method string: ``"Wilcoxon signed rank exact test"``, ``"Wilcoxon signed rank test
        with continuity correction"`` or ``"Wilcoxon signed rank test"`` (no correction).
    n_nonzero
        Number of non-zero differences n′ (zeros are dropped).
    z
        Normal-approximation statistic with R's tie correction and, when ``correct`` is true,
        continuity correction; reported even when the p-value is exact.
    exact
        Whether ``p`` comes from the exact null distribution.
    w_minus
        Sum of the ranks of the negative differences (W−); ``statistic + w_minus = n′(n′+1)/2``.
    has_ties
        Whether some non-zero |differences| are tied.
    n_zero
        Number of zero differences dropped.
    warnings
        R's warnings for this test, verbatim and in R's order: :data:`WARN_TIES` and/or
        :data:`WARN_ZEROES` when the exact p-value was wanted (``exact=None`` with n′ < 50,
        or ``exact=True``) but ties or zeros forced the normal approximation; empty otherwise.

    Examples
    --------
    The depression data of R's ``?wilcox.test`` (Hollander & Wolfe 1973, p. 29), for which R
    prints ``V = 40, p-value = 0.03906``:

    >>> x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
    >>> y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
    >>> res = wilcoxon_signed_rank(x, y)
    >>> res.statistic, round(res.p, 5), res.method
    (40.0, 0.03906, 'Wilcoxon signed rank exact test')
    """

    statistic: float
    p: float
    method: str
    n_nonzero: int
    z: float
    exact: bool
    w_minus: float
    has_ties: bool
    n_zero: int
    warnings: tuple[str, ...] = ()


@lru_cache(maxsize=64)
def _signrank_counts(n: int) -> np.ndarray:
    """Number of subsets of {1..n} with each rank sum 0..n(n+1)/2 (exact integers as float)."""
    top = n * (n + 1) // 2
    counts = np.zeros(top + 1, dtype="float64")
    counts[0] = 1.0
    for k in range(1, n + 1):  # loop over ranks (n < 50), not over data
        counts[k:] = counts[k:] + counts[: top + 1 - k].copy()
    counts.setflags(write=False)
    return counts


def psignrank(q: float, n: int, *, lower_tail: bool = True) -> float:
    """Distribution function of the signed-rank statistic (R's ``psignrank``).

    Parameters
    ----------
    q
        Quantile (a rank sum).
    n
        Number of non-zero differences (at most a few hundred; counts are exact up to n = 50).
    lower_tail
        ``P(V <= q)`` when true, else ``P(V > q)``.

    Returns
    -------
    float
        The probability.

    Notes
    -----
    The null distribution is computed by counting the subsets of ranks with each sum
    (dynamic programming), each of the :math:`2^n` sign patterns being equally likely. The
    tests compare it with scipy's exact distribution and with R's p-values.

    Examples
    --------
    >>> psignrank(3, 5)
    0.15625
    """
    n = int(n)
    x = np.floor(q + 1e-7)
    top = n * (n + 1) / 2
    if x < 0:
        return 0.0 if lower_tail else 1.0
    if x >= top:
        return 1.0 if lower_tail else 0.0
    counts = _signrank_counts(n)
    f = np.exp(-n * np.log(2.0))
    # R's nmath/signrank.c: sum the smaller tail term by term, then complement if needed
    if x <= n * (n + 1) / 4:
        p = float(np.cumsum(counts[: int(x) + 1] * f)[-1])
    else:
        k = int(top - x)
        p = float(np.cumsum(counts[:k] * f)[-1])
        lower_tail = not lower_tail
    return p if lower_tail else 0.5 - p + 0.5


def _ranks_and_ties(absd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Average ranks of ``absd`` and the sizes of its tie groups (R ``rank`` / ``table(r)``)."""
    ranks = stats.rankdata(absd, method="average")
    _, counts = np.unique(absd, return_counts=True)
    return ranks, counts


def wilcoxon_signed_rank(
    x: np.ndarray | list[float],
    y: np.ndarray | list[float] | None = None,
    *,
    alternative: Alternative = "two-sided",
    exact: bool | None = None,
    correct: bool = True,
) -> WilcoxonResult:
    """Wilcoxon signed-rank test on paired values, following R 4.2 ``wilcox.test``.

    Parameters
    ----------
    x
        The later measurements (or the differences themselves when ``y`` is None).
    y
        The earlier measurements, paired with ``x`` position by position. Pairs with a
        missing value in either are dropped (R ``complete.cases``).
    alternative
        ``"two-sided"`` (default), ``"greater"`` (x tends to be larger) or ``"less"``.
    exact
        ``None`` (default, R's rule): the exact p-value is wanted when n′ < 50. ``True``: wanted
        whatever n′. ``False``: always the normal approximation. As in R, a wanted exact
        p-value is only computed without ties and zeros; otherwise the normal approximation is
        used and, like R, an :class:`~evaltool.errors.EvaltoolWarning` is issued for each of
        R's warnings ("cannot compute exact p-value with ties" / "... with zeroes"), which are
        also kept in the result's ``warnings``.
    correct
        Continuity correction in the normal approximation (R's default: true).

    Returns
    -------
    WilcoxonResult
        ``statistic`` (V = W+), ``p``, ``method``, ``n_nonzero``, ``z``, ``exact``,
        ``w_minus``, ``has_ties``, ``n_zero``, ``warnings``.

    Warns
    -----
    EvaltoolWarning
        When an exact p-value was wanted but ties or zeros ruled it out (R's warnings).

    Notes
    -----
    With :math:`d = x - y`, zeros dropped and :math:`R_i` the average ranks of :math:`|d_i|`:
    :math:`V = \\sum_{d_i > 0} R_i`. Exact two-sided p: :math:`\\min(1, 2 P(V' \\ge V))` if
    :math:`V > n'(n'+1)/4`, else :math:`\\min(1, 2 P(V' \\le V))`. Approximation:

    .. math:: z = \\frac{V - n'(n'+1)/4 - \\operatorname{sign}(\\cdot)\\,0.5}
              {\\sqrt{n'(n'+1)(2n'+1)/24 - \\sum (t^3 - t)/48}}

    with :math:`t` the sizes of tied groups of :math:`|d|`. Checked against R 4.2.2
    ``wilcox.test(post, pre, paired = TRUE)`` on ``tests/reference`` (six large comparisons
    and twelve small cohorts, exact and approximate), to 1e-12; R's warnings per case on
    ``tests/reference/expected/wilcoxon_warnings.json`` (the reference data's pairs by cohort
    and six hand-made cases with ties and zeros).

    Examples
    --------
    >>> res = wilcoxon_signed_rank([2.0, 3.5, 5.0, 4.0, 6.5], [1.0, 1.5, 2.0, 4.5, 1.0])
    >>> res.statistic, round(res.p, 4), res.method
    (14.0, 0.125, 'Wilcoxon signed rank exact test')

    With a tie the exact p-value is out of reach, and R (and evaltool) say so:

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     res = wilcoxon_signed_rank([2.0, 3.0, 5.0, 7.0], [1.0, 2.0, 1.0, 1.0])
    >>> res.method, res.warnings, str(caught[0].message).startswith(res.warnings[0])
    ('Wilcoxon signed rank test with continuity correction', ('cannot compute exact p-value with ties',), True)
    """
    res = _signed_rank(x, y, alternative=alternative, exact=exact, correct=correct)
    for text in res.warnings:
        warnings.warn(f"{text} (as R's wilcox.test warns); the p-value comes from the normal "
                      "approximation" + (" with continuity correction" if correct else ""),
                      EvaltoolWarning, stacklevel=2)
    return res


def fallback_note(res: WilcoxonResult) -> str:
    """One sentence for a table's ``note`` when R's warnings say the exact p-value was not
    possible ("" when there were none).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     res = wilcoxon_signed_rank([2.0, 3.0, 5.0, 7.0], [1.0, 2.0, 1.0, 1.0])
    >>> fallback_note(res)
    'Wilcoxon: "cannot compute exact p-value with ties" (R wilcox.test warning), so p is from the normal approximation with continuity correction'
    """
    if not res.warnings:
        return ""
    quoted = ", ".join(f'"{w}"' for w in res.warnings)
    plural = "s" if len(res.warnings) > 1 else ""
    how = ("the normal approximation with continuity correction" if res.method == METHOD_APPROX_CC
           else "the normal approximation")
    return f"Wilcoxon: {quoted} (R wilcox.test warning{plural}), so p is from {how}"


def _differences(x: np.ndarray | list[float], y: np.ndarray | list[float] | None) -> np.ndarray:
    """The non-missing differences x − y (or x alone), flat."""
    xa = np.asarray(x, dtype="float64")
    if y is None:
        d = xa.reshape(-1)
    else:
        ya = np.asarray(y, dtype="float64")
        if xa.shape != ya.shape:
            raise ParameterError(
                f"x and y passed to wilcoxon_signed_rank() must have the same length "
                f"(got {xa.size} and {ya.size}).",
                fix="pass values paired position by position.",
            )
        d = (xa - ya).reshape(-1)
    return d[~np.isnan(d)]


def _normal_z(v: float, n: int, tie_sizes: np.ndarray, alternative: Alternative, correct: bool) -> float:
    """z of the normal approximation, tie-corrected, with R's continuity correction."""
    centre = v - n * (n + 1) / 4.0
    tie_term = float(np.sum(tie_sizes.astype("float64") ** 3 - tie_sizes)) / 48.0
    sigma = np.sqrt(n * (n + 1) * (2 * n + 1) / 24.0 - tie_term)
    if correct:
        if alternative == "two-sided":
            corr = float(np.sign(centre)) * 0.5
        else:
            corr = 0.5 if alternative == "greater" else -0.5
    else:
        corr = 0.0
    return (centre - corr) / sigma if sigma > 0 else float("nan")


def _signed_rank(
    x: np.ndarray | list[float],
    y: np.ndarray | list[float] | None = None,
    *,
    alternative: Alternative = "two-sided",
    exact: bool | None = None,
    correct: bool = True,
) -> WilcoxonResult:
    """:func:`wilcoxon_signed_rank` without issuing R's warnings: they are only kept in the
    result's ``warnings`` (for callers that put them in a table's ``note``)."""
    if alternative not in ALTERNATIVES:
        raise ParameterError(
            "The 'alternative' parameter of wilcoxon_signed_rank() must be one of "
            f"{one_of(ALTERNATIVES)}. Got {alternative!r} instead."
        )
    d = _differences(x, y)
    zero = d == 0
    n_zero = int(zero.sum())
    d = d[~zero]
    n = int(d.size)
    want_exact = (n < EXACT_MAX_N) if exact is None else bool(exact)
    if n == 0:
        return WilcoxonResult(0.0, float("nan"), METHOD_APPROX_CC if correct else METHOD_APPROX,
                              0, float("nan"), False, 0.0, False, n_zero,
                              (WARN_ZEROES,) if want_exact and n_zero else ())
    absd = np.abs(d)
    ranks, tie_sizes = _ranks_and_ties(absd)
    has_ties = bool(tie_sizes.size != n)
    v = float(ranks[d > 0].sum())
    w_minus = float(ranks[d < 0].sum())

    z = _normal_z(v, n, tie_sizes, alternative, correct)  # always computed, reported as z

    if want_exact and not has_ties and n_zero == 0:
        if alternative == "two-sided":
            if v > n * (n + 1) / 4.0:
                one = psignrank(v - 1, n, lower_tail=False)
            else:
                one = psignrank(v, n)
            p = min(2.0 * one, 1.0)
        elif alternative == "greater":
            p = psignrank(v - 1, n, lower_tail=False)
        else:
            p = psignrank(v, n)
        return WilcoxonResult(v, float(p), METHOD_EXACT, n, float(z), True, w_minus, has_ties,
                              n_zero)

    # R 4.2 wilcox.test.default: both warnings when both apply, ties first
    warned = tuple(text for text, hit in ((WARN_TIES, has_ties), (WARN_ZEROES, n_zero > 0))
                   if want_exact and hit)
    if not np.isfinite(z):
        p = float("nan")
    elif alternative == "two-sided":
        p = 2.0 * min(special.ndtr(z), special.ndtr(-z))
    elif alternative == "greater":
        p = special.ndtr(-z)
    else:
        p = special.ndtr(z)
    method = METHOD_APPROX_CC if correct else METHOD_APPROX
    return WilcoxonResult(v, float(p), method, n, float(z), False, w_minus, has_ties, n_zero,
                          warned)
