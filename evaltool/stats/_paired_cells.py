"""Every statistic of every cell of :func:`~evaltool.stats.prepost.prepost` (private).

The cells arrive as in :mod:`evaltool.stats._paired` (later values ``x``, earlier values
``y``, cell after cell, ``lens`` pairs each); :func:`paired_stats_many` fills one array per
output column, one named step per family of statistics: means and SDs, the degenerate cells,
the paired t-test with d_z / g_z, the Wilcoxon test with the rank-biserial correlation,
d_av / g_av, and Shapiro–Wilk. Each step applies to a cell exactly the floating-point
operations of the one-comparison formulas (see :mod:`evaltool.stats._paired`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

from ._paired import (
    _EPS,
    MIN_PAIRS,
    SHAPIRO_MAX_N,
    by_length,
    nct_ci_many,
    shapiro_many,
    signed_rank_many,
)
from .wilcoxon import EXACT_MAX_N, METHOD_APPROX_CC, METHOD_EXACT, WARN_TIES, WARN_ZEROES

_FLOAT_COLUMNS = (
    "mean_from", "sd_from", "mean_to", "sd_to", "mean_diff", "sd_diff", "mean_diff_ci_low",
    "mean_diff_ci_high", "t", "df", "p_t", "wilcoxon_v", "p_wilcoxon", "d_av", "d_av_ci_low",
    "d_av_ci_high", "g_av", "g_av_ci_low", "g_av_ci_high", "d_z", "d_z_ci_low", "d_z_ci_high",
    "g_z", "g_z_ci_low", "g_z_ci_high", "rank_biserial", "rank_biserial_ci_low",
    "rank_biserial_ci_high", "shapiro_w", "shapiro_p",
)
"""The numeric columns of :func:`paired_stats_many` (NaN until a step fills them)."""


class _Notes:
    """Messages per cell, joined with "; " in the order they were added."""

    def __init__(self, k: int) -> None:
        self._text = np.full(k, "", dtype=object)

    def add(self, mask: np.ndarray, message: str) -> None:
        at = np.flatnonzero(mask)
        if len(at):
            cur = self._text[at]
            self._text[at] = np.where(cur == "", message, cur + "; " + message)

    def joined(self) -> np.ndarray:
        return self._text


def paired_stats_many(x: np.ndarray, y: np.ndarray, lens: np.ndarray, alternative: str,
                      confidence: float) -> dict[str, Any]:
    """The statistics of :func:`evaltool.stats.prepost.prepost` for every cell.

    Parameters
    ----------
    x, y
        Later and earlier values of the complete pairs, cell after cell.
    lens
        Number of pairs of each cell (zero allowed).
    alternative, confidence
        As in :func:`~evaltool.stats.prepost.prepost`.

    Returns
    -------
    dict
        One array per output column (``n_pairs``, ``mean_from`` … ``shapiro_p``,
        ``wilcoxon_method``, ``note``), each of length ``len(lens)``.
    """
    k = len(lens)
    lens = np.asarray(lens, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64) if k else np.zeros(0, np.int64)
    d = x - y
    nan = np.full(k, np.nan)
    out: dict[str, Any] = {c: nan.copy() for c in _FLOAT_COLUMNS}
    out["n_pairs"] = lens
    method = np.full(k, "", dtype=object)
    notes = _Notes(k)

    any_nonzero, ptp_zero = _means_and_sds(out, x, y, d, lens, starts)
    few = (lens > 0) & (lens < MIN_PAIRS)
    for n in (1, 2):
        notes.add(few & (lens == n), f"only {n} complete pair(s); at least {MIN_PAIRS} are needed for "
                  "tests, effect sizes and confidence intervals")
    full = lens >= MIN_PAIRS

    mx, sd = out["mean_diff"], out["sd_diff"]
    with np.errstate(invalid="ignore", divide="ignore"):
        se = sd / np.sqrt(lens)
    all_zero = full & ~any_nonzero
    with np.errstate(invalid="ignore"):
        constant = full & ~all_zero & ((se < 10 * _EPS * np.abs(mx)) | (sd == 0))
    notes.add(all_zero, "every difference is zero: t, d_z, Wilcoxon and rank-biserial are undefined")
    notes.add(constant, "every difference is the same, so the differences have no variance: "
              "t and d_z are undefined")
    lo_p, hi_p = ((1 - confidence) / 2, (1 + confidence) / 2) if alternative == "two-sided" else (
        (1 - confidence, 1.0) if alternative == "greater" else (0.0, confidence))

    tt = np.flatnonzero(full & ~all_zero & ~constant)
    if len(tt):
        _t_test(out, tt, se, lens, alternative, confidence, hi_p)
    wc = np.flatnonzero(full & ~all_zero)
    if len(wc):
        _wilcoxon(out, method, notes, signed_rank_many(d, lens, starts, wc, alternative), wc, lo_p, hi_p)
    _d_av(out, notes, full, se, lens - 1, lo_p, hi_p)
    _shapiro(out, notes, d, lens, starts, full, ptp_zero)
    out["wilcoxon_method"] = method
    out["note"] = notes.joined()
    return out


def _means_and_sds(out: dict[str, Any], x: np.ndarray, y: np.ndarray, d: np.ndarray,
                   lens: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Means and SDs (numpy's own row-wise mean/std on the cells of each length); returns
    whether any difference of a cell is non-zero, and whether all its differences are equal."""
    k = len(lens)
    any_nonzero = np.zeros(k, dtype=bool)
    ptp_zero = np.zeros(k, dtype=bool)
    for n, rows, idx in by_length(lens, starts):
        if n == 0:
            continue
        xs, ys, ds = x[idx], y[idx], d[idx]
        out["mean_from"][rows] = np.mean(ys, axis=1)
        out["mean_to"][rows] = np.mean(xs, axis=1)
        out["mean_diff"][rows] = np.mean(ds, axis=1)
        if n >= 2:
            out["sd_from"][rows] = np.std(ys, axis=1, ddof=1)
            out["sd_to"][rows] = np.std(xs, axis=1, ddof=1)
            out["sd_diff"][rows] = np.std(ds, axis=1, ddof=1)
        any_nonzero[rows] = np.any(ds != 0, axis=1)
        ptp_zero[rows] = np.ptp(ds, axis=1) == 0
    return any_nonzero, ptp_zero


def _t_test(out: dict[str, Any], tt: np.ndarray, se: np.ndarray, lens: np.ndarray,
            alternative: str, confidence: float, hi_p: float) -> None:
    """Paired t-test (R ``t.test(x, y, paired = TRUE)``) and d_z, g_z with noncentral-t limits."""
    from .effectsize import hedges_j

    mx, sd = out["mean_diff"], out["sd_diff"]
    se_t, dft = se[tt], (lens - 1)[tt]
    t = mx[tt] / se_t
    out["t"][tt] = t
    out["df"][tt] = dft.astype("float64")
    if alternative == "two-sided":
        out["p_t"][tt] = 2 * special.stdtr(dft, -np.abs(t))
        q = special.stdtrit(dft, hi_p)
        out["mean_diff_ci_low"][tt], out["mean_diff_ci_high"][tt] = (t - q) * se_t, (t + q) * se_t
    elif alternative == "greater":
        out["p_t"][tt] = special.stdtr(dft, -t)
        q = special.stdtrit(dft, confidence)
        out["mean_diff_ci_low"][tt], out["mean_diff_ci_high"][tt] = (t - q) * se_t, np.inf
    else:
        out["p_t"][tt] = special.stdtr(dft, t)
        q = special.stdtrit(dft, confidence)
        out["mean_diff_ci_low"][tt], out["mean_diff_ci_high"][tt] = -np.inf, (t + q) * se_t
    dz = mx[tt] / sd[tt]
    ok = np.isfinite(t) & (dft > 0)
    lo = np.full(len(tt), np.nan)
    hi = np.full(len(tt), np.nan)
    if ok.any():
        lo[ok], hi[ok] = nct_ci_many(t[ok], dft[ok].astype("float64"), confidence, alternative)
    j = hedges_j(dft)
    root_n = np.sqrt(lens[tt])
    out["d_z"][tt] = dz
    out["d_z_ci_low"][tt], out["d_z_ci_high"][tt] = lo / root_n, hi / root_n
    out["g_z"][tt] = dz * j
    out["g_z_ci_low"][tt] = out["d_z_ci_low"][tt] * j
    out["g_z_ci_high"][tt] = out["d_z_ci_high"][tt] * j


def _wilcoxon(out: dict[str, Any], method: np.ndarray, notes: _Notes, w: dict[str, np.ndarray],
              wc: np.ndarray, lo_p: float, hi_p: float) -> None:
    """Wilcoxon signed-rank (R 4.2 rules; ``w`` from :func:`signed_rank_many` on cells ``wc``)
    and the matched rank-biserial correlation (``effectsize::rank_biserial``)."""
    out["wilcoxon_v"][wc] = w["v"]
    out["p_wilcoxon"][wc] = w["p"]
    method[wc] = np.where(w["exact"], METHOD_EXACT, METHOD_APPROX_CC)
    _wilcoxon_warnings(notes, wc, w)
    nn = w["n_nonzero"].astype(np.int64)
    r = (w["v"] - w["w_minus"]) / (nn * (nn + 1) / 2)
    rse = np.sqrt((2 * nn**3 + 3 * nn**2 + nn) / 6) / ((nn**2 + nn) / 2)
    with np.errstate(divide="ignore"):
        zr = np.arctanh(r)
    out["rank_biserial"][wc] = r
    out["rank_biserial_ci_low"][wc] = -1.0 if lo_p == 0 else np.tanh(zr + special.ndtri(lo_p) * rse)
    out["rank_biserial_ci_high"][wc] = 1.0 if hi_p == 1 else np.tanh(zr + special.ndtri(hi_p) * rse)


def _wilcoxon_warnings(notes: _Notes, wc: np.ndarray, w: dict[str, np.ndarray]) -> None:
    """R's ``wilcox.test`` warnings where the exact p-value was wanted (n' < 50) but ties or
    zeros forced the normal approximation, worded as :func:`evaltool.stats.wilcoxon.fallback_note`."""
    want = w["n_nonzero"] < EXACT_MAX_N
    ties, zeros = want & w["has_ties"], want & (w["n_zero"] > 0)
    for hit, quoted in (((ties & ~zeros), f'"{WARN_TIES}" (R wilcox.test warning)'),
                        ((zeros & ~ties), f'"{WARN_ZEROES}" (R wilcox.test warning)'),
                        ((ties & zeros), f'"{WARN_TIES}", "{WARN_ZEROES}" (R wilcox.test warnings)')):
        mask = np.zeros(len(notes.joined()), dtype=bool)
        mask[wc[hit]] = True
        notes.add(mask, f"Wilcoxon: {quoted}, so p is from the normal approximation with continuity correction")


def _d_av(out: dict[str, Any], notes: _Notes, full: np.ndarray, se: np.ndarray, df: np.ndarray,
          lo_p: float, hi_p: float) -> None:
    """d_av, g_av (Cumming 2012; Lakens 2013): mean difference / mean of the two SDs."""
    from .effectsize import hedges_j

    mx = out["mean_diff"]
    sd_avg = (out["sd_from"] + out["sd_to"]) / 2
    with np.errstate(invalid="ignore"):
        av = np.flatnonzero(full & (sd_avg > 0))
    notes.add(full & ~(np.nan_to_num(sd_avg, nan=0.0) > 0), "neither timepoint has any variance: d_av and g_av are undefined")
    if len(av):
        dav = mx[av] / sd_avg[av]
        dse = se[av] / sd_avg[av]
        lo = np.full(len(av), -np.inf) if lo_p == 0 else dav + special.ndtri(lo_p) * dse
        hi = np.full(len(av), np.inf) if hi_p == 1 else dav + special.ndtri(hi_p) * dse
        j = hedges_j(df[av])
        out["d_av"][av], out["d_av_ci_low"][av], out["d_av_ci_high"][av] = dav, lo, hi
        out["g_av"][av], out["g_av_ci_low"][av], out["g_av_ci_high"][av] = dav * j, lo * j, hi * j


def _shapiro(out: dict[str, Any], notes: _Notes, d: np.ndarray, lens: np.ndarray,
             starts: np.ndarray, full: np.ndarray, ptp_zero: np.ndarray) -> None:
    """Shapiro–Wilk on the differences (R ``shapiro.test`` limits: 3..5000)."""
    notes.add(full & (lens > SHAPIRO_MAX_N), f"Shapiro-Wilk not computed for more than {SHAPIRO_MAX_N} "
              "pairs (the limit of R's shapiro.test)")
    notes.add(full & (lens <= SHAPIRO_MAX_N) & ptp_zero, "Shapiro-Wilk not computed: every difference is the same")
    sw = np.flatnonzero(full & (lens <= SHAPIRO_MAX_N) & ~ptp_zero)
    if len(sw):
        out["shapiro_w"][sw], out["shapiro_p"][sw] = shapiro_many(d, lens, starts, sw)
