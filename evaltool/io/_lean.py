"""Lean column types for large exports: repeated text held once (categoricals).

Survey exports are mostly columns with a handful of distinct values (answer codes or labels,
status, progress, cohort, language) and a few with one value per row (ids, dates, free
text). Held as text, each cell of a 900,000-row column costs its offset (8 bytes) and its
characters; held as a categorical, a byte or two. :func:`lean_columns` turns every text
column whose distinct values are few (at most :data:`MAX_SHARE` of its non-missing cells)
into a categorical of the same strings: values, missing cells and order are unchanged, and
``.str``, comparisons, ``isin``, ``map`` and ``astype`` work as before. Columns with mostly
distinct values stay text.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pandas as pd

__all__ = ["MAX_SHARE", "MIN_ROWS", "lean_columns", "release_memory"]

MAX_SHARE = 0.5
"""A text column becomes categorical when its distinct values are at most this share of its
non-missing cells (then the categorical is smaller than the text)."""

MIN_ROWS = 2
"""Columns of fewer rows stay as read (nothing to save)."""


def _is_text(s: pd.Series) -> bool:
    return s.dtype == object or (pd.api.types.is_string_dtype(s.dtype)
                                 and not isinstance(s.dtype, pd.CategoricalDtype))


def lean_columns(data: pd.DataFrame, skip: tuple[str, ...] = ()) -> pd.DataFrame:
    """``data`` with its repetitive text columns as categoricals (in place; returned).

    Parameters
    ----------
    data
        A frame as read (text columns of pandas ``str`` dtype or object).
    skip
        Columns left as they are.

    Examples
    --------
    >>> df = pd.DataFrame({"q": ["1", "2", "1", None, "2", "1"], "id": list("abcdef")})
    >>> out = lean_columns(df)
    >>> str(out["q"].dtype), str(out["id"].dtype), out["q"].tolist()[:3]
    ('category', 'str', ['1', '2', '1'])
    """
    n = len(data)
    if n < MIN_ROWS:
        return data
    for col in data.columns:
        if col in skip:
            continue
        s = data[col]
        if not _is_text(s):
            continue
        if s.dtype == object and not s.map(lambda v: isinstance(v, str) or v is None or v != v).all():
            continue  # mixed objects (numbers from a workbook): left as read
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        present = int((codes >= 0).sum())
        if present == 0 or len(uniques) > MAX_SHARE * present:
            continue
        data[col] = pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype=s.dtype))
    return data


def release_memory() -> None:
    """Give memory that was freed back to the system (after a wave is parsed or made lean,
    and between the large steps of linking).

    Arrow's allocator keeps freed memory for its own reuse, and the C library's ``malloc``
    keeps freed pages in its heap; neither can be used by the other (nor by NumPy, for
    Arrow's), so between the large steps both would otherwise stay counted against the
    process. Arrow's pool is asked to release what it holds unused, then (with the GNU C
    library) ``malloc_trim`` returns the heap's free pages.
    """
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except (ImportError, AttributeError):  # pragma: no cover - old pyarrow
        pass
    _trim_heap()


def _trim_heap() -> None:
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim`` (None elsewhere: macOS, Windows, musl)."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return None
    try:
        func = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    func.argtypes, func.restype = [ctypes.c_size_t], ctypes.c_int
    return func
