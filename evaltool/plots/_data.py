"""Numbers behind the figures: resolution of discrete scores, dodging ties, binned densities.

All of it is linear (or n log n) in the number of scores, so a figure of 100,000 participants
costs about as much to draw as one of 60.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._intervals import t_interval


def resolution(values: np.ndarray) -> float:
    """The step between the common distinct scores (1 for counts, 1/6 for a 6-item mean).

    Zero when the scores look continuous (no value is shared by at least two people and
    0.5% of them).

    Examples
    --------
    >>> resolution(np.array([0, 1, 1, 2, 2, 3, 3, 5.7]))
    1.0
    >>> resolution(np.linspace(0, 1, 50))
    0.0
    """
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if len(v) < 2:
        return 0.0
    uniq, counts = np.unique(np.round(v, 9), return_counts=True)
    common = uniq[counts >= max(2, 0.005 * len(v))]
    if len(common) < 2:
        return 0.0
    return float(np.median(np.diff(common)))


def dodge(values: np.ndarray, *, half_width: float, tie_tol: float, max_step: float = 0.03) -> np.ndarray:
    """Sideways offsets that spread tied (or nearly tied) scores so no two points coincide.

    Scores within ``tie_tol`` of each other form a group; a group of k points is spread
    evenly around 0, with one step (at most ``max_step``) for the whole set so that equal
    counts look equally wide. Deterministic.

    Examples
    --------
    >>> dodge(np.array([1.0, 2.0, 1.0, 1.0]), half_width=0.2, tie_tol=0.01).round(2).tolist()
    [-0.03, 0.0, 0.0, 0.03]
    """
    v = np.asarray(values, dtype=float)
    out = np.zeros(len(v))
    if len(v) == 0:
        return out
    key = np.round(v / tie_tol) if tie_tol > 0 else v
    order = np.lexsort((np.arange(len(v)), key))
    sorted_key = key[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_key)) + 1]
    sizes = np.diff(np.r_[starts, len(v)])
    kmax = int(sizes.max())
    if kmax < 2:
        return out
    step = min(max_step, 2 * half_width / (kmax - 1))
    rank = np.arange(len(v)) - np.repeat(starts, sizes)
    size = np.repeat(sizes, sizes)
    out[order] = (rank - (size - 1) / 2) * step
    return out


def density(values: np.ndarray, *, min_bandwidth: float = 0.0, limits: tuple[float, float] | None = None,
            points: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian kernel density by binning (linear in the number of values): ``(grid, density)``.

    Scott's bandwidth (robust spread), never narrower than ``min_bandwidth`` (so integer scores
    give one smooth shape rather than a comb). The grid runs two bandwidths past the data, so
    the shape tapers, but never past ``limits`` (the scale's possible range).

    Examples
    --------
    >>> grid, dens = density(np.array([1.0, 2, 2, 3, 3, 3, 4]), limits=(1, 5))
    >>> float(grid[0]), round(float((dens * (grid[1] - grid[0])).sum()), 3)
    (1.0, 1.0)
    """
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n = len(v)
    if n < 2:
        return np.array([]), np.array([])
    sd = float(v.std(ddof=1))
    iqr = float(np.subtract(*np.percentile(v, [75, 25])))
    spread = min(sd, iqr / 1.349) if iqr > 0 else sd
    bw = max(1.06 * spread * n ** (-1 / 5), min_bandwidth, 1e-9)
    lo, hi = float(v.min()) - 2 * bw, float(v.max()) + 2 * bw
    if limits is not None:
        lo, hi = max(lo, float(limits[0])), min(hi, float(limits[1]))
    grid = np.linspace(lo, hi, points)
    step = float(grid[1] - grid[0])
    edges = np.r_[grid - step / 2, grid[-1] + step / 2]
    counts, _ = np.histogram(np.clip(v, grid[0], grid[-1]), bins=edges)
    half = int(np.ceil(4 * bw / step))
    kernel = np.exp(-0.5 * (np.arange(-half, half + 1) * step / bw) ** 2)
    dens = np.convolve(counts, kernel, mode="full")[half:half + len(counts)]
    total = dens.sum() * step
    return grid, (dens / total if total > 0 else dens)


def mean_ci(values: Any, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and t-based confidence interval (NaN when n < 2).

    Examples
    --------
    >>> [round(x, 3) for x in mean_ci(np.array([1.0, 2.0, 3.0]), 0.95)]
    [2.0, -0.484, 4.484]
    """
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n = len(v)
    if n == 0:
        return np.nan, np.nan, np.nan
    m = float(v.mean())
    if n < 2:
        return m, np.nan, np.nan
    lo, hi = t_interval(m, v.std(ddof=1), n, confidence)
    return m, float(lo), float(hi)


def y_limits(values: np.ndarray, score_range: tuple[float, float] | None) -> tuple[float, float]:
    """The y range shared by a scale's trajectories and distribution figures.

    The instrument's possible range when known, else the observed range; 4% padding.
    """
    if score_range is not None:
        lo, hi = float(score_range[0]), float(score_range[1])
    else:
        v = np.asarray(values, dtype=float)
        v = v[~np.isnan(v)]
        lo, hi = (float(v.min()), float(v.max())) if len(v) else (0.0, 1.0)
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    pad = (hi - lo) * 0.04
    return float(lo - pad), float(hi + pad)
