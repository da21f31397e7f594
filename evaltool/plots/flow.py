"""Participant-flow diagram (TREND/CONSORT style), boxes sized to their text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ._layout import wrap_to_width
from ._style import BLUE, ORANGE, new_figure, style
from ._text import escape, tp_label

__all__ = ["plot_flow"]

_W = 7.0  # figure width, inches
_MAIN = (0.15, 2.95)  # x and width of the timepoint boxes, inches
_SIDE = (3.55, 3.3)  # x and width of the side boxes, inches
_PAD = 0.12
_GAP = 0.38
_FS_HEAD, _FS_MAIN, _FS_SIDE = 9.5, 9.0, 8.5
_ENTRY_GAP = 0.3  # space between side-box entries, in lines


def _pitch(fontsize: float) -> float:
    """Height of one line, inches: 1.25 em, so the boxes of consecutive lines never touch."""
    return fontsize * 1.25 / 72


def _entry(text: str, width_pt: float, fontsize: float) -> list[tuple[str, float]]:
    """One side-box entry as lines with their indents (inches): continuation lines hang, so
    entries stay apart. Each line is drawn on its own (leading spaces would be lost in SVG)."""
    lines = wrap_to_width(text, width_pt, fontsize).split("\n")
    indent = fontsize * 1.5
    if len(lines) == 1:
        return [(lines[0], 0.0)]
    rest = wrap_to_width(" ".join(lines[1:]), width_pt - indent, fontsize).split("\n")
    return [(lines[0], 0.0), *((r, indent / 72) for r in rest)]


def _draw_lines(ax: Any, x: float, top: float, lines: list[tuple[str, float]], fontsize: float,
                **kw: Any) -> None:
    """Draw ``lines`` one text per line, each in a slot of :func:`_pitch` from ``top`` down."""
    for k, (line, indent) in enumerate(lines):
        baseline = top - k * _pitch(fontsize) - 0.98 * fontsize / 72
        ax.text(x + indent, baseline, line, va="baseline", fontsize=fontsize, **kw)


def plot_flow(flow_table: pd.DataFrame, *, ax: Any = None, title: str | None = None,
              timepoint_labels: Mapping[Any, Any] | None = None) -> Any:
    """Participant-flow diagram (TREND/CONSORT style) from :func:`evaltool.stats.flow`.

    One box per timepoint with the number who responded, and a side box with the numbers
    excluded (by reason) and lost since the previous timepoint. Text is wrapped to its box and
    each box is as tall as its text, so nothing runs outside a box. Each line is its own
    text, one line height (1.25 em) apart, and an entry's continuation lines hang.

    Parameters
    ----------
    flow_table
        The output of :func:`evaltool.stats.flow` (``timepoint, stage, detail, n``). Not
        modified.
    ax
        Axes to draw on; a new Figure (sized to the diagram) is made when None. A given Axes
        is used in inch units and should be about 7 inches wide.
    title
        Title (default "Participant flow").
    timepoint_labels
        The study's label for each timepoint id (shown instead of the id).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"timepoint": ["T1", "T1", "T2", "T2"], "stage": ["received", "responded",
    ...                   "responded", "lost since previous"], "detail": ["", "", "", "T1"], "n": [5, 4, 3, 1]})
    >>> ax = plot_flow(f, timepoint_labels={"T1": "Baseline"})
    >>> ax.get_title(loc="left"), ax.texts[0].get_text()
    ('Participant flow', 'Baseline')
    """

    rows = []
    for t in dict.fromkeys(flow_table["timepoint"]):
        f = flow_table[flow_table["timepoint"] == t]

        def get(stage: str, f: pd.DataFrame = f) -> int:
            v = f.loc[f["stage"] == stage, "n"]
            return int(v.iloc[0]) if len(v) else 0

        head = wrap_to_width(tp_label(t, timepoint_labels), (_MAIN[1] - 2 * _PAD) * 72, _FS_HEAD,
                             weight="bold").split("\n")
        body = f"{get('responded')} responded"
        rec = get("received")
        if rec:
            body += f"\n{rec} responses received"
        body_lines = wrap_to_width(body, (_MAIN[1] - 2 * _PAD) * 72, _FS_MAIN).split("\n")
        side = [f"excluded: {int(r.n)} {escape(r.detail)}" for r in f[f["stage"] == "excluded"].itertuples()]
        side += [f"not seen since {tp_label(r.detail, timepoint_labels)}: {int(r.n)}"
                 for r in f[f["stage"] == "lost since previous"].itertuples()]
        side += [f"returned after a gap: {int(r.n)}"
                 for r in f[f["stage"] == "returned"].itertuples() if r.n]
        entries = [_entry(e, (_SIDE[1] - 2 * _PAD) * 72, _FS_SIDE) for e in side]
        main_h = len(head) * _pitch(_FS_HEAD) + 0.04 + len(body_lines) * _pitch(_FS_MAIN)
        side_h = (sum(len(e) for e in entries) * _pitch(_FS_SIDE)
                  + _ENTRY_GAP * _pitch(_FS_SIDE) * max(len(entries) - 1, 0))
        h = max(main_h, side_h) + 2 * _PAD
        rows.append((head, body_lines, entries, main_h, side_h, h))
    title_h = 0.45  # the title's band; then the rows, _GAP apart
    height = title_h + sum(r[-1] for r in rows) + _GAP * max(len(rows) - 1, 0) + 0.15
    if ax is None:
        with style():
            fig = new_figure(figsize=(_W, height))
            ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    with style():
        ax.set_xlim(0, _W)
        ax.set_ylim(0, height)
        ax.axis("off")
        ax.grid(False)
        top = height - title_h
        for i, row in enumerate(rows):
            top = _draw_row(ax, row, top, last=i == len(rows) - 1)
        ax.set_title(escape(title) if title is not None else "Participant flow", loc="left",
                     x=_MAIN[0] / _W, y=(height - 0.38) / height, pad=0)
    return ax


def _draw_row(ax: Any, row: tuple[Any, ...], top: float, *, last: bool) -> float:
    """One timepoint's main box, its side box with an arrow to it, and the arrow down to the
    next timepoint; returns the top of the next row."""
    from matplotlib.patches import FancyBboxPatch

    head, body_lines, entries, main_h, side_h, h = row
    y0 = top - h
    mid = y0 + h / 2
    ax.add_patch(FancyBboxPatch((_MAIN[0], y0), _MAIN[1], h, boxstyle="round,pad=0,rounding_size=0.06",
                                fc="#EAF2FA", ec=BLUE, lw=1.2))
    cx = _MAIN[0] + _MAIN[1] / 2
    text_top = mid + main_h / 2
    _draw_lines(ax, cx, text_top, [(ln, 0.0) for ln in head], _FS_HEAD, ha="center",
                fontweight="bold")
    _draw_lines(ax, cx, text_top - len(head) * _pitch(_FS_HEAD) - 0.04,
                [(ln, 0.0) for ln in body_lines], _FS_MAIN, ha="center")
    if entries:
        ax.add_patch(FancyBboxPatch((_SIDE[0], y0), _SIDE[1], h,
                                    boxstyle="round,pad=0,rounding_size=0.06", fc="#FFF6E5",
                                    ec=ORANGE, lw=1.0))
        entry_top = mid + side_h / 2
        for e in entries:
            _draw_lines(ax, _SIDE[0] + _PAD, entry_top, e, _FS_SIDE, ha="left")
            entry_top -= (len(e) + _ENTRY_GAP) * _pitch(_FS_SIDE)
        ax.annotate("", xy=(_SIDE[0], mid), xytext=(_MAIN[0] + _MAIN[1], mid),
                    arrowprops={"arrowstyle": "->", "color": ORANGE, "shrinkA": 0, "shrinkB": 0})
    if not last:
        ax.annotate("", xy=(cx, y0 - _GAP), xytext=(cx, y0),
                    arrowprops={"arrowstyle": "->", "color": BLUE, "lw": 1.4, "shrinkA": 0,
                                "shrinkB": 0})
    return y0 - _GAP
