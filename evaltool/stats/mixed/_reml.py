"""Exact REML for linear models with one random intercept, or two nested ones, from sums.

Model: ``y = X beta + Z_1 u_1 (+ Z_2 u_2) + e`` with ``u_k ~ N(0, sigma^2 rho_k I)`` and
``e ~ N(0, sigma^2 I)``; ``Z_1`` groups observations by subject and, when present, ``Z_2``
groups subjects by cohort (each subject in one cohort). The marginal covariance is
``V = sigma^2 H``, ``H = I + rho_1 Z_1 Z_1' (+ rho_2 Z_2 Z_2')``.

Within a subject with ``n`` observations ``H_i = I + rho J`` and ``H_i^{-1} = I - w J`` with
``w = rho / (1 + n rho)``; a cohort adds a rank-one term (Sherman-Morrison). So ``X'H^-1 X``,
``X'H^-1 y``, ``y'H^-1 y`` and ``log|H|`` need only the per-subject column sums ``s_i = X_i'1``
and ``t_i = y_i'1`` — and since ``w`` depends on a subject only through ``n``, their outer
products can be summed once per subject size. One evaluation of the REML criterion then costs
O(#sizes x p^2) (plus O(#cohorts x p^2) with a cohort), independent of the number of rows.

Parameterisation follows lme4/lmerTest: ``phi_k = sqrt(rho_k)`` (lme4's ``theta``, the relative
standard deviation) and ``sigma``. The REML deviance as a function of ``(phi, sigma)`` with
``beta`` profiled out is lmerTest's ``devfun_vp`` (``R/lmer.R``):

``D = log|H| + log|X'H^-1 X| + Q / sigma^2 + (N - p) log(2 pi sigma^2)``,
``Q = y'H^-1 y - b' (X'H^-1 X)^-1 b``, ``b = X'H^-1 y``.

Minimising over ``sigma`` gives the REML criterion ``log|H| + log|X'H^-1 X| + (N - p)(1 +
log(2 pi Q / (N - p)))`` that lme4 reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import linalg, optimize

from ._numderiv import richardson_grad, richardson_hessian, richardson_jacobian

SINGULAR_TOL = 1e-4
"""lme4's ``isSingular(tol = 1e-4)``: a relative SD ``phi`` below this is a boundary fit."""

_LOG2PI = float(np.log(2.0 * np.pi))


@dataclass(frozen=True, eq=False)
class Sums:
    """Sufficient statistics of one model (see the module docstring)."""

    n_obs: int
    p: int
    xtx: np.ndarray  # (p, p)
    xty: np.ndarray  # (p,)
    yty: float
    sizes: np.ndarray  # (k,) distinct subject sizes n
    counts: np.ndarray  # (k,) number of subjects of each size
    ss: np.ndarray  # (k, p, p) sum of s_i s_i' over subjects of each size
    st: np.ndarray  # (k, p) sum of s_i t_i
    tt: np.ndarray  # (k,) sum of t_i^2
    # cohort level (None without a second random intercept)
    c_s: np.ndarray | None = None  # (C, k, p) sum of s_i over subjects of cohort c and size k
    c_t: np.ndarray | None = None  # (C, k) sum of t_i
    c_n: np.ndarray | None = None  # (C, k) sum of n_i

    @property
    def n_re(self) -> int:
        return 1 if self.c_s is None else 2


def sums(X: np.ndarray, y: np.ndarray, subject: np.ndarray, n_subjects: int,
         cohort_of_subject: np.ndarray | None = None, n_cohorts: int = 0) -> Sums:
    """Sufficient statistics from the design ``X`` (N x p), response ``y`` and integer codes.

    ``subject`` holds codes 0..n_subjects-1 per row; ``cohort_of_subject`` (optional) the
    cohort code of each subject.
    """
    n, p = X.shape
    n_i = np.bincount(subject, minlength=n_subjects)
    s = np.empty((n_subjects, p))
    for j in range(p):
        s[:, j] = np.bincount(subject, weights=X[:, j], minlength=n_subjects)
    t = np.bincount(subject, weights=y, minlength=n_subjects)
    sizes, size_idx = np.unique(n_i, return_inverse=True)
    k = sizes.size
    counts = np.bincount(size_idx, minlength=k).astype(float)
    ss = np.empty((k, p, p))
    st = np.empty((k, p))
    tt = np.empty(k)
    order = np.argsort(size_idx, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(size_idx, minlength=k))])
    for g in range(k):
        idx = order[bounds[g]:bounds[g + 1]]
        sg, tg = s[idx], t[idx]
        ss[g] = sg.T @ sg
        st[g] = sg.T @ tg
        tt[g] = tg @ tg
    c_s: np.ndarray | None = None
    c_t: np.ndarray | None = None
    c_n: np.ndarray | None = None
    if cohort_of_subject is not None:
        key = cohort_of_subject * k + size_idx
        m = n_cohorts * k
        flat = np.empty((m, p))
        for j in range(p):
            flat[:, j] = np.bincount(key, weights=s[:, j], minlength=m)
        c_s = flat.reshape(n_cohorts, k, p)
        c_t = np.bincount(key, weights=t, minlength=m).reshape(n_cohorts, k)
        c_n = np.bincount(key, weights=n_i.astype(float), minlength=m).reshape(n_cohorts, k)
    return Sums(n_obs=n, p=p, xtx=X.T @ X, xty=X.T @ y, yty=float(y @ y),
                sizes=sizes.astype(float), counts=counts, ss=ss, st=st, tt=tt,
                c_s=c_s, c_t=c_t, c_n=c_n)


# --------------------------------------------------------------------------------------
# deviance
# --------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class State:
    """Everything that depends on the variance ratios ``rho`` (not on sigma)."""

    M: np.ndarray  # X'H^-1 X
    chol: np.ndarray  # lower Cholesky factor of M
    beta: np.ndarray
    Q: float  # y'H^-1 y - b'M^-1 b (penalised residual sum of squares)
    logdet_h: float
    logdet_m: float


def state(st: Sums, phi: np.ndarray) -> State | None:
    """Matrices at relative SDs ``phi``; None if X'H^-1 X is not positive definite."""
    rho = np.asarray(phi, dtype=float) ** 2
    r1 = rho[0]
    w = r1 / (1.0 + st.sizes * r1)
    M = st.xtx - np.tensordot(w, st.ss, axes=1)
    b = st.xty - w @ st.st
    c = st.yty - w @ st.tt
    logdet_h = float(st.counts @ np.log1p(st.sizes * r1))
    if st.c_s is not None:
        r2 = rho[1]
        a = 1.0 / (1.0 + st.sizes * r1)
        u = np.einsum("k,ckp->cp", a, st.c_s)
        v = st.c_t @ a
        S = st.c_n @ a
        gam = r2 / (1.0 + r2 * S)
        M = M - (u * gam[:, None]).T @ u
        b = b - (gam * v) @ u
        c = c - gam @ (v * v)
        logdet_h += float(np.log1p(r2 * S).sum())
    try:
        L = linalg.cholesky(M, lower=True)
    except linalg.LinAlgError:
        return None
    beta = linalg.cho_solve((L, True), b)
    Q = float(c - b @ beta)
    return State(M=M, chol=L, beta=beta, Q=Q, logdet_h=logdet_h,
                 logdet_m=float(2.0 * np.log(np.diag(L)).sum()))


def solve(st: Sums, phi: np.ndarray) -> State:
    """:func:`state` for a design known to be full rank (it is checked at ``phi = 0``)."""
    s = state(st, phi)
    if s is None:  # pragma: no cover - X'H^-1 X is positive definite when X'X is
        raise np.linalg.LinAlgError("X'H^-1 X is not positive definite")
    return s


def reml_criterion(st: Sums, s: State) -> float:
    """lme4's REML criterion (-2 REML log-likelihood) with sigma at its REML estimate."""
    df = st.n_obs - st.p
    return s.logdet_h + s.logdet_m + df * (1.0 + _LOG2PI + np.log(s.Q / df))


def _profiled(st: Sums, phi: np.ndarray) -> float:
    s = state(st, phi)
    if s is None or not s.Q > 0:
        return np.inf
    return reml_criterion(st, s)


def deviance(st: Sums, varpar: np.ndarray) -> float:
    """lmerTest's ``devfun_vp``: REML deviance at ``varpar = (phi_1, ..., sigma)``."""
    s = state(st, varpar[:-1])
    if s is None:
        return np.nan
    sig2 = varpar[-1] ** 2
    return (s.logdet_h + s.logdet_m + s.Q / sig2
            + (st.n_obs - st.p) * (_LOG2PI + np.log(sig2)))


def covbeta(st: Sums, varpar: np.ndarray) -> np.ndarray:
    """lmerTest's ``get_covbeta``: sigma^2 (X'H^-1 X)^-1 at ``varpar``."""
    s = solve(st, varpar[:-1])
    return varpar[-1] ** 2 * linalg.cho_solve((s.chol, True), np.eye(st.p))


# --------------------------------------------------------------------------------------
# one random intercept: analytic derivatives in rho
# --------------------------------------------------------------------------------------
def _derivs1(st: Sums, rho: float, s: State) -> dict[str, Any]:
    """First and second derivatives w.r.t. rho of log|H|, log|M| and Q (one random intercept)."""
    n = st.sizes
    a = 1.0 / (1.0 + n * rho)
    w1 = a * a  # dw/drho
    w2 = -2.0 * n * a ** 3
    M1 = -np.tensordot(w1, st.ss, axes=1)
    M2 = -np.tensordot(w2, st.ss, axes=1)
    b1, b2 = -(w1 @ st.st), -(w2 @ st.st)
    c1, c2 = -(w1 @ st.tt), -(w2 @ st.tt)
    cho = (s.chol, True)
    beta = s.beta
    Minv_M1 = linalg.cho_solve(cho, M1)
    beta1 = linalg.cho_solve(cho, b1 - M1 @ beta)
    Q1 = c1 - 2.0 * b1 @ beta + beta @ M1 @ beta
    Q2 = c2 - 2.0 * b2 @ beta + beta @ M2 @ beta - 2.0 * beta1 @ s.M @ beta1
    return {
        "h1": float(st.counts @ (n * a)), "h2": float(-(st.counts @ (n * n * a * a))),
        "m1": float(np.trace(Minv_M1)),
        "m2": float(np.trace(linalg.cho_solve(cho, M2)) - np.sum(Minv_M1 * Minv_M1.T)),
        "Q1": float(Q1), "Q2": float(Q2), "M1": M1,
    }


def _profiled_grad1(st: Sums, rho: float) -> tuple[float, float]:
    """Derivative and second derivative of the REML criterion w.r.t. rho."""
    s = solve(st, np.array([np.sqrt(rho)]))
    d = _derivs1(st, rho, s)
    df = st.n_obs - st.p
    q = float(d["Q1"]) / s.Q
    g = float(d["h1"]) + float(d["m1"]) + df * q
    h = float(d["h2"]) + float(d["m2"]) + df * (float(d["Q2"]) / s.Q - q * q)
    return g, h


# --------------------------------------------------------------------------------------
# optimisation
# --------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Optimum:
    phi: np.ndarray
    converged: bool
    message: str
    n_evaluations: int


def _brent(f, hi0: float = 10.0) -> tuple[float, int, bool]:
    """Minimise f(phi) on [0, hi], widening hi while the minimum sits at the upper end."""
    hi, nfev = hi0, 0
    while True:
        res = optimize.minimize_scalar(f, bounds=(0.0, hi), method="bounded",
                                       options={"xatol": 1e-10 * max(1.0, hi / 10.0),
                                                "maxiter": 500})
        nfev += int(res.nfev)
        if res.x < 0.9 * hi or hi >= 1e6:
            return float(res.x), nfev, bool(res.x < 0.9 * hi)
        hi *= 100.0


def optimise(st: Sums) -> Optimum:
    """REML estimates of the relative SDs ``phi`` (boundary values are exactly 0)."""
    if st.n_re == 1:
        return _optimise1(st)
    return _optimise2(st)


def _optimise1(st: Sums) -> Optimum:
    f = lambda x: _profiled(st, np.array([x]))  # noqa: E731
    phi, nfev, inside = _brent(f)
    if not inside:
        return Optimum(np.array([phi]), False,
                       "the random-intercept SD ran to the upper limit: the residual variance "
                       "is (close to) zero", nfev)
    # boundary: the criterion increases as rho leaves 0
    g0, _ = _profiled_grad1(st, 0.0)
    if g0 >= 0 and f(0.0) <= f(phi) + 1e-9:
        return Optimum(np.array([0.0]), True, "", nfev + 2)
    # Newton polish in rho (quadratic convergence from Brent's estimate)
    rho = phi * phi
    fr = f(phi)
    for _ in range(30):
        g, h = _profiled_grad1(st, rho)
        nfev += 1
        if not h > 0:
            break
        new = rho - g / h
        if new <= 0:
            break
        fn = f(np.sqrt(new))
        if fn > fr + 1e-12 * abs(fr):
            break
        done = abs(new - rho) <= 1e-15 * max(rho, 1e-300) + 1e-300
        rho, fr = new, fn
        if done or abs(g / h) < 1e-14 * rho:
            break
    return Optimum(np.array([np.sqrt(rho)]), True, "", nfev)


def _at_boundary(f: Any, phi: np.ndarray, fbest: float) -> tuple[np.ndarray, float, int]:
    """Components at the boundary: fix at 0 and re-optimise the other (kept if no worse)."""
    nfev = 0
    for j in range(2):
        if phi[j] < SINGULAR_TOL:
            other = 1 - j

            def g1(x, j=j, other=other):
                v = np.zeros(2)
                v[other] = x
                return f(v)

            x, n1, _ = _brent(g1, hi0=max(10.0, 10 * phi[other]))
            nfev += n1
            fz = g1(x)
            if fz <= fbest + 1e-7:
                phi = np.zeros(2)
                phi[other] = x
                fbest = fz
    return phi, fbest, nfev


def _optimise2(st: Sums) -> Optimum:
    """Two nested random intercepts: L-BFGS-B, then boundary components set to exactly 0."""
    f = lambda x: _profiled(st, np.abs(np.asarray(x)))  # noqa: E731

    def grad(x):
        g = np.empty_like(x)
        for j in range(x.size):
            h = 1e-6 * max(1.0, abs(x[j]))
            e = np.zeros_like(x)
            e[j] = h
            g[j] = (f(x + e) - f(x - e)) / (2 * h)
        return g

    start1 = _optimise1(_drop_cohort(st)).phi[0]
    best: Any = None
    nfev = 0
    for x0 in ([max(start1, 0.1), 0.5], [1.0, 1.0]):
        res = optimize.minimize(f, np.array(x0), jac=grad, method="L-BFGS-B",
                                bounds=[(0.0, 1e6)] * 2,
                                options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 1000})
        nfev += int(res.nfev)
        if best is None or res.fun < best.fun:
            best = res
    phi = np.abs(best.x)
    fbest = float(best.fun)
    phi, fbest, n_boundary = _at_boundary(f, phi, fbest)
    nfev += n_boundary
    # polish the free (interior) components with Newton steps on Richardson derivatives
    free = np.flatnonzero(phi >= SINGULAR_TOL)
    fixed = phi.copy()

    def f_free(x):
        v = fixed.copy()
        v[free] = x
        return f(v)

    step = np.zeros(free.size)
    for _ in range(8):
        if free.size == 0:
            break
        x = phi[free]
        g = richardson_grad(f_free, x)
        H = richardson_hessian(f_free, x)
        nfev += 8 * free.size * (free.size + 2)
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            break
        new = x - step
        if np.any(new <= 0) or not np.all(np.isfinite(new)):
            break
        fn = f_free(new)
        if fn > fbest + 1e-12 * abs(fbest):
            break
        phi = phi.copy()
        phi[free] = new
        fbest = fn
        if np.max(np.abs(step) / np.maximum(new, 1e-3)) < 1e-10:
            break
    if np.any(phi > 0.9e6):
        return Optimum(phi, False, "a random-intercept SD ran to the upper limit: the residual "
                       "variance is (close to) zero", nfev)
    if free.size and np.max(np.abs(step) / np.maximum(phi[free], 1e-3)) > 1e-6:
        return Optimum(phi, False, "the REML optimiser did not settle: last Newton step "
                       f"{float(np.max(np.abs(step))):.1e}", nfev)
    return Optimum(phi, True, "", nfev)


def _drop_cohort(st: Sums) -> Sums:
    return Sums(n_obs=st.n_obs, p=st.p, xtx=st.xtx, xty=st.xty, yty=st.yty, sizes=st.sizes,
                counts=st.counts, ss=st.ss, st=st.st, tt=st.tt)


# --------------------------------------------------------------------------------------
# Satterthwaite ingredients
# --------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Satterthwaite:
    """lmerTest's ``vcov_varpar`` and ``Jac_list`` at the REML estimates."""

    vcov_varpar: np.ndarray  # ((K+1), (K+1)) asymptotic covariance of (phi, sigma)
    jac: tuple[np.ndarray, ...]  # d cov(beta) / d varpar_j, each (p, p)
    hessian: np.ndarray
    n_zero_eigen: int
    n_negative_eigen: int


def satterthwaite(st: Sums, phi: np.ndarray, sigma: float, *, analytic: bool = True,
                  tol: float = 1e-8) -> Satterthwaite:
    """Hessian of lmerTest's REML deviance in (phi, sigma), its generalised inverse, and the
    Jacobian of cov(beta) (``as_lmerModLmerTest`` in lmerTest's ``R/lmer.R``).

    With one random intercept the derivatives are analytic; with two they are numerical with
    Richardson extrapolation (as numDeriv, which lmerTest uses).
    """
    varpar = np.concatenate([np.asarray(phi, float), [sigma]])
    if st.n_re == 1 and analytic:
        H, jac = _analytic1(st, float(phi[0]), sigma)
    else:
        H = richardson_hessian(lambda v: deviance(st, v), varpar)
        jac = richardson_jacobian(lambda v: covbeta(st, v), varpar)
    evals, evecs = np.linalg.eigh(H)
    pos = evals > tol
    h_inv = (evecs[:, pos] / evals[pos]) @ evecs[:, pos].T
    return Satterthwaite(vcov_varpar=2.0 * h_inv, jac=tuple(jac), hessian=H,
                         n_zero_eigen=int(np.sum(np.abs(evals) <= tol)),
                         n_negative_eigen=int(np.sum(evals < -tol)))


def _analytic1(st: Sums, phi: float, sigma: float) -> tuple[np.ndarray, list[np.ndarray]]:
    rho = phi * phi
    s = solve(st, np.array([phi]))
    d = _derivs1(st, rho, s)
    df = st.n_obs - st.p
    sig2 = sigma * sigma
    # D(rho, sigma) = h + m + Q/sigma^2 + df log(2 pi sigma^2)
    d_rho = d["h1"] + d["m1"] + d["Q1"] / sig2
    d_rhorho = d["h2"] + d["m2"] + d["Q2"] / sig2
    d_phiphi = 4.0 * rho * d_rhorho + 2.0 * d_rho
    d_phisig = 2.0 * phi * (-2.0 * d["Q1"] / sig2 / sigma)
    d_sigsig = 6.0 * s.Q / sig2 ** 2 - 2.0 * df / sig2
    H = np.array([[d_phiphi, d_phisig], [d_phisig, d_sigsig]])
    cho = (s.chol, True)
    Minv = linalg.cho_solve(cho, np.eye(st.p))
    j_phi = 2.0 * phi * sig2 * -(Minv @ d["M1"] @ Minv)
    j_sig = 2.0 * sigma * Minv
    return H, [j_phi, j_sig]
