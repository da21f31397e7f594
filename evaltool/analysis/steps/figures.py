"""The figures step: each figure drawn once, rendered once (SVG + PNG), kept in the results.

A figure that cannot be drawn (an odd scale, a label matplotlib cannot set) is recorded as a
note and the analysis goes on.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from ... import columns as C
from .. import names as N
from ..results import Figure

if TYPE_CHECKING:
    from ..pipeline import Run

_DPI = 300
MAX_PNG_SIDE = 12_000
"""Longest side of a PNG in pixels: a figure wider than 40 inches (the theme heatmap of
hundreds of cohorts) is rendered at a lower resolution, so that its PNG stays a few MB and
its drawing buffer bounded, instead of 300 dpi (36,000 pixels and a 1 GB buffer at 400 cohorts)."""


def render(fig: Any, name: str, caption: str, *, scale: str | None = None, shareable: bool = True) -> Figure:
    """Render a matplotlib Figure to SVG text and a PNG (fixed metadata: identical bytes on rerun).

    Laid out once (:func:`~evaltool.plots._style.freeze_layout`), then drawn once per format."""
    from ...plots._style import _metadata, freeze_layout, style

    fig = getattr(fig, "figure", fig)
    out: dict[str, bytes] = {}
    dpi = min(float(_DPI), MAX_PNG_SIDE / max(float(max(fig.get_size_inches())), 1e-9))
    dpi = _DPI if dpi >= _DPI else dpi
    with style():
        bbox = freeze_layout(fig, dpi)
        for fmt in ("svg", "png"):
            buf = io.BytesIO()
            fig.savefig(buf, format=fmt, bbox_inches=bbox, metadata=_metadata(fmt), dpi=dpi)
            out[fmt] = buf.getvalue()
    svg = out["svg"].decode("utf-8")
    svg = svg[svg.find("<svg"):]  # inline use: no XML prolog or doctype
    return Figure(name=name, caption=caption, alt=caption, svg=svg, png=out["png"], scale=scale, shareable=shareable)


def _draw(run: Run, name: str, caption: str, make: Callable[[], Any], scale: str | None = None,
          shareable: bool = True) -> None:
    try:
        fig = make()
        run.figures[name] = render(fig, name, caption, scale=scale, shareable=shareable)
    except Exception as exc:  # noqa: BLE001 - one figure must not stop the analysis
        run.soft_failure(f"figure '{name}'", exc)


def figures(run: Run) -> None:
    """Flow diagram, forest plot of the headline effect size, per primary scale the
    trajectories, distributions and reliable-change scatter (with the study's timepoint labels,
    confidence level and scale directions), and the theme heatmap."""
    from ... import plots

    o = run.options
    scores = run.tables[N.SCORES]
    info: Any = run.tables[N.SCALES].set_index("scale")
    tpl = {t.id: (t.label or t.id) for t in run.spec.timepoints}
    flow = run.table(N.FLOW)
    if flow is not None:
        _draw(run, "flow", "Participant flow: responses analysed at each timepoint, with exclusions and "
              "losses since the previous timepoint.", lambda: plots.plot_flow(flow, timepoint_labels=tpl))
    es = o.effect_size
    pp = run.table(N.PREPOST)
    if pp is not None and es in pp.columns and pp[es].notna().any():
        ok = pp.dropna(subset=[es])
        ok = ok.assign(label=[_label(info, s) for s in ok["scale"]])
        direction = info["direction"].to_dict()
        sub = es.split("_", 1)[1]
        _draw(run, f"forest_{es}", f"Effect sizes d_{sub} with {o.level} confidence intervals for every pre/post "
              "comparison, grouped by scale; arrows show which direction is an improvement (blue: improved, "
              "vermilion: worse, grey: the interval includes zero).",
              lambda: plots.plot_forest(ok, estimate=es, label_columns=("label", "contrast"), confidence=o.confidence,
                                        direction=direction, timepoint_labels=tpl))
    rc = run.table(N.RELIABLE_CHANGE)
    for s in run.primary_scales():
        d = scores[scores[C.SCALE] == s]
        if d[C.SCORE].notna().sum() > 0:
            _scale_figures(run, s, d, info, rc, tpl)
    _theme_heatmap(run)


def _theme_heatmap(run: Run) -> None:
    from ...plots.heatmap import DENSE_ABOVE
    from .heatmap import draw_theme_heatmap

    hm = run.table(N.THEME_HEATMAP)
    if hm is None:
        return
    k = run.options.min_cell_size
    groups = [g for g in dict.fromkeys(hm["group_by"]) if g != "all"]
    many = hm.drop_duplicates(["group_by", "group"])["group_by"].value_counts()
    dense = [g for g in groups if many.get(g, 0) > DENSE_ABOVE]
    strip = (f" With more than {DENSE_ABOVE} groups, {' and '.join(dense)} {'is' if len(dense) == 1 else 'are'} "
             "drawn as a strip of narrow columns in order, without the numbers (they are in the theme_heatmap "
             "table).") if dense else ""
    _draw(run, "theme_heatmap", "Where themes cluster: the share of respondents (people who answered at least one "
          f"open question) whose answers carried each code, for everyone and by {' and by '.join(groups)}. Codes "
          f"are grouped by what they are about. Hatched grey cells are hidden: fewer than {k} people, or needed "
          f"to protect another hidden number.{strip}",
          lambda: draw_theme_heatmap(hm, min_cell_size=k))


def _scale_figures(run: Run, s: str, d: pd.DataFrame, info: Any, rc: pd.DataFrame | None,
                   tpl: dict[str, str]) -> None:
    from ... import plots
    from ...plots.outcomes import MAX_INDIVIDUAL

    o = run.options
    last = run.tps[-1]
    label = _label(info, s)
    rng = (float(info.loc[s, "score_min"]), float(info.loc[s, "score_max"]))
    people = int(d[C.PARTICIPANT_ID].nunique())
    _draw(run, f"trajectories_{s}", f"{label}: the mean and {o.level} CI at each timepoint, over bands holding "
          "the middle 50% and 80% of scores (group summaries only).",
          lambda: plots.plot_trajectories(d, s, label=label, score_range=rng, confidence=o.confidence,
                                          timepoint_labels=tpl, individual=False), scale=s)
    # figures that show individual people's scores are for the research team only; above
    # MAX_INDIVIDUAL people no one is drawn, so that figure is the summary one: drawn once, kept twice
    name = f"trajectories_{s}_individual"
    if people > MAX_INDIVIDUAL and f"trajectories_{s}" in run.figures:
        cap = f"{label}: the mean and {o.level} CI at each timepoint."
        run.figures[name] = replace(run.figures[f"trajectories_{s}"], name=name, caption=cap, alt=cap, shareable=False)
    else:
        _draw(run, name, f"{label}: each participant's scores (faint lines) with the mean and {o.level} CI at each "
              "timepoint.", lambda: plots.plot_trajectories(d, s, label=label, score_range=rng, confidence=o.confidence,
                                                            timepoint_labels=tpl), scale=s, shareable=False)
    _draw(run, f"distribution_{s}", f"{label}: distribution of scores at each timepoint (density, box"
          + (", and each person's score" if people <= MAX_INDIVIDUAL else "") + ").",
          lambda: plots.plot_distribution(d, s, label=label, score_range=rng, timepoint_labels=tpl),
          scale=s, shareable=False)
    if rc is None:
        return
    sub = rc[(rc["scale"] == s) & (rc["time_to"].astype(object) == last)]
    if len(sub) < 3:
        return
    better = str(info.loc[s, "direction"]) == "higher_better"
    _draw(run, f"reliable_change_{s}", f"{label}: {tpl.get(o.baseline, o.baseline)} against {tpl.get(last, last)} "
          "scores; points outside the grey band changed reliably (Jacobson–Truax, |RCI| > 1.96); a larger marker "
          "stands for several people with the same scores.",
          lambda: plots.plot_reliable_change(
              sub["score_from"].to_numpy(), sub["score_to"].to_numpy(), float(sub["se_diff"].iloc[0]),
              higher_is_better=better, scale_label=label, time_labels=(tpl.get(o.baseline, o.baseline),
                                                                        tpl.get(last, last)),
              score_range=rng), scale=s, shareable=False)


def _label(info: pd.DataFrame, scale: str) -> str:
    return str(info.loc[scale, "label"]) if scale in info.index else scale
