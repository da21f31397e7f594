"""Longitudinal linear mixed models: all available data, REML, Satterthwaite df.

``fit_mixed`` fits ``score ~ time + (1 | participant)`` (optionally ``+ (1 | cohort)`` or
``group * time``) for one scale; the table functions turn a fit into tidy frames (fit each
model once and pass the fits to every table). Numbers are checked against R 4.2.2 with lme4
1.1.31, lmerTest 3.1.3 and emmeans 1.8.4.1 (``tests/reference/expected/prepost.json``), and
performance 0.10.2 for the ICC and R² (``tests/reference/expected/model_fit.json``).
"""

from __future__ import annotations

from .change import CHANGE_COLUMNS, EFFECT_SIZE, change_vs_baseline
from .emmeans import EMMEANS_COLUMNS, EMMEANS_CONTRAST_COLUMNS, emmeans, emmeans_contrasts
from .fit import DF_METHOD, MixedFit, fit_mixed
from .fitstats import MODEL_FIT_COLUMNS, model_fit_statistics
from .tables import (
    ANOVA_COLUMNS,
    MIXED_COLUMNS,
    VARIANCE_COLUMNS,
    anova_type3,
    tidy_mixed,
    variance_components,
)

__all__ = [
    "ANOVA_COLUMNS",
    "CHANGE_COLUMNS",
    "DF_METHOD",
    "EFFECT_SIZE",
    "EMMEANS_COLUMNS",
    "EMMEANS_CONTRAST_COLUMNS",
    "MIXED_COLUMNS",
    "MODEL_FIT_COLUMNS",
    "MixedFit",
    "VARIANCE_COLUMNS",
    "anova_type3",
    "change_vs_baseline",
    "emmeans",
    "emmeans_contrasts",
    "fit_mixed",
    "model_fit_statistics",
    "tidy_mixed",
    "variance_components",
]
