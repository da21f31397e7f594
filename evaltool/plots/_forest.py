"""The steps of :func:`evaltool.plots.plot_forest`: columns and rows, drawing the intervals,
the row labels, the value column, the improvement cues, the axis label and the colour key."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ._layout import wrap_to_width
from ._style import BLUE, GREY, VERMILION, lay_out
from ._text import contrast_text, escape, estimate_label, interval, num, percent, tp_label, typeset

# what each standardised effect divides by (for the default axis label)
_EXPLAIN = {
    "d_av": "mean change / mean of the two SDs",
    "g_av": "mean change / mean of the two SDs, small-sample corrected",
    "d_z": "mean change / SD of the changes",
    "g_z": "mean change / SD of the changes, small-sample corrected",
}
_LABEL_IN = 2.3  # widest label column, inches
_HIGHER = ("higher_better",)
_LOWER = ("higher_worse", "lower_better")
_KEY_ORDER = ("improvement (CI excludes 0)", "CI excludes 0", "worsening (CI excludes 0)", "CI includes 0")

Entry = tuple[str, float, str, Any]
"""One line of the label column: ``(kind, y, text, row)`` with kind ``"head"`` or ``"row"``."""


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


def ci_columns(table: pd.DataFrame, estimate: str, ci_low: str | None, ci_high: str | None) -> tuple[str, str]:
    """The interval's column names (``<estimate>_ci_low/_high``, else ``ci_low/ci_high``), checked."""
    lo = ci_low or (f"{estimate}_ci_low" if f"{estimate}_ci_low" in table.columns else "ci_low")
    hi = ci_high or (f"{estimate}_ci_high" if f"{estimate}_ci_high" in table.columns else "ci_high")
    for c in (estimate, lo, hi):
        if c not in table.columns:
            raise ParameterError(f"the table has no column {c!r}.", fix=f"columns: {list(table.columns)}")
    return lo, hi


def confidence_of(table: pd.DataFrame, confidence: float | None) -> float:
    """The intervals' level: as given, else the table's single ``confidence``, else 0.95."""
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


class ForestRows:
    """What each row of the table says: its heading group, its label and its scale's direction."""

    def __init__(self, table: pd.DataFrame, label_columns: Sequence[str], direction: Mapping[Any, Any] | None,
                 timepoint_labels: Mapping[Any, Any] | None) -> None:
        self.d = d = table.reset_index(drop=True)
        self.direction = dict(direction) if direction is not None else None  # a Series works too
        self.timepoint_labels = timepoint_labels
        cols = [c for c in label_columns if c in d.columns]
        self.grouped = len(cols) >= 2
        self.head_col: str = cols[0] if self.grouped else ""
        self.row_cols = cols[1:] if self.grouped else cols
        self.has_times = {"time_from", "time_to"} <= set(d.columns)
        froms: list[Any] = list(pd.unique(d["time_from"].astype(object))) if self.has_times else []
        self.common_from = froms[0] if len(froms) == 1 and "contrast" in self.row_cols else None

    def label(self, r: pd.Series) -> str:
        """A row's label: its contrast (as "later vs earlier" with timepoint labels) and other columns."""
        tpl = self.timepoint_labels
        parts = []
        for c in self.row_cols:
            if c == "contrast" and self.common_from is not None:
                parts.append(tp_label(r["time_to"], tpl))
            elif c == "contrast" and tpl and self.has_times:
                parts.append(f"{tp_label(r['time_to'], tpl)} vs {tp_label(r['time_from'], tpl)}")
            elif c == "contrast":
                parts.append(contrast_text(r[c]))
            else:
                parts.append(escape(r[c]))
        return " · ".join(parts)

    def better(self, r: pd.Series) -> bool | None:
        """The row's scale direction (a ``direction`` column wins over the mapping), or None."""
        if "direction" in self.d.columns and _direction(r["direction"]) is not None:
            return _direction(r["direction"])
        if self.direction:
            keys = ([r["scale"]] if "scale" in self.d.columns else []) + ([r[self.head_col]] if self.grouped else [])
            for key in keys:
                if key in self.direction:
                    return _direction(self.direction[key])
        return None

    def layout(self) -> tuple[list[Entry], float]:
        """From the top: headings (as tall as their text) and rows below a header row at y = 0;
        the entries and the bottom of the y range."""
        entries: list[Entry] = []
        cur = -1.0
        prev: Any = object()
        for _, r in self.d.iterrows():
            if self.grouped and r[self.head_col] != prev:
                cur -= 0.4 if entries else 0.0
                cur = _place(entries, "head", wrap_to_width(escape(r[self.head_col]), _LABEL_IN * 72, 9.0,
                                                            weight="bold"), r, cur)
                prev = r[self.head_col]
            cur = _place(entries, "row", wrap_to_width(self.label(r), _LABEL_IN * 72, 9.0), r, cur)
        return entries, cur + 0.4

    def header(self) -> str:
        """The italic header row ("change from <baseline> to") when every row starts at one timepoint."""
        if self.common_from is None:
            return ""
        return wrap_to_width(f"change from {tp_label(self.common_from, self.timepoint_labels)} to",
                             _LABEL_IN * 72, 9.0)


def _place(entries: list[Entry], kind: str, text: str, r: pd.Series, cur: float) -> float:
    """Add an entry centred in the height its text needs; the y below it."""
    h = 0.5 + 0.5 * (text.count("\n") + 1)
    entries.append((kind, cur - (h - 1) / 2, text, r))
    return cur - h


def draw_intervals(ax: Any, rows: ForestRows, entries: list[Entry], estimate: str, lo: str, hi: str,
                   ) -> tuple[dict[str, str], list[tuple[float, str]]]:
    """The zero line and each row's interval and estimate, coloured by whether the interval
    excludes zero and in which direction; the colours used and each row's value text."""
    d = rows.d
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
        colour, key = _colour(e, a, b, rows.better(r))
        seen.setdefault(key, colour)
        ax.hlines(yy, a, b, colors=colour, lw=2, zorder=2)
        ax.scatter([e], [yy], color=colour, s=40, zorder=3, marker="s")
        value_texts.append((yy, f"{num(e)} {interval(a, b)}"))
    return seen, value_texts


def _colour(e: float, a: float, b: float, better: bool | None) -> tuple[str, str]:
    """A row's colour and its key: grey includes 0, blue improves (or excludes 0), vermilion worsens."""
    if not bool(a > 0 or b < 0) or np.isnan(e):
        return GREY, "CI includes 0"
    if better is None:
        return BLUE, "CI excludes 0"
    if (e > 0) == better:
        return BLUE, "improvement (CI excludes 0)"
    return VERMILION, "worsening (CI excludes 0)"


def label_rows(ax: Any, entries: list[Entry], header: str, with_header: bool, bottom: float, top: float) -> None:
    """The label column as y tick labels (headings bold, the header italic) and the y range."""
    ticks = [(yy, text, kind) for kind, yy, text, _ in entries]
    if with_header:
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


def value_column(ax: Any, value_texts: list[tuple[float, str]], heading: str) -> None:
    """Each row's "estimate [low, high]" to the right of the plot, under a bold heading."""
    for yy, text in value_texts:
        ax.annotate(text, xy=(1.0, yy), xycoords=("axes fraction", "data"), xytext=(10, 0),
                    textcoords="offset points", ha="left", va="center", fontsize=8.5)
    ax.annotate(heading, xy=(1.0, 0.0), xycoords=("axes fraction", "data"), xytext=(10, 0),
                textcoords="offset points", ha="left", va="center", fontsize=8.5, fontweight="bold")


def improvement_cues(ax: Any, rows: ForestRows, entries: list[Entry]) -> None:
    """"improvement →" (or "← improvement") beside each heading, or once when all rows agree."""
    if rows.grouped:
        cues = [(yy, rows.better(r)) for kind, yy, _, r in entries if kind == "head"]
    else:
        dirs = {rows.better(r) for kind, _, _, r in entries if kind == "row"}
        cues = [(0.0, dirs.pop())] if len(dirs) == 1 else []
    for yy, better in cues:
        if better is None:
            continue
        ax.annotate("improvement \u2192" if better else "\u2190 improvement", xy=(0, yy),
                    xytext=(5 if better else -5, 0), textcoords="offset points",
                    ha="left" if better else "right", va="center", fontsize=8, color=BLUE,
                    fontstyle="italic", zorder=4)


def x_label(xlabel: str | None, estimate: str, level: float) -> str:
    """The x axis label: as given (typeset), else the estimate, what it divides by, and the CI level."""
    if xlabel is not None:
        return typeset(xlabel)
    why = _EXPLAIN.get(estimate)
    est_lab = estimate_label(estimate)
    return f"{est_lab} ({why}) with {percent(level)} CI" if why else f"{est_lab} with {percent(level)} CI"


def colour_key(ax: Any, seen: Mapping[str, str]) -> None:
    """The legend of the colours used, above the plot."""
    from matplotlib.lines import Line2D

    keys = [k for k in _KEY_ORDER if k in seen]
    handles = [Line2D([], [], color=seen[k], marker="s", lw=2, ms=6) for k in keys]
    ax.legend(handles, keys, loc="lower left", bbox_to_anchor=(0.0, 1.02), ncol=min(len(keys), 2),
              borderaxespad=0.0, handlelength=1.6, columnspacing=1.2)


def fit_cues(ax: Any) -> None:
    """Widen the x range until every improvement cue sits inside the axes."""
    fig = ax.figure
    for _ in range(3):
        lay_out(fig)
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
