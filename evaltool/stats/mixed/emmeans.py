"""Estimated marginal means per timepoint and their change from baseline (R's emmeans)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import columns as C
from ...errors import ParameterError
from ...options import check_confidence
from ._contest import contest1d
from ._design import cell_rows
from .fit import DF_METHOD, MixedFit
from .tables import MODEL, check_fit, label, t_columns

__all__ = ["EMMEANS_COLUMNS", "EMMEANS_CONTRAST_COLUMNS", "emmeans", "emmeans_contrasts"]

EMMEANS_COLUMNS = (C.INSTRUMENT, C.SCALE, MODEL, C.GROUP, C.TIMEPOINT, "emmean", "se", "df",
                   "ci_low", "ci_high", "df_method")
"""Columns of :func:`emmeans`."""
EMMEANS_CONTRAST_COLUMNS = (C.INSTRUMENT, C.SCALE, MODEL, C.GROUP, "contrast", C.TIMEPOINT,
                            "baseline", "estimate", "se", "df", "t", "p", "ci_low", "ci_high",
                            "p_adjust", "df_method")
"""Columns of :func:`emmeans_contrasts`."""


def _grid(fit: MixedFit, by_group: bool, func: str) -> tuple[list, np.ndarray]:
    """(group label or None, L matrix with one row per timepoint) blocks."""
    if not isinstance(by_group, bool):
        raise ParameterError(f"The 'by_group' parameter of {func}() must be True or False. "
                             f"Got {by_group!r} instead.")
    n_t = len(fit.time_levels)
    if fit.group_levels is None:
        if by_group:
            raise ParameterError(f"{func}(by_group=True) needs a model fitted with group=.",
                                 fix="fit_mixed(..., group='profession'), or by_group=False.")
        return [None], cell_rows(n_t, None)[None]
    n_g = len(fit.group_levels)
    rows = cell_rows(n_t, n_g).reshape(n_t, n_g, -1)  # (time, group, p)
    if by_group:
        return list(fit.group_levels), np.transpose(rows, (1, 0, 2))
    return [None], rows.mean(axis=1)[None]  # equal weights over groups, as emmeans


def emmeans(fit: MixedFit, *, by_group: bool = False, confidence: float = 0.95) -> pd.DataFrame:
    """Estimated marginal mean of the score at each timepoint, with Satterthwaite df.

    Parameters
    ----------
    fit
        The result of :func:`fit_mixed`.
    by_group
        With a ``group * time`` model: one mean per group × timepoint. Otherwise (default) the
        means average the groups with equal weights, as ``emmeans(fit, ~ time)``.
    confidence
        Level of the confidence intervals.

    Returns
    -------
    pandas.DataFrame
        Columns (:data:`EMMEANS_COLUMNS`): ``instrument``, ``scale``, ``model``, ``group``
        (None unless ``by_group``), ``timepoint``, ``emmean``, ``se``, ``df``
        (Satterthwaite), ``ci_low``, ``ci_high``, ``df_method``.

    Notes
    -----
    Each mean is ``l'beta`` with ``l`` the model-matrix row of the timepoint (averaged over
    groups); ``se = sqrt(l'Φl)``, df by Satterthwaite as for the fixed effects, CI = mean ±
    t_{df} × se. Checked against R 4.2.2 emmeans 1.8.4.1 ``emmeans(fit, ~ time, lmer.df =
    "satterthwaite")`` on an lmerTest 3.1.3 fit (``tests/reference/expected/prepost.json``,
    ``lmm.*.random_intercept.emmeans.means``).

    Examples
    --------
    >>> import pandas as pd
    >>> from evaltool.stats.mixed import fit_mixed
    >>> scores = pd.DataFrame({
    ...     "participant_id": ["a", "a", "b", "b", "c", "c", "d"],
    ...     "timepoint": pd.Categorical(["pre", "post"] * 3 + ["pre"],
    ...                                 categories=["pre", "post"], ordered=True),
    ...     "score": [3.0, 3.6, 2.5, 3.4, 4.0, 4.1, 3.1]})
    >>> emmeans(fit_mixed(scores))[["timepoint", "emmean"]].round(4)
      timepoint  emmean
    0       pre  3.1500
    1      post  3.6882
    """
    fit = check_fit(fit, "emmeans")
    confidence = check_confidence(confidence, "emmeans")
    groups, blocks = _grid(fit, by_group, "emmeans")
    rows: dict[str, list] = {k: [] for k in (C.GROUP, C.TIMEPOINT, "emmean", "se", "df")}
    for grp, L in zip(groups, blocks, strict=True):
        for lv, l_row in zip(fit.time_levels, L, strict=True):
            r = contest1d(fit, l_row)
            rows[C.GROUP].append(grp)
            rows[C.TIMEPOINT].append(lv)
            rows["emmean"].append(r.estimate)
            rows["se"].append(r.se)
            rows["df"].append(r.df)
    tc = t_columns(rows["emmean"], rows["se"], rows["df"], confidence)
    out = {**label(fit), **rows, "ci_low": tc["ci_low"], "ci_high": tc["ci_high"],
           "df_method": DF_METHOD}
    return pd.DataFrame(out, columns=list(EMMEANS_COLUMNS))


def emmeans_contrasts(fit: MixedFit, *, by_group: bool = False,
                      confidence: float = 0.95) -> pd.DataFrame:
    """Change of the estimated marginal mean from baseline, one row per later timepoint.

    Parameters
    ----------
    fit
        The result of :func:`fit_mixed`.
    by_group
        With a ``group * time`` model: the change within each group. Otherwise (default) the
        change of the means averaged over groups with equal weights.
    confidence
        Level of the confidence intervals.

    Returns
    -------
    pandas.DataFrame
        Columns (:data:`EMMEANS_CONTRAST_COLUMNS`): ``instrument``, ``scale``, ``model``,
        ``group`` (None unless ``by_group``), ``contrast`` (e.g. ``"post - pre"``),
        ``timepoint``, ``baseline``, ``estimate``, ``se``, ``df`` (Satterthwaite), ``t``,
        ``p`` (two-sided, unadjusted), ``ci_low``, ``ci_high``, ``p_adjust`` (``"none"``),
        ``df_method``.

    Notes
    -----
    ``estimate = (l_t - l_baseline)'beta``, tested with Satterthwaite's df; no multiplicity
    adjustment (apply :func:`evaltool.stats.multiplicity.p_adjust` over the declared family).
    Checked against R 4.2.2 emmeans 1.8.4.1 ``contrast(emm, method = list("post - pre" =
    c(-1, 1, 0), "follow - pre" = c(-1, 0, 1)), adjust = "none")`` on an lmerTest 3.1.3 fit
    (``tests/reference/expected/prepost.json``, ``lmm.*.random_intercept.emmeans.contrasts``).

    Examples
    --------
    >>> import pandas as pd
    >>> from evaltool.stats.mixed import fit_mixed
    >>> scores = pd.DataFrame({
    ...     "participant_id": ["a", "a", "b", "b", "c", "c", "d"],
    ...     "timepoint": pd.Categorical(["pre", "post"] * 3 + ["pre"],
    ...                                 categories=["pre", "post"], ordered=True),
    ...     "score": [3.0, 3.6, 2.5, 3.4, 4.0, 4.1, 3.1]})
    >>> emmeans_contrasts(fit_mixed(scores))[["contrast", "estimate"]].round(4)
         contrast  estimate
    0  post - pre    0.5382
    """
    fit = check_fit(fit, "emmeans_contrasts")
    confidence = check_confidence(confidence, "emmeans_contrasts")
    groups, blocks = _grid(fit, by_group, "emmeans_contrasts")
    base = fit.time_levels[0]
    keys = (C.GROUP, "contrast", C.TIMEPOINT, "baseline", "estimate", "se", "df")
    rows: dict[str, list] = {k: [] for k in keys}
    for grp, L in zip(groups, blocks, strict=True):
        for lv, l_row in zip(fit.time_levels[1:], L[1:], strict=True):
            r = contest1d(fit, l_row - L[0])
            for k, v in zip(keys, (grp, f"{lv} - {base}", lv, base, r.estimate, r.se, r.df),
                            strict=True):
                rows[k].append(v)
    out = {**label(fit), **rows, **t_columns(rows["estimate"], rows["se"], rows["df"],
                                             confidence),
           "p_adjust": "none", "df_method": DF_METHOD}
    return pd.DataFrame(out, columns=list(EMMEANS_CONTRAST_COLUMNS))
