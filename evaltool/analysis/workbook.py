"""Excel workbooks of the results: formatted as a person expects, every cell safe to open.

``results.xlsx`` (shareable) holds the summary tables only, with an index sheet first; the
research team's ``research/research.xlsx`` holds the participant-level tables. Every text cell
is written as a string cell (never a formula), numbers keep full precision with a display
format, the header row is styled and frozen, and columns are sized to their content.

Workbooks are bounded: a table of more than :data:`MAX_SHEET_CELLS` cells (rows × columns)
gets a short sheet instead, saying how large it is and where the full table is (its CSV and
Parquet files, written by :func:`evaltool.analysis.write.write_results` at full speed). A
workbook is for reading and filtering summaries; at national scale (10,000 participants, 400
cohorts) the participant- and cohort-level tables would be millions of cells, minutes of
writing and a file Excel opens slowly — and the CSV opens in Excel all the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..output import safe_frame

__all__ = ["MAX_SHEET_CELLS", "fits_in_sheet", "write_formatted_workbook"]

MAX_SHEET_CELLS = 25_000
"""A table of more cells (rows × columns) than this gets a pointer sheet in a workbook (where its
CSV and Parquet files are) instead of its rows: e.g. 2,500 rows of 10 columns fit. Every table of
the example study fits; at 10,000 participants the participant- and cohort-level ones do not."""

_INT = "0"
_NUM = "0.000"
_P = "0.0000"


def _number_format(name: str, series: pd.Series) -> str | None:
    if pd.api.types.is_bool_dtype(series.dtype):
        return None
    if pd.api.types.is_integer_dtype(series.dtype):
        return _INT
    if pd.api.types.is_float_dtype(series.dtype):
        if name == "p" or name.startswith(("p_", "p ")) or name.endswith("_p"):
            return _P
        if name.startswith(("n", "n_")):  # counts stored as floats (a missing count makes the column float)
            v = series.dropna().to_numpy(dtype=float)
            if len(v) and np.isfinite(v).all() and np.all(np.mod(v, 1) == 0):
                return _INT
        return _NUM
    return None


def _sheet_names(names: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = "".join(ch if ch not in "[]:*?/\\" else "_" for ch in name)[:31] or "table"
        sheet, i = base, 2
        while sheet.casefold() in used:
            sheet = f"{base[:27]}_{i}"
            i += 1
        used.add(sheet.casefold())
        out[name] = sheet
    return out


def fits_in_sheet(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` is written in full into a workbook sheet (:data:`MAX_SHEET_CELLS`)."""
    return frame.shape[0] * max(frame.shape[1], 1) <= MAX_SHEET_CELLS


def write_formatted_workbook(tables: Mapping[str, pd.DataFrame], path: Path, *, title: str,
                             descriptions: Mapping[str, str] | None = None, banner: str = "",
                             elsewhere: Mapping[str, str] | None = None) -> tuple[Path, list[str]]:
    """Write ``tables`` into one formatted workbook with an index sheet first.

    ``elsewhere`` maps a table name to where its full copy is (e.g. ``tables/scores.csv``).
    A table larger than :data:`MAX_SHEET_CELLS` gets a short sheet saying so and naming that
    copy. Returns the path and the names of the tables so bounded.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    descriptions, elsewhere = descriptions or {}, elsewhere or {}
    bounded = [n for n, t in tables.items() if not fits_in_sheet(t)]
    sheets = _sheet_names(list(tables))
    wb = Workbook()
    idx = wb.active
    assert idx is not None
    _index_sheet(idx, tables, sheets, title=title, banner=banner, descriptions=descriptions,
                 notes={n: _pointer_text(n, tables[n], elsewhere.get(n))[0] for n in bounded})
    for name, frame in tables.items():
        ws = wb.create_sheet(sheets[name])
        if name in bounded:
            for line in _pointer_text(name, frame, elsewhere.get(name)):
                ws.append([line])
            ws["A1"].font = Font(bold=True)
            ws.column_dimensions["A"].width = 100
        else:
            _table_sheet(ws, frame)
    _strings_only(wb)
    wb.save(path)
    return path, bounded


def _pointer_text(name: str, frame: pd.DataFrame, where: str | None) -> list[str]:
    rows, cols = frame.shape
    return [f"{name}: {rows:,} rows × {cols} columns — too large for a workbook sheet "
            f"(more than {MAX_SHEET_CELLS:,} cells).",
            f"The full table: {where} (CSV, opens in Excel) and {Path(where).with_suffix('.parquet').as_posix()} "
            "(Parquet, exact types)." if where else "The full table is in the CSV and Parquet files of the results.",
            "Smaller summaries of it are in the other sheets and in the reports."]


def _index_sheet(idx: Any, tables: Mapping[str, pd.DataFrame], sheets: Mapping[str, str], *, title: str,
                 banner: str, descriptions: Mapping[str, str], notes: Mapping[str, str]) -> None:
    from openpyxl.styles import Font, PatternFill

    idx.title = "index"
    idx.append([title])
    idx["A1"].font = Font(bold=True, size=14)
    if banner:
        idx.append([banner])
        idx["A2"].font = Font(bold=True, color="C00000")
    idx.append([])
    idx.append(["sheet", "table", "rows", "what it holds"])
    for cell in idx[idx.max_row]:
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F4E79")
    for name in tables:
        idx.append([sheets[name], name, len(tables[name]), notes.get(name, descriptions.get(name, ""))])
        link = idx.cell(row=idx.max_row, column=1)
        link.hyperlink = f"#'{sheets[name]}'!A1"
        link.font = Font(color="0563C1", underline="single")
    for col, width in zip("ABCD", (28, 30, 8, 90), strict=True):
        idx.column_dimensions[col].width = width


def _table_sheet(ws: Any, frame: pd.DataFrame) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    head_font, head_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F4E79")
    safe = safe_frame(frame)
    cols = [str(c) for c in safe.columns]
    ws.append(cols)
    for cell in ws[1]:
        cell.font, cell.fill = head_font, head_fill
        cell.alignment = Alignment(wrap_text=False)
    formats = [_number_format(c, frame[c]) for c in frame.columns]
    for row in safe.itertuples(index=False, name=None):
        ws.append([_cell(v) for v in row])
    for j, fmt in enumerate(formats, start=1):
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = fmt
    for j, c in enumerate(cols, start=1):
        lengths = safe.iloc[:200, j - 1].astype(str).str.len()
        sample = int(lengths.max()) if len(lengths) and lengths.notna().any() else 0
        ws.column_dimensions[get_column_letter(j)].width = min(60, max(8, len(c) + 2, sample + 2))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


def _cell(v: object) -> object:
    """Plain Python values for openpyxl; missing → empty cell."""
    if v is None:
        return None
    if isinstance(v, float) and np.isnan(v):
        return None
    if v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return None if np.isnan(v) else float(v)
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (int, float, str)):
        return v
    return str(v)


def _strings_only(wb: object) -> None:
    """Every text cell a string cell: openpyxl would store text starting with '=' as a formula."""
    for ws in wb.worksheets:  # type: ignore[attr-defined]
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.data_type != "s":
                    cell.data_type = "s"
