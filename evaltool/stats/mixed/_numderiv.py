"""Numerical derivatives by central differences with Richardson extrapolation.

The same scheme as R's numDeriv (``genD``/``jacobian``: four step halvings, initial step
``d * |x|`` or ``eps`` near zero), which lmerTest uses for the Hessian of the REML deviance and
the Jacobian of cov(beta). The default step is larger than numDeriv's (``d = 1e-2``): the
functions here are smooth and cheap, and the larger step keeps rounding error small.
"""

from __future__ import annotations

import numpy as np


# --------------------------------------------------------------------------------------
def _steps(x: np.ndarray, d: float = 1e-2, eps: float = 1e-3,
           zero_tol: float = np.sqrt(np.finfo(float).eps / 7e-7)) -> np.ndarray:
    return np.where(np.abs(x) < zero_tol, eps, d * np.abs(x))


def _richardson(values: list, v: float = 2.0, order: int = 2):
    """Extrapolate a list of central-difference estimates at steps h, h/v, h/v^2, ..."""
    a = [np.asarray(x, dtype=float) for x in values]
    for m in range(1, len(a)):
        fac = v ** (order * m)
        a = [(fac * a[i + 1] - a[i]) / (fac - 1.0) for i in range(len(a) - 1)]
    return a[0]


def richardson_grad(f, x: np.ndarray, r: int = 4) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    h0 = _steps(x)
    out = np.empty(x.size)
    for j in range(x.size):
        est = []
        for k in range(r):
            h = h0[j] / 2.0 ** k
            e = np.zeros_like(x)
            e[j] = h
            est.append((f(x + e) - f(x - e)) / (2 * h))
        out[j] = _richardson(est)
    return out


def richardson_hessian(f, x: np.ndarray, r: int = 4) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    n = x.size
    h0 = _steps(x)
    f0 = f(x)
    H = np.empty((n, n))
    for i in range(n):
        for j in range(i, n):
            est = []
            for k in range(r):
                hi, hj = h0[i] / 2.0 ** k, h0[j] / 2.0 ** k
                ei = np.zeros(n)
                ei[i] = hi
                ej = np.zeros(n)
                ej[j] = hj
                if i == j:
                    est.append((f(x + ei) - 2 * f0 + f(x - ei)) / (hi * hi))
                else:
                    est.append((f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej)
                                + f(x - ei - ej)) / (4 * hi * hj))
            H[i, j] = H[j, i] = _richardson(est)
    return H


def richardson_jacobian(f, x: np.ndarray, r: int = 4) -> list[np.ndarray]:
    """d f / d x_j for a matrix-valued f, one matrix per coordinate."""
    x = np.asarray(x, dtype=float)
    h0 = _steps(x)
    out = []
    for j in range(x.size):
        est = []
        for k in range(r):
            h = h0[j] / 2.0 ** k
            e = np.zeros_like(x)
            e[j] = h
            est.append((f(x + e) - f(x - e)) / (2 * h))
        out.append(_richardson(est))
    return out
