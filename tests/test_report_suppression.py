"""Small-cell suppression: primary cells hidden, and a proof that complementary suppression holds.

The proof does not reuse the module's graph argument. For each table it writes down the linear
equations an attacker gets from the published totals and checks, two independent ways, that no
hidden cell is determined:

1. linear algebra: a hidden cell x_e is determined by A_S x_S = b exactly when the unit vector
   e is in the row space of A_S, i.e. rank(A_S) == rank([A_S; e]);
2. integer programming: minimise and maximise each hidden cell over all non-negative integer
   tables that agree with every published cell and total (scipy.optimize.milp, HiGHS); the
   cell is protected when min < max. On tiny tables the same is confirmed by enumerating every
   integer table.

References: Cox (1980) JASA 75:377–385 (cell suppression as linear constraints); PEERS.md §5
(k = 5 default, floor 3; secondary suppression so cells cannot be recovered by subtraction).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from _suppression_check import _equations, determined_cells, integer_ranges
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaltool.errors import ParameterError
from evaltool.report.suppression import Suppression, hidden_bridges, suppress_counts


def enumerate_tables(s: Suppression, row_totals: bool, column_totals: bool) -> dict[int, set[int]]:
    """Every value each hidden cell takes over all consistent integer tables (tiny tables only)."""
    full = s.counts.to_numpy(dtype=np.int64).ravel()
    mask = s.mask.to_numpy(dtype=bool).ravel()
    A = _equations(s.mask.shape, row_totals, column_totals)
    hid = np.flatnonzero(mask)
    top = int(full.max())
    seen: dict[int, set[int]] = {int(h): set() for h in hid}
    for combo in itertools.product(range(top + 1), repeat=len(hid)):
        x = full.copy()
        x[hid] = combo
        if len(A) == 0 or np.all(A @ x == 0):
            for h, v in zip(hid, combo, strict=True):
                seen[int(h)].add(v)
    return seen


# --- strategies ---------------------------------------------------------------------------------
@st.composite
def tables(draw: st.DrawFn, max_rows: int = 7, max_cols: int = 5, max_count: int = 15) -> tuple:
    r = draw(st.integers(2, max_rows))
    c = draw(st.integers(1, max_cols))
    cells = draw(st.lists(st.integers(0, max_count), min_size=r * c, max_size=r * c))
    rt = draw(st.booleans())
    ct = draw(st.booleans())
    k = draw(st.integers(3, 6))
    frame = pd.DataFrame(np.array(cells).reshape(r, c), index=[f"C{i}" for i in range(r)],
                         columns=[f"T{j}" for j in range(c)])
    return frame, rt, ct, k


# --- tests --------------------------------------------------------------------------------------
def test_example_from_docstring_cohort_column_totals() -> None:
    """Cohort × timepoint n with the all-cohorts row published: C06 (n = 4) is hidden and so is
    the next-smallest cohort in that column, so C06 cannot be found as total − other cohorts."""
    t = pd.DataFrame({"T1": [8, 4, 12], "T2": [7, 6, 11]}, index=["C01", "C06", "C03"])
    s = suppress_counts(t, min_cell_size=5)
    assert s.mask.loc["C06", "T1"] and s.mask.loc["C01", "T1"]
    assert not s.mask.loc["C03", "T1"] and not s.mask.loc["Total", "T1"]
    assert not s.mask["T2"].any()
    assert s.counts.loc["Total", "T1"] == 24
    assert determined_cells(s, False, True) == []


def test_single_small_cell_in_row_and_column_needs_four_cells() -> None:
    """With row and column totals, one small cell forces a rectangle of hidden cells."""
    t = pd.DataFrame([[2, 10, 9], [11, 12, 13], [14, 15, 16]])
    s = suppress_counts(t, min_cell_size=5, row_totals=True, column_totals=True)
    assert s.mask.to_numpy().sum() == 4
    assert determined_cells(s, True, True) == []
    # the cheapest rectangle: complements cost 9 + 13 + 11 = 10 + 12 + 11 = 33 (next-smallest)
    hidden = s.counts.to_numpy()[s.mask.to_numpy()]
    assert sorted(hidden.tolist())[0] == 2 and hidden.sum() - 2 == 33


def test_small_total_is_hidden_too() -> None:
    t = pd.DataFrame([[1, 2], [10, 12], [9, 8]])
    s = suppress_counts(t, min_cell_size=5, row_totals=True, column_totals=True)
    assert s.mask.loc[0, "Total"]  # the row total 3 is itself below k
    assert determined_cells(s, True, True) == []


def test_no_totals_means_primary_only() -> None:
    t = pd.DataFrame([[1, 20], [30, 40]])
    s = suppress_counts(t, min_cell_size=5, column_totals=False)
    assert s.mask.to_numpy().tolist() == [[True, False], [False, False]]


def test_zero_cells_are_not_sensitive_by_default() -> None:
    t = pd.DataFrame([[0, 20], [30, 40]])
    assert not suppress_counts(t, min_cell_size=5).any
    assert suppress_counts(t, min_cell_size=5, sensitive_zeros=True).mask.iloc[0, 0]


def test_apply_hides_statistics_of_hidden_cells() -> None:
    t = pd.DataFrame({"T1": [8, 4, 12]}, index=["C01", "C06", "C03"])
    means = pd.DataFrame({"T1": [3.1, 2.2, 3.5]}, index=["C01", "C06", "C03"])
    out = suppress_counts(t).apply(means)
    assert out.loc["C06", "T1"] is None and out.loc["C01", "T1"] is None
    assert out.loc["C03", "T1"] == 3.5


def test_deterministic_and_input_not_modified() -> None:
    t = pd.DataFrame({"T1": [8, 4, 12, 5], "T2": [3, 6, 11, 9]}, index=list("abcd"))
    before = t.copy()
    a = suppress_counts(t, row_totals=True)
    b = suppress_counts(t, row_totals=True)
    pd.testing.assert_frame_equal(t, before)
    pd.testing.assert_frame_equal(a.mask, b.mask)


@pytest.mark.parametrize("k", [2, 0, -1, 2.5, True, "5"])
def test_threshold_floor(k: object) -> None:
    with pytest.raises(ParameterError, match="'min_cell_size' parameter of suppress_counts"):
        suppress_counts(pd.DataFrame([[1, 2]]), min_cell_size=k)  # type: ignore[arg-type]


def test_counts_must_be_whole_non_negative() -> None:
    with pytest.raises(ParameterError, match="non-negative whole numbers"):
        suppress_counts(pd.DataFrame([[1.5, 2]]))
    with pytest.raises(ParameterError, match="non-negative whole numbers"):
        suppress_counts(pd.DataFrame([[-1, 2]]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_proof_no_hidden_cell_is_determined_linear(case: tuple) -> None:
    """For random tables: every primary cell is hidden, published values are unchanged, and
    no hidden cell can be solved for from the published totals (rank argument)."""
    frame, rt, ct, k = case
    s = suppress_counts(frame, min_cell_size=k, row_totals=rt, column_totals=ct)
    full = s.counts.to_numpy()
    small = (full > 0) & (full < k)
    assert (s.mask.to_numpy() | ~small).all(), "a primary cell is visible"
    assert (s.counts.iloc[: len(frame), : frame.shape[1]].to_numpy() == frame.to_numpy()).all()
    assert determined_cells(s, rt, ct) == []
    assert hidden_bridges(s.mask.to_numpy(), row_totals=rt, column_totals=ct) == []


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(max_rows=5, max_cols=4, max_count=12))
def test_proof_no_hidden_cell_is_determined_integer(case: tuple) -> None:
    """For random tables: over all non-negative integer tables consistent with what is
    published, every hidden cell can take at least two values (MILP min < max)."""
    frame, rt, ct, k = case
    s = suppress_counts(frame, min_cell_size=k, row_totals=rt, column_totals=ct)
    if not (rt or ct):
        return
    for cell, (lo, hi) in integer_ranges(s, rt, ct).items():
        assert hi - lo >= 1 - 1e-9, f"hidden cell {cell} is pinned to {lo}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(max_rows=3, max_cols=2, max_count=5))
def test_proof_by_enumeration_on_tiny_tables(case: tuple) -> None:
    """Brute force on tiny tables: list every integer table that agrees with the published
    cells and totals; each hidden cell takes >= 2 values (confirms the MILP check)."""
    frame, rt, ct, k = case
    s = suppress_counts(frame, min_cell_size=k, row_totals=rt, column_totals=ct)
    n_hidden = int(s.mask.to_numpy().sum())
    if not s.any or not (rt or ct) or (int(s.counts.to_numpy().max()) + 1) ** n_hidden > 60_000:
        return
    for cell, values in enumerate_tables(s, rt, ct).items():
        assert len(values) >= 2, f"hidden cell {cell} has only the value(s) {values}"


def test_the_check_itself_catches_primary_only_suppression() -> None:
    """The proof has teeth: with primary suppression only, C06 is total − other cohorts."""
    t = pd.DataFrame({"T1": [8, 4, 12]}, index=["C01", "C06", "C03"])
    s = suppress_counts(t, min_cell_size=5)
    naive = Suppression(counts=s.counts, mask=s.primary, primary=s.primary, min_cell_size=5)
    assert determined_cells(naive, False, True) == [1]
    assert integer_ranges(naive, False, True)[1] == (4, 4)
    assert hidden_bridges(naive.mask.to_numpy(), row_totals=False, column_totals=True) == [(1, 0)]


def test_dumbbell_bridge_is_caught() -> None:
    """A hidden cell joining two hidden rectangles has >= 2 hidden cells in each of its lines
    but is still recoverable (the 'two per line' rule of thumb is not enough)."""
    m = np.zeros((5, 5), dtype=bool)
    m[0, 0] = m[0, 1] = m[1, 0] = m[1, 1] = True   # rectangle 1
    m[2, 2] = m[2, 3] = m[3, 2] = m[3, 3] = True   # rectangle 2
    m[0, 2] = True                                 # the bridge
    counts = pd.DataFrame(np.full((5, 5), 7))
    s = Suppression(counts=counts, mask=pd.DataFrame(m), primary=pd.DataFrame(m), min_cell_size=5)
    assert determined_cells(s, True, True) == [2]
    assert hidden_bridges(m, row_totals=True, column_totals=True) == [(0, 2)]
