"""The study file, linking waves by participant, and validation."""

from .link import LinkedStudy, link_study
from .load import StudyFile, check_study_file, load_study
from .model import Study

__all__ = ["LinkedStudy", "Study", "StudyFile", "check_study_file", "link_study", "load_study"]
