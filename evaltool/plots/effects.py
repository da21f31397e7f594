"""Effect-size forest plot and the Jacobson–Truax (reliable change) scatter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ._layout import axis_label, fit_axis_labels, legend_outside, wrap_to_width
from ._style import BLUE, GREY, ORANGE, RASTERIZE_ABOVE, VERMILION, new_axes, style
from ._text import contrast_text, escape, estimate_label, interval, num, percent, tp_label, typeset
from .flow import plot_flow

__all__ = ["plot_flow", "plot_forest", "plot_reliable_change"]

# what each standardised effect divides by (for the default axis label)
_EXPLAIN = {
    "d_av": "mean change / mean of the two SDs",
    "g_av": "mean change / mean of the two SDs, small-sample corrected",
    "d_z": "mean change / SD of the changes",
    "g_z": "mean change / SD of the changes, small-sample corrected",
}
_LABEL_IN = 2.3  # widest label column, inches
_MIN_AREA = 3.0  # smallest marker area in the reliable-change plot, points²
_HIGHER = ("higher_better",)
_LOWER = ("higher_worse", "lower_better")


def _direction(value: Any) -> bool | None:
    """True for higher-is-better, False for lower-is-better, None when unknown (None/NaN/"")."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() == "":
        return None
    s = str(value).strip()
    if s in _HIGHER:
        return True
    if s in _LOWER:
        return False
    raise ParameterError(f"a scale's direction must be one of {list(_HIGHER + _LOWER)}. Got {value!r} instead.")


def _confidence_of(table: pd.DataFrame, confidence: float | None) -> float:
    if confidence is not None:
        return float(confidence)
    if "confidence" in table.columns:
        levels = pd.unique(table["confidence"].dropna())
        if len(levels) == 1:
            return float(levels[0])
        if len(levels) > 1:
            raise ParameterError(f"the table mixes confidence levels {sorted(levels)}.",
                                 fix="plot one level at a time, or pass confidence=.")
    return 0.95


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
    lo = ci_low or (f"{estimate}_ci_low" if f"{estimate}_ci_low" in table.columns else "ci_low")
    hi = ci_high or (f"{estimate}_ci_high" if f"{estimate}_ci_high" in table.columns else "ci_high")
    for c in (estimate, lo, hi):
        if c not in table.columns:
            raise ParameterError(f"the table has no column {c!r}.", fix=f"columns: {list(table.columns)}")
    from matplotlib.lines import Line2D

    level = _confidence_of(table, confidence)
    direction = dict(direction) if direction is not None else None  # a Series works too
    d = table.reset_index(drop=True)
    cols = [c for c in label_columns if c in d.columns]
    grouped = len(cols) >= 2
    head_col: str = cols[0] if grouped else ""
    row_cols = cols[1:] if grouped else cols
    has_times = {"time_from", "time_to"} <= set(d.columns)
    froms: list[Any] = list(pd.unique(d["time_from"].astype(object))) if has_times else []
    common_from = froms[0] if len(froms) == 1 and "contrast" in row_cols else None

    def row_label(r: pd.Series) -> str:
        parts = []
        for c in row_cols:
            if c == "contrast" and common_from is not None:
                parts.append(tp_label(r["time_to"], timepoint_labels))
            elif c == "contrast" and timepoint_labels and has_times:
                parts.append(f"{tp_label(r['time_to'], timepoint_labels)} vs "
                             f"{tp_label(r['time_from'], timepoint_labels)}")
            elif c == "contrast":
                parts.append(contrast_text(r[c]))
            else:
                parts.append(escape(r[c]))
        return " · ".join(parts)

    def dir_of(r: pd.Series) -> bool | None:
        if "direction" in d.columns and _direction(r["direction"]) is not None:
            return _direction(r["direction"])
        if direction:
            for key in ([r["scale"]] if "scale" in d.columns else []) + ([r[head_col]] if grouped else []):
                if key in direction:
                    return _direction(direction[key])
        return None

    # layout from the top: a header row at y = 0, then headings (as tall as their text) and rows
    entries: list[tuple[str, float, str, Any]] = []
    cur = -1.0
    prev: Any = object()
    for _, r in d.iterrows():
        if grouped and r[head_col] != prev:
            cur -= 0.4 if entries else 0.0
            text = wrap_to_width(escape(r[head_col]), _LABEL_IN * 72, 9.0, weight="bold")
            h = 0.5 + 0.5 * (text.count("\n") + 1)
            entries.append(("head", cur - (h - 1) / 2, text, r))
            cur -= h
            prev = r[head_col]
        text = wrap_to_width(row_label(r), _LABEL_IN * 72, 9.0)
        h = 0.5 + 0.5 * (text.count("\n") + 1)
        entries.append(("row", cur - (h - 1) / 2, text, r))
        cur -= h
    bottom = cur + 0.4
    header = "" if common_from is None else wrap_to_width(
        f"change from {tp_label(common_from, timepoint_labels)} to", _LABEL_IN * 72, 9.0)
    top = 0.35 + 0.25 * (header.count("\n") + 1)
    ax = new_axes(ax, figsize=(7.0, 0.27 * (top - bottom) + 1.5))
    with style():
        est = d[estimate].to_numpy(dtype=float)
        low, high = d[lo].to_numpy(dtype=float), d[hi].to_numpy(dtype=float)
        finite = np.r_[low, high, est, 0.0]
        finite = finite[np.isfinite(finite)]
        xmin, xmax = float(finite.min()), float(finite.max())
        span = max(xmax - xmin, 0.5)
        ax.set_xlim(xmin - 0.08 * span, xmax + 0.08 * span)
        ax.axvline(0, color="black", lw=0.8, zorder=1.8)
        seen: dict[str, str] = {}
        value_texts = []
        for kind, yy, _, r in entries:
            if kind != "row":
                continue
            e, a, b = float(r[estimate]), float(r[lo]), float(r[hi])
            better = dir_of(r)
            excludes = bool(a > 0 or b < 0)
            if not excludes or np.isnan(e):
                colour, key = GREY, "CI includes 0"
            elif better is None:
                colour, key = BLUE, "CI excludes 0"
            elif (e > 0) == better:
                colour, key = BLUE, "improvement (CI excludes 0)"
            else:
                colour, key = VERMILION, "worsening (CI excludes 0)"
            seen.setdefault(key, colour)
            ax.hlines(yy, a, b, colors=colour, lw=2, zorder=2)
            ax.scatter([e], [yy], color=colour, s=40, zorder=3, marker="s")
            value_texts.append((yy, f"{num(e)} {interval(a, b)}"))
        ticks = [(yy, text, kind) for kind, yy, text, _ in entries]
        if common_from is not None:
            ticks.insert(0, (0.0, header, "header"))
        ax.set_yticks([t[0] for t in ticks])
        ax.set_yticklabels([t[1] for t in ticks])
        for lab, (_, _, kind) in zip(ax.get_yticklabels(), ticks, strict=True):
            if kind == "head":
                lab.set_fontweight("bold")
            elif kind == "header":
                lab.set_fontstyle("italic")
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        ax.set_ylim(bottom, top)
        ax.grid(axis="x", color="#E5E5E5")
        ax.grid(axis="y", visible=False)
        est_lab = estimate_label(estimate)
        if show_values:
            for yy, text in value_texts:
                ax.annotate(text, xy=(1.0, yy), xycoords=("axes fraction", "data"), xytext=(10, 0),
                            textcoords="offset points", ha="left", va="center", fontsize=8.5)
            ax.annotate(f"{est_lab} [{percent(level)} CI]", xy=(1.0, 0.0), xycoords=("axes fraction", "data"),
                        xytext=(10, 0), textcoords="offset points", ha="left", va="center", fontsize=8.5,
                        fontweight="bold")
        if grouped:
            cues = [(yy, dir_of(r)) for kind, yy, _, r in entries if kind == "head"]
        else:
            dirs = {dir_of(r) for kind, _, _, r in entries if kind == "row"}
            cues = [(0.0, dirs.pop())] if len(dirs) == 1 else []
        for yy, better in cues:
            if better is None:
                continue
            ax.annotate("improvement \u2192" if better else "\u2190 improvement", xy=(0, yy),
                        xytext=(5 if better else -5, 0), textcoords="offset points",
                        ha="left" if better else "right", va="center", fontsize=8, color=BLUE,
                        fontstyle="italic", zorder=4)
        if xlabel is None:
            why = _EXPLAIN.get(estimate)
            xlabel_text = f"{est_lab} ({why}) with {percent(level)} CI" if why else \
                f"{est_lab} with {percent(level)} CI"
        else:
            xlabel_text = typeset(xlabel)
        axis_label(ax, xlabel_text, "x", fraction=1.5)
        order = ["improvement (CI excludes 0)", "CI excludes 0", "worsening (CI excludes 0)", "CI includes 0"]
        keys = [k for k in order if k in seen]
        handles = [Line2D([], [], color=seen[k], marker="s", lw=2, ms=6) for k in keys]
        ax.legend(handles, keys, loc="lower left", bbox_to_anchor=(0.0, 1.02), ncol=min(len(keys), 2),
                  borderaxespad=0.0, handlelength=1.6, columnspacing=1.2)
        _fit_cues(ax)
    return ax


def _fit_cues(ax: Any) -> None:
    """Widen the x range until every improvement cue sits inside the axes."""
    fig = ax.figure
    for _ in range(3):
        fig.draw_without_rendering()
        box = ax.get_window_extent()
        cues = [t for t in ax.texts if "improvement" in t.get_text()]
        over_left = max([box.x0 - t.get_window_extent().x0 for t in cues] + [0.0])
        over_right = max([t.get_window_extent().x1 - box.x1 for t in cues] + [0.0])
        if over_left <= 0 and over_right <= 0:
            return
        x0, x1 = ax.get_xlim()
        per_px = (x1 - x0) / box.width
        margin = 6
        ax.set_xlim(x0 - (over_left + margin) * per_px * (over_left > 0) * 1.3,
                    x1 + (over_right + margin) * per_px * (over_right > 0) * 1.3)


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
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    pre = np.asarray(pre, dtype=float)
    post = np.asarray(post, dtype=float)
    ok = ~np.isnan(pre) & ~np.isnan(post)
    pre, post = pre[ok], post[ok]
    if scale_label is not None:
        t0, t1 = time_labels or ("baseline", "follow-up")
        xlab = f"{escape(scale_label)} at {escape(t0)}"
        ylab = f"{escape(scale_label)} at {escape(t1)}"
    else:
        xlab, ylab = escape(labels[0]), escape(labels[1])
        if labels[1].startswith("at ") and " at " in labels[0]:
            ylab = escape(labels[0].rsplit(" at ", 1)[0] + " " + labels[1])
    ax = new_axes(ax, figsize=(7.0, 4.6))
    with style():
        both = np.r_[pre, post, list(score_range or [])]
        lo = float(np.min(both)) if len(both) else 0.0
        hi = float(np.max(both)) if len(both) else 1.0
        if hi <= lo:
            lo, hi = lo - 0.5, hi + 0.5
        pad = (hi - lo) * (0.04 if score_range else 0.08)
        grid = np.array([lo - pad, hi + pad])
        band = z * se_diff
        ax.fill_between(grid, grid - band, grid + band, color="#EEEEEE", zorder=0, lw=0)
        ax.plot(grid, grid, color=GREY, lw=1, zorder=1)
        diff = post - pre
        up, down = diff > band, diff < -band
        better, worse = (up, down) if higher_is_better else (down, up)
        cat = np.where(better, 0, np.where(worse, 1, 2))
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
        n = max(len(pre), 1)
        counts = [int(better.sum()), int(worse.sum()), int((cat == 2).sum())]
        handles: list[Any] = [
            Line2D([], [], color=BLUE, marker="o", lw=0, ms=6),
            Line2D([], [], color=VERMILION, marker="v", lw=0, ms=6),
            Line2D([], [], color=GREY, marker="o", lw=0, ms=6),
            Patch(color="#EEEEEE"),
        ]
        names = [f"{w}: {c:,} ({c / n:.0%})" for w, c in
                 zip(("improved", "deteriorated", "no reliable change"), counts, strict=True)]
        names.append(f"grey band: |RCI| \u2264 {num(z, None)}")
        if cutoff is not None:
            ax.axvline(cutoff, color=ORANGE, lw=1, ls="--")
            ax.axhline(cutoff, color=ORANGE, lw=1, ls="--")
            handles.append(Line2D([], [], color=ORANGE, lw=1, ls="--"))
            names.append(f"clinical cut-off ({num(cutoff, None)})")
        if max_n > 1:
            floor_n = max(1, int(_MIN_AREA / per_person))  # markers for up to this many share one size
            for k in _size_key(max_n, floor_n):
                handles.append(Line2D([], [], color=GREY, marker="o", lw=0,
                                      ms=float(np.sqrt(max(per_person * k, _MIN_AREA)))))
                names.append("1 person" if k == 1 else f"1\u2013{k:,} people" if k == floor_n else f"{k:,} people")
        ax.set_xlim(grid)
        ax.set_ylim(grid)
        ax.set_aspect("equal")
        ax.grid(axis="both", color="#F0F0F0")
        legend_outside(ax, handles, names, fontsize=8)
        fit_axis_labels(ax, xlabel=xlab, ylabel=ylab)
    return ax


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
