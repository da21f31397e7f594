"""The columnar Excel-safety and CSV writer equal the cell-by-cell ones (evaltool.privacy._safe_arrow).

The reference is the original implementation: ``safe_cell`` of every cell, then pandas'
``to_csv``. Hostile strings: formula starts, DDE, control and line-like characters, quotes,
commas, line breaks, non-BMP characters.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from evaltool.output import write_csv
from evaltool.privacy import safe_cell, safe_frame
from evaltool.privacy._safe_arrow import arrow_table, safe_text_array, write_csv_fast

PIECES = st.sampled_from(
    list("=+-@\t\r\n\x0b\x0c\x85\u2028\u2029\x00\x01\x1f\x7f\x84\x86\x9f\ufffe\uffff,\"' aZ0é\U0001F600;|!")
    + ["\r\n", "=cmd|' /C calc'!A0", "-1+2"])
HOSTILE = st.lists(PIECES, max_size=8).map("".join)
TEXT = st.one_of(HOSTILE, st.text(max_size=8))


def _reference_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """safe_frame as it was: safe_cell of every cell of every non-numeric column."""
    out = frame.copy()
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col])
                or pd.api.types.is_datetime64_any_dtype(out[col])):
            out[col] = pd.Series([safe_cell(v) for v in out[col].tolist()], index=out.index, dtype=object)
    out.columns = [safe_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), TEXT), max_size=20))
def test_vectorised_safe_text_equals_safe_cell(values):
    import pyarrow as pa

    got = safe_text_array(pa.array(values, type=pa.large_string())).to_pylist()
    assert got == [safe_cell(v) for v in values]


FLOATS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(
    [0.0, -0.0, 1e16, 1e-4, 9.999999999999999e-05, 1e10, 9999999999.999998, 2.0, -3.0, 1e-05, 123456789012.5]))


@st.composite
def frames(draw):
    n = draw(st.integers(0, 8))
    kinds = draw(st.lists(st.sampled_from(["text", "str", "float", "int", "bool", "cat", "mixed", "Int64",
                                           "boolean", "objbool"]), min_size=1, max_size=5))
    cols = {}
    for i, kind in enumerate(kinds):
        name = draw(st.one_of(HOSTILE, st.just(f"c{i}")))
        if safe_cell(name) in {safe_cell(c) for c in cols}:
            name = f"c{i}"
        if kind in ("text", "str"):
            vals = draw(st.lists(st.one_of(st.none(), TEXT), min_size=n, max_size=n))
            cols[name] = pd.Series(vals, dtype=object if kind == "text" else "str")
        elif kind == "float":
            cols[name] = pd.Series(draw(st.lists(FLOATS, min_size=n, max_size=n)), dtype=float)
        elif kind == "int":
            cols[name] = pd.Series(draw(st.lists(st.integers(-10**12, 10**12), min_size=n, max_size=n)), dtype="int64")
        elif kind == "bool":
            cols[name] = pd.Series(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
        elif kind == "cat":
            cols[name] = pd.Categorical(draw(st.lists(st.one_of(st.none(), HOSTILE), min_size=n, max_size=n)))
        elif kind == "Int64":
            cols[name] = pd.array(draw(st.lists(st.one_of(st.none(), st.integers(-99, 99)), min_size=n, max_size=n)),
                                  dtype="Int64")
        elif kind == "boolean":
            cols[name] = pd.array(draw(st.lists(st.one_of(st.none(), st.booleans()), min_size=n, max_size=n)),
                                  dtype="boolean")
        elif kind == "objbool":
            cols[name] = pd.Series(draw(st.lists(st.one_of(st.none(), st.booleans()), min_size=n, max_size=n)),
                                   dtype=object)
        else:
            vals = draw(st.lists(st.one_of(st.none(), HOSTILE, st.integers(-5, 5), FLOATS), min_size=n, max_size=n))
            cols[name] = pd.Series(vals, dtype=object)
    return pd.DataFrame(cols)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    for j, ca in enumerate(a.columns):
        va, vb = a.iloc[:, j].tolist(), b.iloc[:, j].tolist()
        assert len(va) == len(vb)
        for x, y in zip(va, vb, strict=True):
            if x is y:
                continue
            if isinstance(x, float) and isinstance(y, float) and math.isnan(x):
                assert math.isnan(y)
            else:
                assert x == y and type(x) is type(y), (ca, x, y)


@settings(max_examples=200, deadline=None)
@given(frames())
def test_vectorised_safe_frame_equals_cell_by_cell(frame):
    _same(safe_frame(frame), _reference_frame(frame))


@settings(max_examples=200, deadline=None)
@given(frame=frames())
def test_fast_csv_writes_the_same_text_as_pandas(tmp_path_factory, frame):
    folder = tmp_path_factory.mktemp("csv")
    expected = _reference_frame(frame).to_csv(index=False, encoding="utf-8")
    path = write_csv(frame, folder / "t.csv", arrow_table(frame))
    assert path.read_text(encoding="utf-8") == expected


@settings(max_examples=40, deadline=None)
@given(frame=frames(), seed=st.integers(0, 2**16))
def test_fast_csv_of_columns_with_few_distinct_values(tmp_path_factory, frame, seed):
    """Columns of at least 1,000 rows with few distinct values are worked on once per value
    (text, floats): the same text as cell by cell, hostile values and -0.0/NaN included."""
    folder = tmp_path_factory.mktemp("few")
    rows = np.random.default_rng(seed).integers(0, max(len(frame), 1), size=1_200 if len(frame) else 0)
    big = frame.iloc[rows].reset_index(drop=True)
    expected = _reference_frame(big).to_csv(index=False, encoding="utf-8")
    path = write_csv(big, folder / "t.csv", arrow_table(big))
    assert path.read_text(encoding="utf-8") == expected


def test_fast_csv_handles_a_large_table_in_batches(tmp_path):
    rng = np.random.default_rng(3)
    n = 300_000  # more than one batch
    frame = pd.DataFrame({"id": [f"P{i}" for i in range(n)], "x": rng.normal(size=n),
                          "t": pd.Series(["=1+1", "ok", None], dtype=object).sample(n, replace=True, random_state=1).to_numpy()})
    assert write_csv_fast(frame, tmp_path / "big.csv")
    assert (tmp_path / "big.csv").read_text(encoding="utf-8") == _reference_frame(frame).to_csv(index=False)


def test_dates_go_the_pandas_way(tmp_path):
    frame = pd.DataFrame({"d": pd.to_datetime(["2024-01-01", None]), "t": ["=x", "y"]})
    path = write_csv(frame, tmp_path / "d.csv")
    assert path.read_text(encoding="utf-8") == _reference_frame(frame).to_csv(index=False)
