"""Load and check ``study.yaml``: every problem at once, each with its field and one fix."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .._yaml import FileProblem, field_path, plain_problems, read_yaml
from ..errors import StudyError
from .model import Study, study_problems
from .resolve import ResolvedCodebook, StudyInstrument, partial_problems, resolve_references

__all__ = ["StudyFile", "StudyFileError", "check_study_file", "load_study"]

_NOT_YAML = {".csv": "a CSV file", ".tsv": "a TSV file", ".txt": "a text file",
             ".xlsx": "an Excel workbook", ".xlsm": "an Excel workbook", ".xls": "an Excel workbook",
             ".sav": "an SPSS data file", ".zsav": "an SPSS data file", ".json": "a JSON file",
             ".pdf": "a PDF file", ".docx": "a Word document", ".zip": "a zip archive"}


@dataclass(frozen=True)
class StudyFile:
    """A validated study, the folder its relative paths start from, and what it refers to.

    Attributes
    ----------
    spec
        The :class:`~evaltool.study.model.Study` (everything in ``study.yaml``).
    path
        The study file itself.
    instruments
        ``{instrument id: StudyInstrument}``: each instrument loaded once (packaged or the
        user's own file), with the study's options applied and its source file and hash.
    codebook_source
        The resolved codebook (``analysis.codebook``) with its source file and hash, or None;
        :attr:`codebook` is the codebook itself.

    Examples
    --------
    >>> from evaltool.examples import example_study_path
    >>> sf = load_study(example_study_path())
    >>> sf.path.name, sf.spec.synthetic, sf.spec.baseline, sf.spec.timepoint_ids
    ('study.yaml', True, 'T1', ['T1', 'T2', 'T3', 'T4'])
    >>> sf.resolve("qualtrics/T1_baseline.csv").is_file()  # paths are relative to the file
    True
    >>> [s.primary for s in sf.instruments["cbi"].scales]  # the study says 'primary: false'
    [False, False, False]
    """

    spec: Study
    path: Path
    instruments: dict[str, StudyInstrument] = field(default_factory=dict)
    codebook_source: ResolvedCodebook | None = None

    @property
    def codebook(self) -> Any:
        """The study's codebook (a :class:`~evaltool.qual.Codebook`), resolved once, or None."""
        return self.codebook_source.codebook if self.codebook_source is not None else None

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


class StudyFileError(StudyError):
    """A study file with problems; :attr:`problems` lists them all (field, message, fix).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from evaltool.study import StudyFileError, load_study
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "study.yaml").write_text("name: x", encoding="utf-8")
    >>> try:
    ...     load_study(folder / "study.yaml")
    ... except StudyFileError as err:
    ...     print(len(err.problems) >= 1, all(p.field for p in err.problems))
    True True
    """

    def __init__(self, path: Path, problems: list[FileProblem]) -> None:
        self.problems = problems
        if len(problems) == 1:
            p = problems[0]
            super().__init__(_stop(p.message), file=path, field=p.field, fix=_stop(p.fix) if p.fix else None)
            return
        lines = [f"{len(problems)} problems in the study file:"]
        lines += [f"  - {p.field}: {_stop(p.message)}" + (f" Fix: {_stop(p.fix)}" if p.fix else "")
                  for p in problems]
        super().__init__("\n".join(lines), file=path)


def _stop(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


def _size(path: Path) -> str:
    n = path.stat().st_size
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return ""  # pragma: no cover


def _locate(path: Path) -> Path:
    if path.is_dir():
        cand = path / "study.yaml"
        if not cand.is_file():
            raise StudyError("is a folder without a study.yaml.", file=path,
                             fix="give the path of the study file, or run 'evaltool init' to draft one.")
        return cand
    kind = _NOT_YAML.get(path.suffix.lower())
    if kind is not None and path.is_file():
        # describe the file by type and size only: its content may be participant data
        raise StudyError(f"is not a study file: it is {kind} ({_size(path)}).", file=path,
                         fix="give the study file (study.yaml); 'evaltool init EXPORT...' drafts one.")
    return path


def _merge_misspelt(found: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """``exports`` missing and ``export`` unknown (did you mean 'exports'?) are one problem."""
    def parent(f: str) -> str:
        return f.rsplit(".", 1)[0] if "." in f else ""

    guesses = {(parent(f), fix.split("'")[1]) for f, _m, fix in found if fix.startswith("did you mean '")}
    return [p for p in found if not (p[1] == "is missing" and (parent(p[0]), p[0].rsplit(".", 1)[-1]) in guesses)]


def _problems(raw: object, path: Path, resolve: bool) -> tuple[Study | None, StudyFile | None, list[FileProblem]]:
    f = str(path)
    if not isinstance(raw, dict):
        return None, None, [FileProblem(f, "(top level)", "the study file must be a YAML mapping of "
                                        "'key: value' lines", "run 'evaltool init EXPORT...' to draft one")]
    try:
        spec = Study.model_validate(raw)
    except ValidationError as exc:
        found = plain_problems(exc, raw, Study, "see the template from 'evaltool init'")
        cross = study_problems(raw) + (partial_problems(raw, path.resolve().parent) if resolve else [])
        found += [(field_path(loc, raw), msg, fix) for loc, msg, fix in cross]
        found = _merge_misspelt(found)
        order = {k: i for i, k in enumerate(raw)}
        unique = sorted(dict.fromkeys(found), key=lambda p: order.get(p[0].split(".")[0].split("[")[0], len(order)))
        return None, None, [FileProblem(f, fld, msg, fix) for fld, msg, fix in unique]
    if not resolve:
        return spec, StudyFile(spec, path.resolve()), []
    instruments, codebook, probs = resolve_references(spec, path.resolve().parent)
    if probs:
        return spec, None, [FileProblem(f, field_path(loc, raw), msg, fix) for loc, msg, fix in probs]
    return spec, StudyFile(spec, path.resolve(), instruments, codebook), []


def check_study_file(path: str | Path, *, resolve: bool = True) -> list[FileProblem]:
    """Every problem in a study file, all at once (empty if valid).

    Parameters
    ----------
    path
        The study file (``study.yaml``).
    resolve
        Also check what it refers to: instruments and codebook (loaded, with the study's
        options), and that the export files exist.

    Returns
    -------
    list of FileProblem
        ``file``, ``field`` (e.g. ``exports[1].timepoint``), ``message`` and ``fix``.

    Raises
    ------
    StudyError
        When the file cannot be read, is not YAML, or is not a study file at all.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "study.yaml"
    >>> _ = path.write_text("name: pilot\\ntimepoints: [{id: T1}]\\nexport: []\\n")
    >>> [(p.field, p.message, p.fix) for p in check_study_file(path)]
    [('export', "'export' is not an option here", "did you mean 'exports'? Rename it")]
    """
    path = _locate(Path(path))
    return _problems(read_yaml(path, StudyError), path, resolve)[2]


def load_study(path: str | Path, *, resolve: bool = True) -> StudyFile:
    """Load ``study.yaml``, validate it, and resolve what it refers to.

    Parameters
    ----------
    path
        The study file (or its folder). Paths inside it are relative to its folder.
    resolve
        Load the instruments and codebook (once; they travel on the result) and check that
        the input files exist. ``False`` checks the schema only (e.g. for a copy of the
        study file that no longer sits beside its exports).

    Returns
    -------
    StudyFile
        ``.spec`` (the validated :class:`~evaltool.study.model.Study`), ``.instruments``,
        ``.codebook``; ``.resolve()`` turns its relative paths into real ones.

    Raises
    ------
    StudyFileError
        Listing every problem, each with its field path and one fix.

    Examples
    --------
    >>> from evaltool.examples import example_study_path
    >>> study = load_study(example_study_path())
    >>> study.spec.timepoint_ids, sorted(study.instruments)
    (['T1', 'T2', 'T3', 'T4'], ['brs', 'cbi', 'coping_confidence', 'resilience_knowledge'])
    """
    path = _locate(Path(path))
    _, sf, problems = _problems(read_yaml(path, StudyError), path, resolve)
    if problems or sf is None:
        raise StudyFileError(path, problems)
    return sf
