"""``analyse()``: the analysis as named steps that build one :class:`~evaltool.analysis.Results`.

Each step declares which tables it reads and writes (scikit-learn's ``Pipeline`` keeps its
steps' parameters in one object; here options travel only in the frozen
:class:`~evaltool.analysis.Options`). Every statistic, summary, disclosure decision, redacted
quote and figure is made here; reports and the workbook only format what the steps made.
An optional step (theme suggestions, one figure) that fails becomes a recorded problem and a
note; the rest of the analysis completes.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import columns as C
from ..study import LinkedStudy, StudyFile, load_study
from . import names as N
from .results import Figure, Options, Results, StudySummary

__all__ = ["STEPS", "Run", "Step", "analyse", "options_from_study"]


@dataclass
class Run:
    """The state of one analysis while its steps run (tables so far, figures, notes)."""

    study: StudyFile
    options: Options
    linked: LinkedStudy | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    codebook: Any = None
    early: dict[str, Any] = field(default_factory=dict)
    """Work started ahead for a later step (:attr:`Step.then`), which collects it."""
    stack: ExitStack = field(default_factory=ExitStack)
    """Closed when the steps and the writing end: stops background work a step started and
    nobody collected."""
    target: Path | None = None
    """The results folder the analysis will write (None: in memory only)."""

    @property
    def spec(self) -> Any:
        return self.study.spec

    @property
    def tps(self) -> list[str]:
        return list(self.spec.timepoint_ids)

    @property
    def groups(self) -> list[str]:
        return [g.name for g in self.spec.groups]

    @property
    def cohort_group(self) -> str | None:
        """The group that names workshop cohorts (``cohort``), when the study has one."""
        return "cohort" if "cohort" in self.groups else None

    def primary_scales(self) -> list[str]:
        info = self.tables.get(N.SCALES)
        if info is None or info.empty:
            return []
        return info.loc[info["primary"].astype(bool), "scale"].tolist()

    def table(self, name: str) -> pd.DataFrame | None:
        t = self.tables.get(name)
        return None if t is None or len(t) == 0 else t

    def soft_failure(self, step: str, exc: BaseException) -> None:
        """Record an optional step's failure as a note and a problems row (no data in it)."""
        what = f"{step} failed ({type(exc).__name__}); the rest of the analysis is complete"
        self.notes.append(what + ".")
        row: dict[str, Any] = {c: None for c in C.PROBLEM_COLUMNS}
        row.update({C.SEVERITY: "warning", "rule": "step_failed", "message": what,
                    "fix": "report this to the evaltool developers with the manifest; the other results are unaffected"})
        problems = self.tables.get(N.PROBLEMS, pd.DataFrame(columns=list(C.PROBLEM_COLUMNS)))
        self.tables[N.PROBLEMS] = pd.concat([problems, pd.DataFrame([row])], ignore_index=True)


@dataclass(frozen=True)
class Step:
    """One named step: the function, the tables it reads and writes, and whether a failure
    may be recorded instead of stopping the analysis.

    ``{group}`` in a table name stands for each of the study's group columns. ``then`` is
    started right after the step: work for a later step whose inputs are complete now (it may
    run in a forked process while the next steps run; that step collects it).
    """

    name: str
    run: Callable[[Run], None]
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    optional: bool = False
    then: Callable[[Run], None] | None = None

    def expand(self, names: tuple[str, ...], groups: list[str]) -> set[str]:
        out: set[str] = set()
        for n in names:
            out |= {n.format(group=g) for g in groups} if "{group}" in n else {n}
        return out


def _steps() -> list[Step]:
    from .steps import cohorts, data, figures, heatmap, integrate, qual, stats

    return [
        Step("import, link and validate", data.link,
             writes=(N.INPUTS, N.EXCLUSIONS, N.PROBLEMS, N.MATCH_REPORT, N.ITEM_MAP, N.PARTICIPANTS),
             then=qual.start_coding),
        Step("score questionnaires", data.score, reads=(N.PARTICIPANTS,),
             writes=(N.SCALES, N.SCORES, N.ADMINISTRATION)),
        Step("reliability", stats.reliability, reads=(N.SCALES,), writes=(N.RELIABILITY, N.ITEM_STATISTICS)),
        Step("participant flow", stats.participant_flow, reads=(N.EXCLUSIONS, N.SCORES, N.PARTICIPANTS),
             writes=(N.FLOW, N.ATTRITION)),
        Step("descriptives", stats.descriptives, reads=(N.SCORES,),
             writes=(N.DESCRIPTIVES, N.BAND_COUNTS, "descriptives_by_{group}")),
        Step("pre/post comparisons", stats.prepost, reads=(N.SCORES, N.SCALES, N.ADMINISTRATION),
             writes=(N.PREPOST, "prepost_by_{group}")),
        Step("longitudinal models", stats.models, reads=(N.SCORES, N.ADMINISTRATION),
             writes=(N.CHANGE_VS_BASELINE, N.MIXED_FIXED_EFFECTS, N.MIXED_VARIANCE, N.MODEL_FIT, N.EMMEANS,
                     N.EMMEANS_CONTRASTS, N.ANOVA_GROUP_BY_TIME)),
        Step("reliable change", stats.reliable_change, reads=(N.SCORES, N.RELIABILITY, N.SCALES),
             writes=(N.RELIABLE_CHANGE, N.RELIABLE_CHANGE_SUMMARY)),
        Step("qualitative coding", qual.coding, reads=(N.PARTICIPANTS,),
             writes=(N.FREE_TEXT, N.CODINGS, N.VALENCE, N.CODING_SUMMARY, N.CODE_FREQUENCIES,
                     N.CODE_FREQUENCIES_BY_TIMEPOINT, N.CODE_MATRIX, N.CODE_COUNTS, N.EXEMPLAR_QUOTES, N.QUOTES),
             # the statistics' figures drawn while the mostly serial steps after coding run (coding
             # itself already keeps every CPU busy)
             then=_after_coding),
        Step("theme suggestions", qual.theme_suggestions, reads=(N.FREE_TEXT, N.CODINGS),
             writes=(N.THEME_SUGGESTIONS,), optional=True),
        Step("integration", integrate.integration, reads=(N.CODE_MATRIX, N.RELIABLE_CHANGE, N.CODINGS,
                                                          N.FREE_TEXT, N.CODE_COUNTS),
             writes=(N.JOINT_DISPLAY, N.THEMES_BY_TIMEPOINT, N.QUOTES_BY_CHANGE)),
        Step("disclosure control", cohorts.disclosure,
             reads=(N.SCORES, N.PARTICIPANTS, N.SCALES, N.PREPOST, N.RELIABLE_CHANGE_SUMMARY, N.BAND_COUNTS),
             writes=(N.DISCLOSURE, N.HIDDEN_COUNTS)),
        Step("cohort summaries", cohorts.cohort_summaries,
             reads=(N.PARTICIPANTS, N.DISCLOSURE, N.FREE_TEXT, N.CODINGS),
             writes=(N.COHORTS, N.COHORT_RESPONSES, N.COHORT_SCALES, N.COHORT_CHANGES, N.COHORT_THEMES, N.COHORT_QUOTES)),
        Step("theme heatmap", heatmap.theme_heatmap,
             reads=(N.CODE_COUNTS, N.CODINGS, N.FREE_TEXT, N.PARTICIPANTS, N.COHORT_THEMES), writes=(N.THEME_HEATMAP,)),
        Step("figures", figures.figures, reads=(N.SCALES, N.SCORES, N.FLOW, N.PREPOST, N.RELIABLE_CHANGE,
                                                N.THEME_HEATMAP)),
    ]


def _after_coding(run: Run) -> None:
    """Started after coding: the statistics' figures and, when a folder is written, its
    ``.qdpx`` (a lower-priority process that takes the CPU the others leave free)."""
    from .steps.figures import start_figures
    from .write import start_qdpx

    start_figures(run)
    start_qdpx(run)


STEPS: list[Step] = _steps()
"""The analysis steps in order."""


def options_from_study(spec: Any) -> Options:
    """The frozen :class:`Options` of a study file's ``analysis`` section."""
    a = spec.analysis
    return Options(
        confidence=float(a.confidence), effect_size=str(a.effect_size), correction=str(a.correction),
        family="every primary scale × contrast (pre/post t and Wilcoxon tests)",
        min_cell_size=int(a.min_cell_size), baseline=spec.baseline,
        contrasts=tuple(tuple(c) for c in a.contrasts) if a.contrasts else None,  # type: ignore[misc]
        reliability_for_rci=str(a.reliability_for_rci), cohort_random_effect=bool(a.cohort_random_effect),
        group_by_time=tuple(a.group_by_time), seed=int(a.seed),
    )


def _summary(run: Run) -> StudySummary:
    spec = run.spec
    linked = run.linked
    return StudySummary(
        name=spec.name, description=spec.description or "", synthetic=bool(spec.synthetic),
        timepoints=tuple(run.tps), timepoint_labels={t.id: (t.label or t.id) for t in spec.timepoints},
        baseline_id=spec.baseline, groups=tuple(run.groups), cohort_group=run.cohort_group,
        questions={f.id: (f.label or f.id) for f in spec.free_text},
        counts=dict(linked.counts) if linked is not None else {},
        report=spec.report.model_dump(exclude_defaults=True),
    )


def analyse(study: StudyFile | str | Path, *, out: str | Path | None = None, overwrite: bool = False,
            progress: Callable[[str, int, int], None] | None = None) -> Results:
    """Run the whole analysis of a study.

    Parameters
    ----------
    study
        ``study.yaml`` path or a loaded :class:`~evaltool.study.StudyFile`.
    out
        Folder to write the results into: shareable tables (CSV + ``results.xlsx``), figures
        (PNG + SVG), reports, ``research/`` (participant-level tables and raw free text),
        ``manifest.json`` and ``reproduce.ipynb``. Nothing is written when None. The folder is
        written completely or not at all.
    overwrite
        Replace an existing results folder (as a whole; never merged).
    progress
        Callback ``(step name, step number, number of steps)``.

    Returns
    -------
    Results
        Every table (``results["prepost"]`` …), figure, the options, the study summary, the
        resolved instruments and codebook, and provenance.

    Raises
    ------
    DataProblemsError
        When linking finds errors (out-of-range answers …); ``.problems`` lists them all.

    Examples
    --------
    >>> from evaltool.examples import example_study_path
    >>> res = analyse(example_study_path())
    >>> res.synthetic, list(res["prepost"]["contrast"].unique())[:1], res.options.level
    (True, ['T2 - T1'], '95%')
    """
    from .write import check_destination, write_results

    sf = study if isinstance(study, StudyFile) else load_study(study)
    target = check_destination(sf, out, overwrite=overwrite) if out is not None else None
    run = Run(sf, options_from_study(sf.spec), target=target)
    total = len(STEPS) + (target is not None)
    with run.stack:
        for i, step in enumerate(STEPS):
            if progress:
                progress(step.name, i, total)
            _run_step(run, step)
        results = _results(run)
        if target is not None:
            if progress:
                progress("writing tables, figures, reports", len(STEPS), total)
            results = write_results(results, sf, target, overwrite=overwrite, early=run.early.pop("qdpx", None))
    if progress:
        progress("done", total, total)
    return results


def _run_step(run: Run, step: Step) -> None:
    if step.optional:
        try:
            step.run(run)
        except Exception as exc:  # noqa: BLE001 - an optional step fails soft, recorded
            run.soft_failure(step.name, exc)
    else:
        step.run(run)
    if step.then is not None:
        step.then(run)


def _results(run: Run) -> Results:
    from .provenance import provenance_of

    linked = run.linked
    assert linked is not None
    a = run.spec.analysis
    return Results(
        tables=dict(run.tables), figures=dict(run.figures), options=run.options, study=_summary(run),
        instruments=dict(linked.instruments), codebook=run.codebook,
        provenance=provenance_of(run), notes=tuple(run.notes),
        redaction={"names": tuple(a.redact_names), "places": tuple(a.redact_places)},
    )
