"""Writing results safely: never over an input, never into a non-empty folder by accident, and
every cell safe to open in a spreadsheet (:func:`evaltool.privacy.safe.safe_cell`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import OutputError, ParameterError
from .privacy.paths import OutputGuard
from .privacy.safe import safe_cell, safe_frame, safe_sheet_name

__all__ = ["check_output_dir", "check_output_file", "write_csv", "write_table", "write_workbook"]


def check_output_file(path: Path, *, inputs: Iterable[Path] = ()) -> None:
    """Refuse to write over (or through a link to) an input file, or into a missing folder."""
    path = Path(path)
    OutputGuard(inputs).file(path)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise ParameterError(
            f"cannot write a table as '{path.suffix or '(no extension)'}'.", file=path,
            fix="use a .csv or .xlsx file name.",
        )
    if not path.parent.exists():
        raise OutputError(
            "the folder for the output does not exist.", file=path,
            fix=f"create {path.parent} first, or choose another --out path.",
        )


def check_output_dir(path: Path, *, overwrite: bool = False, inputs: Iterable[Path] = ()) -> Path:
    """Create ``path`` if needed; refuse a folder that is or holds an input (even with
    ``overwrite``), and a non-empty folder unless ``overwrite`` and it is a results folder."""
    path = Path(path)
    OutputGuard(inputs).folder(path, overwrite=overwrite)
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_csv(frame: pd.DataFrame, path: str | Path, table: Any = None,
              mixed: list[bool] | None = None) -> Path:
    """Write a table as UTF-8 CSV with every text cell made safe (no formulas, no control
    characters); numbers, negative ones included, stay numbers. ``frame`` is not modified.

    Written a column at a time with pyarrow kernels (the text is that of pandas' ``to_csv`` of
    the safe frame: minimal quoting, ``repr`` of floats, ``True``/``False``); ``table``, the
    frame already converted by :func:`evaltool.privacy._safe_arrow.arrow_table` (e.g. for its
    Parquet copy), is reused rather than converted again, and so is ``mixed``, its
    :func:`~evaltool.privacy._safe_arrow.mixed_columns`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = write_csv(pd.DataFrame({"text": ["=1+1", "ok"], "x": [-1.5, 2.0]}), p)
    >>> print(p.read_text(encoding="utf-8"), end="")
    text,x
    '=1+1,-1.5
    ok,2.0
    """
    from .privacy._safe_arrow import write_csv_fast

    path = Path(path)
    if not write_csv_fast(frame, path, table, mixed):
        safe_frame(frame).to_csv(path, index=False, encoding="utf-8")
    return path


def write_table(frame: pd.DataFrame, path: Path) -> Path:
    """Write one table as CSV (UTF-8) or XLSX, chosen by the file extension (cells made safe)."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        return write_workbook({"table": frame}, path)
    return write_csv(frame, path)


def _cells(ws: Any, frame: pd.DataFrame) -> None:
    ws.append([safe_cell(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        ws.append([safe_cell(v) for v in row])
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"


def write_workbook(tables: Mapping[str, pd.DataFrame], path: Path) -> Path:
    """Write several tables into one XLSX workbook, one sheet each.

    Every text cell is a string cell (never a formula) made safe by
    :func:`~evaltool.privacy.safe.safe_cell`; sheet names are made valid and unique.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from openpyxl import load_workbook
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "w.xlsx"
    >>> _ = write_workbook({"a/b": pd.DataFrame({"x": ["=HYPERLINK(1)", -1]})}, p)
    >>> ws = load_workbook(p)["a_b"]
    >>> [(c.value, c.data_type) for c in ws["A"]]
    [('x', 's'), ("'=HYPERLINK(1)", 's'), (-1, 'n')]
    """
    from openpyxl import Workbook

    path = Path(path)
    wb = Workbook(write_only=False)
    wb.remove(wb.active)
    used: set[str] = set()
    for name, frame in tables.items():
        _cells(wb.create_sheet(safe_sheet_name(name, used)), frame)
    if not tables:
        wb.create_sheet("empty")
    wb.save(path)
    return path
