"""Turning exported answers into numeric codes, checked against a response set."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..instruments.schema import ResponseSet

__all__ = ["coerce_answers"]


def _label_lookup(rs: ResponseSet) -> dict[str, float]:
    return {" ".join(str(label).split()).casefold(): float(code) for code, label in rs.labels.items()}


def coerce_answers(col: pd.Series, rs: ResponseSet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numeric codes for one column of answers.

    Numbers and numeric text are taken as codes; other text is matched (case and spacing
    ignored) against the response set's labels ("Strongly agree" → 5).

    Returns
    -------
    values, not_numeric, out_of_range
        ``values`` as float64 with NaN for missing *and* invalid cells; ``not_numeric`` marks
        present cells that are neither a number nor a known label; ``out_of_range`` marks
        numbers that are not allowed codes. Invalid cells are never clipped.
    """
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        arr = col.to_numpy(dtype="float64", na_value=np.nan)
        nonnum = np.zeros(arr.shape, dtype=bool)
    else:
        text = col.astype("string").str.strip()
        present = (text.notna() & (text != "")).to_numpy(dtype=bool, na_value=False)
        arr = pd.to_numeric(text.where(present, None), errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan
        )
        needs_label = present & np.isnan(arr)
        if needs_label.any() and rs.labels:
            lookup = _label_lookup(rs)
            labels = text.to_numpy(dtype=object, na_value=None)[needs_label]
            arr[needs_label] = [lookup.get(" ".join(str(v).split()).casefold(), np.nan) for v in labels]
        nonnum = present & np.isnan(arr)
    finite = ~np.isnan(arr)
    outset = finite & ((arr < rs.min - 1e-9) | (arr > rs.max + 1e-9))
    if rs.step is not None:
        k = (arr - rs.min) / rs.step
        outset |= finite & (np.abs(k - np.round(k)) > 1e-9)
    arr = np.where(outset, np.nan, arr)
    return arr, nonnum, outset
