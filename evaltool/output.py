"""Writing results safely: never over an input, never into a non-empty folder by accident."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from .errors import OutputError, ParameterError

__all__ = ["check_output_dir", "check_output_file", "safe_frame", "write_csv", "write_table", "write_workbook"]


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:  # pragma: no cover
        return False


def check_output_file(path: Path, *, inputs: Iterable[Path] = ()) -> None:
    """Refuse to write over an input file or into a folder that does not exist."""
    path = Path(path)
    for inp in inputs:
        if _same(path, Path(inp)):
            raise OutputError(
                "the output would overwrite an input file.", file=path,
                fix="choose another --out path; evaltool never modifies its inputs.",
            )
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
    """Create ``path`` if needed; refuse a non-empty folder unless ``overwrite``."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError("the output path is a file, not a folder.", file=path,
                          fix="choose a folder name for --out.")
    for inp in inputs:
        inp = Path(inp).resolve()
        if inp.parent == path.resolve() and path.exists() and not overwrite:
            raise OutputError(
                "the output folder holds an input file.", file=path,
                fix="choose a separate --out folder; evaltool never writes next to its inputs.",
            )
    if path.exists() and any(path.iterdir()) and not overwrite:
        raise OutputError(
            "the output folder is not empty.", file=path,
            fix="choose a new --out folder, or pass --overwrite to replace its contents.",
        )
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_table(frame: pd.DataFrame, path: Path) -> Path:
    """Write one table as CSV (UTF-8) or XLSX, chosen by the file extension."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_csv(path, index=False)
    return path


def write_workbook(tables: Mapping[str, pd.DataFrame], path: Path) -> Path:
    """Write several tables into one XLSX workbook, one sheet each (names cut to 31 chars)."""
    path = Path(path)
    used: set[str] = set()
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        for name, frame in tables.items():
            sheet = name[:31]
            i = 2
            while sheet in used:
                sheet = f"{name[:28]}_{i}"
                i += 1
            used.add(sheet)
            frame.to_excel(xl, sheet_name=sheet, index=False)
    return path


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot run as spreadsheet formulas (OWASP CSV injection).

    Text beginning with ``= + - @``, a tab or a carriage return gets a leading ``'``; numbers
    (including negative ones) are left as numbers. ``frame`` is not modified.

    Examples
    --------
    >>> import pandas as pd
    >>> safe_frame(pd.DataFrame({"a": ["=1+1", "ok", "-2"], "b": [-1.5, 2.0, 3.0]}))["a"].tolist()
    ["'=1+1", 'ok', "'-2"]
    """
    out = frame.copy()
    for c in out.columns:
        col = out[c]
        if col.dtype == object or pd.api.types.is_string_dtype(col.dtype) or isinstance(col.dtype, pd.CategoricalDtype):
            vals = col.astype(object)
            bad = vals.map(lambda v: isinstance(v, str) and v.startswith(_FORMULA_START)).astype(bool)
            if bad.any():
                out[c] = vals.where(~bad, "'" + vals.astype(str))
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write a table as UTF-8 CSV with formula-safe text cells (see :func:`safe_frame`)."""
    path = Path(path)
    safe_frame(frame).to_csv(path, index=False)
    return path
