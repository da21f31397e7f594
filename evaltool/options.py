"""One validator per option concept, shared by the Python API and the study-file schema.

The same words everywhere (docs/architecture.md): ``confidence`` for the level of every interval,
``min_cell_size`` for the smallest group a shareable output may show, ``effect_size`` for the
headline pre/post effect size and ``correction`` for the multiplicity adjustment. This module
is at the bottom of the package: it imports nothing from evaltool but the error classes.

Examples
--------
>>> check_confidence(0.9, "prepost")
0.9
>>> check_min_cell_size(5, "build_cohort_report")
5
>>> percent(0.9), percent(0.95), percent(0.975)
('90%', '95%', '97.5%')
"""

from __future__ import annotations

import math
from typing import Any, Literal

from .errors import ParameterError

__all__ = [
    "CORRECTIONS",
    "DEFAULT_CONFIDENCE",
    "DEFAULT_MIN_CELL_SIZE",
    "EFFECT_SIZES",
    "MIN_CELL_SIZE_FLOOR",
    "Correction",
    "EffectSize",
    "check_choice",
    "check_confidence",
    "check_min_cell_size",
    "percent",
]

DEFAULT_CONFIDENCE = 0.95
"""Level of every confidence interval unless the study says otherwise."""

DEFAULT_MIN_CELL_SIZE = 5
"""The privacy floor: the smallest group a shareable output shows (a study may raise it)."""

MIN_CELL_SIZE_FLOOR = 3
"""No study may set ``min_cell_size`` below this (groups of 1–2 people are never shown)."""

EffectSize = Literal["d_av", "d_z"]
EFFECT_SIZES: tuple[str, ...] = ("d_av", "d_z")
"""Headline pre/post effect sizes (docs/statistics.md): d_av (Cumming 2012) or d_z."""

Correction = Literal["holm", "BH", "none"]
CORRECTIONS: tuple[str, ...] = ("holm", "BH", "none")
"""Multiplicity corrections over the confirmatory family (R ``p.adjust``)."""


def check_confidence(value: Any, caller: str, param: str = "confidence") -> float:
    """A confidence level strictly between 0.5 and 1 (e.g. 0.95), as a float.

    Raises
    ------
    ParameterError
        Naming the caller and the parameter, scikit-learn style.
    """
    ok = (isinstance(value, (int, float)) and not isinstance(value, bool)
          and math.isfinite(float(value)) and 0.5 < float(value) < 1)
    if not ok:
        raise ParameterError(
            f"The '{param}' parameter of {caller}() must be a number between 0.5 and 1 (e.g. 0.95). "
            f"Got {value!r} instead.", fix="use 0.95 for 95% intervals, 0.90 for 90%.")
    return float(value)


def check_min_cell_size(value: Any, caller: str, param: str = "min_cell_size") -> int:
    """The smallest reportable group: an integer of at least :data:`MIN_CELL_SIZE_FLOOR`."""
    try:
        import numpy as np

        integer = isinstance(value, (int, np.integer))
    except ImportError:  # pragma: no cover - numpy is a dependency
        integer = isinstance(value, int)
    if isinstance(value, bool) or not integer or int(value) < MIN_CELL_SIZE_FLOOR:
        raise ParameterError(
            f"The '{param}' parameter of {caller}() must be an integer of at least "
            f"{MIN_CELL_SIZE_FLOOR}. Got {value!r} instead.",
            fix=f"use the default {DEFAULT_MIN_CELL_SIZE}; never below {MIN_CELL_SIZE_FLOOR}.")
    return int(value)


def check_choice(value: Any, choices: tuple[str, ...], caller: str, param: str) -> str:
    """One of ``choices`` (exact match)."""
    if not isinstance(value, str) or value not in choices:
        raise ParameterError(
            f"The '{param}' parameter of {caller}() must be one of {{{', '.join(map(repr, choices))}}}. "
            f"Got {value!r} instead.")
    return value


def percent(confidence: float) -> str:
    """A confidence level as people write it: ``0.95`` → ``"95%"``, ``0.975`` → ``"97.5%"``."""
    text = f"{100 * float(confidence):.10g}"
    return f"{text}%"
