"""The fast paths of import and linking at national scale give what the general code gives.

Each shortcut (Arrow kernels instead of a Python call per id, compact answer arrays, an
Arrow pre-check before a Python regex) is compared with the plain computation it replaces,
on inputs chosen to reach the edge cases (look-alike characters, zero padding, non-ASCII
case folding, control bytes, missing values).
"""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from evaltool.io import status as S
from evaltool.io._text import _CONTROL_BYTES, has_control_bytes
from evaltool.study import ids as I
from evaltool.study._lookup import categorical as _categorical
from evaltool.study._lookup import positions as _positions
from evaltool.study._waves import compact


def _random_texts(alphabet: list[str], n: int, most: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, most))) for _ in range(n)]


def test_arrow_skeletons_equal_python_skeletons(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(I, "_ARROW_SKELETONS", 0)  # the Arrow path even for a few ids
    ids = _random_texts(list("0123456789OILSZoilszABCPxy-_ .@#/") + ["00", "000"], 50_000, 12, 1)
    ids += ["P-0O7", "C3-017", "A000", "00", "A00B001", "0A05", "sz00"]
    assert I._skeletons(ids) == [I._skeleton(x) for x in ids]
    # a non-ASCII id sends every id through Python's rules (upper() of 'ß' is 'SS')
    assert I._skeletons(["straße", "P0O1"]) == [I._skeleton("straße"), I._skeleton("P0O1")]


def test_typo_matches_by_rank_equals_rank_by_rank_search() -> None:
    rng = np.random.default_rng(3)
    base = [f"P{i:05d}" for i in range(3_000)]
    slips = [x.replace("0", "O", 1) for x in base[:300]] + [x[:2] + x[3] + x[2] + x[4:] for x in base[300:400]]
    ids = list(dict.fromkeys(base + slips))
    ranks = rng.integers(0, 3, len(ids))
    ranks[: len(base)] = rng.integers(0, 2, len(base))
    late = ranks > 0
    expected: dict[str, list[str]] = {}
    for rank in sorted(set(ranks[late].tolist())):
        unmatched = [ids[i] for i in np.flatnonzero(late & (ranks == rank))]
        known = [ids[i] for i in np.flatnonzero(ranks < rank)]
        expected.update(I.typo_matches(unmatched, known))
    got = I.typo_matches_by_rank(ids, ranks, late)
    assert got == expected and list(got) == list(expected)
    assert got  # the slips were found


def test_compact_answers_widen_to_the_same_values() -> None:
    codes = np.array([1.0, 2.0, np.nan, 5.0, 0.0, -3.0])
    assert compact(codes).dtype == np.float16
    for values in (codes, np.array([0.1, np.nan, 2.5]), np.array([70_000.0, 1.0]), np.array([1e300, 2.0]),
                   np.array([], dtype=float)):
        small = compact(values)
        assert np.array_equal(small.astype(np.float64), values, equal_nan=True)
    assert compact(np.array([0.1, 1.0])).dtype == np.float64  # 0.1 is not exact in a smaller float
    assert compact(np.array([70_000.0, 1.0])).dtype == np.float32  # beyond float16's range


def test_test_ids_precheck_equals_the_python_pattern() -> None:
    words = ["test", "TEST", "Testing", "preview", "dummy", "demo", "fake", "example", "sample", "do not use",
             "Ignore", "mean", "x", "ſ", "teſt", "K", "İ", "é", " ", "-", "#", "_", "1", "@", ".", "P0", "a"]
    ids = pd.Series(_random_texts(words, 20_000, 4, 2) + [None, np.nan], dtype=object)
    plain = ids.astype("string").str.strip().str.match(S._TEST_ID.pattern, case=False)
    expected = plain.to_numpy(dtype=bool, na_value=False)
    assert expected.any() and not expected.all()
    assert np.array_equal(S.test_ids(ids), expected)


def test_control_bytes_found_as_the_pattern_finds_them() -> None:
    for b in range(256):
        one = bytes([b])
        assert has_control_bytes(b"a,b" + one) == (_CONTROL_BYTES.search(one) is not None)


def test_positions_and_categorical_equal_pandas() -> None:
    among = pd.Series(["a", "b", "c"], dtype="str")
    for ids in (pd.Series(["b", "x", None, "a", "b"], dtype="str"), pd.Series(["b", "x", None, "a"], dtype=object)):
        assert np.array_equal(_positions(ids, among), pd.Index(among).get_indexer(ids))
    dtype = pd.CategoricalDtype(["T1", "T2", "T3"], ordered=True)
    tps = pd.Series(["T2", "T1", None, "T3", "T2"], dtype="str")
    assert _categorical(tps, dtype).equals(pd.Categorical(tps.astype(dtype)))


def test_response_ids_as_formatted_in_python() -> None:
    from evaltool.study._lookup import response_ids

    got = response_ids(123_456)
    assert str(got.dtype) == "str"
    assert [got[i] for i in (0, 99_998, 123_455)] == [f"R{i:05d}" for i in (1, 99_999, 123_456)]


def test_swaps_are_the_transpositions() -> None:
    texts = _random_texts(list("AB1ab") + ["ß", "0"], 400, 5, 4)
    for a in texts[:200]:
        for b in texts:
            assert (b in I._swaps(a)) == I._transposed(a, b)


def test_typo_matches_few_or_many_unmatched_alike() -> None:
    known = [f"C{i:04d}" for i in range(2_000)] + ["AB12", "P-015"]
    unmatched = ["C0O12", "CO017", "C1000", "BA12", "P105", "P015", "C2001"] + [f"Q{i}" for i in range(20)]
    many = I.typo_matches(unmatched, known)
    few = {}
    for u in unmatched:
        few.update(I.typo_matches([u], known))
    assert many == few and many


def test_iso_dates_read_as_the_mixed_parser_reads_them() -> None:
    from evaltool.study.checks import _datetimes

    for values in (["2025-01-13 13:00:58", None, "2025-02-01 00:00:00"], ["2025-01-13", "2025-01-13T10:00:00"],
                   ["13/01/2025 10:00", "2025-01-13 10:00:00", "not a date"], ["2025-01-13 24:00:00"],
                   ["2025-01-13T10:00:00+01:00", "2025-01-13T10:00:00+02:00"]):
        raw = pd.Series(values, dtype="str")
        try:
            mixed = pd.to_datetime(raw, errors="coerce", format="mixed")
        except ValueError:  # mixed offsets: both paths raise alike
            with pytest.raises(ValueError):
                _datetimes(raw)
            continue
        got = _datetimes(raw)
        assert got.isna().equals(mixed.isna())
        assert (got.dropna() == mixed.dropna()).all()
