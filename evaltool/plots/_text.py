"""Text on figures: one escaping helper, typeset effect-size names, numbers with real minus signs.

Every string that came from a user or a study file (scale labels, cohort names, timepoint
labels, contrasts) goes through :func:`escape` before it reaches matplotlib, so a ``$`` in a
name is shown as a dollar sign and never starts math mode (a label such as ``"$x^2$"`` or
``"50%_a"`` is drawn literally and cannot crash the renderer). Only evaltool's own markup
(effect-size names such as d_av → d\\ :sub:`av`) is typeset with mathtext.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Mapping
from typing import Any

MINUS = "\u2212"
EN_DASH = "\u2013"

# effect-size and coefficient names as they appear in evaltool's tables
_NAMED = {
    "rank_biserial": r"$r_{\mathrm{rb}}$",
    "beta": r"$\beta$",
    "mean_diff": "mean change",
}
_SUBSCRIPTED = re.compile(r"^([A-Za-z])_([A-Za-z0-9]+)$")
# the same names inside free text ("d_av (mean change …) with 95% CI")
_IN_TEXT = re.compile(r"(?<![A-Za-z0-9_\\])([dgr])_(av|z|rm|rb)(?![A-Za-z0-9_])")


def escape(text: object) -> str:
    """Return ``text`` as a string matplotlib draws literally (no math mode).

    The one escaping helper for user text on figures: every ``$`` becomes ``\\$``, which
    matplotlib shows as a dollar sign whether or not the rest of the string holds mathtext.

    Examples
    --------
    >>> escape("$x^2$ cohort")
    '\\\\$x^2\\\\$ cohort'
    >>> escape("50%_a")
    '50%_a'
    """
    return str(text).replace("$", r"\$")


def estimate_label(name: str) -> str:
    """Typeset an effect-size or coefficient column name (``d_av`` → italic d, subscript av).

    Examples
    --------
    >>> estimate_label("d_av")
    '$d_{\\\\mathrm{av}}$'
    >>> estimate_label("beta")
    '$\\\\beta$'
    >>> estimate_label("my$col")
    'my\\\\$col'
    """
    if name in _NAMED:
        return _NAMED[name]
    m = _SUBSCRIPTED.match(name)
    if m:
        return rf"${m.group(1)}_{{\mathrm{{{m.group(2)}}}}}$"
    if len(name) == 1 and name.isalpha():
        return f"${name}$"
    return escape(name)


def typeset(text: object) -> str:
    """Escape free text, then typeset effect-size names in it (``d_av``, ``g_z`` …).

    Examples
    --------
    >>> typeset("d_av with 95% CI")
    '$d_{\\\\mathrm{av}}$ with 95% CI'
    >>> typeset("cost in $ (d_z)")
    'cost in \\\\$ ($d_{\\\\mathrm{z}}$)'
    """
    return _IN_TEXT.sub(lambda m: rf"${m.group(1)}_{{\mathrm{{{m.group(2)}}}}}$", escape(text))


def num(value: Any, digits: int | None = 2) -> str:
    """Format a number with a real minus sign (U+2212); NaN as an en dash.

    ``digits=None`` gives the shortest form (``50``, ``1.96``).

    Examples
    --------
    >>> num(-0.014)
    '−0.01'
    >>> num(0.004, 2)
    '0.00'
    >>> num(-50.0, None), num(1.96, None)
    ('−50', '1.96')
    """
    try:
        v = float(value)
    except (TypeError, ValueError):
        return escape(value)
    if math.isnan(v):
        return EN_DASH
    s = f"{v:g}" if digits is None else f"{v:.{digits}f}"
    if float(s) == 0:  # never "−0.00"
        s = s.lstrip("-")
    return s.replace("-", MINUS)


def interval(low: Any, high: Any, digits: int = 2) -> str:
    """``[low, high]`` with real minus signs.

    Examples
    --------
    >>> interval(-0.3, 0.25)
    '[−0.30, 0.25]'
    """
    return f"[{num(low, digits)}, {num(high, digits)}]"


def percent(confidence: float) -> str:
    """A confidence level as a percentage, e.g. 0.9 → ``"90%"``, 0.975 → ``"97.5%"``.

    Examples
    --------
    >>> percent(0.9), percent(0.975), percent(0.95)
    ('90%', '97.5%', '95%')
    """
    return f"{round(float(confidence) * 100, 6):g}%"


def contrast_text(value: Any) -> str:
    """A contrast such as ``"T2 - T1"`` with a real minus sign, escaped."""
    return escape(str(value).replace(" - ", f" {MINUS} "))


def tp_label(t: Any, labels: Mapping[Any, Any] | None) -> str:
    """The study's label for timepoint ``t`` (escaped), or its id."""
    if labels:
        for key in (t, str(t)):
            if key in labels and str(labels[key]).strip():
                return escape(labels[key])
    return escape(t)


def wrap(text: str, width: int) -> str:
    """Wrap at spaces only (never inside a word, never at a hyphen such as "4-6")."""
    return "\n".join(
        textwrap.fill(part, max(width, 4), break_long_words=False, break_on_hyphens=False)
        for part in text.split("\n")
    )


def n_text(n: int, min_n: int = 1) -> str:
    """``"n = 12"``, or ``"n < 5"`` when the cell is too small to show."""
    return f"n = {n:,}" if n >= min_n else f"n < {min_n:,}"


def chars_for(width_in: float, fontsize: float) -> int:
    """Roughly how many characters of DejaVu Sans at ``fontsize`` fit in ``width_in`` inches."""
    return max(4, int(width_in * 72 / (0.6 * fontsize)))
