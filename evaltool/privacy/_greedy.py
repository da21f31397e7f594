"""One round of complementary suppression: for a failing atom, the cheapest cells to hide (private).

Options for an atom A (its signature σ_A = the shown cells that contain it):

1. merge with a neighbouring atom B that shares one of A's cohort cells: hide σ_A Δ σ_B;
2. hide A's cohort cells, so that A joins the atom of everyone described only by the same
   all-participants cells;
3. (A has only all-participants cells) merge with an atom B of another cohort that is in the
   same all-participants cells: hide B's cohort cells (the classic complementary cell);
4. hide every cell that contains A.

The cheapest option whose merged atom passes is taken. An option that hides an
all-participants cell is taken only when no option without one makes progress (then the one
that merges the most people is taken, and the next round continues).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from ._problem import Problem
    from .decide import _Atoms

_STUDY_COST = 1e9
_LIMIT = 64
"""Candidate atoms examined per failing atom, cheapest first: atoms of other cohorts (option
3), and neighbours in the same cohort cells (option 1) when there are more than this many
(large cohorts at national scale). Any choice is safe — the next round checks every atom
again — so the limit only bounds the work per round (it was quadratic in the neighbours)."""


def _atom_cells(prob: Problem, active: np.ndarray, rep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each atom's shown cells (a row per atom, sorted, -1 after the last) and their total cost."""
    lo, hi = prob.slot_start[rep], prob.slot_start[rep + 1]
    width = int((hi - lo).max(initial=0))
    at = lo[:, None] + np.arange(width)[None, :]
    ok = at < hi[:, None]
    cells = prob.t_cell[np.where(ok, at, 0)]
    ok &= active[cells]
    cells = np.sort(np.where(ok, cells, prob.n_cells), axis=1)
    cells[:, 1:][cells[:, 1:] == cells[:, :-1]] = prob.n_cells        # a cell counted once
    cells = np.sort(cells, axis=1)
    cells[cells == prob.n_cells] = -1
    cost = np.where(cells >= 0, prob.cost[np.maximum(cells, 0)], 0.0).sum(axis=1)
    return cells, cost


def _rows_of(flags: np.ndarray, values: list[int]) -> list[list[int]]:
    """Per row of a 0/1 matrix, ``values`` at its set columns (in column order)."""
    out: list[list[int]] = [[] for _ in range(flags.shape[0])]
    rows, cols = np.nonzero(flags)
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        out[r].append(values[c])
    return out


def _sorted_unique(x: np.ndarray) -> np.ndarray:
    """``np.unique(x)`` by sorting (numpy hashes integers first, slower for these small arrays)."""
    s = np.sort(x)
    return s[np.concatenate([[True], s[1:] != s[:-1]])] if len(s) else s


class Chooser:
    """Per-round lookups: each atom's cells, each cohort cell's atoms, atoms by signature."""

    def __init__(self, prob: Problem, table: Any, active: np.ndarray, atoms: _Atoms, k: int) -> None:
        self.prob, self.active, self.atoms, self.k = prob, active.copy(), atoms, k
        self.labels = table["label"].astype(str).to_numpy()
        self.group_value = table["group_value"].astype(object).to_numpy()
        s1, s2, _ = prob.signature(self.active)
        st1, st2, _ = prob.signature(self.active, only=prob.study)
        rep = atoms.rep
        self.full: dict[tuple[int, int, int], int] = {}
        for a, full_key in enumerate(zip(atoms.var.tolist(), s1[rep].tolist(), s2[rep].tolist(), strict=True)):
            self.full[full_key] = a
        self.study_key = list(zip(atoms.var.tolist(), st1[rep].tolist(), st2[rep].tolist(), strict=True))
        self.by_study: dict[tuple[int, int, int], list[int]] = {}
        has_group = (s1[rep] != st1[rep]) | (s2[rep] != st2[rep])
        for a in np.flatnonzero(has_group).tolist():
            self.by_study.setdefault(self.study_key[a], []).append(a)
        on = self.active[prob.t_cell] & ~prob.study[prob.t_cell] & (atoms.of_slot[prob.t_slot] >= 0)
        n_atoms = max(len(atoms.size), 1)
        key = np.sort(pd.unique(prob.t_cell[on] * n_atoms + atoms.of_slot[prob.t_slot[on]]))   # = np.unique, by hashing
        self._cell_atoms = key % n_atoms
        self._cell_ptr = np.searchsorted(key // n_atoms, np.arange(prob.n_cells + 1))
        self._cells, self._sig_cost = _atom_cells(prob, self.active, rep)
        self._sig: dict[int, list[int]] = {}
        self._fs: dict[int, frozenset[int]] = {}
        self.size_l = atoms.size.tolist()
        self.total_l = atoms.total.tolist()
        self.ss_l = atoms.ss.tolist()
        self.bad_l = atoms.bad.tolist()
        self.var_l = atoms.var.tolist()
        self.cost_l = prob.cost.tolist()
        self.lo_l, self.hi_l, self.p_l = prob.var_lo.tolist(), prob.var_hi.tolist(), prob.var_p.tolist()
        self.h1_l, self.h2_l = prob.h1.tolist(), prob.h2.tolist()      # Python ints: the same wrapping sums

    def atoms_of_cell(self, c: int) -> list[int]:
        """The atoms inside cohort cell ``c``."""
        return self._cell_atoms[self._cell_ptr[c]:self._cell_ptr[c + 1]].tolist()

    def sig(self, a: int) -> list[int]:
        """The shown cells that contain atom ``a`` (sorted)."""
        got = self._sig.get(a)
        if got is None:
            row = self._cells[a]
            got = row[row >= 0].tolist()
            self._sig[a] = got
        return got

    def fsig(self, a: int) -> frozenset[int]:
        got = self._fs.get(a)
        if got is None:
            got = frozenset(self.sig(a))
            self._fs[a] = got
        return got

    def _stats(self, members: list[int]) -> tuple[float, float, float]:
        size, tot, ssl = self.size_l, self.total_l, self.ss_l
        n = sum(size[m] for m in members)
        total = sum(tot[m] for m in members)
        mean = total / n
        ss = sum(ssl[m] + size[m] * (tot[m] / size[m] - mean) ** 2 for m in members)
        return n, total, ss

    def _passes(self, a: int, n: float, total: float, ss: float) -> bool:
        if n < self.k:
            return False
        v = self.var_l[a]
        lo, hi, p = self.lo_l[v], self.hi_l[v], self.p_l[v]
        eps = 1e-9
        return (n * hi - total >= p - eps and total - n * lo >= p - eps
                and ss >= p * p * n / (4 * (n - 1)) - eps)

    def _key(self, var: int, cells: frozenset[int]) -> tuple[int, int, int]:
        m = (1 << 64) - 1
        h1, h2 = self.h1_l, self.h2_l
        return (var, sum(h1[c] for c in cells) & m, sum(h2[c] for c in cells) & m)

    def _option(self, a: int, local: list[int], hide: frozenset[int]) -> tuple:
        """Hide ``hide``: which atoms merge with ``a``, whether the result passes, the score."""
        fsig = self.fsig
        rest = fsig(a) - hide
        return self._evaluate(a, [c for c in (a, *local) if fsig(c) - hide == rest], hide)

    def _local(self, a: int, group: list[int], mine: list[int]) -> np.ndarray:
        """Atoms of ``a``'s variable in ``a``'s cohort cells (option 1), the cheapest
        :data:`_LIMIT` merges when there are more (cost of hiding σ_A Δ σ_B, then atom id)."""
        parts = [self._cell_atoms[self._cell_ptr[c]:self._cell_ptr[c + 1]] for c in group]
        near = _sorted_unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
        local = near[(self.atoms.var[near] == self.var_l[a]) & (near != a)]
        if len(local) <= _LIMIT:
            return local
        rows = self._cells[local]
        shared = np.isin(rows, np.asarray(mine, dtype=np.int64)) & (rows >= 0)
        inter = np.where(shared, self.prob.cost[np.maximum(rows, 0)], 0.0).sum(axis=1)
        cost = sum(self.cost_l[c] for c in mine) + self._sig_cost[local] - 2 * inter   # exact: whole numbers
        return np.sort(local[np.lexsort((local, cost))[:_LIMIT]])

    def _options(self, a: int, sig: list[int]) -> list[tuple]:
        """Every option for atom ``a``, in the order :meth:`choose` breaks ties by.

        A neighbour C joins A's merged atom when the cells that tell them apart are all
        hidden (σ_C Δ σ_A ⊆ hidden): one 0/1 matrix of the candidates' cells and one matrix
        product answer that for every option at once."""
        study = self.prob.study
        group = [c for c in sig if not study[c]]
        local = self._local(a, group, sig)
        cand = np.concatenate([[a], local]).astype(np.int64)
        rows = self._cells[cand]
        cells = _sorted_unique(rows[rows >= 0])
        has = np.zeros((len(cand), len(cells)), dtype=np.int32)
        r, col = np.nonzero(rows >= 0)
        has[r, np.searchsorted(cells, rows[r, col])] = 1
        diff = has ^ has[0]                                 # σ_C Δ σ_A: C merges with A when it is hidden
        hides = [*diff[1:]]                                 # option 1: hide σ_A Δ σ_B
        if group:
            hides.append(np.isin(cells, group).astype(np.int32))   # option 2: A's cohort cells
        hides.append(has[0].copy())                          # option 4: every cell of A
        hide_m = np.array(hides)
        member = (diff @ hide_m.T) == diff.sum(axis=1)[:, None]   # σ_C Δ σ_A ⊆ hidden
        joins = _rows_of(member.T, cand.tolist())       # per option: the candidates that merge, in order
        hidden = _rows_of(hide_m[:-1].astype(bool), cells.tolist())
        out = [self._evaluate(a, joins[j], frozenset(hidden[j])) for j in range(len(hides) - 1)]
        if not group:
            out += self._others(a)
        out.append(self._evaluate(a, joins[-1], frozenset(sig)))
        return out

    def _others(self, a: int) -> list[tuple]:
        """Option 3: atoms of other cohorts in the same all-participants cells."""
        study = self.prob.study
        cands = []
        for b in self.by_study.get(self.study_key[a], ()):
            extra = frozenset(c for c in self.sig(b) if not study[c])
            cands.append((sum(self.cost_l[c] for c in extra), b, extra))
        return [self._option(a, [b], extra) for _, b, extra in sorted(cands, key=lambda x: (x[0], x[1]))[:_LIMIT]]

    def _evaluate(self, a: int, members: list[int], hide: frozenset[int]) -> tuple:
        """As :meth:`_option`, given the atoms (``a`` first) whose cells differ from ``a``'s
        only in ``hide``."""
        rest = self.fsig(a) - hide
        if rest:
            other = self.full.get(self._key(self.var_l[a], rest))
            if other is not None and other not in members:
                members.append(other)
        n, total, ss = self._stats(members)
        ok = not rest or self._passes(a, n, total, ss)
        cost = sum(self.cost_l[c] for c in hide)
        fixed = sum(1 for m in members if self.bad_l[m])
        b = next((m for m in members if m != a), None)
        return (ok, cost / max(fixed, 1), cost, -n, tuple(sorted(hide)), b)

    def choose(self, a: int, sig: list[int]) -> tuple[list[int], str, bool, list[int]]:
        """Cells to hide for atom ``a``, the reason, whether it is a value reason, cells named.

        Among the options whose merged atom passes, the lowest cost per failing atom fixed;
        an all-participants cell only when no cohort-level option makes progress.
        """
        opts = self._options(a, sig)
        best = min((o for o in opts if o[0]), key=lambda o: (o[1], o[2], o[3], o[4]))
        if best[2] >= _STUDY_COST:
            cheap = [o for o in opts if o[2] < _STUDY_COST]
            if cheap:
                best = min(cheap, key=lambda o: (o[3], o[2], o[4]))
        hide = list(best[4])
        return (hide, *self._why(a, sig, best[5], hide))

    def choose_exact(self, a: int, sig: list[int]) -> tuple[list[int], str, bool, list[int]]:
        """For an atom the exact check failed: hide its cheapest cohort cell, else its cheapest
        all-participants cell (the next round checks again)."""
        study = self.prob.study
        group = [c for c in sig if not study[c]]
        pool = group or list(sig)
        c = min(pool, key=lambda x: (self.prob.cost[x], x))
        n_of = self.prob.cell_n
        x = min(sig, key=lambda y: (n_of[y], y))
        if self.atoms.size[a] >= self.k:
            return ([c], f"hidden to protect another group: the people in '{self.labels[x]}' who are in no other "
                    "shown group answered alike or at one end of the scale", True, [x])
        return ([c], f"hidden to protect another group: with the other shown numbers, '{self.labels[x]}' would "
                f"single out fewer than {self.k} people", False, [x])

    def _why(self, a: int, sig: list[int], b: int | None, hide: list[int]) -> tuple[str, bool, list[int]]:
        n_of = self.prob.cell_n
        x = min(sig, key=lambda c: (n_of[c], c))
        value = bool(self.atoms.size[a] >= self.k)
        if value:
            return (f"hidden to protect another group: the people in '{self.labels[x]}' who are in no other "
                    "shown group answered alike or at one end of the scale", True, [x])
        if b is not None and set(self.sig(b)) & set(sig) and set(hide) - {x}:
            both = set(self.sig(b)) & set(sig)
            x = min(both, key=lambda c: (n_of[c], c))
            y = min(set(hide) - {x}, key=lambda c: (n_of[c], c))
            return (f"hidden to protect another group: '{self.labels[x]}' and '{self.labels[y]}' differ by "
                    f"fewer than {self.k} people", False, [x, y])
        return (f"hidden to protect another group: '{self.labels[x]}' minus the other shown groups would "
                f"leave fewer than {self.k} people", False, [x])

    def public_note(self, c: int, why: str, named: list[int]) -> str:
        """``why`` when it names only cells of ``c``'s own cohort, else a reason naming none."""
        mine = self.group_value[c]
        if mine is not None and all(self.group_value[x] == mine for x in named):
            return why
        return "hidden to protect another group"
