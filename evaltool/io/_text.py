"""Delimited text (CSV/TSV) sources: reading bytes, sniffing the separator, fast parsing.

The parse is one pass of ``pyarrow.csv.read_csv`` over the UTF-8 bytes with every column
typed as text, so values are kept exactly as written (``"012"`` stays ``"012"``). The text
columns are read as Arrow ``large_string``, the storage of pandas' ``str`` columns, so the
frame wraps the parsed buffers without a copy: while a wave is parsed it is held as its bytes
and one parsed table, never more, and once parsed the bytes are released. Header
rows are parsed with the data and split off afterwards, so quoted newlines in question
text are handled the same way as in answers. Row numbers are the rows a spreadsheet would
show: one per record, header rows counted, blank lines counted.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import numpy as np
import pandas as pd

from ..errors import InputError
from ._lean import release_memory
from .encoding import Decoded, decode, has_mojibake_bytes

__all__ = ["Grid", "TextSource", "open_text", "parse_text", "read_bytes"]

DELIMITERS = (",", ";", "\t")
_DELIM_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe ('|')"}

csv.field_size_limit(2**31 - 1)


@dataclass
class Grid:
    """A parsed table before it gets column names: header rows, body, spreadsheet rows."""

    header: list[list[str | None]]
    body: pd.DataFrame  # columns 0..n-1
    rows: np.ndarray
    warnings: list[str] = field(default_factory=list)


@dataclass
class TextSource:
    """A text export read into memory (never changed on disk)."""

    path: Path
    decoded: Decoded
    delimiter: str
    head: list[list[str]]  # the first records (blank lines skipped), for detection
    warnings: list[str] = field(default_factory=list)
    mojibake: bool | None = None  # set by parse_text: the bytes may hold double-encoded UTF-8
    controls: bool | None = None  # set by parse_text: False when no byte is a control character

    @property
    def encoding(self) -> str:
        return self.decoded.encoding

    @property
    def n_columns(self) -> int:
        return len(self.head[0])


def read_bytes(path: str | Path) -> bytes:
    """Read a whole file, turning OS errors into :class:`InputError`."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found.", file=path,
                         fix="check the path and file name (and that the export finished downloading).")
    if path.is_dir():
        raise InputError("is a folder, not a file.", file=path, fix="pass one export file.")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot be opened ({exc.strerror}).", file=path,
                         fix="check that the file is readable and not open in another program.") from None
    blank = b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"
    if not raw[:65_536].strip(blank) and not raw.strip(blank):
        raise InputError("is empty.", file=path,
                         fix="export the survey again; the file has no content.")
    return raw


def _records(text: str, delimiter: str, strict: bool = False) -> csv.Reader:  # type: ignore[name-defined]
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)


def _head_records(text: str, delimiter: str, truncated: bool, limit: int = 50) -> list[list[str]]:
    out: list[list[str]] = []
    try:
        for rec in _records(text, delimiter):
            if rec:
                out.append(rec)
            if len(out) > limit:
                break
    except csv.Error:
        pass
    if truncated and len(out) > 1 and len(out) <= limit:
        out = out[:-1]  # the last record may be cut by the sample
    return out[:limit]


def sniff_delimiter(text: str, truncated: bool, prefer_tab: bool) -> tuple[str, list[list[str]]]:
    """Choose comma, semicolon or tab: the one giving >1 columns, consistently, in the sample."""
    best: tuple | None = None
    best_d, best_recs = ",", []
    order = ("\t", ",", ";") if prefer_tab else DELIMITERS
    for rank, d in enumerate(order):
        recs = _head_records(text, d, truncated)
        if not recs:
            continue
        n0 = len(recs[0])
        consistent = sum(len(r) == n0 for r in recs) / len(recs)
        score = (n0 > 1 and consistent >= 0.9, n0 > 1, round(consistent, 2), n0, -rank)
        if best is None or score > best:
            best, best_d, best_recs = score, d, recs
    return best_d, best_recs


def _check_single_column(path: Path, recs: list[list[str]]) -> None:
    """A one-column result whose lines contain separators: wrong delimiter or quoted lines."""
    header = recs[0][0]
    for sep in (",", ";", "\t", "|"):
        if sep not in header:
            continue
        share = sum(sep in r[0] for r in recs[1:]) / max(1, len(recs) - 1)
        if len(recs) > 1 and share < 0.8:
            continue
        if sep in DELIMITERS:
            raise InputError(
                f"has only one column: each whole line is inside quotes, so the {_DELIM_NAMES[sep]} "
                "separators are read as text.", file=path,
                fix="export the file again from the survey platform, or remove the quotes that "
                    "wrap each line in a text editor.",
            )
        raise InputError(
            f"has only one column: its values seem to be separated by {_DELIM_NAMES[sep]}, which "
            "evaltool does not read.", file=path,
            fix="save the file as CSV (comma, semicolon or tab separated) or as XLSX.",
        )


def open_text(path: str | Path, raw: bytes | None = None, encoding: str | None = None) -> TextSource:
    """Decode a text export, sniff its separator and peek at its first records."""
    path = Path(path)
    raw = read_bytes(path) if raw is None else raw
    dec = decode(raw, path, encoding)
    head_text, whole = dec.head()
    if not head_text.strip():
        raise InputError("is empty.", file=path, fix="export the survey again; the file has no content.")
    truncated = not whole
    delim, recs = sniff_delimiter(head_text, truncated, path.suffix.lower() in (".tsv", ".tab"))
    if not recs:
        raise InputError("is empty.", file=path, fix="export the survey again; the file has no content.")
    if len(recs[0]) == 1:
        _check_single_column(path, recs)
    return TextSource(path, dec, delim, recs[:6], list(dec.notes))


def _raise_parse_error(src: TextSource, n: int, header_rows: int = 1) -> NoReturn:
    """Find the record pyarrow could not read, with Python's csv module, and explain it."""
    row = 0
    d = src.delimiter
    reader = _records(src.decoded.text, d, strict=True)
    try:
        for row, rec in enumerate(reader, 1):
            if rec and len(rec) != n:
                what = "fewer" if len(rec) < n else "more"
                raise InputError(
                    f"has {len(rec)} values but the header has {n} ({what} than expected): the row "
                    "is cut off or has a missing or extra separator.", file=src.path, row=row,
                    data_row=row - header_rows, line=reader.line_num,
                    fix=f"export the file again; if it was edited by hand, check that row for a "
                        f"missing or extra {_DELIM_NAMES[d]} and quote values that contain one.",
                )
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise InputError(
                "has a quoted value that is never closed: the file seems cut off (truncated).",
                file=src.path, row=row + 1, data_row=row + 1 - header_rows, line=reader.line_num,
                fix="download or export the file again.",
            ) from None
        raise InputError(
            "has a badly quoted value (text after a closing quote).", file=src.path, row=row + 1,
            data_row=row + 1 - header_rows, line=reader.line_num,
            fix='export the file again; inside a quoted value a quote must be doubled ("").',
        ) from None
    raise InputError(
        "cannot be read as a table of rows and columns.", file=src.path,
        fix="export the survey again as CSV or XLSX.",
    )


def _record_rows(src: TextSource, n_records: int) -> tuple[np.ndarray, list[str]]:
    """Spreadsheet row of every non-blank record (blank lines count as rows)."""
    data = src.decoded.data
    end = len(data)
    while end and data[end - 1] in b"\r\n \t":  # blank lines at the end do not matter
        end -= 1
    if data.count(b"\n", 0, end) + 1 == n_records:
        return np.arange(1, n_records + 1, dtype="int64"), []  # one line per record
    # quoted newlines or blank lines: look for a blank line (a substring search in C over the
    # bytes in place: no copy, no temporary arrays the size of the file)
    blank = data.find(b"\n\n", 0, end) >= 0
    if not blank and data.find(b"\r", 0, end) >= 0:
        blank = data.find(b"\r\r", 0, end) >= 0 or data.find(b"\n\r\n", 0, end) >= 0
    if not blank:
        return np.arange(1, n_records + 1, dtype="int64"), []
    rows = [i for i, rec in enumerate(_records(src.decoded.text, src.delimiter), 1) if rec]
    if len(rows) != n_records:
        return np.arange(1, n_records + 1, dtype="int64"), [
            "blank lines in the file could not be matched to records; row numbers count records only."
        ]
    return np.asarray(rows, dtype="int64"), []


_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""The bytes :func:`evaltool.io._checks.clean_controls` replaces (the same class, as bytes)."""
_NOT_CONTROL = bytes(b for b in range(256) if not _CONTROL_BYTES.match(bytes([b])))
"""Every other byte: deleting these from a file leaves its control bytes (a C loop over the
bytes, several times faster than the regular expression's search)."""


def has_control_bytes(data: bytes) -> bool:
    """Whether ``data`` holds one of :data:`_CONTROL_BYTES`.

    >>> has_control_bytes(b"a,b\\r\\n\\tc"), has_control_bytes(b"a\\x0bb")
    (False, True)
    """
    return len(data.translate(None, _NOT_CONTROL)) > 0


def parse_text(src: TextSource, header_rows: int) -> Grid:
    """Parse the whole file: ``header_rows`` header records, then the body (text values)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    n = src.n_columns
    names = [f"f{i}" for i in range(n)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(src.decoded.data),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(delimiter=src.delimiter, newlines_in_values=True,
                                             ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(
                # large_string is what pandas' "str" columns hold: to_pandas() is then zero-copy
                column_types={nm: pa.large_string() for nm in names}, strings_can_be_null=True,
                null_values=[""], quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        _raise_parse_error(src, n, header_rows)
    if src.decoded.data.count(b'"') % 2:
        # an odd number of quotes: the last value may be an unterminated quote (cut-off file)
        try:
            for _ in _records(src.decoded.text, src.delimiter, strict=True):
                pass
        except csv.Error:
            _raise_parse_error(src, n, header_rows)
    rows, notes = _record_rows(src, table.num_rows)
    data = src.decoded.data
    src.mojibake = not data.isascii() and has_mojibake_bytes(data)
    # one search of the bytes (UTF-8: no multi-byte character holds one of these bytes) spares
    # the search of every text column when, as almost always, the file has no control character
    src.controls = has_control_bytes(data)
    del data
    src.decoded.release()  # parsed: the file's bytes are not needed again
    k = min(header_rows, table.num_rows)
    header = [[table.column(i)[r].as_py() for i in range(n)] for r in range(k)]
    body_table = table.slice(k)
    del table  # the slice holds the only reference: its columns are freed as they convert
    body = body_table.to_pandas(self_destruct=True, split_blocks=True)
    del body_table
    release_memory()
    body.columns = range(n)
    return Grid(header, body, rows[k:], notes)
