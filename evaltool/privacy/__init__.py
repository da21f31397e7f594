"""Privacy at the bottom layer: disclosure control, the attacker that checks it, safe files.

- :data:`DEFAULT_MIN_CELL_SIZE` — the one privacy floor (``min_cell_size`` in the API);
- :func:`cohort_summaries` — the pipeline step: per cohort and for all participants, n, mean,
  CI and change, with what may be shown and why (built on :func:`summary_cells` and
  :func:`decide_cells`, which decide every cohort report and the study report together);
- :func:`decide_added` — new cells (a pooled report's) decided beside a fixed published decision;
- :func:`audit_disclosure` — an attacker solving the published numbers as linear constraints;
- :func:`suppress_counts` — primary and complementary suppression of count tables;
- :func:`safe_cell` — the one function every CSV/XLSX writer passes its cells through;
- :class:`OutputGuard`, :func:`safe_name`, :func:`unique_names`, :func:`study_inputs` — where a
  command may write (never over, into or through an input; never outside its folder);
- :func:`atomic_folder`, :func:`manifest_files`, :func:`verify_results_folder` — results
  folders written all at once and checked against their manifest.

Imports only numpy, pandas (scipy lazily) and evaltool's columns and errors.
"""

from __future__ import annotations

from .added import ADDED_REASON, decide_added
from .atomic import (
    MANIFEST,
    add_to_manifest,
    atomic_folder,
    atomic_write,
    manifest_files,
    verify_results_folder,
)
from .audit import AUDIT_COLUMNS, audit_disclosure
from .cells import CELL_COLUMNS, TERM_COLUMNS, CellSet, group_labels, summary_cells
from .counts import Suppression, hidden_bridges, suppress_counts
from .decide import DECISION_COLUMNS, decide_cells
from .paths import OutputGuard, is_results_folder, safe_name, study_inputs, unique_names
from .rule import (
    DEFAULT_MIN_CELL_SIZE,
    DEFAULT_PROTECTION,
    DISCLOSURE_RULE,
    MIN_CELL_SIZE_FLOOR,
    check_min_cell_size,
    check_protection,
    explain_rule,
)
from .safe import FORMULA_START, safe_cell, safe_frame, safe_sheet_name, safe_text
from .summaries import SUMMARY_COLUMNS, as_study_cells, attrition_cells, cohort_summaries

__all__ = [
    "ADDED_REASON",
    "AUDIT_COLUMNS",
    "CELL_COLUMNS",
    "DECISION_COLUMNS",
    "DEFAULT_MIN_CELL_SIZE",
    "DEFAULT_PROTECTION",
    "DISCLOSURE_RULE",
    "MIN_CELL_SIZE_FLOOR",
    "FORMULA_START",
    "MANIFEST",
    "SUMMARY_COLUMNS",
    "TERM_COLUMNS",
    "CellSet",
    "OutputGuard",
    "Suppression",
    "add_to_manifest",
    "as_study_cells",
    "atomic_folder",
    "atomic_write",
    "attrition_cells",
    "audit_disclosure",
    "check_min_cell_size",
    "check_protection",
    "cohort_summaries",
    "decide_added",
    "decide_cells",
    "explain_rule",
    "group_labels",
    "hidden_bridges",
    "is_results_folder",
    "manifest_files",
    "safe_cell",
    "safe_frame",
    "safe_name",
    "safe_sheet_name",
    "safe_text",
    "study_inputs",
    "summary_cells",
    "suppress_counts",
    "unique_names",
    "verify_results_folder",
]
