"""Statistical steps: reliability, flow, descriptives, pre/post, mixed models, reliable change.

Each calls the public function of :mod:`evaltool.stats` / :mod:`evaltool.scoring` with the
study's frozen options, so a notebook that calls the same function gets the same numbers.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ... import columns as C
from ...errors import EvaltoolWarning, ParameterError
from .. import names as N

if TYPE_CHECKING:
    from ..pipeline import Run


def given(run: Run, table: pd.DataFrame, time_col: str) -> pd.DataFrame:
    """Keep rows for timepoints at which the scale was given (by design); others are not rows."""
    adm = run.tables[N.ADMINISTRATION]
    pairs = set(zip(adm["scale"], adm["timepoint"], strict=True))
    keep = [(s, str(t)) in pairs for s, t in zip(table["scale"], table[time_col].astype(object), strict=True)]
    return table.loc[keep].reset_index(drop=True)


def reliability(run: Run) -> None:
    """Cronbach's α (Feldt CI at the study's level), ω_t and item statistics at baseline."""
    from ...scoring import item_statistics
    from ...scoring import reliability as alpha

    linked = run.linked
    assert linked is not None
    base = linked.wide[linked.wide[C.TIMEPOINT] == run.options.baseline]
    rel, items = [], []
    for inst in linked.instruments.values():
        present = [i for i in inst.item_ids if i in base.columns and base[i].notna().any()]
        scales = [s.id for s in inst.scales if len(s.items) > 1 and set(s.items) <= set(present)]
        if not scales:
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", EvaltoolWarning)
            r = alpha(base, inst, scales=scales, confidence=run.options.confidence)
            it = item_statistics(base, inst, scales=scales)
        run.notes += [str(w.message) for w in caught]
        rel.append(r.assign(instrument=inst.id, timepoint=run.options.baseline))
        items.append(it.assign(instrument=inst.id, timepoint=run.options.baseline))
    run.tables[N.RELIABILITY] = pd.concat(rel, ignore_index=True) if rel else pd.DataFrame()
    run.tables[N.ITEM_STATISTICS] = pd.concat(items, ignore_index=True) if items else pd.DataFrame()


def participant_flow(run: Run) -> None:
    """Counts per timepoint with exclusions, and baseline comparison of stayers and leavers."""
    from ...stats import attrition, flow

    linked = run.linked
    assert linked is not None
    kept = linked.wide[[C.PARTICIPANT_ID, C.TIMEPOINT]]
    scores = run.tables[N.SCORES]
    run.tables[N.FLOW] = flow(linked.exclusions, kept, scores, run.tps)
    run.tables[N.ATTRITION] = attrition(scores, linked.participants, run.tps, groups=run.groups)


def descriptives(run: Run) -> None:
    """Scale scores by timepoint (overall and by each group)."""
    from ...stats import band_counts, describe

    scores = run.tables[N.SCORES]
    k = run.options.min_cell_size
    run.tables[N.DESCRIPTIVES] = describe(scores)
    run.tables[N.BAND_COUNTS] = band_counts(scores)
    for g in run.groups:
        run.tables[N.by_group(N.DESCRIPTIVES, g)] = describe(scores, by=g, min_cell_size=k)


def prepost(run: Run) -> None:
    """Paired comparisons over the confirmatory family (primary scales), overall and by group."""
    from ...stats import prepost as compare

    scores = run.tables[N.SCORES]
    o = run.options
    family = [s for s in run.primary_scales() if s in set(scores[C.SCALE])]
    kwargs: dict[str, Any] = dict(baseline=o.baseline, contrasts=[tuple(c) for c in o.contrasts] if o.contrasts else None,
                                  correction=o.correction, confidence=o.confidence, family=family or None)
    run.tables[N.PREPOST] = given(run, compare(scores, **kwargs), "time_to")
    for g in run.groups:
        run.tables[N.by_group(N.PREPOST, g)] = given(run, compare(
            scores, by=g, min_cell_size=o.min_cell_size, **kwargs), "time_to")


def models(run: Run) -> None:
    """Random-intercept model per scale, fitted once: the published table (change vs baseline),
    fixed effects, variance components, fit statistics, marginal means; group × time type III
    tables for ``analysis.group_by_time``."""
    from ...stats import (
        anova_type3,
        change_vs_baseline,
        emmeans,
        emmeans_contrasts,
        fit_mixed,
        model_fit_statistics,
        tidy_mixed,
        variance_components,
    )

    scores = run.tables[N.SCORES]
    o = run.options
    cohort = "cohort" if o.cohort_random_effect and "cohort" in scores.columns else None
    fits, anovas = [], []
    for scale in scores[C.SCALE].unique():
        # every declared timepoint stays a category: change_vs_baseline gives it a row
        d = scores[scores[C.SCALE] == scale].dropna(subset=[C.SCORE])
        if d[C.TIMEPOINT].nunique() < 2:
            continue
        try:
            fits.append(fit_mixed(d, baseline=o.baseline, cohort=cohort))
        except ParameterError as exc:
            run.notes.append(f"{scale}: mixed model not fitted ({exc.message})")
            continue
        for g in o.group_by_time:
            try:
                anovas.append(anova_type3(fit_mixed(d, baseline=o.baseline, group=g)))
            except ParameterError as exc:
                run.notes.append(f"{scale}: {g} × time model not fitted ({exc.message})")
    if not fits:
        return
    run.tables[N.CHANGE_VS_BASELINE] = given(run, change_vs_baseline(fits, confidence=o.confidence), "timepoint")
    run.tables[N.MODEL_FIT] = model_fit_statistics(fits)
    run.tables[N.MIXED_FIXED_EFFECTS] = pd.concat([tidy_mixed(f, confidence=o.confidence) for f in fits],
                                                  ignore_index=True)
    run.tables[N.MIXED_VARIANCE] = pd.concat([variance_components(f) for f in fits], ignore_index=True)
    run.tables[N.EMMEANS] = pd.concat([emmeans(f, confidence=o.confidence) for f in fits], ignore_index=True)
    run.tables[N.EMMEANS_CONTRASTS] = pd.concat([emmeans_contrasts(f, confidence=o.confidence) for f in fits],
                                                ignore_index=True)
    if anovas:
        run.tables[N.ANOVA_GROUP_BY_TIME] = pd.concat(anovas, ignore_index=True)


def reliable_change(run: Run) -> None:
    """Jacobson–Truax reliable change and clinical significance, per person and summarised.

    Direction, published reliability and cut-offs come from the resolved instrument objects
    (the user's own file when the study names one), never from a packaged lookup by id.
    """
    from ...stats import reliable_change as rci
    from ...stats import reliable_change_summary

    linked = run.linked
    assert linked is not None
    scores = run.tables[N.SCORES]
    rel = run.tables.get(N.RELIABILITY)
    base = run.options.baseline
    alphas: dict[str, tuple[float, str]] = {}
    if rel is not None and len(rel):
        for scale, a in zip(rel["scale"], rel["alpha"].to_numpy(dtype=float), strict=True):
            if not np.isnan(a):
                alphas[scale] = (float(a), f"Cronbach's alpha at {base} (this sample)")
    use_pub = run.options.reliability_for_rci == "published"
    direction: dict[str, Any] = {}
    r_xx: dict[str, tuple[float, str]] = {}
    cutoff: dict[str, float] = {}
    for inst in linked.instruments.values():
        for s in inst.scales:
            direction[s.id] = s.direction
            if use_pub and s.reliability is not None:
                text = " ".join(str(s.reliability.source).split())
                r_xx[s.id] = (float(s.reliability.value), f"published {s.reliability.statistic}: {text}")
            elif s.id in alphas:
                r_xx[s.id] = alphas[s.id]
            if s.clinical_cutoff is not None:
                cutoff[s.id] = float(s.clinical_cutoff)
    scales = [s for s in scores[C.SCALE].unique() if s in r_xx and s in direction]
    if not scales:
        from ...stats.reliable_change import (
            RELIABLE_CHANGE_COLUMNS,
            RELIABLE_CHANGE_SUMMARY_COLUMNS,
        )

        run.tables[N.RELIABLE_CHANGE] = pd.DataFrame(columns=list(RELIABLE_CHANGE_COLUMNS))
        run.tables[N.RELIABLE_CHANGE_SUMMARY] = pd.DataFrame(columns=list(RELIABLE_CHANGE_SUMMARY_COLUMNS))
        return
    rc = rci(scores, r_xx, baseline=base, scales=scales, use_published=False,
             direction={s: direction[s] for s in scales},
             cutoff={s: c for s, c in cutoff.items() if s in scales})
    run.tables[N.RELIABLE_CHANGE] = rc
    run.tables[N.RELIABLE_CHANGE_SUMMARY] = reliable_change_summary(rc)
