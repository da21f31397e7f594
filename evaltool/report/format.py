"""Display formatting for report tables (the only place numbers are rounded)."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["format_cell", "format_p"]


def format_p(p: float) -> str:
    """APA style: ``< .001``, else three decimals without the leading zero (``.023``)."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "–"
    if p < 0.001:
        return "<\u00a0.001"  # no line break inside "< .001"
    return f"{p:.3f}".lstrip("0") if p < 1 else "1.000"


def format_cell(value: Any, fmt: str | None = None) -> str:
    """Format one cell for display; missing values show as an en dash."""
    if value is None:
        return "–"
    try:
        import pandas as pd

        if pd.isna(value):
            return "–"
    except (TypeError, ValueError):
        pass
    if isinstance(value, bool):
        return "yes" if value else "no"
    if fmt == "p":
        return format_p(float(value))
    if fmt == "int":
        return f"{int(round(float(value))):d}"
    if fmt == "pct":
        return f"{float(value):.0f}%"
    if fmt == "str":
        return str(value)
    if isinstance(value, int) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iu"):
        return f"{int(value):d}"
    if isinstance(value, float) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") == "f"):
        v = float(value)
        if fmt:
            return format(v, fmt).replace("-", "−")
        return f"{v:.2f}".replace("-", "−")
    return str(value)
