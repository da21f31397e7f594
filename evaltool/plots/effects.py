"""Effect-size forest plot and the Jacobson–Truax (reliable change) scatter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._forest import (
    ForestRows,
    ci_columns,
    colour_key,
    confidence_of,
    draw_intervals,
    fit_cues,
    improvement_cues,
    label_rows,
    value_column,
    x_label,
)
from ._layout import axis_label, fit_axis_labels, legend_outside
from ._style import BLUE, GREY, ORANGE, RASTERIZE_ABOVE, VERMILION, new_axes, style
from ._text import escape, estimate_label, num, percent
from .flow import plot_flow

__all__ = ["plot_flow", "plot_forest", "plot_reliable_change"]

_MIN_AREA = 3.0  # smallest marker area in the reliable-change plot, points²


def plot_forest(table: pd.DataFrame, *, estimate: str = "d_av", ci_low: str | None = None,
                ci_high: str | None = None, label_columns: Sequence[str] = ("scale", "contrast"),
                ax: Any = None, xlabel: str | None = None, confidence: float | None = None,
                direction: Mapping[Any, Any] | None = None,
                timepoint_labels: Mapping[Any, Any] | None = None, show_values: bool = True) -> Any:
    """Forest plot of effect sizes with confidence intervals, grouped by scale.

    Rows are grouped under a bold heading (the first of ``label_columns``, e.g. the scale's
    name); each row is a contrast. Beside each heading an arrow says which side is improvement
    for that scale ("improvement →", or "← improvement" for lower-is-better scales such as
    burnout), and the colours say whether the interval excludes zero in the improving (blue) or
    worsening (vermilion) direction, or includes zero (grey). The estimate and its interval are
    printed in a column to the right of the plot, clear of the zero line.

    Parameters
    ----------
    table
        e.g. the output of :func:`evaltool.stats.prepost` (``d_av, d_av_ci_low, d_av_ci_high``)
        or of the change-vs-baseline model table (``d`` or ``beta``). Not modified.
    estimate, ci_low, ci_high
        Column names (``ci_low``/``ci_high`` default to ``<estimate>_ci_low/_high`` or
        ``ci_low``/``ci_high``).
    label_columns
        The first names each group's heading, the rest (joined) each row. A ``contrast`` is
        shown as "later vs earlier" with the study's timepoint labels when the table has
        ``time_from``/``time_to`` and ``timepoint_labels`` are given, else as "T2 − T1".
    ax
        Axes to draw on; a new Figure is made when None.
    xlabel
        Axis label (default: the typeset estimate, what it divides by, and the CI level).
        Effect-size names in it (``d_av``, ``g_z`` …) are typeset with subscripts.
    confidence
        Level of the intervals (default: the table's ``confidence`` column, else 0.95).
    direction
        Each scale's direction, ``{scale: "higher_better" | "higher_worse"}`` (keys are the
        table's ``scale`` values, else its heading labels); a ``direction`` column in the table
        works too. Without it no improvement cue is drawn and colours only say whether the
        interval excludes zero.
    timepoint_labels
        The study's label for each timepoint id.
    show_values
        Print "estimate [low, high]" for each row to the right of the plot.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"scale": ["brs", "brs", "cbi"], "contrast": ["T2 - T1", "T3 - T1", "T3 - T1"],
    ...                   "d_av": [0.3, 0.4, -0.5], "d_av_ci_low": [0.1, 0.15, -0.8],
    ...                   "d_av_ci_high": [0.5, 0.65, -0.2]})
    >>> ax = plot_forest(t, direction={"brs": "higher_better", "cbi": "higher_worse"}, confidence=0.9)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['brs', 'T2 − T1', 'T3 − T1', 'cbi', 'T3 − T1']
    >>> ax.get_xlabel()
    '$d_{\\\\mathrm{av}}$ (mean change / mean of the two SDs) with 90% CI'
    """
    lo, hi = ci_columns(table, estimate, ci_low, ci_high)
    level = confidence_of(table, confidence)
    rows = ForestRows(table, label_columns, direction, timepoint_labels)
    entries, bottom = rows.layout()
    header = rows.header()
    top = 0.35 + 0.25 * (header.count("\n") + 1)
    ax = new_axes(ax, figsize=(7.0, 0.27 * (top - bottom) + 1.5))
    with style():
        seen, value_texts = draw_intervals(ax, rows, entries, estimate, lo, hi)
        label_rows(ax, entries, header, rows.common_from is not None, bottom, top)
        if show_values:
            value_column(ax, value_texts, f"{estimate_label(estimate)} [{percent(level)} CI]")
        improvement_cues(ax, rows, entries)
        axis_label(ax, x_label(xlabel, estimate, level), "x", fraction=1.5)
        colour_key(ax, seen)
        fit_cues(ax)
    return ax


def plot_reliable_change(pre: np.ndarray, post: np.ndarray, se_diff: float, *,
                         higher_is_better: bool = True, cutoff: float | None = None,
                         ax: Any = None, labels: tuple[str, str] = ("baseline", "follow-up"),
                         z: float = 1.96, scale_label: str | None = None,
                         time_labels: tuple[str, str] | None = None,
                         score_range: tuple[float, float] | None = None) -> Any:
    """Jacobson–Truax scatter: baseline vs later score, identity line and the ±z·SE_diff band.

    Points outside the band changed reliably; colours say improved (blue) or deteriorated
    (vermilion) given the instrument's direction. An optional clinical cut-off is drawn on
    both axes. Jacobson & Truax (1991), Figure 2.

    People with the same (or, at large n, nearly the same: within 1/200 of the range) pair of
    scores share one marker whose area grows with their number (a size key says how), so tied
    discrete scores never hide each other and 100,000 people draw as fast as 60.

    Parameters
    ----------
    pre, post
        Each person's baseline and later score (same order). Not modified.
    se_diff
        SE of the difference, e.g. the ``se_diff`` column of
        :func:`evaltool.stats.reliable_change`.
    higher_is_better
        The scale's direction (colours improvement accordingly).
    cutoff
        Clinical cut-off, drawn on both axes when given.
    ax
        Axes to draw on; a new Figure is made when None.
    labels
        Axis labels (x, y), used when ``scale_label`` is not given. A y label that starts with
        "at " (the older ``("Resilience at T1", "at T4")`` form) gets the scale name from the
        x label, so both axes name the scale.
    z
        Half-width of the band in SE_diff (1.96 for the usual 95% criterion).
    scale_label
        The scale's name; with ``time_labels`` the axes read "<scale> at <timepoint>".
    time_labels
        The two timepoints' labels (default "baseline", "follow-up").
    score_range
        The instrument's possible range, to draw both axes over it (default: the data's range).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> ax = plot_reliable_change(np.array([2.0, 3.0, 3.5]), np.array([3.5, 3.1, 2.0]), 0.5,
    ...                           scale_label="Resilience (BRS)", time_labels=("Baseline", "Follow-up"))
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('Resilience (BRS) at Baseline', 'Resilience (BRS) at Follow-up')
    """
    pre, post = _paired(pre, post)
    xlab, ylab = _rc_axis_labels(labels, scale_label, time_labels)
    ax = new_axes(ax, figsize=(7.0, 4.6))
    with style():
        grid = _rc_range(pre, post, score_range)
        band = z * se_diff
        ax.fill_between(grid, grid - band, grid + band, color="#EEEEEE", zorder=0, lw=0)
        ax.plot(grid, grid, color=GREY, lw=1, zorder=1)
        better, worse, cat = _rc_categories(post - pre, band, higher_is_better)
        max_n, per_person = _draw_people(ax, pre, post, cat, grid)
        handles, names = _rc_key([int(better.sum()), int(worse.sum()), int((cat == 2).sum())], max(len(pre), 1), z)
        if cutoff is not None:
            _draw_cutoff(ax, cutoff, handles, names)
        if max_n > 1:
            _add_size_key(max_n, per_person, handles, names)
        ax.set_xlim(grid)
        ax.set_ylim(grid)
        ax.set_aspect("equal")
        ax.grid(axis="both", color="#F0F0F0")
        legend_outside(ax, handles, names, fontsize=8)
        fit_axis_labels(ax, xlabel=xlab, ylabel=ylab)
    return ax


def _paired(pre: np.ndarray, post: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both scores as floats, without the people missing either."""
    pre = np.asarray(pre, dtype=float)
    post = np.asarray(post, dtype=float)
    ok = ~np.isnan(pre) & ~np.isnan(post)
    return pre[ok], post[ok]


def _rc_axis_labels(labels: tuple[str, str], scale_label: str | None,
                    time_labels: tuple[str, str] | None) -> tuple[str, str]:
    """"<scale> at <timepoint>" for both axes, else ``labels`` (a y label "at …" borrows the scale)."""
    if scale_label is not None:
        t0, t1 = time_labels or ("baseline", "follow-up")
        return f"{escape(scale_label)} at {escape(t0)}", f"{escape(scale_label)} at {escape(t1)}"
    xlab, ylab = escape(labels[0]), escape(labels[1])
    if labels[1].startswith("at ") and " at " in labels[0]:
        ylab = escape(labels[0].rsplit(" at ", 1)[0] + " " + labels[1])
    return xlab, ylab


def _rc_range(pre: np.ndarray, post: np.ndarray, score_range: tuple[float, float] | None) -> np.ndarray:
    """Both axes' range: the scores (or the instrument's range) with a margin."""
    both = np.r_[pre, post, list(score_range or [])]
    lo = float(np.min(both)) if len(both) else 0.0
    hi = float(np.max(both)) if len(both) else 1.0
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    pad = (hi - lo) * (0.04 if score_range else 0.08)
    return np.array([lo - pad, hi + pad])


def _rc_categories(diff: np.ndarray, band: float, higher_is_better: bool,
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Who improved and who deteriorated reliably, and each person's category (0 improved,
    1 deteriorated, 2 no reliable change)."""
    up, down = diff > band, diff < -band
    better, worse = (up, down) if higher_is_better else (down, up)
    return better, worse, np.where(better, 0, np.where(worse, 1, 2))


def _draw_people(ax: Any, pre: np.ndarray, post: np.ndarray, cat: np.ndarray, grid: np.ndarray,
                 ) -> tuple[int, float]:
    """One marker per category and cell of 1/200 of the range, its area growing with its number
    of people (unchanged drawn under the others); the largest number and the area per person."""
    step = (grid[1] - grid[0]) / 200
    cells = pd.DataFrame({"cx": np.round(pre / step), "cy": np.round(post / step), "cat": cat,
                          "x": pre, "y": post})
    agg = cells.groupby(["cat", "cx", "cy"], sort=True).agg(x=("x", "mean"), y=("y", "mean"),
                                                            n=("x", "size")).reset_index()
    max_n = int(agg["n"].max()) if len(agg) else 1
    per_person = min(24.0, 120.0 / max_n)
    sizes = np.maximum(per_person * agg["n"].to_numpy(dtype=float), _MIN_AREA)
    colours = np.array([BLUE, VERMILION, GREY])[agg["cat"].to_numpy(dtype=int)]
    markers = {0: "o", 1: "v", 2: "o"}
    for c in (2, 0, 1):  # unchanged under the others
        m = agg["cat"].to_numpy() == c
        if m.any():
            ax.scatter(agg.loc[m, "x"], agg.loc[m, "y"], s=sizes[m], color=colours[m], marker=markers[c],
                       alpha=0.85 if max_n > 1 else 1.0, linewidths=0.4, edgecolors="white",
                       zorder=3 if c < 2 else 2, rasterized=len(agg) > RASTERIZE_ABOVE)
    return max_n, per_person


def _rc_key(counts: list[int], n: int, z: float) -> tuple[list[Any], list[str]]:
    """The legend's categories with their counts (improved, deteriorated, unchanged) and shares
    of ``n`` people, and the band."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = [
        Line2D([], [], color=BLUE, marker="o", lw=0, ms=6),
        Line2D([], [], color=VERMILION, marker="v", lw=0, ms=6),
        Line2D([], [], color=GREY, marker="o", lw=0, ms=6),
        Patch(color="#EEEEEE"),
    ]
    names = [f"{w}: {c:,} ({c / n:.0%})" for w, c in
             zip(("improved", "deteriorated", "no reliable change"), counts, strict=True)]
    names.append(f"grey band: |RCI| \u2264 {num(z, None)}")
    return handles, names


def _draw_cutoff(ax: Any, cutoff: float, handles: list[Any], names: list[str]) -> None:
    """The clinical cut-off on both axes, and its legend entry."""
    from matplotlib.lines import Line2D

    ax.axvline(cutoff, color=ORANGE, lw=1, ls="--")
    ax.axhline(cutoff, color=ORANGE, lw=1, ls="--")
    handles.append(Line2D([], [], color=ORANGE, lw=1, ls="--"))
    names.append(f"clinical cut-off ({num(cutoff, None)})")


def _add_size_key(max_n: int, per_person: float, handles: list[Any], names: list[str]) -> None:
    """Legend entries for the marker sizes (markers for up to ``floor_n`` people share one size)."""
    from matplotlib.lines import Line2D

    floor_n = max(1, int(_MIN_AREA / per_person))
    for k in _size_key(max_n, floor_n):
        handles.append(Line2D([], [], color=GREY, marker="o", lw=0,
                              ms=float(np.sqrt(max(per_person * k, _MIN_AREA)))))
        names.append("1 person" if k == 1 else f"1\u2013{k:,} people" if k == floor_n else f"{k:,} people")


def _size_key(max_n: int, floor_n: int = 1) -> list[int]:
    """Counts for the marker-size key: the smallest marker, then round numbers up to the largest.

    Examples
    --------
    >>> _size_key(3), _size_key(150, 4), _size_key(2400, 60)
    ([1, 3], [4, 20, 100], [60, 500, 2000])
    """
    keys = [floor_n]
    for k in (2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000):
        if k <= max_n and k >= keys[-1] * 4:
            keys.append(k)
    if max_n > keys[-1] * 2:
        keys.append(max_n)
    elif len(keys) == 1 and max_n > floor_n:
        keys.append(max_n)
    return keys[:4]
