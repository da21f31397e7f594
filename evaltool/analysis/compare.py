"""Comparing a re-run of an analysis with the tables of a results folder, cell by cell.

Used by ``reproduce.ipynb`` (:mod:`evaltool.analysis.reproduce`): numbers must agree to a
tight relative tolerance, text exactly, rows in the same order. Messages name the table, the
column and the first row that differs, never the values (they may be participant data).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError

__all__ = ["COMPARE_COLUMNS", "SUMMARY_COLUMNS", "assert_reproduced", "compare_results", "comparison_summary"]

COMPARE_COLUMNS = ("table", "column", "kind", "rows", "n_different", "max_rel_diff", "equal", "detail")
"""Columns of :func:`compare_results`."""

SUMMARY_COLUMNS = ("table", "rows", "columns", "columns_different", "equal", "status")
"""Columns of :func:`comparison_summary`."""

TIMEPOINT_COLUMNS = ("timepoint", "time_from", "time_to")
"""Compared as text: timepoint ids are labels, even when they look like numbers."""

_STRUCTURE = "(structure)"


# ------------------------------------------------------------------------------------------
# comparison
def _tables(results: Any) -> Mapping[str, pd.DataFrame]:
    tables = getattr(results, "tables", results)
    if not isinstance(tables, Mapping):
        raise ParameterError(
            "The 'fresh' and 'saved' parameters of compare_results() must be Results or a "
            f"mapping of table name to DataFrame. Got {type(results).__name__} instead."
        )
    return tables


def _is_missing(values: np.ndarray) -> np.ndarray:
    """Missing or empty text (a CSV file cannot tell ``""`` from missing)."""
    miss = pd.isna(values)
    empty = np.fromiter((isinstance(v, str) and v == "" for v in values), bool, len(values))
    return np.asarray(miss, bool) | empty


def _as_numbers(col: pd.Series) -> np.ndarray | None:
    """The column as float64 (missing → NaN), or None when it is not all numbers."""
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return None
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        return col.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    values = col.astype(object).to_numpy()
    missing = _is_missing(values)
    out = np.full(len(values), np.nan)
    present = values[~missing]
    if not len(present):
        return out
    if any(isinstance(v, (bool, np.bool_)) for v in present):
        if not all(isinstance(v, (bool, np.bool_)) for v in present):
            return None
        out[~missing] = np.asarray(present, dtype=float)
        return out
    conv = pd.to_numeric(pd.Series(present, dtype=object), errors="coerce")
    if conv.isna().any():
        return None
    out[~missing] = conv.to_numpy(dtype="float64")
    return out


def _as_text(col: pd.Series) -> np.ndarray:
    """The column as text; missing → ``""``; booleans as ``True``/``False``."""
    values = col.astype(object).to_numpy()
    missing = _is_missing(values)
    return np.array(["" if m else str(bool(v)) if isinstance(v, (bool, np.bool_)) else str(v)
                     for v, m in zip(values, missing, strict=True)], dtype=object)


def _where(diff: np.ndarray, n: int) -> str:
    k = int(diff.sum())
    first = int(np.flatnonzero(diff)[0])
    return f"{k} of {n} row(s) differ; first at data row {first + 1} (file line {first + 2}; values not shown)"


def _compare_column(table: str, name: str, a: pd.Series, b: pd.Series, rtol: float, atol: float) -> dict:
    n = len(a)
    row: dict[str, Any] = {"table": table, "column": name, "rows": n, "n_different": 0,
                           "max_rel_diff": np.nan, "equal": True, "detail": ""}
    x = None if name in TIMEPOINT_COLUMNS else _as_numbers(a)
    y = None if x is None else _as_numbers(b)
    if x is not None and y is not None:
        row["kind"] = "number"
        nan_x, nan_y = np.isnan(x), np.isnan(y)
        finite = np.isfinite(x) & np.isfinite(y)
        diff = nan_x != nan_y
        inf = ~finite & ~nan_x & ~nan_y
        diff |= inf & (x != y)
        with np.errstate(invalid="ignore"):
            gap = np.where(finite, np.abs(x - y), 0.0)
            scale = np.where(finite, np.maximum(np.abs(x), np.abs(y)), 0.0)
        diff |= finite & (gap > atol + rtol * scale)
        if finite.any():
            rel = np.divide(gap, scale, out=np.zeros_like(gap), where=scale > 0)
            row["max_rel_diff"] = float(rel[finite].max())
    else:
        row["kind"] = "text"
        diff = _as_text(a) != _as_text(b)
    if diff.any():
        row.update(n_different=int(diff.sum()), equal=False, detail=_where(diff, n))
    return row


def compare_results(fresh: Any, saved: Any, *, rtol: float = 1e-9, atol: float = 0.0) -> pd.DataFrame:
    """Compare two sets of results table by table, column by column.

    Parameters
    ----------
    fresh, saved
        :class:`~evaltool.analysis.Results` (or mappings of table name → DataFrame), e.g. a
        re-run through ``evaltool.analyse(study)`` and the tables reloaded with
        ``evaltool.load_results(folder)``. Only tables present in both are compared. Not
        modified.
    rtol, atol
        Numbers are equal when ``|a - b| <= atol + rtol * max(|a|, |b|)``; missing values
        must be missing on both sides and infinities equal.

    Returns
    -------
    pandas.DataFrame
        One row per table × column (:data:`COMPARE_COLUMNS`): ``table``, ``column``,
        ``kind`` (``number``, ``text`` or ``structure`` for a difference in rows or columns,
        reported under the column ``"(structure)"``), ``rows``, ``n_different`` (rows that
        differ), ``max_rel_diff`` (largest relative difference among numbers present on both
        sides), ``equal`` and ``detail`` (how many rows differ and the first one; never the
        values, which may be participant data).

    Notes
    -----
    Rules: rows are compared in order (a table written by ``evaltool analyse`` has a fixed
    order); a column is compared as numbers when every value on both sides is a number
    (booleans count as 0/1), otherwise as text; missing text and ``""`` are equal (a CSV file
    cannot tell them apart); timepoint columns (``timepoint``, ``time_from``, ``time_to``) are
    always compared as text. CSV files written by pandas keep every double exactly (shortest
    round-trip repr), so on the same machine every difference is 0.

    Examples
    --------
    >>> import pandas as pd
    >>> a = {"t": pd.DataFrame({"scale": ["brs", "cc"], "beta": [0.1161, 2.4202], "note": [None, "x"]})}
    >>> b = {"t": pd.DataFrame({"scale": ["brs", "cc"], "beta": [0.1161, 2.4203], "note": ["", "x"]})}
    >>> compare_results(a, b)[["column", "kind", "n_different", "equal"]]
      column    kind  n_different  equal
    0  scale    text            0   True
    1   beta  number            1  False
    2   note    text            0   True
    """
    for name, value in (("rtol", rtol), ("atol", atol)):
        if not (isinstance(value, (int, float)) and value >= 0):
            raise ParameterError(
                f"The '{name}' parameter of compare_results() must be a number >= 0. Got {value!r} instead."
            )
    fa, fb = _tables(fresh), _tables(saved)
    rows: list[dict] = []
    for table in [t for t in fa if t in fb]:
        a, b = fa[table].reset_index(drop=True), fb[table].reset_index(drop=True)
        problems = []
        if len(a) != len(b):
            problems.append(f"{len(a)} row(s) in the re-run, {len(b)} on disk")
        only_a = [c for c in a.columns if c not in b.columns]
        only_b = [c for c in b.columns if c not in a.columns]
        if only_a:
            problems.append(f"column(s) only in the re-run: {', '.join(map(str, only_a))}")
        if only_b:
            problems.append(f"column(s) only on disk: {', '.join(map(str, only_b))}")
        common = [c for c in a.columns if c in b.columns]
        if not only_a and not only_b and list(a.columns) != list(b.columns):
            problems.append("the columns are in a different order")
        if problems:
            rows.append({"table": table, "column": _STRUCTURE, "kind": "structure", "rows": len(a),
                         "n_different": abs(len(a) - len(b)), "max_rel_diff": np.nan,
                         "equal": False, "detail": "; ".join(problems)})
        if len(a) != len(b):
            continue
        for col in common:
            rows.append(_compare_column(table, str(col), a[col], b[col], float(rtol), float(atol)))
    out = pd.DataFrame(rows, columns=list(COMPARE_COLUMNS))
    return out.astype({"rows": "int64", "n_different": "int64", "max_rel_diff": "float64", "equal": bool})


def comparison_summary(check: pd.DataFrame) -> pd.DataFrame:
    """One line per table from :func:`compare_results`.

    Parameters
    ----------
    check
        The output of :func:`compare_results`. Not modified.

    Returns
    -------
    pandas.DataFrame
        :data:`SUMMARY_COLUMNS`: ``table``, ``rows``, ``columns`` (compared),
        ``columns_different``, ``equal`` and ``status`` (``"equal"`` or which columns
        differ), in the order of ``check``.

    Examples
    --------
    >>> import pandas as pd
    >>> a = {"t": pd.DataFrame({"x": [1.0, 2.0]}), "u": pd.DataFrame({"y": ["a"]})}
    >>> b = {"t": pd.DataFrame({"x": [1.0, 2.5]}), "u": pd.DataFrame({"y": ["a"]})}
    >>> comparison_summary(compare_results(a, b))
      table  rows  columns  columns_different  equal             status
    0     t     2        1                  1  False  different: x (1 row(s))
    1     u     1        1                  0   True              equal
    """
    out = []
    for table, g in check.groupby("table", sort=False):
        bad = g[~g["equal"]]
        cols = g[g["kind"] != "structure"]
        status = "equal" if bad.empty else "different: " + "; ".join(
            (str(r.detail) if r.kind == "structure" else f"{r.column} ({r.n_different} row(s))")
            for r in bad.itertuples())
        out.append({"table": table, "rows": int(g["rows"].iloc[0]), "columns": len(cols),
                    "columns_different": int((~cols["equal"]).sum()), "equal": bad.empty,
                    "status": status})
    return pd.DataFrame(out, columns=list(SUMMARY_COLUMNS))


def assert_reproduced(check: pd.DataFrame) -> None:
    """Raise AssertionError naming every table and column that differs.

    Parameters
    ----------
    check
        The output of :func:`compare_results`.

    Raises
    ------
    AssertionError
        When any row of ``check`` is not equal (the message names table, column and how many
        rows differ, never the values).

    Examples
    --------
    >>> import pandas as pd
    >>> a = {"prepost": pd.DataFrame({"d_av": [0.2045, 1.744]})}
    >>> assert_reproduced(compare_results(a, a))
    >>> b = {"prepost": pd.DataFrame({"d_av": [0.2045, 1.745]})}
    >>> assert_reproduced(compare_results(a, b))
    Traceback (most recent call last):
    ...
    AssertionError: The re-run differs from the tables on disk in 1 place(s): table 'prepost', column 'd_av': 1 of 2 row(s) differ; first at data row 2 (file line 3; values not shown)
    """
    bad = check[~check["equal"].astype(bool)]
    if bad.empty:
        return
    parts = [f"table '{r.table}', column '{r.column}': {r.detail}" for r in bad.head(10).itertuples()]
    more = f"; and {len(bad) - 10} more" if len(bad) > 10 else ""
    raise AssertionError(
        f"The re-run differs from the tables on disk in {len(bad)} place(s): " + "; ".join(parts) + more
    )
