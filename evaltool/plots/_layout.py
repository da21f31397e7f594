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
    r"""Wrap at spaces so that each line is at most ``width_pt`` wide (a long word stays whole).

    Each line takes as many words as fit (greedy). A line is not grown one word at a time:
    the rest of the paragraph is measured first (usually it fits), else the longest fitting
    run of words is found by bisection (another word never makes a line narrower), so a
    label costs a few measurements rather than one per word (measuring mathtext parses it).

    Examples
    --------
    >>> wrap_to_width("one two three four five six", 60, 10)
    'one two\nthree four\nfive six'
    >>> wrap_to_width("short", 200, 10), wrap_to_width(" a  b", 200, 10)
    ('short', 'a  b')
    """
    out: list[str] = []
    limit = 0.97 * width_pt
    for para in text.split("\n"):
        words = para.split(" ")
        # words[:lo] make a line (up to the first non-empty word, always), words[:hi + 1] do not fit
        while (lo := next((i for i, w in enumerate(words) if w), len(words)) + 1) < len(words) \
                and text_width_pt(_line(words), fontsize, weight=weight) > limit:
            hi = len(words) - 1
            while lo < hi:
                mid = (lo + hi + 1) // 2
                lo, hi = (mid, hi) if text_width_pt(_line(words[:mid]), fontsize, weight=weight) <= limit \
                    else (lo, mid - 1)
            out.append(_line(words[:lo]))
            words = words[lo:]
        out.append(_line(words))
    return "\n".join(out)


def _line(words: list[str]) -> str:
    """Words joined by spaces, as a line grows word by word (empty words before the first
    one, from leading or repeated spaces, are dropped)."""
    line = ""
    for w in words:
        line = f"{line} {w}" if line else w
    return line


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
