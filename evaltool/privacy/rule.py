"""The privacy floor and the disclosure rule in plain words (the bottom of evaltool's layers).

Everything here is a constant or a validator. The privacy floor itself (``DEFAULT_MIN_CELL_SIZE``,
``MIN_CELL_SIZE_FLOOR``, :func:`check_min_cell_size`) lives one layer lower, in
:mod:`evaltool.options`, beside the other option validators, and is re-exported here: every
module (stats, analysis, report, integrate) takes the smallest reportable group from there,
under one name, ``min_cell_size``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import ParameterError
from ..options import DEFAULT_MIN_CELL_SIZE, MIN_CELL_SIZE_FLOOR, check_min_cell_size

__all__ = [
    "DEFAULT_MIN_CELL_SIZE",
    "DEFAULT_PROTECTION",
    "DISCLOSURE_RULE",
    "MIN_CELL_SIZE_FLOOR",
    "check_min_cell_size",
    "check_protection",
    "explain_rule",
]

DEFAULT_PROTECTION = 0.2
"""Protection interval, as a share of a scale's range: from everything published, nobody's
score may be narrowed down to an interval shorter than this (0.2 × 4 = 0.8 points on a
1–5 scale)."""

DISCLOSURE_RULE = """\
How numbers are protected in shareable reports

- No number describes fewer than {k} people. Counts below {k} are hidden, and so are the counts
  that would let a hidden count be worked out from a total.
- Averages, changes and their confidence intervals are shown only when nobody's score can be
  worked out by combining them, across every cohort report and the study report together. For
  example, if a cohort's average at the first survey covers 7 people and its average change
  covers 6 of them, subtracting one from the other gives the seventh person's score. So within
  a cohort, whenever two groups of people behind its numbers differ by fewer than {k} people
  (for instance "everyone who answered at T1" and "everyone who answered at both T1 and T2"),
  one of the numbers is hidden. Numbers about all participants are checked by solving all the
  published numbers together as equations, the way an attacker would.
- A number is also hidden when it would show that a group's answers are all at (or very near)
  the top or bottom of the scale, or all nearly the same: then it would tell each person's
  answer. Nobody's score can be narrowed down to less than {protection:.0%} of the scale's range.
- When numbers have to be hidden to protect others, as many as possible are kept (preferring
  those about more people); numbers about all participants are hidden only as a last resort.
- Lowest and highest values, and percentages of a single person, are never shown.
"""
"""The rule in plain words; fill in with :func:`explain_rule`."""


def explain_rule(min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
                 protection: float = DEFAULT_PROTECTION) -> str:
    """The disclosure rule in plain words, for a report's "About this report" section.

    Parameters
    ----------
    min_cell_size
        The smallest group shown (at least 3).
    protection
        The protection interval as a share of a scale's range.

    Returns
    -------
    str
        A heading line and bullet points (Markdown).

    Examples
    --------
    >>> print(explain_rule(5).splitlines()[2])
    - No number describes fewer than 5 people. Counts below 5 are hidden, and so are the counts
    """
    k = check_min_cell_size(min_cell_size, "explain_rule")
    p = check_protection(protection, "explain_rule")
    return DISCLOSURE_RULE.format(k=k, protection=p)


def check_protection(value: Any, caller: str) -> float:
    """``value`` as a float in [0, 1), or a :class:`ParameterError`.

    Examples
    --------
    >>> check_protection(0.2, "f")
    0.2
    """
    ok = (isinstance(value, (int, float, np.floating)) and not isinstance(value, bool)
          and math.isfinite(float(value)) and 0 <= float(value) < 1)
    if not ok:
        raise ParameterError(
            f"The 'protection' parameter of {caller}() must be a number from 0 up to (not "
            f"including) 1. Got {value!r} instead.",
            fix=f"use the default {DEFAULT_PROTECTION} (a fifth of the scale's range).")
    return float(value)
