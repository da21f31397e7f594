"""Participant-flow diagram (TREND/CONSORT style), boxes sized to their text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ._layout import wrap_to_width
from ._style import BLUE, ORANGE, style
from ._text import escape, tp_label

__all__ = ["plot_flow"]

_W = 7.0  # figure width, inches
_MAIN = (0.15, 2.95)  # x and width of the timepoint boxes, inches
_SIDE = (3.55, 3.3)  # x and width of the side boxes, inches
_PAD = 0.12
_GAP = 0.38
_FS_HEAD, _FS_MAIN, _FS_SIDE = 9.5, 9.0, 8.5


def _lines(text: str, fontsize: float) -> float:
    return (text.count("\n") + 1) * fontsize * 1.25 / 72 if text else 0.0


def _hanging(text: str, width_pt: float, fontsize: float) -> str:
    """Wrap one entry, indenting its continuation lines so entries stay apart."""
    lines = wrap_to_width(text, width_pt, fontsize).split("\n")
    if len(lines) == 1:
        return lines[0]
    rest = wrap_to_width(" ".join(lines[1:]), width_pt - fontsize * 1.5, fontsize).split("\n")
    return "\n".join([lines[0], *("    " + r for r in rest)])


def plot_flow(flow_table: pd.DataFrame, *, ax: Any = None, title: str | None = None,
              timepoint_labels: Mapping[Any, Any] | None = None) -> Any:
    """Participant-flow diagram (TREND/CONSORT style) from :func:`evaltool.stats.flow`.

    One box per timepoint with the number who responded, and a side box with the numbers
    excluded (by reason) and lost since the previous timepoint. Text is wrapped to its box and
    each box is as tall as its text, so nothing runs outside a box.

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
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch

    tps = list(dict.fromkeys(flow_table["timepoint"]))
    rows = []
    for t in tps:
        f = flow_table[flow_table["timepoint"] == t]

        def get(stage: str, f: pd.DataFrame = f) -> int:
            v = f.loc[f["stage"] == stage, "n"]
            return int(v.iloc[0]) if len(v) else 0

        head = wrap_to_width(tp_label(t, timepoint_labels), (_MAIN[1] - 2 * _PAD) * 72, _FS_HEAD,
                             weight="bold")
        body = f"{get('responded')} responded"
        rec = get("received")
        if rec:
            body += f"\n{rec} responses received"
        body = wrap_to_width(body, (_MAIN[1] - 2 * _PAD) * 72, _FS_MAIN)
        side = [f"excluded: {int(r.n)} {escape(r.detail)}" for r in f[f["stage"] == "excluded"].itertuples()]
        side += [f"not seen since {tp_label(r.detail, timepoint_labels)}: {int(r.n)}"
                 for r in f[f["stage"] == "lost since previous"].itertuples()]
        side += [f"returned after a gap: {int(r.n)}"
                 for r in f[f["stage"] == "returned"].itertuples() if r.n]
        side_text = "\n".join(_hanging(s, (_SIDE[1] - 2 * _PAD) * 72, _FS_SIDE) for s in side)
        main_h = _lines(head, _FS_HEAD) + 0.06 + _lines(body, _FS_MAIN)
        h = max(main_h, _lines(side_text, _FS_SIDE)) + 2 * _PAD
        rows.append((head, body, side_text, main_h, h))
    title_h = 0.45
    height = title_h + sum(r[4] for r in rows) + _GAP * max(len(rows) - 1, 0) + 0.15
    if ax is None:
        with style():
            fig = Figure(figsize=(_W, height))
            ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    with style():
        ax.set_xlim(0, _W)
        ax.set_ylim(0, height)
        ax.axis("off")
        ax.grid(False)
        top = height - title_h
        for i, (head, body, side_text, main_h, h) in enumerate(rows):
            y0 = top - h
            mid = y0 + h / 2
            ax.add_patch(FancyBboxPatch((_MAIN[0], y0), _MAIN[1], h, boxstyle="round,pad=0,rounding_size=0.06",
                                        fc="#EAF2FA", ec=BLUE, lw=1.2))
            cx = _MAIN[0] + _MAIN[1] / 2
            text_top = mid + main_h / 2
            ax.text(cx, text_top, head, ha="center", va="top", fontsize=_FS_HEAD, fontweight="bold",
                    linespacing=1.1)
            ax.text(cx, text_top - _lines(head, _FS_HEAD) - 0.06, body, ha="center", va="top",
                    fontsize=_FS_MAIN, linespacing=1.1)
            if side_text:
                ax.add_patch(FancyBboxPatch((_SIDE[0], y0), _SIDE[1], h,
                                            boxstyle="round,pad=0,rounding_size=0.06", fc="#FFF6E5",
                                            ec=ORANGE, lw=1.0))
                ax.text(_SIDE[0] + _PAD, mid, side_text, ha="left", va="center", fontsize=_FS_SIDE,
                        linespacing=1.1)
                ax.annotate("", xy=(_SIDE[0], mid), xytext=(_MAIN[0] + _MAIN[1], mid),
                            arrowprops={"arrowstyle": "->", "color": ORANGE, "shrinkA": 0, "shrinkB": 0})
            if i < len(rows) - 1:
                ax.annotate("", xy=(cx, y0 - _GAP), xytext=(cx, y0),
                            arrowprops={"arrowstyle": "->", "color": BLUE, "lw": 1.4, "shrinkA": 0,
                                        "shrinkB": 0})
            top = y0 - _GAP
        ax.set_title(escape(title) if title is not None else "Participant flow", loc="left",
                     x=_MAIN[0] / _W, y=(height - 0.38) / height, pad=0)
    return ax
