"""Which published cells may be shown: one decision over every report together.

The rule (``min_cell_size`` = k, protection interval p = ``protection`` × the scale's range)
------------------------------------------------------------------------------------------
For every variable (one scale at one timepoint), take the sets of people behind the shown
cells that involve it — a mean at T counts against T, a mean change T1→T2 counts against both
T1 and T2 — and split the people into *atoms*: people who are in exactly the same shown sets.
Every number an attacker can derive by adding and subtracting the published sums (n × mean) is,
restricted to one variable, the same for everyone in an atom. So the cells may be shown
together when every atom A (of people in at least one shown set) has

1. at least k people: nobody is isolated by differencing (the example's
   7 × 7.45 − 6 × (5.12 + 2.40) = one person's score is an atom of one);
2. Σ_A (highest − x) ≥ p and Σ_A (x − lowest) ≥ p: even knowing the atom's sum and the
   scale's limits, nobody's score is narrowed to less than p (a mean at the scale's limit pins
   everyone);
3. Σ_A (x − mean_A)² ≥ p² n / (4(n − 1)): the published intervals give standard deviations,
   so an atom whose people answered almost alike would show each answer to within p.

Conditions 1–2 make the linear attack of :func:`audit_disclosure` fail by construction
(any individual's feasible interval is at least min(p, range) wide); condition 3 guards the
quadratic information in SDs (not proven against a non-linear solver). Each condition only gets
easier when atoms merge, so hiding more cells never breaks it.

All-participants numbers cut everyone by attendance pattern (T1 and T3 but not T2 …), which in
a small study makes many tiny atoms whose sums nobody can actually work out (four equations,
sixteen patterns). So the atom rule is applied in full only where it is cheap to be exact about
the rest:

- **Stage A (each cohort × scale, exactly).** Cohort cells of different cohorts never share a
  person's value, so the atom rule over one cohort's cells is a small problem: every subset of
  its cells is tried and the largest passing one kept (more people first, then table order);
  identical problems share one answer (``_local.py``).
- **Stage B (with the all-participants cells).** For a scale with at most
  ``EXACT_LIMIT`` units (people in exactly the same cells), the published numbers are solved
  as the attacker would, over unit sums (null space + HiGHS, ``_exact.py``): a unit fails when
  its sum is determined and it breaks 1–3, or a person in it is narrowed below p; a hidden cell
  over fewer than k people fails when it is determined or its total is narrowed below p. For a
  larger scale the atom rule is applied with the all-participants cells as well (sound, and at
  that size attendance patterns are populous). Each round hides the cheapest cell that tells a
  failing group apart — a cohort cell if there is one, an all-participants cell only as a last
  resort — and checks again.

Suppression order: first every cell over fewer than k people, or whose own group fails 2–3
(primary); then stage A; then stage B rounds, where a cell costs its number of people and cells
about all participants cost more than any cohort cell. Cells and people are processed in
sorted order, so the same numbers always get the same decision whatever the row order.

References: Hundepool et al. (2012), *Statistical Disclosure Control*, §4.2–4.4 (linked
tables, the differencing problem, protection intervals); de Wolf (2002) on τ-ARGUS' modular
approach; Cox (1980) for cell suppression as linear constraints.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..options import DEFAULT_MIN_CELL_SIZE, check_min_cell_size
from ._problem import Problem, scale_bounds
from .cells import CELL_COLUMNS, CellSet
from .rule import DEFAULT_PROTECTION, check_protection

__all__ = ["DECISION_COLUMNS", "decide_cells"]

DECISION_COLUMNS = (*CELL_COLUMNS, "shown", "reason", "note")
"""Columns of :func:`decide_cells`'s result."""

VALUE_NOTE = "hidden so that no one's answers can be worked out from the published numbers"
_EPS = 1e-9
_MAX_ROUNDS = 10_000


@dataclass
class _Atoms:
    of_slot: np.ndarray     # atom id per slot (-1: in no shown cell)
    var: np.ndarray
    size: np.ndarray
    total: np.ndarray
    ss: np.ndarray
    rep: np.ndarray         # one slot of each atom
    bad: np.ndarray         # bool: fails a condition
    value_bad: np.ndarray   # bool: fails condition 2 or 3 (not only the size)


def decide_cells(cells: CellSet, scores: pd.DataFrame, bounds: object, *,
                 min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
                 protection: float = DEFAULT_PROTECTION) -> pd.DataFrame:
    """Decide which cells may be shown, given every cell of every report at once.

    Parameters
    ----------
    cells
        All candidate cells of all cohort reports and the study report
        (:func:`summary_cells`, possibly with further cells concatenated). Not modified.
    scores
        The true values (tidy Scores: ``participant_id, timepoint, scale, score``), needed for
        the scale-limit and spread conditions.
    bounds
        Each scale's possible range: the results' ``scales`` table (``scale, score_min,
        score_max``) or ``{scale: (lowest, highest)}``.
    min_cell_size
        The smallest group any number may describe (k; at least 3).
    protection
        The protection interval as a share of the scale's range.

    Returns
    -------
    DataFrame
        The cells (:data:`DECISION_COLUMNS`) with ``shown`` (bool), ``reason`` (the true reason
        a cell is hidden, for the research team; "" when shown) and ``note`` (what a shareable
        report may print beside the hidden cell; it never says that a group's answers were
        extreme or alike). Research-only: hidden cells keep their values here. The rule is in
        the module docstring (in plain words: :data:`evaltool.privacy.DISCLOSURE_RULE`); a
        decision never depends on the order of the rows.

    Examples
    --------
    Cohort C1: seven people at T1, six of whom answered at T2. The mean at T1 and the mean
    change over the six would give away the seventh person's T1 score:

    >>> import pandas as pd
    >>> from evaltool.privacy import summary_cells
    >>> t1 = [2.0, 3.0, 3.5, 4.0, 2.5, 3.0, 4.5]
    >>> t2 = [3.0, 3.5, 4.0, 4.0, 3.5, 3.0]
    >>> scores = pd.DataFrame({"participant_id": [f"P{i}" for i in range(7)] + [f"P{i}" for i in range(6)],
    ...                        "timepoint": ["T1"] * 7 + ["T2"] * 6, "scale": "brs",
    ...                        "score": t1 + t2, "cohort": "C1"})
    >>> d = decide_cells(summary_cells(scores, study=False), scores, {"brs": (1, 5)})
    >>> d[["cell", "n", "shown"]]
                        cell  n  shown
    0       cohort=C1|brs|T1  7   True
    1       cohort=C1|brs|T2  6   True
    2  cohort=C1|brs|T2 - T1  6  False
    >>> print(d.loc[2, "reason"])
    hidden to protect another group: 'brs: people in C1 who answered at both T1 and T2' and 'brs: people in C1 who answered at T1' differ by fewer than 5 people
    """
    k = check_min_cell_size(min_cell_size, "decide_cells")
    p = check_protection(protection, "decide_cells")
    if not isinstance(cells, CellSet):
        raise _type_error("cells", cells)
    given = cells.cells.reset_index(drop=True)
    order = np.argsort(given["cell"].astype(str).to_numpy(dtype=object), kind="stable")
    table = given.iloc[order].reset_index(drop=True)      # cell-id order: the row order never matters
    scales = sorted(set(map(str, table["scale"].dropna())))
    prob = Problem.build(CellSet(table, cells.terms), scores, scale_bounds(bounds, scales, "decide_cells"), p,
                         "decide_cells")
    active = (table["n"].to_numpy(dtype=np.int64) > 0) & _has_terms(prob)
    reason = np.array([""] * len(table), dtype=object)
    note = np.array([""] * len(table), dtype=object)
    before = active.copy()
    _primary(prob, table, active, reason, note, k)
    sensitive = before & ~active
    _complement(prob, table, active, reason, note, k, sensitive)
    out = table.loc[:, list(CELL_COLUMNS)].copy()
    out["shown"] = active
    out["reason"] = np.where(active, "", reason)
    out["note"] = np.where(active, "", note)
    empty = (~active) & (out["reason"] == "")
    out.loc[empty, "reason"] = "nobody to describe"
    out.loc[empty, "note"] = "no answers"
    back = np.empty(len(order), dtype=np.int64)
    back[order] = np.arange(len(order))
    return out.iloc[back].reset_index(drop=True)


def _type_error(name: str, value: object) -> Exception:
    from ..errors import ParameterError

    return ParameterError(f"The '{name}' parameter of decide_cells() must be a CellSet. Got "
                          f"{type(value).__name__} instead.", fix="build it with summary_cells().")


def _has_terms(prob: Problem) -> np.ndarray:
    return np.bincount(prob.t_cell, minlength=prob.n_cells) > 0


def _own_sets(prob: Problem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per cell: people, Σd, Σ(d − mean)² where d is each person's Σ coef · x in the cell.

    Terms taken cell by cell (a person's terms in a cell are next to each other: terms are
    ordered by person, then variable), so the sums run over people in the same order as
    always, without hashing a (cell, person) key per term."""
    order, _ = prob.by_cell()
    cell = prob.t_cell[order]
    slot = prob.t_slot[order]
    pid = prob.slot_pid[slot]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (cell[1:] != cell[:-1]) | (pid[1:] != pid[:-1])
    person = np.cumsum(new) - 1
    d = np.bincount(person, weights=prob.t_coef[order] * prob.slot_x[slot],
                    minlength=int(new.sum()))
    cell_of = cell[new]
    n = np.bincount(cell_of, minlength=prob.n_cells).astype(float)
    tot = np.bincount(cell_of, weights=d, minlength=prob.n_cells)
    mean = np.divide(tot, n, out=np.zeros_like(tot), where=n > 0)
    ss = np.bincount(cell_of, weights=(d - mean[cell_of]) ** 2, minlength=prob.n_cells)
    return n, tot, ss


def _primary(prob: Problem, table: pd.DataFrame, active: np.ndarray, reason: np.ndarray,
             note: np.ndarray, k: int) -> None:
    small = active & (table["n"].to_numpy(dtype=np.int64) < k)
    reason[small] = note[small] = f"fewer than {k} people"
    active[small] = False
    n, tot, ss = _own_sets(prob)
    var0 = prob.slot_var[prob.t_slot[_first_term_of_cell(prob)]]
    lo, hi, pp = prob.var_lo[var0], prob.var_hi[var0], prob.var_p[var0]
    rng = hi - lo
    lo = np.where(prob.change, -rng, lo)
    hi = np.where(prob.change, rng, hi)
    with np.errstate(divide="ignore", invalid="ignore"):
        need_ss = np.where(n >= 2, pp**2 * n / (4 * (n - 1)), 0.0)
    bad = active & ((n * hi - tot < pp - _EPS) | (tot - n * lo < pp - _EPS) | ((n >= 2) & (ss < need_ss - _EPS)))
    reason[bad] = "the group's answers are all at or near one end of the scale, or all nearly the same"
    note[bad] = VALUE_NOTE
    active[bad] = False


def _first_term_of_cell(prob: Problem) -> np.ndarray:
    first = np.zeros(prob.n_cells, dtype=np.int64)
    first[prob.t_cell[::-1]] = np.arange(len(prob.t_cell))[::-1]
    return first


def _atoms(prob: Problem, active: np.ndarray, k: int) -> _Atoms:
    s1, s2, cnt = prob.signature(active)
    pub = cnt > 0
    of_slot = np.full(prob.n_slots, -1, dtype=np.int64)
    if pub.any():   # atoms numbered in order of first appearance, as a grouping by (var, s1, s2) would
        a = pd.factorize(s1[pub])[0].astype(np.int64)
        b = pd.factorize(s2[pub])[0].astype(np.int64)
        key = (prob.slot_var[pub] * (int(a.max()) + 1) + a) * (int(b.max()) + 1) + b
        of_slot[pub] = pd.factorize(key)[0]
    n_atoms = int(of_slot.max(initial=-1)) + 1
    idx = np.flatnonzero(pub)
    a = of_slot[idx]
    x = prob.slot_x[idx]
    size = np.bincount(a, minlength=n_atoms).astype(float)
    total = np.bincount(a, weights=x, minlength=n_atoms).astype(float)
    mean = np.divide(total, size, out=np.zeros_like(total), where=size > 0)
    ss = np.bincount(a, weights=(x - mean[a]) ** 2, minlength=n_atoms).astype(float)
    rep = np.zeros(n_atoms, dtype=np.int64)
    rep[a[::-1]] = idx[::-1]
    var = prob.slot_var[rep]
    value_bad = _value_fails(prob, var, size, total, ss)
    bad = (size < k) | value_bad
    return _Atoms(of_slot, var, size, total, ss, rep, bad, value_bad)


def _value_fails(prob: Problem, var: np.ndarray, size: np.ndarray, total: np.ndarray,
                 ss: np.ndarray) -> np.ndarray:
    lo, hi, pp = prob.var_lo[var], prob.var_hi[var], prob.var_p[var]
    with np.errstate(divide="ignore", invalid="ignore"):
        need_ss = np.where(size >= 2, pp**2 * size / (4 * (size - 1)), 0.0)
    return ((size * hi - total < pp - _EPS) | (total - size * lo < pp - _EPS)
            | ((size >= 2) & (ss < need_ss - _EPS)))


def _complement(prob: Problem, table: pd.DataFrame, active: np.ndarray, reason: np.ndarray,
                note: np.ndarray, k: int, sensitive: np.ndarray) -> None:
    """Stage A: the atom rule over cohort cells alone, hiding cohort cells only. Stage B: with
    the all-participants cells added, each scale is checked exactly (small scales) or by the
    atom rule (large ones), hiding the cheapest cell that tells a failing group apart."""
    from ._exact import exact_scales
    from ._local import best_local

    exact = exact_scales(prob)
    cell_scale = prob.var_scale[prob.slot_var[prob.t_slot[_first_term_of_cell(prob)]]]
    for c, why in best_local(prob, table, active, k, splitters=~exact[cell_scale]).items():
        active[c] = False
        reason[c] = note[c] = why
    _rounds(prob, table, active, reason, note, k, sensitive, scope=~prob.study, exact=exact)
    _rounds(prob, table, active, reason, note, k, sensitive, scope=None, exact=exact)


def _failures(prob: Problem, active: np.ndarray, atoms: _Atoms, sensitive: np.ndarray, k: int,
              exact_ok: np.ndarray) -> tuple[list[int], set[int], list[int], list[int]]:
    """Stage B's failing atoms (and which of them the exact check found), failing hidden
    cells, and hidden cells the shown ones determine anyway."""
    from ._exact import exact_check

    bad = np.flatnonzero(atoms.bad)
    keep: list[int] = []
    exact: set[int] = set()
    cells: list[int] = []
    reshow: list[int] = []
    for sc in np.unique(prob.var_scale).tolist():
        variables = np.flatnonzero(prob.var_scale == sc).tolist()
        got = exact_check(prob, active, sensitive, variables, k) if exact_ok[sc] else None
        if got is None:
            keep += bad[np.isin(atoms.var[bad], variables)].tolist()
            continue
        found = sorted({int(atoms.of_slot[s]) for s in got.unit_slots if atoms.of_slot[s] >= 0})
        keep += found
        exact.update(found)
        cells += got.cells
        reshow += got.reshow
    return sorted(keep), exact, cells, reshow


def _rounds(prob: Problem, table: pd.DataFrame, active: np.ndarray, reason: np.ndarray, note: np.ndarray,
            k: int, sensitive: np.ndarray, scope: np.ndarray | None, exact: np.ndarray) -> None:
    from ._greedy import Chooser

    for _ in range(_MAX_ROUNDS):
        seen = active if scope is None else active & scope
        atoms = _atoms(prob, seen, k)
        cells: list[int] = []
        reshow: list[int] = []
        if scope is None:
            found, checked, cells, reshow = _failures(prob, seen, atoms, sensitive, k, exact)
            bad = np.asarray(found, dtype=np.int64)
        else:
            bad, checked = np.flatnonzero(atoms.bad), set()
        if not len(bad) and not cells:
            for c in reshow:
                active[c] = True
            return
        chooser = Chooser(prob, table, seen, atoms, k)
        touched = np.zeros(prob.n_cells, dtype=bool)
        if cells:   # complements first; the atoms are checked again next round
            for c in cells:
                got = _complement_cell(prob, table, active, c)
                if got is not None:
                    _hide(active, touched, reason, note, [got[0]], got[1], "hidden to protect another group")
            if touched.any():
                continue
            return   # nothing shown is left to hide
        order = bad[np.lexsort((atoms.rep[bad], atoms.var[bad], atoms.size[bad]))] if len(bad) else bad
        for a in order.tolist():
            sig = chooser.sig(a)
            if touched[sig].any():
                continue
            hide_list, why, value, named = chooser.choose_exact(a, sig) if a in checked else chooser.choose(a, sig)
            public = VALUE_NOTE if value else chooser.public_note(hide_list[0], why, named)
            _hide(active, touched, reason, note, hide_list, why, public)
    raise RuntimeError("disclosure control did not settle")  # pragma: no cover - each round hides a cell


def _hide(active: np.ndarray, touched: np.ndarray, reason: np.ndarray, note: np.ndarray, cells: list[int],
          why: str, public: str) -> None:
    for c in cells:
        if active[c]:
            active[c] = False
            touched[c] = True
            reason[c] = why
            note[c] = public


def _kinds(table: pd.DataFrame) -> np.ndarray:
    got = table.attrs.get("_kinds")
    if got is None or len(got) != len(table):
        cols = ["scale", "statistic", "timepoint", "contrast"]
        got = np.array(["|".join(map(str, row)) for row in table[cols].itertuples(index=False)], dtype=object)
        table.attrs["_kinds"] = got
    return np.asarray(got)


def _complement_cell(prob: Problem, table: pd.DataFrame, active: np.ndarray, c: int) -> tuple[int, str] | None:
    """A shown cell to hide so that hidden cell ``c`` (fewer than k people) stops being
    recoverable: the cheapest shown cell of the same kind (scale, statistic, timepoint or
    contrast) in another group, else that kind's all-participants cell, else the cheapest shown
    cell of the scale, else the cheapest shown cell (None when nothing is shown)."""
    kinds = _kinds(table)
    same = (kinds == kinds[c]) & active
    scale = table["scale"].astype(str).to_numpy()
    pool = np.flatnonzero(same) if same.any() else np.flatnonzero(active & (scale == scale[c]))
    if not len(pool):   # the other cells that give it away are of other scales (joint counts)
        pool = np.flatnonzero(active)
    if not len(pool):
        return None
    pick = int(min(pool.tolist(), key=lambda x: (prob.cost[x], x)))
    label = str(table.loc[c, "label"])
    return pick, f"hidden to protect another group: otherwise '{label}' could be worked out from the other shown numbers"
