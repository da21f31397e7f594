"""The names of the tables in :class:`~evaltool.analysis.Results`, defined once.

Every table is either **shareable** (cohort- or study-level numbers that passed disclosure
control, redacted text only: written to ``tables/`` and ``results.xlsx``) or **research-only**
(one row per participant or answer, raw free text: written to ``research/``). A shareable
table may keep a few research-only columns (e.g. the minimum and maximum of a scale, each one
person's value): those columns are dropped from the shareable copy and kept in ``research/``.

Examples
--------
>>> PREPOST, is_shareable(PREPOST), is_shareable(SCORES)
('prepost', True, False)
>>> by_group(DESCRIPTIVES, "cohort"), is_shareable(by_group(DESCRIPTIVES, "cohort"))
('descriptives_by_cohort', False)
>>> private_columns(DESCRIPTIVES)
('min', 'max')
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "RESEARCH",
    "SHAREABLE",
    "TableKind",
    "by_group",
    "is_shareable",
    "private_columns",
    "table_kind",
]

TableKind = Literal["shareable", "research"]
SHAREABLE: TableKind = "shareable"
RESEARCH: TableKind = "research"

# --- linking and scoring -------------------------------------------------------------------
INPUTS = "inputs"
EXCLUSIONS = "exclusions"
PROBLEMS = "problems"
MATCH_REPORT = "match_report"
ITEM_MAP = "item_map"
PARTICIPANTS = "participants"
SCALES = "scales"
SCORES = "scores"
ADMINISTRATION = "administration"
# --- statistics ----------------------------------------------------------------------------
RELIABILITY = "reliability"
ITEM_STATISTICS = "item_statistics"
FLOW = "flow"
ATTRITION = "attrition"
DESCRIPTIVES = "descriptives"
BAND_COUNTS = "band_counts"
PREPOST = "prepost"
CHANGE_VS_BASELINE = "change_vs_baseline"
MIXED_FIXED_EFFECTS = "mixed_fixed_effects"
MIXED_VARIANCE = "mixed_variance"
MODEL_FIT = "model_fit"
EMMEANS = "emmeans"
EMMEANS_CONTRASTS = "emmeans_contrasts"
ANOVA_GROUP_BY_TIME = "anova_group_by_time"
RELIABLE_CHANGE = "reliable_change"
RELIABLE_CHANGE_SUMMARY = "reliable_change_summary"
# --- qualitative ---------------------------------------------------------------------------
FREE_TEXT = "free_text"
CODINGS = "codings"
VALENCE = "valence"
CODING_SUMMARY = "coding_summary"
CODE_FREQUENCIES = "code_frequencies"
CODE_FREQUENCIES_BY_TIMEPOINT = "code_frequencies_by_timepoint"
CODE_MATRIX = "code_matrix"
EXEMPLAR_QUOTES = "exemplar_quotes"
THEME_SUGGESTIONS = "theme_suggestions"
CODE_COUNTS = "code_counts"
QUOTES = "quotes"
# --- integration ---------------------------------------------------------------------------
JOINT_DISPLAY = "joint_display"
THEMES_BY_TIMEPOINT = "themes_by_timepoint"
QUOTES_BY_CHANGE = "quotes_by_change"
# --- cohort summaries (what facilitator reports show; disclosure-controlled) ---------------
COHORTS = "cohorts"
COHORT_RESPONSES = "cohort_responses"
COHORT_SCALES = "cohort_scales"
COHORT_CHANGES = "cohort_changes"
COHORT_THEMES = "cohort_themes"
COHORT_QUOTES = "cohort_quotes"

_RESEARCH_TABLES = frozenset({
    INPUTS, EXCLUSIONS, PROBLEMS, MATCH_REPORT, PARTICIPANTS, SCORES, RELIABLE_CHANGE,
    FREE_TEXT, CODINGS, VALENCE, CODE_MATRIX, EXEMPLAR_QUOTES,
})
_RESEARCH_PREFIXES = ("descriptives_by_", "prepost_by_")
_PRIVATE_COLUMNS: dict[str, tuple[str, ...]] = {DESCRIPTIVES: ("min", "max")}


def by_group(table: str, group: str) -> str:
    """The name of a table split by a group column: ``descriptives_by_cohort``."""
    return f"{table}_by_{group}"


def table_kind(name: str) -> TableKind:
    """``"research"`` for participant-level tables and unsuppressed subgroup tables, else
    ``"shareable"``."""
    if name in _RESEARCH_TABLES or name.startswith(_RESEARCH_PREFIXES):
        return RESEARCH
    return SHAREABLE


def is_shareable(name: str) -> bool:
    """True when the table may appear in shareable outputs (after dropping private columns)."""
    return table_kind(name) == SHAREABLE


def private_columns(name: str) -> tuple[str, ...]:
    """Columns of a shareable table that are kept out of shareable outputs."""
    return _PRIVATE_COLUMNS.get(name, ())
