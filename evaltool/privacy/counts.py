"""Small-cell suppression for shareable tables: primary and complementary (secondary).

A count table (e.g. cohorts × timepoints) is published with some of its totals (the
all-cohorts figure under each column, a row's total …). Primary suppression hides every cell
below the threshold ``min_cell_size`` (k below). That alone is not enough: a hidden cell could be recovered by
subtraction (a column total minus the other cohorts). Complementary suppression hides further
cells until **no hidden value can be worked out from the published values and totals**.

How it decides (exact, not a rule of thumb)
-------------------------------------------
Write the table with its published margins as a bipartite graph: one node per row and per
column line, one edge per cell (margin cells are edges to a "total" node). Every published
total is a linear equation "the cells of this line add up to its total". After a sign change
of the margin cells every equation reads "the edges at this node sum to a known number", i.e.
the constraint matrix is the node–edge incidence matrix of the graph of hidden cells. Lines
whose total is not published give no equation; they are merged into one unconstrained node.
The null space of an incidence matrix is its cycle space, so a hidden cell's value is fixed
by the published numbers **if and only if its edge is a bridge** (lies on no cycle) of the
graph of hidden cells. The algorithm therefore repeats: find a bridge, close a cycle through
it by hiding the cheapest path of published cells between its two ends (shortest path,
cost = the cell's count, so the next-smallest cells go first; zero cells and totals are
avoided when possible), until there is no bridge. Adding a cycle never creates a bridge, so
the loop ends. Every hidden cell then lies on a cycle of hidden cells, so it can move by ±1
(integer tables) along that cycle without changing any published number: at least two
tables are consistent with what is shown. ``tests/test_report_suppression.py`` checks this
independently by linear algebra and by enumerating every non-negative integer table.

This is the network-flow view of cell suppression in two-way tables (Cox 1980; Castro 2006);
the threshold practice (``min_cell_size`` 5 by default, never below 3) follows Hundepool et
al. (2012, §4.2).

References
----------
Cox, L. H. (1980). Suppression methodology and statistical disclosure control. JASA 75, 377–385.
Castro, J. (2006). Minimum-distance controlled perturbation methods for large-scale tabular
data protection. EJOR 171, 39–52.
Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..options import DEFAULT_MIN_CELL_SIZE, MIN_CELL_SIZE_FLOOR, check_min_cell_size

__all__ = ["Suppression", "hidden_bridges", "suppress_counts"]

# Only for evaltool/report/suppression.py, which re-exports it; remove both once the report
# layout branch (layout15) is merged and that shim imports MIN_CELL_SIZE_FLOOR instead.
MIN_THRESHOLD = MIN_CELL_SIZE_FLOOR

_ZERO_COST = 1e6     # use a zero cell as a complement only when nothing else closes the cycle
_MARGIN_COST = 1e3   # prefer inner cells to totals


@dataclass(frozen=True)
class Suppression:
    """Which cells of a count table (with its published totals) must be hidden.

    Attributes
    ----------
    counts
        The counts with the published totals added: a ``total_label`` column (row totals) and/or
        a ``total_label`` row (column totals), as requested.
    mask
        Same shape as ``counts``: True where the value must not be shown.
    primary
        Same shape: True where the cell itself is below the threshold (for the research team;
        never show which hidden cells are primary, that would narrow them down).
    min_cell_size
        The threshold used.

    Examples
    --------
    C02 at T2 (3) and C03 at T4 (2) are below 5; one more cell in each column is hidden so
    that neither can be worked out from the column total:

    >>> import pandas as pd
    >>> counts = pd.DataFrame({"T2": [12, 3, 9], "T4": [8, 6, 2]}, index=["C01", "C02", "C03"])
    >>> s = suppress_counts(counts, min_cell_size=5)
    >>> s.mask
              T2     T4
    C01    False  False
    C02     True   True
    C03     True   True
    Total  False  False
    >>> s.any, s.min_cell_size
    (True, 5)
    """

    counts: pd.DataFrame
    mask: pd.DataFrame
    primary: pd.DataFrame
    min_cell_size: int

    @property
    def any(self) -> bool:
        """Whether anything is hidden."""
        return bool(self.mask.to_numpy().any())

    def is_hidden(self, row: Any, column: Any) -> bool:
        """Whether the cell (row, column) is hidden (False for cells not in the table)."""
        try:
            return bool(self.mask.loc[row, column])
        except KeyError:
            return False

    def apply(self, values: pd.DataFrame) -> pd.DataFrame:
        """Return ``values`` (aligned on index and columns) with hidden cells set to missing.

        Use it for any statistic computed from the same people as the counts (means, SDs,
        percentages): a value is hidden whenever its count is. Not modified in place.
        """
        m = self.mask.reindex(index=values.index, columns=values.columns, fill_value=False)
        return values.astype(object).where(~m.to_numpy(dtype=bool), None)


def suppress_counts(
    counts: pd.DataFrame,
    *,
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
    row_totals: bool = False,
    column_totals: bool = True,
    sensitive_zeros: bool = False,
    total_label: str = "Total",
    hide: pd.DataFrame | None = None,
    prefer: pd.DataFrame | None = None,
) -> Suppression:
    """Decide which cells of a count table to hide: primary and complementary suppression.

    Parameters
    ----------
    counts
        Non-negative whole counts, rows × columns (e.g. cohorts × timepoints). Missing values
        count as 0 (a cell that does not exist). Not modified.
    min_cell_size
        Threshold: cells with ``0 < n < min_cell_size`` are hidden (primary suppression). At
        least 3.
    row_totals, column_totals
        Which totals will be published next to the table (a row's total; the total of each
        column, e.g. "all cohorts"). Published totals are what an attacker can subtract from;
        a total below ``min_cell_size`` is hidden too. When both are published the grand total is as well.
    sensitive_zeros
        Also hide zero cells (default: a zero is not a small group of people).
    total_label
        Name of the added total row / column.
    hide
        Optional booleans aligned with ``counts``: cells that must be hidden whatever their
        value (e.g. because a count they are bounded by is hidden in another table). They count
        as hidden when complementary cells are chosen, but are not primary.
    prefer
        Optional booleans aligned with ``counts``: cells to use first as complementary cells
        (e.g. counts whose statistic is hidden anyway), before any other.

    Returns
    -------
    Suppression
        ``counts`` (with the totals), ``mask`` (True = hide), ``primary``, ``min_cell_size``.

    Notes
    -----
    Complementary cells are chosen so that no hidden value can be worked out from the
    published values and totals, cheapest first (the module docstring says how). The result
    is deterministic, so separately written reports (one per cohort) hide the same cells.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"T1": [8, 4, 12], "T2": [7, 6, 11]}, index=["C01", "C06", "C03"])
    >>> s = suppress_counts(t, min_cell_size=5)
    >>> bool(s.mask.loc["C06", "T1"]), bool(s.mask.loc["C01", "T1"])  # C06 primary; C01 complementary
    (True, True)
    >>> bool(s.mask.loc["Total", "T1"])
    False
    """
    k = check_min_cell_size(min_cell_size, "suppress_counts")
    x = _whole_counts(counts)
    r, c = x.shape
    full, index, columns = _with_totals(x, counts, row_totals, column_totals, total_label)
    primary = (full > 0) & (full < k)
    if sensitive_zeros:
        primary |= full == 0
    seed = primary.copy()
    seed[:r, :c] |= _aligned(hide, counts)
    cheap = np.zeros_like(seed)
    cheap[:r, :c] = _aligned(prefer, counts)
    mask = _complement(full, seed, row_totals=row_totals, column_totals=column_totals, cheap=cheap)
    frame = pd.DataFrame(full, index=index, columns=columns)
    return Suppression(
        counts=frame,
        mask=pd.DataFrame(mask, index=index, columns=columns),
        primary=pd.DataFrame(primary, index=index, columns=columns),
        min_cell_size=k,
    )


def _whole_counts(counts: Any) -> np.ndarray:
    """The counts as non-negative integers (missing = 0), or a ParameterError."""
    if not isinstance(counts, pd.DataFrame):
        raise ParameterError(
            f"The 'counts' parameter of suppress_counts() must be a pandas DataFrame. Got "
            f"{type(counts).__name__} instead.")
    values = counts.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    values = np.nan_to_num(values, nan=0.0)
    if (values < 0).any() or (np.abs(values - np.round(values)) > 1e-9).any():
        raise ParameterError(
            "The 'counts' parameter of suppress_counts() must hold non-negative whole numbers.",
            fix="pass counts of people, not means or percentages.")
    return np.round(values).astype(np.int64)


def _aligned(flags: pd.DataFrame | None, counts: pd.DataFrame) -> np.ndarray:
    """Optional booleans aligned with the counts (all False when not given)."""
    if flags is None:
        return np.zeros(counts.shape, dtype=bool)
    return flags.reindex(index=counts.index, columns=counts.columns).fillna(False).to_numpy(dtype=bool)


def _with_totals(x: np.ndarray, counts: pd.DataFrame, row_totals: bool, column_totals: bool,
                 total_label: str) -> tuple[np.ndarray, list[Any], list[Any]]:
    """The table with the totals that will be published beside it, and its labels."""
    r, c = x.shape
    full = x
    index = list(counts.index)
    columns = list(counts.columns)
    if row_totals:
        full = np.column_stack([full, full.sum(axis=1)]) if r else np.zeros((0, c + 1), np.int64)
        columns = [*columns, total_label]
    if column_totals:
        full = np.vstack([full, full.sum(axis=0, keepdims=True)])
        index = [*index, total_label]
    return full, index, columns


# --- the graph machinery ---------------------------------------------------------------------
def _nodes(shape: tuple[int, int], *, row_totals: bool, column_totals: bool) -> tuple[np.ndarray, np.ndarray]:
    """Node id of each cell's row line and column line; unconstrained lines share node 0."""
    R, Cn = shape
    # A row line carries an equation only if its total is published (the last column when
    # row_totals); the total row's own line is constrained when the grand total is published
    # too (both totals). Likewise for columns.
    row_node = np.zeros(R, dtype=np.int64)
    col_node = np.zeros(Cn, dtype=np.int64)
    nxt = 1
    for i in range(R):
        is_total_row = column_totals and i == R - 1
        constrained = row_totals and (not is_total_row or column_totals)
        if constrained:
            row_node[i] = nxt
            nxt += 1
    for j in range(Cn):
        is_total_col = row_totals and j == Cn - 1
        constrained = column_totals and (not is_total_col or row_totals)
        if constrained:
            col_node[j] = nxt
            nxt += 1
    return row_node, col_node


def _bridges(n_nodes: int, edges: list[tuple[int, int]]) -> set[int]:
    """Indices of bridge edges of an undirected multigraph (self-loops are never bridges)."""
    adj: list[list[tuple[int, int]]] = [[] for _ in range(n_nodes)]
    for e, (u, v) in enumerate(edges):
        if u == v:
            continue
        adj[u].append((v, e))
        adj[v].append((u, e))
    disc = [-1] * n_nodes
    low = [0] * n_nodes
    out: set[int] = set()
    t = 0
    for root in range(n_nodes):
        if disc[root] != -1:
            continue
        disc[root] = low[root] = t
        t += 1
        stack: list[tuple[int, int, int]] = [(root, -1, 0)]  # node, edge used to enter, next adj idx
        while stack:
            u, pe, i = stack[-1]
            if i < len(adj[u]):
                stack[-1] = (u, pe, i + 1)
                v, e = adj[u][i]
                if e == pe:
                    continue
                if disc[v] == -1:
                    disc[v] = low[v] = t
                    t += 1
                    stack.append((v, e, 0))
                else:
                    low[u] = min(low[u], disc[v])
            else:
                stack.pop()
                if stack:
                    p = stack[-1][0]
                    low[p] = min(low[p], low[u])
                    if low[u] > disc[p]:
                        out.add(pe)
    return out


def _cell_edges(shape: tuple[int, int], *, row_totals: bool, column_totals: bool
                ) -> tuple[int, list[tuple[int, int]], list[tuple[int, int]]]:
    R, Cn = shape
    row_node, col_node = _nodes(shape, row_totals=row_totals, column_totals=column_totals)
    n_nodes = int(max(row_node.max(initial=0), col_node.max(initial=0))) + 1
    cells = [(i, j) for i in range(R) for j in range(Cn)]
    edges = [(int(row_node[i]), int(col_node[j])) for i, j in cells]
    return n_nodes, cells, edges


def hidden_bridges(mask: np.ndarray, *, row_totals: bool, column_totals: bool) -> list[tuple[int, int]]:
    """Hidden cells (of the table *with* its totals) whose value the published numbers fix.

    Empty when the suppression is safe. ``mask`` is the boolean array of
    :attr:`Suppression.mask`.
    """
    mask = np.asarray(mask, dtype=bool)
    n_nodes, cells, edges = _cell_edges(mask.shape, row_totals=row_totals, column_totals=column_totals)
    hid = [e for e, (i, j) in enumerate(cells) if mask[i, j]]
    br = _bridges(n_nodes, [edges[e] for e in hid])
    return [cells[hid[b]] for b in sorted(br)]


def _complement(full: np.ndarray, primary: np.ndarray, *, row_totals: bool, column_totals: bool,
                cheap: np.ndarray | None = None) -> np.ndarray:
    R, Cn = full.shape
    mask = primary.copy()
    if not mask.any():
        return mask
    n_nodes, cells, edges = _cell_edges(full.shape, row_totals=row_totals, column_totals=column_totals)
    is_margin = np.zeros(full.shape, dtype=bool)
    if row_totals:
        is_margin[:, -1] = True
    if column_totals:
        is_margin[-1, :] = True
    cost = np.where(full == 0, _ZERO_COST, full.astype(float)) + np.where(is_margin, _MARGIN_COST, 0.0)
    if cheap is not None:
        cost = np.where(cheap & (full > 0), full.astype(float) * 1e-3, cost)
    for _ in range(R * Cn + 1):
        hid = [e for e, (i, j) in enumerate(cells) if mask[i, j]]
        br = _bridges(n_nodes, [edges[e] for e in hid])
        if not br:
            return mask
        # the bridge whose cell is smallest first (deterministic order)
        target = min((hid[b] for b in br), key=lambda e: (full[cells[e]], e))
        path = _cheapest_path(n_nodes, edges, cells, mask, cost, avoid=target)
        if path is None:  # pragma: no cover - cannot happen for tables with >= 2 lines
            i, j = cells[target]
            mask[i, :] = True
            mask[:, j] = True
            continue
        for e in path:
            mask[cells[e]] = True
    return mask  # pragma: no cover - the loop always ends earlier


def _cheapest_path(n_nodes: int, edges: list[tuple[int, int]], cells: list[tuple[int, int]],
                   mask: np.ndarray, cost: np.ndarray, *, avoid: int) -> list[int] | None:
    """Cheapest path between the ends of edge ``avoid`` not using it (hidden edges cost 0)."""
    src, dst = edges[avoid]
    adj: list[list[tuple[int, int]]] = [[] for _ in range(n_nodes)]
    for e, (u, v) in enumerate(edges):
        if e == avoid or u == v:
            continue
        adj[u].append((v, e))
        adj[v].append((u, e))
    dist = [np.inf] * n_nodes
    back: list[tuple[int, int] | None] = [None] * n_nodes
    dist[src] = 0.0
    heap = [(0.0, src)]
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist[u]:
            continue
        if u == dst:
            break
        for v, e in adj[u]:
            w = 0.0 if mask[cells[e]] else float(cost[cells[e]])
            nd = d + w
            if nd < dist[v] - 1e-12:
                dist[v] = nd
                back[v] = (u, e)
                heapq.heappush(heap, (nd, v))
    if not np.isfinite(dist[dst]):
        return None
    path = []
    node = dst
    while node != src:
        b = back[node]
        if b is None:  # pragma: no cover - dst was reached, so every node on the way has a parent
            return None
        node, e = b
        if not mask[cells[e]]:
            path.append(e)
    return path
