"""Qualitative coding of free-text answers.

Codebooks are data (``instruments/codebooks/*.yaml``, :mod:`evaltool.qual.codebook`); the
rule coder (:func:`code`, :func:`code_valence`, :func:`coding_summary`) turns answers into
Codings with character spans; :mod:`evaltool.qual.redact` removes identifying details from
quotes; :mod:`evaltool.qual.outputs` builds frequency tables, the participant × code matrix
and redacted exemplar quotes.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .codebook import (
    Code,
    Codebook,
    CodebookProblem,
    check_codebook_file,
    list_codebooks,
    load_codebook,
)
from .coder import (
    CODINGS_COLUMNS,
    SUMMARY_COLUMNS,
    VALENCE_COLUMNS,
    code,
    code_and_valence,
    code_valence,
    coding_summary,
    empty_mask,
)
from .outputs import (
    EXEMPLAR_COLUMNS,
    FREQUENCY_COLUMNS,
    code_frequencies,
    code_matrix,
    exemplar_quotes,
)
from .redact import REDACTION_REPORT_COLUMNS, redact, redact_text, redaction_report, redaction_spans

# --- other members of the qualitative family -------------------------------------------------
# (agreement.py, qdpx.py, learn.py, themes.py, review.py: owned by another module author.)
# Add "public name": "evaltool.qual.<module>" entries here; they are imported on first use so
# that a problem in one member never stops the coder from importing.
_LAZY: dict[str, str] = {
    "agreement": "evaltool.qual.intercoder",
    "disagreements": "evaltool.qual.intercoder",
    "AGREEMENT_COLUMNS": "evaltool.qual.intercoder",
    "DISAGREEMENT_COLUMNS": "evaltool.qual.intercoder",
    "to_qdpx": "evaltool.qual.qdpx",
    "read_qdpx": "evaltool.qual.qdpx",
    "to_qdc": "evaltool.qual.qdpx",
    "read_qdc": "evaltool.qual.qdpx",
    "QdaProject": "evaltool.qual.qdpx",
    "codebook_table": "evaltool.qual.qdpx",
    "CODEBOOK_TABLE_COLUMNS": "evaltool.qual.qdpx",
    "train_coder": "evaltool.qual.learn",
    "apply_coder": "evaltool.qual.learn",
    "LearnedCoder": "evaltool.qual.learn",
    "LEARN_REPORT_COLUMNS": "evaltool.qual.learn",
    "LEARNED_CODINGS_COLUMNS": "evaltool.qual.learn",
    "LEARNED_VALENCE_COLUMNS": "evaltool.qual.learn",
    "LEARNING_CURVE_COLUMNS": "evaltool.qual.learn",
    "apply_valence": "evaltool.qual.learn",
    "learning_curve": "evaltool.qual.learn",
    "select_for_review": "evaltool.qual.active",
    "REVIEW_NEXT_COLUMNS": "evaltool.qual.active",
    "suggest_themes": "evaltool.qual.themes",
    "THEMES_COLUMNS": "evaltool.qual.themes",
    "export_review_sheet": "evaltool.qual.review",
    "read_review_sheet": "evaltool.qual.review",
    "REVIEW_CODINGS_COLUMNS": "evaltool.qual.review",
}
if TYPE_CHECKING:  # pragma: no cover
    # the same names for type checkers (the module __getattr__ below would make them Any)
    from .active import REVIEW_NEXT_COLUMNS as REVIEW_NEXT_COLUMNS
    from .active import select_for_review as select_for_review
    from .intercoder import AGREEMENT_COLUMNS as AGREEMENT_COLUMNS
    from .intercoder import DISAGREEMENT_COLUMNS as DISAGREEMENT_COLUMNS
    from .intercoder import agreement as agreement
    from .intercoder import disagreements as disagreements
    from .learn import LEARN_REPORT_COLUMNS as LEARN_REPORT_COLUMNS
    from .learn import LEARNED_CODINGS_COLUMNS as LEARNED_CODINGS_COLUMNS
    from .learn import LEARNED_VALENCE_COLUMNS as LEARNED_VALENCE_COLUMNS
    from .learn import LEARNING_CURVE_COLUMNS as LEARNING_CURVE_COLUMNS
    from .learn import LearnedCoder as LearnedCoder
    from .learn import apply_coder as apply_coder
    from .learn import apply_valence as apply_valence
    from .learn import learning_curve as learning_curve
    from .learn import train_coder as train_coder
    from .qdpx import CODEBOOK_TABLE_COLUMNS as CODEBOOK_TABLE_COLUMNS
    from .qdpx import QdaProject as QdaProject
    from .qdpx import codebook_table as codebook_table
    from .qdpx import read_qdc as read_qdc
    from .qdpx import read_qdpx as read_qdpx
    from .qdpx import to_qdc as to_qdc
    from .qdpx import to_qdpx as to_qdpx
    from .review import REVIEW_CODINGS_COLUMNS as REVIEW_CODINGS_COLUMNS
    from .review import export_review_sheet as export_review_sheet
    from .review import read_review_sheet as read_review_sheet
    from .themes import THEMES_COLUMNS as THEMES_COLUMNS
    from .themes import suggest_themes as suggest_themes
# --- end of other members ---------------------------------------------------------------------

__all__ = [
    "CODINGS_COLUMNS",
    "Code",
    "Codebook",
    "CodebookProblem",
    "EXEMPLAR_COLUMNS",
    "FREQUENCY_COLUMNS",
    "REDACTION_REPORT_COLUMNS",
    "SUMMARY_COLUMNS",
    "VALENCE_COLUMNS",
    "check_codebook_file",
    "code",
    "code_frequencies",
    "code_matrix",
    "code_and_valence",
    "code_valence",
    "coding_summary",
    "empty_mask",
    "exemplar_quotes",
    "list_codebooks",
    "load_codebook",
    "redact",
    "redact_text",
    "redaction_report",
    "redaction_spans",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'evaltool.qual' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
