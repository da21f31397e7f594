"""Layout checks for matplotlib figures, from the renderer's own text extents.

``layout_problems(fig)`` lists, in words, every pair of drawn texts (tick labels, axis labels,
titles, annotations, legend texts) whose boxes overlap, every text that leaves the figure,
every legend that covers a data point, and every text crossed by a vertical reference line
(e.g. a forest plot's zero line). An empty list means the figure is clean.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.transforms import Bbox

TOL = 0.5  # pixels of overlap forgiven (anti-aliasing)


def _drawn_tick_labels(fig: Any) -> tuple[set[int], set[int]]:
    """(ids of tick labels that are drawn, ids of all tick labels)."""
    drawn: set[int] = set()
    every: set[int] = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            ticks = axis.get_major_ticks() + axis.get_minor_ticks()
            for tick in ticks:
                every.update({id(tick.label1), id(tick.label2)})
            if not (ax.axison and axis.get_visible()):
                continue
            lo, hi = sorted(axis.get_view_interval())
            eps = 1e-9 * max(hi - lo, 1.0)
            for tick, loc in zip(axis.get_major_ticks(), axis.get_majorticklocs(), strict=False):
                if lo - eps <= loc <= hi + eps:
                    for lab in (tick.label1, tick.label2):
                        if lab.get_visible():
                            drawn.add(id(lab))
    return drawn, every


def drawn_texts(fig: Any) -> list[tuple[Text, Bbox]]:
    """Every text the renderer draws, with its box in display pixels."""
    fig.draw_without_rendering()
    drawn, every = _drawn_tick_labels(fig)
    out = []
    for t in fig.findobj(match=Text):
        if not t.get_visible() or not t.get_text().strip():
            continue
        if id(t) in every and id(t) not in drawn:
            continue
        legend = _legend_of(t)
        if legend is not None and not legend.get_visible():
            continue
        out.append((t, t.get_window_extent()))
    return out


def _legend_of(t: Text) -> Legend | None:
    for fig_ax in (t.axes, t.figure):
        if fig_ax is None:
            continue
        legends = [fig_ax.get_legend()] if hasattr(fig_ax, "get_legend") else []
        legends += list(getattr(fig_ax, "legends", []))
        for lg in legends:
            if lg is not None and t in lg.get_texts():
                return lg
    return None


def _overlap(a: Bbox, b: Bbox) -> bool:
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > TOL) and (min(a.y1, b.y1) - max(a.y0, b.y0) > TOL)


def _name(t: Text) -> str:
    return repr(t.get_text()[:40])


def data_points(ax: Any) -> np.ndarray:
    """Display coordinates of every data point and vertex drawn in ``ax``."""
    pts = [np.empty((0, 2))]
    for line in ax.lines:
        if line.get_visible():
            xy = line.get_xydata()
            if len(xy):
                pts.append(line.get_transform().transform(np.asarray(xy, dtype=float)))
    for c in ax.collections:
        if not c.get_visible():
            continue
        offsets = np.asarray(c.get_offsets(), dtype=float)
        if len(offsets) and c.get_offset_transform() is not None and len(c.get_paths()) <= 1:
            pts.append(c.get_offset_transform().transform(offsets))
        else:
            for p in c.get_paths():
                if len(p.vertices):
                    pts.append(c.get_transform().transform(p.vertices))
    out = np.concatenate(pts)
    return out[np.isfinite(out).all(axis=1)]


def layout_problems(fig: Any, *, vertical_lines: bool = True) -> list[str]:
    """Everything a reader would see as broken in the figure's text layout (empty when clean)."""
    problems: list[str] = []
    texts = drawn_texts(fig)
    fb = fig.bbox
    for t, bb in texts:
        if bb.x0 < fb.x0 - TOL or bb.y0 < fb.y0 - TOL or bb.x1 > fb.x1 + TOL or bb.y1 > fb.y1 + TOL:
            problems.append(f"{_name(t)} leaves the figure ({bb.bounds} outside {fb.bounds})")
    for i, (a, ba) in enumerate(texts):
        for b, bb in texts[i + 1:]:
            if _overlap(ba, bb):
                problems.append(f"{_name(a)} overlaps {_name(b)}")
    for ax in fig.axes:
        legends = [lg for lg in [ax.get_legend()] if lg is not None and lg.get_visible()]
        pts = data_points(ax)
        for lg in legends:
            lb = lg.get_window_extent()
            inside = ((pts[:, 0] > lb.x0) & (pts[:, 0] < lb.x1) & (pts[:, 1] > lb.y0) & (pts[:, 1] < lb.y1))
            if inside.any():
                problems.append(f"the legend covers {int(inside.sum())} data point(s)")
        if vertical_lines:
            problems += _crossed_by_vertical_lines(ax, texts)
    return problems


def _crossed_by_vertical_lines(ax: Any, texts: list[tuple[Text, Bbox]]) -> list[str]:
    """Texts drawn across a full-height vertical reference line (axvline) of ``ax``."""
    out = []
    abox = ax.get_window_extent()
    for line in ax.lines:
        x = np.asarray(line.get_xdata(), dtype=float)
        if len(x) != 2 or x[0] != x[1] or not isinstance(line, Line2D):
            continue
        y = np.asarray(line.get_ydata(), dtype=float)
        if not (y.min() <= 0 and y.max() >= 1):  # axvline spans the axes in axes coordinates
            continue
        px = line.get_transform().transform([[x[0], 0.5]])[0, 0]
        for t, bb in texts:
            if bb.x0 + TOL < px < bb.x1 - TOL and bb.y1 > abox.y0 + TOL and bb.y0 < abox.y1 - TOL:
                out.append(f"{_name(t)} is crossed by the line at x = {x[0]:g}")
    return out


__all__ = ["data_points", "drawn_texts", "layout_problems"]
