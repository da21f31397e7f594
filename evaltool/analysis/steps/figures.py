"""The figures step: each figure drawn once, rendered once (SVG + PNG), kept in the results.

A figure that cannot be drawn (an odd scale, a label matplotlib cannot set) is recorded as a
note and the analysis goes on.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from ... import columns as C
from .. import names as N
from ..results import Figure

if TYPE_CHECKING:
    from ..pipeline import Run

_DPI = 300
_SVG_RASTER_DPI = 150.0
"""Resolution of the layers an SVG holds as images (``rasterized`` artists, dense point
clouds): ``savefig.dpi`` of :data:`evaltool.plots._style.RC`, as :func:`~evaltool.plots.save_figure`
writes them; the vector parts of the SVG do not depend on it."""
MAX_PNG_SIDE = 12_000
"""Longest side of a PNG in pixels: a figure wider than 40 inches (the theme heatmap of
hundreds of cohorts) is rendered at a lower resolution, so that its PNG stays a few MB and
its drawing buffer bounded, instead of 300 dpi (36,000 pixels and a 1 GB buffer at 400 cohorts)."""


def render(fig: Any, name: str, caption: str, *, scale: str | None = None, shareable: bool = True) -> Figure:
    """Render a matplotlib Figure to SVG text and a PNG (fixed metadata: identical bytes on rerun).

    Laid out once (:func:`~evaltool.plots._style.freeze_layout`), then drawn once per format;
    the PNG encoded without Pillow's row-filter search (:mod:`evaltool.plots._png`)."""
    from ...plots._png import figure_png
    from ...plots._style import _metadata, freeze_layout, style

    fig = getattr(fig, "figure", fig)
    dpi = min(float(_DPI), MAX_PNG_SIDE / max(float(max(fig.get_size_inches())), 1e-9))
    dpi = _DPI if dpi >= _DPI else dpi
    with style():
        bbox = freeze_layout(fig, dpi)
        buf = io.BytesIO()
        # a layer rasterised in the SVG (a dense point cloud) at 150 dpi, as in save_figure
        fig.savefig(buf, format="svg", bbox_inches=bbox, metadata=_metadata("svg"), dpi=min(_SVG_RASTER_DPI, dpi))
        png = figure_png(fig, dpi=dpi, bbox_inches=bbox, text=_metadata("png"))
    svg = buf.getvalue().decode("utf-8")
    svg = svg[svg.find("<svg"):]  # inline use: no XML prolog or doctype
    return Figure(name=name, caption=caption, alt=caption, svg=svg, png=png, scale=scale, shareable=shareable)


@dataclass
class _Pending:
    """A figure to draw (``make``), or a copy of one drawn under another name (``same_as``)."""

    name: str
    caption: str
    make: Callable[[], Any] | None
    scale: str | None = None
    shareable: bool = True
    same_as: str | None = None


class _Queue(list[_Pending]):
    def draw(self, name: str, caption: str, make: Callable[[], Any], scale: str | None = None,
             shareable: bool = True) -> None:
        self.append(_Pending(name, caption, make, scale, shareable))

    def copy_of(self, name: str, of: str, caption: str, shareable: bool) -> None:
        self.append(_Pending(name, caption, None, None, shareable, same_as=of))


PARALLEL_FROM = 4
"""Fewest figures worth drawing in forked workers (:func:`evaltool._parallel.fork_map`)."""


def _render_one(p: _Pending) -> Figure | str:
    """The rendered figure, or the name of the exception that stopped it (picklable either way)."""
    assert p.make is not None
    try:
        return render(p.make(), p.name, p.caption, scale=p.scale, shareable=p.shareable)
    except Exception as exc:  # noqa: BLE001 - one figure must not stop the analysis
        return type(exc).__name__


def _render_list(drawn: list[_Pending], n_jobs: int | None = None) -> list[Figure | str]:
    """Render ``drawn`` in order, across ``n_jobs`` CPUs (all by default; each in a forked
    worker that inherits the data; the bytes are the serial ones)."""
    from ..._parallel import fork_map

    _preload()
    return fork_map(lambda idx: _render_batch([drawn[i] for i in idx]), list(range(len(drawn))), chunk_size=1,
                    min_items=PARALLEL_FROM, n_jobs=n_jobs)


def _render_batch(drawn: list[_Pending]) -> list[Figure | str]:
    """Render ``drawn`` one by one, collecting each figure's garbage once it is rendered.

    A figure is a web of reference cycles (axes, artists, transforms, its canvas's pixel
    buffers): left to the automatic collector, drawing 15 figures runs ~130 collections and
    keeps rendered figures alive until one reaches them. Here the objects that exist already
    (the analysis, inherited by a forked process) are set aside (``gc.freeze``), the automatic
    collector is paused, and one collection after each figure frees it at once: a quarter of
    the collector's time, and a lower peak of memory."""
    import gc

    enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        out = []
        for p in drawn:
            out.append(_render_one(p))
            gc.collect()
        return out
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


def _preload() -> None:
    """Load matplotlib (figures, both backends, the font and its cache) in this process, once:
    called before forking, so that the workers (and the background process of
    :func:`start_figures`) inherit them rather than each loading them again."""
    import matplotlib.backends.backend_agg  # noqa: F401
    import matplotlib.backends.backend_svg  # noqa: F401
    import matplotlib.figure  # noqa: F401
    import matplotlib.legend  # noqa: F401

    from ...plots._layout import text_width_pt
    text_width_pt("evaltool", 9.0)  # the font and its cache


def _render_all(run: Run, todo: list[_Pending], done: dict[str, Figure | str] | None = None) -> None:
    """Draw and render every pending figure not already in ``done`` (the largest, the theme
    heatmap, first); then keep them in ``todo``'s order. A figure that fails is a note."""
    done = dict(done or {})
    drawn = sorted((p for p in todo if p.make is not None and p.name not in done),
                   key=lambda p: p.name != "theme_heatmap")
    if drawn:
        done.update({p.name: r for p, r in zip(drawn, _render_list(drawn), strict=True)})
    for p in todo:
        r = done.get(p.same_as or p.name)
        if isinstance(r, Figure):
            run.figures[p.name] = r if p.same_as is None else \
                replace(r, name=p.name, caption=p.caption, alt=p.caption, shareable=p.shareable)
        elif p.same_as is None:
            run.soft_failure(f"figure '{p.name}'", type(str(r), (Exception,), {})())


def start_figures(run: Run) -> None:
    """Start drawing the figures of the statistics (all but the theme heatmap; their tables are
    complete after "reliable change") in a forked process after "qualitative coding", so that
    they are drawn on the CPU the mostly serial steps that follow leave free; :func:`figures`
    collects them. The child is stopped
    when the analysis stops early (``run.stack``); with one CPU they are drawn in
    :func:`figures` itself."""
    from .._background import Background

    q = _statistics_queue(run)
    drawn = [p for p in q if p.make is not None]
    if not drawn:  # nothing to draw: no process (and no wait for one)
        return
    # matplotlib loaded here, not in the child: this process loads it anyway to draw the theme
    # heatmap in :func:`figures` (a study with free text), and the child (at 10k, what the
    # figures step waits for) starts drawing at once; without free text, the same work on the
    # other CPU
    _preload()
    # one process: the CPU the serial steps leave free, not a pool competing with them
    bg = run.stack.enter_context(Background(lambda: _render_list(drawn, n_jobs=1)))
    run.early["figures"] = (q, drawn, bg)


def figures(run: Run) -> None:
    """Flow diagram, forest plot of the headline effect size, per primary scale the
    trajectories, distributions and reliable-change scatter (with the study's timepoint labels,
    confidence level and scale directions), and the theme heatmap: each drawn once, the figures
    spread over the CPUs (:func:`_render_all`); those of the statistics usually drawn already,
    in the background (:func:`start_figures`)."""
    early = run.early.pop("figures", None)
    if early is None:
        q, done = _statistics_queue(run), None
    else:
        q, drawn, bg = early
        done = {p.name: r for p, r in zip(drawn, bg.result(), strict=True)}
    _theme_heatmap(run, q)
    _render_all(run, q, done)


def _statistics_queue(run: Run) -> _Queue:
    """The figures of the statistics, in report order (see :func:`figures`)."""
    from ... import plots

    q = _Queue()
    o = run.options
    scores = run.tables[N.SCORES]
    info: Any = run.tables[N.SCALES].set_index("scale")
    tpl = {t.id: (t.label or t.id) for t in run.spec.timepoints}
    flow = run.table(N.FLOW)
    if flow is not None:
        q.draw("flow", "Participant flow: responses analysed at each timepoint, with exclusions and "
               "losses since the previous timepoint.", lambda: plots.plot_flow(flow, timepoint_labels=tpl))
    es = o.effect_size
    pp = run.table(N.PREPOST)
    if pp is not None and es in pp.columns and pp[es].notna().any():
        ok = pp.dropna(subset=[es])
        ok = ok.assign(label=[_label(info, s) for s in ok["scale"]])
        direction = info["direction"].to_dict()
        sub = es.split("_", 1)[1]
        q.draw(f"forest_{es}", f"Effect sizes d_{sub} with {o.level} confidence intervals for every pre/post "
               "comparison, grouped by scale; arrows show which direction is an improvement (blue: improved, "
               "vermilion: worse, grey: the interval includes zero).",
               lambda: plots.plot_forest(ok, estimate=es, label_columns=("label", "contrast"), confidence=o.confidence,
                                         direction=direction, timepoint_labels=tpl))
    rc = run.table(N.RELIABLE_CHANGE)
    for s in run.primary_scales():
        d = scores[scores[C.SCALE] == s]
        if d[C.SCORE].notna().sum() > 0:
            _scale_figures(run, q, s, d, info, rc, tpl)
    return q


def _theme_heatmap(run: Run, q: _Queue) -> None:
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
    q.draw("theme_heatmap", "Where themes cluster: the share of respondents (people who answered at least one "
           f"open question) whose answers carried each code, for everyone and by {' and by '.join(groups)}. Codes "
           f"are grouped by what they are about. Hatched grey cells are hidden: fewer than {k} people, or needed "
           f"to protect another hidden number.{strip}",
           lambda: draw_theme_heatmap(hm, min_cell_size=k))


def _scale_figures(run: Run, q: _Queue, s: str, d: pd.DataFrame, info: Any, rc: pd.DataFrame | None,
                   tpl: dict[str, str]) -> None:
    from ... import plots
    from ...plots.outcomes import MAX_INDIVIDUAL

    o = run.options
    last = run.tps[-1]
    label = _label(info, s)
    rng = (float(info.loc[s, "score_min"]), float(info.loc[s, "score_max"]))
    people = int(d[C.PARTICIPANT_ID].nunique())
    q.draw(f"trajectories_{s}", f"{label}: the mean and {o.level} CI at each timepoint, over bands holding "
           "the middle 50% and 80% of scores (group summaries only).",
           lambda: plots.plot_trajectories(d, s, label=label, score_range=rng, confidence=o.confidence,
                                           timepoint_labels=tpl, individual=False), scale=s)
    # figures that show individual people's scores are for the research team only; above
    # MAX_INDIVIDUAL people no one is drawn, so that figure is the summary one: drawn once, kept twice
    name = f"trajectories_{s}_individual"
    if people > MAX_INDIVIDUAL:
        q.copy_of(name, f"trajectories_{s}", f"{label}: the mean and {o.level} CI at each timepoint.", shareable=False)
    else:
        q.draw(name, f"{label}: each participant's scores (faint lines) with the mean and {o.level} CI at each "
               "timepoint.", lambda: plots.plot_trajectories(d, s, label=label, score_range=rng,
                                                             confidence=o.confidence, timepoint_labels=tpl),
               scale=s, shareable=False)
    q.draw(f"distribution_{s}", f"{label}: distribution of scores at each timepoint (density, box"
           + (", and each person's score" if people <= MAX_INDIVIDUAL else "") + ").",
           lambda: plots.plot_distribution(d, s, label=label, score_range=rng, timepoint_labels=tpl),
           scale=s, shareable=False)
    if rc is None:
        return
    sub = rc[(rc["scale"] == s) & (rc["time_to"].astype(object) == last)]
    if len(sub) < 3:
        return
    better = str(info.loc[s, "direction"]) == "higher_better"
    q.draw(f"reliable_change_{s}", f"{label}: {tpl.get(o.baseline, o.baseline)} against {tpl.get(last, last)} "
           "scores; points outside the grey band changed reliably (Jacobson–Truax, |RCI| > 1.96); a larger marker "
           "stands for several people with the same scores.",
           lambda: plots.plot_reliable_change(
               sub["score_from"].to_numpy(), sub["score_to"].to_numpy(), float(sub["se_diff"].iloc[0]),
               higher_is_better=better, scale_label=label, time_labels=(tpl.get(o.baseline, o.baseline),
                                                                         tpl.get(last, last)),
               score_range=rng), scale=s, shareable=False)


def _label(info: pd.DataFrame, scale: str) -> str:
    return str(info.loc[scale, "label"]) if scale in info.index else scale
