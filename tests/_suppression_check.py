"""An attacker's view of a suppressed table, written independently of evaltool's suppression
module: the published totals as linear equations, a rank test and integer programming.

Reference: Cox (1980) JASA 75:377–385 (cell suppression as linear constraints).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from evaltool.report.suppression import Suppression


# --- an attacker's view, written independently of the module ---------------------------------
def _equations(shape: tuple[int, int], row_totals: bool, column_totals: bool) -> np.ndarray:
    """Rows = published totals as equations over the cells of the table *with* totals."""
    R, C = shape  # includes the total row/column
    r = R - (1 if column_totals else 0)
    c = C - (1 if row_totals else 0)
    idx = np.arange(R * C).reshape(R, C)
    eqs = []
    if row_totals:
        for i in range(r):
            a = np.zeros(R * C)
            a[idx[i, :c]] = 1
            a[idx[i, c]] = -1
            eqs.append(a)
    if column_totals:
        for j in range(c):
            a = np.zeros(R * C)
            a[idx[:r, j]] = 1
            a[idx[r, j]] = -1
            eqs.append(a)
    if row_totals and column_totals:
        a = np.zeros(R * C)
        a[idx[r, :c]] = 1
        a[idx[r, c]] = -1
        eqs.append(a)
        a = np.zeros(R * C)
        a[idx[:r, c]] = 1
        a[idx[r, c]] = -1
        eqs.append(a)
    return np.array(eqs).reshape(len(eqs), R * C)


def determined_cells(s: Suppression, row_totals: bool, column_totals: bool) -> list[int]:
    """Hidden cells whose value linear algebra recovers from the published numbers."""
    mask = s.mask.to_numpy(dtype=bool).ravel()
    A = _equations(s.mask.shape, row_totals, column_totals)
    hid = np.flatnonzero(mask)
    if len(A) == 0:
        return []
    As = A[:, hid]
    base = np.linalg.matrix_rank(As) if As.size else 0
    out = []
    for k, cell in enumerate(hid):
        e = np.zeros((1, len(hid)))
        e[0, k] = 1
        if np.linalg.matrix_rank(np.vstack([As, e])) == base:
            out.append(int(cell))
    return out


def integer_ranges(s: Suppression, row_totals: bool, column_totals: bool) -> dict[int, tuple[float, float]]:
    """(min, max) of each hidden cell over all non-negative integer tables matching the output."""
    full = s.counts.to_numpy(dtype=float).ravel()
    mask = s.mask.to_numpy(dtype=bool).ravel()
    A = _equations(s.mask.shape, row_totals, column_totals)
    hid = np.flatnonzero(mask)
    pub = np.flatnonzero(~mask)
    out: dict[int, tuple[float, float]] = {}
    if len(A) == 0:
        return {int(h): (0.0, np.inf) for h in hid}
    As, b = A[:, hid], -A[:, pub] @ full[pub]
    ub = np.full(len(hid), float(full.sum()))  # no cell exceeds the sum of everything
    for k, cell in enumerate(hid):
        lims = []
        for sign in (1.0, -1.0):
            obj = np.zeros(len(hid))
            obj[k] = sign
            res = milp(obj, constraints=LinearConstraint(As, b, b), integrality=np.ones(len(hid)),
                       bounds=Bounds(np.zeros(len(hid)), ub))
            assert res.status == 0, res.message
            lims.append(sign * res.fun)
        out[int(cell)] = (lims[0], lims[1])
    return out




def joint_integer_ranges(tables: dict[str, Suppression], less_equal: list[tuple[tuple, tuple]],
                         targets: list[tuple] | None = None) -> dict[tuple, tuple[float, float]]:
    """(min, max) of hidden cells over every set of non-negative integer tables that agrees with
    everything published in *all* ``tables`` (each with its column totals) and with the
    inequalities ``a <= b`` between cells of different tables (``(table, row, column)`` keys),
    e.g. "people with a score at T <= people responding at T".
    """
    keys: list[tuple] = []
    for name, s in tables.items():
        for r in s.counts.index:
            for c in s.counts.columns:
                keys.append((name, r, c))
    pos = {k: i for i, k in enumerate(keys)}
    n = len(keys)
    value = np.array([tables[k[0]].counts.loc[k[1], k[2]] for k in keys], dtype=float)
    hidden = np.array([bool(tables[k[0]].mask.loc[k[1], k[2]]) for k in keys])
    rows = []
    for name, s in tables.items():
        body = [r for r in s.counts.index if r != "Total"]
        for c in s.counts.columns:
            a = np.zeros(n)
            for r in body:
                a[pos[(name, r, c)]] = 1
            a[pos[(name, "Total", c)]] = -1
            rows.append(a)
    eq = LinearConstraint(np.array(rows), 0, 0)
    cons = [eq]
    if less_equal:
        ineq = np.zeros((len(less_equal), n))
        for i, (a, b) in enumerate(less_equal):
            ineq[i, pos[a]] += 1
            ineq[i, pos[b]] -= 1
        cons.append(LinearConstraint(ineq, -np.inf, 0))
    lo = np.where(hidden, 0, value)
    hi = np.where(hidden, value.max() * 4 + 10, value)
    out: dict[tuple, tuple[float, float]] = {}
    for k in targets if targets is not None else [k for k, h in zip(keys, hidden, strict=True) if h]:
        i = pos[k]
        lims = []
        for sign in (1.0, -1.0):
            obj = np.zeros(n)
            obj[i] = sign
            res = milp(obj, constraints=cons, integrality=np.ones(n), bounds=Bounds(lo, hi))
            assert res.status == 0, res.message
            lims.append(sign * res.fun)
        out[k] = (lims[0], lims[1])
    return out
