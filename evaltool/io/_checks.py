"""Checks every reader shares: id and timepoint columns, spreadsheet damage to ids, repeated
header rows, control characters, a first row that holds answers rather than names, and how a
position in a file is described ("data row 3 (file line 5)")."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .. import columns as C

__all__ = [
    "clean_controls",
    "file_size",
    "excel_id_warnings",
    "guess_id_columns",
    "guess_timepoint_column",
    "header_like",
    "position",
    "repeated_header_warnings",
]


def file_size(path: object) -> str:
    """A file's size in words ("12 KB"), for messages that describe a file without its content."""
    from pathlib import Path

    try:
        n = float(Path(str(path)).stat().st_size)
    except OSError:
        return "size unknown"
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return ""  # pragma: no cover


def position(data_row: int, row: int, kind: str = "file line") -> str:
    """``data row N (file line M)``: the record's place among the responses and in the file.

    ``kind`` is ``file line`` (text files), ``sheet row`` (workbooks) or ``case`` (SPSS,
    where the two are the same and only ``case N`` is written).

    Examples
    --------
    >>> position(3, 5), position(2, 2, "case")
    ('data row 3 (file line 5)', 'case 2')
    """
    if kind == "case":
        return f"case {row}"
    return f"data row {data_row} ({kind} {row})"


def first_position(data: pd.DataFrame, mask: np.ndarray, kind: str = "file line") -> str:
    """The position of the first row where ``mask`` is true."""
    i = int(np.flatnonzero(mask)[0])
    return position(i + 1, int(data[C.ROW].to_numpy()[i]), kind)


_ID_RE = re.compile(
    r"^((participant|subject|respondent|person|staff|employee|study|record|pseudonym|anon|user|"
    r"external)_?)?(id|code|number|no|nr|identifier|key|reference|ref)$|"
    r"^(pid|sid|uid|participant|pseudonym)$|(^|_)e_?mail(_address)?$"
)
_TIMEPOINT_RE = re.compile(r"^(timepoint|time_point|wave|visit|time|event|occasion|phase|redcap_event_name)$")


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def guess_id_columns(columns: list[str], preferred: list[str] | tuple[str, ...] = ()) -> tuple[str, ...]:
    """Preferred columns that exist, then columns whose names look like ids or e-mails."""
    cols = [c for c in columns if c != C.ROW]
    out = list(dict.fromkeys(c for c in preferred if c in cols))
    out += [c for c in cols if c not in out and _ID_RE.search(_norm(c))]
    return tuple(out)


def guess_timepoint_column(columns: list[str]) -> str | None:
    for c in columns:
        if c != C.ROW and _TIMEPOINT_RE.match(_norm(c)):
            return c
    return None


_SCI = r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$"


def excel_id_warnings(data: pd.DataFrame, columns: tuple[str, ...], kind: str = "file line") -> list[str]:
    """Ids a spreadsheet probably changed: scientific notation, ``.0`` suffix, lost zeros."""
    out = []
    for col in columns[:3]:
        s = data[col]
        if not (pd.api.types.is_string_dtype(s.dtype) or s.dtype == object):
            continue
        t = s.astype("string")
        # one pass first: only columns with number-like values can have been mangled
        if not t.str.match(r"^[+-]?\d[\d.]*([eE][+-]?\d+)?$").any():
            continue

        def first(mask: np.ndarray) -> str:
            return first_position(data, mask, kind)

        sci = t.str.match(_SCI).to_numpy(dtype=bool, na_value=False)
        if sci.any():
            out.append(
                f"column '{col}': {int(sci.sum())} value(s) are in scientific notation (first at "
                f"{first(sci)}), as Excel writes long numbers; the original ids cannot be recovered "
                "from this file. Fix: export again and do not open and save the CSV in Excel, or "
                "format the column as Text."
            )
        dot0 = t.str.match(r"^\d+\.0$").to_numpy(dtype=bool, na_value=False)
        if dot0.any():
            out.append(
                f"column '{col}': {int(dot0.sum())} value(s) end in '.0' (first at {first(dot0)}): "
                "ids were stored as numbers somewhere; check that they match the other waves."
            )
        digits = t.str.match(r"^\d+$").to_numpy(dtype=bool, na_value=False)
        if digits.any():
            lead = digits & t.str.startswith("0").to_numpy(dtype=bool, na_value=False)
            if lead.any():
                lengths = t.str.len().to_numpy(dtype="float64", na_value=np.nan)
                width = np.nanmax(np.where(lead, lengths, np.nan))
                short = digits & ~lead & (lengths < width)
                if short.any():
                    out.append(
                        f"column '{col}': some ids have leading zeros and {int(short.sum())} are "
                        f"shorter without them (first at {first(short)}): a spreadsheet may have "
                        "removed leading zeros. Fix: restore them (e.g. zero-pad to the same width) "
                        "before linking waves."
                    )
    return out


def repeated_header_warnings(data: pd.DataFrame, header_cells: dict[str, tuple[str | None, ...]],
                             kind: str = "file line") -> list[str]:
    cols = [c for c in list(header_cells)[:5] if c in data.columns and header_cells[c] and header_cells[c][0]]
    if len(cols) < 2 or len(data) == 0:
        return []
    mask = np.ones(len(data), dtype=bool)
    for c in cols:
        s = data[c]
        if not (pd.api.types.is_string_dtype(s.dtype) or s.dtype == object):
            return []
        mask &= (s.astype("string") == header_cells[c][0]).to_numpy(dtype=bool, na_value=False)
    if not mask.any():
        return []
    return [
        f"{int(mask.sum())} row(s) repeat the header (first at {first_position(data, mask, kind)}): "
        "two exports may have "
        "been pasted together. Fix: remove the extra header rows, or read the exports separately."
    ]


# --------------------------------------------------------------------------------------
# control characters
# --------------------------------------------------------------------------------------
_CONTROL = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_CONTROL_RE = re.compile(_CONTROL)
_LINE_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n"})


def _clean_text(text: str) -> str:
    return _CONTROL_RE.sub("", text.translate(_LINE_BREAKS))


def clean_controls(data: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """Replace control characters in text cells: vertical tab and form feed (Word's soft line
    break) become a line break, others (NUL, ESC ...) are removed; tab, CR and LF are kept.

    Returns the cleaned frame (a new one when anything changed; the input is not modified)
    and the ``(row, column)`` of every cleaned cell. Columns without text are skipped, and a
    column is scanned with one vectorised search.
    """
    cells: list[tuple[int, str]] = []
    out = data
    rows = data[C.ROW].to_numpy() if C.ROW in data.columns else np.arange(len(data))
    for col in data.columns:
        if col == C.ROW:
            continue
        s = data[col]
        if not (pd.api.types.is_string_dtype(s.dtype) or s.dtype == object):
            continue
        hit = s.astype("string").str.contains(_CONTROL, regex=True).to_numpy(dtype=bool, na_value=False)
        if not hit.any():
            continue
        if out is data:
            out = data.copy()
        new = s.astype(object).copy()
        new[hit] = [_clean_text(str(v)) for v in s[hit]]
        out[col] = new.astype(s.dtype) if s.dtype != object else new
        cells += [(int(r), str(col)) for r in rows[hit]]
    return out, cells


def clean_header(names: list[str | None]) -> tuple[list[str | None], int]:
    """Header cells without control characters, and how many were changed."""
    out: list[str | None] = []
    n = 0
    for v in names:
        if isinstance(v, str) and _CONTROL_RE.search(v):
            out.append(" ".join(_clean_text(v).split()))
            n += 1
        else:
            out.append(v)
    return out, n


# --------------------------------------------------------------------------------------
# a first row that holds answers, not column names
# --------------------------------------------------------------------------------------
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NUMBER_OR_DATE = re.compile(r"^[+-]?\d+([.,:/-]\d+)*( \d+(:\d+)*)?$")


def header_like(name: object) -> bool:
    """False for header cells that look like answers (an e-mail address, a number, a date):
    such names are never shown in a message, since they may be a participant's data."""
    text = str(name).strip()
    return not (_EMAIL.match(text) or _NUMBER_OR_DATE.match(text))


def data_in_header(names: list[str]) -> str | None:
    """Why the header row looks like a row of answers (without quoting it), or None."""
    cells = [str(n).strip() for n in names if n is not None and str(n).strip() and not str(n).startswith("Unnamed: ")]
    if not cells:
        return None
    emails = [i for i, c in enumerate(cells) if _EMAIL.match(c)]
    numbers = [c for c in cells if _NUMBER_OR_DATE.match(c)]
    if emails:
        return f"column {emails[0] + 1} of the first row holds an e-mail address"
    if len(cells) >= 3 and len(numbers) >= len(cells) / 2:
        return f"{len(numbers)} of the {len(cells)} cells of the first row are numbers or dates"
    return None
