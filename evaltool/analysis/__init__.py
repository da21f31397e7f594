"""The whole analysis of a study, as one reproducible run producing one :class:`Results`.

Names are imported on first use, so ``import evaltool.analysis.results`` (what the report
layer needs) does not pull in the pipeline and its steps.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .load import load_results
    from .pipeline import STEPS, analyse
    from .results import Figure, Options, Results, StudySummary
    from .scoring import score_study

__all__ = ["STEPS", "Figure", "Options", "Results", "StudySummary", "analyse", "load_results", "score_study"]

_LAZY = {
    "STEPS": ".pipeline", "analyse": ".pipeline",
    "Figure": ".results", "Options": ".results", "Results": ".results", "StudySummary": ".results",
    "load_results": ".load", "score_study": ".scoring",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
