"""Effect-size forest plot, Jacobson–Truax scatter, and the participant-flow diagram."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ._style import BLUE, GREY, ORANGE, VERMILION, new_axes, style

__all__ = ["plot_flow", "plot_forest", "plot_reliable_change"]


def plot_forest(table: pd.DataFrame, *, estimate: str = "d_av", ci_low: str | None = None,
                ci_high: str | None = None, label_columns: Sequence[str] = ("scale", "contrast"),
                ax: Any = None, xlabel: str | None = None) -> Any:
    """Forest plot of effect sizes with confidence intervals, one row per scale × contrast.

    Parameters
    ----------
    table
        e.g. the output of :func:`evaltool.stats.prepost` (``d_av, d_av_ci_low, d_av_ci_high``)
        or of the change-vs-baseline model table (``d`` or ``beta``).
    estimate, ci_low, ci_high
        Column names (``ci_low``/``ci_high`` default to ``<estimate>_ci_low/_high`` or
        ``ci_low``/``ci_high``).
    label_columns
        Columns joined to label each row.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"scale": ["brs", "brs"], "contrast": ["T2 - T1", "T3 - T1"],
    ...                   "d_av": [0.3, 0.4], "d_av_ci_low": [0.1, 0.15], "d_av_ci_high": [0.5, 0.65]})
    >>> [t.get_text() for t in plot_forest(t).get_yticklabels()]
    ['brs · T2 - T1', 'brs · T3 - T1']
    """
    lo = ci_low or (f"{estimate}_ci_low" if f"{estimate}_ci_low" in table.columns else "ci_low")
    hi = ci_high or (f"{estimate}_ci_high" if f"{estimate}_ci_high" in table.columns else "ci_high")
    for c in (estimate, lo, hi):
        if c not in table.columns:
            raise ParameterError(f"the table has no column {c!r}.", fix=f"columns: {list(table.columns)}")
    d = table.reset_index(drop=True)
    labels = [" · ".join(str(r[c]) for c in label_columns if c in d.columns) for _, r in d.iterrows()]
    n = len(d)
    ax = new_axes(ax, figsize=(6.5, 0.45 * n + 1.2))
    with style():
        y = np.arange(n)[::-1]
        est = d[estimate].to_numpy(dtype=float)
        low = d[lo].to_numpy(dtype=float)
        high = d[hi].to_numpy(dtype=float)
        colours = [BLUE if (lw > 0 or hg < 0) else GREY for lw, hg in zip(low, high, strict=True)]
        ax.hlines(y, low, high, colors=colours, lw=2)
        ax.scatter(est, y, color=colours, s=45, zorder=3, marker="s")
        ax.axvline(0, color="black", lw=0.8)
        for yy, e in zip(y, est, strict=True):
            if not np.isnan(e):
                ax.annotate(f"{e:.2f}", (e, yy), xytext=(0, 7), textcoords="offset points", ha="center",
                            fontsize=8)
        ax.set_yticks(y)
        ax.set_yticklabels(labels)
        ax.grid(axis="x", color="#E5E5E5")
        ax.grid(axis="y", visible=False)
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_xlabel(xlabel or f"{estimate} with 95% CI")
    return ax


def plot_reliable_change(pre: np.ndarray, post: np.ndarray, se_diff: float, *,
                         higher_is_better: bool = True, cutoff: float | None = None,
                         ax: Any = None, labels: tuple[str, str] = ("baseline", "follow-up"),
                         z: float = 1.96) -> Any:
    """Jacobson–Truax scatter: baseline vs later score, identity line and the ±z·SE_diff band.

    Points outside the band changed reliably; colours say improved (blue) or deteriorated
    (vermilion) given the instrument's direction. An optional clinical cut-off is drawn on
    both axes. Jacobson & Truax (1991), Figure 2.

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
        Axis labels (x, y).
    z
        Half-width of the band in SE_diff (1.96 for a 95% criterion).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> ax = plot_reliable_change(np.array([2.0, 3.0, 3.5]), np.array([3.5, 3.1, 2.0]), 0.5)
    >>> ax.get_xlabel()
    'baseline'
    """
    pre = np.asarray(pre, dtype=float)
    post = np.asarray(post, dtype=float)
    ok = ~np.isnan(pre) & ~np.isnan(post)
    pre, post = pre[ok], post[ok]
    ax = new_axes(ax, figsize=(5.0, 5.0))
    with style():
        lo = float(np.nanmin(np.r_[pre, post])) if len(pre) else 0.0
        hi = float(np.nanmax(np.r_[pre, post])) if len(pre) else 1.0
        pad = (hi - lo) * 0.08 + 1e-9
        grid = np.array([lo - pad, hi + pad])
        band = z * se_diff
        ax.fill_between(grid, grid - band, grid + band, color="#EEEEEE", zorder=0, label="no reliable change")
        ax.plot(grid, grid, color=GREY, lw=1)
        diff = post - pre
        up = diff > band
        down = diff < -band
        better, worse = (up, down) if higher_is_better else (down, up)
        ax.scatter(pre[better], post[better], color=BLUE, s=22, label=f"improved ({int(better.sum())})", zorder=3)
        ax.scatter(pre[worse], post[worse], color=VERMILION, s=22, marker="v",
                   label=f"deteriorated ({int(worse.sum())})", zorder=3)
        same = ~(up | down)
        ax.scatter(pre[same], post[same], color=GREY, s=14, label=f"unchanged ({int(same.sum())})", zorder=2)
        if cutoff is not None:
            ax.axvline(cutoff, color=ORANGE, lw=1, ls="--")
            ax.axhline(cutoff, color=ORANGE, lw=1, ls="--", label="cut-off")
        ax.set_xlim(grid)
        ax.set_ylim(grid)
        ax.set_aspect("equal")
        ax.set_xlabel(labels[0])
        ax.set_ylabel(labels[1])
        ax.grid(axis="both", color="#F0F0F0")
        ax.legend(loc="upper left")
    return ax


def plot_flow(flow_table: pd.DataFrame, *, ax: Any = None, title: str | None = None) -> Any:
    """Participant-flow diagram (TREND/CONSORT style) from :func:`evaltool.stats.flow`.

    One box per timepoint with the number who responded, and a side box with the numbers
    excluded (by reason) and lost since the previous timepoint.

    Parameters
    ----------
    flow_table
        The output of :func:`evaltool.stats.flow` (``timepoint, stage, detail, n``). Not
        modified.
    ax
        Axes to draw on; a new Figure is made when None.
    title
        Title (default "Participant flow").

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"timepoint": ["T1", "T1", "T2", "T2"], "stage": ["received", "responded",
    ...                   "responded", "lost since previous"], "detail": ["", "", "", "T1"], "n": [5, 4, 3, 1]})
    >>> plot_flow(f).get_title(loc="left")
    'Participant flow'
    """
    tps = list(dict.fromkeys(flow_table["timepoint"]))
    k = len(tps)
    from matplotlib.patches import FancyBboxPatch

    ax = new_axes(ax, figsize=(7.0, 1.5 * k + 0.6))
    with style():
        ax.set_xlim(0, 10)
        ax.set_ylim(0, 1.6 * k)
        ax.axis("off")
        ax.grid(False)
        for i, t in enumerate(tps):
            f = flow_table[flow_table["timepoint"] == t]

            def get(stage: str, f: pd.DataFrame = f) -> int:
                v = f.loc[f["stage"] == stage, "n"]
                return int(v.iloc[0]) if len(v) else 0

            y = 1.6 * (k - i) - 0.8
            main = f"{t}: {get('responded')} responded"
            rec = get("received")
            if rec:
                main += f"\n({rec} responses received)"
            ax.add_patch(FancyBboxPatch((0.3, y - 0.45), 4.4, 0.9, boxstyle="round,pad=0.05",
                                        fc="#EAF2FA", ec=BLUE, lw=1.2))
            ax.text(2.5, y, main, ha="center", va="center", fontsize=9.5)
            side = []
            ex = f[f["stage"] == "excluded"]
            side += [f"excluded: {int(r.n)} {r.detail}" for r in ex.itertuples()]
            lost = f[f["stage"] == "lost since previous"]
            side += [f"not seen since {r.detail}: {int(r.n)}" for r in lost.itertuples()]
            ret = f[f["stage"] == "returned"]
            side += [f"returned after a gap: {int(r.n)}" for r in ret.itertuples() if r.n]
            if side:
                ax.add_patch(FancyBboxPatch((5.3, y - 0.45), 4.4, 0.9, boxstyle="round,pad=0.05",
                                            fc="#FFF6E5", ec=ORANGE, lw=1.0))
                ax.text(5.45, y, "\n".join(side[:5]), ha="left", va="center", fontsize=8)
                ax.annotate("", xy=(5.3, y), xytext=(4.75, y),
                            arrowprops={"arrowstyle": "->", "color": ORANGE})
            if i < k - 1:
                ax.annotate("", xy=(2.5, y - 1.6 + 0.5), xytext=(2.5, y - 0.5),
                            arrowprops={"arrowstyle": "->", "color": BLUE, "lw": 1.4})
        ax.set_title(title or "Participant flow")
    return ax
