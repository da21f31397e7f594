"""evaltool — evaluate resilience-training interventions for healthcare staff.

The public API is listed in ``__all__``; heavy modules are imported on first use so that
``evaltool --help`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import (
    CodebookError,
    DataProblemsError,
    EvaltoolError,
    EvaltoolWarning,
    InputError,
    InstrumentError,
    ParameterError,
    StudyError,
)

# public name -> module that defines it (imported lazily)
_LAZY: dict[str, str] = {
    "load_instrument": "evaltool.instruments",
    "list_instruments": "evaltool.instruments",
    "check_instrument_file": "evaltool.instruments",
    "Instrument": "evaltool.instruments",
    "score": "evaltool.scoring",
    "check_items": "evaltool.scoring",
    "reverse_items": "evaltool.scoring",
    "reliability": "evaltool.scoring",
    "item_statistics": "evaltool.scoring",
    "prepost": "evaltool.stats",
    "describe": "evaltool.stats",
    "band_counts": "evaltool.stats",
    "reliable_change": "evaltool.stats",
    "reliable_change_summary": "evaltool.stats",
    "p_adjust": "evaltool.stats",
    "wilcoxon_signed_rank": "evaltool.stats",
    "flow": "evaltool.stats",
    "fit_mixed": "evaltool.stats",
    "tidy_mixed": "evaltool.stats",
    "change_vs_baseline": "evaltool.stats",
    "anova_type3": "evaltool.stats",
    "emmeans": "evaltool.stats",
    "emmeans_contrasts": "evaltool.stats",
    "variance_components": "evaltool.stats",
    "attrition": "evaltool.stats",
    "read_export": "evaltool.io",
    "read_qualtrics": "evaltool.io",
    "read_redcap": "evaltool.io",
    "read_surveymonkey": "evaltool.io",
    "read_msforms": "evaltool.io",
    "read_googleforms": "evaltool.io",
    "read_spss": "evaltool.io",
    "read_plain": "evaltool.io",
    "detect_format": "evaltool.io",
    "flag_status": "evaltool.io",
    "code": "evaltool.qual",
    "code_valence": "evaltool.qual",
    "coding_summary": "evaltool.qual",
    "load_codebook": "evaltool.qual",
    "list_codebooks": "evaltool.qual",
    "check_codebook_file": "evaltool.qual",
    "redact": "evaltool.qual",
    "code_frequencies": "evaltool.qual",
    "code_matrix": "evaltool.qual",
    "exemplar_quotes": "evaltool.qual",
    "agreement": "evaltool.qual",
    "disagreements": "evaltool.qual",
    "to_qdpx": "evaltool.qual",
    "read_qdpx": "evaltool.qual",
    "train_coder": "evaltool.qual",
    "apply_coder": "evaltool.qual",
    "suggest_themes": "evaltool.qual",
    "export_review_sheet": "evaltool.qual",
    "read_review_sheet": "evaltool.qual",
    "build_study_report": "evaltool.report",
    "build_cohort_report": "evaltool.report",
    "joint_display": "evaltool.integrate",
    "load_study": "evaltool.study",
    "analyse": "evaltool.analysis",
    "load_results": "evaltool.analysis",
    "plot_trajectories": "evaltool.plots",
    "plot_slopes": "evaltool.plots",
    "plot_distribution": "evaltool.plots",
    "plot_forest": "evaltool.plots",
    "plot_reliable_change": "evaltool.plots",
    "plot_flow": "evaltool.plots",
    "example_study_path": "evaltool.examples",
    "link_study": "evaltool.study",
    "draft_study": "evaltool.study.draft",
    "Report": "evaltool.report",
}

__all__ = [
    "__version__",
    "CodebookError",
    "DataProblemsError",
    "EvaltoolError",
    "EvaltoolWarning",
    "InputError",
    "InstrumentError",
    "ParameterError",
    "StudyError",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'evaltool' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # pragma: no cover
    # A function named like its own module is imported from that module: through the
    # package, mypy (import cycle evaltool <-> subpackage) can bind the submodule instead.
    from .analysis import analyse, load_results
    from .examples import example_study_path
    from .instruments import Instrument, check_instrument_file, list_instruments, load_instrument
    from .integrate import joint_display
    from .io import (
        detect_format,
        flag_status,
        read_export,
        read_googleforms,
        read_msforms,
        read_plain,
        read_qualtrics,
        read_redcap,
        read_spss,
        read_surveymonkey,
    )
    from .plots import (
        plot_distribution,
        plot_flow,
        plot_forest,
        plot_reliable_change,
        plot_slopes,
        plot_trajectories,
    )
    from .qual import (
        agreement,
        apply_coder,
        check_codebook_file,
        code,
        code_frequencies,
        code_matrix,
        code_valence,
        coding_summary,
        disagreements,
        exemplar_quotes,
        export_review_sheet,
        list_codebooks,
        load_codebook,
        read_qdpx,
        read_review_sheet,
        suggest_themes,
        to_qdpx,
        train_coder,
    )
    from .qual.redact import redact
    from .report import Report, build_cohort_report, build_study_report
    from .scoring import check_items, item_statistics, reverse_items
    from .scoring.reliability import reliability
    from .scoring.score import score
    from .stats import (
        anova_type3,
        attrition,
        band_counts,
        change_vs_baseline,
        emmeans,
        emmeans_contrasts,
        fit_mixed,
        p_adjust,
        reliable_change_summary,
        tidy_mixed,
        variance_components,
        wilcoxon_signed_rank,
    )
    from .stats.describe import describe
    from .stats.flow import flow
    from .stats.prepost import prepost
    from .stats.reliable_change import reliable_change
    from .study import link_study, load_study
    from .study.draft import draft_study
