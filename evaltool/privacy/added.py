"""Numbers published after the fact: which new cells may be shown beside a fixed decision.

The analysis decides once what every cohort report and the study report show
(:func:`decide_cells`). A later output — a report that pools several cohorts into one group —
adds cells of its own, and a reader may hold it beside everything already published. The
published decision is fixed (it is out in the world); only the new cells can still be hidden.

:func:`decide_added` shows a new cell when

1. its own group passes the decider's primary conditions: at least k people, answers not all
   at or near one end of the scale, not all nearly the same (its interval gives its SD);
2. the attacker of :func:`audit_disclosure`, solving the published cells and the shown new
   cells together as linear equations with the scales' limits, recovers no individual value
   (narrows none below the protection interval) and no hidden cell over fewer than k people —
   a published cohort cell, or a new one — that it could not recover from the published cells
   alone.

Condition 2 is checked scale by scale (cells of different scales share no value). All new
cells that pass 1 are tried together first; while the attacker finds something, the least
preferred new cell about the people it found is hidden (preference: more people, then means
before changes, then cell id); then the cells hidden on the way, except the last, are tried
again one by one, most preferred first, and kept where the attacker still finds nothing.
Hiding a cell of at least k people never helps the attacker (one equation fewer, and it is no
target), so the shown set stays safe.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import ParameterError
from ._problem import Problem, scale_bounds
from .audit import audit_disclosure
from .cells import CHANGE, CellSet
from .decide import DECISION_COLUMNS, VALUE_NOTE, _primary
from .rule import DEFAULT_MIN_CELL_SIZE, DEFAULT_PROTECTION, check_min_cell_size, check_protection

__all__ = ["ADDED_REASON", "decide_added"]

ADDED_REASON = "hidden so that, beside the numbers already published, no one's answers and no hidden number can be worked out"
"""The research-only reason for a new cell hidden by the attacker (condition 2)."""

NOT_CANDIDATE = "hidden with its count"


def decide_added(published: CellSet, added: CellSet, scores: pd.DataFrame, bounds: object, *,
                 shown: object = None, candidates: object = None,
                 min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
                 protection: float = DEFAULT_PROTECTION) -> pd.DataFrame:
    """Decide which new cells may be shown beside cells already published (module docstring).

    Parameters
    ----------
    published
        Every cell the analysis decided (shown and hidden; hidden ones are attacked too).
    added
        The new cells (their ids must differ from the published ones). Not modified.
    scores
        The true values (tidy Scores), for condition 1.
    bounds
        Each scale's limits: the results' ``scales`` table or ``{scale: (lo, hi)}``.
    shown, candidates
        Booleans aligned with ``published.cells``, what was published (default: its ``shown``
        column), and with ``added.cells``, new cells that may be shown at all (e.g. whose
        counts pass count suppression; default: all).
    min_cell_size, protection
        The smallest reportable group (k; at least 3); the protection interval as a share of
        the scale's range.

    Returns
    -------
    DataFrame
        The new cells (:data:`DECISION_COLUMNS`) with ``shown``, ``reason`` (research-only, why
        a cell is hidden) and ``note`` (words a shareable output may print).

    Examples
    --------
    Cohorts C1 and C2 (three people each) are hidden, C3 (six) and everyone (twelve) are
    shown. A pool of C1 and C2 is everyone minus C3, so it adds nothing; a pool of C1 and C3
    would give C2's mean (everyone minus the pool):

    >>> import pandas as pd
    >>> from evaltool.privacy import decide_cells, summary_cells
    >>> x = [2.0, 3.0, 4.0, 3.5, 2.5, 4.5, 3.0, 2.0, 4.0, 3.5, 2.5, 3.0]
    >>> scores = pd.DataFrame({"participant_id": [f"P{i:02d}" for i in range(12)], "timepoint": "T1",
    ...                        "scale": "brs", "score": x, "cohort": ["C1"] * 3 + ["C2"] * 3 + ["C3"] * 6})
    >>> pub = summary_cells(scores)
    >>> d = decide_cells(pub, scores, {"brs": (1, 5)})
    >>> d[["cell", "n", "shown"]]
                   cell   n  shown
    0  cohort=C1|brs|T1   3  False
    1  cohort=C2|brs|T1   3  False
    2  cohort=C3|brs|T1   6   True
    3        all|brs|T1  12   True
    >>> def pool(*cohorts):
    ...     who = scores.loc[scores["cohort"].isin(cohorts), ["participant_id"]].assign(pool="+".join(cohorts))
    ...     new = summary_cells(scores, who, group="pool", study=False)
    ...     return decide_added(pub, new, scores, {"brs": (1, 5)}, shown=d["shown"])
    >>> pool("C1", "C2")[["cell", "n", "shown"]]
                   cell  n  shown
    0  pool=C1+C2|brs|T1  6   True
    >>> pool("C1", "C3")[["cell", "n", "shown"]]
                   cell  n  shown
    0  pool=C1+C3|brs|T1  9  False
    """
    k = check_min_cell_size(min_cell_size, "decide_added")
    p = check_protection(protection, "decide_added")
    _check_cell_sets(published, added)
    pub_shown = _flags(published, shown, "shown")
    table = added.cells.reset_index(drop=True)
    active = _flags(added, candidates, None) & (table["n"].to_numpy(dtype=np.int64) > 0)
    reason = np.where(active, "", NOT_CANDIDATE).astype(object)
    note = reason.copy()
    scales = sorted(set(map(str, table["scale"].dropna())))
    lim = scale_bounds(bounds, scales, "decide_added")
    if len(table):
        prob = Problem.build(CellSet(table, added.terms), scores, lim, p, "decide_added")
        _primary(prob, table, active, reason, note, k)
    for sc in scales:
        lost = _lost_to_attacker(published, pub_shown, added, active, sc, lim, k, p)
        active[lost] = False
        reason[lost] = ADDED_REASON
        note[lost] = VALUE_NOTE
    return _decisions(table, active, reason, note)


def _decisions(table: pd.DataFrame, shown: np.ndarray, reason: np.ndarray, note: np.ndarray) -> pd.DataFrame:
    """The new cells with ``shown``, and ``reason`` and ``note`` for the hidden ones."""
    out = table.loc[:, [c for c in DECISION_COLUMNS if c in table.columns]].copy()
    out["shown"] = shown
    out["reason"] = np.where(shown, "", reason)
    out["note"] = np.where(shown, "", note)
    return out.loc[:, list(DECISION_COLUMNS)]


def _check_cell_sets(published: CellSet, added: CellSet) -> None:
    """Both must be CellSets, and the new cells must not reuse the published cells' ids."""
    for name, value in (("published", published), ("added", added)):
        if not isinstance(value, CellSet):
            raise ParameterError(f"The '{name}' parameter of decide_added() must be a CellSet. Got "
                                 f"{type(value).__name__} instead.", fix="build it with summary_cells().")
    if set(map(str, added.cells["cell"])) & set(map(str, published.cells["cell"])):
        raise ParameterError("The 'added' cells of decide_added() reuse ids of published cells.",
                             fix="give the new cells their own group name (e.g. group='pool').")


def _lost_to_attacker(published: CellSet, pub_shown: np.ndarray, added: CellSet, active: np.ndarray,
                      sc: str, lim: dict, k: int, p: float) -> np.ndarray:
    """Positions of the new cells of scale ``sc`` still active after condition 1 that condition 2
    (the attacker beside the published cells) hides."""
    table = added.cells.reset_index(drop=True)
    on_scale = (table["scale"].astype(str) == sc).to_numpy()
    if not (active & on_scale).any():
        return np.zeros(0, dtype=np.int64)
    pub_mask = (published.cells["scale"].astype(str) == sc).to_numpy()
    kept = _attack_scale(published.subset(pub_mask), pub_shown[pub_mask], added.subset(on_scale),
                         active[on_scale], lim, k, p)
    return np.flatnonzero(on_scale)[active[on_scale] & ~kept]


def _flags(cells: CellSet, given: object, column: str | None) -> np.ndarray:
    n = len(cells.cells)
    if given is None:
        if column is not None and column in cells.cells.columns:
            return cells.cells[column].to_numpy(dtype=bool)
        return np.ones(n, dtype=bool)
    mask = np.asarray(given, dtype=bool)
    if mask.shape != (n,):
        raise ParameterError("decide_added() needs one boolean per cell in 'shown' and 'candidates'.")
    return mask.copy()


def _attack_scale(pub: CellSet, pub_shown: np.ndarray, new: CellSet, want: np.ndarray,
                  bounds: dict[str, tuple[float, float]], k: int, p: float) -> np.ndarray:
    """The new cells of one scale that may be shown (a subset of ``want``)."""
    # Hidden cells of at least k people are no target; leaving them out only merges units.
    keep_pub = pub_shown | (pub.cells["n"].to_numpy(dtype=np.int64) < k)
    pub = pub.subset(keep_pub)
    pub_shown = pub_shown[keep_pub]
    n_new = new.cells["n"].to_numpy(dtype=np.int64)
    targets = n_new < k                              # hidden new cells that must stay unknown
    attack = _Attack(pub.concat(new), len(pub), pub_shown, targets, bounds, k, p)
    rank = {i: r for r, i in enumerate(sorted(
        np.flatnonzero(want).tolist(), key=lambda i: (-int(n_new[i]), str(new.cells["statistic"].iloc[i]) == CHANGE,
                                                      str(new.cells["cell"].iloc[i]))))}
    kept = want.copy()
    removed: list[int] = []
    found = attack.found(kept)
    while found:                     # drop the least preferred new cell the findings involve
        involved = [i for i in np.flatnonzero(kept & attack.involved(found)).tolist()] or np.flatnonzero(kept).tolist()
        drop = max(involved, key=rank.__getitem__)
        kept[drop] = False
        removed.append(drop)
        found = attack.found(kept) if kept.any() else set()
    for i in sorted(removed[:-1], key=rank.__getitem__):   # then put back what is safe after all
        kept[i] = True
        if attack.found(kept):
            kept[i] = False
    return kept


class _Attack:
    """:func:`audit_disclosure` on the published cells (fixed) plus some of the new ones."""

    def __init__(self, both: CellSet, n_pub: int, pub_shown: np.ndarray, targets: np.ndarray,
                 bounds: dict[str, tuple[float, float]], k: int, p: float) -> None:
        self.both, self.n_pub, self.pub_shown, self.targets = both, n_pub, pub_shown, targets
        self.bounds, self.k, self.p = bounds, k, p
        terms = both.terms
        self.cell_pos = pd.Index(both.cells["cell"].astype(str)).get_indexer(pd.Index(terms["cell"].astype(str)))
        self.pid = terms[C.PARTICIPANT_ID].astype(str).to_numpy()

    def found(self, new_shown: np.ndarray) -> set[tuple[str, ...]]:
        """What the attacker recovers: (target, cell, participant, scale, timepoint) rows."""
        keep = np.concatenate([np.ones(self.n_pub, dtype=bool), new_shown | self.targets])
        cells = self.both.subset(keep)
        shown = np.concatenate([self.pub_shown, new_shown[new_shown | self.targets]])
        quick = self._exact(cells, shown)
        if quick:
            return quick
        a = audit_disclosure(cells, self.bounds, shown=shown, min_cell_size=self.k, protection=self.p)
        a = a.loc[a["disclosed"], ["target", "cell", C.PARTICIPANT_ID, C.SCALE, C.TIMEPOINT]]
        return set(a.astype(object).where(a.notna(), "").astype(str).itertuples(index=False, name=None))

    def _exact(self, cells: CellSet, shown: np.ndarray) -> set[tuple[str, ...]]:
        """What the equations alone determine (a person's value, a hidden cell of fewer than k
        people): the attacker's own null-space test, run first because it is cheap; only a
        set it finds nothing in goes on to the linear programmes. It can only hide more."""
        from .audit import _determined, _in_row_space, _System, _when

        table = cells.cells.reset_index(drop=True)
        sys = _System(cells, table, shown, self.bounds)
        A = sys.U[shown]
        out: set[tuple[str, ...]] = set()
        single = _determined(A) & (sys.size == 1)
        for u in np.flatnonzero(single).tolist():
            pid, scale, tp = sys.slots[int(np.flatnonzero(sys.unit_of == u)[0])]
            out.add(("value", "", str(pid), str(scale), str(tp)))
        n = table["n"].to_numpy(dtype=float)
        for i in np.flatnonzero(~shown & (n > 0) & (n < self.k)).tolist():
            if A.shape[0] and _in_row_space(A, sys.U[i] / n[i]):
                out.add(("cell", str(table.loc[i, "cell"]), "", str(table.loc[i, "scale"]), _when(table.iloc[i])))
        return out

    def involved(self, found: set[tuple[str, ...]]) -> np.ndarray:
        """New cells about anyone the findings are about (a person, or the people of a cell)."""
        people = {pid for _, _, pid, _, _ in found if pid}
        ids = {cell for _, cell, _, _, _ in found if cell}
        if ids:
            of_cell = np.isin(self.both.cells["cell"].astype(str).to_numpy()[self.cell_pos], list(ids))
            people |= set(self.pid[of_cell])
        hit = np.isin(self.pid, list(people))
        out = np.zeros(len(self.both.cells), dtype=bool)
        out[self.cell_pos[hit]] = True
        return out[self.n_pub:]
