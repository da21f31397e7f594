"""Index arrays behind the decider: cells, people × variables ("slots") and their atoms (private).

A *variable* is one scale at one timepoint; a *slot* is one person's value of one variable.
For a set of published cells, the *signature* of a slot is the set of published cells whose
terms include it; slots of one variable with the same signature form an *atom*. Any number an
attacker can derive by adding and subtracting published sums is, restricted to one variable,
constant on atoms, so the smallest thing they can isolate about a variable is an atom's sum.

Signatures are compared through two independent 64-bit hashes (sums of a random number per
cell, wrapping), so grouping is one vectorised pass; two different signatures collide with
probability about 2⁻¹²⁸ per pair.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import ParameterError
from .cells import CHANGE, STUDY, CellSet

_SEED = 20240614  # fixed: the same cells always get the same decision


def scale_bounds(bounds: object, scales: list[str], caller: str) -> dict[str, tuple[float, float]]:
    """``{scale: (lowest, highest)}`` from a mapping or a table with score_min/score_max."""
    if isinstance(bounds, pd.DataFrame):
        need = [C.SCALE, "score_min", "score_max"]
        if any(c not in bounds.columns for c in need):
            raise ParameterError(f"The 'bounds' table of {caller}() needs the columns {need}.",
                                 fix="pass the 'scales' table of the results, or a dict {scale: (min, max)}.")
        got = {str(s): (float(a), float(b)) for s, a, b in bounds[need].itertuples(index=False)}
    elif isinstance(bounds, dict):
        got = {str(s): (float(v[0]), float(v[1])) for s, v in bounds.items()}
    else:
        raise ParameterError(f"The 'bounds' parameter of {caller}() must be a DataFrame or a dict. "
                             f"Got {type(bounds).__name__} instead.",
                             fix="pass the 'scales' table of the results, or {scale: (min, max)}.")
    missing = [s for s in scales if s not in got]
    bad = [s for s in scales if s in got and not (np.isfinite(got[s][0]) and np.isfinite(got[s][1])
                                                  and got[s][0] < got[s][1])]
    if missing or bad:
        raise ParameterError(f"The 'bounds' of {caller}() lack a finite lowest < highest score for "
                             f"the scale(s) {sorted(missing + bad)}.",
                             fix="give every scale in the cells its possible range.")
    return got


@dataclass
class Problem:
    """Cells, slots and terms as integer arrays (built once, reused every round)."""

    n_cells: int
    cell_n: np.ndarray          # people per cell
    study: np.ndarray           # bool: a study-level cell
    change: np.ndarray          # bool: a mean-change cell
    cost: np.ndarray            # what hiding the cell costs (decides the order)
    slot_var: np.ndarray        # variable of each slot
    slot_x: np.ndarray          # the true value of each slot (decider only)
    var_lo: np.ndarray
    var_hi: np.ndarray
    var_p: np.ndarray           # protection interval of each variable (scale units)
    var_name: list[tuple[str, str]]
    var_scale: np.ndarray       # scale code of each variable (variables of one scale are linked)
    t_cell: np.ndarray          # terms sorted by slot
    t_slot: np.ndarray
    t_coef: np.ndarray          # coefficient of each term (+1, or -1 for the earlier survey of a change)
    slot_start: np.ndarray      # terms of slot j: t_*[slot_start[j]:slot_start[j+1]]
    h1: np.ndarray
    h2: np.ndarray
    slot_pid: np.ndarray        # participant code of each slot (for own-set checks)

    @classmethod
    def build(cls, cells: CellSet, values: pd.DataFrame | None, bounds: dict[str, tuple[float, float]],
              protection: float, caller: str) -> Problem:
        c = cells.cells.reset_index(drop=True)
        t = cells.terms
        n_cells = len(c)
        pos = _cell_positions(c, t)
        if (pos < 0).any():
            raise ParameterError(f"The cells given to {caller}() have terms for cells that are not in the table.")
        pid_codes, pid_uni = _codes(t[C.PARTICIPANT_ID])
        sc_codes, sc_uni = _codes(t[C.SCALE])
        tp_codes, tp_uni = _codes(t[C.TIMEPOINT])
        n_tp = max(len(tp_uni), 1)
        var_key = sc_codes.astype(np.int64) * n_tp + tp_codes
        slot_key = pid_codes.astype(np.int64) * (max(len(sc_uni), 1) * n_tp) + var_key
        slot_of_term, slot_uni = _dense_factorize(slot_key, len(pid_uni) * max(len(sc_uni), 1) * n_tp)
        n_slots = len(slot_uni)
        first = np.full(n_slots, -1, dtype=np.int64)
        first[slot_of_term[::-1]] = np.arange(len(slot_of_term))[::-1]
        var_codes, var_uni = pd.factorize(var_key[first], sort=False)
        var_name = [(str(sc_uni[k // n_tp]), str(tp_uni[k % n_tp])) for k in var_uni]
        lo = np.array([bounds[s][0] for s, _ in var_name], dtype=float)
        hi = np.array([bounds[s][1] for s, _ in var_name], dtype=float)
        slot_pid = pid_codes[first]
        slot_x: np.ndarray = np.full(n_slots, np.nan)
        if values is not None:
            slot_x = _values_of(values, pid_uni, sc_uni, tp_uni, slot_uni, n_tp, caller)
        narrow = slot_of_term.astype(np.int32) if n_slots < 2**31 else slot_of_term   # same order, faster sort
        order = np.argsort(narrow, kind="stable")
        counts = np.bincount(slot_of_term, minlength=n_slots)
        start = np.concatenate([[0], np.cumsum(counts)])
        rng = np.random.default_rng(_SEED)
        study = (c["level"].astype(str) == STUDY).to_numpy()
        n = c["n"].to_numpy(dtype=np.int64)
        return cls(n_cells=n_cells, cell_n=n, study=study,
                   change=(c["statistic"].astype(str) == CHANGE).to_numpy(),
                   cost=n.astype(float) + np.where(study, 1e9, 0.0),
                   slot_var=var_codes.astype(np.int64), slot_x=slot_x, var_lo=lo, var_hi=hi,
                   var_p=protection * (hi - lo), var_name=var_name,
                   var_scale=pd.factorize(np.array([sc for sc, _ in var_name], dtype=object))[0],
                   t_cell=pos[order].astype(np.int64), t_slot=slot_of_term[order].astype(np.int64),
                   t_coef=t["coef"].to_numpy(dtype=float)[order],
                   slot_start=start.astype(np.int64),
                   h1=rng.integers(1, 2**63, n_cells, dtype=np.uint64) * np.uint64(2) + np.uint64(1),
                   h2=rng.integers(1, 2**63, n_cells, dtype=np.uint64) * np.uint64(2) + np.uint64(1),
                   slot_pid=slot_pid)

    @property
    def n_slots(self) -> int:
        return len(self.slot_var)

    def signature(self, active: np.ndarray, only: np.ndarray | None = None, *, signed: bool = False
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per slot: the two hashes of its published cells, and how many there are
        (``signed``: a cell's hash differs where its coefficient is negative).

        The hashes add with wrap-around, so a signature is updated exactly from a recent one
        by adding the cells that were published since and subtracting those hidden since
        (the rounds of the decider hide a few cells at a time): the same arrays as a full pass.
        """
        mask = np.asarray(active if only is None else active & only, dtype=bool)
        if len(self.t_cell) == 0 or not mask.any():   # nothing published: every sum is 0
            z = np.zeros(self.n_slots if len(self.t_cell) else 0, dtype=np.uint64)
            return z, z.copy(), np.zeros(len(z), dtype=np.int64)
        cache = self.__dict__.setdefault("_sig_cache", [])
        near = [(int(np.count_nonzero(m != mask)), i) for i, (sg, m, _) in enumerate(cache) if sg == signed]
        best = min(near, default=None)
        if best is not None and self._n_terms(np.flatnonzero(cache[best[1]][1] != mask)) <= len(self.t_cell) // 8:
            _, old, (s1, s2, cnt) = cache.pop(best[1])
            s1, s2, cnt = self._update_signature(old, mask, s1, s2, cnt, signed)
        else:
            s1, s2, cnt = self._full_signature(mask, signed)
        cache.append((signed, mask.copy(), (s1, s2, cnt)))
        del cache[:-3]   # the masks of one round: all shown cells, the all-participants ones, the last
        return s1.copy(), s2.copy(), cnt.copy()

    def _term_hashes(self, terms: np.ndarray | slice, signed: bool) -> tuple[np.ndarray, np.ndarray]:
        cell = self.t_cell[terms]
        h1, h2 = self.h1[cell], self.h2[cell]
        if signed:
            neg = self.t_coef[terms] < 0
            h1 = np.where(neg, h1 * np.uint64(3), h1)
            h2 = np.where(neg, h2 * np.uint64(5), h2)
        return h1, h2

    def _full_signature(self, mask: np.ndarray, signed: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        on = mask[self.t_cell]
        if signed:
            h1, h2 = self._term_hashes(slice(None), signed)
            w1 = np.where(on, h1, np.uint64(0))
            w2 = np.where(on, h2, np.uint64(0))
        else:   # the same terms' hashes, looked up in the cells' hashes with the hidden ones at 0
            w1 = np.where(mask, self.h1, np.uint64(0))[self.t_cell]
            w2 = np.where(mask, self.h2, np.uint64(0))[self.t_cell]
        idx = self.slot_start[:-1]
        return (np.add.reduceat(w1, idx), np.add.reduceat(w2, idx),
                np.add.reduceat(on, idx, dtype=np.int64))

    def by_cell(self) -> tuple[np.ndarray, np.ndarray]:
        """Term positions sorted by cell, and where each cell's run starts."""
        got = self.__dict__.get("_by_cell_index")
        if got is None:
            small = self.n_cells < 2**15     # 16-bit keys sort by radix (linear), same stable order
            order = np.argsort(self.t_cell.astype(np.int16) if small else self.t_cell, kind="stable")
            got = self.__dict__["_by_cell_index"] = (order, np.searchsorted(self.t_cell[order],
                                                                            np.arange(self.n_cells + 1)))
        return got

    def _n_terms(self, cells: np.ndarray) -> int:
        ptr = self.by_cell()[1]
        return int((ptr[cells + 1] - ptr[cells]).sum())

    def _terms_of_cells(self, cells: np.ndarray) -> np.ndarray:
        """Positions (in the t_* arrays) of the terms of ``cells``."""
        order, ptr = self.by_cell()
        if not len(cells):
            return np.zeros(0, dtype=np.int64)
        lens = ptr[cells + 1] - ptr[cells]
        starts = np.repeat(ptr[cells] - np.cumsum(lens) + lens, lens)
        return order[starts + np.arange(int(lens.sum()))]

    def _update_signature(self, old: np.ndarray, mask: np.ndarray, s1: np.ndarray, s2: np.ndarray,
                          cnt: np.ndarray, signed: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        changed = np.flatnonzero(old != mask)
        terms = self._terms_of_cells(changed)
        slots = self.t_slot[terms]
        h1, h2 = self._term_hashes(terms, signed)
        added = mask[self.t_cell[terms]]
        with np.errstate(over="ignore"):
            np.add.at(s1, slots, np.where(added, h1, np.negative(h1)))
            np.add.at(s2, slots, np.where(added, h2, np.negative(h2)))
        np.add.at(cnt, slots, np.where(added, 1, -1).astype(np.int64))
        return s1, s2, cnt

    def terms_of(self, slot: int, active: np.ndarray) -> list[tuple[int, float]]:
        """(cell, coefficient) of the published cells whose terms include ``slot``."""
        lo, hi = self.slot_start[slot], self.slot_start[slot + 1]
        return [(int(c), float(w)) for c, w in zip(self.t_cell[lo:hi], self.t_coef[lo:hi], strict=True)
                if active[c]]

    def cells_of(self, slot: int, active: np.ndarray) -> list[int]:
        """The published cells whose terms include ``slot``, in id order."""
        cs = self.t_cell[self.slot_start[slot]:self.slot_start[slot + 1]]
        return sorted({int(x) for x in cs if active[x]})


def _codes(col: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes of the labels in sorted order (so the row order never matters), without
    building a string for every row when the column is categorical."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = np.asarray(col.cat.categories.astype(str), dtype=object)
        order = np.argsort(cats, kind="stable")
        rank = np.empty(len(cats), dtype=np.int64)
        rank[order] = np.arange(len(cats))
        codes = col.cat.codes.to_numpy().astype(np.int64)
        return np.where(codes >= 0, rank[codes], -1), pd.Index(cats[order], dtype=object)
    codes, uni = pd.factorize(col.astype(str), sort=True)
    return codes.astype(np.int64), pd.Index(uni, dtype=object)


def _dense_factorize(key: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(key, sort=True)`` for non-negative keys below ``space``: with a table
    of the key space when it is small (linear, no hashing or sorting), else by hashing."""
    if not len(key) or space > 8 * len(key) + 1_000_000 or key.min() < 0 or key.max() >= space:
        codes, uni = pd.factorize(key, sort=True)
        return codes, np.asarray(uni)
    seen = np.zeros(space, dtype=bool)
    seen[key] = True
    uni = np.flatnonzero(seen)
    rank = np.cumsum(seen, dtype=np.int64) - 1
    return rank[key], uni


def _lookup(index: pd.Index, col: pd.Series) -> np.ndarray:
    """``index.get_indexer(col.astype(str))``, looking each distinct label up once."""
    codes, uni = pd.factorize(col, use_na_sentinel=False)
    labels = pd.Index(np.asarray(uni, dtype=object), dtype=object).astype(str)
    return pd.Index(index).get_indexer(labels)[codes]


def _cell_positions(cells: pd.DataFrame, terms: pd.DataFrame) -> np.ndarray:
    col = terms["cell"]
    ids = pd.Index(cells["cell"], dtype=object)
    if isinstance(col.dtype, pd.CategoricalDtype):
        where = ids.get_indexer(pd.Index(col.cat.categories, dtype=object))
        codes = col.cat.codes.to_numpy().astype(np.int64)
        return np.where(codes >= 0, where[codes], -1)
    return ids.get_indexer(pd.Index(col.astype(object), dtype=object))


def _values_of(values: pd.DataFrame, pid_uni: pd.Index, sc_uni: pd.Index, tp_uni: pd.Index,
               slot_uni: np.ndarray, n_tp: int, caller: str) -> np.ndarray:
    need = [C.PARTICIPANT_ID, C.TIMEPOINT, C.SCALE, C.SCORE]
    if any(col not in values.columns for col in need):
        raise ParameterError(f"The 'scores' parameter of {caller}() needs the columns {need}.")
    v = values.loc[values[C.SCORE].notna(), need]
    p = _lookup(pid_uni, v[C.PARTICIPANT_ID])
    s = _lookup(sc_uni, v[C.SCALE])
    t = _lookup(tp_uni, v[C.TIMEPOINT])
    ok = (p >= 0) & (s >= 0) & (t >= 0)
    key = p[ok].astype(np.int64) * (max(len(sc_uni), 1) * n_tp) + s[ok].astype(np.int64) * n_tp + t[ok]
    at = np.searchsorted(slot_uni, key)    # slot_uni is sorted
    where = np.where((at < len(slot_uni)) & (slot_uni[np.minimum(at, len(slot_uni) - 1)] == key), at, -1)
    out = np.full(len(slot_uni), np.nan)
    hit = where >= 0
    out[where[hit]] = v[C.SCORE].to_numpy(dtype=float)[ok][hit]
    if np.isnan(out).any():
        raise ParameterError(f"Some cells given to {caller}() include a person without a score for that "
                             "scale and timepoint.",
                             fix="build the cells from the same scores table (summary_cells()).")
    return out
