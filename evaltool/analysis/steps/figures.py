"""The figures step: each figure drawn once, rendered once (SVG + PNG), kept in the results.

A figure that cannot be drawn (an odd scale, a label matplotlib cannot set) is recorded as a
note and the analysis goes on.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from ... import columns as C
from .. import names as N
from ..results import Figure

if TYPE_CHECKING:
    from ..pipeline import Run

_DPI = 300


def render(fig: Any, name: str, caption: str, *, scale: str | None = None) -> Figure:
    """Render a matplotlib Figure to SVG text and a PNG (fixed metadata: identical bytes on rerun)."""
    from ...plots._style import _metadata, style

    fig = getattr(fig, "figure", fig)
    out: dict[str, bytes] = {}
    with style():
        for fmt in ("svg", "png"):
            buf = io.BytesIO()
            fig.savefig(buf, format=fmt, bbox_inches="tight", metadata=_metadata(fmt), dpi=_DPI)
            out[fmt] = buf.getvalue()
    svg = out["svg"].decode("utf-8")
    svg = svg[svg.find("<svg"):]  # inline use: no XML prolog or doctype
    return Figure(name=name, caption=caption, alt=caption, svg=svg, png=out["png"], scale=scale)


def _draw(run: Run, name: str, caption: str, make: Callable[[], Any], scale: str | None = None) -> None:
    try:
        fig = make()
        run.figures[name] = render(fig, name, caption, scale=scale)
    except Exception as exc:  # noqa: BLE001 - one figure must not stop the analysis
        run.soft_failure(f"figure '{name}'", exc)


def figures(run: Run) -> None:
    """Flow diagram, forest plot of the headline effect size, and per primary scale the
    trajectories, distributions and reliable-change scatter."""
    from ... import plots

    o = run.options
    scores = run.tables[N.SCORES]
    info: Any = run.tables[N.SCALES].set_index("scale")
    flow = run.table(N.FLOW)
    if flow is not None:
        _draw(run, "flow", "Participant flow: responses analysed at each timepoint, with exclusions and "
              "losses since the previous timepoint.", lambda: plots.plot_flow(flow))
    es = o.effect_size
    pp = run.table(N.PREPOST)
    if pp is not None and es in pp.columns and pp[es].notna().any():
        ok = pp.dropna(subset=[es])
        ok = ok.assign(label=[_label(info, s) for s in ok["scale"]])
        sub = es.split("_", 1)[1]
        _draw(run, f"forest_{es}", f"Effect sizes d_{sub} with {o.level} confidence intervals for every pre/post "
              "comparison (blue: the interval excludes zero).",
              lambda: plots.plot_forest(ok, estimate=es, label_columns=("label", "contrast"),
                                        xlabel=f"d_{sub} with {o.level} CI"))
    rc = run.table(N.RELIABLE_CHANGE)
    for s in run.primary_scales():
        d = scores[scores[C.SCALE] == s]
        if d[C.SCORE].notna().sum() > 0:
            _scale_figures(run, s, d, info, rc)


def _scale_figures(run: Run, s: str, d: pd.DataFrame, info: Any, rc: pd.DataFrame | None) -> None:
    from ... import plots

    o = run.options
    last = run.tps[-1]
    label = _label(info, s)
    rng = (float(info.loc[s, "score_min"]), float(info.loc[s, "score_max"]))
    _draw(run, f"trajectories_{s}", f"{label}: each participant's scores (grey lines) with the mean and "
          f"{o.level} CI at each timepoint.",
          lambda: plots.plot_trajectories(d, s, label=label, score_range=rng), scale=s)
    _draw(run, f"distribution_{s}", f"{label}: distribution of scores at each timepoint.",
          lambda: plots.plot_distribution(d, s, label=label), scale=s)
    if rc is None:
        return
    sub = rc[(rc["scale"] == s) & (rc["time_to"].astype(object) == last)]
    if len(sub) < 3:
        return
    better = str(info.loc[s, "direction"]) == "higher_better"
    _draw(run, f"reliable_change_{s}", f"{label}: {o.baseline} against {last} scores; points outside the grey "
          "band changed reliably (Jacobson–Truax, |RCI| > 1.96).",
          lambda: plots.plot_reliable_change(
              sub["score_from"].to_numpy(), sub["score_to"].to_numpy(), float(sub["se_diff"].iloc[0]),
              higher_is_better=better, labels=(f"{label} at {o.baseline}", f"{label} at {last}")), scale=s)


def _label(info: pd.DataFrame, scale: str) -> str:
    return str(info.loc[scale, "label"]) if scale in info.index else scale
