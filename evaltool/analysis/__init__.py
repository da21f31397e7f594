"""The whole analysis of a study, as one reproducible run."""

from .pipeline import STEPS, analyse
from .results import PARTICIPANT_LEVEL_TABLES, Results, load_results
from .scoring import score_study

__all__ = ["PARTICIPANT_LEVEL_TABLES", "STEPS", "Results", "analyse", "load_results", "score_study"]
