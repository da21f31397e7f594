"""Turning exported answers into numeric codes, checked against a response set."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..instruments import ResponseSet
from ._prepare import _codes, to_numeric

__all__ = ["coerce_answers"]


def coerce_answers(col: pd.Series, rs: ResponseSet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numeric codes (not recoded) for one column of answers.

    Numbers and numeric text are taken as codes; other text is matched (case and spacing
    ignored) against the response set's labels ("Strongly agree" → 5).

    Returns
    -------
    values, not_numeric, out_of_range
        ``values`` as float64 with NaN for missing *and* invalid cells; ``not_numeric`` marks
        present cells that are neither a number nor a known label; ``out_of_range`` marks
        numbers that are not allowed codes. Invalid cells are never clipped.
    """
    values, nonnum = to_numeric(col, rs)
    _, ok = _codes(values, rs)
    out_of_range = ~(ok | np.isnan(values))
    if nonnum is None:
        nonnum = np.zeros(values.shape, dtype=bool)
    return np.where(ok, values, np.nan), nonnum, out_of_range
