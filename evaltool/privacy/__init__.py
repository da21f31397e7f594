"""Privacy at the bottom layer: disclosure control, the attacker that checks it, safe files.

- :data:`DEFAULT_MIN_CELL_SIZE` — the one privacy floor (``min_cell_size`` in the API);
- :func:`cohort_summaries` — the pipeline step: per cohort and for all participants, n, mean,
  CI and change, with what may be shown and why (built on :func:`summary_cells` and
  :func:`decide_cells`, which decide every cohort report and the study report together);
- :func:`audit_disclosure` — an attacker solving the published numbers as linear constraints;
- :func:`suppress_counts` — primary and complementary suppression of count tables.

Imports only numpy, pandas (scipy lazily) and evaltool's columns and errors.
"""

from __future__ import annotations

from .audit import AUDIT_COLUMNS, audit_disclosure
from .cells import CELL_COLUMNS, TERM_COLUMNS, CellSet, group_labels, summary_cells
from .counts import MIN_THRESHOLD, Suppression, hidden_bridges, suppress_counts
from .decide import DECISION_COLUMNS, decide_cells
from .rule import (
    DEFAULT_MIN_CELL_SIZE,
    DEFAULT_PROTECTION,
    DISCLOSURE_RULE,
    MIN_CELL_SIZE_FLOOR,
    check_min_cell_size,
    check_protection,
    explain_rule,
)
from .summaries import SUMMARY_COLUMNS, as_study_cells, attrition_cells, cohort_summaries

__all__ = [
    "AUDIT_COLUMNS",
    "CELL_COLUMNS",
    "DECISION_COLUMNS",
    "DEFAULT_MIN_CELL_SIZE",
    "DEFAULT_PROTECTION",
    "DISCLOSURE_RULE",
    "MIN_CELL_SIZE_FLOOR",
    "MIN_THRESHOLD",
    "SUMMARY_COLUMNS",
    "TERM_COLUMNS",
    "CellSet",
    "Suppression",
    "as_study_cells",
    "attrition_cells",
    "audit_disclosure",
    "check_min_cell_size",
    "check_protection",
    "cohort_summaries",
    "decide_cells",
    "explain_rule",
    "group_labels",
    "hidden_bridges",
    "summary_cells",
    "suppress_counts",
]
