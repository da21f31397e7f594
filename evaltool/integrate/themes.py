"""Themes by timepoint: how many respondents mentioned each code at each timepoint."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import columns as C
from ..options import (
    DEFAULT_MIN_CELL_SIZE,
    check_min_cell_size,
)
from ._common import check_frame

__all__ = ["THEMES_BY_TIMEPOINT_COLUMNS", "themes_by_timepoint"]

THEMES_BY_TIMEPOINT_COLUMNS = (
    C.CODE, C.TIMEPOINT, "n_respondents", "n_participants", "percent", "n_answers", "suppressed",
)
"""Columns of :func:`themes_by_timepoint`."""


def themes_by_timepoint(
    codings: pd.DataFrame,
    answers: pd.DataFrame,
    *,
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
    codes: Sequence[str] | None = None,
    codebook: Any = "resilience_training",
) -> pd.DataFrame:
    """Share of respondents at each timepoint whose answers carry each code.

    Parameters
    ----------
    codings
        Output of :func:`evaltool.qual.code` (``response_id, code`` …). Not modified.
    answers
        The free-text answers (``response_id, participant_id, timepoint, text``). Not modified.
    min_cell_size
        Counts of people below this (and above 0) are suppressed (at least 3).
    codes
        Codes to report, in this order (default: every code in ``codings``, first seen first).
    codebook
        Decides which answers are empty ("n/a", "-" …) and so who counts as a respondent.

    Returns
    -------
    DataFrame
        One row per code × timepoint (timepoints in the answers' order):

        - ``code, timepoint``;
        - ``n_respondents``: participants with at least one non-empty answer then;
        - ``n_participants``: of those, how many had an answer with the code;
        - ``percent``: 100 · n_participants / n_respondents;
        - ``n_answers``: answers with the code (a person can answer several questions);
        - ``suppressed``: True when 0 < n_participants < min_cell_size (then n_participants,
          percent and n_answers are missing).

    Notes
    -----
    Codes are not mutually exclusive, so no published total is the sum of the code counts
    and hiding the small cells alone cannot be undone by subtraction (docs/statistics.md, 9).

    Examples
    --------
    >>> import pandas as pd
    >>> ans = pd.DataFrame({"response_id": [f"r{i}" for i in range(6)],
    ...                     "participant_id": list("abcdef"), "timepoint": "T2",
    ...                     "text": ["The call helped", "good call", "useful call", "call was ok",
    ...                              "liked the call", "n/a"]})
    >>> cod = pd.DataFrame({"response_id": ["r0", "r1", "r2", "r3", "r4"], "code": "coaching_call"})
    >>> row = themes_by_timepoint(cod, ans).iloc[0]
    >>> int(row.n_respondents), int(row.n_participants), float(row.percent)
    (5, 5, 100.0)
    """
    caller = "themes_by_timepoint"
    k = check_min_cell_size(min_cell_size, caller)
    check_frame(codings, "codings", caller, [C.RESPONSE_ID, C.CODE])
    check_frame(answers, "answers", caller, [C.RESPONSE_ID, C.PARTICIPANT_ID, C.TIMEPOINT, C.TEXT])
    ans, tps = _respondents(answers, codebook)
    resp = ans.groupby(C.TIMEPOINT)[C.PARTICIPANT_ID].nunique()
    code_list = list(codes) if codes is not None else list(pd.unique(codings[C.CODE].astype(object)))
    grid = pd.MultiIndex.from_product([code_list, tps], names=[C.CODE, C.TIMEPOINT])
    out = grid.to_frame(index=False)
    out["n_respondents"] = out[C.TIMEPOINT].map(resp).fillna(0).astype("Int64")
    people, n_ans = _code_counts(codings, ans, code_list, tps, grid)
    out["n_participants"] = people
    out["percent"] = 100.0 * out["n_participants"] / out["n_respondents"].astype(float)
    out["n_answers"] = n_ans
    small = (out["n_participants"] > 0) & (out["n_participants"] < k)
    out["suppressed"] = small.to_numpy()
    out.loc[small, ["n_participants", "percent", "n_answers"]] = np.nan
    out["n_participants"] = out["n_participants"].astype("Int64")
    out["n_answers"] = out["n_answers"].astype("Int64")
    return out[list(THEMES_BY_TIMEPOINT_COLUMNS)]


def _respondents(answers: pd.DataFrame, codebook: Any) -> tuple[pd.DataFrame, list[Any]]:
    """The non-empty answers (``response_id, participant_id, timepoint``, timepoint as object)
    and the timepoints that have any, in order."""
    from ..qual.coder import empty_mask

    keep = ~np.asarray(empty_mask(answers[C.TEXT].reset_index(drop=True), codebook), dtype=bool)  # by position
    ans = answers[[C.RESPONSE_ID, C.PARTICIPANT_ID, C.TIMEPOINT]][keep]
    tp = answers[C.TIMEPOINT]
    if isinstance(tp.dtype, pd.CategoricalDtype):
        seen = np.unique(ans[C.TIMEPOINT].cat.codes.to_numpy())
        tps = list(tp.cat.categories[seen[seen >= 0]])        # in category order
    else:
        tps = [t for t in pd.unique(tp.astype(object)) if (ans[C.TIMEPOINT].astype(object) == t).any()]
    return ans.assign(**{C.TIMEPOINT: ans[C.TIMEPOINT].astype(object)}), tps


def _code_counts(codings: pd.DataFrame, ans: pd.DataFrame, code_list: list[Any], tps: list[Any],
                 grid: pd.MultiIndex) -> tuple[np.ndarray, np.ndarray]:
    """Per grid row (code × timepoint): distinct participants with the code, and distinct
    answers with it (float). Integer codes when answer ids and codes are distinct and present
    (the usual case); else a join of the tables (the same counts)."""
    code_ix = pd.Index(code_list, dtype=object)
    at = _positions(codings[C.RESPONSE_ID], ans[C.RESPONSE_ID])
    if at is None or not code_ix.is_unique or code_ix.hasnans:
        return _code_counts_joined(codings, ans, code_list, grid)
    ci = code_ix.get_indexer(pd.Index(codings[C.CODE].astype(object)))
    tp_of = pd.Index(tps, dtype=object).get_indexer(ans[C.TIMEPOINT]).astype(np.int64)   # per answer
    ok = (at >= 0) & (ci >= 0)
    ok[ok] = tp_of[at[ok]] >= 0
    at, ci = at[ok].astype(np.int64), ci[ok].astype(np.int64)
    tp = tp_of[at]
    pid_of = pd.factorize(ans[C.PARTICIPANT_ID])[0].astype(np.int64)   # -1: missing id
    n_c, n_t, n_cells = len(code_list), max(len(tps), 1), len(grid)
    pairs = _distinct(at * n_c + ci)                    # distinct (answer, code)
    n_ans = np.bincount((pairs % n_c) * n_t + tp_of[pairs // n_c], minlength=n_cells)
    pid = pid_of[at]
    has = pid >= 0                                       # nunique skips a missing participant id
    width = int(pid_of.max(initial=0)) + 1
    trip = _distinct((ci[has] * n_t + tp[has]) * width + pid[has])   # distinct (code, timepoint, person)
    people = np.bincount(trip // width, minlength=n_cells)
    return people[:n_cells].astype(float), n_ans[:n_cells].astype(float)


def _positions(values: pd.Series, ids: pd.Series) -> np.ndarray | None:
    """Each value's position among ``ids`` (-1: absent), or None when the ids are not distinct
    and present. By Arrow's hashing when both are strings, else a pandas index."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(ids.dtype, pd.StringDtype):
        try:
            table = pa.array(ids.array)
            if table.null_count or pc.count_distinct(table).as_py() != len(table):
                return None
            got = pc.index_in(pa.array(values.to_numpy(dtype=object), pa.large_string()), value_set=table)
            return np.asarray(pc.fill_null(got, -1), dtype=np.int64)
        except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeError):   # values that are not all (valid) strings
            pass
    rid = pd.Index(ids.astype(object))
    if not rid.is_unique or rid.hasnans:
        return None
    return rid.get_indexer(values.astype(object))


def _code_counts_joined(codings: pd.DataFrame, ans: pd.DataFrame, code_list: list[Any],
                        grid: pd.MultiIndex) -> tuple[np.ndarray, np.ndarray]:
    cod = codings[[C.RESPONSE_ID, C.CODE]].astype(object).merge(
        ans[[C.RESPONSE_ID, C.PARTICIPANT_ID, C.TIMEPOINT]].astype(object), on=C.RESPONSE_ID, how="inner")
    cod = cod[cod[C.CODE].isin(code_list)]
    people = cod.groupby([C.CODE, C.TIMEPOINT])[C.PARTICIPANT_ID].nunique()
    n_ans = cod.drop_duplicates([C.RESPONSE_ID, C.CODE]).groupby([C.CODE, C.TIMEPOINT]).size()
    return (people.reindex(grid).fillna(0).to_numpy().astype(float),
            n_ans.reindex(grid).fillna(0).to_numpy().astype(float))


def _distinct(x: np.ndarray) -> np.ndarray:
    """The distinct values of an integer array, sorted (by sorting: faster than hashing here)."""
    s = np.sort(x)
    return s[np.concatenate([[True], s[1:] != s[:-1]])] if len(s) else s
