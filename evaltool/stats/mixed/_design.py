"""Check the scores of one scale and build the treatment-coded design of a mixed model.

Everything here works on whole columns (factorize, bincount); nothing loops over rows.
Messages never contain participant ids or scores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ... import columns as C
from ...errors import ParameterError
from .. import _data

INTERCEPT = "(Intercept)"


@dataclass(frozen=True, eq=False)
class Design:
    """Model matrix and codes for one scale (rows with a missing value already dropped)."""

    X: np.ndarray  # (N, p) treatment-coded fixed effects
    y: np.ndarray  # (N,)
    subject: np.ndarray  # (N,) codes 0..n_subjects-1
    n_subjects: int
    cohort_of_subject: np.ndarray | None  # (n_subjects,) codes, with a cohort intercept
    n_cohorts: int
    column_names: tuple[str, ...]
    column_terms: tuple[str, ...]  # model term of each column ("(Intercept)", time, ...)
    terms: tuple[str, ...]  # model terms in R's order, without the intercept
    all_time_levels: tuple  # every declared level, baseline first
    time_levels: tuple  # levels with data, baseline first
    empty_time_levels: tuple  # declared levels without any score
    group_levels: tuple | None
    n_per_time: tuple[int, ...]
    cell_counts: np.ndarray  # (n_group_levels, n_time_levels) or (1, n_time_levels)
    sd_baseline: float
    n_baseline: int
    n_missing: int  # rows dropped because the score was missing
    n_incomplete: int  # rows dropped because an id, timepoint, group or cohort was missing
    instrument: object
    scale: object


def _fail(message: str, fix: str | None = None) -> ParameterError:
    return ParameterError(message, fix=fix)


def check_columns(data: object, func: str, **cols: str | None) -> pd.DataFrame:
    """``data`` must be a DataFrame holding every named column (None = not used)."""
    data = _data.check_frame(data, func)
    for param, col in cols.items():
        if col is not None and not isinstance(col, str):
            raise _fail(f"The '{param}' parameter of {func}() must be a column name (str). "
                        f"Got {col!r} instead.")
    _data.check_columns(data, func, **cols)
    names = [c for c in cols.values() if c is not None]
    if len(set(names)) != len(names):
        raise _fail(f"The column parameters of {func}() must name different columns. "
                    f"Got {names} instead.")
    return data


def factor_levels(col: pd.Series) -> list:
    """Levels of a between-participant factor: the categorical's categories, else the sorted
    distinct values (R's ``factor()``: the first is the reference level)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return list(col.cat.categories)
    values = pd.unique(col.dropna())
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=str)


def timepoint_order(col: pd.Series, baseline: object, func: str) -> list:
    """Timepoint order (categories of a categorical; with ``baseline=``, first appearance
    otherwise), baseline first."""
    levels = _data.timepoint_levels(col, baseline, None, func, param="time")
    if baseline is not None:
        levels = [baseline] + [lv for lv in levels if lv != baseline]
    return levels


def _codes(col: pd.Series, levels: list) -> np.ndarray:
    """Position of each value in ``levels`` (-1 if absent); categoricals via their codes."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        pos = pd.Index(list(levels)).get_indexer(col.cat.categories)
        codes = col.cat.codes.to_numpy()
        return np.where(codes >= 0, pos[codes], -1).astype(np.int64)
    return _data.codes_for(col, levels)


def _identity(data: pd.DataFrame, column: str | None, func: str) -> object:
    if column is None or column not in data.columns:
        return None
    values = pd.unique(data[column].dropna())
    if len(values) > 1:
        raise _fail(f"{func}() fits one scale at a time, but column '{column}' holds "
                    f"{len(values)} different values.",
                    fix=f"select one {column} first, or use change_vs_baseline(), which fits "
                        "every scale.")
    return values[0] if len(values) else None


def build(data: pd.DataFrame, *, dv: str, time: str, subject: str, group: str | None,
          cohort: str | None, baseline: object, scale: str | None = C.SCALE,
          func: str = "fit_mixed") -> Design:
    """Validate one scale's long scores and build its :class:`Design`."""
    data = check_columns(data, func, dv=dv, time=time, subject=subject, group=group,
                         cohort=cohort, scale=scale)
    instrument = _identity(data, C.INSTRUMENT if scale != C.INSTRUMENT else None, func)
    scale_value = _identity(data, scale, func)
    _data.check_numeric(data, dv, func)
    y_all = data[dv].to_numpy(dtype="float64", na_value=np.nan)
    if np.isinf(y_all).any():
        raise _fail(f"The score column '{dv}' passed to {func}() holds infinite values.",
                    fix="replace them with missing values or correct the scoring.")
    levels = timepoint_order(data[time], baseline, func)
    _data.check_no_missing_ids(data[subject], func)

    has_score = ~np.isnan(y_all)
    keep_cols = [time, subject] + [c for c in (group, cohort) if c is not None]
    complete = data[keep_cols].notna().all(axis=1).to_numpy()
    n_missing = int((~has_score & complete).sum())
    n_incomplete = int((~complete).sum())
    use = has_score & complete
    if not use.any():
        raise _fail(f"{func}(): no row has a score and all of {keep_cols}.")
    sub = data.loc[use, keep_cols]
    y = y_all[use]

    t, t_levels, empty = _time_codes(sub[time], levels, time, func)
    n_t = len(t_levels)

    g, g_levels, cells = _group_codes(sub, group, t, t_levels, func)

    subj, _ = pd.factorize(sub[subject], sort=False)
    n_subjects = int(subj.max()) + 1
    dup = np.bincount(subj * n_t + t, minlength=n_subjects * n_t)
    if (dup > 1).any():
        raise _fail(f"{func}(): {int((dup > 1).sum())} participant x timepoint combination(s) "
                    "have more than one score; the model expects one score per participant "
                    "and timepoint.",
                    fix="remove duplicate responses first (evaltool validate lists them).")
    if n_subjects >= y.size:
        raise _fail(f"{func}(): every participant has only one score, so a participant random "
                    "intercept cannot be told apart from the residual variance (lme4 refuses "
                    "this model too).",
                    fix="use a between-participant comparison, or supply repeated scores.")

    cohort_of_subject, n_cohorts = _cohorts(sub, cohort, subj, n_subjects, func)

    X, names, col_terms, terms = _model_matrix(t, t_levels, g, g_levels, time, group)
    base = y[t == 0]
    return Design(
        X=X, y=y, subject=subj.astype(np.int64), n_subjects=n_subjects,
        cohort_of_subject=cohort_of_subject, n_cohorts=n_cohorts, column_names=names,
        column_terms=col_terms, terms=terms, all_time_levels=tuple(levels),
        time_levels=t_levels, empty_time_levels=empty,
        group_levels=g_levels, n_per_time=tuple(int(x) for x in np.bincount(t, minlength=n_t)),
        cell_counts=cells, sd_baseline=float(np.std(base, ddof=1)) if base.size > 1 else np.nan,
        n_baseline=int(base.size), n_missing=n_missing, n_incomplete=n_incomplete,
        instrument=instrument, scale=scale_value,
    )


def _time_codes(col: pd.Series, levels: list, time: str, func: str) -> tuple[np.ndarray, tuple, tuple]:
    """Timepoint codes of the used rows, the timepoints with scores and those without."""
    t_all = _codes(col, levels)
    if (t_all < 0).any():  # pragma: no cover - levels come from the column itself
        raise _fail(f"{func}(): unknown timepoints in '{time}'.")
    n_per_level = np.bincount(t_all, minlength=len(levels))
    if n_per_level[0] == 0:
        raise _fail(f"{func}(): there are no scores at the baseline timepoint "
                    f"{levels[0]!r}, so change against baseline cannot be estimated.",
                    fix=f"choose a baseline with data (baseline=...) among {levels}.")
    used = np.flatnonzero(n_per_level > 0)
    empty = tuple(levels[i] for i in np.flatnonzero(n_per_level == 0))
    if used.size < 2:
        raise _fail(f"{func}(): scores exist at only one timepoint ({levels[0]!r}); a "
                    "model of change needs at least two.")
    remap = np.full(len(levels), -1)
    remap[used] = np.arange(used.size)
    t = remap[t_all]
    t_levels = tuple(levels[i] for i in used)
    return t, t_levels, empty


def _group_codes(sub: pd.DataFrame, group: str | None, t: np.ndarray, t_levels: tuple,
                 func: str) -> tuple[np.ndarray | None, tuple | None, np.ndarray]:
    """Group codes (None without group), the groups with scores and the group × time counts."""
    n_t = len(t_levels)
    if group is not None:
        g_levels_all = factor_levels(sub[group])
        g = _codes(sub[group], g_levels_all)
        g_used = np.flatnonzero(np.bincount(g, minlength=len(g_levels_all)) > 0)
        g_levels = tuple(g_levels_all[i] for i in g_used)
        gmap = np.full(len(g_levels_all), -1)
        gmap[g_used] = np.arange(g_used.size)
        g = gmap[g]
        if len(g_levels) < 2:
            raise _fail(f"{func}(): the '{group}' column has only one level with scores; a "
                        "group x time model needs at least two.")
        cells = np.bincount(g * n_t + t, minlength=len(g_levels) * n_t).reshape(-1, n_t)
        if (cells == 0).any():
            gi, ti = np.nonzero(cells == 0)
            empty_cells = [f"{g_levels[a]} at {t_levels[b]}" for a, b in zip(gi, ti, strict=True)]
            raise _fail(f"{func}(): the group x time model has cells without scores "
                        f"({', '.join(empty_cells)}), so the interaction is not estimable.",
                        fix="merge small groups, or fit the model without group=.")
    else:
        g, g_levels = None, None
        cells = np.bincount(t, minlength=n_t).reshape(1, n_t)
    return g, g_levels, cells


def _cohorts(sub: pd.DataFrame, cohort: str | None, subj: np.ndarray, n_subjects: int,
             func: str) -> tuple[np.ndarray | None, int]:
    """Each participant's cohort code (one cohort per participant) and the number of cohorts."""
    cohort_of_subject, n_cohorts = None, 0
    if cohort is not None:
        coh, _ = pd.factorize(sub[cohort], sort=True)
        n_cohorts = int(coh.max()) + 1
        per = pd.DataFrame({"s": subj, "c": coh}).drop_duplicates()
        if len(per) != n_subjects:
            raise _fail(f"{func}(): some participants appear in more than one '{cohort}'; the "
                        "cohort random intercept needs each participant in one cohort.",
                        fix="correct the cohort column, or fit the model without cohort=.")
        cohort_of_subject = np.empty(n_subjects, dtype=np.int64)
        cohort_of_subject[per["s"].to_numpy()] = per["c"].to_numpy()
        if n_cohorts < 2:
            raise _fail(f"{func}(): the '{cohort}' column has only one cohort with scores; a "
                        "cohort random intercept needs at least two.",
                        fix="fit the model without cohort=.")
    return cohort_of_subject, n_cohorts


def _model_matrix(t: np.ndarray, t_levels: tuple, g: np.ndarray | None, g_levels: tuple | None,
                  time: str, group: str | None):
    """Treatment coding as R's ``model.matrix(~ group * time)``: intercept, group, time,
    group:time (group varying fastest within the interaction)."""
    n_t = len(t_levels)
    names = [INTERCEPT]
    col_terms = [INTERCEPT]
    terms: list[str] = []
    if g is None or g_levels is None or group is None:
        p = n_t
        X = np.zeros((t.size, p))
        X[:, 0] = 1.0
        rows = np.flatnonzero(t > 0)
        X[rows, t[rows]] = 1.0
        names += [f"{time}[{lv}]" for lv in t_levels[1:]]
        col_terms += [time] * (n_t - 1)
        return X, tuple(names), tuple(col_terms), (time,)
    n_g = len(g_levels)
    p = n_g * n_t
    X = np.zeros((t.size, p))
    X[:, 0] = 1.0
    rows = np.flatnonzero(g > 0)
    X[rows, g[rows]] = 1.0
    rows = np.flatnonzero(t > 0)
    X[rows, (n_g - 1) + t[rows]] = 1.0
    both = np.flatnonzero((g > 0) & (t > 0))
    X[both, n_g + (n_t - 1) + (t[both] - 1) * (n_g - 1) + (g[both] - 1)] = 1.0
    inter = f"{group}:{time}"
    names += [f"{group}[{lv}]" for lv in g_levels[1:]]
    names += [f"{time}[{lv}]" for lv in t_levels[1:]]
    names += [f"{group}[{gl}]:{time}[{tl}]" for tl in t_levels[1:] for gl in g_levels[1:]]
    col_terms += [group] * (n_g - 1) + [time] * (n_t - 1) + [inter] * ((n_g - 1) * (n_t - 1))
    terms = [group, time, inter]
    return X, tuple(names), tuple(col_terms), tuple(terms)


def cell_rows(n_t: int, n_g: int | None) -> np.ndarray:
    """Rows of the model matrix for every group x time cell (group varying fastest), as
    :func:`_model_matrix` codes them; for a time-only model one row per timepoint."""
    if n_g is None:
        t = np.arange(n_t)
        return _model_matrix(t, tuple(range(n_t)), None, None, "t", None)[0]
    g = np.tile(np.arange(n_g), n_t)
    t = np.repeat(np.arange(n_t), n_g)
    return _model_matrix(t, tuple(range(n_t)), g, tuple(range(n_g)), "t", "g")[0]
