"""Excel workbooks of the results: formatted as a person expects, every cell safe to open.

``results.xlsx`` (shareable) holds the summary tables only, with an index sheet first; the
research team's ``research/research.xlsx`` holds the participant-level tables. Every text cell
is written as a string cell (never a formula), numbers keep full precision with a display
format, the header row is styled and frozen, and columns are sized to their content.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..output import safe_frame

__all__ = ["MAX_SHEET_ROWS", "write_formatted_workbook"]

MAX_SHEET_ROWS = 100_000
"""Tables longer than this are left out of a workbook (the CSV and Parquet copies have them)."""

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
        v = series.dropna().to_numpy(dtype=float)
        if len(v) and np.all(np.mod(v, 1) == 0) and name.startswith(("n", "n_")):
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


def write_formatted_workbook(tables: Mapping[str, pd.DataFrame], path: Path, *, title: str,
                             descriptions: Mapping[str, str] | None = None, banner: str = "") -> tuple[Path, list[str]]:
    """Write ``tables`` into one formatted workbook with an index sheet first.

    Returns the path and the names of tables left out because they are longer than
    :data:`MAX_SHEET_ROWS`.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    descriptions = descriptions or {}
    kept = {n: t for n, t in tables.items() if len(t) <= MAX_SHEET_ROWS}
    skipped = [n for n in tables if n not in kept]
    sheets = _sheet_names(list(kept))
    wb = Workbook()
    idx = wb.active
    assert idx is not None
    idx.title = "index"
    head_font = Font(bold=True, color="FFFFFF")
    head_fill = PatternFill("solid", fgColor="1F4E79")
    idx.append([title])
    idx["A1"].font = Font(bold=True, size=14)
    if banner:
        idx.append([banner])
        idx["A2"].font = Font(bold=True, color="C00000")
    idx.append([])
    idx.append(["sheet", "table", "rows", "what it holds"])
    header_row = idx.max_row
    for cell in idx[header_row]:
        cell.font, cell.fill = head_font, head_fill
    for name in kept:
        idx.append([sheets[name], name, len(kept[name]), descriptions.get(name, "")])
        link = idx.cell(row=idx.max_row, column=1)
        link.hyperlink = f"#'{sheets[name]}'!A1"
        link.font = Font(color="0563C1", underline="single")
    for name in skipped:
        idx.append(["", name, len(tables[name]), "too long for a workbook: see the CSV or Parquet file"])
    for col, width in zip("ABCD", (28, 30, 8, 90), strict=True):
        idx.column_dimensions[col].width = width
    for name, frame in kept.items():
        ws = wb.create_sheet(sheets[name])
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
    _strings_only(wb)
    wb.save(path)
    return path, skipped


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
