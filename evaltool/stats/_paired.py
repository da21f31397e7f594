"""Every statistic of many paired comparisons at once (private; used by :func:`prepost`).

The comparisons ("cells": group × scale × contrast) arrive as one array of later values ``x``
and one of earlier values ``y``, cell after cell, with the number of complete pairs of each
cell in ``lens``. Nothing loops over cells in Python: cells with the same number of pairs are
stacked into one matrix and reduced along its rows, so each cell goes through exactly the
floating-point operations that the one-comparison formulas apply to it (numpy's row-wise
``mean``/``std`` are its per-array ones; scipy's ufuncs act element by element). The results
are therefore *identical*, bit for bit, to computing the comparisons one at a time —
``tests/test_stats_prepost.py`` checks that against a one-at-a-time reference.

The pieces:

* :func:`by_length` — cells grouped by length, with the index matrix of each group;
* :func:`brentq_many` — scipy's Brent root finder (``scipy/optimize/Zeros/brentq.c``) run on
  many functions in lockstep, for the noncentral-t limits of d_z;
* :func:`signed_rank_many` — R's Wilcoxon signed-rank test (V, p, method) for every cell;
* :func:`shapiro_many` — Shapiro–Wilk (``scipy.stats.shapiro``) on the rows of each length group;
* :func:`p_adjust_grouped` — R's ``p.adjust`` within each group, one sorted pass;
* :func:`evaltool.stats._paired_cells.paired_stats_many` — all of
  :data:`~evaltool.stats.prepost.PREPOST_COLUMNS`'s statistics for every cell, from these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
from scipy import special, stats

from .wilcoxon import (
    EXACT_MAX_N,
    _signrank_counts,
)

MIN_PAIRS = 3
SHAPIRO_MAX_N = 5000
_EPS = np.finfo(float).eps
_XTOL = 1e-13
_RTOL = 4 * np.finfo(float).eps
_MAXITER = 500


def segment_positions(lens: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Positions of the elements of segments ``(starts[i], lens[i])``, segment after segment."""
    total = int(lens.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    first = np.cumsum(lens) - lens
    return np.arange(total, dtype=np.int64) - np.repeat(first - starts, lens)


def by_length(lens: np.ndarray, starts: np.ndarray, cells: np.ndarray | None = None
              ) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """For each distinct length ``n`` among ``cells`` (default: all): ``(n, cell indices,
    k × n matrix of element positions)``. One iteration per distinct length, not per cell."""
    cells = np.arange(len(lens)) if cells is None else cells
    if not len(cells):
        return
    order = np.argsort(lens[cells], kind="stable")
    sorted_cells = cells[order]
    sorted_lens = lens[sorted_cells]
    bounds = np.flatnonzero(np.diff(sorted_lens)) + 1
    for chunk in np.split(sorted_cells, bounds):
        n = int(lens[chunk[0]])
        yield n, chunk, starts[chunk][:, None] + np.arange(n)


# ---- noncentral t limits of d_z ------------------------------------------------------------


def brentq_many(f: Callable[[np.ndarray, np.ndarray], np.ndarray], xa: np.ndarray, xb: np.ndarray,
                xtol: float = _XTOL, rtol: float = _RTOL, maxiter: int = _MAXITER, *,
                fa: np.ndarray | None = None, fb: np.ndarray | None = None) -> np.ndarray:
    """Roots of many functions by Brent's method, each bracketed by ``[xa[i], xb[i]]``.

    ``f(x, idx)`` evaluates functions ``idx`` at ``x`` (arrays of equal length). Each element
    follows scipy's ``brentq`` step for step (the C routine ``brentq.c``: same tests, same
    interpolation and bisection, same tolerance ``(xtol + rtol |x|) / 2``), so every root is
    the one ``scipy.optimize.brentq`` returns for that function alone. Raises as ``brentq``
    does when a bracket has no sign change, a value is NaN or an element does not converge.
    ``fa``/``fb``: the function values at ``xa``/``xb`` when already known (saves two calls).
    """
    m = len(xa)
    xpre, xcur = np.array(xa, dtype=float), np.array(xb, dtype=float)
    every = np.arange(m)
    fpre = f(xpre, every) if fa is None else np.array(fa, dtype=float)
    fcur = f(xcur, every) if fb is None else np.array(fb, dtype=float)
    if np.isnan(fpre).any() or np.isnan(fcur).any():
        raise ValueError("The function value at x=nan is NaN; solver cannot continue.")
    root = np.full(m, np.nan)
    done = fpre == 0
    root[done] = xpre[done]
    hit = ~done & (fcur == 0)
    root[hit] = xcur[hit]
    done |= hit
    if np.any(~done & (np.signbit(fpre) == np.signbit(fcur))):
        raise ValueError("f(a) and f(b) must have different signs")
    xblk, fblk, spre, scur = np.zeros(m), np.zeros(m), np.zeros(m), np.zeros(m)
    for _ in range(maxiter):
        a = np.flatnonzero(~done)
        if not len(a):
            return root
        xp, xc, xb_, fp, fc, fb, sp, sc = (v[a] for v in (xpre, xcur, xblk, fpre, fcur, fblk, spre, scur))
        new = (fp != 0) & (fc != 0) & (np.signbit(fp) != np.signbit(fc))
        xb_ = np.where(new, xp, xb_)
        fb = np.where(new, fp, fb)
        sp = np.where(new, xc - xp, sp)
        sc = np.where(new, xc - xp, sc)
        swap = np.abs(fb) < np.abs(fc)
        xp, xc, xb_ = np.where(swap, xc, xp), np.where(swap, xb_, xc), np.where(swap, xc, xb_)
        fp, fc, fb = np.where(swap, fc, fp), np.where(swap, fb, fc), np.where(swap, fc, fb)
        delta = (xtol + rtol * np.abs(xc)) / 2
        sbis = (xb_ - xc) / 2
        conv = (fc == 0) | (np.abs(sbis) < delta)
        root[a[conv]] = xc[conv]
        done[a[conv]] = True
        with np.errstate(all="ignore"):
            interp = -fc * (xc - xp) / (fc - fp)
            dpre = (fp - fc) / (xp - xc)
            dblk = (fb - fc) / (xb_ - xc)
            extrap = -fc * (fb * dblk - fp * dpre) / (dblk * dpre * (fb - fp))
        stry = np.where(xp == xb_, interp, extrap)
        try_step = (np.abs(sp) > delta) & (np.abs(fc) < np.abs(fp))
        good = try_step & (2 * np.abs(stry) < np.minimum(np.abs(sp), 3 * np.abs(sbis) - delta))
        sp = np.where(good, sc, sbis)
        sc = np.where(good, stry, sbis)
        xp, fp = xc, fc
        xc = np.where(np.abs(sc) > delta, xc + sc, xc + np.where(sbis > 0, delta, -delta))
        live = ~conv
        idx = a[live]
        fc_live = f(xc[live], idx)
        if np.isnan(fc_live).any():
            raise ValueError("The function value at x=nan is NaN; solver cannot continue.")
        for store, val in ((xpre, xp), (xcur, xc), (xblk, xb_), (fpre, fp), (fblk, fb), (spre, sp), (scur, sc)):
            store[idx] = val[live]
        fcur[idx] = fc_live
    if np.any(~done):
        raise RuntimeError(f"Failed to converge after {maxiter} iterations.")
    return root


def _nct_roots(t: np.ndarray, df: np.ndarray, prob: float) -> np.ndarray:
    """λ with P(T <= t | df, λ) = prob for every (t, df): the bracket search of
    :func:`evaltool.stats.effectsize.nct_ci` element by element, then :func:`brentq_many`."""

    def f(ncp: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return special.nctdtr(df[idx], ncp, t[idx]) - prob

    width = special.ndtri(max(prob, 1 - prob)) * np.sqrt(1 + t * t / (2 * df)) + 1.0
    lo, hi = t - width, t + width
    f_lo, f_hi = np.full(len(t), np.nan), np.full(len(t), np.nan)
    active = np.ones(len(t), dtype=bool)
    for _ in range(60):
        a = np.flatnonzero(active)
        if not len(a):
            break
        f_lo[a] = f(lo[a], a)
        move = ~(f_lo[a] > 0)
        active[a[~move]] = False
        a = a[move]
        lo[a] -= width[a]
        width[a] *= 2
    active[:] = True
    for _ in range(60):
        a = np.flatnonzero(active)
        if not len(a):
            break
        f_hi[a] = f(hi[a], a)
        move = ~(f_hi[a] < 0)
        active[a[~move]] = False
        a = a[move]
        hi[a] += width[a]
        width[a] *= 2
    # brentq starts from f at both ends: known, unless a search ran out of steps (moved after
    # its last evaluation), then evaluated again
    every = np.arange(len(t))
    stale_lo, stale_hi = ~(f_lo > 0), ~(f_hi < 0)
    if stale_lo.any():
        f_lo[stale_lo] = f(lo[stale_lo], every[stale_lo])
    if stale_hi.any():
        f_hi[stale_hi] = f(hi[stale_hi], every[stale_hi])
    return brentq_many(f, lo, hi, fa=f_lo, fb=f_hi)


def nct_ci_many(t: np.ndarray, df: np.ndarray, confidence: float, alternative: str
                ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`evaltool.stats.effectsize.nct_ci` for many (t, df) at once (finite t, df > 0)."""
    from .effectsize import _tails

    p_low, p_high = _tails(confidence, alternative)
    low = np.full(len(t), -np.inf) if p_low == 0 else _nct_roots(t, df, 1 - p_low)
    high = np.full(len(t), np.inf) if p_high == 1 else _nct_roots(t, df, 1 - p_high)
    return low, high


# ---- Wilcoxon signed-rank, R 4.2 rules --------------------------------------------------------


def _psignrank_many(q: np.ndarray, n: int, lower_tail: np.ndarray) -> np.ndarray:
    """:func:`evaltool.stats.wilcoxon.psignrank` for many quantiles of one ``n`` (the sums of
    the smaller tail are read from one cumulative sum, the same additions in the same order)."""
    x = np.floor(q + 1e-7)
    top = n * (n + 1) / 2
    cum = np.cumsum(_signrank_counts(n) * np.exp(-n * np.log(2.0)))
    small = x <= n * (n + 1) / 4
    lower_part = np.where(small, x, 0).astype(np.int64)
    upper_k = np.where(small, 1, top - x).astype(np.int64)
    p = np.where(small, cum[np.clip(lower_part, 0, len(cum) - 1)], cum[np.clip(upper_k - 1, 0, len(cum) - 1)])
    lower = np.where(small, lower_tail, ~lower_tail)
    out = np.where(lower, p, 0.5 - p + 0.5)
    out = np.where(x < 0, np.where(lower_tail, 0.0, 1.0), out)
    return np.where(x >= top, np.where(lower_tail, 1.0, 0.0), out)


def signed_rank_many(d: np.ndarray, lens: np.ndarray, starts: np.ndarray, cells: np.ndarray,
                     alternative: str) -> dict[str, np.ndarray]:
    """R's ``wilcox.test(paired = TRUE)`` on the differences of each of ``cells``.

    Returns arrays over ``cells``: ``v`` (W+), ``w_minus``, ``n_nonzero``, ``p``, ``exact``,
    ``has_ties``, ``n_zero``.
    Same ranks (average ranks of |d| without the zeros), tie correction, continuity
    correction and exact/approximate choice as :func:`evaltool.stats.wilcoxon.wilcoxon_signed_rank`.
    """
    k = len(cells)
    pos = segment_positions(lens[cells], starts[cells])
    cell_of = np.repeat(np.arange(k), lens[cells])
    dd = d[pos]
    nz = dd != 0
    n_zero = np.bincount(cell_of[~nz], minlength=k)
    nn = np.bincount(cell_of[nz], minlength=k)
    dd = dd[nz]
    sub_starts = np.concatenate([[0], np.cumsum(nn)[:-1]]).astype(np.int64) if k else np.zeros(0, np.int64)
    v, w_minus, tie_term = np.zeros(k), np.zeros(k), np.zeros(k)
    has_ties = np.zeros(k, dtype=bool)
    for n, rows, idx in by_length(nn, sub_starts):
        if n == 0:
            continue
        vals = dd[idx]
        absd = np.abs(vals)
        ranks = stats.rankdata(absd, method="average", axis=1)
        v[rows] = np.where(vals > 0, ranks, 0.0).sum(axis=1)
        w_minus[rows] = np.where(vals < 0, ranks, 0.0).sum(axis=1)
        srt = np.sort(absd, axis=1)
        starts_run = np.ones(srt.shape, dtype=bool)
        starts_run[:, 1:] = srt[:, 1:] != srt[:, :-1]
        run_id = np.cumsum(starts_run.ravel()) - 1
        run_len = np.bincount(run_id).astype("float64")
        run_row = np.repeat(np.arange(len(rows)), starts_run.sum(axis=1))
        tie_term[rows] = np.bincount(run_row, weights=run_len**3 - run_len, minlength=len(rows))
        has_ties[rows] = starts_run.sum(axis=1) != n
    tie_term = tie_term / 48.0
    nf = nn.astype(np.int64)
    centre = v - nf * (nf + 1) / 4.0
    sigma = np.sqrt(nf * (nf + 1) * (2 * nf + 1) / 24.0 - tie_term)
    if alternative == "two-sided":
        corr = np.sign(centre) * 0.5
    else:
        corr = np.full(k, 0.5 if alternative == "greater" else -0.5)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(sigma > 0, (centre - corr) / sigma, np.nan)
    if alternative == "two-sided":
        p = 2.0 * np.minimum(special.ndtr(z), special.ndtr(-z))
    elif alternative == "greater":
        p = special.ndtr(-z)
    else:
        p = special.ndtr(z)
    p = np.where(np.isfinite(z), p, np.nan)
    exact = (nn < EXACT_MAX_N) & ~has_ties & (n_zero == 0) & (nn > 0)
    for n in np.unique(nn[exact]):
        at = np.flatnonzero(exact & (nn == n))
        n = int(n)
        vv = v[at]
        if alternative == "two-sided":
            upper = vv > n * (n + 1) / 4.0
            one = _psignrank_many(np.where(upper, vv - 1, vv), n, ~upper)
            p[at] = np.minimum(2.0 * one, 1.0)
        elif alternative == "greater":
            p[at] = _psignrank_many(vv - 1, n, np.zeros(len(at), dtype=bool))
        else:
            p[at] = _psignrank_many(vv, n, np.ones(len(at), dtype=bool))
    return {"v": v, "w_minus": w_minus, "n_nonzero": nn, "p": p, "exact": exact, "has_ties": has_ties,
            "n_zero": n_zero}


# ---- Shapiro-Wilk -------------------------------------------------------------------------------


def _swilk() -> Callable[..., tuple[float, float, int]] | None:
    """scipy's Shapiro–Wilk kernel (Royston's AS R94, the code behind ``scipy.stats.shapiro``),
    or None when this scipy does not have it where expected."""
    try:
        from scipy.stats._ansari_swilk_statistics import swilk
    except ImportError:  # pragma: no cover - other scipy layouts: the public function is used
        return None
    return swilk  # type: ignore[no-any-return]


def shapiro_many(d: np.ndarray, lens: np.ndarray, starts: np.ndarray, cells: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """``scipy.stats.shapiro`` of the differences of each of ``cells`` (3 to 5000 values, not
    all equal).

    The rows of each length are sorted and centred at once, exactly as ``shapiro`` prepares
    one sample (``sort(x) - x[n // 2]``), then passed to the same kernel; this skips scipy's
    per-call argument handling (about 20 µs a call: 4 s for 200,000 cohort comparisons).
    ``tests/test_stats_prepost.py`` checks the results equal ``scipy.stats.shapiro``'s. With a
    scipy whose kernel is elsewhere, ``scipy.stats.shapiro(rows, axis=1)`` is used.
    """
    w, p = np.full(len(lens), np.nan), np.full(len(lens), np.nan)
    kernel = _swilk()
    for n, rows, idx in by_length(lens, starts, cells):
        x = d[idx]
        if kernel is None:
            res = stats.shapiro(x, axis=1)
            w[rows], p[rows] = res.statistic, res.pvalue
            continue
        y = np.sort(x, axis=1)
        y -= x[:, n // 2][:, None]
        for r, cell in enumerate(rows):  # the kernel takes one sample; no other work per cell
            w[cell], p[cell], _ = kernel(y[r], np.zeros(n // 2, dtype=np.float64), 0)
    return w[cells], p[cells]


# ---- multiplicity within groups -----------------------------------------------------------------


def p_adjust_grouped(p: np.ndarray, group: np.ndarray, method: str) -> np.ndarray:
    """:func:`evaltool.stats.multiplicity.p_adjust` applied within each group, in one pass.

    Missing p-values stay missing and do not count in their group's family size. Within a
    group the order, the products and the running max/min are those of ``p_adjust``.
    """
    out = np.full(len(p), np.nan)
    ok = ~np.isnan(p)
    idx = np.flatnonzero(ok)
    if not len(idx):
        return out
    g, vals = group[idx], p[idx]
    if np.any((vals < 0) | (vals > 1)):
        from ..errors import ParameterError

        raise ParameterError("p-values passed to p_adjust() must lie between 0 and 1.",
                             fix="pass raw p-values, not test statistics or percentages.")
    _, g_codes, size = np.unique(g, return_inverse=True, return_counts=True)
    m = size[g_codes]
    if method == "none":
        adj = vals
    elif method == "bonferroni":
        adj = np.minimum(1.0, m * vals)
    else:
        import pandas as pd

        key = vals if method == "holm" else -vals
        order = np.lexsort((key, g_codes))  # by group, then p (stable: ties keep their order)
        first = np.concatenate([[0], np.cumsum(size)[:-1]])
        rank = np.arange(len(order)) - first[g_codes[order]] + 1
        m_o = m[order]
        if method == "holm":
            step = pd.Series((m_o - rank + 1) * vals[order]).groupby(g_codes[order]).cummax().to_numpy()
        else:  # BH: i runs n, n-1, ... 1 along the descending order
            i = m_o - rank + 1
            step = pd.Series(m_o / i * vals[order]).groupby(g_codes[order]).cummin().to_numpy()
        adj = np.empty(len(vals))
        adj[order] = np.minimum(1.0, step)
    out[idx] = adj
    return out
