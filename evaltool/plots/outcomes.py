"""Outcome figures: trajectories with mean and CI, paired slopes, distributions per timepoint.

Each function takes tidy Scores (``participant_id, timepoint, scale, score``), draws on ``ax``
(or a new Figure without pyplot state) and returns the Axes. ``individual=False`` draws only
cohort-level summaries (for shareable reports: no individual can be identified).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .. import columns as C
from ..errors import ParameterError
from ._style import BLUE, GREY, LIGHT, ORANGE, new_axes, style

__all__ = ["plot_distribution", "plot_slopes", "plot_trajectories"]


def _one_scale(scores: pd.DataFrame, scale: str | None) -> pd.DataFrame:
    missing = [c for c in (C.PARTICIPANT_ID, C.TIMEPOINT, C.SCORE) if c not in scores.columns]
    if missing:
        raise ParameterError(f"scores need the columns {missing}.", fix=f"columns present: {list(scores.columns)}")
    if C.SCALE in scores.columns:
        scales = list(pd.unique(scores[C.SCALE].astype(object)))
        if scale is None:
            if len(scales) != 1:
                raise ParameterError(f"scores hold several scales {scales}; choose one with scale=.")
            scale = scales[0]
        if scale not in scales:
            raise ParameterError(f"there is no scale {scale!r} in the scores.", fix=f"choose from {scales}.")
        scores = scores[scores[C.SCALE].astype(object) == scale]
    return scores.dropna(subset=[C.SCORE])


def _levels(scores: pd.DataFrame) -> list[Any]:
    tp = scores[C.TIMEPOINT]
    if isinstance(tp.dtype, pd.CategoricalDtype):
        return [t for t in tp.cat.categories if (tp == t).any()]
    return sorted(pd.unique(tp.astype(object)), key=str)


def mean_ci(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and t-based confidence interval (NaN when n < 2)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n = len(v)
    if n == 0:
        return np.nan, np.nan, np.nan
    m = float(v.mean())
    if n < 2:
        return m, np.nan, np.nan
    half = stats.t.ppf((1 + confidence) / 2, n - 1) * v.std(ddof=1) / np.sqrt(n)
    return m, m - half, m + half


def plot_trajectories(scores: pd.DataFrame, scale: str | None = None, *, ax: Any = None,
                      individual: bool = True, confidence: float = 0.95, label: str | None = None,
                      score_range: tuple[float, float] | None = None, min_n: int = 1) -> Any:
    """Participant trajectories (thin lines) with the mean and CI per timepoint.

    Parameters
    ----------
    scores
        Tidy Scores. Not modified.
    scale
        Which scale to draw (needed when ``scores`` holds several).
    ax
        Axes to draw on; a new Figure is made when None.
    individual
        Draw each participant's line. Set False for shareable reports.
    confidence
        Level of the t-based interval around each mean.
    label
        Y-axis label (default: the scale id).
    score_range
        Fix the y-axis to the instrument's possible range.
    min_n
        Timepoints with fewer scores show no mean (for small-cell suppression).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"participant_id": ["a", "a", "b", "b"], "timepoint": ["T1", "T2"] * 2,
    ...                   "scale": "brs", "score": [3.0, 3.5, 2.5, 3.2]})
    >>> ax = plot_trajectories(s)
    >>> ax.get_ylabel()
    'brs'
    """
    d = _one_scale(scores, scale)
    levels = _levels(d)
    pos = {t: i for i, t in enumerate(levels)}
    ax = new_axes(ax)
    with style():
        if individual:
            wide = d.pivot_table(index=C.PARTICIPANT_ID, columns=C.TIMEPOINT, values=C.SCORE,
                                 observed=True).reindex(columns=levels)
            xs = np.arange(len(levels))
            jitter = np.random.default_rng(0).uniform(-0.06, 0.06, size=len(wide))
            for j, (_, row) in enumerate(wide.iterrows()):
                y = row.to_numpy(dtype=float)
                ok = ~np.isnan(y)
                ax.plot(xs[ok] + jitter[j], y[ok], color=LIGHT, lw=0.8, zorder=1)
                ax.scatter(xs[ok] + jitter[j], y[ok], s=6, color=GREY, alpha=0.6, zorder=2, linewidths=0)
        stats_rows = []
        for t in levels:
            v = d.loc[d[C.TIMEPOINT] == t, C.SCORE].to_numpy(dtype=float)
            m, lo, hi = mean_ci(v, confidence) if len(v) >= min_n else (np.nan, np.nan, np.nan)
            stats_rows.append((pos[t], m, lo, hi, len(v)))
        s = np.array(stats_rows, dtype=float)
        ax.plot(s[:, 0], s[:, 1], color=BLUE, lw=2.2, marker="o", ms=7, zorder=4, label="mean")
        ok = ~np.isnan(s[:, 2])
        ax.errorbar(s[ok, 0], s[ok, 1], yerr=[s[ok, 1] - s[ok, 2], s[ok, 3] - s[ok, 1]], fmt="none",
                    ecolor=BLUE, elinewidth=2, capsize=5, zorder=3, label=f"{confidence:.0%} CI")
        ax.set_xticks(range(len(levels)))
        ax.set_xticklabels([f"{t}\n(n={int(n)})" if n >= min_n else f"{t}\n(n<{min_n})"
                            for t, n in zip(levels, s[:, 4], strict=True)])
        ax.set_xlim(-0.4, len(levels) - 0.6)
        if score_range:
            pad = (score_range[1] - score_range[0]) * 0.04
            ax.set_ylim(score_range[0] - pad, score_range[1] + pad)
        ax.set_ylabel(label or str(scale or d[C.SCALE].iloc[0] if C.SCALE in d.columns else "score"))
        ax.legend(loc="best")
    return ax


def plot_slopes(scores: pd.DataFrame, scale: str | None = None, *, time_from: Any = None,
                time_to: Any = None, ax: Any = None, label: str | None = None) -> Any:
    """Paired slope plot: each participant with both timepoints, coloured by direction.

    Pairs are matched by ``participant_id`` (never row order). Lines going up are blue,
    down orange, unchanged grey; the mean pair is drawn on top.

    Parameters
    ----------
    scores
        Tidy Scores. Not modified.
    scale
        Which scale to draw (needed when ``scores`` holds several).
    time_from, time_to
        The two timepoints (default: the first and the last, in study order).
    ax
        Axes to draw on; a new Figure is made when None.
    label
        Y-axis label (default: the scale id).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"participant_id": ["a", "a", "b", "b"], "timepoint": ["T1", "T2"] * 2,
    ...                   "scale": "brs", "score": [3.0, 3.5, 2.5, 2.2]})
    >>> len(plot_slopes(s).lines)
    3
    """
    d = _one_scale(scores, scale)
    levels = _levels(d)
    if len(levels) < 2:
        raise ParameterError("a slope plot needs two timepoints with data.")
    t0 = levels[0] if time_from is None else time_from
    t1 = levels[-1] if time_to is None else time_to
    w = d.pivot_table(index=C.PARTICIPANT_ID, columns=C.TIMEPOINT, values=C.SCORE, observed=True)
    if t0 not in w.columns or t1 not in w.columns:
        raise ParameterError(f"no scores at {t0!r} or {t1!r}.", fix=f"timepoints with data: {levels}")
    pairs = w[[t0, t1]].dropna()
    ax = new_axes(ax, figsize=(4.0, 4.5))
    with style():
        for a, b in pairs.itertuples(index=False):
            colour = BLUE if b > a else ORANGE if b < a else GREY
            ax.plot([0, 1], [a, b], color=colour, lw=0.9, alpha=0.55)
        ax.plot([0, 1], pairs.mean().to_numpy(), color="black", lw=3, marker="o", ms=8)
        ax.set_xticks([0, 1])
        ax.set_xticklabels([str(t0), str(t1)])
        ax.set_xlim(-0.25, 1.25)
        up, down = int((pairs[t1] > pairs[t0]).sum()), int((pairs[t1] < pairs[t0]).sum())
        ax.set_title(f"{len(pairs)} pairs: {up} up, {down} down, {len(pairs) - up - down} same")
        ax.set_ylabel(label or str(scale or "score"))
    return ax


def plot_distribution(scores: pd.DataFrame, scale: str | None = None, *, ax: Any = None,
                      individual: bool = True, label: str | None = None, min_n: int = 1) -> Any:
    """Distribution per timepoint: half violin, box plot and (optionally) the points.

    A "raincloud" layout: density above, box and median, jittered points below. With
    ``individual=False`` only the density and box are drawn.

    Parameters
    ----------
    scores
        Tidy Scores. Not modified.
    scale
        Which scale to draw (needed when ``scores`` holds several).
    ax
        Axes to draw on; a new Figure is made when None.
    individual
        Draw each participant's point. Set False for shareable reports.
    label
        Y-axis label (default: the scale id).
    min_n
        Timepoints with fewer scores are not drawn (for small-cell suppression).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd, numpy as np
    >>> s = pd.DataFrame({"participant_id": list("abcdefgh") * 2, "timepoint": ["T1"] * 8 + ["T2"] * 8,
    ...                   "scale": "brs", "score": np.linspace(2, 4.5, 16)})
    >>> plot_distribution(s).get_xlabel()
    ''
    """
    d = _one_scale(scores, scale)
    levels = _levels(d)
    ax = new_axes(ax)
    rng = np.random.default_rng(1)
    with style():
        for i, t in enumerate(levels):
            v = d.loc[d[C.TIMEPOINT] == t, C.SCORE].to_numpy(dtype=float)
            if len(v) < max(min_n, 1):
                continue
            if len(v) >= 3 and np.ptp(v) > 0:
                parts = ax.violinplot([v], positions=[i], widths=0.8, showextrema=False)
                for body in parts["bodies"]:
                    verts = body.get_paths()[0].vertices
                    verts[:, 0] = np.clip(verts[:, 0], i, None)  # keep the right half
                    body.set_facecolor(BLUE)
                    body.set_alpha(0.35)
                    body.set_edgecolor("none")
            ax.boxplot([v], positions=[i - 0.12], widths=0.12, showfliers=False, patch_artist=True,
                       boxprops={"facecolor": "white", "edgecolor": "black"},
                       medianprops={"color": ORANGE, "linewidth": 2})
            if individual:
                ax.scatter(i - 0.3 + rng.uniform(-0.06, 0.06, len(v)), v, s=8, color=GREY, alpha=0.7,
                           linewidths=0)
        ax.set_xticks(range(len(levels)))
        counts = [int((d[C.TIMEPOINT] == t).sum()) for t in levels]
        ax.set_xticklabels([f"{t}\n(n={n})" if n >= min_n else f"{t}\n(n<{min_n})" for t, n in zip(levels, counts, strict=True)])
        ax.set_xlim(-0.6, len(levels) - 0.3)
        ax.set_ylabel(label or str(scale or "score"))
    return ax
