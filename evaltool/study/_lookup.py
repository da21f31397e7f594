"""Vectorised lookups of the linking step: what a pandas call gives, computed on codes or by
Arrow so that no Python object is made per row at national scale (each is compared with the
pandas call it replaces in tests/test_link_scale.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["STR", "categorical", "positions", "response_ids"]

STR = pd.StringDtype("pyarrow", na_value=np.nan)
"""pandas' default text type (``str``)."""


def response_ids(n: int) -> pd.api.extensions.ExtensionArray:
    """``R00001``, ``R00002`` ... (``f"R{i:05d}"``), made by Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    numbers = pc.cast(pa.array(np.arange(1, n + 1, dtype=np.int64)), pa.string())
    return pd.array(pc.binary_join_element_wise("R", pc.utf8_lpad(numbers, 5, "0"), ""), dtype=STR)


def positions(ids: pd.Series, among: pd.Series) -> np.ndarray:
    """Position of each of ``ids`` in ``among`` (unique text), -1 where absent: what
    ``pd.Index(among).get_indexer(ids)`` gives, hashed by Arrow on the text as held (no
    Python string per row)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        left, right = pa.array(ids, from_pandas=True), pa.array(among, from_pandas=True)
        if not (pa.types.is_string(left.type) or pa.types.is_large_string(left.type)) or left.type != right.type:
            raise TypeError
    except (pa.ArrowException, TypeError):
        return pd.Index(among).get_indexer(ids)
    found = pc.index_in(left, value_set=right)
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.intp, copy=False)


def categorical(values: pd.Series, dtype: pd.CategoricalDtype) -> pd.Categorical:
    """``values.astype(dtype)`` through the distinct values: the same categorical (values
    not among the categories missing), without a Python object per row."""
    codes, uniques = pd.factorize(values)
    where = np.append(pd.Index(dtype.categories).get_indexer(pd.Index(uniques, dtype=object)), -1)
    return pd.Categorical.from_codes(where[codes], dtype=dtype)
