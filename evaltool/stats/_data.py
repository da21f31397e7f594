"""Shared input checks for the statistics functions (private).

Everything here works on whole columns (factorize, duplicated, groupby); nothing loops over
participants. Messages never include participant ids or answers, only counts and column names.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError, one_of

SMALL_GROUP = "small_group"


def check_frame(data: object, func: str) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(
            f"The 'scores' parameter of {func}() must be a pandas DataFrame. "
            f"Got {type(data).__name__} instead.",
            fix="pass tidy Scores (one row per participant × timepoint × scale), e.g. from evaltool.score().",
        )
    return data


def check_columns(data: pd.DataFrame, func: str, **named: str | None) -> None:
    """Each named parameter must be a column of ``data`` (None = not used)."""
    for param, col in named.items():
        if col is None:
            continue
        if col not in data.columns:
            raise ParameterError(
                f"The '{param}' parameter of {func}() names column {col!r}, which the data do not have.",
                fix=f"choose from the columns that exist: {list(map(str, data.columns))}.",
            )


def as_by(by: str | Sequence[str] | None, data: pd.DataFrame, func: str,
          reserved: Sequence[str]) -> list[str]:
    if by is None:
        return []
    cols = [by] if isinstance(by, str) else list(by)
    for c in cols:
        check_columns(data, func, by=c)
        if c in reserved:
            raise ParameterError(
                f"The 'by' parameter of {func}() cannot name column {c!r}, which is already "
                "used as the subject, timepoint, scale or score column.",
                fix="group by a participant attribute such as 'cohort' or 'profession'.",
            )
    if len(set(cols)) != len(cols):
        raise ParameterError(f"The 'by' parameter of {func}() lists a column twice: {cols}.")
    return cols


def check_choice(value: object, allowed: Sequence[str], param: str, func: str) -> None:
    if value not in allowed:
        raise ParameterError(
            f"The '{param}' parameter of {func}() must be one of {one_of(allowed)}. "
            f"Got {value!r} instead."
        )


def ordered_values(col: pd.Series) -> list[Any]:
    """Distinct non-missing values: category order for categoricals, else first appearance."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        present = set(col.dropna().unique())
        return [c for c in col.cat.categories if c in present]
    return list(pd.unique(col.dropna()))


def timepoint_levels(col: pd.Series, baseline: Hashable | None,
                     contrasts: Sequence[tuple[Hashable, Hashable]] | None,
                     func: str, param: str = "within") -> list[Any]:
    """The ordered timepoint levels (all categories of a categorical, else first appearance)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        levels = list(col.cat.categories)
    else:
        if baseline is None and contrasts is None:
            raise ParameterError(
                f"The timepoint column passed to {func}() is not categorical, so which timepoint "
                "is the baseline is unknown.",
                fix="make it an ordered categorical (pd.Categorical(values, categories=[...], "
                "ordered=True)) or pass baseline= (or contrasts=).",
            )
        levels = list(pd.unique(col.dropna()))
    if col.isna().any():
        raise ParameterError(
            f"{int(col.isna().sum())} row(s) passed to {func}() have no timepoint.",
            fix="remove those rows or fill in their timepoint.",
        )
    if baseline is not None and baseline not in levels:
        raise ParameterError(
            f"The 'baseline' parameter of {func}() must be one of the timepoints {levels}. "
            f"Got {baseline!r} instead."
        )
    return levels


def codes_for(col: pd.Series, levels: Sequence[Any]) -> np.ndarray:
    """Position of each value in ``levels`` (-1 when not there or missing).

    A categorical column is matched through its categories (one lookup per category, then a
    gather by code), never converted to Python objects row by row.
    """
    idx = pd.Index(list(levels))
    if isinstance(col.dtype, pd.CategoricalDtype):
        per_cat = np.append(idx.get_indexer(pd.Index(col.cat.categories.astype(object))), -1)
        return per_cat[col.cat.codes.to_numpy()].astype("int64")  # code -1 (missing) -> last = -1
    return idx.get_indexer(pd.Index(col)).astype("int64")


def isin(values: pd.Series, members: pd.Series) -> np.ndarray:
    """``values.isin(members)`` as a boolean array, in one hashed pass for any dtype.

    pandas' ``isin`` on pyarrow-backed strings turns every member into a Python scalar first
    (about 10 µs each); here arrow strings go straight to ``pyarrow.compute.is_in`` and
    categoricals are matched through their categories.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        per_cat = np.append(values.cat.categories.isin(members), bool(members.isna().any()))
        return per_cat[values.cat.codes.to_numpy()]  # code -1 (missing) -> last
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(values)
        member_arr = pa.array(members.astype(values.dtype)).cast(arr.type)
        return np.asarray(pc.is_in(arr, value_set=member_arr).to_numpy(zero_copy_only=False), dtype=bool)
    return values.isin(members).to_numpy(dtype=bool)


def check_no_missing_ids(col: pd.Series, func: str) -> None:
    n_missing = int(col.isna().sum())
    if n_missing:
        raise ParameterError(
            f"{n_missing} row(s) passed to {func}() have no participant id, so they cannot be paired.",
            fix="remove those rows or give them an id (evaltool validate lists them).",
        )


def check_duplicates(keys: np.ndarray, func: str, what: str) -> None:
    """``keys`` are integer codes of scale × participant × timepoint; raise on repeats."""
    dup = pd.Series(keys).duplicated(keep=False)
    if dup.any():
        n_rows = int(dup.sum())
        n_keys = int(pd.Series(keys[dup.to_numpy()]).nunique())
        raise ParameterError(
            f"{n_rows} rows passed to {func}() share a {what} with another row "
            f"({n_keys} duplicated combination(s)); pairing needs one score per {what}.",
            fix="remove duplicate responses first (evaltool validate reports them), or keep one "
            "row per participant and timepoint (e.g. the last complete response).",
        )


def participant_groups(frame: pd.DataFrame, subj_codes: np.ndarray, n_subj: int,
                       by: list[str], func: str) -> tuple[np.ndarray, pd.DataFrame]:
    """Group code per participant code, and the table of group keys (one row per code).

    A participant must belong to one group: missing values at some timepoints are filled from
    the others; two different values raise. Participants with no value form their own group.
    """
    if not by:
        return np.zeros(n_subj, dtype="int64"), pd.DataFrame(index=[0])
    part = frame[by].copy()
    part["_subj"] = subj_codes
    nuniq = part.groupby("_subj", sort=True)[by].nunique(dropna=True)
    bad = (nuniq > 1).any(axis=1)
    if bad.any():
        raise ParameterError(
            f"{int(bad.sum())} participant(s) have different {by} values at different "
            f"timepoints, so {func}() cannot place them in one group.",
            fix=f"give each participant a single {by} value.",
        )
    first = part.groupby("_subj", sort=True)[by].first()
    first = first.reindex(range(n_subj))
    for c in by:
        if isinstance(frame[c].dtype, pd.CategoricalDtype):
            first[c] = first[c].astype(frame[c].dtype)
    codes = first.groupby(by, dropna=False, sort=True, observed=True).ngroup().to_numpy()
    keys = first.assign(_g=codes).drop_duplicates("_g").sort_values("_g")
    keys = keys.drop(columns="_g").reset_index(drop=True)
    return codes.astype("int64"), keys


class PairMatrix:
    """Scores scattered into a (scale × participant) × timepoint matrix.

    ``values[r, t]`` is the score of row ``r`` (one scale × participant) at ``levels[t]``
    (NaN when absent). ``row_scale`` / ``row_subject`` give each row's scale and participant
    code; ``subjects`` holds the participant ids in code order. Built with one vectorised
    scatter, so pairing is by participant id whatever the row order.
    """

    def __init__(self, data: pd.DataFrame, *, dv: str, within: str, subject: str,
                 scale_codes: np.ndarray, levels: Sequence[Any], func: str) -> None:
        check_no_missing_ids(data[subject], func)
        try:  # participants in id order, so results do not depend on row order at all
            subj_codes, subjects = pd.factorize(data[subject], sort=True)
        except TypeError:  # ids of mixed types cannot be sorted
            subj_codes, subjects = pd.factorize(data[subject], sort=False)
        n_subj = max(len(subjects), 1)
        time_codes = codes_for(data[within], levels)
        n_lv = len(levels)
        key = scale_codes.astype("int64") * n_subj + subj_codes
        keep = time_codes >= 0
        check_duplicates((key * n_lv + time_codes)[keep], func, "scale × participant × timepoint")
        row_codes, row_keys = pd.factorize(key, sort=True)
        self.values = np.full((len(row_keys), n_lv), np.nan)
        vals = data[dv].to_numpy(dtype="float64", na_value=np.nan)
        self.values[row_codes[keep], time_codes[keep]] = vals[keep]
        row_keys = np.asarray(row_keys, dtype="int64")
        self.row_scale = row_keys // n_subj
        self.row_subject = row_keys % n_subj
        self.subject_codes = subj_codes
        self.subjects = subjects
        self.n_subjects = len(subjects)
        self.level_seen = {lv: bool(np.any(time_codes == i)) for i, lv in enumerate(levels)}


def check_numeric(data: pd.DataFrame, dv: str, func: str) -> None:
    dtype = data[dv].dtype
    if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        raise ParameterError(
            f"The score column {dv!r} passed to {func}() must be numeric. Got dtype {dtype}.",
            fix="score the answers first (evaltool.score) or convert the column with pd.to_numeric.",
        )


def scale_index(data: pd.DataFrame, scale: str | None, dv: str, func: str) -> tuple[list[Any], np.ndarray]:
    """Scale names in order and the code of each row (``scale=None``: one scale named ``dv``)."""
    if scale is None:
        return [dv], np.zeros(len(data), dtype="int64")
    col = data[scale]
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = col.cat.codes.to_numpy()
        missing = int((codes < 0).sum())
    else:  # one hashing pass: names in order of first appearance, and each row's code
        codes, uniques = pd.factorize(col)
        missing = int((codes < 0).sum())
    if missing:
        raise ParameterError(
            f"{missing} row(s) passed to {func}() have no scale.",
            fix="remove them or fill in the scale column.",
        )
    if isinstance(col.dtype, pd.CategoricalDtype):
        names = ordered_values(col)
        return names, codes_for(col, names)
    return list(uniques), np.asarray(codes, dtype="int64")
