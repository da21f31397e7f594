"""Excel workbooks (.xlsx): one sheet read into a :class:`~evaltool.io._text.Grid`.

Cells keep the type Excel stored (numbers as numbers, dates as datetimes, text as text);
empty cells and empty strings are missing. Row numbers are the worksheet's own row numbers.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, ParameterError
from ._text import Grid, read_bytes
from .encoding import sniff_binary

__all__ = ["SheetSource", "open_sheet", "parse_sheet"]


@dataclass
class SheetSource:
    """All non-empty rows of one worksheet, with their worksheet row numbers."""

    path: Path
    sheet: str
    rows: list[tuple[Any, ...]]
    row_numbers: list[int]
    n_columns: int
    warnings: list[str] = field(default_factory=list)

    encoding: str | None = None
    delimiter: str | None = None

    @property
    def head(self) -> list[list[str]]:
        return [[_as_header(v) or "" for v in r] for r in self.rows[:6]]


def _as_header(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    text = str(value)
    return text if text != "" else None


def _not_xlsx(path: Path, kind: str | None) -> InputError:
    if kind == "ole":
        return InputError(
            "is an old-style Excel workbook (.xls), which evaltool does not read.", file=path,
            fix="open it in Excel and save it as .xlsx, or export the survey as CSV.",
        )
    if kind is None:
        return InputError(
            "has an Excel name but is not an Excel workbook (it looks like a text file).",
            file=path, fix="rename it to .csv, or export the survey again as .xlsx.",
        )
    return InputError(
        "is not a valid Excel workbook (.xlsx): it cannot be opened as one.", file=path,
        fix="open it in Excel and save it again as .xlsx, or export the survey as CSV.",
    )


def open_sheet(path: str | Path, sheet: str | int | None = None) -> SheetSource:
    """Read one worksheet (default: the first) of an .xlsx workbook."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    path = Path(path)
    raw = read_bytes(path)
    kind = sniff_binary(raw[:16])
    if kind != "zip":
        raise _not_xlsx(path, kind)
    try:
        with warnings.catch_warnings():
            # e.g. "Workbook contains no default style": about styling, not the data
            warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
            wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError):
        raise _not_xlsx(path, "zip") from None
    notes: list[str] = []
    try:
        names = list(wb.sheetnames)
        if sheet is None:
            ws = wb.worksheets[0]
        elif isinstance(sheet, int) and not isinstance(sheet, bool):
            if not 0 <= sheet < len(names):
                raise ParameterError(
                    f"The 'sheet' parameter of read_export() must be a sheet name or a position "
                    f"0..{len(names) - 1}. Got {sheet!r} instead.", file=path,
                    fix=f"choose one of the sheets: {names}.",
                )
            ws = wb.worksheets[sheet]
        elif sheet in names:
            ws = wb[sheet]
        else:
            raise ParameterError(
                f"The 'sheet' parameter of read_export() must be one of {names}. "
                f"Got {sheet!r} instead.", file=path,
            )
        if sheet is None and len(names) > 1:
            notes.append(
                f"the workbook has {len(names)} sheets; only the first ('{ws.title}') was read "
                "(choose another with sheet=)."
            )
        try:
            all_rows = list(ws.iter_rows(min_row=1, values_only=True))
        except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError):
            raise _not_xlsx(path, "zip") from None
        title = ws.title
    finally:
        wb.close()
    rows: list[tuple[Any, ...]] = []
    numbers: list[int] = []
    for i, r in enumerate(all_rows, 1):
        if any(v is not None and v != "" for v in r):
            rows.append(r)
            numbers.append(i)
    if not rows:
        raise InputError(f"has no data in sheet '{title}' (the sheet is empty).", file=path,
                         fix="check that you exported the responses, or choose another sheet=.")
    # the header fixes the width; trailing empty header cells only count if data use them
    width = max(len(r) for r in rows)
    used = max((j + 1 for r in rows for j, v in enumerate(r) if v is not None and v != ""), default=0)
    n = min(width, used)
    padded = [tuple(r[:n]) + (None,) * (n - len(r[:n])) for r in rows]
    return SheetSource(path, title, padded, numbers, n, notes)


def _column(values: tuple[Any, ...]) -> pd.Series:
    s = pd.Series(values, dtype=object)
    blank = s.map(lambda v: isinstance(v, str) and v == "").to_numpy(dtype=bool)
    if blank.any():
        s[blank] = None
    return s.infer_objects()


def parse_sheet(src: SheetSource, header_rows: int) -> Grid:
    """Split the sheet into ``header_rows`` header rows and a typed body."""
    k = min(header_rows, len(src.rows))
    header = [[_as_header(v) for v in r] for r in src.rows[:k]]
    body_rows = src.rows[k:]
    cols = list(zip(*body_rows, strict=True)) if body_rows else [() for _ in range(src.n_columns)]
    body = pd.DataFrame({j: _column(c) for j, c in enumerate(cols)}, index=range(len(body_rows)))
    return Grid(header, body, np.asarray(src.row_numbers[k:], dtype="int64"))
