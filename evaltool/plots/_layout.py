"""Placing text: legends outside the data, tick labels that fit, labels wrapped to their axis."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from ._style import lay_out

_DPI = 100  # the figures' screen dpi, at which the layout is computed and tested


@lru_cache(maxsize=4096)
def text_width_pt(text: str, fontsize: float, *, weight: str = "normal") -> float:
    """Width of ``text`` (its widest line) in points, as the Agg renderer lays it out."""
    from matplotlib.cbook import is_math_text
    from matplotlib.font_manager import FontProperties

    renderer = _renderer()
    prop = FontProperties(size=fontsize, weight=weight)
    widths = [0.0]
    for line in text.split("\n"):
        if line.strip():
            ismath = bool(is_math_text(line))
            shown = line if ismath else line.replace(r"\$", "$")
            widths.append(float(renderer.get_text_width_height_descent(shown, prop, ismath)[0]))
    return max(widths) * 72 / _DPI


@lru_cache(maxsize=1)
def _renderer() -> Any:
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(10, 10, _DPI)


def wrap_to_width(text: str, width_pt: float, fontsize: float, *, weight: str = "normal") -> str:
    """Wrap at spaces so that each line is at most ``width_pt`` wide (a long word stays whole)."""
    out: list[str] = []
    for para in text.split("\n"):
        words = para.split(" ")
        line = ""
        for w in words:
            trial = f"{line} {w}" if line else w
            if line and text_width_pt(trial, fontsize, weight=weight) > 0.97 * width_pt:
                out.append(line)
                line = w
            else:
                line = trial
        out.append(line)
    return "\n".join(out)


def legend_outside(ax: Any, handles: Sequence[Any] | None = None, labels: Sequence[str] | None = None,
                   **kwargs: Any) -> Any:
    """A legend to the right of the axes, top-aligned: it can never cover a data point."""
    kw: dict[str, Any] = {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "borderaxespad": 0.0,
                          "handlelength": 1.6, **kwargs}
    if handles is not None:
        return ax.legend(list(handles), list(labels or []), **kw)
    return ax.legend(**kw)


def axis_label(ax: Any, text: str, which: str = "y", *, fraction: float = 1.0) -> None:
    """Set an axis label, wrapped so that it is no longer than its axis."""
    fig = ax.figure
    pos = ax.get_position()
    fontsize = float(ax.yaxis.label.get_size() if which == "y" else ax.xaxis.label.get_size())
    length_in = (pos.height * fig.get_figheight() if which == "y" else pos.width * fig.get_figwidth())
    label = wrap_to_width(text, max(length_in * 72 * fraction, 60.0), fontsize)
    if which == "y":
        ax.set_ylabel(label)
    else:
        ax.set_xlabel(label)


def set_category_ticks(ax: Any, labels: Sequence[str], *, ylabel: str | None = None) -> None:
    """Category tick labels on the x axis that never overlap, and a y label that fits its axis.

    Each label is wrapped to its slot (again after layout, when the legend has taken its
    share of the width). If neighbours still touch, every second
    label moves to a second row (wrapped to two slots); if even that is too crowded, the labels
    are set on one line each and turned 40°. The y label (if given) is then wrapped to the
    laid-out axes height, so it never runs off the figure.
    """
    from matplotlib.ticker import FixedFormatter, FixedLocator, NullFormatter, NullLocator

    k = max(len(labels), 1)
    fig = ax.figure
    fontsize = float(ax.xaxis.get_ticklabels()[0].get_size()) if ax.xaxis.get_ticklabels() else 9.0
    slot_pt = ax.get_position().width * fig.get_figwidth() * 72 / k
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels([wrap_to_width(lab, 0.9 * slot_pt, fontsize) for lab in labels])
    if ylabel is not None:
        axis_label(ax, ylabel, "y", fraction=0.8)
    lay_out(fig)
    if _crowded(ax, "major"):  # wrap again to the slot the layout left
        slot_pt = ax.bbox.width * 72 / fig.dpi / k
        ax.set_xticklabels([wrap_to_width(lab, 0.9 * slot_pt, fontsize) for lab in labels])
        lay_out(fig)
    if _crowded(ax, "major"):
        slot_pt = ax.bbox.width * 72 / fig.dpi / k
        wrapped = [wrap_to_width(lab, 1.8 * slot_pt, fontsize) for lab in labels]
        ax.xaxis.set_major_locator(FixedLocator(list(range(0, len(labels), 2))))
        ax.xaxis.set_major_formatter(FixedFormatter(wrapped[0::2]))
        ax.xaxis.set_minor_locator(FixedLocator(list(range(1, len(labels), 2))))
        ax.xaxis.set_minor_formatter(FixedFormatter(wrapped[1::2]))
        rows = max(w.count("\n") + 1 for w in wrapped[0::2])
        major = ax.xaxis.get_major_ticks()[0]
        ax.tick_params(axis="x", which="minor", length=major.tick1line.get_markersize(),
                       width=major.tick1line.get_markeredgewidth(), labelsize=fontsize,
                       pad=major.get_pad() + rows * fontsize * 1.2 + 3)
        lay_out(fig)
        if _crowded(ax, "major") or _crowded(ax, "minor"):
            ax.xaxis.set_minor_locator(NullLocator())
            ax.xaxis.set_minor_formatter(NullFormatter())
            ax.set_xticks(range(len(labels)))
            ax.set_xticklabels([lab.replace("\n", ", ") for lab in labels], rotation=40, ha="right",
                               rotation_mode="anchor")
            lay_out(fig)
    if ylabel is not None:
        height_pt = ax.bbox.height * 72 / fig.dpi
        ax.set_ylabel(wrap_to_width(ylabel, max(0.95 * height_pt, 60.0), float(ax.yaxis.label.get_size())))


def fit_axis_labels(ax: Any, *, xlabel: str | None = None, ylabel: str | None = None) -> None:
    """Set axis labels wrapped to the axes' size after layout (one layout pass)."""
    fig = ax.figure
    if xlabel is not None:
        axis_label(ax, xlabel, "x", fraction=0.9)
    if ylabel is not None:
        axis_label(ax, ylabel, "y", fraction=0.7)
    lay_out(fig)
    box = ax.get_position()  # after layout, in figure fractions
    if xlabel is not None:
        ax.set_xlabel(wrap_to_width(xlabel, max(0.98 * box.width * fig.get_figwidth() * 72, 60.0),
                                    float(ax.xaxis.label.get_size())))
    if ylabel is not None:
        ax.set_ylabel(wrap_to_width(ylabel, max(0.95 * box.height * fig.get_figheight() * 72, 60.0),
                                    float(ax.yaxis.label.get_size())))


def _crowded(ax: Any, which: str) -> bool:
    ticks = ax.xaxis.get_major_ticks() if which == "major" else ax.xaxis.get_minor_ticks()
    locs = ax.xaxis.get_majorticklocs() if which == "major" else ax.xaxis.get_minorticklocs()
    texts = [t.label1 for t, _ in zip(ticks, locs, strict=False) if t.label1.get_text()]
    boxes = sorted((t.get_window_extent() for t in texts), key=lambda b: b.x0)
    return any(a.x1 + 3 > b.x0 for a, b in zip(boxes, boxes[1:], strict=False))


__all__ = ["axis_label", "fit_axis_labels", "legend_outside", "set_category_ticks", "text_width_pt",
           "wrap_to_width"]
