"""Outcome figures: trajectories with mean and CI, paired slopes, distributions per timepoint.

Each function takes tidy Scores (``participant_id, timepoint, scale, score``), draws on ``ax``
(or a new Figure without pyplot state) and returns the Axes. ``individual=False`` draws only
group-level summaries (for shareable reports: no individual can be identified).

How the figures scale
---------------------
The figure type is the same at every size; one rule decides what is drawn:

* **Aggregates always**: the mean with its confidence interval at each timepoint, the middle
  50% (25th–75th percentile) and middle 80% (10th–90th) of scores as shaded bands
  (trajectories), and a density with a box plot (distributions). Bands, boxes and densities
  are drawn only where a timepoint has at least ``max(min_n, 10)`` scores (5 for boxes).
* **Individuals faintly, up to** ``max_individual`` **people** (default 200): each person's line
  and points, with tied scores spread sideways (dodged) so that no two points coincide.
  Above that, or with ``individual=False``, no individual is drawn: the bands carry the spread.

So 66 people and 100,000 people give the same kind of figure, drawn in well under a second,
and the SVG stays small (any layer with more than 500 elements is rasterised).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import ParameterError
from ._data import density as _density
from ._data import dodge, mean_ci, y_limits
from ._data import resolution as _resolution
from ._layout import legend_outside, set_category_ticks
from ._style import BLUE, GREY, LIGHT, ORANGE, RASTERIZE_ABOVE, VERMILION, new_axes, style
from ._text import escape, n_text, percent, tp_label

__all__ = ["mean_ci", "plot_distribution", "plot_slopes", "plot_trajectories"]

MAX_INDIVIDUAL = 200
"""Default largest number of people whose individual lines or points are drawn."""
BAND_MIN_N = 10
BOX_MIN_N = 5


def _one_scale(scores: pd.DataFrame, scale: str | None) -> tuple[pd.DataFrame, str]:
    missing = [c for c in (C.PARTICIPANT_ID, C.TIMEPOINT, C.SCORE) if c not in scores.columns]
    if missing:
        raise ParameterError(f"scores need the columns {missing}.", fix=f"columns present: {list(scores.columns)}")
    name = "score" if scale is None else str(scale)
    if C.SCALE in scores.columns:
        col = scores[C.SCALE]
        scales = list(pd.unique(col.dropna()))
        if scale is None:
            if len(scales) != 1:
                raise ParameterError(f"scores hold several scales {scales}; choose one with scale=.")
            scale = scales[0]
        if scale not in scales:
            raise ParameterError(f"there is no scale {scale!r} in the scores.", fix=f"choose from {scales}.")
        scores = scores[(col == scale).to_numpy(dtype=bool)]
        name = str(scale)
    return scores.dropna(subset=[C.SCORE]), name


def _levels(scores: pd.DataFrame, timepoint_labels: Mapping[Any, Any] | None = None) -> list[Any]:
    """Timepoints with data, in study order: the categorical order, else the order of
    ``timepoint_labels`` (the study file's), else sorted."""
    tp = scores[C.TIMEPOINT]
    present = set(pd.unique(tp.dropna()))
    if isinstance(tp.dtype, pd.CategoricalDtype):
        return [t for t in tp.cat.categories if t in present]
    if timepoint_labels and present <= set(timepoint_labels):
        return [t for t in timepoint_labels if t in present]
    return sorted(present, key=str)


def _by_level(d: pd.DataFrame, levels: list[Any]) -> list[np.ndarray]:
    """Scores at each timepoint, in ``levels`` order (one pass, linear)."""
    tp = d[C.TIMEPOINT]
    if isinstance(tp.dtype, pd.CategoricalDtype):
        pos = {t: i for i, t in enumerate(levels)}
        lut = np.array([pos.get(c, -1) for c in tp.cat.categories] + [-1])
        codes = lut[tp.cat.codes.to_numpy()]  # code -1 (missing) maps to -1
    else:
        codes = pd.Index(levels).get_indexer(tp)
    v = d[C.SCORE].to_numpy(dtype=float)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(levels) + 1))
    return [v[order[bounds[i]:bounds[i + 1]]] for i in range(len(levels))]


def _width(k: int) -> float:
    return float(min(7.5, 5.2 + 0.45 * k))


def _tick_labels(levels: list[Any], counts: list[int], timepoint_labels: Mapping[Any, Any] | None,
                 min_n: int) -> list[str]:
    return [f"{tp_label(t, timepoint_labels)}\n{n_text(n, min_n)}" for t, n in zip(levels, counts, strict=True)]


def to_rgb_array(colour: str) -> np.ndarray:
    from matplotlib.colors import to_rgb

    return np.array(to_rgb(colour))


def _rasterize(n: int) -> bool:
    return n > RASTERIZE_ABOVE


def plot_trajectories(scores: pd.DataFrame, scale: str | None = None, *, ax: Any = None,
                      individual: bool = True, confidence: float = 0.95, label: str | None = None,
                      score_range: tuple[float, float] | None = None, min_n: int = 1,
                      timepoint_labels: Mapping[Any, Any] | None = None,
                      max_individual: int = MAX_INDIVIDUAL) -> Any:
    """Mean and CI per timepoint over bands of the middle 50% and 80% of scores.

    Each participant's line is drawn faintly when there are at most ``max_individual`` people
    (see "How the figures scale" in this module); the same figure at any size.

    Parameters
    ----------
    scores
        Tidy Scores. Not modified.
    scale
        Which scale to draw (needed when ``scores`` holds several).
    ax
        Axes to draw on; a new Figure is made when None.
    individual
        Draw each participant's line (up to ``max_individual`` people). Set False for
        shareable reports.
    confidence
        Level of the t-based interval around each mean; the legend says it (0.9 → "90% CI").
    label
        Y-axis label, e.g. the scale's name (default: the scale id). Shown literally.
    score_range
        The instrument's possible range; fixes the y axis (pass the same to
        :func:`plot_distribution` so both figures of a scale share it).
    min_n
        Timepoints with fewer scores show no mean or band (small-cell suppression).
    timepoint_labels
        The study's label for each timepoint id (e.g. ``{"T1": "Baseline"}``), shown on the
        x axis with the number of scores on a second line.
    max_individual
        Largest number of people drawn individually.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"participant_id": ["a", "a", "b", "b"], "timepoint": ["T1", "T2"] * 2,
    ...                   "scale": "brs", "score": [3.0, 3.5, 2.5, 3.2]})
    >>> ax = plot_trajectories(s, label="Resilience (BRS)", timepoint_labels={"T1": "Baseline"})
    >>> ax.get_ylabel(), [t.get_text() for t in ax.get_xticklabels()]
    ('Resilience (BRS)', ['Baseline\\nn = 2', 'T2\\nn = 2'])
    """
    d, name = _one_scale(scores, scale)
    levels = _levels(d, timepoint_labels)
    k = len(levels)
    x = np.arange(k, dtype=float)
    by_t = _by_level(d, levels)
    counts = [len(v) for v in by_t]
    yr = y_limits(d[C.SCORE].to_numpy(dtype=float), score_range)
    ax = new_axes(ax, figsize=(_width(k), 4.0))
    with style():
        stats = _timepoint_stats(by_t, min_n, confidence)
        handles: list[Any] = []
        labels: list[str] = []
        n_people = int(d[C.PARTICIPANT_ID].nunique())
        if individual and 0 < n_people <= max_individual:
            h = _individual_lines(ax, d, levels, yr)
            handles.append(h)
            labels.append("each participant")
        _mean_and_bands(ax, x, stats, confidence, handles, labels)
        ax.set_xlim(-0.5, k - 0.5)
        ax.set_ylim(*yr)
        legend_outside(ax, handles, labels)
        set_category_ticks(ax, _tick_labels(levels, counts, timepoint_labels, min_n),
                           ylabel=escape(label if label is not None else name))
    return ax


def _timepoint_stats(by_t: list[np.ndarray], min_n: int, confidence: float) -> np.ndarray:
    """Per timepoint: mean, CI low, CI high, then the 10th, 25th, 75th and 90th percentiles
    (NaN below ``min_n`` scores; the percentiles also below :data:`BAND_MIN_N`)."""
    stats = np.full((len(by_t), 7), np.nan)  # mean, lo, hi, q10, q25, q75, q90
    for i, v in enumerate(by_t):
        if len(v) >= max(min_n, 1):
            stats[i, :3] = mean_ci(v, confidence)
        if len(v) >= max(min_n, BAND_MIN_N):
            stats[i, 3:] = np.percentile(v, [10, 25, 75, 90])
    return stats


def _mean_and_bands(ax: Any, x: np.ndarray, stats: np.ndarray, confidence: float,
                    handles: list[Any], labels: list[str]) -> None:
    """The 50% and 80% bands, the mean line and its CI; their legend entries in place."""
    if np.isfinite(stats[:, 3]).any():
        b80 = ax.fill_between(x, stats[:, 3], stats[:, 6], color=BLUE, alpha=0.08, lw=0, zorder=0.5)
        b50 = ax.fill_between(x, stats[:, 4], stats[:, 5], color=BLUE, alpha=0.16, lw=0, zorder=0.6)
        handles += [b50, b80]
        labels += ["middle 50% of scores", "middle 80% of scores"]
    (mean_line,) = ax.plot(x, stats[:, 0], color=BLUE, lw=2.2, marker="o", ms=6.5, zorder=4)
    ok = np.isfinite(stats[:, 1])
    handles.insert(0, mean_line)
    labels.insert(0, "mean")
    if ok.any():
        err = ax.errorbar(x[ok], stats[ok, 0], yerr=[stats[ok, 0] - stats[ok, 1], stats[ok, 2] - stats[ok, 0]],
                          fmt="none", ecolor=BLUE, elinewidth=2, capsize=5, zorder=3)
        handles.insert(1, err)
        labels.insert(1, f"{percent(confidence)} CI of the mean")


def _individual_lines(ax: Any, d: pd.DataFrame, levels: list[Any], yr: tuple[float, float]) -> Any:
    from matplotlib.collections import LineCollection

    wide = d.pivot_table(index=C.PARTICIPANT_ID, columns=C.TIMEPOINT, values=C.SCORE, aggfunc="mean",
                         observed=True).reindex(columns=levels)
    y = wide.to_numpy(dtype=float)
    xs = np.tile(np.arange(len(levels), dtype=float), (len(y), 1))
    tol = (yr[1] - yr[0]) / 150
    for j in range(len(levels)):
        ok = ~np.isnan(y[:, j])
        xs[ok, j] += dodge(y[ok, j], half_width=0.2, tie_tol=tol, max_step=0.02)
    segs = []
    for row_x, row_y in zip(xs, y, strict=True):
        ok = ~np.isnan(row_y)
        if ok.sum() >= 2:
            segs.append(np.column_stack([row_x[ok], row_y[ok]]))
    lines = LineCollection(segs, colors=LIGHT, linewidths=0.7, zorder=1, rasterized=_rasterize(len(segs)))
    ax.add_collection(lines, autolim=False)
    ok = ~np.isnan(y)
    ax.scatter(xs[ok], y[ok], s=7, color=GREY, alpha=0.7, zorder=2, linewidths=0,
               rasterized=_rasterize(int(ok.sum())))
    return lines


def plot_slopes(scores: pd.DataFrame, scale: str | None = None, *, time_from: Any = None,
                time_to: Any = None, ax: Any = None, label: str | None = None,
                timepoint_labels: Mapping[Any, Any] | None = None,
                higher_is_better: bool | None = None, max_individual: int = MAX_INDIVIDUAL) -> Any:
    """Paired slope plot: each participant at two timepoints, coloured by direction.

    Pairs are matched by ``participant_id`` (never row order). Identical pairs are drawn once,
    more opaque the more people share them. Above ``max_individual`` pairs the scores are
    grouped into 20 equal bins of the observed range and each path between bins is drawn once,
    wider and more opaque the more people took it, so the common paths stand out and the plot
    reads the same at 60 or 100,000 pairs. The mean pair is drawn on top.

    Parameters
    ----------
    scores
        Tidy Scores. Not modified.
    scale
        Which scale to draw (needed when ``scores`` holds several).
    time_from, time_to
        The two timepoints (default: the first and the last, in study order).
    ax
        Axes to draw on; a new Figure is made when None.
    label
        Y-axis label (default: the scale id). Shown literally.
    timepoint_labels
        The study's label for each timepoint id.
    higher_is_better
        The scale's direction. When given, colours say improved (blue) or worse (vermilion);
        otherwise up (blue) or down (orange).
    max_individual
        Largest number of pairs drawn one by one (see above).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"participant_id": ["a", "a", "b", "b"], "timepoint": ["T1", "T2"] * 2,
    ...                   "scale": "brs", "score": [3.0, 3.5, 2.5, 2.2]})
    >>> plot_slopes(s).get_title(loc="left")
    '2 pairs: 1 up, 1 down, 0 same'
    """
    from matplotlib.lines import Line2D

    d, name = _one_scale(scores, scale)
    t0, t1, a, b = _slope_pairs(d, _levels(d, timepoint_labels), time_from, time_to)
    yr = y_limits(np.r_[a, b], None)
    ax = new_axes(ax, figsize=(5.2, 4.5))
    with style():
        up_c, down_c = (BLUE, ORANGE) if higher_is_better is None else \
            ((BLUE, VERMILION) if higher_is_better else (VERMILION, BLUE))
        _slope_paths(ax, a, b, yr, up_c, down_c, binned=len(a) > max_individual)
        ax.plot([0, 1], [a.mean(), b.mean()], color="black", lw=3, marker="o", ms=8, zorder=3)
        ax.set_xlim(-0.3, 1.3)
        ax.set_ylim(*yr)
        up, down = int((b > a).sum()), int((b < a).sum())
        ax.set_title(f"{len(a):,} pairs: {up:,} up, {down:,} down, {len(a) - up - down:,} same")
        words = ("up", "down") if higher_is_better is None else \
            (("improved", "worse") if higher_is_better else ("worse", "improved"))
        legend_outside(ax, [Line2D([], [], color=up_c, lw=1.5), Line2D([], [], color=down_c, lw=1.5),
                            Line2D([], [], color=GREY, lw=1.5),
                            Line2D([], [], color="black", lw=3, marker="o", ms=8)],
                       [words[0], words[1], "no change", "mean"])
        set_category_ticks(ax, [tp_label(t0, timepoint_labels), tp_label(t1, timepoint_labels)],
                           ylabel=escape(label if label is not None else name))
    return ax


def _slope_pairs(d: pd.DataFrame, levels: list[Any], time_from: Any, time_to: Any,
                 ) -> tuple[Any, Any, np.ndarray, np.ndarray]:
    """The two timepoints (default: first and last) and the scores of the complete pairs,
    matched by participant id."""
    if len(levels) < 2:
        raise ParameterError("a slope plot needs two timepoints with data.")
    t0 = levels[0] if time_from is None else time_from
    t1 = levels[-1] if time_to is None else time_to
    w = d.pivot_table(index=C.PARTICIPANT_ID, columns=C.TIMEPOINT, values=C.SCORE, aggfunc="mean",
                      observed=True)
    if t0 not in w.columns or t1 not in w.columns:
        raise ParameterError(f"no scores at {t0!r} or {t1!r}.", fix=f"timepoints with data: {levels}")
    pairs = w[[t0, t1]].dropna()
    return t0, t1, pairs[t0].to_numpy(dtype=float), pairs[t1].to_numpy(dtype=float)


def _slope_paths(ax: Any, a: np.ndarray, b: np.ndarray, yr: tuple[float, float], up_c: str, down_c: str,
                 *, binned: bool) -> None:
    """Each distinct path once (binned to 20 steps of the range when ``binned``), more opaque
    (and, binned, wider) the more people took it; coloured by direction."""
    from matplotlib.collections import LineCollection

    grid = (yr[1] - yr[0]) / (20 if binned else 1000)
    cells = pd.DataFrame({"a": np.round(a / grid) * grid, "b": np.round(b / grid) * grid})
    agg = cells.value_counts(sort=False).reset_index(name="n").sort_values(["n", "a", "b"], kind="stable")
    n_lines = len(agg)
    count = agg["n"].to_numpy(dtype=float)
    # common pairs stand out, rare ones fade: opacity grows with the square root of the count
    alpha = 0.6 * np.sqrt(count / count.max()) if n_lines else count
    alpha = np.clip(alpha, 0.03, 0.6)
    rgb = np.where((agg["b"] > agg["a"]).to_numpy()[:, None], to_rgb_array(up_c),
                   np.where((agg["b"] < agg["a"]).to_numpy()[:, None], to_rgb_array(down_c),
                            to_rgb_array(GREY)))
    segs = np.stack([np.column_stack([np.zeros(n_lines), agg["a"]]),
                     np.column_stack([np.ones(n_lines), agg["b"]])], axis=1)
    widths = 0.5 + 6.0 * count / count.max() if binned and n_lines else np.ones(n_lines)
    ax.add_collection(LineCollection(list(segs), colors=np.column_stack([rgb, alpha]), linewidths=widths,
                                     zorder=1, rasterized=_rasterize(n_lines)), autolim=False)


def plot_distribution(scores: pd.DataFrame, scale: str | None = None, *, ax: Any = None,
                      individual: bool = True, label: str | None = None, min_n: int = 1,
                      score_range: tuple[float, float] | None = None,
                      timepoint_labels: Mapping[Any, Any] | None = None,
                      max_individual: int = MAX_INDIVIDUAL) -> Any:
    """Distribution per timepoint: half violin (density), box plot and, up to a size, the points.

    A "raincloud" layout: points on the left (tied scores stacked sideways, so a discrete
    scale reads as a dot plot), the box with its median, the density on the right. The
    density is a Gaussian kernel estimate that never resolves finer than the scale's own
    steps (integer counts give one smooth shape, not a comb). See "How the figures scale".

    Parameters
    ----------
    scores
        Tidy Scores. Not modified.
    scale
        Which scale to draw (needed when ``scores`` holds several).
    ax
        Axes to draw on; a new Figure is made when None.
    individual
        Draw each participant's point (up to ``max_individual`` people). Set False for
        shareable reports.
    label
        Y-axis label (default: the scale id). Shown literally.
    min_n
        Timepoints with fewer scores are not drawn (small-cell suppression).
    score_range
        The instrument's possible range; the same y axis as :func:`plot_trajectories`.
    timepoint_labels
        The study's label for each timepoint id.
    max_individual
        Largest number of people drawn individually.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd, numpy as np
    >>> s = pd.DataFrame({"participant_id": list("abcdefgh") * 2, "timepoint": ["T1"] * 8 + ["T2"] * 8,
    ...                   "scale": "brs", "score": np.linspace(2, 4.5, 16)})
    >>> [round(float(v), 2) for v in plot_distribution(s, score_range=(1, 5)).get_ylim()]
    [0.84, 5.16]
    """
    d, name = _one_scale(scores, scale)
    levels = _levels(d, timepoint_labels)
    k = len(levels)
    by_t = _by_level(d, levels)
    counts = [len(v) for v in by_t]
    yr = y_limits(d[C.SCORE].to_numpy(dtype=float), score_range)
    res = _resolution(d[C.SCORE].to_numpy(dtype=float))
    show_points = individual and 0 < int(d[C.PARTICIPANT_ID].nunique()) <= max_individual
    shift = 0.0 if show_points else -0.12  # keep each timepoint's group centred on its tick
    ax = new_axes(ax, figsize=(_width(k) - 1.2, 4.0))
    with style():
        for i, v in enumerate(by_t):
            if len(v) < max(min_n, 1):
                continue
            if len(v) >= max(min_n, BAND_MIN_N) and np.ptp(v) > 0:
                grid, dens = _density(v, min_bandwidth=res, limits=score_range or (v.min(), v.max()))
                if dens.max() > 0:
                    ax.fill_betweenx(grid, i + shift, i + shift + 0.4 * dens / dens.max(), color=BLUE,
                                     alpha=0.35, lw=0, zorder=1)
            if len(v) >= max(min_n, BOX_MIN_N):
                ax.boxplot([v], positions=[i + shift - 0.1], widths=0.1, showfliers=False, patch_artist=True,
                           manage_ticks=False, boxprops={"facecolor": "white", "edgecolor": "black"},
                           medianprops={"color": ORANGE, "linewidth": 2}, zorder=2)
            if show_points:
                off = dodge(v, half_width=0.09, tie_tol=(yr[1] - yr[0]) / 150, max_step=0.012)
                ax.scatter(i - 0.3 + off, v, s=8, color=GREY, alpha=0.8, linewidths=0, zorder=3,
                           rasterized=_rasterize(len(v)))
        ax.set_xlim(-0.55, k - 0.45)
        ax.set_ylim(*yr)
        ax.grid(axis="x", visible=False)
        set_category_ticks(ax, _tick_labels(levels, counts, timepoint_labels, min_n),
                           ylabel=escape(label if label is not None else name))
    return ax
