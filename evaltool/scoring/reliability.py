"""Internal consistency of scales: Cronbach's α (with Feldt CI), ω total and item statistics.

The items are prepared exactly as :func:`evaltool.score` prepares them (answers checked
against the response set, recoded, reverse-keyed with the instrument's range), so the α of a
scale is the α of the items that make its score. Results follow ``psych::alpha`` and
``psych::omega(nfactors = 1)`` (docs/statistics.md, "Reliability").
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import EvaltoolWarning, ParameterError
from ..instruments import Instrument, load_instrument
from ..instruments.schema import Scale
from ..options import DEFAULT_CONFIDENCE, check_confidence
from ._alpha import alpha_stats, feldt_ci, minres_one_factor, omega_total, pairwise_moments
from ._prepare import as_wide, prepare
from .score import _problems_error, item_matrix

__all__ = [
    "ITEM_STATISTICS_COLUMNS",
    "RELIABILITY_COLUMNS",
    "feldt_ci",
    "item_statistics",
    "reliability",
]

RELIABILITY_COLUMNS = (
    C.INSTRUMENT, C.SCALE, C.N_ITEMS, "n", "n_complete", "alpha", "std_alpha", "average_r",
    "alpha_ci_low", "alpha_ci_high", "confidence", "omega_total",
    "alpha_method", "ci_method", "omega_method",
)
"""Columns of :func:`reliability`, in order: ``instrument`` (missing for ad-hoc items), ``scale``,
``n_items``; ``n`` (rows with at least one answered item) and ``n_complete`` (rows with every
item); ``alpha`` (raw Cronbach's α from the pairwise-complete covariance matrix); ``std_alpha``
and ``average_r`` (standardised α and mean inter-item correlation from ``cov2cor`` of that
matrix); ``alpha_ci_low``, ``alpha_ci_high`` and ``confidence`` (Feldt interval and its level);
``omega_total`` (McDonald's ω_t of a one-factor minres solution); ``alpha_method``,
``ci_method``, ``omega_method`` (what was computed, and how)."""

ITEM_STATISTICS_COLUMNS = (
    C.INSTRUMENT, C.SCALE, C.ITEM, "reversed", "n", "mean", "sd", "r_drop",
    "alpha_if_dropped", "std_alpha_if_dropped", "average_r_if_dropped",
)
"""Columns of :func:`item_statistics`, in order: ``instrument`` (missing for ad-hoc items),
``scale``, ``item``, ``reversed``; ``n``, ``mean``, ``sd`` (answered count, mean and SD, n − 1,
of the item *as scored*: recoded and reverse-keyed); ``r_drop`` (correlation of the item with
the sum of the other items, psych's ``r.drop``, from the pairwise-complete covariance matrix);
``alpha_if_dropped``, ``std_alpha_if_dropped``, ``average_r_if_dropped`` (raw α, standardised
α and average r of the other items; NaN for two-item scales)."""

ALPHA_METHOD = "psych::alpha: pairwise-complete covariances; std_alpha, average_r from cov2cor"
CI_METHOD = "Feldt (1965) F interval, n = complete cases"
OMEGA_METHOD = "psych::omega(nfactors = 1): one-factor minres on pairwise Pearson correlations"

_ADHOC = "items"
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")  # the instrument schema's item ids


# --------------------------------------------------------------------------------------
# choosing the items
# --------------------------------------------------------------------------------------
def _adhoc_instrument(items: Sequence[str] | Mapping[str, Sequence[str]],
                      reverse: Sequence[str] | None,
                      response_range: tuple[float, float] | None) -> Instrument:
    groups = dict(items) if isinstance(items, Mapping) else {"scale": list(items)}
    if not groups or any(isinstance(v, str) or len(v) == 0 for v in groups.values()):
        raise ParameterError(
            "The 'items' parameter of reliability() must be a list of column names or a mapping "
            "scale -> list of column names. Got an empty list or a single string instead.",
            fix="e.g. items=['q1', 'q2', 'q3'] or items={'resilience': ['q1', 'q2', 'q3']}.",
        )
    all_items = list(dict.fromkeys(c for cols in groups.values() for c in cols))
    odd = [c for c in list(all_items) + list(groups) if not _IDENTIFIER.match(str(c))]
    if odd:
        raise ParameterError(
            f"cannot use {odd} as item or scale names in reliability().",
            fix="names must start with a letter and use only letters, digits, '_', '.' or '-'; "
            "rename the columns first, e.g. data.rename(columns={'Q3 1': 'q3_1'}).",
        )
    rev = list(reverse or [])
    unknown = [r for r in rev if r not in all_items]
    if unknown:
        raise ParameterError(
            f"The 'reverse' parameter names {unknown}, which are not among the items.",
            fix=f"choose from {all_items}.",
        )
    if rev and response_range is None:
        raise ParameterError(
            "reversing items needs the response scale's range: reversed = min + max - x, never "
            "taken from the data.",
            fix="pass response_range=(min, max), e.g. response_range=(1, 5).",
        )
    # ad-hoc data: any number inside the range is accepted (no step); without a range, any number
    lo, hi = response_range if response_range is not None else (-1e300, 1e300)
    if not lo < hi:
        raise ParameterError(
            f"The 'response_range' parameter must be (min, max) with min < max. Got {response_range!r} instead."
        )
    spec = {
        "id": _ADHOC, "name": "ad-hoc items", "short_name": "items", "measures": "ad hoc",
        "citation": "user-supplied items",
        "licence": {"tier": "study", "item_text_shippable": False, "terms": "user data"},
        "response_sets": {"values": {"min": lo, "max": hi, "step": None}},
        "items": [{"id": c, "response_set": "values", "reverse": c in rev} for c in all_items],
        "scales": [
            {"id": s, "label": s, "items": list(cols), "method": "mean",
             "direction": "higher_better", "missing": {"min_answered": 1}}
            for s, cols in groups.items()
        ],
    }
    return Instrument.model_validate(spec)


def _select(data: pd.DataFrame, instrument: str | Instrument | None, scales: Sequence[str] | None,
            items: Sequence[str] | Mapping[str, Sequence[str]] | None, reverse: Sequence[str] | None,
            response_range: tuple[float, float] | None, columns: Mapping[str, str] | None,
            invalid: str, func: str) -> tuple[Instrument, list[Scale], list[np.ndarray], str | None]:
    if invalid not in ("raise", "missing"):
        raise ParameterError(
            f"The 'invalid' parameter of {func}() must be one of {{'raise', 'missing'}}. "
            f"Got {invalid!r} instead."
        )
    if instrument is None and items is None:
        raise ParameterError(
            f"{func}() needs an instrument or a list of items.",
            fix=f"{func}(data, 'brs') or {func}(data, items=['q1', 'q2', 'q3']).",
        )
    if instrument is not None and (items is not None or reverse is not None or response_range is not None):
        raise ParameterError(
            f"{func}() takes either an instrument or items/reverse/response_range, not both.",
            fix="the instrument already says which items form each scale and which are reversed.",
        )
    if instrument is not None:
        inst = load_instrument(instrument)
        chosen = inst.select_scales(scales)
        name: str | None = inst.id
    else:
        if scales is not None:
            raise ParameterError(
                f"The 'scales' parameter of {func}() needs an instrument.",
                fix="with ad-hoc items, pass items={'scale name': [columns]} instead.",
            )
        inst = _adhoc_instrument(items, reverse, response_range)  # type: ignore[arg-type]
        chosen = list(inst.scales)
        name = None
    wide, _ = as_wide(data, None)
    prepared, problems = prepare(wide, inst, chosen, columns, None)
    if problems and invalid == "raise":
        raise _problems_error(problems, inst)
    return inst, chosen, [item_matrix(inst, s, prepared) for s in chosen], name


# --------------------------------------------------------------------------------------
# public functions
# --------------------------------------------------------------------------------------
def reliability(
    data: pd.DataFrame,
    instrument: str | Instrument | None = None,
    *,
    scales: Sequence[str] | None = None,
    items: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
    reverse: Sequence[str] | None = None,
    response_range: tuple[float, float] | None = None,
    columns: Mapping[str, str] | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
    invalid: Literal["raise", "missing"] = "raise",
) -> pd.DataFrame:
    """Cronbach's α (with a Feldt CI) and ω total for each scale.

    Parameters
    ----------
    data
        Wide answers (one row per response, items in columns named after the item ids or
        mapped with ``columns``) or tidy long Responses. Every row is used: select one
        timepoint (e.g. baseline) first. Not modified.
    instrument
        Packaged instrument name, YAML path or :class:`~evaltool.instruments.Instrument`. Its
        response sets, recodes and reverse keys are applied exactly as :func:`evaltool.score`
        applies them.
    scales
        Scale ids of the instrument (default: all).
    items
        Instead of an instrument: column names of one scale, or a mapping ``scale -> columns``.
    reverse
        With ``items``: columns to reverse-key as ``min + max - x``; needs ``response_range``.
    response_range
        With ``items``: ``(min, max)`` of the response scale. Values outside it are problems.
    columns
        Map from item id to data column, e.g. ``{"brs_1": "Q3_1"}`` (as in the study file).
    confidence
        Confidence level of the α interval (default 0.95).
    invalid
        ``"raise"`` (default): invalid answers raise :class:`~evaltool.errors.DataProblemsError`
        listing them all; ``"missing"``: they count as missing.

    Returns
    -------
    DataFrame
        One row per scale, columns :data:`RELIABILITY_COLUMNS` (described there). Scales of a
        single item get NaN statistics.

    Raises
    ------
    DataProblemsError
        With ``invalid="raise"``, when answers are not valid for their response set.
    ParameterError
        When the instrument, scales, items or options cannot be used.

    Notes
    -----
    α, standardised α and average r as ``psych::alpha`` (psych 2.2.9); Feldt's interval
    (:func:`feldt_ci`) with n = complete cases; ω_t as ``psych::omega(nfactors = 1)``.
    Formulas, references and tolerances: docs/statistics.md, section 2.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"q1": [1, 2, 3, 4, 5, 3], "q2": [2, 2, 3, 5, 4, 3],
    ...                    "q3": [5, 4, 3, 2, 1, 2]})
    >>> rel = reliability(df, items=["q1", "q2", "q3"], reverse=["q3"], response_range=(1, 5))
    >>> rel[["scale", "n", "alpha", "std_alpha"]].round(3)
       scale  n  alpha  std_alpha
    0  scale  6  0.949      0.951
    """
    confidence = check_confidence(confidence, "reliability")
    inst, chosen, mats, name = _select(data, instrument, scales, items, reverse, response_range,
                                       columns, invalid, "reliability")
    done = [_scale_row(scale, X, name, confidence) for scale, X in zip(chosen, mats, strict=True)]
    flat = [item for _, items_ in done for item in items_]
    if flat:
        warnings.warn(_NO_VARIANCE.format(items=", ".join(flat)), EvaltoolWarning, stacklevel=2)
    return pd.DataFrame([row for row, _ in done], columns=list(RELIABILITY_COLUMNS))


_NO_VARIANCE = ("item(s) {items} have no variance (or fewer than two answers): std_alpha, average_r and "
                "omega_total of their scale are not defined (NaN). psych::alpha would drop such items; "
                "drop them from the scale (items=...) to get these statistics.")


def _scale_row(scale: Scale, X: np.ndarray, name: str | None, confidence: float) -> tuple[dict, list[str]]:
    """One scale's row of :data:`RELIABILITY_COLUMNS`, and its items without variance."""
    k = X.shape[1]
    answered = ~np.isnan(X)
    per_row = answered.sum(axis=1)
    n, n_complete = int((per_row > 0).sum()), int((per_row == k).sum())
    pm = pairwise_moments(X)
    st = alpha_stats(pm.cov)
    variances = np.diag(pm.cov)
    flat = [f"'{i}' ({scale.id})" for i, v in zip(scale.items, variances, strict=True) if k >= 2 and not v > 0]
    lo, hi = feldt_ci(st.alpha, n_complete, k, confidence)
    omega = np.nan
    omega_note = OMEGA_METHOD
    if k >= 2:
        lam, how = minres_one_factor(pm.cor)
        omega = omega_total(pm.cor, lam)
        omega_note = f"{OMEGA_METHOD} ({how})"
    return {
        C.INSTRUMENT: name, C.SCALE: scale.id, C.N_ITEMS: k, "n": n, "n_complete": n_complete,
        "alpha": st.alpha, "std_alpha": st.std_alpha, "average_r": st.average_r,
        "alpha_ci_low": lo, "alpha_ci_high": hi, "confidence": confidence,
        "omega_total": omega,
        "alpha_method": ALPHA_METHOD if k >= 2 else "not defined for a single item",
        "ci_method": CI_METHOD if k >= 2 else "not defined for a single item",
        "omega_method": omega_note if k >= 2 else "not defined for a single item",
    }, flat


def item_statistics(
    data: pd.DataFrame,
    instrument: str | Instrument | None = None,
    *,
    scales: Sequence[str] | None = None,
    items: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
    reverse: Sequence[str] | None = None,
    response_range: tuple[float, float] | None = None,
    columns: Mapping[str, str] | None = None,
    invalid: Literal["raise", "missing"] = "raise",
) -> pd.DataFrame:
    """Item statistics of each scale: item–rest correlation and α if the item were dropped.

    Parameters
    ----------
    data, instrument, scales, items, reverse, response_range, columns, invalid
        As for :func:`reliability` (which also has ``confidence``). ``data`` is not modified.

    Returns
    -------
    DataFrame
        One row per scale × item, columns :data:`ITEM_STATISTICS_COLUMNS` (described there).

    Warns
    -----
    EvaltoolWarning
        Naming every item whose item–rest correlation is negative: the usual sign of a
        reverse-keyed item that was not reversed (or of a wrong key in the instrument file).

    Notes
    -----
    Closed forms from the covariance matrix (no refit per item), exactly as ``psych::alpha``
    reports ``r.drop`` and ``alpha.drop``: docs/statistics.md, section 2.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"q1": [1, 2, 3, 4, 5, 3], "q2": [2, 2, 3, 5, 4, 3],
    ...                    "q3": [5, 4, 3, 2, 1, 2]})
    >>> stats = item_statistics(df, items=["q1", "q2", "q3"], reverse=["q3"], response_range=(1, 5))
    >>> stats[["item", "reversed", "mean", "r_drop", "alpha_if_dropped"]].round(3)
      item  reversed   mean  r_drop  alpha_if_dropped
    0   q1     False  3.000   0.960             0.872
    1   q2     False  3.167   0.828             0.980
    2   q3      True  3.167   0.921             0.908
    """
    inst, chosen, mats, name = _select(data, instrument, scales, items, reverse, response_range,
                                       columns, invalid, "item_statistics")
    frames = []
    negative: list[str] = []
    for scale, X in zip(chosen, mats, strict=True):
        k = X.shape[1]
        pm = pairwise_moments(X)
        st = alpha_stats(pm.cov)
        answered = ~np.isnan(X)
        n_item = answered.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.nansum(X, axis=0) / n_item
            dev = np.where(answered, X - mean, 0.0)
            sd = np.sqrt((dev * dev).sum(axis=0) / (n_item - 1))
        frames.append(pd.DataFrame({
            C.INSTRUMENT: name, C.SCALE: scale.id, C.ITEM: list(scale.items),
            "reversed": [inst.is_reversed(scale, i) for i in scale.items],
            "n": n_item.astype("int64"), "mean": mean, "sd": sd, "r_drop": st.r_drop,
            "alpha_if_dropped": st.alpha_if_dropped, "std_alpha_if_dropped": st.std_alpha_if_dropped,
            "average_r_if_dropped": st.average_r_if_dropped,
        }, columns=list(ITEM_STATISTICS_COLUMNS)))
        if k >= 2:
            negative += [f"'{i}' ({scale.id}, r_drop = {r:.2f})"
                         for i, r in zip(scale.items, st.r_drop, strict=True) if r < 0]
    if negative:
        warnings.warn(
            f"item(s) {', '.join(negative)} correlate negatively with the rest of their scale: "
            "the usual sign of a reverse-keyed item that was not reversed. Check the reverse "
            "keys in the instrument file (or the 'reverse' list).",
            EvaltoolWarning, stacklevel=2,
        )
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(ITEM_STATISTICS_COLUMNS))
    return out
