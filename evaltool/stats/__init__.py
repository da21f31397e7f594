"""Statistics on tidy Scores: descriptives, pre/post comparisons, reliable change, models.

Every function takes a long DataFrame with the canonical column names as defaults and returns
one row per scale × contrast (or term), with the method used written into the rows. The R
reference each statistic is checked against is named in its docstring and in
docs/statistics.md.
"""

from .describe import BAND_COUNT_COLUMNS, DESCRIBE_COLUMNS, band_counts, describe
from .effectsize import (
    EffectSize,
    cohens_d_av,
    cohens_d_z,
    hedges_g_av,
    hedges_g_z,
    hedges_j,
    nct_ci,
    rank_biserial,
)
from .multiplicity import p_adjust
from .prepost import PREPOST_COLUMNS, prepost
from .reliable_change import (
    RELIABLE_CHANGE_COLUMNS,
    RELIABLE_CHANGE_SUMMARY_COLUMNS,
    reliable_change,
    reliable_change_summary,
)
from .wilcoxon import WilcoxonResult, psignrank, wilcoxon_signed_rank

__all__ = [
    # pre/post, descriptives, reliable change, effect sizes (evaltool/stats/*.py)
    "BAND_COUNT_COLUMNS",
    "DESCRIBE_COLUMNS",
    "PREPOST_COLUMNS",
    "RELIABLE_CHANGE_COLUMNS",
    "RELIABLE_CHANGE_SUMMARY_COLUMNS",
    "EffectSize",
    "WilcoxonResult",
    "band_counts",
    "cohens_d_av",
    "cohens_d_z",
    "describe",
    "hedges_g_av",
    "hedges_g_z",
    "hedges_j",
    "nct_ci",
    "p_adjust",
    "prepost",
    "psignrank",
    "rank_biserial",
    "reliable_change",
    "reliable_change_summary",
    "wilcoxon_signed_rank",
]

# ---------------------------------------------------------------------------------------
# Longitudinal mixed models (evaltool/stats/mixed*, owned by the mixed-model helper) and
# participant flow (evaltool/stats/flow.py): add their imports and __all__ entries below
# this line, e.g.
#     from .mixed import MIXED_COLUMNS, fit_mixed, tidy_mixed
#     __all__ += ["MIXED_COLUMNS", "fit_mixed", "tidy_mixed"]
# ---------------------------------------------------------------------------------------
from .flow import ATTRITION_COLUMNS, FLOW_COLUMNS, attrition, flow  # noqa: E402

__all__ += ["ATTRITION_COLUMNS", "FLOW_COLUMNS", "attrition", "flow"]
from .mixed import (  # noqa: E402
    ANOVA_COLUMNS,
    CHANGE_COLUMNS,
    EMMEANS_COLUMNS,
    EMMEANS_CONTRAST_COLUMNS,
    MIXED_COLUMNS,
    MODEL_FIT_COLUMNS,
    VARIANCE_COLUMNS,
    MixedFit,
    anova_type3,
    change_vs_baseline,
    emmeans,
    emmeans_contrasts,
    fit_mixed,
    model_fit_statistics,
    tidy_mixed,
    variance_components,
)

__all__ += [
    "ANOVA_COLUMNS", "CHANGE_COLUMNS", "EMMEANS_COLUMNS", "EMMEANS_CONTRAST_COLUMNS", "MIXED_COLUMNS",
    "VARIANCE_COLUMNS", "MixedFit", "anova_type3", "change_vs_baseline", "emmeans", "emmeans_contrasts",
    "fit_mixed", "tidy_mixed", "variance_components", "MODEL_FIT_COLUMNS", "model_fit_statistics",
]
