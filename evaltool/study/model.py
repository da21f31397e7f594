"""The study file (``study.yaml``): one evaluation described as data (docs/architecture.md).

A study names its exports (one per wave, or one long export with a timepoint column), the
ordered timepoints, how participant ids are found and normalised, which columns hold which
instrument items, group columns, free-text questions, exclusion rules and analysis options.
Paths are relative to the study file.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..options import check_confidence, check_min_cell_size

__all__ = [
    "AnalysisOptions",
    "ExclusionRules",
    "ExportSpec",
    "FreeTextSpec",
    "GroupSpec",
    "IdSpec",
    "InstrumentSpec",
    "ReportText",
    "Study",
    "Timepoint",
]

Name = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$", max_length=64)]


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
    dictionary: str | None = None
    timepoint: str | None = None
    timepoint_column: str | None = None
    timepoint_values: dict[str, str] | None = None
    id_column: str | None = None
    columns: dict[str, str] = Field(default_factory=dict)
    """Per-export item map ``item_id: column`` (overrides the instrument-level map)."""

    @model_validator(mode="after")
    def _check(self) -> ExportSpec:
        if (self.file is None) == (self.files is None):
            raise ValueError("give either 'file' or 'files' (a list of files of the same wave)")
        if self.files is not None and not self.files:
            raise ValueError("'files' must list at least one file")
        if (self.timepoint is None) == (self.timepoint_column is None):
            raise ValueError(
                "give either 'timepoint' (one wave per export) or 'timepoint_column' (long export)"
            )
        if self.timepoint_values is not None and self.timepoint_column is None:
            raise ValueError("'timepoint_values' needs 'timepoint_column'")
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
    zero_pad: int | None = Field(default=None, ge=1, le=12)
    """Pad the digits of ids such as ``P12`` to this width (``P012``)."""
    remove: str | None = r"\s+"
    """A regular expression whose matches are removed (default: inner white space)."""
    linking_table: str | None = None
    """CSV with columns ``export_id`` and ``participant_id`` mapping typed ids to true ids."""


class InstrumentSpec(_Model):
    """An instrument used in the study and where its items are."""

    id: str
    """Packaged instrument name or path to a YAML file (relative to the study file)."""
    columns: dict[str, str] | Literal["auto"] = "auto"
    """``item_id: column``; ``auto`` finds columns named after the item ids."""
    timepoints: list[str] | None = None
    """Timepoints at which the instrument was given (default: wherever its columns exist)."""
    scales: list[str] | None = None
    primary: bool = True


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
        if (self.column is None) == (self.columns is None):
            raise ValueError("give either 'column' or 'columns' (timepoint: column)")
        return self


class ExclusionRules(_Model):
    """Which rows are set aside (each ends in the exclusions table with its reason)."""

    unfinished: Literal["exclude", "keep"] = "exclude"
    preview: Literal["exclude", "keep"] = "exclude"
    duplicates: Literal["first", "last", "most_complete", "error"] = "most_complete"
    empty: Literal["exclude", "keep"] = "exclude"
    straightlining: Literal["flag", "exclude", "ignore"] = "flag"
    min_progress: float | None = Field(default=None, ge=0, le=100)


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

    @field_validator("confidence")
    @classmethod
    def _confidence(cls, v: float) -> float:
        return _option_value(check_confidence, v, "confidence")

    @field_validator("min_cell_size")
    @classmethod
    def _min_cell_size(cls, v: int) -> int:
        return _option_value(check_min_cell_size, v, "min_cell_size")


def _option_value(check: Any, value: Any, name: str) -> Any:
    """Run the shared option validator (evaltool.options); its message becomes the field error."""
    from ..errors import ParameterError

    try:
        return check(value, "analysis", name)
    except ParameterError as exc:
        raise ValueError(f"analysis.{name} must be {exc.message.split(' must be ', 1)[-1].split('. Got')[0]}") from None


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
    analysis: AnalysisOptions = Field(default_factory=AnalysisOptions)
    report: ReportText = Field(default_factory=ReportText)
    """Optional titles and captions for the study report."""

    @model_validator(mode="after")
    def _cross_check(self) -> Study:
        tps = [t.id for t in self.timepoints]
        if len(set(tps)) != len(tps):
            raise ValueError("timepoint ids must be unique")
        for i, e in enumerate(self.exports):
            if e.timepoint is not None and e.timepoint not in tps:
                raise ValueError(f"exports[{i}] names timepoint '{e.timepoint}', not one of {tps}")
            for v in (e.timepoint_values or {}).values():
                if v not in tps:
                    raise ValueError(f"exports[{i}].timepoint_values maps to '{v}', not one of {tps}")
        seen: dict[str, int] = {}
        for i, e in enumerate(self.exports):
            if e.timepoint is None:
                continue
            if e.timepoint in seen:
                raise ValueError(
                    f"exports[{seen[e.timepoint]}] and exports[{i}] are both for timepoint "
                    f"'{e.timepoint}': list several files of one wave under one export with "
                    "'files: [...]', or give each export its own timepoint"
                )
            seen[e.timepoint] = i
        if self.analysis.baseline is not None and self.analysis.baseline not in tps:
            raise ValueError(f"analysis.baseline '{self.analysis.baseline}' is not one of {tps}")
        for a, b in self.analysis.contrasts or []:
            for t in (a, b):
                if t not in tps:
                    raise ValueError(f"analysis.contrasts names '{t}', not one of {tps}")
        ids = [g.name for g in self.groups]
        if len(set(ids)) != len(ids):
            raise ValueError("group names must be unique")
        for g in self.analysis.group_by_time:
            if g not in ids:
                raise ValueError(f"analysis.group_by_time names '{g}', not one of the groups {ids}")
        ft = [f.id for f in self.free_text]
        if len(set(ft)) != len(ft):
            raise ValueError("free_text ids must be unique")
        for f in self.free_text:
            for t in f.columns or {}:
                if t not in tps:
                    raise ValueError(f"free_text '{f.id}' names timepoint '{t}', not one of {tps}")
        for ins in self.instruments:
            for t in ins.timepoints or []:
                if t not in tps:
                    raise ValueError(f"instrument '{ins.id}' names timepoint '{t}', not one of {tps}")
        return self

    @property
    def timepoint_ids(self) -> list[str]:
        return [t.id for t in self.timepoints]

    @property
    def baseline(self) -> str:
        return self.analysis.baseline or self.timepoints[0].id
