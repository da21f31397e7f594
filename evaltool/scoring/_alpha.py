"""The numerical core of :mod:`evaltool.scoring.reliability` (plain numpy, no pandas).

* pairwise-complete covariance and correlation matrices from matrix products (no loop over
  item pairs), matching R's ``cov(x, use = "pairwise")`` / ``cor(x, use = "pairwise")``;
* Cronbach's α, standardised α, average r, r.drop and α-if-dropped in closed form, as
  ``psych::alpha`` (psych 2.2.9, ``R/alpha.R``) computes them from the covariance matrix;
* the Feldt (1965) confidence interval;
* a one-factor minimum-residual (minres / ULS) solution, the factor step of
  ``psych::omega(nfactors = 1)`` (``psych::fa(fm = "minres")``).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

# psych::fa bounds the uniquenesses of a minres solution to [0.005, 1] (R/fa.R, optim call)
_PSI_LOWER = 0.005


@cache
def _blas_controller() -> Any:
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return None
    return ThreadpoolController()


def _small_blas(flops: float) -> contextlib.AbstractContextManager[Any]:
    """Single-threaded BLAS for small products: on a busy machine OpenBLAS threads waiting for
    each other made a 2,500 × 100 covariance 3-15× slower than one thread."""
    ctl = _blas_controller()
    if ctl is None or flops > 1e9:
        return contextlib.nullcontext()
    return ctl.limit(limits=1, user_api="blas")


@dataclass(frozen=True)
class PairwiseMoments:
    """Pairwise-complete covariance matrix ``cov``, Pearson correlation matrix ``cor`` (each
    pair with its own means and SDs, as ``cor(use = "pairwise")``) and pair counts ``n``."""

    cov: np.ndarray
    cor: np.ndarray
    n: np.ndarray


def pairwise_moments(X: np.ndarray) -> PairwiseMoments:
    """Pairwise-complete moments of the columns of ``X`` (NaN = missing).

    For items ``i, j`` and the rows where both are present (``n_ij`` of them), with each
    column shifted by its overall mean first to avoid cancellation (a shift changes neither a
    covariance nor a correlation):

    ``cov_ij = (Σ x_i x_j − Σ x_i Σ x_j / n_ij) / (n_ij − 1)``;
    ``cor_ij = cov_ij / sqrt(var_i^(ij) var_j^(ij))`` with the variances over the same rows.
    """
    X = np.asarray(X, dtype="float64")
    M = ~np.isnan(X)
    count = M.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = np.where(M, X, 0.0).sum(axis=0) / count
    centre = np.where(count > 0, centre, 0.0)
    Z = np.where(M, X - centre, 0.0)
    Mf = M.astype("float64")
    with _small_blas(8.0 * X.shape[0] * X.shape[1] ** 2):
        n = Mf.T @ Mf
        S = Z.T @ Mf  # S[i, j] = sum of item i over rows where i and j are both present
        P = Z.T @ Z
        Q = (Z * Z).T @ Mf  # Q[i, j] = sum of squares of item i over the same rows
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (P - S * S.T / n) / (n - 1)
        var_i = (Q - S * S / n) / (n - 1)  # variance of item i over the rows shared with j
        cor = cov / np.sqrt(var_i * var_i.T)
    cov = np.where(n >= 2, cov, np.nan)
    cor = np.where(n >= 2, cor, np.nan)
    np.fill_diagonal(cor, np.where(np.diag(n) >= 2, 1.0, np.nan))
    return PairwiseMoments(cov=(cov + cov.T) / 2, cor=(cor + cor.T) / 2, n=n)


def cov2cor(C: np.ndarray) -> np.ndarray:
    """R's ``cov2cor``: ``C_ij / sqrt(C_ii C_jj)`` (diagonal exactly 1)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        d = 1.0 / np.sqrt(np.diag(C))
        R = C * d[:, None] * d[None, :]
    np.fill_diagonal(R, np.where(np.isfinite(d), 1.0, np.nan))
    return R


@dataclass(frozen=True)
class AlphaStats:
    """Scale- and item-level results of :func:`alpha_stats` (item arrays in column order)."""

    alpha: float
    std_alpha: float
    average_r: float
    r_drop: np.ndarray
    alpha_if_dropped: np.ndarray
    std_alpha_if_dropped: np.ndarray
    average_r_if_dropped: np.ndarray


def alpha_stats(C: np.ndarray) -> AlphaStats:
    """Cronbach's α and its item statistics from a covariance matrix, as ``psych::alpha``.

    With ``k`` items, ``C`` the covariance matrix and ``R = cov2cor(C)``:

    * α = k/(k−1) · (1 − tr C / ΣC); std. α = k/(k−1) · (1 − k / ΣR);
      average r = (ΣR − k) / (k(k−1));
    * r.drop_i = (Σ_j C_ij − C_ii) / sqrt(C_ii · ΣC₍₋ᵢ₎), ΣC₍₋ᵢ₎ = ΣC − 2Σ_j C_ij + C_ii;
    * α-if-dropped_i is α of the ``k − 1`` other items: tr and ΣC updated in closed form
      (tr − C_ii, ΣC₍₋ᵢ₎), likewise for ΣR; no matrix is rebuilt per item.

    ``psych::alpha`` reports the inter-item r as α-if-dropped of a two-item scale; here the α
    of a single item is undefined and reported as NaN.
    """
    k = C.shape[0]
    nan_items = np.full(k, np.nan)
    if k < 2:
        return AlphaStats(np.nan, np.nan, np.nan, nan_items, nan_items, nan_items, nan_items)
    R = cov2cor(C)
    tr, tot = np.trace(C), C.sum()
    col = C.sum(axis=0)
    diag = np.diag(C)
    tot_r = R.sum()
    col_r = R.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = k / (k - 1) * (1 - tr / tot)
        std_alpha = k / (k - 1) * (1 - k / tot_r)
        average_r = (tot_r - k) / (k * (k - 1))
        rest = tot - 2 * col + diag  # sum of the covariance matrix without item i
        r_drop = (col - diag) / np.sqrt(diag * rest)
        if k > 2:
            rest_r = tot_r - 2 * col_r + 1
            m = k - 1
            a_drop = m / (m - 1) * (1 - (tr - diag) / rest)
            s_drop = m / (m - 1) * (1 - m / rest_r)
            r_avg_drop = (rest_r - m) / (m * (m - 1))
        else:
            a_drop = s_drop = r_avg_drop = nan_items
    return AlphaStats(float(alpha), float(std_alpha), float(average_r), r_drop, a_drop, s_drop, r_avg_drop)


def feldt_ci(alpha: float, n: int, k: int, confidence: float = 0.95) -> tuple[float, float]:
    """Feldt (1965) confidence interval for Cronbach's α.

    Parameters
    ----------
    alpha
        The estimate α̂.
    n
        Number of respondents it was computed from (complete cases).
    k
        Number of items.
    confidence
        Confidence level.

    Returns
    -------
    tuple of float
        ``(lower, upper)``; NaN when ``n < 2``, ``k < 2`` or α̂ is NaN.

    Notes
    -----
    ``(1 − α)/(1 − α̂)`` follows an F distribution with ``n − 1`` and ``(n − 1)(k − 1)`` degrees
    of freedom, so with ``F_p`` its ``p`` quantile and ``γ = 1 − confidence``
    (Feldt, Woodruff & Salih 1987, formulas 6–7):

    ``lower = 1 − (1 − α̂) · F_{1−γ/2}``, ``upper = 1 − (1 − α̂) · F_{γ/2}``.

    Examples
    --------
    The BRS at baseline in the example study (α̂ = .8197 from 56 complete answers to 6 items):

    >>> [round(x, 4) for x in feldt_ci(0.819742, 56, 6)]
    [0.7353, 0.8841]
    """
    if not (np.isfinite(alpha) and n >= 2 and k >= 2):
        return np.nan, np.nan
    # scipy.special's F quantile (what scipy.stats.f.ppf computes) spares the import of
    # scipy.stats (~0.5 s) when reliability is all that is asked for
    from scipy.special import fdtri

    df1, df2 = n - 1, (n - 1) * (k - 1)
    g = 1 - confidence
    lower = 1 - (1 - alpha) * fdtri(df1, df2, 1 - g / 2)
    upper = 1 - (1 - alpha) * fdtri(df1, df2, g / 2)
    return float(lower), float(upper)


# --------------------------------------------------------------------------------------
# one-factor minres
# --------------------------------------------------------------------------------------
def _uls_loss(R: np.ndarray, lam: np.ndarray) -> float:
    resid = R - np.outer(lam, lam)
    np.fill_diagonal(resid, 0.0)
    return float((resid**2).sum() / 2)


def _smc(R: np.ndarray) -> np.ndarray:
    """Squared multiple correlations ``1 − 1/diag(R⁻¹)`` (pseudo-inverse if singular)."""
    try:
        inv = np.linalg.inv(R)
    except np.linalg.LinAlgError:
        inv = np.linalg.pinv(R)
    smc = 1 - 1 / np.diag(inv)
    return np.clip(smc, 0.0, 1.0)


def _loadings_from_psi(R: np.ndarray, psi: np.ndarray) -> np.ndarray:
    """psych's ``FAout.wls``: first eigenvector of R with 1 − ψ on the diagonal, scaled."""
    S = R.copy()
    np.fill_diagonal(S, 1 - psi)
    vals, vecs = np.linalg.eigh(S)
    return vecs[:, -1] * np.sqrt(max(vals[-1], 0.0))


def _newton(R: np.ndarray, lam: np.ndarray, max_iter: int = 100) -> tuple[np.ndarray, bool]:
    """Newton's method on the off-diagonal least-squares loss with a backtracking line search."""
    R0 = R.copy()
    np.fill_diagonal(R0, 0.0)
    loss = _uls_loss(R, lam)
    for _ in range(max_iter):
        s = lam @ lam
        grad = -2 * (R0 @ lam - lam * (s - lam**2))
        if np.max(np.abs(grad)) < 1e-14:
            return lam, True
        H = -2 * (R0 - 2 * np.outer(lam, lam))
        np.fill_diagonal(H, 2 * (s - lam**2))
        try:
            step = np.linalg.solve(H, -grad)
        except np.linalg.LinAlgError:
            step = -grad
        if step @ grad >= 0:  # not a descent direction: fall back to steepest descent
            step = -grad
        t = 1.0
        while t > 1e-12:
            cand = lam + t * step
            new_loss = _uls_loss(R, cand)
            if new_loss <= loss:
                break
            t /= 2
        else:
            return lam, np.max(np.abs(grad)) < 1e-10
        if np.max(np.abs(cand - lam)) < 1e-15:
            return cand, True
        lam, loss = cand, new_loss
    return lam, False


def _bounded_minres(R: np.ndarray, start_psi: np.ndarray) -> np.ndarray:
    """psych's own formulation: minimise the off-diagonal residual sum of squares over the
    uniquenesses ψ ∈ [0.005, 1] (L-BFGS-B with psych's analytic gradient), tightly converged."""
    from scipy.optimize import minimize

    def fun(psi: np.ndarray) -> tuple[float, np.ndarray]:
        S = R.copy()
        np.fill_diagonal(S, 1 - psi)
        vals, vecs = np.linalg.eigh(S)
        lam = vecs[:, -1] * np.sqrt(max(vals[-1], 0.0))
        resid = R - np.outer(lam, lam)
        loss = float(np.tril(resid, -1).__pow__(2).sum())
        grad = lam**2 + psi - np.diag(R)  # FAgr.minres: diag(λλ' + Ψ − S)
        return loss, grad

    res = minimize(fun, np.clip(start_psi, _PSI_LOWER, 1.0), jac=True, method="L-BFGS-B",
                   bounds=[(_PSI_LOWER, 1.0)] * len(start_psi),
                   options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10_000})
    return _loadings_from_psi(R, res.x)


def minres_one_factor(R: np.ndarray) -> tuple[np.ndarray, str]:
    """One-factor minimum-residual loadings of a correlation matrix, as ``psych::fa(R,
    nfactors = 1, fm = "minres")`` finds them, plus a note on how they were found.

    minres minimises ``Σ_{i<j} (r_ij − λ_i λ_j)²``. psych searches the uniquenesses
    ψ = 1 − λ² ∈ [0.005, 1] with L-BFGS-B from ψ = 1 − SMC; its stationary points are those of
    the loss in λ, so evaltool starts from the same point (principal axes with SMCs) and
    solves for λ by Newton's method to full precision. If that solution leaves psych's bounds
    (a Heywood case, λ² > 0.995) the bounded problem is solved as psych poses it. The sign is
    chosen so that the loadings sum to a positive number (as ``psych::fa`` reflects them).
    """
    k = R.shape[0]
    if k < 2 or not np.all(np.isfinite(R)):
        return np.full(k, np.nan), "not defined"
    smc = _smc(R)
    lam0 = _loadings_from_psi(R, 1 - smc)
    lam, converged = _newton(R, lam0)
    how = "Newton"
    if not converged or np.any(lam**2 > 1 - _PSI_LOWER):
        lam = _bounded_minres(R, 1 - smc)
        how = "L-BFGS-B, bounded (Heywood case)" if np.any(lam**2 >= 1 - _PSI_LOWER - 1e-9) else "L-BFGS-B"
    if lam.sum() < 0:
        lam = -lam
    return lam, how


def omega_total(R: np.ndarray, lam: np.ndarray) -> float:
    """McDonald's ω_total of a one-factor solution, as ``psych::omega(nfactors = 1)``:
    ``ω_t = 1 − Σ(1 − λ²) / ΣR``, with items whose loading is negative flipped in ``R`` first
    (psych's ``flip = TRUE``: ``R ← D R D``, ``D = diag(sign λ)``)."""
    if not np.all(np.isfinite(lam)):
        return np.nan
    key = np.where(lam < 0, -1.0, 1.0)
    total = float((key[:, None] * R * key[None, :]).sum())
    return 1 - float((1 - lam**2).sum()) / total
