"""Shared helpers for the integration functions: table checks, code presence, t intervals.

The option checks (``confidence``, ``min_cell_size``) come from :mod:`evaltool.options`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import ParameterError

PRESENT = "present"
_META_COLUMNS = frozenset({C.PARTICIPANT_ID, C.TIMEPOINT, C.RESPONSE_ID, C.QUESTION, "cohort",
                           "profession", "n_answers", "n_coded", PRESENT, "value", "n"})


def check_frame(frame: Any, name: str, caller: str, needed: Iterable[str]) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(
            f"The '{name}' parameter of {caller}() must be a pandas DataFrame. Got "
            f"{type(frame).__name__} instead.")
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ParameterError(
            f"The '{name}' parameter of {caller}() needs the column(s) {missing}.",
            fix=f"pass a table with them; columns given: {list(frame.columns)}.")
    return frame


def presence(code_matrix: pd.DataFrame, caller: str, codes: Sequence[str] | None = None,
             by_timepoint: bool = False) -> pd.DataFrame:
    """Long table of who has which code: ``participant_id, [timepoint,] code, present`` (bool).

    Accepts the wide code × participant matrix (``participant_id`` [+ ``timepoint``] + one 0/1
    column per code) or a long table (``participant_id, code`` [+ ``present``/``value``]).
    Every participant in the table appears with every code (present False when absent), so
    "without the code" means "answered, but did not mention it".
    """
    check_frame(code_matrix, "code_matrix", caller, [C.PARTICIPANT_ID])
    keys = [C.PARTICIPANT_ID] + ([C.TIMEPOINT] if by_timepoint and C.TIMEPOINT in code_matrix.columns else [])
    if C.CODE in code_matrix.columns:  # long form
        flag = next((c for c in (PRESENT, "value", "n") if c in code_matrix.columns), None)
        long = code_matrix[[*keys, C.CODE] + ([flag] if flag else [])].copy()
        long[PRESENT] = (pd.to_numeric(long[flag], errors="coerce").fillna(0) > 0) if flag else True
        long = long[[*keys, C.CODE, PRESENT]]
    else:
        num = _code_flags(code_matrix)
        if keys == [C.PARTICIPANT_ID]:
            wide = wide_flags(code_matrix, caller, codes, num)
            if wide is not None:
                return _wide_presence(*wide)
        long = pd.concat([code_matrix[keys].reset_index(drop=True), num.reset_index(drop=True)], axis=1)
        long = long.melt(id_vars=keys, var_name=C.CODE, value_name=PRESENT)
    for k in keys:
        long[k] = long[k].astype(object)
    long[C.CODE] = long[C.CODE].astype(object)
    if codes is not None:
        unknown = [c for c in codes if c not in set(long[C.CODE])]
        if unknown:
            raise ParameterError(
                f"The 'codes' parameter of {caller}() names code(s) {unknown} that are not in "
                "the code matrix.", fix=f"choose from {sorted(set(long[C.CODE]))}.")
        long = long[long[C.CODE].isin(list(codes))]
    # one row per participant (× timepoint) × code: present if any row says so
    out = long.groupby([*keys, C.CODE], sort=False)[PRESENT].any().reset_index()
    people = out[keys].drop_duplicates()
    all_codes = pd.DataFrame({C.CODE: pd.unique(out[C.CODE])})
    grid = people.merge(all_codes, how="cross")
    out = grid.merge(out, on=[*keys, C.CODE], how="left")
    out[PRESENT] = out[PRESENT].fillna(False).astype(bool)
    return out


def _code_flags(code_matrix: pd.DataFrame) -> pd.DataFrame:
    """The wide matrix's code columns as booleans (numeric or boolean columns, > 0)."""
    code_cols = [c for c in code_matrix.columns if c not in _META_COLUMNS and (
        pd.api.types.is_bool_dtype(code_matrix[c]) or pd.api.types.is_numeric_dtype(code_matrix[c]))]
    return code_matrix[code_cols].apply(pd.to_numeric, errors="coerce").fillna(0) > 0


def wide_flags(code_matrix: pd.DataFrame, caller: str, codes: Sequence[str] | None = None,
               num: pd.DataFrame | None = None) -> tuple[pd.Series, pd.DataFrame] | None:
    """A wide matrix with one row per participant (string ids, none missing, none repeated) as
    its ids and its code flags (restricted to ``codes``): what :func:`presence` lists, one row
    per participant. None for any other table (long, repeated or missing ids …)."""
    if C.CODE in code_matrix.columns or C.PARTICIPANT_ID not in code_matrix.columns:
        return None
    pid = code_matrix[C.PARTICIPANT_ID]
    if not (len(pid) and pd.api.types.is_string_dtype(pid) and pid.notna().all() and pid.is_unique):
        return None
    num = _code_flags(code_matrix) if num is None else num
    if codes is not None:
        unknown = [c for c in codes if c not in set(num.columns)]
        if unknown:
            raise ParameterError(
                f"The 'codes' parameter of {caller}() names code(s) {unknown} that are not in "
                "the code matrix.", fix=f"choose from {sorted(set(num.columns))}.")
        keep = [i for i, c in enumerate(num.columns) if c in set(codes)]
        num = num.iloc[:, keep]
    return pid, num


def _wide_presence(pid: pd.Series, num: pd.DataFrame) -> pd.DataFrame:
    """:func:`presence` of a matrix with one row per participant: every row × code, in row
    order then column order (what the general path's grouping and grid give), built directly."""
    flags = num.to_numpy(dtype=bool)
    n, m = flags.shape
    return pd.DataFrame({
        C.PARTICIPANT_ID: np.repeat(pid.astype(object).to_numpy(), m),
        C.CODE: np.tile(np.array(list(num.columns), dtype=object), n),
        PRESENT: flags.reshape(-1),
    })


def welch_interval(m1: np.ndarray, v1: np.ndarray, n1: np.ndarray, m2: np.ndarray, v2: np.ndarray,
                   n2: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Welch CI of m1 − m2 (R ``t.test(x, y)``, var.equal = FALSE) and its df."""
    from scipy import stats

    n1 = np.asarray(n1, dtype=float)
    n2 = np.asarray(n2, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        a = v1 / n1
        b = v2 / n2
        se = np.sqrt(a + b)
        df = (a + b) ** 2 / (a ** 2 / (n1 - 1) + b ** 2 / (n2 - 1))
        ok = (n1 >= 2) & (n2 >= 2)
        q = stats.t.ppf((1 + confidence) / 2, np.where(ok, df, np.nan))
    d = m1 - m2
    return d - q * se, d + q * se, np.where(ok, df, np.nan)
