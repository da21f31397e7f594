"""Change from baseline per scale and timepoint, as the published study reports it."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ... import columns as C
from ...errors import EvaltoolWarning, ParameterError
from ...options import check_confidence
from .. import _data
from ._contest import contest1d
from ._design import check_columns, timepoint_order
from .fit import DF_METHOD, MixedFit, fit_mixed
from .tables import MODEL, as_fits, t_columns

__all__ = ["CHANGE_COLUMNS", "EFFECT_SIZE", "change_vs_baseline"]

CHANGE_COLUMNS = (
    C.INSTRUMENT, C.SCALE, C.TIMEPOINT, "baseline", "beta", "ci_low", "ci_high", "se", "df",
    "t", "p", "d", "d_ci_low", "d_ci_high", "sd_baseline", "n_baseline", "n_timepoint", "n_obs", "n_participants",
    "singular", MODEL, "df_method", "effect_size", "note",
)
"""Columns of :func:`change_vs_baseline`: ``instrument``, ``scale``, ``timepoint``, ``baseline``,
``beta`` (change from baseline), ``ci_low``, ``ci_high``, ``se``, ``df`` (Satterthwaite), ``t``,
``p`` (two-sided, unadjusted), ``d`` (= beta / ``sd_baseline``), ``d_ci_low``, ``d_ci_high``
(= ``ci_low``, ``ci_high`` / ``sd_baseline``), ``sd_baseline`` (sample SD, n − 1, of all
available baseline scores in the model), ``n_baseline`` (their number), ``n_timepoint`` (scores
at the timepoint), ``n_obs`` and ``n_participants`` (in the model), ``singular`` (boundary
fit), ``model`` (lme4 formula), ``df_method``, ``effect_size`` (what ``d`` is) and ``note`` (why
a row is empty, or the singular-fit message; else None)."""

EFFECT_SIZE = ("d = beta / SD_baseline (sample SD, n - 1, of all available baseline scores); "
               "CI of d = CI of beta / SD_baseline")
"""What the ``d`` column is, written into every row."""

NO_SCORES = "no scores at this timepoint"


def change_vs_baseline(
    data: pd.DataFrame | MixedFit | Sequence[MixedFit] | Mapping[object, MixedFit],
    *,
    dv: str = C.SCORE,
    time: str = C.TIMEPOINT,
    subject: str = C.PARTICIPANT_ID,
    cohort: str | None = None,
    baseline: object = None,
    scale: str | None = C.SCALE,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Change against baseline from the random-intercept model, one row per scale × timepoint.

    This is the table of the published study: for each later timepoint the unadjusted
    regression coefficient against baseline with its confidence interval and p, and
    d = β / SD of the baseline scores with its interval.

    Parameters
    ----------
    data
        Long scores (every ``instrument`` × ``scale`` in them is fitted with
        :func:`fit_mixed`), or fits from :func:`fit_mixed` without ``group``: one fit, a list
        of them, or a mapping whose values are fits (e.g. one per scale). Passing the fits
        that were already made (for :func:`tidy_mixed` and the other tables) fits each model
        once; the numbers are the same as from the scores.
    dv, time, subject, cohort, baseline
        Passed to :func:`fit_mixed` when ``data`` are scores; ignored for fits.
    scale
        Column naming the scale (default ``scale``; None when the scores hold one scale). With
        scores, one model is fitted per ``instrument`` (if that column exists) × ``scale``.
    confidence
        Level of the confidence intervals of beta and d (e.g. 0.90 for 90% intervals).

    Returns
    -------
    pandas.DataFrame
        One row per scale × later timepoint, columns :data:`CHANGE_COLUMNS` (described there):
        β with its CI, SE, Satterthwaite df, t and p; d with its CI; the baseline SD and the
        counts; the model, the method and a ``note`` when a row is empty or the fit singular.
        A declared timepoint without scores, or a scale whose model cannot be fitted, gets
        rows with missing statistics and the reason in ``note`` (the latter also warns).

    Raises
    ------
    ParameterError
        For a missing column or an unknown baseline, a fit with ``group``, or (with a single
        scale) data that cannot support the model.

    Notes
    -----
    ``beta`` is the treatment-coded time coefficient of ``score ~ time + (1 | participant)``
    (plus ``(1 | cohort)`` if asked), by REML on all available data, with Satterthwaite's df
    (lmerTest 3.1.3). ``d`` standardises by the SD of the baseline scores, as the published
    study did (neither d_z nor d_av): d = β / SD_baseline and CI(d) = CI(β) / SD_baseline, with
    SD_baseline treated as known. References and tolerances: docs/statistics.md, section 4.

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({
    ...     "participant_id": ["a", "a", "b", "b", "c", "c", "d"],
    ...     "timepoint": pd.Categorical(["pre", "post"] * 3 + ["pre"],
    ...                                 categories=["pre", "post"], ordered=True),
    ...     "score": [3.0, 3.6, 2.5, 3.4, 4.0, 4.1, 3.1]})
    >>> change_vs_baseline(scores, scale=None)[["timepoint", "beta", "d"]].round(4)
      timepoint    beta       d
    0      post  0.5382  0.8618
    """
    confidence = check_confidence(confidence, "change_vs_baseline")
    if isinstance(data, pd.DataFrame):
        frames = _fit_all(data, dv=dv, time=time, subject=subject, cohort=cohort,
                          baseline=baseline, scale=scale, confidence=confidence)
    else:
        frames = [_rows(f, confidence) for f in as_fits(data, "change_vs_baseline")]
    if not frames:
        return pd.DataFrame(columns=list(CHANGE_COLUMNS))
    out = pd.concat(frames, ignore_index=True)
    out["singular"] = out["singular"].astype("boolean")
    return out


def _fit_all(data: pd.DataFrame, *, dv, time, subject, cohort, baseline, scale,
             confidence: float) -> list[pd.DataFrame]:
    func = "change_vs_baseline"
    check_columns(data, func, dv=dv, time=time, subject=subject, cohort=cohort, scale=scale)
    _data.check_numeric(data, dv, func)
    if scale is not None and data[scale].isna().any():
        raise ParameterError(f"{int(data[scale].isna().sum())} row(s) passed to {func}() have "
                             "no scale.", fix="remove them or fill in the scale column.")
    levels = timepoint_order(data[time], baseline, func)
    base, later = levels[0], levels[1:]
    by = [c for c in (C.INSTRUMENT, scale) if c is not None and c in data.columns]
    groups = (data.groupby(by, sort=False, observed=True, dropna=False) if by
              else [((), data)])
    frames = []
    for key, sub in groups:
        try:
            fit = fit_mixed(sub, dv=dv, time=time, subject=subject, cohort=cohort,
                            baseline=baseline, scale=scale)
        except ParameterError as err:
            if not by:
                raise
            key = key if isinstance(key, tuple) else (key,)
            ident = dict(zip(by, key, strict=True))
            ident = {C.INSTRUMENT: ident.get(C.INSTRUMENT), C.SCALE: ident.get(scale)}
            name = " / ".join(str(v) for v in key)
            warnings.warn(f"change_vs_baseline(): {name} could not be fitted: {err.message}",
                          EvaltoolWarning, stacklevel=3)
            frames.append(_empty_rows(ident, later, base, err.message))
            continue
        frames.append(_rows(fit, confidence))
    return frames


def _empty_rows(ident: dict, later: list, base: object, note: str) -> pd.DataFrame:
    n = len(later)
    out: dict[str, list[object]] = {c: [None] * n for c in CHANGE_COLUMNS}
    out.update({C.INSTRUMENT: [ident.get(C.INSTRUMENT)] * n, C.SCALE: [ident.get(C.SCALE)] * n,
                C.TIMEPOINT: later, "baseline": [base] * n, "df_method": [DF_METHOD] * n,
                "effect_size": [EFFECT_SIZE] * n, "note": [note] * n})
    for c in ("beta", "ci_low", "ci_high", "se", "df", "t", "p", "d", "d_ci_low", "d_ci_high",
              "sd_baseline"):
        out[c] = [np.nan] * n
    return pd.DataFrame(out, columns=list(CHANGE_COLUMNS))


def _rows(fit: MixedFit, confidence: float) -> pd.DataFrame:
    if fit.group is not None:
        raise ParameterError("change_vs_baseline() needs a model without group=; the time "
                             "coefficients of a group x time model are the reference group's.",
                             fix="use emmeans_contrasts(fit, by_group=True) for change within "
                                 "each group.")
    later = list(fit.all_time_levels[1:])
    n = len(later)
    est, se, df = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    n_t = np.zeros(n, dtype=np.int64)
    notes: list[str | None] = [None] * n
    fit_note = "; ".join(fit.messages) if fit.singular else None
    for i, lv in enumerate(later):
        if lv in fit.empty_time_levels:
            notes[i] = NO_SCORES
            continue
        j = fit.column_names.index(f"{fit.time}[{lv}]")
        r = contest1d(fit, np.eye(len(fit.beta))[j])
        est[i], se[i], df[i] = r.estimate, r.se, r.df
        n_t[i] = fit.n_per_time[fit.time_levels.index(lv)]
        notes[i] = fit_note
    tc = t_columns(est, se, df, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = est / fit.sd_baseline
        d_low, d_high = tc["ci_low"] / fit.sd_baseline, tc["ci_high"] / fit.sd_baseline
    out = {
        C.INSTRUMENT: fit.instrument, C.SCALE: fit.scale, C.TIMEPOINT: later,
        "baseline": fit.baseline, "beta": est, "ci_low": tc["ci_low"], "ci_high": tc["ci_high"],
        "se": se, "df": df, "t": tc["t"], "p": tc["p"], "d": d, "d_ci_low": d_low, "d_ci_high": d_high,
        "sd_baseline": fit.sd_baseline,
        "n_baseline": fit.n_baseline, "n_timepoint": n_t, "n_obs": fit.n_obs,
        "n_participants": fit.n_participants, "singular": fit.singular, MODEL: fit.formula,
        "df_method": DF_METHOD, "effect_size": EFFECT_SIZE, "note": notes,
    }
    return pd.DataFrame(out, columns=list(CHANGE_COLUMNS))
