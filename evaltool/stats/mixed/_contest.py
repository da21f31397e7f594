"""Satterthwaite t- and F-tests of linear contrasts, and lmerTest's type III hypotheses.

Ports of lmerTest 3.1.3 (``R/contest.R``: ``contest1D``, ``contestMD``, ``get_Fstat_ddf``;
``R/contrast_utils.R``: ``extract_contrasts_type3``, ``doolittle``; ``R/anova_contrasts.R``:
``get_contrasts_type3``, ``get_contrasts_type1``) for factor-only fixed effects.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._design import INTERCEPT, cell_rows


@dataclass(frozen=True)
class TTest:
    estimate: float
    se: float
    df: float


@dataclass(frozen=True)
class FTest:
    F: float
    num_df: int
    den_df: float
    sum_sq: float
    mean_sq: float


def _qform(x: np.ndarray, A: np.ndarray) -> float:
    return float(x @ A @ x)


def contest1d(fit, L: np.ndarray) -> TTest:
    """Estimate, SE and Satterthwaite df of ``L' beta`` (lmerTest ``contest1D``)."""
    L = np.asarray(L, dtype=float)
    var = _qform(L, fit.vcov)
    grad = np.array([_qform(L, J) for J in fit._jac])
    denom = _qform(grad, fit._vcov_varpar)
    df = 2.0 * var * var / denom if denom > 0 else np.inf
    return TTest(float(L @ fit.beta), float(np.sqrt(var)), float(df))


def fstat_ddf(nu: np.ndarray, tol: float = 1e-8) -> float:
    """Denominator df of an F built from independent t-statistics (lmerTest ``get_Fstat_ddf``)."""
    nu = np.asarray(nu, dtype=float)
    if nu.size == 1:
        return float(nu[0])
    if np.all(np.abs(np.diff(nu)) < tol):
        return float(nu.mean())
    if np.any(nu <= 2):
        return 2.0
    E = float(np.sum(nu / (nu - 2.0)))
    return 2.0 * E / (E - nu.size)


def contest_md(fit, L: np.ndarray, eps: float = float(np.sqrt(np.finfo(float).eps))) -> FTest:
    """Multi-df F-test of ``L beta = 0`` with Satterthwaite's df (lmerTest ``contestMD``)."""
    L = np.atleast_2d(np.asarray(L, dtype=float))
    sig2 = fit.sigma ** 2

    def table(F: float, q: int, ddf: float) -> FTest:
        ms = F * sig2
        return FTest(F=float(F), num_df=int(q), den_df=float(ddf), sum_sq=float(ms * q),
                     mean_sq=float(ms))

    if L.shape[0] == 1:
        r = contest1d(fit, L[0])
        return table((r.estimate / r.se) ** 2, 1, r.df)
    VL = L @ fit.vcov @ L.T
    d, P = np.linalg.eigh(VL)
    d, P = d[::-1], P[:, ::-1]  # decreasing, as R's eigen()
    tol = max(eps * d[0], 0.0)
    q = int(np.sum(d > tol))
    PtL = (P.T @ L)[:q]
    if q == 1:
        r = contest1d(fit, PtL[0])
        return table((r.estimate / r.se) ** 2, 1, r.df)
    t2 = (PtL @ fit.beta) ** 2 / d[:q]
    F = float(t2.sum() / q)
    nu = np.empty(q)
    for m in range(q):
        g = np.array([_qform(PtL[m], J) for J in fit._jac])
        nu[m] = 2.0 * d[m] ** 2 / _qform(g, fit._vcov_varpar)
    return table(F, q, fstat_ddf(nu))


# --------------------------------------------------------------------------------------
# hypothesis matrices
# --------------------------------------------------------------------------------------
def zapsmall(x: np.ndarray, digits: int = 7) -> np.ndarray:
    """R's ``zapsmall``: round to ``digits`` significant digits of the largest entry."""
    mx = float(np.max(np.abs(x))) if x.size else 0.0
    if mx > 0:
        digits = max(0, digits - int(np.ceil(np.log10(mx))))
    return np.round(x, digits)


def doolittle(x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Unit lower-triangular ``L`` of lmerTest's Doolittle factorisation ``x = L U``."""
    n = x.shape[0]
    L = np.eye(n)
    U = np.zeros((n, n))
    for i in range(n):
        U[i, :] = x[i, :] - L[i, :i] @ U[:i, :]
        for j in range(i + 1, n):
            v = x[j, i] - L[j, :i] @ U[:i, i]
            L[j, i] = 0.0 if abs(U[i, i]) < eps else v / U[i, i]
    L[np.abs(L) < eps] = 0.0
    return L


def _cell_design(fit) -> tuple[np.ndarray, np.ndarray]:
    """Model-matrix rows of the cells and their counts (group fastest within timepoint)."""
    n_t = len(fit.time_levels)
    n_g = None if fit.group_levels is None else len(fit.group_levels)
    Xc = cell_rows(n_t, n_g)
    w = np.asarray(fit._cell_counts, dtype=float).T.ravel()
    return Xc, w


def _term_columns(fit) -> dict[str, np.ndarray]:
    terms = np.asarray(fit.column_terms)
    return {t: np.flatnonzero(terms == t) for t in fit.terms}


def type1_contrasts(fit) -> dict[str, np.ndarray]:
    """lmerTest ``get_contrasts_type1``: rows of t(doolittle(X'X)$L) for each term."""
    Xc, w = _cell_design(fit)
    xtx = Xc.T @ (Xc * w[:, None])
    Lt = doolittle(xtx).T
    return {t: Lt[cols] for t, cols in _term_columns(fit).items()}


def type3_contrasts(fit) -> dict[str, np.ndarray]:
    """lmerTest 3.1.3 type III hypothesis matrices (treatment coding), one per term.

    ``L = zapsmall(t(ginv(X) %*% rdX))`` with ``rdX`` the over-parameterised design (intercept,
    every level of each factor, every cell), then the columns of a term contained in another
    are orthogonalised against the containing term's columns (``extract_contrasts_type3``).
    ``X`` and ``rdX`` enter only through ``X'X`` and ``X'rdX``, computed here from cell counts.
    """
    if len(fit.terms) <= 1:
        return type1_contrasts(fit)
    n_t = len(fit.time_levels)
    n_g = len(fit.group_levels)
    Xc, w = _cell_design(fit)
    n_cells = n_g * n_t
    g = np.tile(np.arange(n_g), n_t)
    t = np.repeat(np.arange(n_t), n_g)
    rd = np.zeros((n_cells, 1 + n_g + n_t + n_cells))
    rd[:, 0] = 1.0
    rd[np.arange(n_cells), 1 + g] = 1.0
    rd[np.arange(n_cells), 1 + n_g + t] = 1.0
    rd[np.arange(n_cells), 1 + n_g + n_t + np.arange(n_cells)] = 1.0
    xtx = Xc.T @ (Xc * w[:, None])
    xtr = Xc.T @ (rd * w[:, None])
    L = zapsmall(np.linalg.solve(xtx, xtr).T)  # (pp, p)
    cols = _term_columns(fit)
    group, time, inter = fit.terms
    for term in (group, time):  # both contained in the interaction (processed first)
        x = L[:, cols[inter]]
        y = L[:, cols[term]]
        coef, *_ = np.linalg.lstsq(x, y, rcond=None)
        L[:, cols[term]] = zapsmall(y - x @ coef)
    # rows of the over-parameterised parameters that are model coefficients, in X's order
    rows = ([0] + [1 + k for k in range(1, n_g)] + [1 + n_g + k for k in range(1, n_t)]
            + [1 + n_g + n_t + tt * n_g + gg for tt in range(1, n_t) for gg in range(1, n_g)])
    L = L[rows]
    out = {}
    for term, c in cols.items():
        Lt = L[:, c].T
        out[term] = Lt[np.abs(Lt).sum(axis=1) > 1e-8]
    return out


__all__ = ["INTERCEPT", "contest1d", "contest_md", "type1_contrasts", "type3_contrasts"]
