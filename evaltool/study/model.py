"""The study file (``study.yaml``): one evaluation described as data (docs/architecture.md).

A study names its exports (one per wave, or one long export with a timepoint column), the
ordered timepoints, how participant ids are found and normalised, which columns hold which
instrument items, group columns, free-text questions, exclusion rules and analysis options.
Paths are relative to the study file.

Every option is either used or refused: unknown keys, values that name things the study does
not have (a timepoint, a group, a scale) and options that would have no effect (``sheet`` on
a CSV, ``all_unanswered`` without ``unanswered: wrong``) are errors naming their field
(:func:`study_problems`), all reported at once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .._yaml import Loc, did_you_mean, fail_at
from ..options import check_confidence, check_min_cell_size
from ._renamed import ANALYSIS_RENAMED, renamed_keys

__all__ = [
    "AnalysisOptions",
    "ScoringRules",
    "ExclusionRules",
    "ExportSpec",
    "FreeTextSpec",
    "GroupSpec",
    "IdSpec",
    "InstrumentSpec",
    "ReportText",
    "Study",
    "Timepoint",
    "study_problems",
]

Name = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$", max_length=64)]
Problem = tuple[Loc, str, str]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Timepoint(_Model):
    """One measurement occasion, in study order (the first is the baseline by default)."""

    id: Name
    label: str | None = None
    description: str | None = None


class ExportSpec(_Model):
    """One survey export (or several files of the same wave, e.g. two collectors).

    Give ``timepoint`` for a one-wave export, or ``timepoint_column`` (+ optional
    ``timepoint_values`` mapping its values to timepoint ids) for a long export such as
    REDCap's ``redcap_event_name``.
    """

    file: str | None = None
    files: list[str] | None = None
    format: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    """Worksheet of an ``.xlsx`` export (default: the sheet that holds the data)."""
    dictionary: str | None = None
    timepoint: str | None = None
    timepoint_column: str | None = None
    timepoint_values: dict[str, str] | None = None
    id_column: str | None = None
    launch_date: dt.date | None = None
    """Responses started before this date are test responses (set aside with that reason)."""
    columns: dict[str, str] = Field(default_factory=dict)
    """Per-export item map ``item_id: column`` (overrides the instrument-level map)."""

    @model_validator(mode="after")
    def _check(self) -> ExportSpec:
        problems: list[Problem] = []
        if self.file is None and self.files is None:
            problems.append((("file",), "is missing", "add 'file: <export>' (or 'files: [...]' for "
                             "several files of one wave)"))
        elif self.file is not None and self.files is not None:
            problems.append((("files",), "is given together with 'file'",
                             "keep one: 'file' for one file, 'files' for several files of one wave"))
        elif self.files is not None and not self.files:
            problems.append((("files",), "lists no file", "list at least one file"))
        if self.timepoint is None and self.timepoint_column is None:
            problems.append((("timepoint",), "is missing",
                             "add 'timepoint: T1' (one wave per export) or 'timepoint_column: "
                             "<column>' (one long export)"))
        elif self.timepoint is not None and self.timepoint_column is not None:
            problems.append((("timepoint_column",), "is given together with 'timepoint'",
                             "keep 'timepoint' for a one-wave export or 'timepoint_column' for a "
                             "long export"))
        if self.timepoint_values is not None and self.timepoint_column is None:
            problems.append((("timepoint_values",), "is only used with 'timepoint_column'",
                             "remove it, or give the column that names the wave"))
        if problems:
            fail_at("ExportSpec", problems)
        return self

    @property
    def paths(self) -> list[str]:
        return list(self.files) if self.files is not None else [self.file]  # type: ignore[list-item]


class IdSpec(_Model):
    """Where participant ids are and how they are normalised before linking waves."""

    column: str | None = None
    strip: bool = True
    case: Literal["upper", "lower", "none"] = "upper"
    email_lower: bool = True
    zero_pad: Annotated[int, Field(ge=1, le=12)] | Literal["auto"] | None = "auto"
    """Pad the number of ids such as ``P12`` or ``C3-17`` to this width (``P012``,
    ``C3-017``); ``auto`` (default): to the widest number seen with the same prefix."""
    remove: str | None = r"\s+"
    """A regular expression whose matches are removed (default: inner white space)."""
    linking_table: str | None = None
    """CSV with columns ``export_id`` and ``participant_id`` mapping typed ids to true ids."""
    links: dict[str, str] = Field(default_factory=dict)
    """Typed id → true id, for a few ids (e.g. a near miss the match report showed)."""
    new_participants_at: list[str] = Field(default_factory=list)
    """Timepoints where people may join; elsewhere a new id that is a near miss of a known
    one is held back ("unmatched: near miss of …")."""


class InstrumentSpec(_Model):
    """An instrument used in the study, where its items are, and the study's scoring choices."""

    id: str
    """Packaged instrument name or path to a YAML file (relative to the study file)."""
    columns: dict[str, str] | Literal["auto"] = "auto"
    """``item_id: column``; ``auto`` finds columns named after the item ids."""
    timepoints: list[str] | None = None
    """Timepoints at which the instrument was given (default: wherever its columns exist)."""
    scales: list[str] | None = None
    """Scales to score (default: all of the instrument's scales)."""
    primary: bool = True
    min_answered: Annotated[int, Field(ge=1)] | None = None
    """Answered items needed for a score, for every scale of this instrument (overrides the
    instrument file's rule)."""
    unanswered: Literal["missing", "wrong"] | None = None
    """Knowledge tests: an unanswered question is ``missing`` (prorated) or ``wrong`` (overrides
    the instrument file's ``missing.unanswered``)."""
    all_unanswered: Literal["missing", "zero"] | None = None
    """With ``unanswered: wrong``: a test with no answer at all scores ``zero`` or is missing."""


class GroupSpec(_Model):
    """A participant attribute (cohort, profession ...) used for subgroups and reports."""

    name: Name
    column: str
    labels: dict[str, str] | None = None
    """Map stored codes to labels (``{"1": "Midwife"}``); export value labels are used if absent."""
    timepoint: str | None = None
    """Take the value from this timepoint (default: the first wave that has it)."""


class FreeTextSpec(_Model):
    """A free-text question: one column (the same in every export) or one column per timepoint."""

    id: Name
    label: str | None = None
    column: str | None = None
    columns: dict[str, str] | None = None

    @model_validator(mode="after")
    def _check(self) -> FreeTextSpec:
        if self.column is None and self.columns is None:
            fail_at("FreeTextSpec", [(("column",), "is missing",
                                      "add 'column: <column>' or 'columns: {T2: <column>}'")])
        if self.column is not None and self.columns is not None:
            fail_at("FreeTextSpec", [(("columns",), "is given together with 'column'",
                                      "keep 'column' (same column in every export) or 'columns' "
                                      "(one per timepoint)")])
        return self


class ExclusionRules(_Model):
    """Which rows are set aside (each ends in the exclusions table with its reason)."""

    unfinished: Literal["exclude", "keep"] = "exclude"
    preview: Literal["exclude", "keep"] = "exclude"
    duplicates: Literal["first", "last", "most_complete", "error"] = "most_complete"
    empty: Literal["exclude", "keep"] = "exclude"
    straightlining: Literal["flag", "exclude", "ignore"] = "flag"
    min_progress: float | None = Field(default=None, ge=0, le=100)


class ScoringRules(_Model):
    """How answers become scores: what an answer outside an item's response set means."""

    out_of_range: Literal["error", "missing"] = "error"
    """``error``: the analysis stops until it is corrected; ``missing``: the answer counts as
    missing and is listed in the problems table (as a warning). Applies to numbers that are
    not allowed codes and to labels the instrument does not know."""


class AnalysisOptions(_Model):
    """Options for ``evaltool analyse``."""

    baseline: str | None = None
    contrasts: list[tuple[str, str]] | None = None
    correction: Literal["holm", "BH", "none"] = "holm"
    effect_size: Literal["d_av", "d_z"] = "d_av"
    confidence: float = 0.95
    """Level of every interval (strictly between 0.5 and 1)."""
    cohort_random_effect: bool = False
    group_by_time: list[str] = Field(default_factory=list)
    """Group columns for ``score ~ group * time + (1|participant)`` type III tables."""
    reliability_for_rci: Literal["baseline_alpha", "published"] = "published"
    """``published``: the instrument file's reliability when it gives one, else baseline alpha
    (docs/statistics.md, section 5); ``baseline_alpha``: always this sample's alpha at baseline."""
    min_cell_size: int = 5
    """The smallest group a shareable output shows (at least 3)."""
    codebook: str | None = "resilience_training"
    redact_names: list[str] = Field(default_factory=list)
    redact_places: list[str] = Field(default_factory=list)
    seed: int = 20251

    @model_validator(mode="before")
    @classmethod
    def _old_names(cls, data: Any) -> Any:
        return renamed_keys(data, ANALYSIS_RENAMED, "analysis")

    @field_validator("confidence")
    @classmethod
    def _confidence(cls, v: float) -> float:
        return _option_value(check_confidence, v, "confidence", "write a level such as 0.95 (95%) or 0.90")

    @field_validator("min_cell_size")
    @classmethod
    def _min_cell_size(cls, v: int) -> int:
        return _option_value(check_min_cell_size, v, "min_cell_size", "write a whole number of 3 or more (5 is usual)")


def _option_value(check: Any, value: Any, name: str, fix: str) -> Any:
    """Run the shared option validator (evaltool.options); its rule becomes the field error."""
    from ..errors import ParameterError

    try:
        return check(value, "analysis", name)
    except ParameterError as exc:
        rule = exc.message.split(" must be ", 1)[-1].split(". Got")[0]
        fail_at("AnalysisOptions", [((), f"must be {rule} (it is {value!r})", fix)])


REPORT_TABLES = ("flow", "attrition", "reliability", "descriptives", "prepost", "effect_sizes", "wilcoxon", "model",
                 "model_fit", "reliable_change", "codes", "codes_by_timepoint")
"""Tables of the study report whose title ``report.table_titles`` may set."""


class ReportText(_Model):
    """Optional wording of the study report: its title and subtitle, table titles and figure
    captions (evaltool's generic wording is used for anything not given).

    Examples
    --------
    >>> ReportText(title="Resilience programme 2025", table_titles={"model": "Change from baseline"}).title
    'Resilience programme 2025'
    """

    title: str | None = None
    subtitle: str | None = None
    table_titles: dict[str, str] = Field(default_factory=dict)
    """Table key (one of ``REPORT_TABLES``) → title."""
    captions: dict[str, str] = Field(default_factory=dict)
    """Figure name (``flow``, ``forest_d_av``, ``trajectories_<scale>``, ``theme_heatmap`` …) → caption."""

    @field_validator("table_titles")
    @classmethod
    def _known_tables(cls, v: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(v) - set(REPORT_TABLES))
        if unknown:
            raise ValueError(f"report.table_titles names {unknown}; the tables are {list(REPORT_TABLES)}")
        return v


class Study(_Model):
    """A whole evaluation: the root of ``study.yaml``.

    Examples
    --------
    >>> study = Study.model_validate({
    ...     "name": "Pilot", "exports": [{"file": "t1.csv", "timepoint": "T1"},
    ...                                  {"file": "t2.csv", "timepoint": "T2"}],
    ...     "timepoints": [{"id": "T1"}, {"id": "T2"}],
    ...     "participant_id": {"column": "pid"}, "instruments": [{"id": "brs"}]})
    >>> study.baseline, study.timepoint_ids, study.analysis.correction
    ('T1', ['T1', 'T2'], 'holm')
    """

    name: str
    description: str | None = None
    synthetic: bool = False
    """True for made-up data: every output then says so."""
    exports: list[ExportSpec] = Field(min_length=1)
    timepoints: list[Timepoint] = Field(min_length=1)
    participant_id: IdSpec = Field(default_factory=IdSpec)
    instruments: list[InstrumentSpec] = Field(default_factory=list)
    groups: list[GroupSpec] = Field(default_factory=list)
    free_text: list[FreeTextSpec] = Field(default_factory=list)
    exclusions: ExclusionRules = Field(default_factory=ExclusionRules)
    scoring: ScoringRules = Field(default_factory=ScoringRules)
    analysis: AnalysisOptions = Field(default_factory=AnalysisOptions)
    report: ReportText = Field(default_factory=ReportText)
    """Optional titles and captions for the study report."""

    @model_validator(mode="after")
    def _cross_check(self) -> Study:
        problems = study_problems(self.model_dump(mode="python"))
        if problems:
            fail_at("Study", problems)
        return self

    @property
    def timepoint_ids(self) -> list[str]:
        return [t.id for t in self.timepoints]

    @property
    def baseline(self) -> str:
        return self.analysis.baseline or self.timepoints[0].id


# ------------------------------------------------------------------------------------------
# cross-field checks: on raw (possibly malformed) data, so they run beside field errors
# ------------------------------------------------------------------------------------------
def _list(data: Any, key: str) -> list[Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, list) else []


def _dict(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _unknown(value: object, known: list[str], what: str, loc: Loc, add_hint: str) -> Problem:
    close = did_you_mean(str(value), known)
    listed = ", ".join(known) if known else "none"
    if close:
        return loc, f"'{value}' is not one of the {what} ({listed})", f"write '{close}'"
    return loc, f"'{value}' is not one of the {what} ({listed})", add_hint


def _duplicates(values: Iterable[tuple[int, object]], loc: Loc, key: str, what: str) -> list[Problem]:
    seen: dict[object, int] = {}
    out: list[Problem] = []
    for i, v in values:
        if v is None:
            continue
        if v in seen:
            out.append(((*loc, i, key), f"'{v}' is used twice ({what} must be unique)",
                        f"give this one another {key}"))
        else:
            seen[v] = i
    return out


def _export_problems(exports: list[Any], tps: list[str]) -> list[Problem]:
    out: list[Problem] = []
    add_tp = "use one of the timepoints, or add it under 'timepoints'"
    first_for: dict[str, int] = {}
    for i, e in enumerate(exports):
        if not isinstance(e, dict):
            continue
        tp = e.get("timepoint")
        if isinstance(tp, str) and tps:
            if tp not in tps:
                out.append(_unknown(tp, tps, "study's timepoints", ("exports", i, "timepoint"), add_tp))
            elif tp in first_for:
                out.append((("exports", i, "timepoint"),
                            f"exports[{first_for[tp]}] is already for timepoint '{tp}'",
                            "list several files of one wave under one export with 'files: [...]', "
                            "or give this export its own timepoint"))
            else:
                first_for[tp] = i
        for key, value in _dict(e, "timepoint_values").items():
            if tps and value not in tps:
                out.append(_unknown(value, tps, "study's timepoints",
                                    ("exports", i, "timepoint_values", key), add_tp))
        out += _unused_export_options(e, i)
    return out


_XLSX = (".xlsx", ".xlsm")


def _unused_export_options(e: dict[str, Any], i: int) -> list[Problem]:
    files = [f for f in ([e.get("file")] + (e.get("files") or [])) if isinstance(f, str)]
    if not files:
        return []
    out: list[Problem] = []
    ext = {re.sub(r"^.*(\.[^./\\]+)$", r"\1", f.lower()) if "." in f else "" for f in files}
    if e.get("sheet") is not None and not ext & set(_XLSX):
        out.append((("exports", i, "sheet"), "only applies to Excel workbooks (.xlsx)",
                    "remove it: this export is not a workbook"))
    if e.get("encoding") is not None and ext <= {*_XLSX, ".sav", ".zsav"}:
        out.append((("exports", i, "encoding"), "only applies to text files (CSV/TSV)",
                    "remove it: workbooks and SPSS files record their own encoding"))
    fmt = e.get("format")
    if e.get("dictionary") is not None and fmt not in (None, "redcap"):
        out.append((("exports", i, "dictionary"), f"is a REDCap data dictionary, but the format is '{fmt}'",
                    "remove the dictionary, or set format: redcap"))
    return out


def _named_timepoints(data: dict[str, Any], tps: list[str]) -> list[Problem]:
    out: list[Problem] = []
    add_tp = "use one of the timepoints, or add it under 'timepoints'"
    analysis = _dict(data, "analysis")
    base = analysis.get("baseline")
    if isinstance(base, str) and tps and base not in tps:
        out.append(_unknown(base, tps, "study's timepoints", ("analysis", "baseline"), add_tp))
    for k, pair in enumerate(_list(analysis, "contrasts")):
        for j, t in enumerate(pair if isinstance(pair, (list, tuple)) else []):
            if isinstance(t, str) and tps and t not in tps:
                out.append(_unknown(t, tps, "study's timepoints", ("analysis", "contrasts", k, j), add_tp))
    for i, ins in enumerate(_list(data, "instruments")):
        for k, t in enumerate(_list(ins, "timepoints")):
            if tps and t not in tps:
                out.append(_unknown(t, tps, "study's timepoints", ("instruments", i, "timepoints", k), add_tp))
    for i, g in enumerate(_list(data, "groups")):
        t = g.get("timepoint") if isinstance(g, dict) else None
        if isinstance(t, str) and tps and t not in tps:
            out.append(_unknown(t, tps, "study's timepoints", ("groups", i, "timepoint"), add_tp))
    for i, f in enumerate(_list(data, "free_text")):
        for t in _dict(f, "columns"):
            if tps and t not in tps:
                out.append(_unknown(t, tps, "study's timepoints", ("free_text", i, "columns", t), add_tp))
    pid = _dict(data, "participant_id")
    for k, t in enumerate(_list(pid, "new_participants_at")):
        if tps and t not in tps:
            out.append(_unknown(t, tps, "study's timepoints", ("participant_id", "new_participants_at", k), add_tp))
        elif tps and t == tps[0]:
            out.append((("participant_id", "new_participants_at", k),
                        f"'{t}' is the first timepoint, where everyone is new",
                        "remove it; list only later timepoints where people may join"))
    return out


def _other_problems(data: dict[str, Any]) -> list[Problem]:
    out: list[Problem] = []
    groups = _list(data, "groups")
    out += _duplicates(((i, g.get("name")) for i, g in enumerate(groups) if isinstance(g, dict)),
                       ("groups",), "name", "group names")
    names = [str(g["name"]) for g in groups if isinstance(g, dict) and isinstance(g.get("name"), str)]
    for k, g in enumerate(_list(_dict(data, "analysis"), "group_by_time")):
        if g not in names:
            out.append(_unknown(g, names, "groups", ("analysis", "group_by_time", k),
                                "add the group under 'groups', or remove it here"))
    out += _duplicates(((i, f.get("id")) for i, f in enumerate(_list(data, "free_text"))
                        if isinstance(f, dict)), ("free_text",), "id", "free-text ids")
    out += _duplicates(((i, s.get("id")) for i, s in enumerate(_list(data, "instruments"))
                        if isinstance(s, dict)), ("instruments",), "id", "instrument entries")
    for i, ins in enumerate(_list(data, "instruments")):
        if not isinstance(ins, dict):
            continue
        if ins.get("all_unanswered") == "zero" and ins.get("unanswered") == "missing":
            out.append((("instruments", i, "all_unanswered"), "'zero' needs 'unanswered: wrong'",
                        "remove it, or write 'unanswered: wrong'"))
    remove = _dict(data, "participant_id").get("remove")
    if isinstance(remove, str):
        try:
            re.compile(remove)
        except re.error as exc:
            out.append((("participant_id", "remove"), f"is not a valid regular expression ({exc.msg})",
                        r"write a valid pattern such as '\s+', or remove it"))
    return out


def study_problems(data: object) -> list[Problem]:
    """Cross-field problems of a study file: ``(location, message, fix)`` for each.

    Works on raw YAML data (it tolerates malformed parts, which the schema reports), so a
    study file's problems can all be reported at once.
    """
    if not isinstance(data, dict):
        return []
    timepoints = _list(data, "timepoints")
    tps = [t["id"] for t in timepoints if isinstance(t, dict) and isinstance(t.get("id"), str)]
    out = _duplicates(((i, t.get("id")) for i, t in enumerate(timepoints) if isinstance(t, dict)),
                      ("timepoints",), "id", "timepoint ids")
    out += _export_problems(_list(data, "exports"), tps)
    out += _named_timepoints(data, tps)
    out += _other_problems(data)
    return out
