"""Figures for the reports: the study figures (from the results, or redrawn from the tables)
and the cohort-level comparison plot used in facilitator reports (no individual data)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._context import Ctx, at, table

__all__ = ["cohort_means_figure", "study_figures"]


def study_figures(ctx: Ctx) -> list[tuple[str, Any, str]]:
    """``(key, matplotlib Figure, caption)`` for the study report, primary scales only.

    Uses the figures the analysis made; when the results were loaded from disk (no figures),
    redraws them from the tables with the same plot functions.
    """
    from .. import plots

    res = ctx.results
    figs = dict(res.figures)
    out: list[tuple[str, Any, str]] = []
    flow = table(res, "flow")
    if "flow" not in figs and flow is not None:
        figs["flow"] = plots.plot_flow(flow).figure
    if "flow" in figs:
        out.append(("flow", figs["flow"], "Participant flow: responses analysed at each timepoint, with "
                    "exclusions and losses since the previous timepoint."))
    pp = table(res, "prepost")
    if "forest_d_av" not in figs and pp is not None and pp["d_av"].notna().any():
        figs["forest_d_av"] = plots.plot_forest(pp.dropna(subset=["d_av"]), estimate="d_av").figure
    if "forest_d_av" in figs:
        out.append(("forest_d_av", figs["forest_d_av"], "Effect sizes d_av with 95% CIs for every pre/post "
                    "comparison (blue: CI excludes zero)."))
    scores = table(res, "scores")
    rc = table(res, "reliable_change")
    info = ctx.scales.set_index("scale") if len(ctx.scales) else None
    for s in ctx.primary:
        lab = ctx.label(s)
        key = f"trajectories_{s}"
        if key not in figs and scores is not None and info is not None and (scores["scale"] == s).any():
            d = scores[scores["scale"] == s].assign(timepoint=lambda x: pd.Categorical(x["timepoint"], ctx.tps, ordered=True))
            rng = (float(at(info, s, "score_min")), float(at(info, s, "score_max")))
            figs[key] = plots.plot_trajectories(d, s, label=lab, score_range=rng).figure
        if key in figs:
            out.append((key, figs[key], f"{lab}: each participant's scores (grey lines) with the mean and "
                        "95% CI at each timepoint."))
        key = f"reliable_change_{s}"
        last = ctx.tps[-1] if ctx.tps else None
        if key not in figs and rc is not None and info is not None and last is not None:
            sub = rc[(rc["scale"] == s) & (rc["time_to"] == last)]
            if len(sub) >= 3:
                figs[key] = plots.plot_reliable_change(
                    sub["score_from"].to_numpy(float), sub["score_to"].to_numpy(float), float(sub["se_diff"].iloc[0]),
                    higher_is_better=bool(at(info, s, "direction") == "higher_better"),
                    labels=(f"{lab} at {ctx.baseline}", f"at {last}")).figure
        if key in figs:
            out.append((key, figs[key], f"{lab}: baseline against {last} scores; points outside the grey band "
                        "changed reliably (Jacobson–Truax, |RCI| > 1.96)."))
    return out


def cohort_means_figure(levels: Sequence[str], cohort: dict[str, Any], everyone: dict[str, Any], *,
                        label: str, cohort_name: str, score_range: tuple[float, float] | None = None) -> Any:
    """Mean and 95% CI per timepoint for one cohort (blue) against all cohorts (grey).

    ``cohort`` / ``everyone`` map timepoint → ``(n, mean, ci_low, ci_high)``; a timepoint that
    is hidden for the cohort is simply absent from ``cohort`` and its label says "hidden".
    Only group summaries are drawn: no individual points, lines or ranges.
    """
    from ..plots._style import BLUE, GREY, new_axes, style

    ax = new_axes(None, figsize=(6.2, 3.6))
    x = np.arange(len(levels))
    with style():
        def draw(vals: dict[str, Any], colour: str, shift: float, name: str, lw: float) -> None:
            pts = [(i, *vals[t]) for i, t in enumerate(levels) if t in vals and vals[t][1] is not None]
            if not pts:
                return
            arr = np.array([(i, m, lo, hi) for i, _, m, lo, hi in pts], dtype=float)
            ax.plot(arr[:, 0] + shift, arr[:, 1], color=colour, lw=lw, marker="o", ms=6, label=name, zorder=3)
            ok = ~np.isnan(arr[:, 2])
            ax.errorbar(arr[ok, 0] + shift, arr[ok, 1], yerr=[arr[ok, 1] - arr[ok, 2], arr[ok, 3] - arr[ok, 1]],
                        fmt="none", ecolor=colour, elinewidth=1.6, capsize=4, zorder=2)

        draw(everyone, GREY, 0.08, "all participants", 1.6)
        draw(cohort, BLUE, -0.08, cohort_name, 2.4)
        ticks = []
        for t in levels:
            c = cohort.get(t)
            ticks.append(f"{t}\n(n = {c[0]})" if c is not None and c[0] is not None else f"{t}\n(hidden)")
        ax.set_xticks(x)
        ax.set_xticklabels(ticks)
        ax.set_xlim(-0.5, len(levels) - 0.5)
        if score_range is not None:
            pad = (score_range[1] - score_range[0]) * 0.04
            ax.set_ylim(score_range[0] - pad, score_range[1] + pad)
        ax.set_ylabel(label)
        ax.legend(loc="best")
    return ax.figure
