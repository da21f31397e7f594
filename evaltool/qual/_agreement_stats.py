"""Cohen's κ and Krippendorff's α for nominal data, vectorised over codes (private; see
:mod:`evaltool.qual.intercoder` and docs/statistics.md, "Agreement between coders").
Also used by :mod:`evaltool.qual.learn`."""

from __future__ import annotations

import numpy as np


def cohen_kappa_table(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cohen's κ and its large-sample (non-null) standard error from K × K count tables.

    Parameters
    ----------
    table
        Counts, shape ``(..., K, K)``: rows = coder A's category, columns = coder B's.

    Returns
    -------
    kappa, se
        Arrays of shape ``(...)``; NaN where κ is undefined (no units, or p_e = 1).

    Notes
    -----
    With cell proportions p_ij, margins p_i. and p_.j, p_o = Σ p_ii and p_e = Σ p_i. p_.i,
    κ = (p_o − p_e) / (1 − p_e) (Cohen 1960), and (Fleiss, Cohen & Everitt 1969, eq. 13)

    Var(κ) = [A + B − C] / [n (1 − p_e)²], with
    A = Σ_i p_ii [1 − (p_i. + p_.i)(1 − κ)]²,
    B = (1 − κ)² Σ_{i≠j} p_ij (p_.i + p_j.)²,
    C = [κ − p_e (1 − κ)]².

    Checked against Cohen (1960, Table 1: κ = .492), the statpsych::ci.kappa documentation
    example (κ = 0.6756757, SE = 0.07344761) and statsmodels ``cohens_kappa``.
    """
    t = np.asarray(table, dtype="float64")
    n = t.sum(axis=(-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = t / n[..., None, None]
        row = p.sum(axis=-1)
        col = p.sum(axis=-2)
        diag = np.diagonal(p, axis1=-2, axis2=-1)
        po = diag.sum(axis=-1)
        pe = (row * col).sum(axis=-1)
        kappa = (po - pe) / (1.0 - pe)
        one_minus = (1.0 - kappa)[..., None]
        a = (diag * (1.0 - (row + col) * one_minus) ** 2).sum(axis=-1)
        w = (col[..., :, None] + row[..., None, :]) ** 2  # (p_.i + p_j.)² at [i, j]
        off = p * w
        b = (1.0 - kappa) ** 2 * (off.sum(axis=(-2, -1)) - np.diagonal(off, axis1=-2, axis2=-1).sum(-1))
        c = (kappa - pe * (1.0 - kappa)) ** 2
        var = (a + b - c) / (n * (1.0 - pe) ** 2)
        se = np.sqrt(np.clip(var, 0.0, None))
    undefined = (n == 0) | ~np.isfinite(kappa) | np.isclose(pe, 1.0, rtol=0, atol=1e-15)
    kappa = np.where(undefined, np.nan, kappa)
    se = np.where(undefined, np.nan, se)
    return kappa, se


def krippendorff_alpha_nominal(counts: np.ndarray) -> np.ndarray:
    """Krippendorff's α for nominal data from per-unit value counts.

    Parameters
    ----------
    counts
        Shape ``(..., units, categories)``: how many coders gave each category to each unit.
        Units with fewer than two values are not pairable and are ignored.

    Returns
    -------
    numpy.ndarray
        α of shape ``(...)``; NaN when there is no pairable unit or only one category occurs
        (expected disagreement zero).

    Notes
    -----
    Coincidence-matrix form (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability",
    section C): with m_u the number of values in pairable unit u,
    o_ck = Σ_u n_cu n_ku / (m_u − 1) (c ≠ k), n_c = Σ_u n_cu, n = Σ_c n_c,

    α = 1 − (n − 1) Σ_{c≠k} o_ck / Σ_{c≠k} n_c n_k,

    where Σ_{c≠k} o_ck = Σ_u (m_u² − Σ_c n_cu²) / (m_u − 1) and Σ_{c≠k} n_c n_k = n² − Σ_c n_c².
    Checked against Krippendorff's (2011) worked example (α = 0.743) and the ``krippendorff``
    package with ``level_of_measurement="nominal"``.
    """
    x = np.asarray(counts, dtype="float64")
    m = x.sum(axis=-1)
    pairable = m >= 2
    x = np.where(pairable[..., None], x, 0.0)
    m = np.where(pairable, m, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        d_unit = np.where(pairable, (m**2 - (x**2).sum(axis=-1)) / (m - 1.0), 0.0)
    d_obs = d_unit.sum(axis=-1)
    n_c = x.sum(axis=-2)
    n = n_c.sum(axis=-1)
    d_exp = n**2 - (n_c**2).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = 1.0 - (n - 1.0) * d_obs / d_exp
    return np.where((d_exp > 0) & (n > 1), alpha, np.nan)
