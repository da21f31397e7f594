"""Spreadsheet-safe text and CSV writing at columnar speed (pyarrow compute kernels).

The same rules as :func:`evaltool.privacy.safe.safe_text`, applied to a whole column at once,
and a CSV writer that gives the same text as ``safe_frame(frame).to_csv(path, index=False)``
(pandas' minimal quoting, ``True``/``False``, ``repr`` of floats, empty missing values, a lone
empty field quoted) without one Python call per cell. Columns of a kind it does not know
(mixed-type object columns, dates, decimals …) go cell by cell through
:func:`~evaltool.privacy.safe.safe_cell`, as before.

At national scale (a million rows) the work is kept in proportion to what needs doing: a
column whose bytes are all printable ASCII with no formula-like first character, or hold no
comma, quote or line break, is not searched value by value; only the values that match are
rewritten; a column with few distinct values (labels, scores, cut-offs, a long note repeated
on every row) is worked on once per distinct value; the CSV text is made 65,536 rows at a
time. Each shortcut gives the same bytes as the plain path (``tests/test_safe_vectorised.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["arrow_table", "mixed_columns", "safe_text_array", "text_array", "write_csv_fast"]

# RE2 (UTF-8, code points) versions of safe.py's _LINE_LIKE and _CONTROL
_LINE_LIKE = "[\\x{0b}\\x{0c}\\x{85}\\x{2028}\\x{2029}]"
_CONTROL = "[\\x{00}-\\x{08}\\x{0e}-\\x{1f}\\x{7f}-\\x{84}\\x{86}-\\x{9f}\\x{fffe}\\x{ffff}]"
_FORMULA = "^[=+\\-@\\t\\r]"
_NEEDS_WORK = "^[=+\\-@\\t\\r]|[\\x{00}-\\x{08}\\x{0b}-\\x{1f}\\x{7f}-\\x{9f}\\x{2028}\\x{2029}\\x{fffe}\\x{ffff}]"
_FORMULA_FIRST = np.zeros(256, dtype=bool)
_FORMULA_FIRST[list(b"=+-@\t\r")] = True  # the first bytes that make a value look like a formula
_QUOTE_CHARS = '[,"\\n\\r]'
_BATCH_ROWS = 65_536  # rows of CSV text made at a time (bounds the memory of the text)
_FEW_MIN_ROWS, _FEW_RATIO = 1_000, 4  # text worked on per distinct value: ≥ 4 rows per value


def _s(text: str, like: Any) -> pa.Scalar:
    """A string scalar of the type of ``like`` (Arrow kernels do not mix string types)."""
    return pa.scalar(text, like.type)


def _any(mask: Any) -> bool:
    return bool(pc.any(mask).as_py())


def _offsets(arr: pa.Array) -> np.ndarray:
    """The value offsets of a (large) string array, ``len(arr) + 1`` of them."""
    width = np.int32 if pa.types.is_string(arr.type) else np.int64
    return np.frombuffer(arr.buffers()[1], dtype=width)[arr.offset: arr.offset + len(arr) + 1]


def _data(arr: pa.Array) -> np.ndarray:
    """All the bytes of the values of a (large) string array, without a copy (the bytes of
    null slots, if any, included: tests on them are supersets of tests on the values)."""
    offsets, data = _offsets(arr), arr.buffers()[2]
    if data is None or len(offsets) == 0:
        return np.zeros(0, dtype=np.uint8)
    return np.frombuffer(data, dtype=np.uint8)[int(offsets[0]):int(offsets[-1])]


def _may_need_work(arr: pa.Array) -> bool:
    """Whether :func:`safe_text_array` may change a value (False: it certainly changes none):
    printable ASCII text with no formula-like first character needs none."""
    data = _data(arr)
    if len(data) and (data.min() < 0x20 or data.max() > 0x7E):
        return True  # control characters, line breaks, tabs or non-ASCII: the exact test decides
    offsets = _offsets(arr)
    starts = offsets[:-1][offsets[1:] > offsets[:-1]] - offsets[0]
    return bool(_FORMULA_FIRST[data[starts]].any())


def _may_need_quotes(arr: pa.Array) -> bool:
    """Whether some value may hold a comma, a quote or a line break (False: none does); read a
    megabyte at a time, stopping at the first."""
    data = _data(arr)
    for start in range(0, len(data), 1 << 20):
        chunk = data[start:start + (1 << 20)].tobytes()
        if any(c in chunk for c in (b",", b'"', b"\n", b"\r")):
            return True
    return False


def safe_text_array(arr: pa.Array) -> pa.Array:
    """:func:`~evaltool.privacy.safe.safe_text` of every value of a string array (nulls kept)."""
    if len(arr) == 0 or not _may_need_work(arr):
        return arr
    return _on_matches(arr, _NEEDS_WORK, _made_safe)


def _made_safe(arr: pa.Array) -> pa.Array:
    """The values that need work (see :data:`_NEEDS_WORK`) made safe."""
    clean = pc.replace_substring_regex(pc.replace_substring_regex(arr, _LINE_LIKE, "\n"), _CONTROL, "")
    lead = pc.match_substring_regex(clean, _FORMULA)
    clean = pc.replace_substring(pc.replace_substring(clean, "\r\n", "\n"), "\r", "\n")
    return pc.if_else(lead, pc.binary_join_element_wise(_s("'", clean), clean, _s("", clean)), clean)


def _on_matches(arr: pa.Array, pattern: str, work: Any) -> pa.Array:
    """``work`` done on the values that hold a match of ``pattern`` only (often a few rows of a
    long column), the others left as they are."""
    mask = pc.match_substring_regex(arr, pattern)
    if not _any(mask):
        return arr
    mask = pc.fill_null(mask, False)
    return pc.replace_with_mask(arr, mask, work(pc.filter(arr, mask)))


def text_array(series: pd.Series) -> pa.Array | None:
    """``series`` as an Arrow string array when it holds text only (missing values as nulls),
    else None (numbers, mixed types, text that UTF-8 cannot hold such as lone surrogates)."""
    dtype = series.dtype
    if pd.api.types.is_object_dtype(dtype):
        if pd.api.types.infer_dtype(series, skipna=True) not in ("string", "empty"):
            return None
    elif not pd.api.types.is_string_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return None
    try:
        values = series.to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]
        arr = pa.array(values, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowException, UnicodeError, TypeError, ValueError):
        return None
    return arr


def arrow_table(frame: pd.DataFrame, mixed: list[bool] | None = None) -> pa.Table:
    """``frame`` as an Arrow table for Parquet: mixed-type object columns (e.g. labels and
    numbers) as text, everything else as pandas converts it (types, categories, missing values
    kept; the pandas metadata lets ``read_parquet`` give the same frame back). ``mixed`` is
    :func:`mixed_columns` of the frame when already known."""
    mixed = mixed_columns(frame) if mixed is None else mixed
    prepared = frame
    if any(mixed) and frame.columns.is_unique:
        prepared = frame.assign(**{c: frame[c].map(lambda v: v if v is None or (isinstance(v, float) and v != v)
                                                   else str(v))
                                   for c, m in zip(frame.columns, mixed, strict=True) if m})
    table = pa.Table.from_pandas(prepared, preserve_index=False, nthreads=1)  # no pool per table
    if frame.attrs:
        import json

        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               "PANDAS_ATTRS": json.dumps(frame.attrs)})
    return table


def mixed_columns(frame: pd.DataFrame) -> list[bool]:
    """:func:`_is_mixed` of each column, by position."""
    return [pd.api.types.is_object_dtype(t) and _is_mixed(frame.iloc[:, j]) for j, t in enumerate(frame.dtypes)]


_MIXED_SAMPLE = 10_000
_MISSING_TYPES = frozenset({type(None), type(pd.NA), type(pd.NaT)})


def _is_mixed(series: pd.Series) -> bool:
    """Whether an object column's first 10,000 present values are of more than one type."""
    if not pd.api.types.is_object_dtype(series.dtype):
        return False
    values = series.to_numpy()
    kinds = set(map(type, values[:_MIXED_SAMPLE]))
    if len(kinds) == 1 and not issubclass(next(iter(kinds)), float) and not kinds & _MISSING_TYPES:
        return False  # the first 10,000 values are all present and of one type (the usual case)
    kinds = set()
    seen = 0
    for v in values:
        if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
            continue
        kinds.add(type(v))
        seen += 1
        if len(kinds) > 1:
            return True
        if seen >= _MIXED_SAMPLE:
            break
    return False


# --------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------
def _quote(text: pa.Array, lone: bool, plain: bool = False) -> pa.Array:
    """pandas' (csv.QUOTE_MINIMAL) quoting of text cells; missing → empty. ``lone``: the only
    column of the table, whose empty fields the csv module writes as ``""``; ``plain``: text of
    numbers or booleans, which never needs quotes."""
    return _fill(text if plain else _quote_values(text), lone)


def _quote_values(text: pa.Array) -> pa.Array:
    """Quotes around the values that hold a comma, a quote or a line break (nulls kept)."""
    if not _may_need_quotes(text):
        return text
    return _on_matches(text, _QUOTE_CHARS, lambda t: pc.binary_join_element_wise(
        _s('"', t), pc.replace_substring(t, '"', '""'), _s('"', t), _s("", t)))


def _fill(text: pa.Array, lone: bool) -> pa.Array:
    """Missing values as empty fields (``""`` in a table of one column, as the csv module)."""
    if text.null_count:
        text = pc.fill_null(text, _s("", text))
    if lone:
        text = pc.if_else(pc.equal(text, _s("", text)), _s('""', text), text)
    return text


def _float_text(arr: pa.Array) -> pa.Array:
    """``repr`` of each float (as pandas writes them): Arrow's shortest round-trip digits, with
    ``.0`` on whole numbers; values whose notation differs (|x| < 1e-4 or ≥ 1e10) by ``repr``."""
    vals = arr.to_numpy(zero_copy_only=False)
    if pa.types.is_float16(arr.type) or pa.types.is_float32(arr.type):
        return pa.array(np.where(np.isnan(vals), None, vals.astype(str)), type=pa.large_string())
    vals = vals.astype("float64", copy=False)
    if _few_distinct(vals.view(np.int64)):
        codes, uniques = pd.factorize(vals.view(np.int64))  # by bits: -0.0 and 0.0 stay apart
        if len(uniques) * _FEW_RATIO <= len(vals):  # few distinct values (scores, cut-offs): each once
            return pc.take(_float_text(pa.array(uniques.view(np.float64))), pa.array(codes))
    text = pc.cast(arr, pa.large_string())
    with np.errstate(invalid="ignore"):
        mag = np.abs(vals)
        whole = (vals == np.floor(vals)) & (mag < 1e10)
        odd = ((mag < 1e-4) & (mag != 0.0)) | ((mag >= 1e10) & np.isfinite(vals))
    if whole.any():
        text = pc.if_else(pa.array(whole), pc.binary_join_element_wise(text, _s(".0", text), _s("", text)), text)
    if odd.any():
        reprs = [repr(float(v)) for v in vals[odd]]
        text = pc.replace_with_mask(text, pa.array(odd), pa.array(reprs, type=pa.large_string()))
    nan = np.isnan(vals)
    return pc.if_else(pa.array(nan), pa.scalar(None, pa.large_string()), text) if nan.any() else text


def _arrow_text(arr: pa.Array) -> pa.Array | None:
    """The CSV text of one Arrow column (nulls kept) or None for a type written cell by cell."""
    t = arr.type
    if pa.types.is_dictionary(t):
        return _arrow_text(arr.dictionary_decode())
    if pa.types.is_null(t):
        return pa.nulls(len(arr), pa.large_string())
    if pa.types.is_boolean(t):
        return pc.if_else(arr, pa.scalar("True", pa.large_string()), pa.scalar("False", pa.large_string()))
    if pa.types.is_integer(t):
        return pc.cast(arr, pa.large_string())
    if pa.types.is_floating(t):
        return _float_text(arr)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return safe_text_array(arr.cast(pa.large_string()))
    return None


def _cell_text(series: pd.Series) -> pa.Array:
    """Cell by cell, as before: :func:`safe_cell` then the csv module's ``str``."""
    from .safe import safe_cell

    out = []
    for v in series.tolist():
        c = safe_cell(v)
        out.append(None if c is None else c if isinstance(c, str) else str(c))
    return pa.array(out, type=pa.large_string())


def _header(frame: pd.DataFrame) -> str:
    from .safe import safe_cell

    names = pa.array([str(safe_cell(c)) if isinstance(c, str) else str(c) for c in frame.columns],
                     type=pa.large_string())
    return ",".join(_quote(names, frame.shape[1] == 1).to_pylist()) + "\n"


def _columns(frame: pd.DataFrame, table: pa.Table, mixed: list[bool], start: int, stop: int) -> list[pa.Array]:
    lone = frame.shape[1] == 1
    cols = []
    for j in range(frame.shape[1]):
        column = table.column(j).slice(start, stop - start)
        column = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()  # no copy
        if not mixed[j] and pa.types.is_dictionary(column.type):
            text = _dictionary_text(column)
            if text is not None:
                cols.append(_fill(text, lone))
                continue
        if not mixed[j] and (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            text = column if pa.types.is_large_string(column.type) else column.cast(pa.large_string())
            cols.append(_fill(_string_text(text), lone))
            continue
        text = None if mixed[j] else _arrow_text(column)
        if text is None:
            text = _cell_text(frame.iloc[start:stop, j])
        plain = not mixed[j] and (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)
                                  or pa.types.is_boolean(column.type))
        cols.append(_quote(text, lone, plain))
    return cols


def _string_text(arr: pa.Array) -> pa.Array:
    """The safe, quoted text of a text column (nulls kept): left as it is when no value can
    need work; a column with few distinct values (labels; a long note with commas on every row)
    is worked on once per value."""
    if not (_may_need_work(arr) or _may_need_quotes(arr)):
        return arr
    if _few_distinct(arr):
        encoded = pc.dictionary_encode(arr)
        if len(encoded.dictionary) * _FEW_RATIO <= len(arr):
            return pc.take(_quote_values(safe_text_array(encoded.dictionary)), encoded.indices)
    return _quote_values(safe_text_array(arr))


def _few_distinct(values: Any) -> bool:
    """Whether a column of at least 1,000 values looks like one of few distinct values (at most
    one in 4 of its first 1,000 are distinct): worth encoding before working on the text."""
    if len(values) < _FEW_MIN_ROWS:
        return False
    if isinstance(values, np.ndarray):
        return len(pd.unique(values[:_FEW_MIN_ROWS])) * _FEW_RATIO <= _FEW_MIN_ROWS
    return len(pc.unique(values.slice(0, _FEW_MIN_ROWS))) * _FEW_RATIO <= _FEW_MIN_ROWS


def _dictionary_text(column: pa.DictionaryArray) -> pa.Array | None:
    """The quoted text of a categorical column, worked out once per category (nulls kept)."""
    values = column.dictionary
    text = _arrow_text(values)
    if text is None:
        return None
    if not (pa.types.is_integer(values.type) or pa.types.is_floating(values.type)
            or pa.types.is_boolean(values.type)):
        text = _quote_values(text)
    return pc.take(text, column.indices)


def _write_rows(fh: Any, cols: list[pa.Array]) -> None:
    if len(cols[0]) == 0:
        return
    last = pc.binary_join_element_wise(cols[-1], _s("\n", cols[-1]), _s("", cols[-1]))  # one copy of the rows
    rows = last if len(cols) == 1 else pc.binary_join_element_wise(*cols[:-1], last, _s(",", last))
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64)[rows.offset: rows.offset + len(rows) + 1]
    fh.write(memoryview(rows.buffers()[2])[int(offsets[0]):int(offsets[-1])])


def write_csv_fast(frame: pd.DataFrame, path: Path, table: pa.Table | None = None,
                   mixed: list[bool] | None = None) -> bool:
    """Write ``frame`` as ``safe_frame(frame).to_csv(path, index=False)`` would; ``table`` is
    its :func:`arrow_table` and ``mixed`` its :func:`mixed_columns` when already made. False
    (nothing written) when the frame has a shape this writer leaves to pandas (no columns,
    repeated column names, dates and times)."""
    if frame.shape[1] == 0 or not frame.columns.is_unique or any(
            pd.api.types.is_datetime64_any_dtype(t) or pd.api.types.is_timedelta64_dtype(t)
            or isinstance(t, pd.PeriodDtype | pd.IntervalDtype) for t in frame.dtypes):
        return False
    mixed = mixed_columns(frame) if mixed is None else mixed
    if table is None:
        try:
            table = arrow_table(frame, mixed)
        except (pa.ArrowException, TypeError, ValueError):
            return False
    with open(path, "wb") as fh:
        fh.write(_header(frame).encode("utf-8"))
        for start in range(0, len(frame), _BATCH_ROWS):
            _write_rows(fh, _columns(frame, table, mixed, start, min(len(frame), start + _BATCH_ROWS)))
    return True
