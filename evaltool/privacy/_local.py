"""Stage A, exactly: the best set of one cohort's cells for one scale (private).

Cohort cells of different cohorts (or scales) never involve the same person's value, so the
atom rule over a cohort's cells splits into one small problem per cohort × scale (a few means
and changes). Each is solved by trying every subset of its cells and keeping the largest one
whose atoms all have at least k people, preferring, among equally many cells, the subset
covering more people (then the earlier cells in the table's order). People in none of the
cohort's shown cells are left to stage B.

For a scale too large for the exact check of stage B, the all-participants cells also split
each cohort's atoms here (they are always shown; "splitters"), which is the atom rule itself
for every atom that contains a cohort cell.

Problems with the same structure — the same cells and the same pattern of who is in which —
share one answer, so a study with 12,000 cohorts solves a few thousand distinct problems.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from ._problem import Problem

MAX_CELLS = 12
"""Larger cohort problems (many timepoints) are left to the greedy rounds."""

Pattern = tuple[tuple[int, int, int, int], ...]    # (variable rank, cohort bits, study-cells hash, people)
Structure = tuple[int, tuple[bool, ...], Pattern]


def _bits(prob: Problem, table: pd.DataFrame, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sub-problem (group × scale) of each cell and its bit within it."""
    key = table["group_value"].astype(str).to_numpy()[cells] + "\x00" + table["scale"].astype(str).to_numpy()[cells]
    sub = pd.factorize(key)[0]
    local = pd.Series(cells).groupby(sub).cumcount().to_numpy()
    return sub, local


def best_local(prob: Problem, table: pd.DataFrame, active: np.ndarray, k: int,
               splitters: np.ndarray) -> dict[int, str]:
    """Cohort cells to hide (with their reasons) so every cohort × scale passes the atom rule.

    ``splitters``: study cells that split cohort atoms (see the module docstring).
    """
    cohort = np.flatnonzero(active & ~prob.study)
    if not len(cohort) or not len(prob.t_cell):
        return {}
    sub, local = _bits(prob, table, cohort)
    bit = np.zeros(prob.n_cells, dtype=np.int64)
    sub_of = np.full(prob.n_cells, -1, dtype=np.int64)
    fits = local < 62
    bit[cohort[fits]] = np.left_shift(np.int64(1), local[fits].astype(np.int64))
    sub_of[cohort] = sub
    start = prob.slot_start[:-1]
    on = (active & ~prob.study)[prob.t_cell]
    mask = np.bitwise_or.reduceat(np.where(on, bit[prob.t_cell], 0), start)
    smask = prob.signature(active & prob.study & splitters)[0].view(np.int64)
    slot_sub = np.maximum.reduceat(np.where(on, sub_of[prob.t_cell], -1), start)
    keep = (mask > 0) & (slot_sub >= 0)
    frame = pd.DataFrame({"sub": slot_sub[keep], "var": prob.slot_var[keep], "mask": mask[keep],
                          "smask": smask[keep]})
    counts = frame.groupby(["sub", "var", "mask", "smask"], sort=True).size().reset_index(name="n")
    return _solve_all(prob, table, cohort, sub, counts, k)


def _solve_all(prob: Problem, table: pd.DataFrame, cohort: np.ndarray, sub: np.ndarray, counts: pd.DataFrame,
               k: int) -> dict[int, str]:
    order = np.argsort(sub, kind="stable")
    members: dict[int, list[int]] = defaultdict(list)
    for s, c in zip(sub[order].tolist(), cohort[order].tolist(), strict=True):
        members[s].append(c)
    rows: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
    for s, v, m, sm, n in zip(*(counts[c].tolist() for c in ("sub", "var", "mask", "smask", "n")), strict=True):
        rows[s].append((v, m, sm, n))
    change = prob.change.tolist()
    labels = table["label"].astype(str).tolist()
    out: dict[int, str] = {}
    for s, entries in rows.items():
        cells = members[s]
        if len(cells) > MAX_CELLS:
            continue
        ranks = {v: r for r, v in enumerate(sorted({e[0] for e in entries}))}
        pattern = tuple(sorted((ranks[v], m, sm, n) for v, m, sm, n in entries))
        best, why = _solve((len(cells), tuple(change[c] for c in cells), pattern), k)
        for b, c in enumerate(cells):
            if not best >> b & 1:
                other = why.get(b)
                out[c] = (f"hidden to protect another group: '{labels[c]}' and '{labels[cells[other]]}' "
                          f"differ by fewer than {k} people" if other is not None else
                          f"hidden to protect another group: with the other shown numbers, "
                          f"'{labels[c]}' would single out fewer than {k} people")
    return out


def _fails(pattern: Pattern, subset: int, k: int) -> bool:
    groups: dict[tuple[int, int, int], int] = {}
    for v, m, sm, n in pattern:
        sig = m & subset
        if sig:
            key = (v, sig, sm)
            groups[key] = groups.get(key, 0) + n
    return any(n < k for n in groups.values())


def _feasible_parts(pattern: Pattern, k: int) -> list[tuple[int, frozenset[int]]]:
    """Per variable: the cells touching it, and which subsets of them pass there (the rule is
    checked one variable at a time, so a subset passes when each of its parts does)."""
    by_var: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
    for e in pattern:
        by_var[e[0]].append(e)
    parts = []
    for entries in by_var.values():
        bits = 0
        for _v, m, _sm, _n in entries:
            bits |= m
        ok = set()
        sub = bits
        while True:      # every subset of ``bits``
            if not _fails(tuple(entries), sub, k):
                ok.add(sub)
            if sub == 0:
                break
            sub = (sub - 1) & bits
        parts.append((bits, frozenset(ok)))
    return parts


@lru_cache(maxsize=65536)
def _solve(structure: Structure, k: int) -> tuple[int, dict[int, int]]:
    """The best subset (as a bit mask) and, for each cell left out, a shown cell it clashes with."""
    m, is_change, pattern = structure
    people = [0.0] * m
    for _v, mask, _sm, n in pattern:
        for b in range(m):
            if mask >> b & 1:
                people[b] += n / (2 if is_change[b] else 1)
    best = 0
    parts = _feasible_parts(pattern, k)
    by_size: dict[int, list[int]] = defaultdict(list)
    for subset in range(1 << m):
        by_size[bin(subset).count("1")].append(subset)
    for size in range(m, -1, -1):   # hiding cells never breaks the rule: the first size that works is best
        ok = [x for x in by_size[size] if all(x & bits in good for bits, good in parts)]
        if ok:
            best = max(ok, key=lambda x: (sum(people[b] for b in range(m) if x >> b & 1), -x))
            break
    why: dict[int, int] = {}
    for b in range(m):
        if best >> b & 1:
            continue
        for o in range(m):
            if best >> o & 1 and _fails(pattern, (1 << b) | (1 << o), k):
                why[b] = o
                break
    return best, why
