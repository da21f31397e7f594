"""Tables from a :class:`MixedFit`: fixed effects, variance components, type III ANOVA."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ... import columns as C
from ...errors import ParameterError
from ...options import check_confidence
from ._contest import contest1d, contest_md, type3_contrasts
from .fit import DF_METHOD, MixedFit

__all__ = [
    "ANOVA_COLUMNS",
    "MIXED_COLUMNS",
    "VARIANCE_COLUMNS",
    "anova_type3",
    "tidy_mixed",
    "variance_components",
]

MODEL = "model"
TERM = "term"
MIXED_COLUMNS = (C.INSTRUMENT, C.SCALE, MODEL, TERM, "estimate", "se", "df", "t", "p",
                 "ci_low", "ci_high", "df_method")
"""Columns of :func:`tidy_mixed`."""
VARIANCE_COLUMNS = (C.INSTRUMENT, C.SCALE, MODEL, "group", "variance", "sd")
"""Columns of :func:`variance_components`."""
ANOVA_COLUMNS = (C.INSTRUMENT, C.SCALE, MODEL, TERM, "sum_sq", "mean_sq", "num_df", "den_df",
                 "F", "p", "df_method")
"""Columns of :func:`anova_type3`."""


def check_fit(fit: object, func: str) -> MixedFit:
    if not isinstance(fit, MixedFit):
        raise ParameterError(f"The 'fit' parameter of {func}() must be a MixedFit (the result "
                             f"of fit_mixed()). Got {type(fit).__name__} instead.")
    return fit


def as_fits(fits: object, func: str) -> list[MixedFit]:
    """One fit, a sequence of fits or a mapping whose values are fits, as a list."""
    if isinstance(fits, MixedFit):
        return [fits]
    if isinstance(fits, Mapping):
        items = list(fits.values())
    elif isinstance(fits, Sequence) and not isinstance(fits, str):
        items = list(fits)
    else:
        raise ParameterError(f"The 'fits' parameter of {func}() must be a MixedFit (the result "
                             "of fit_mixed()), a list of them or a mapping whose values are "
                             f"fits. Got {type(fits).__name__} instead.")
    return [check_fit(f, func) for f in items]


def t_columns(estimate, se, df, confidence: float) -> dict[str, np.ndarray]:
    """t, two-sided p and the CI of Wald t-tests with ``df`` (lmerTest ``waldCI``)."""
    estimate, se, df = (np.asarray(x, dtype=float) for x in (estimate, se, df))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = estimate / se
    q = stats.t.ppf(0.5 + confidence / 2.0, df)
    return {"t": t, "p": 2.0 * stats.t.sf(np.abs(t), df),
            "ci_low": estimate - q * se, "ci_high": estimate + q * se}


def label(fit: MixedFit) -> dict[str, object]:
    return {C.INSTRUMENT: fit.instrument, C.SCALE: fit.scale, MODEL: fit.formula}


def _frame(rows: dict[str, object], columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns))


def tidy_mixed(fit: MixedFit, *, confidence: float = 0.95) -> pd.DataFrame:
    """Fixed effects of a mixed model with Satterthwaite t-tests, one row per coefficient.

    Parameters
    ----------
    fit
        The result of :func:`fit_mixed`.
    confidence
        Level of the confidence intervals.

    Returns
    -------
    pandas.DataFrame
        Columns (:data:`MIXED_COLUMNS`): ``instrument``, ``scale`` (None when the scores had no
        such column), ``model`` (lme4 formula), ``term`` (``"(Intercept)"``,
        ``"timepoint[post]"``, ``"group[midwife]:timepoint[post]"``, ...), ``estimate``,
        ``se``, ``df`` (Satterthwaite), ``t``, ``p`` (two-sided, t with ``df``), ``ci_low``,
        ``ci_high``, ``df_method`` (``"Satterthwaite"``).

    Notes
    -----
    ``summary()`` of lmerTest 3.1.3: for each coefficient ``c``, ``df = 2 (c'Φc)^2 / (g'Ag)``
    with ``Φ = cov(beta)``, ``g`` the gradient of ``c'Φc`` w.r.t. ``(theta, sigma)`` and ``A``
    twice the (generalised) inverse Hessian of the REML deviance; CI = estimate ± t_{df}
    × se. Checked against R 4.2.2 / lme4 1.1.31 / lmerTest 3.1.3
    (``tests/reference/expected/prepost.json``, ``lmm.*.random_intercept.fixed``).

    Examples
    --------
    >>> import pandas as pd
    >>> from evaltool.stats.mixed import fit_mixed
    >>> scores = pd.DataFrame({
    ...     "participant_id": ["a", "a", "b", "b", "c", "c", "d"],
    ...     "timepoint": pd.Categorical(["pre", "post"] * 3 + ["pre"],
    ...                                 categories=["pre", "post"], ordered=True),
    ...     "score": [3.0, 3.6, 2.5, 3.4, 4.0, 4.1, 3.1]})
    >>> tidy_mixed(fit_mixed(scores))[["term", "estimate"]].round(4)
                  term  estimate
    0      (Intercept)    3.1500
    1  timepoint[post]    0.5382
    """
    fit = check_fit(fit, "tidy_mixed")
    confidence = check_confidence(confidence, "tidy_mixed")
    res = [contest1d(fit, row) for row in np.eye(len(fit.beta))]
    est = np.array([r.estimate for r in res])
    se = np.array([r.se for r in res])
    df = np.array([r.df for r in res])
    out = {**label(fit), TERM: list(fit.column_names), "estimate": est, "se": se, "df": df,
           **t_columns(est, se, df, confidence), "df_method": DF_METHOD}
    return _frame(out, MIXED_COLUMNS)


def variance_components(fit: MixedFit) -> pd.DataFrame:
    """Variance components of a mixed model (lme4 ``VarCorr``), one row per random term.

    Parameters
    ----------
    fit
        The result of :func:`fit_mixed`.

    Returns
    -------
    pandas.DataFrame
        Columns (:data:`VARIANCE_COLUMNS`): ``instrument``, ``scale``, ``model``, ``group``
        (the participant column, the cohort column if any, then ``"Residual"``),
        ``variance`` and ``sd`` (REML estimates). The REML criterion is
        ``fit.reml_criterion``.

    Notes
    -----
    ``variance = (theta × sigma)^2`` for each random intercept and ``sigma^2`` for the
    residual. Checked against ``as.data.frame(VarCorr(fit))`` of lme4 1.1.31 (R 4.2.2) on
    ``tests/reference/expected/prepost.json`` (``lmm.*.varcorr``).

    Examples
    --------
    >>> import pandas as pd
    >>> from evaltool.stats.mixed import fit_mixed
    >>> scores = pd.DataFrame({
    ...     "participant_id": ["a", "a", "b", "b", "c", "c", "d"],
    ...     "timepoint": pd.Categorical(["pre", "post"] * 3 + ["pre"],
    ...                                 categories=["pre", "post"], ordered=True),
    ...     "score": [3.0, 3.6, 2.5, 3.4, 4.0, 4.1, 3.1]})
    >>> variance_components(fit_mixed(scores))["group"].tolist()
    ['participant_id', 'Residual']
    """
    fit = check_fit(fit, "variance_components")
    sds = np.concatenate([fit.theta * fit.sigma, [fit.sigma]])
    out = {**label(fit), "group": [*fit.random_groups, "Residual"], "variance": sds ** 2,
           "sd": sds}
    return _frame(out, VARIANCE_COLUMNS)


def anova_type3(fit: MixedFit) -> pd.DataFrame:
    """Type III ANOVA table of the fixed effects with Satterthwaite's denominator df.

    Parameters
    ----------
    fit
        The result of :func:`fit_mixed` (most useful with ``group=``).

    Returns
    -------
    pandas.DataFrame
        Columns (:data:`ANOVA_COLUMNS`): ``instrument``, ``scale``, ``model``, ``term``
        (``group``, ``timepoint``, ``group:timepoint`` with the column names used), ``sum_sq``,
        ``mean_sq``, ``num_df``, ``den_df``, ``F``, ``p``, ``df_method``.

    Notes
    -----
    lmerTest 3.1.3 ``anova(fit, type = "III", ddf = "Satterthwaite")``: each term's hypothesis
    matrix ``L`` comes from ``extract_contrasts_type3`` (SAS type III estimable functions for
    treatment coding; a model with one term uses the type I/Doolittle contrasts, as
    lmerTest). With ``VL = L Φ L' = P D P'``, ``F = Σ_m (P_m'L beta)^2 / D_m / q``, each
    ``P_m'L`` has a Satterthwaite df ``nu_m`` and ``DenDF = 2E / (E - q)``,
    ``E = Σ nu_m / (nu_m - 2)`` (``get_Fstat_ddf``); ``mean_sq = F sigma^2``,
    ``sum_sq = q × mean_sq``. Checked against R 4.2.2 / lmerTest 3.1.3
    (``tests/reference/expected/prepost.json``, ``lmm.*.profession_by_time.anova_type3``).

    Examples
    --------
    >>> import pandas as pd
    >>> from evaltool.stats.mixed import fit_mixed
    >>> scores = pd.DataFrame({
    ...     "participant_id": ["a", "a", "b", "b", "c", "c", "d"],
    ...     "timepoint": pd.Categorical(["pre", "post"] * 3 + ["pre"],
    ...                                 categories=["pre", "post"], ordered=True),
    ...     "score": [3.0, 3.6, 2.5, 3.4, 4.0, 4.1, 3.1]})
    >>> anova_type3(fit_mixed(scores))[["term", "num_df"]]
            term  num_df
    0  timepoint       1
    """
    fit = check_fit(fit, "anova_type3")
    tests = {term: contest_md(fit, L) for term, L in type3_contrasts(fit).items()}
    F = np.array([r.F for r in tests.values()])
    num = np.array([r.num_df for r in tests.values()])
    den = np.array([r.den_df for r in tests.values()])
    out = {**label(fit), TERM: list(tests), "sum_sq": [r.sum_sq for r in tests.values()],
           "mean_sq": [r.mean_sq for r in tests.values()], "num_df": num, "den_df": den,
           "F": F, "p": stats.f.sf(F, num, den), "df_method": DF_METHOD}
    return _frame(out, ANOVA_COLUMNS)
