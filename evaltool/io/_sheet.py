"""Excel workbooks (.xlsx): one sheet read into a :class:`~evaltool.io._text.Grid`.

Cells keep the type Excel stored (numbers as numbers, dates as datetimes, text as text);
empty cells and empty strings are missing. Row numbers are the worksheet's own row numbers.
"""

from __future__ import annotations

import datetime as dt
import io
import re
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

__all__ = ["ReadLimits", "SheetSource", "SheetSummary", "choose_sheet", "open_sheet", "parse_sheet", "read_limits", "sheet_summaries"]


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
    from ._checks import file_size

    size = file_size(path)
    if kind == "ole":
        return InputError(
            f"is an old-style Excel workbook (.xls, {size}), which evaltool does not read.", file=path,
            fix="open it in Excel and save it as .xlsx, or export the survey as CSV.",
        )
    if kind is None:
        return InputError(
            f"has an Excel name but is not an Excel workbook (it looks like a text file, {size}).",
            file=path, fix="rename it to .csv, or export the survey again as .xlsx.",
        )
    return InputError(
        f"is not a valid Excel workbook (.xlsx, {size}): it cannot be opened as one.", file=path,
        fix="open it in Excel and save it again as .xlsx, or export the survey as CSV.",
    )


@dataclass(frozen=True)
class ReadLimits:
    """Limits that stop a hostile or broken workbook quickly (configurable).

    ``xlsx_max_bytes``: total unpacked size of a workbook's parts (a 14 MB file that unpacks
    to gigabytes is a zip bomb); ``xlsx_max_rows``: rows of one sheet. Set them with the
    environment variables ``EVALTOOL_XLSX_MAX_MB`` and ``EVALTOOL_XLSX_MAX_ROWS``.
    """

    xlsx_max_bytes: int = 1024 * 1024 * 1024
    xlsx_max_rows: int = 2_000_000


def read_limits() -> ReadLimits:
    """The limits in force: defaults, or the environment's ``EVALTOOL_XLSX_MAX_MB`` / ``_ROWS``."""
    import os

    base = ReadLimits()
    mb, rows = os.environ.get("EVALTOOL_XLSX_MAX_MB"), os.environ.get("EVALTOOL_XLSX_MAX_ROWS")
    try:
        return ReadLimits(int(float(mb) * 1024 * 1024) if mb else base.xlsx_max_bytes,
                          int(rows) if rows else base.xlsx_max_rows)
    except ValueError:
        raise ParameterError(
            "EVALTOOL_XLSX_MAX_MB and EVALTOOL_XLSX_MAX_ROWS must be numbers.",
            fix="unset them, or set them to numbers (e.g. EVALTOOL_XLSX_MAX_MB=2048).") from None


def _mb(n: float) -> str:
    return f"{n / 1024 / 1024:,.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:,.0f} KB"


def _check_unpacked_size(path: Path, raw: bytes, limits: ReadLimits) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            total = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _not_xlsx(path, "zip") from None
    if total > limits.xlsx_max_bytes:
        raise InputError(
            f"is a {_mb(len(raw))} workbook that unpacks to {_mb(total)}, more than the limit of "
            f"{_mb(limits.xlsx_max_bytes)}: it may be damaged or built to exhaust memory.", file=path,
            fix="export the survey as CSV; if the workbook is genuine, raise the limit with the "
                "environment variable EVALTOOL_XLSX_MAX_MB.",
        )


_NOT_DATA = re.compile(r"(?i)instruction|read ?me|note|info|about|codebook|dictionar|legend|summary|"
                       r"chart|pivot|question|label|key|help|cover|contents|metadata")
_DATA = re.compile(r"(?i)data|respons|result|answer|form ?1|sheet ?1|export|raw")


@dataclass(frozen=True)
class SheetSummary:
    """A first look at one worksheet: its header (first non-empty row) and whether it looks
    like a table of responses (two or more named columns and rows of values under them)."""

    name: str
    header: tuple[str, ...]
    rows: int
    table: bool


def _summary(ws: Any, peek: int = 30) -> SheetSummary:
    rows = [r for r in ws.iter_rows(max_row=peek, values_only=True)
            if any(v is not None and v != "" for v in r)]
    header = tuple(_as_header(v) or "" for v in rows[0]) if rows else ()
    named = sum(1 for h in header if h)
    body = [r for r in rows[1:] if sum(v is not None and v != "" for v in r) >= 2]
    declared = ws.max_row if isinstance(ws.max_row, int) else len(rows)
    return SheetSummary(ws.title, header, max(declared, len(rows)), named >= 2 and bool(body))


def choose_sheet(sheets: list[SheetSummary], path: Path) -> tuple[str, str | None]:
    """The sheet that holds the responses, and a note saying why (None when obvious)."""
    if len(sheets) == 1:
        return sheets[0].name, None
    tables = [s for s in sheets if s.table]
    pool = [s for s in tables if not _NOT_DATA.search(s.name)] or tables
    others = ", ".join(f"'{s.name}'" for s in sheets if s not in pool[:1])
    if len(pool) == 1:
        return pool[0].name, f"read sheet '{pool[0].name}', the only one holding a table of responses (also: {others})."
    named = [s for s in pool if _DATA.search(s.name)]
    if len(named) == 1:
        return named[0].name, f"read sheet '{named[0].name}' (its name says it holds the data; also: {others})."
    pool.sort(key=lambda s: -s.rows)
    if pool and (len(pool) == 1 or pool[0].rows >= 2 * max(pool[1].rows, 1)):
        return pool[0].name, f"read sheet '{pool[0].name}', the one with the most rows (also: {others})."
    listed = ", ".join(f"'{s.name}'" for s in sheets)
    raise InputError(
        f"has several sheets that could hold the responses ({listed}); evaltool cannot tell which.",
        file=path, fix="name the sheet: 'sheet: <name>' under the export in the study file "
                       "(or sheet= in read_export()).",
    )


def _open_workbook(path: Path) -> Any:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    raw = read_bytes(path)
    kind = sniff_binary(raw[:16])
    if kind != "zip":
        raise _not_xlsx(path, kind)
    _check_unpacked_size(path, raw, read_limits())
    try:
        with warnings.catch_warnings():
            # e.g. "Workbook contains no default style": about styling, not the data
            warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
            return openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError):
        raise _not_xlsx(path, "zip") from None


def sheet_summaries(path: str | Path) -> list[SheetSummary]:
    """Every sheet of a workbook at a glance (header and size), without reading it all."""
    wb = _open_workbook(Path(path))
    try:
        return [_summary(ws) for ws in wb.worksheets]
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError):
        raise _not_xlsx(Path(path), "zip") from None
    finally:
        wb.close()


def _pick(wb: Any, path: Path, sheet: str | int | None) -> tuple[Any, str | None]:
    names = list(wb.sheetnames)
    if sheet is None:
        name, note = choose_sheet([_summary(ws) for ws in wb.worksheets], path)
        return wb[name], note
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if not 0 <= sheet < len(names):
            raise ParameterError(
                f"The 'sheet' parameter of read_export() must be a sheet name or a position "
                f"0..{len(names) - 1}. Got {sheet!r} instead.", file=path,
                fix=f"choose one of the sheets: {names}.",
            )
        return wb.worksheets[sheet], None
    if sheet in names:
        return wb[sheet], None
    raise ParameterError(f"The 'sheet' parameter names {sheet!r}, which is not a sheet of the "
                         "workbook.", file=path,
                         fix=f"choose one of the sheets: {', '.join(repr(n) for n in names)}.")


def _rows(ws: Any, path: Path, limits: ReadLimits) -> list[tuple[Any, ...]]:
    declared = ws.max_row if isinstance(ws.max_row, int) else 0
    too_many = InputError(
        f"sheet '{ws.title}' has more than {limits.xlsx_max_rows:,} rows, the limit for a workbook.",
        file=path, fix="export the survey as CSV, or raise the limit with the environment variable "
                       "EVALTOOL_XLSX_MAX_ROWS.")
    if declared > limits.xlsx_max_rows:
        raise too_many
    out = []
    for i, r in enumerate(ws.iter_rows(min_row=1, values_only=True)):
        if i >= limits.xlsx_max_rows:
            raise too_many
        out.append(r)
    return out


def open_sheet(path: str | Path, sheet: str | int | None = None) -> SheetSource:
    """Read one worksheet of an .xlsx workbook (default: the sheet that holds the data)."""
    path = Path(path)
    wb = _open_workbook(path)
    notes: list[str] = []
    try:
        ws, note = _pick(wb, path, sheet)
        if note:
            notes.append(note)
        try:
            all_rows = _rows(ws, path, read_limits())
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
