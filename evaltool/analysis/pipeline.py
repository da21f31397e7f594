"""``analyse()``: import → link → validate → score → reliability → flow → descriptives →
pre/post → models → reliable change → qualitative coding → figures, as one reproducible run.

Each step is a plain function over the tables made so far; the same functions are public so a
notebook can run any step by itself and get the same numbers.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import DataProblemsError, EvaltoolWarning, ParameterError
from ..study import LinkedStudy, StudyFile, link_study, load_study
from .results import Results
from .scoring import scale_info, score_study

__all__ = ["STEPS", "analyse"]


@dataclass
class _Run:
    study: StudyFile
    linked: LinkedStudy | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def spec(self) -> Any:
        return self.study.spec

    @property
    def tps(self) -> list[str]:
        return self.spec.timepoint_ids

    def primary_scales(self) -> list[str]:
        info = self.tables["scales"]
        return info.loc[info["primary"], "scale"].tolist()


# ------------------------------------------------------------------------------------------
def _step_link(run: _Run) -> None:
    linked = link_study(run.study)
    run.linked = linked
    errors = linked.problems[linked.problems[C.SEVERITY] == "error"]
    if len(errors):
        raise DataProblemsError(
            f"{len(errors)} data problem(s) must be fixed before the analysis can run.",
            linked.problems,
            fix="run 'evaltool validate' to write the problems table, correct a copy of the export, "
                "and point the study file at the corrected copy.",
        )
    run.tables.update(
        inputs=linked.inputs, exclusions=linked.exclusions, problems=linked.problems,
        match_report=linked.match_report, item_map=linked.item_map, participants=linked.participants,
    )


def _step_score(run: _Run) -> None:
    from .scoring import administered

    assert run.linked is not None
    run.tables["scales"] = scale_info(run.linked)
    run.tables["scores"] = score_study(run.linked)
    rows = [{"instrument": inst.id, "scale": s.id, "timepoint": t}
            for inst in run.linked.instruments.values() for s in inst.scales
            for t in administered(run.linked, inst)]
    run.tables["administration"] = pd.DataFrame(rows, columns=["instrument", "scale", "timepoint"])


def _given(run: _Run, table: pd.DataFrame, time_col: str) -> pd.DataFrame:
    """Keep rows for timepoints at which the scale was given (by design); others are not rows."""
    adm = run.tables["administration"]
    given = set(zip(adm["scale"], adm["timepoint"], strict=True))
    keep = [(s, str(t)) in given for s, t in zip(table["scale"], table[time_col].astype(object), strict=True)]
    return table.loc[keep].reset_index(drop=True)


def _step_reliability(run: _Run) -> None:
    from ..scoring import item_statistics, reliability

    assert run.linked is not None
    base = run.linked.wide[run.linked.wide[C.TIMEPOINT] == run.study.spec.baseline]
    rel, items = [], []
    for inst in run.linked.instruments.values():
        present = [i for i in inst.item_ids if i in base.columns and base[i].notna().any()]
        scales = [s.id for s in inst.scales if len(s.items) > 1 and set(s.items) <= set(present)]
        if not scales:
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", EvaltoolWarning)
            r = reliability(base, inst, scales=scales)
            it = item_statistics(base, inst, scales=scales)
        for w in caught:
            run.notes.append(str(w.message))
        rel.append(r.assign(instrument=inst.id, timepoint=run.study.spec.baseline))
        items.append(it.assign(instrument=inst.id, timepoint=run.study.spec.baseline))
    run.tables["reliability"] = pd.concat(rel, ignore_index=True) if rel else pd.DataFrame()
    run.tables["item_statistics"] = pd.concat(items, ignore_index=True) if items else pd.DataFrame()


def _step_flow(run: _Run) -> None:
    from ..stats import attrition, flow

    assert run.linked is not None
    kept = run.linked.wide[[C.PARTICIPANT_ID, C.TIMEPOINT]]
    scores = run.tables["scores"]
    run.tables["flow"] = flow(run.linked.exclusions, kept, scores, run.tps)
    groups = [g.name for g in run.spec.groups]
    run.tables["attrition"] = attrition(scores, run.linked.participants, run.tps, groups=groups)


def _step_describe(run: _Run) -> None:
    from ..stats import band_counts, describe

    scores = run.tables["scores"]
    run.tables["descriptives"] = describe(scores)
    run.tables["band_counts"] = band_counts(scores)
    k = run.spec.analysis.suppression_threshold
    for g in run.spec.groups:
        run.tables[f"descriptives_by_{g.name}"] = describe(scores, by=g.name, min_group_size=k)


def _contrasts(run: _Run) -> list[tuple[str, str]] | None:
    c = run.spec.analysis.contrasts
    return [tuple(x) for x in c] if c else None  # type: ignore[misc]


def _step_prepost(run: _Run) -> None:
    from ..stats import prepost

    scores = run.tables["scores"]
    a = run.spec.analysis
    primary = run.primary_scales()
    kwargs: dict[str, Any] = dict(baseline=run.spec.baseline, contrasts=_contrasts(run),
                                  correction=a.correction if a.correction != "none" else "none",
                                  confidence=a.confidence)
    fam = [s for s in primary if s in set(scores[C.SCALE])]
    run.tables["prepost"] = _given(run, prepost(scores, family=fam or None, **kwargs), "time_to")
    for g in run.spec.groups:
        run.tables[f"prepost_by_{g.name}"] = _given(run, prepost(
            scores, by=g.name, family=fam or None, min_group_size=a.suppression_threshold, **kwargs), "time_to")


def _step_models(run: _Run) -> None:
    """Random-intercept model per scale, fitted once: the published table (change vs baseline),
    fixed effects, variance components, fit statistics, marginal means; group × time type III
    tables for ``analysis.group_by_time``."""
    from ..stats import (
        anova_type3,
        change_vs_baseline,
        emmeans,
        emmeans_contrasts,
        fit_mixed,
        model_fit_statistics,
        tidy_mixed,
        variance_components,
    )

    scores = run.tables["scores"]
    a = run.spec.analysis
    cohort = "cohort" if a.cohort_random_effect and "cohort" in scores.columns else None
    fits, anovas = [], []
    for scale in scores[C.SCALE].unique():
        # every declared timepoint stays a category: change_vs_baseline gives it a row
        d = scores[scores[C.SCALE] == scale].dropna(subset=[C.SCORE])
        if d[C.TIMEPOINT].nunique() < 2:
            continue
        try:
            fits.append(fit_mixed(d, baseline=run.spec.baseline, cohort=cohort))
        except ParameterError as exc:
            run.notes.append(f"{scale}: mixed model not fitted ({exc.message})")
            continue
        for g in a.group_by_time:
            try:
                anovas.append(anova_type3(fit_mixed(d, baseline=run.spec.baseline, group=g)))
            except ParameterError as exc:
                run.notes.append(f"{scale}: {g} × time model not fitted ({exc.message})")
    run.tables["change_vs_baseline"] = _given(run, change_vs_baseline(fits, confidence=a.confidence), "timepoint")
    run.tables["model_fit"] = model_fit_statistics(fits)
    if fits:
        run.tables["mixed_fixed_effects"] = pd.concat([tidy_mixed(f, confidence=a.confidence) for f in fits],
                                                      ignore_index=True)
        run.tables["mixed_variance"] = pd.concat([variance_components(f) for f in fits], ignore_index=True)
        run.tables["emmeans"] = pd.concat([emmeans(f, confidence=a.confidence) for f in fits], ignore_index=True)
        run.tables["emmeans_contrasts"] = pd.concat([emmeans_contrasts(f, confidence=a.confidence) for f in fits],
                                                    ignore_index=True)
    if anovas:
        run.tables["anova_group_by_time"] = pd.concat(anovas, ignore_index=True)


def _step_reliable_change(run: _Run) -> None:
    from ..stats import reliable_change, reliable_change_summary

    scores = run.tables["scores"]
    rel = run.tables.get("reliability")
    given: dict[str, tuple[float, str]] = {}
    if rel is not None and len(rel):
        alphas = rel["alpha"].to_numpy(dtype=float)
        for scale, alpha in zip(rel["scale"], alphas, strict=True):
            if not np.isnan(alpha):
                given[scale] = (float(alpha), f"Cronbach's alpha at {run.spec.baseline} (this sample)")
    use_pub = run.spec.analysis.reliability_for_rci == "published"
    scales = [s for s in scores[C.SCALE].unique() if s in given or use_pub]
    info = run.tables["scales"]
    cuts = info["clinical_cutoff"].to_numpy(dtype=float)
    cutoffs = {s: float(c) for s, c in zip(info["scale"], cuts, strict=True) if not np.isnan(c)}
    rc = reliable_change(scores, given, baseline=run.spec.baseline, scales=scales or None,
                         use_published=use_pub, cutoff={k: v for k, v in cutoffs.items() if k in scales})
    run.tables["reliable_change"] = rc
    run.tables["reliable_change_summary"] = reliable_change_summary(rc)


def study_codebook(study: StudyFile) -> Any:
    """The study's codebook (packaged name or a path relative to the study file), or None."""
    from ..qual import load_codebook

    ref = study.spec.analysis.codebook
    if ref is None:
        return None
    return load_codebook(study.resolve(ref) if ref.endswith((".yaml", ".yml")) else ref)


def _step_qual(run: _Run) -> None:
    """Code free text with the study's codebook; frequencies, matrix, redacted quotes, themes."""
    from ..qual import (
        code,
        code_frequencies,
        code_matrix,
        code_valence,
        coding_summary,
        exemplar_quotes,
        suggest_themes,
    )

    assert run.linked is not None
    ft = run.linked.free_text
    run.tables["free_text"] = ft
    cb = study_codebook(run.study)
    if cb is None or ft.empty:
        run.notes.append("no free-text answers or no codebook: qualitative coding skipped")
        return
    a = run.spec.analysis
    codings = code(ft, cb)
    run.tables["codings"] = codings
    run.tables["valence"] = code_valence(ft, cb)
    run.tables["coding_summary"] = coding_summary(ft, codings, cb)
    run.tables["code_frequencies"] = code_frequencies(codings, ft, codebook=cb)
    run.tables["code_frequencies_by_timepoint"] = code_frequencies(codings, ft, by=C.TIMEPOINT, codebook=cb)
    run.tables["code_matrix"] = code_matrix(codings, ft, codebook=cb)
    redaction = {"names": list(a.redact_names), "places": list(a.redact_places)}
    run.tables["exemplar_quotes"] = exemplar_quotes(codings, ft, n=3, redact=redaction, codebook=cb)
    if len(ft) >= 20:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", EvaltoolWarning)
            run.tables["theme_suggestions"] = suggest_themes(ft, uncoded_only=True, codings=codings, seed=a.seed)
        run.notes += [str(w.message) for w in caught]


def _step_figures(run: _Run) -> None:
    from ..plots import (
        plot_distribution,
        plot_flow,
        plot_forest,
        plot_reliable_change,
        plot_trajectories,
    )

    scores = run.tables["scores"]
    info = run.tables["scales"].set_index("scale")
    figs = run.figures
    figs["flow"] = plot_flow(run.tables["flow"]).figure
    for s in run.primary_scales():
        d = scores[scores[C.SCALE] == s]
        if d[C.SCORE].notna().sum() == 0:
            continue
        label = str(info.loc[s, "label"])
        lo, hi = info.loc[s, ["score_min", "score_max"]].to_numpy(dtype=float)
        rng = (float(lo), float(hi))
        figs[f"trajectories_{s}"] = plot_trajectories(d, s, label=label, score_range=rng).figure
        figs[f"distribution_{s}"] = plot_distribution(d, s, label=label).figure
    pp = run.tables["prepost"]
    ok = pp.dropna(subset=["d_av"])
    if len(ok):
        ok = ok.assign(label=[label_of(info, s) for s in ok["scale"]])
        figs["forest_d_av"] = plot_forest(ok, estimate="d_av", label_columns=("label", "contrast"),
                                          xlabel="d_av (mean change / mean of the two SDs) with 95% CI").figure
    rc = run.tables.get("reliable_change")
    if rc is not None and len(rc):
        last = run.tps[-1]
        for s in run.primary_scales():
            sub = rc[(rc["scale"] == s) & (rc["time_to"].astype(object) == last)]
            if len(sub) < 3:
                continue
            figs[f"reliable_change_{s}"] = plot_reliable_change(
                sub["score_from"].to_numpy(), sub["score_to"].to_numpy(), float(sub["se_diff"].iloc[0]),
                higher_is_better=str(info.loc[s, "direction"]) == "higher_better",
                labels=(f"{label_of(info, s)} at {run.spec.baseline}", f"at {last}"),
            ).figure


def label_of(info: pd.DataFrame, scale: str) -> str:
    return str(info.loc[scale, "label"]) if scale in info.index else scale


STEPS: list[tuple[str, Callable[[_Run], None]]] = [
    ("import, link and validate", _step_link),
    ("score questionnaires", _step_score),
    ("reliability", _step_reliability),
    ("participant flow", _step_flow),
    ("descriptives", _step_describe),
    ("pre/post comparisons", _step_prepost),
    ("longitudinal models", _step_models),
    ("reliable change", _step_reliable_change),
    ("qualitative coding", _step_qual),
    ("figures", _step_figures),
]
"""The analysis steps in order (name, function)."""


def analyse(study: StudyFile | str | Path, *, out: str | Path | None = None, overwrite: bool = False,
            progress: Callable[[str, int, int], None] | None = None) -> Results:
    """Run the whole analysis of a study.

    Parameters
    ----------
    study
        ``study.yaml`` path or a loaded :class:`~evaltool.study.StudyFile`.
    out
        Folder to write tables (CSV + one XLSX workbook), figures (PNG + SVG), the report,
        ``manifest.json`` and ``reproduce.ipynb``. Nothing is written when None.
    overwrite
        Allow writing into a non-empty ``out`` folder.
    progress
        Callback ``(step name, step number, number of steps)``.

    Returns
    -------
    Results
        All tables (``results["prepost"]`` …), figures and run metadata.

    Raises
    ------
    DataProblemsError
        When linking finds errors (out-of-range answers …); ``.problems`` lists them all.

    Examples
    --------
    >>> from evaltool.examples import example_study_path
    >>> res = analyse(example_study_path())
    >>> res.synthetic, list(res["prepost"]["contrast"].unique())[:1]
    (True, ['T2 - T1'])
    """
    from ..output import check_output_dir

    sf = study if isinstance(study, StudyFile) else load_study(study)
    out_dir = None
    if out is not None:
        inputs = [sf.resolve(p) for e in sf.spec.exports for p in e.paths]
        out_dir = check_output_dir(Path(out), overwrite=overwrite, inputs=inputs)
    run = _Run(sf)
    steps = list(STEPS)
    total = len(steps) + (out_dir is not None)
    for i, (name, fn) in enumerate(steps):
        if progress:
            progress(name, i, total)
        fn(run)
    meta = _meta(run)
    results = Results(tables=dict(run.tables), figures=dict(run.figures), meta=meta, out_dir=out_dir)
    if out_dir is not None:
        from .write import write_results

        if progress:
            progress("writing tables, figures, reports", len(steps), total)
        write_results(results, sf, out_dir)
    if progress:
        progress("done", total, total)
    return results


def _meta(run: _Run) -> dict[str, Any]:
    assert run.linked is not None
    return {
        "study_name": run.spec.name,
        "study_file": str(run.study.path),
        "synthetic": bool(run.spec.synthetic),
        "timepoints": run.tps,
        "timepoint_labels": {t.id: (t.label or t.id) for t in run.spec.timepoints},
        "baseline": run.spec.baseline,
        "groups": [g.name for g in run.spec.groups],
        "counts": run.linked.counts,
        "suppression_threshold": run.spec.analysis.suppression_threshold,
        "correction": run.spec.analysis.correction,
        "effect_size": run.spec.analysis.effect_size,
        "codebook": run.spec.analysis.codebook,
        "redact_names": list(run.spec.analysis.redact_names),
        "redact_places": list(run.spec.analysis.redact_places),
        "notes": run.notes,
    }
