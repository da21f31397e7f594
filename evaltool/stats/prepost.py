"""Pre/post comparisons of scale scores on complete pairs (docs/statistics.md, section 3).

For each scale × contrast (later timepoint vs earlier), participants with a score at both
timepoints are paired **by participant id** (never by row order), and one row reports the
paired t-test, the Wilcoxon signed-rank test (R's rules), d_av / g_av (the headline effect
size), d_z / g_z, the matched rank-biserial correlation, a Shapiro–Wilk test of the
differences, and Holm (or BH) adjusted p-values over the declared family. Pairing is a
vectorised scatter into a participant × timepoint matrix, and every group × scale × contrast
is computed in the same pass (``_paired.py``: cells of equal size are reduced as the rows of
one matrix), so 100,000 participants in 12,000 cohorts need no loop over cohorts — with
results identical, bit for bit, to computing each comparison on its own.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import ParameterError
from ..options import (
    DEFAULT_CONFIDENCE,
    DEFAULT_MIN_CELL_SIZE,
    check_confidence,
    check_min_cell_size,
)
from . import _data, _paired, _paired_cells
from .multiplicity import CORRECTIONS

__all__ = ["PREPOST_COLUMNS", "prepost"]

PREPOST_COLUMNS: tuple[str, ...] = (
    "scale", "contrast", "time_from", "time_to", "n_pairs",
    "mean_from", "sd_from", "mean_to", "sd_to",
    "mean_diff", "sd_diff", "mean_diff_ci_low", "mean_diff_ci_high",
    "t", "df", "p_t",
    "wilcoxon_v", "p_wilcoxon", "wilcoxon_method",
    "d_av", "d_av_ci_low", "d_av_ci_high", "g_av", "g_av_ci_low", "g_av_ci_high",
    "d_z", "d_z_ci_low", "d_z_ci_high", "g_z", "g_z_ci_low", "g_z_ci_high",
    "rank_biserial", "rank_biserial_ci_low", "rank_biserial_ci_high",
    "shapiro_w", "shapiro_p",
    "p_t_adj", "p_wilcoxon_adj", "correction", "effect_size", "note",
)
"""Output columns of :func:`prepost` (with ``by``: the group columns first and ``small_group`` last).

* ``scale``, ``contrast`` (``"later - earlier"``), ``time_from``, ``time_to``;
* ``n_pairs`` — complete pairs (both scores present), matched by participant id;
* ``mean_from``, ``sd_from``, ``mean_to``, ``sd_to`` — over those pairs (SD n − 1);
* ``mean_diff``, ``sd_diff``, ``mean_diff_ci_low``, ``mean_diff_ci_high`` — later −
  earlier, t-based interval;
* ``t``, ``df``, ``p_t`` — paired t-test;
* ``wilcoxon_v`` (V = W+), ``p_wilcoxon``, ``wilcoxon_method`` (exact or normal
  approximation with continuity correction, by R 4.2's rule; when R would warn that the
  exact p-value is impossible because of ties or zero differences, its warning text is
  in ``note``);
* ``d_av``, ``g_av`` and their ``_ci_low``/``_ci_high`` — the headline effect size
  (mean difference / mean of the two SDs), g with exact Hedges' J;
* ``d_z``, ``g_z`` and intervals — mean / SD of the differences, noncentral t CI;
* ``rank_biserial`` and its interval — matched-pairs rank-biserial correlation;
* ``shapiro_w``, ``shapiro_p`` — Shapiro–Wilk test of the differences;
* ``p_t_adj``, ``p_wilcoxon_adj``, ``correction`` — adjusted p-values and the method;
* ``effect_size`` — always ``"d_av"``: the effect size the report leads with;
* ``note`` — why any value is missing, and R's ``wilcox.test`` warnings ("cannot
  compute exact p-value with ties" / "... with zeroes", quoted) when the Wilcoxon
  p-value fell back from exact to the normal approximation (empty when neither).
"""

Alternative = Literal["two-sided", "greater", "less"]
_ALTERNATIVES = ("two-sided", "greater", "less")
MIN_PAIRS = _paired.MIN_PAIRS
SHAPIRO_MAX_N = _paired.SHAPIRO_MAX_N
_STR_COLS = ("wilcoxon_method", "correction", "effect_size", "note")


def _resolve_contrasts(levels: list[Any], baseline: Hashable | None,
                       contrasts: Sequence[tuple[Hashable, Hashable]] | None) -> list[tuple[Any, Any]]:
    if contrasts is None:
        base = levels[0] if baseline is None else baseline
        out = [(base, lv) for lv in levels if lv != base]
        if not out:
            raise ParameterError(
                "prepost() needs at least two timepoints; the data have only "
                f"{len(levels)}.", fix="pass scores from two or more timepoints.",
            )
        return out
    out = []
    for item in contrasts:
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            raise ParameterError(
                "The 'contrasts' parameter of prepost() must be a list of (earlier, later) "
                f"timepoint pairs, e.g. [('T1', 'T2')]. Got {item!r} in it.",
            )
        a, b = item
        for lv in (a, b):
            if lv not in levels:
                raise ParameterError(
                    f"The 'contrasts' parameter of prepost() names timepoint {lv!r}, which is "
                    f"not one of the timepoints {levels}.",
                    fix="use the timepoint labels of the data (or add the level to the categorical).",
                )
        if a == b:
            raise ParameterError(f"The contrast ({a!r}, {b!r}) of prepost() compares a timepoint with itself.")
        out.append((a, b))
    if not out:
        raise ParameterError("The 'contrasts' parameter of prepost() is empty.")
    return out


def _missing_reason(has_scale: bool, n_from: int, n_to: int, a: Any, b: Any,
                    level_seen: dict[Any, bool], grouped: bool) -> str:
    if not has_scale:
        where = " in this group" if grouped else ""
        return f"no scores for this scale{where}: every value is missing or absent"
    parts = []
    for lv, k in ((a, n_from), (b, n_to)):
        if k == 0:
            parts.append(f"timepoint {lv!r} has no data" if not level_seen[lv]
                         else f"no scores for this scale at timepoint {lv!r}")
    if parts:
        return "; ".join(parts)
    return f"no participant has scores at both {a!r} and {b!r}"


def prepost(
    scores: pd.DataFrame, *, dv: str = C.SCORE, within: str = C.TIMEPOINT,
    subject: str = C.PARTICIPANT_ID, scale: str | None = C.SCALE,
    contrasts: Sequence[tuple[Hashable, Hashable]] | None = None, baseline: Hashable | None = None,
    correction: Literal["holm", "BH", "bonferroni", "none"] = "holm",
    family: Sequence[Hashable] | None = None, alternative: Alternative = "two-sided",
    confidence: float = DEFAULT_CONFIDENCE, by: str | Sequence[str] | None = None,
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
) -> pd.DataFrame:
    """Compare scale scores between timepoints on complete pairs, one row per scale × contrast.

    The R references, tolerances and rules are in docs/statistics.md, section 3.

    Parameters
    ----------
    scores
        Tidy Scores: one row per participant × timepoint × scale (e.g. from
        :func:`evaltool.score`). Not modified.
    dv, within, subject, scale
        Columns of the score, timepoint, participant id and scale (None for one scale, labelled
        with ``dv``). Rows follow the scale categories, or else their first appearance.
    contrasts, baseline
        ``[(earlier, later), ...]`` timepoint pairs (difference = later − earlier). Default:
        every later timepoint against ``baseline`` (default: the first category of ``within``).
    correction, family
        Multiplicity adjustment (R ``p.adjust``: ``"holm"`` (default), ``"BH"``, ``"bonferroni"``
        or ``"none"``; within each ``by`` group) over ``family``, the scales forming it (default:
        all, e.g. the primary outcomes). Rows outside it get no adjusted p-value (and say so).
    alternative, confidence
        ``"two-sided"`` (default), ``"greater"`` or ``"less"`` (later vs earlier), for the tests
        and every interval (one-sided ones have an infinite limit); their level (default 0.95).
    by, min_cell_size
        Column(s) of a participant attribute (e.g. ``"cohort"``) to repeat the analysis per
        group; every group appears, ``small_group`` when ``n_pairs`` < ``min_cell_size`` (5).

    Returns
    -------
    DataFrame
        Columns :data:`PREPOST_COLUMNS` (described there); ``note`` says why any is missing.

    Raises
    ------
    ParameterError
        Bad arguments or columns; rows without a participant id or timepoint; a participant ×
        timepoint × scale twice (the message gives the count, not the ids).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"participant_id": list("abcdabcd"), "scale": "brs",
    ...     "timepoint": pd.Categorical(["T1"] * 4 + ["T2"] * 4, categories=["T1", "T2"]),
    ...     "score": [3.0, 2.5, 4.0, 3.5, 3.5, 3.5, 4.2, 3.9]})
    >>> res = prepost(df)
    >>> res[["scale", "contrast", "n_pairs", "mean_diff", "t", "wilcoxon_method"]]
      scale contrast  n_pairs  mean_diff         t                  wilcoxon_method
    0   brs  T2 - T1        4      0.525  3.085123  Wilcoxon signed rank exact test
    >>> round(float(res.loc[0, "d_av"]), 3), res.loc[0, "effect_size"]
    (1.065, 'd_av')
    """
    func = "prepost"
    data, by_cols = _checked(scores, dv, within, subject, scale, alternative, correction, by)
    confidence, min_cell_size = check_confidence(confidence, func), check_min_cell_size(min_cell_size, func)
    levels = _data.timepoint_levels(data[within], baseline, contrasts, func)
    pairs = _resolve_contrasts(levels, baseline, contrasts)
    scale_names, scale_codes = _data.scale_index(data, scale, dv, func)
    in_family = _family_indices(family, scale_names)
    pm = _data.PairMatrix(data, dv=dv, within=within, subject=subject,
                          scale_codes=scale_codes, levels=levels, func=func)
    group_of_subj, group_keys = _data.participant_groups(
        data, pm.subject_codes, pm.n_subjects, by_cols, func)
    n_cells = len(group_keys) * len(scale_names)
    if not n_cells:  # no scale in the data at all
        return _with_groups(None, by_cols, None, min_cell_size)
    row_cell = group_of_subj[pm.row_subject] * len(scale_names) + pm.row_scale
    per_contrast = _cell_statistics(pm.values, row_cell, n_cells, pairs, levels, pm.level_seen,
                                    alternative, confidence, bool(by_cols))
    out = _rows(per_contrast, pairs, scale_names, n_cells)
    _adjust_family(out, in_family, correction)
    return _with_groups(out, by_cols, group_keys, min_cell_size)


def _checked(scores: pd.DataFrame, dv: str, within: str, subject: str, scale: str | None,
             alternative: str, correction: str, by: str | Sequence[str] | None,
             ) -> tuple[pd.DataFrame, list[str]]:
    """The checked frame and the ``by`` columns (columns, choices and a numeric ``dv``)."""
    func = "prepost"
    data = _data.check_frame(scores, func)
    _data.check_columns(data, func, dv=dv, within=within, subject=subject, scale=scale)
    _data.check_choice(alternative, _ALTERNATIVES, "alternative", func)
    _data.check_choice(correction, CORRECTIONS, "correction", func)
    by_cols = _data.as_by(by, data, func, [c for c in (dv, within, subject, scale) if c is not None])
    _data.check_numeric(data, dv, func)
    return data, by_cols


def _with_groups(out: pd.DataFrame | None, by_cols: list[str], group_keys: pd.DataFrame | None,
                 min_cell_size: int) -> pd.DataFrame:
    """The result columns; with ``by``, the group columns first and ``small_group`` last."""
    cols = list(PREPOST_COLUMNS)
    if out is None or group_keys is None:  # the empty result
        out = pd.DataFrame({c: pd.Series(dtype="float64") for c in PREPOST_COLUMNS})
        return out.reindex(columns=by_cols + cols + ([_data.SMALL_GROUP] if by_cols else []))
    if by_cols:
        gk = group_keys.iloc[out["_group"].to_numpy()].reset_index(drop=True)
        out = pd.concat([gk, out.reset_index(drop=True)], axis=1)
        out[_data.SMALL_GROUP] = out["n_pairs"] < min_cell_size
        cols = by_cols + cols + [_data.SMALL_GROUP]
    return out[cols].reset_index(drop=True)


def _family_indices(family: Sequence[Hashable] | None, scale_names: list[Any]) -> set[int]:
    """Indices of the scales in the multiplicity family (default: every scale)."""
    if family is None:
        return set(range(len(scale_names)))
    fam = list(family)
    unknown = [f for f in fam if f not in scale_names]
    if unknown:
        raise ParameterError(
            f"The 'family' parameter of prepost() names scale(s) {unknown} that are not in the data.",
            fix=f"choose from {scale_names}.",
        )
    return {scale_names.index(f) for f in fam}


def _cell_statistics(mat: np.ndarray, row_cell: np.ndarray, n_cells: int,
                     pairs: list[tuple[Any, Any]], levels: list[Any], level_seen: dict[Any, bool],
                     alternative: str, confidence: float, grouped: bool) -> list[dict[str, np.ndarray]]:
    """One record of columns per contrast, each column with one value per (group, scale) cell.

    Rows are sorted by cell so each cell is one contiguous slice; then every cell × contrast
    is computed at once (one pass per contrast, no loop over groups or scales).
    """
    order = np.argsort(row_cell, kind="stable")
    cell, mat = row_cell[order], mat[order]
    present = ~np.isnan(mat)
    has_scale = np.bincount(cell[present.any(axis=1)], minlength=n_cells) > 0
    per_contrast = []
    for a, b in pairs:
        ia, ib = levels.index(a), levels.index(b)
        ok = present[:, ia] & present[:, ib]
        lens = np.bincount(cell[ok], minlength=n_cells)
        rec = _paired_cells.paired_stats_many(mat[ok, ib], mat[ok, ia], lens, alternative, confidence)
        empty = np.flatnonzero(lens == 0)
        if len(empty):  # why there is no pair (one message per empty cell; no data scanned)
            n_from = np.bincount(cell[present[:, ia]], minlength=n_cells)
            n_to = np.bincount(cell[present[:, ib]], minlength=n_cells)
            rec["note"][empty] = [_missing_reason(bool(has_scale[c]), int(n_from[c]), int(n_to[c]),
                                                  a, b, level_seen, grouped) for c in empty]
        per_contrast.append(rec)
    return per_contrast


def _rows(per_contrast: list[dict[str, np.ndarray]], pairs: list[tuple[Any, Any]],
          scale_names: list[Any], n_cells: int) -> pd.DataFrame:
    """The result rows in the order group, scale, contrast (``_group``: the group's index)."""
    n_scales = len(scale_names)
    n_pairs_k = len(pairs)
    row_cell = np.repeat(np.arange(n_cells), n_pairs_k)
    row_k = np.tile(np.arange(n_pairs_k), n_cells)
    columns: dict[str, Any] = {}
    for name in per_contrast[0]:
        stacked = np.stack([rec[name] for rec in per_contrast], axis=1)  # cells × contrasts
        columns[name] = stacked.reshape(-1)
    out = pd.DataFrame({
        "scale": [scale_names[s] for s in (row_cell % n_scales)],
        "contrast": [f"{pairs[k][1]} - {pairs[k][0]}" for k in row_k],
        "time_from": [pairs[k][0] for k in row_k], "time_to": [pairs[k][1] for k in row_k],
        **{name: (list(v) if v.dtype == object else v) for name, v in columns.items()},
        "effect_size": "d_av",
    })
    out["_scale"] = row_cell % n_scales
    out["_group"] = row_cell // n_scales
    return out


def _adjust_family(out: pd.DataFrame, in_family: set[int], correction: str) -> None:
    """Multiplicity, within each group over the declared family (one sorted pass); in place."""
    group_of_row = out["_group"].to_numpy()
    fam_mask = np.isin(out["_scale"].to_numpy(), sorted(in_family))
    out["p_t_adj"] = np.nan
    out["p_wilcoxon_adj"] = np.nan
    out["correction"] = ""
    if fam_mask.any():
        fam_groups = group_of_row[fam_mask]
        out.loc[fam_mask, "p_t_adj"] = _paired.p_adjust_grouped(
            out.loc[fam_mask, "p_t"].to_numpy(dtype="float64"), fam_groups, correction)
        out.loc[fam_mask, "p_wilcoxon_adj"] = _paired.p_adjust_grouped(
            out.loc[fam_mask, "p_wilcoxon"].to_numpy(dtype="float64"), fam_groups, correction)
        out.loc[fam_mask, "correction"] = correction
    if not fam_mask.all():
        out.loc[~fam_mask, "correction"] = "none"
        outside = "not in the multiplicity family: p not adjusted"
        notes = out["note"].astype(object)
        out["note"] = np.where(~fam_mask, np.where(notes == "", outside, notes + "; " + outside), notes)
    out["n_pairs"] = out["n_pairs"].astype("int64")
    for col in _STR_COLS:
        out[col] = out[col].astype(str)
