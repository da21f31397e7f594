"""The study file, linking waves by participant, and validation."""

from .link import LinkedStudy, link_study
from .load import StudyFile, StudyFileError, check_study_file, load_study
from .model import Study
from .resolve import ResolvedCodebook, StudyInstrument

__all__ = ["LinkedStudy", "ResolvedCodebook", "Study", "StudyFile", "StudyFileError", "StudyInstrument",
           "check_study_file", "link_study", "load_study"]
