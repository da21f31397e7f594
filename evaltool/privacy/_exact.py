"""Exact check of one scale against the all-participants cells (private).

The atom rule assumes an attacker knows every atom's sum. Numbers about all participants cut
everyone by attendance pattern (answered T1 and T3 but not T2 …), so in a small study many
atoms are small although their sums cannot be worked out: four all-participants sets give at
most four equations over up to sixteen patterns. For a scale with at most
:data:`EXACT_LIMIT` units this module decides exactly instead, on the equations as published
(a change is one equation over two timepoints) written over *units* — people in exactly the
same cells, shown or hidden, at one timepoint: swapping two people of a unit keeps every
equation, so ranges over unit sums are exact.

- a unit whose sum is determined (its unit vector lies in the row space) must pass the atom
  conditions (at least k people, not at a limit, not all alike);
- any other unit must leave each of its people an interval of at least p: the range
  [s_min, s_max] of its sum gives each person
  [max(lo, s_min − (n−1)·hi), min(hi, s_max − (n−1)·lo)];
- a hidden cell over fewer than k people must not be determined, and its total must keep a
  range of at least p; a hidden cell over k or more that the shown cells determine anyway is
  reported so it can be shown again (it adds nothing).

Ranges come from a move along the null space from the true values where that already proves
them wide enough, else from two linear programmes (HiGHS).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from ._problem import Problem

EXACT_LIMIT = 400
"""Largest number of units of one scale decided exactly; larger scales use the atom rule."""

_TOL = 1e-7


@dataclass
class ExactResult:
    unit_slots: list[int] = field(default_factory=list)   # one slot of each failing unit
    cells: list[int] = field(default_factory=list)        # hidden cells over < k recoverable
    reshow: list[int] = field(default_factory=list)       # hidden cells determined anyway


def exact_check(prob: Problem, active: np.ndarray, sensitive: np.ndarray, variables: list[int],
                k: int) -> ExactResult | None:
    """Check one scale exactly; None when it has more than :data:`EXACT_LIMIT` units."""
    slots = np.flatnonzero(np.isin(prob.slot_var, variables))
    unit_of, units = _units(prob, slots)
    if len(units) > EXACT_LIMIT:
        return None
    cells = np.unique(prob.t_cell[np.isin(prob.t_slot, slots)])
    shown = cells[active[cells]]
    hidden = cells[~active[cells]]
    U = _coefficients(prob, units, cells)            # cells × units
    row = {int(c): i for i, c in enumerate(cells)}
    G = U[[row[int(c)] for c in shown]]
    var = prob.slot_var[units]
    size = np.bincount(unit_of, minlength=len(units)).astype(float)
    total = np.bincount(unit_of, weights=prob.slot_x[slots], minlength=len(units))
    mean = total / size
    ss = np.bincount(unit_of, weights=(prob.slot_x[slots] - mean[unit_of]) ** 2, minlength=len(units))
    lo, hi, p = prob.var_lo[var], prob.var_hi[var], prob.var_p[var]
    box = (size * lo, size * hi)
    from scipy.linalg import null_space

    N = null_space(G) if len(shown) else np.eye(len(units))
    out = ExactResult()
    bad = (size < k) | _value_fails(size, total, ss, lo, hi, p)
    for i in np.flatnonzero(bad).tolist():
        e = np.zeros(len(units))
        e[i] = 1.0
        def wide(a: float, b: float, i: int = i) -> bool:
            return _person_width(a, b, size[i], lo[i], hi[i]) >= p[i] - _TOL

        det, s_min, s_max = _range(G, total, box, N, e, accept=wide)
        if det or not wide(s_min, s_max):
            out.unit_slots.append(int(units[i]))
    for c in hidden.tolist():
        obj = U[row[c]]
        if not obj.any():
            continue
        need = float(p[obj != 0][0])

        def enough(a: float, b: float, need: float = need, c: int = c) -> bool:
            return not sensitive[c] or b - a >= need - _TOL

        det, s_min, s_max = _range(G, total, box, N, obj, accept=enough)
        if sensitive[c] and (det or not enough(s_min, s_max)):
            out.cells.append(c)
        elif det and not sensitive[c]:
            out.reshow.append(c)
    return out


def exact_scales(prob: Problem) -> np.ndarray:
    """Per scale code: whether it has at most :data:`EXACT_LIMIT` units (decided exactly)."""
    h1, h2, _ = prob.signature(np.ones(prob.n_cells, dtype=bool), signed=True)
    units = pd.DataFrame({"v": prob.slot_var, "a": h1, "b": h2}).drop_duplicates()
    per = np.bincount(prob.var_scale[units["v"].to_numpy()], minlength=int(prob.var_scale.max(initial=-1)) + 1)
    return per <= EXACT_LIMIT


def _units(prob: Problem, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit id of each slot (same variable, same cells with the same coefficients, shown or
    hidden) and one slot per unit."""
    h1, h2, _ = prob.signature(np.ones(prob.n_cells, dtype=bool), signed=True)
    keys = pd.DataFrame({"v": prob.slot_var[slots], "a": h1[slots], "b": h2[slots]})
    codes = keys.groupby(["v", "a", "b"], sort=False).ngroup().to_numpy().astype(np.int64)
    first = np.zeros(int(codes.max(initial=-1)) + 1, dtype=np.int64)
    first[codes[::-1]] = slots[::-1]
    return codes, first


def _coefficients(prob: Problem, units: np.ndarray, cells: np.ndarray) -> np.ndarray:
    row = {int(c): i for i, c in enumerate(cells)}
    U = np.zeros((len(cells), len(units)))
    for j, s in enumerate(units.tolist()):
        lo, hi = prob.slot_start[s], prob.slot_start[s + 1]
        for c, w in zip(prob.t_cell[lo:hi].tolist(), prob.t_coef[lo:hi].tolist(), strict=True):
            U[row[c], j] = w
    return U


def _value_fails(n: np.ndarray, total: np.ndarray, ss: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                 p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        need = np.where(n >= 2, p**2 * n / (4 * (n - 1)), 0.0)
    return (n * hi - total < p - 1e-9) | (total - n * lo < p - 1e-9) | ((n >= 2) & (ss < need - 1e-9))


def _person_width(s_min: float, s_max: float, n: float, lo: float, hi: float) -> float:
    return min(hi, s_max - (n - 1) * lo) - max(lo, s_min - (n - 1) * hi)


def _range(G: np.ndarray, s: np.ndarray, box: tuple[np.ndarray, np.ndarray], N: np.ndarray, obj: np.ndarray,
           accept: Callable[[float, float], bool]) -> tuple[bool, float, float]:
    """(determined, min, max) of obj · s over {G s = G s_true, box}; a null-space move first."""
    proj = N.T @ obj if N.size else np.zeros(0)
    if not N.size or np.linalg.norm(proj) < 1e-8 * max(1.0, float(np.linalg.norm(obj))):
        v = float(obj @ s)
        return True, v, v
    z = N @ proj
    s_lo, s_hi = box
    pos, neg = z > _TOL, z < -_TOL
    up = min(np.min((s_hi - s)[pos] / z[pos], initial=np.inf), np.min((s_lo - s)[neg] / z[neg], initial=np.inf))
    down = min(np.min((s - s_lo)[pos] / z[pos], initial=np.inf), np.min((s - s_hi)[neg] / z[neg], initial=np.inf))
    gain = float(obj @ z)
    v = float(obj @ s)
    cert = (v - max(down, 0.0) * gain, v + max(up, 0.0) * gain)
    if accept(*cert):
        return False, cert[0], cert[1]
    from scipy.optimize import linprog

    bounds = list(zip(s_lo.tolist(), s_hi.tolist(), strict=True))
    kw = {"A_eq": G, "b_eq": G @ s} if G.shape[0] else {}
    r1 = linprog(obj, bounds=bounds, method="highs", **kw)
    r2 = linprog(-obj, bounds=bounds, method="highs", **kw)
    if r1.status != 0 or r2.status != 0:  # pragma: no cover - the true values are feasible
        return False, cert[0], cert[1]
    return False, float(r1.fun), float(-r2.fun)
