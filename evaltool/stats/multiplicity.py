"""Adjusting p-values for multiple comparisons, exactly as R's ``stats::p.adjust``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from ..errors import ParameterError, one_of

__all__ = ["CORRECTIONS", "Correction", "p_adjust"]

Correction = Literal["holm", "BH", "bonferroni", "none"]
CORRECTIONS: tuple[str, ...] = ("holm", "BH", "bonferroni", "none")
"""Methods :func:`p_adjust` accepts (R's names)."""


def p_adjust(p: Sequence[float] | np.ndarray, method: Correction = "holm") -> np.ndarray:
    """Adjust p-values for multiple comparisons (R's ``p.adjust``).

    Parameters
    ----------
    p
        Raw p-values. Missing values (NaN/None) stay missing and are not counted in the
        family size, as in R (``n = length(p[!is.na(p)])``).
    method
        ``"holm"`` (Holm 1979, step-down; the default), ``"BH"`` (Benjamini & Hochberg 1995,
        false discovery rate), ``"bonferroni"`` or ``"none"``.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values (float64), in the order of ``p``. The input is not modified.

    Raises
    ------
    ParameterError
        For an unknown ``method`` or p-values outside [0, 1].

    Notes
    -----
    With the non-missing p-values sorted ascending, :math:`p_{(1)} \\le \\dots \\le p_{(n)}`:

    * Holm: :math:`\\tilde p_{(i)} = \\min\\{1, \\max_{j \\le i} (n - j + 1) p_{(j)}\\}`;
    * BH: :math:`\\tilde p_{(i)} = \\min\\{1, \\min_{j \\ge i} n p_{(j)} / j\\}`.

    These are the formulas of ``stats::p.adjust`` in R 4.2.2; the tests reproduce the
    ``multiplicity`` block of ``tests/reference/expected/prepost.json`` (R 4.2.2
    ``p.adjust(p, "holm")`` and ``p.adjust(p, "BH")``) to 1e-15.

    Examples
    --------
    >>> p_adjust([0.01, 0.04, 0.03], "holm")
    array([0.03, 0.06, 0.06])
    >>> p_adjust([0.01, 0.04, 0.03], "BH")
    array([0.03, 0.04, 0.04])
    >>> p_adjust([0.01, float("nan"), 0.03], "holm")
    array([0.02,  nan, 0.03])
    """
    if method not in CORRECTIONS:
        raise ParameterError(
            f"The 'method' parameter of p_adjust() must be one of {one_of(CORRECTIONS)}. "
            f"Got {method!r} instead."
        )
    arr = np.array(p, dtype="float64", copy=True).reshape(-1)
    ok = ~np.isnan(arr)
    vals = arr[ok]
    if np.any((vals < 0) | (vals > 1)):
        raise ParameterError(
            "p-values passed to p_adjust() must lie between 0 and 1.",
            fix="pass raw p-values, not test statistics or percentages.",
        )
    n = vals.size
    out = np.full(arr.shape, np.nan)
    if n == 0:
        return out
    if method == "none":
        adj = vals
    elif method == "bonferroni":
        adj = np.minimum(1.0, n * vals)
    elif method == "holm":
        order = np.argsort(vals, kind="stable")
        i = np.arange(1, n + 1)
        step = np.minimum(1.0, np.maximum.accumulate((n - i + 1) * vals[order]))
        adj = np.empty(n)
        adj[order] = step
    else:  # BH
        order = np.argsort(-vals, kind="stable")
        i = np.arange(n, 0, -1)
        step = np.minimum(1.0, np.minimum.accumulate(n / i * vals[order]))
        adj = np.empty(n)
        adj[order] = step
    out[ok] = adj
    return out
