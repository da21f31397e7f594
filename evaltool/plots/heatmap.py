"""The theme heatmap: codes (grouped by kind) × groups, each cell the share of respondents.

Reads a ``theme_heatmap`` table (one row per block × group × code, with ``percent`` and the
suppression decision ``shown``) and draws it; computes nothing.

How it scales
-------------
The figure type is the same at every size: codes down, groups across in blocks (everyone,
then one block per group column: cohorts, professions …), one viridis colour per share, hidden
cells grey and hatched. One rule, per block of columns, decides how a block is drawn:

* **Up to** :data:`DENSE_ABOVE` **groups** (30): one square per cell, 0.3 in wide, drawn as
  vectors with the share printed in it, every column named with its group and n.
* **More groups** (e.g. 400 cohorts): the block is one image (raster inside the SVG too),
  :data:`DENSE_WIDTH_IN` inches wide in all, groups in the table's (name) order, no numbers in
  the cells, hidden cells hatched in the image itself, and only every k-th group named, k the
  smallest round number (1, 2, 5, 10, 20, 25, 50 …) at which the names do not overlap; the
  block's heading says how many groups there are and which are named.

So 400 cohorts draw as a few dozen texts and one small image instead of thousands of squares
and numbers: the figure takes well under a second and its SVG stays light. A hidden cell is
painted from its ``shown`` flag alone, in both forms; its value is never drawn.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import columns as C
from ._style import new_figure, style
from ._text import escape

__all__ = ["DENSE_ABOVE", "DENSE_WIDTH_IN", "plot_theme_heatmap"]

DENSE_ABOVE = 30
"""A block with more groups than this is drawn as one image without numbers (see the module)."""
DENSE_WIDTH_IN = 8.0
"""Width of such a block, inches."""
_COL_IN = 0.3  # one ordinary column (and the gap between blocks), inches: the data unit across
_ROW_IN = 0.28
_LABEL_PITCH_IN = 0.15  # the narrowest spacing of rotated 7.5 pt names that do not overlap
_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000)
HIDDEN_FACE, HIDDEN_EDGE = "#EDEDED", "#9A9A9A"


@dataclass
class _Grid:
    """The table as arrays: rows (codes; ``None`` a gap), columns ((block, group); ``None`` a
    gap), each column's left edge and width in column units, shares and hidden flags."""

    rows: list[str | None]
    heads: list[tuple[int, str]]
    blocks: list[str]
    cols: list[tuple[str, str] | None]
    x0: np.ndarray
    width: np.ndarray
    pct: np.ndarray
    hidden: np.ndarray
    n: dict[tuple[str, str], int]

    def block_columns(self, b: str) -> list[int]:
        return [j for j, c in enumerate(self.cols) if c is not None and c[0] == b]


def plot_theme_heatmap(table: pd.DataFrame, *, min_cell_size: int = 5, everyone: str = "all",
                       group_titles: Mapping[str, str] | None = None,
                       kind_labels: Mapping[str, str] | None = None) -> Any:
    """Draw a ``theme_heatmap`` table (not modified); returns a pyplot-free Figure.

    ``everyone`` is the block of all participants (no heading); ``group_titles`` head the other
    blocks (default: the group column's name, capitalised); ``kind_labels`` head each kind of
    code, in their order. Blocks of more than :data:`DENSE_ABOVE` groups are drawn dense (see
    "How it scales").

    Examples
    --------
    >>> t = pd.DataFrame({"group_by": ["all"] * 2 + ["cohort"] * 2, "group": ["All"] * 2 + ["C01"] * 2,
    ...                   "code": ["a", "b"] * 2, "label": ["Alpha", "Beta"] * 2, "kind": ["k1", "k2"] * 2,
    ...                   "n_respondents": [20, 20, 8, 8], "percent": [50.0, 25.0, 62.5, None],
    ...                   "shown": [True, True, True, False]})
    >>> fig = plot_theme_heatmap(t, kind_labels={"k1": "One", "k2": "Two"})
    >>> [t.get_text() for t in fig.axes[0].get_xticklabels()]
    ['All (n = 20)', 'C01 (n = 8)']
    """
    from matplotlib.colors import Normalize
    from matplotlib.patches import Patch

    titles = {everyone: "", **(group_titles or {})}
    g = _grid(table, dict(kind_labels or {}))
    norm = Normalize(0, 100)
    with style():
        import matplotlib as mpl

        cmap = mpl.colormaps["viridis"]
        total = float(g.x0[-1] + g.width[-1]) if len(g.cols) else 1.0
        fig = new_figure(figsize=(2.6 + _COL_IN * total, 1.4 + _ROW_IN * len(g.rows)), layout="constrained")
        ax = fig.add_subplot()
        ax.set_xlim(0, total)
        ax.set_ylim(len(g.rows), 0)
        ax.grid(False)
        for s in ax.spines.values():
            s.set_visible(False)
        steps = _draw_blocks(ax, g, cmap, norm)
        label = dict(zip(table[C.CODE], table["label"], strict=False))
        _draw_headings(ax, g, steps, label, titles)
        bar = fig.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.6, pad=0.01, aspect=25)
        bar.set_label("% of respondents who mentioned it", fontsize=8)
        bar.ax.tick_params(labelsize=7)
        fig.legend(handles=[Patch(facecolor=HIDDEN_FACE, edgecolor=HIDDEN_EDGE, hatch="////",
                                  label=f"hidden: fewer than {min_cell_size} people, or needed to protect another "
                                        "hidden number")],
                   loc="outside lower left", fontsize=7.5, frameon=False)
    return fig


def _grid(table: pd.DataFrame, kind_labels: dict[str, str]) -> _Grid:
    """Rows, columns and the cell arrays in one pass over the table (linear in its rows)."""
    t = table.assign(kind=table["kind"].fillna("").astype(str))
    rows, heads = _rows(t, kind_labels)
    blocks = list(dict.fromkeys(t["group_by"]))
    cols: list[tuple[str, str] | None] = []
    widths: list[float] = []
    for b in blocks:
        if cols:
            cols.append(None)
            widths.append(1.0)
        mine = list(dict.fromkeys(t.loc[t["group_by"] == b, "group"]))
        cols += [(b, v) for v in mine]
        w = 1.0 if len(mine) <= DENSE_ABOVE else min(1.0, DENSE_WIDTH_IN / _COL_IN / len(mine))
        widths += [w] * len(mine)
    width = np.array(widths, dtype=float)
    x0 = np.r_[0.0, np.cumsum(width)[:-1]] if len(width) else width
    ri = {c: i for i, c in enumerate(rows) if c is not None}
    ci = {c: j for j, c in enumerate(cols) if c is not None}
    i = t[C.CODE].map(ri).to_numpy()
    j = np.array([ci[k] for k in zip(t["group_by"], t["group"], strict=True)], dtype=int)
    ok = t["shown"].fillna(False).astype(bool).to_numpy() & t["percent"].notna().to_numpy()
    pct = np.full((len(rows), len(cols)), np.nan)
    pct[i[ok].astype(int), j[ok]] = t["percent"].to_numpy(dtype=float)[ok]
    hidden = np.zeros((len(rows), len(cols)), dtype=bool)
    real = np.array([c is not None for c in rows])[:, None] & np.array([c is not None for c in cols])[None, :]
    hidden[real & np.isnan(pct)] = True  # hidden, or absent from the table: never a value
    first = t.dropna(subset=["n_respondents"]).drop_duplicates(["group_by", "group"])
    n = {(b, v): int(m) for b, v, m in zip(first["group_by"], first["group"], first["n_respondents"], strict=True)}
    return _Grid(rows, heads, blocks, cols, x0, width, pct, hidden, n)


def _rows(t: pd.DataFrame, kind_labels: dict[str, str]) -> tuple[list[str | None], list[tuple[int, str]]]:
    """The codes top to bottom, grouped by kind (``None``: a gap), and each kind's heading row."""
    kind_of = dict(zip(t[C.CODE], t["kind"], strict=False))
    codes = list(dict.fromkeys(t[C.CODE]))
    present = set(kind_of.values())
    order = [k for k in kind_labels if k in present] + sorted(present - set(kind_labels))
    rows: list[str | None] = []
    heads: list[tuple[int, str]] = []
    for kd in order:
        mine = [c for c in codes if kind_of[c] == kd]
        if rows:
            rows.append(None)
        heads.append((len(rows), kind_labels.get(kd, kd.capitalize() if kd else "Other")))
        rows += mine
    return rows, heads


def _draw_blocks(ax: Any, g: _Grid, cmap: Any, norm: Any) -> dict[str, int]:
    """Each block as squares with numbers, or dense as one image; each block's naming step."""
    steps = {}
    for b in g.blocks:
        js = g.block_columns(b)
        if len(js) <= DENSE_ABOVE:
            _draw_cells(ax, g, js, cmap, norm)
            steps[b] = 1
        else:
            _draw_dense(ax, g, js, cmap, norm)
            steps[b] = next((s for s in _STEPS if s * g.width[js[0]] * _COL_IN >= _LABEL_PITCH_IN), _STEPS[-1])
    return steps


def _draw_cells(ax: Any, g: _Grid, js: list[int], cmap: Any, norm: Any) -> None:
    """One coloured square per shown share with its value; hidden cells grey and hatched."""
    from matplotlib.patches import Rectangle

    for i, code in enumerate(g.rows):
        if code is None:
            continue
        for j in js:
            x, w = float(g.x0[j]), float(g.width[j])
            if g.hidden[i, j]:
                ax.add_patch(Rectangle((x, i), w, 1, facecolor=HIDDEN_FACE, edgecolor=HIDDEN_EDGE, hatch="////",
                                       linewidth=0.4))
                continue
            v = float(g.pct[i, j])
            ax.add_patch(Rectangle((x, i), w, 1, facecolor=cmap(norm(v)), edgecolor="white", linewidth=0.8))
            ax.text(x + w / 2, i + 0.5, f"{v:.0f}", ha="center", va="center", fontsize=6.5,
                    color="white" if v < 55 else "black")


def dense_image(pct: np.ndarray, hidden: np.ndarray, gap_rows: np.ndarray, col_in: float, cmap: Any,
                norm: Any) -> np.ndarray:
    """RGBA pixels (uint8) of a dense block: each cell a patch of pixels in its share's colour,
    hidden cells grey with dark-grey "/" stripes (from ``hidden`` alone), gap rows transparent,
    a white line under each row (and between columns when they are wide enough to show one)."""
    from matplotlib.colors import to_rgba

    def rgba(colour: str) -> np.ndarray:
        return np.round(255 * np.array(to_rgba(colour))).astype(np.uint8)

    ph = 16
    px = _ROW_IN / ph  # inches per pixel, down
    pw = max(1, round(col_in / px))
    cells = cmap(norm(np.where(hidden, 0.0, np.nan_to_num(pct))), bytes=True)
    cells[hidden] = rgba(HIDDEN_FACE)
    img = np.repeat(np.repeat(cells, ph, axis=0), pw, axis=1)
    r, c = np.indices(img.shape[:2])
    stripe = ((r * px + c * (col_in / pw)) % 0.09) < 0.025  # "/" hatching, about 11 lines an inch
    img[np.repeat(np.repeat(hidden, ph, axis=0), pw, axis=1) & stripe] = rgba(HIDDEN_EDGE)
    img[ph - 1::ph] = 255
    if pw >= 4:
        img[:, pw - 1::pw] = 255
    img[np.repeat(gap_rows, ph)] = 0
    return img


def _draw_dense(ax: Any, g: _Grid, js: list[int], cmap: Any, norm: Any) -> None:
    """A block of many groups as one image (``interpolation="none"``: embedded at its own
    pixels in the SVG, sharp at any zoom)."""
    gap = np.array([c is None for c in g.rows])
    img = dense_image(g.pct[:, js], g.hidden[:, js], gap, float(g.width[js[0]]) * _COL_IN, cmap, norm)
    left, right = float(g.x0[js[0]]), float(g.x0[js[-1]] + g.width[js[-1]])
    ax.imshow(img, extent=(left, right, len(g.rows), 0), interpolation="none", aspect="auto", zorder=1)


def _draw_headings(ax: Any, g: _Grid, steps: dict[str, int], label: dict[str, str], titles: dict[str, str]) -> None:
    """Code labels, column labels (group and n; every k-th group's name in a dense block), kind
    headings and block titles (a dense block's says how many groups, and which are named)."""
    ax.set_yticks([i + 0.5 for i, c in enumerate(g.rows) if c is not None],
                  [escape(label.get(c, c)) for c in g.rows if c is not None], fontsize=8)
    ticks, names = [], []
    for b in g.blocks:
        js = g.block_columns(b)
        for k, j in enumerate(js):
            if k % steps[b] == 0:
                col = g.cols[j]
                assert col is not None
                ticks.append(float(g.x0[j] + g.width[j] / 2))
                names.append(_col_label(g, col) if len(js) <= DENSE_ABOVE else escape(col[1]))
    ax.set_xticks(ticks, names, fontsize=7.5, rotation=90)
    ax.tick_params(length=0)
    for i, text in g.heads:
        ax.text(-0.01, i - 0.15 if i else -0.15, text, transform=ax.get_yaxis_transform(), ha="right",
                va="bottom", fontsize=8, fontweight="bold", color="#333333")
    for b in g.blocks:
        js = g.block_columns(b)
        title = titles.get(b, b.capitalize())
        if len(js) > DENSE_ABOVE:
            named = "every one named" if steps[b] == 1 else \
                f"every {steps[b]}{'nd' if steps[b] == 2 else 'th'} named"
            title = f"{title}: {len(js):,} groups in order, {named}"
        if title and js:
            ax.text((g.x0[js[0]] + g.x0[js[-1]] + g.width[js[-1]]) / 2, -0.2, escape(title), ha="center",
                    va="bottom", fontsize=8.5, fontweight="bold", color="#333333")


def _col_label(g: _Grid, col: tuple[str, str]) -> str:
    n = g.n.get(col)
    return f"{escape(col[1])} (n = {n})" if n is not None else f"{escape(col[1])} (n hidden)"
