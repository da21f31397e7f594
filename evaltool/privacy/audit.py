"""The attacker: solve the published numbers as linear constraints and see what comes back.

Written independently of the decider (it never looks at atoms or reasons): it sees only what a
reader of every report sees — each shown cell's n and estimate, who is behind it (a facilitator
knows who took part and who missed a survey) and each scale's limits — and asks, for every
person's value and every hidden cell, how narrowly the published numbers pin it down.

Method (as R sdcTable's ``attack()`` and τ-ARGUS' audit; Hundepool et al. 2012, §4.3):
each shown cell gives ``Σ coef · x = n × estimate``; each value lies within its scale's limits.
A value is *exactly determined* when its unit vector lies in the row space of the equations
(null-space check, linear algebra); its *feasible interval* is [min x, max x] over the
polytope, by two linear programmes (``scipy.optimize.linprog``, HiGHS). People whose columns
in the equations are identical have the same interval (swapping them keeps every equation),
so one pair of programmes per class of identical columns suffices. A value is *disclosed* when
its interval is shorter than the protection interval; a hidden cell over fewer than
``min_cell_size`` people is *recoverable* when the equations determine it or the interval of
its total (n × mean) is shorter than the protection interval (so its mean's protection is the
protection interval / n, shown in ``protection``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import ParameterError
from ..options import DEFAULT_MIN_CELL_SIZE, check_min_cell_size
from ._problem import scale_bounds
from .cells import CellSet
from .rule import DEFAULT_PROTECTION, check_protection

__all__ = ["AUDIT_COLUMNS", "audit_disclosure"]

AUDIT_COLUMNS = ("target", "cell", C.PARTICIPANT_ID, C.SCALE, C.TIMEPOINT, "low", "high", "width",
                 "protection", "exact", "disclosed")
"""Columns of :func:`audit_disclosure`'s result."""

_TOL = 1e-6


def audit_disclosure(cells: CellSet, bounds: object, *, shown: object = None,
                     min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
                     protection: float = DEFAULT_PROTECTION) -> pd.DataFrame:
    """Attack the published cells: which individual values, or hidden cells, come back?

    Parameters
    ----------
    cells
        The cells with their published ``n`` and ``estimate`` and their terms (who is behind
        each). Not modified.
    bounds
        Each scale's limits: a table ``scale, score_min, score_max`` or ``{scale: (lo, hi)}``.
    shown
        Booleans aligned with ``cells.cells``: which cells are published (default: its
        ``shown`` column if it has one, else all). Hidden cells are attacked too.
    min_cell_size
        Hidden cells over fewer people than this are *sensitive*: they count as disclosed when
        the equations determine them or their total's interval is shorter than the protection
        interval. A larger hidden cell that the equations determine is reported (``exact``) but
        is no disclosure: it describes at least ``min_cell_size`` people.
    protection
        The protection interval as a share of the scale's range.

    Returns
    -------
    DataFrame
        One row per value (``target = "value"``: participant, scale, timepoint) and per hidden
        cell (``target = "cell"``), columns :data:`AUDIT_COLUMNS`: the feasible interval
        ``low``–``high`` and its ``width``, the ``protection`` interval, ``exact`` (determined
        by the equations alone) and ``disclosed`` (a value: ``width < protection``; a hidden
        cell over fewer than ``min_cell_size`` people: determined, or ``width < protection``).

    Examples
    --------
    The mean at T1 over three people and the mean change over two of them give away the third
    person's score at T1:

    >>> import pandas as pd
    >>> from evaltool.privacy import summary_cells
    >>> scores = pd.DataFrame({"participant_id": ["a", "b", "c", "a", "b"],
    ...                        "timepoint": ["T1", "T1", "T1", "T2", "T2"], "scale": "brs",
    ...                        "score": [2.0, 3.0, 4.0, 3.0, 3.5], "cohort": "C1"})
    >>> cs = summary_cells(scores, study=False)
    >>> found = audit_disclosure(cs, {"brs": (1, 5)})
    >>> found.loc[found["disclosed"], ["participant_id", "timepoint", "low", "high"]]
      participant_id timepoint  low  high
    4              c        T1  4.0   4.0
    """
    p = check_protection(protection, "audit_disclosure")
    k = check_min_cell_size(min_cell_size, "audit_disclosure")
    if not isinstance(cells, CellSet):
        raise ParameterError(f"The 'cells' parameter of audit_disclosure() must be a CellSet. Got "
                             f"{type(cells).__name__} instead.", fix="build it with summary_cells().")
    table = cells.cells.reset_index(drop=True)
    mask = _shown(table, shown)
    lim = scale_bounds(bounds, sorted(set(map(str, table["scale"]))), "audit_disclosure")
    sys = _System(cells, table, mask, lim)
    out = [sys.values(p)]
    hidden = np.flatnonzero(~mask & (table["n"].to_numpy(dtype=float) > 0))
    if len(hidden):
        out.append(sys.hidden_cells(hidden, p, k))
    res = pd.concat([o for o in out if len(o)], ignore_index=True) if any(len(o) for o in out) else out[0]
    return res.loc[:, list(AUDIT_COLUMNS)]


def _shown(table: pd.DataFrame, shown: object) -> np.ndarray:
    if shown is None:
        return table["shown"].to_numpy(dtype=bool) if "shown" in table.columns else np.ones(len(table), bool)
    mask = np.asarray(shown, dtype=bool)
    if mask.shape != (len(table),):
        raise ParameterError("The 'shown' parameter of audit_disclosure() must have one boolean per cell.")
    return mask


class _System:
    """The published equations, over *units*: people whose columns in every cell (shown or
    hidden) are identical and whose scale is the same. Every cell is a union of units, and
    swapping two people of a unit keeps every equation, so the linear programmes can run over
    unit sums (each within [n · lowest, n · highest]) and still give exact ranges."""

    def __init__(self, cells: CellSet, table: pd.DataFrame, mask: np.ndarray,
                 lim: dict[str, tuple[float, float]]) -> None:
        from scipy import sparse

        t = cells.terms
        cell_of = pd.Index(table["cell"]).get_indexer(t["cell"].astype(object))
        key = pd.MultiIndex.from_arrays([t[C.PARTICIPANT_ID].astype(str), t[C.SCALE].astype(str),
                                         t[C.TIMEPOINT].astype(str)])
        slot_of, self.slots = pd.factorize(key, sort=True)
        n_slots = len(self.slots)
        M = sparse.csc_matrix((t["coef"].to_numpy(dtype=float), (cell_of, slot_of)), shape=(len(table), n_slots))
        sig = pd.Series([tuple(zip(M.indices[M.indptr[j]:M.indptr[j + 1]].tolist(),
                                   M.data[M.indptr[j]:M.indptr[j + 1]].tolist(), strict=True))
                         for j in range(n_slots)])
        scale = pd.Series([s for _, s, _ in self.slots])
        self.unit_of = pd.factorize(pd.MultiIndex.from_arrays([scale, sig]), sort=False)[0]
        n_units = int(self.unit_of.max(initial=-1)) + 1
        first = pd.Series(np.arange(n_slots)).groupby(self.unit_of).first().to_numpy()
        self.size = np.bincount(self.unit_of, minlength=n_units).astype(float)
        self.lo = np.array([lim[s][0] for s in scale.iloc[first]], dtype=float) if n_units else np.zeros(0)
        self.hi = np.array([lim[s][1] for s in scale.iloc[first]], dtype=float) if n_units else np.zeros(0)
        self.U = M[:, first].toarray()              # cells × units (coefficient per person)
        self.rhs = table["n"].to_numpy(dtype=float) * table["estimate"].to_numpy(dtype=float)
        self.n = table["n"].to_numpy(dtype=float)
        self.table, self.mask = table, mask
        self.scale = scale.iloc[first].to_numpy() if n_units else np.zeros(0, dtype=object)

    def _eqs(self, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows = self.mask & (np.abs(self.U[:, units]).sum(axis=1) > 0)
        return self.U[np.ix_(rows, units)], self.rhs[rows]

    def values(self, p: float) -> pd.DataFrame:
        frames = []
        for sc in pd.unique(self.scale):
            frames.append(self._values_of(np.flatnonzero(self.scale == sc), p))
        return pd.concat(frames, ignore_index=True) if frames else _empty()

    def _values_of(self, units: np.ndarray, p: float) -> pd.DataFrame:
        A, b = self._eqs(units)
        n, lo, hi = self.size[units], self.lo[units], self.hi[units]
        exact = _determined(A)
        low, high = lo.copy(), hi.copy()
        for j in range(len(units)):
            if A.shape[0] == 0:
                break
            s_min, s_max = _lp_range(A, b, n * lo, n * hi, np.eye(1, len(units), j).ravel())
            low[j] = max(lo[j], s_min - (n[j] - 1) * hi[j])
            high[j] = min(hi[j], s_max - (n[j] - 1) * lo[j])
        per_slot = np.concatenate([np.flatnonzero(self.unit_of == u) for u in units])
        which = np.concatenate([np.full(int(self.size[u]), j) for j, u in enumerate(units)])
        names = [self.slots[s] for s in per_slot]
        width = (high - low)[which]
        prot = p * (hi - lo)[which]
        ex = exact[which] & (n[which] == 1)
        return pd.DataFrame({
            "target": "value", "cell": None, C.PARTICIPANT_ID: [x[0] for x in names],
            C.SCALE: [x[1] for x in names], C.TIMEPOINT: [x[2] for x in names], "low": low[which],
            "high": high[which], "width": width, "protection": prot, "exact": ex,
            "disclosed": ex | (width < prot - _TOL),
        })

    def hidden_cells(self, hidden: np.ndarray, p: float, k: int) -> pd.DataFrame:
        rows = []
        for i in hidden:
            units = np.flatnonzero(self.scale == self.scale[np.flatnonzero(self.U[i])[0]])
            A, b = self._eqs(units)
            n = self.size[units]
            obj = self.U[i, units] / self.n[i]          # per unit sum: coefficient / cell size
            s_min, s_max = _lp_range(A, b, n * self.lo[units], n * self.hi[units], obj)
            prot = p * float(self.hi[units[0]] - self.lo[units[0]]) / self.n[i]
            exact = bool(A.shape[0]) and _in_row_space(A, obj)
            width = s_max - s_min
            sensitive = self.n[i] < k
            rows.append({"target": "cell", "cell": self.table.loc[i, "cell"], C.PARTICIPANT_ID: None,
                         C.SCALE: str(self.table.loc[i, "scale"]), C.TIMEPOINT: _when(self.table.loc[i]),
                         "low": s_min, "high": s_max, "width": width, "protection": prot, "exact": exact,
                         "disclosed": bool(sensitive and (exact or width < prot - _TOL))})
        return pd.DataFrame(rows)


def _when(row: pd.Series) -> str:
    return str(row["timepoint"]) if row["statistic"] == "mean" else str(row["contrast"])


def _determined(A: np.ndarray) -> np.ndarray:
    """Columns whose unit vector lies in the row space of ``A`` (null-space rows of zero)."""
    if A.shape[0] == 0:
        return np.zeros(A.shape[1], dtype=bool)
    from scipy.linalg import null_space

    N = null_space(A)
    if N.size == 0:
        return np.ones(A.shape[1], dtype=bool)
    return np.linalg.norm(N, axis=1) < 1e-8


def _in_row_space(A: np.ndarray, v: np.ndarray) -> bool:
    from scipy.linalg import null_space

    N = null_space(A)
    return bool(N.size == 0 or np.linalg.norm(v @ N) < 1e-8 * max(1.0, float(np.linalg.norm(v))))


def _lp_range(A: np.ndarray, b: np.ndarray, lo: np.ndarray, hi: np.ndarray, c: np.ndarray) -> tuple[float, float]:
    """min and max of c · x subject to A x = b and lo ≤ x ≤ hi (HiGHS)."""
    from scipy.optimize import linprog

    bounds = list(zip(lo.tolist(), hi.tolist(), strict=True))
    kw = {"A_eq": A, "b_eq": b} if A.shape[0] else {}
    res_min = linprog(c, bounds=bounds, method="highs", **kw)
    res_max = linprog(-c, bounds=bounds, method="highs", **kw)
    if res_min.status != 0 or res_max.status != 0:
        raise ParameterError("The published numbers are inconsistent (no values satisfy them all).",
                             fix="audit the cells exactly as published, built from one scores table.")
    return float(res_min.fun), float(-res_max.fun)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in AUDIT_COLUMNS})
