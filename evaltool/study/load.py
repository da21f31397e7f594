"""Load and check ``study.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from .._yaml import read_yaml, validation_problems
from ..errors import StudyError
from .model import Study

__all__ = ["StudyFile", "check_study_file", "load_study"]


@dataclass(frozen=True)
class StudyFile:
    """A validated study and the folder its relative paths start from.

    Attributes
    ----------
    spec
        The :class:`~evaltool.study.model.Study` (everything in ``study.yaml``).
    path
        The study file itself.

    Examples
    --------
    >>> from evaltool.examples import example_study_path
    >>> sf = load_study(example_study_path())
    >>> sf.path.name, sf.spec.synthetic, sf.spec.baseline, sf.spec.timepoint_ids
    ('study.yaml', True, 'T1', ['T1', 'T2', 'T3', 'T4'])
    >>> sf.resolve("qualtrics/T1_baseline.csv").is_file()  # paths are relative to the file
    True
    """

    spec: Study
    path: Path

    @property
    def root(self) -> Path:
        return self.path.parent

    def resolve(self, relative: str) -> Path:
        """A path from the study file, relative to the study file's folder."""
        p = Path(relative).expanduser()
        return p if p.is_absolute() else (self.root / p)

    @property
    def name(self) -> str:
        return self.spec.name

    def _repr_html_(self) -> str:  # pragma: no cover - display only
        from html import escape

        s = self.spec
        rows = "".join(
            f"<tr><td>{escape(t.id)}</td><td>{escape(t.label or '')}</td></tr>" for t in s.timepoints
        )
        inst = ", ".join(escape(i.id) for i in s.instruments) or "none"
        synth = "<p><b>Synthetic example data.</b></p>" if s.synthetic else ""
        return (
            f"<div><h4>Study: {escape(s.name)}</h4>{synth}<p>{len(s.exports)} export(s); "
            f"instruments: {inst}; groups: {', '.join(g.name for g in s.groups) or 'none'}; "
            f"free-text questions: {len(s.free_text)}</p>"
            f"<table><tr><th>timepoint</th><th>label</th></tr>{rows}</table></div>"
        )


def check_study_file(path: str | Path) -> list[tuple[str, str]]:
    """Every schema problem in a study file as ``(field, message)`` pairs (empty if valid).

    Parameters
    ----------
    path
        The study file (``study.yaml``).

    Returns
    -------
    list of tuple
        ``(field path, message)`` for every problem, all at once.

    Raises
    ------
    StudyError
        When the file cannot be read or is not YAML.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "study.yaml"
    >>> _ = path.write_text("name: pilot\\ntimepoints: [{id: T1}]\\n")
    >>> check_study_file(path)
    [('exports', 'required field is missing')]
    """
    path = Path(path)
    data = read_yaml(path, StudyError)
    if not isinstance(data, dict):
        return [("(top level)", "the study file must be a YAML mapping")]
    try:
        Study.model_validate(data)
    except ValidationError as exc:
        return validation_problems(exc, data, "run 'evaltool init' to draft a valid study file")
    return []


def load_study(path: str | Path) -> StudyFile:
    """Load ``study.yaml`` and validate it.

    Parameters
    ----------
    path
        The study file. Paths inside it are relative to its folder.

    Returns
    -------
    StudyFile
        ``.spec`` is the validated :class:`~evaltool.study.model.Study`; ``.resolve()`` turns
        its relative paths into real ones.

    Raises
    ------
    StudyError
        Naming the file and field of the first problem, and how many more there are.

    Examples
    --------
    >>> from evaltool.examples import example_study_path
    >>> study = load_study(example_study_path())
    >>> study.spec.timepoint_ids
    ['T1', 'T2', 'T3', 'T4']
    """
    path = Path(path)
    if path.is_dir():
        cand = path / "study.yaml"
        if not cand.is_file():
            raise StudyError("is a folder without a study.yaml.", file=path,
                             fix="give the path of the study file, or run 'evaltool init' to draft one.")
        path = cand
    data = read_yaml(path, StudyError)
    if not isinstance(data, dict):
        raise StudyError("the study file must be a YAML mapping.", file=path,
                         fix="run 'evaltool init EXPORT...' to draft one.")
    try:
        spec = Study.model_validate(data)
    except ValidationError as exc:
        probs = validation_problems(exc, data, "run 'evaltool init' to draft a valid study file")
        field, msg = probs[0]
        more = f" (and {len(probs) - 1} more problem(s))" if len(probs) > 1 else ""
        raise StudyError(f"{msg}{more}.", file=path, field=field,
                         fix="correct the study file; the template from 'evaltool init' shows every field.") from None
    return StudyFile(spec, path.resolve())
