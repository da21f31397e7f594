"""Number formatting for report text and tables (APA style). Only the report layer rounds."""

from __future__ import annotations

import math
from typing import Any

from .format import format_p

__all__ = ["HIDDEN", "ci", "est_ci", "isna", "m_sd", "n", "nolead", "num", "p", "pct", "signed"]

HIDDEN = "hidden"
"""What a suppressed cell shows (the same word for every reason, so hidden cells cannot be told apart)."""

MINUS = "\u2212"


def isna(x: Any) -> bool:
    if x is None:
        return True
    try:
        return bool(math.isnan(float(x)))
    except (TypeError, ValueError):
        try:
            import pandas as pd

            return bool(pd.isna(x))
        except (TypeError, ValueError):
            return False


def num(x: Any, d: int = 2) -> str:
    """``2.43``, ``−0.12`` (true minus sign); missing → en dash."""
    if isna(x):
        return "–"
    s = f"{float(x):.{d}f}"
    if s.startswith("-") and float(s) == 0:
        s = s[1:]
    return s.replace("-", MINUS)


def signed(x: Any, d: int = 2) -> str:
    """``+2.43`` / ``−0.12`` (for changes)."""
    s = num(x, d)
    return s if s.startswith((MINUS, "–")) or float(x) == 0 else "+" + s


def nolead(x: Any, d: int = 2) -> str:
    """APA: no leading zero for values that cannot exceed 1 (α, ω, r): ``.82``."""
    s = num(x, d)
    return s.replace("0.", ".", 1) if s.startswith(("0.", MINUS + "0.")) else s


def n(x: Any) -> str:
    return "–" if isna(x) else f"{int(round(float(x))):d}"


def ci(lo: Any, hi: Any, d: int = 2, lead: bool = True) -> str:
    f = num if lead else nolead
    if isna(lo) and isna(hi):
        return "–"
    return f"[{f(lo, d)}, {f(hi, d)}]"


def est_ci(est: Any, lo: Any, hi: Any, d: int = 2, lead: bool = True) -> str:
    """``2.43 [2.08, 2.79]``."""
    f = num if lead else nolead
    if isna(est):
        return "–"
    return f"{f(est, d)} {ci(lo, hi, d, lead)}"


def m_sd(m: Any, sd: Any, d: int = 2) -> str:
    """``3.34 (0.60)``."""
    if isna(m):
        return "–"
    return f"{num(m, d)} ({num(sd, d)})"


def p(x: Any) -> str:
    return "–" if isna(x) else format_p(float(x))


def pct(x: Any, d: int = 0) -> str:
    return "–" if isna(x) else f"{float(x):.{d}f}%"
