"""evaltool.score against R (psych::scoreItems, the prepost reference scoring), its invariants
(Hypothesis), bad input, and the ``evaltool score`` command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE, load_expected
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import evaltool
from evaltool import columns as C
from evaltool._resources import scales_dir
from evaltool.errors import DataProblemsError, InstrumentError, ParameterError
from evaltool.instruments import Instrument, load_instrument
from evaltool.scoring import check_items, reverse_items, score

TEST_INSTRUMENTS = Path(__file__).parent / "data" / "instruments"
BFI = TEST_INSTRUMENTS / "bfi.yaml"
BFI_SCALES = ("agree", "conscientious", "extraversion", "neuroticism", "openness")


def all_instruments() -> list[Path]:
    """Every packaged instrument present when the tests run, plus the test instruments."""
    return sorted(scales_dir().glob("*.yaml")) + sorted(TEST_INSTRUMENTS.glob("*.yaml"))


@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "data" / "bfi.csv")


@pytest.fixture(scope="module")
def prepost_long() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "data" / "prepost_long.csv")


# --------------------------------------------------------------------------------------
# golden: psych::scoreItems on psych::bfi
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bfi_scores(bfi: pd.DataFrame) -> pd.DataFrame:
    out = score(bfi, BFI, id_columns=["id"])
    return out.pivot(index="id", columns="scale", values="score")


def test_bfi_all_scores_match_psych_scoreitems(bfi_scores: pd.DataFrame) -> None:
    """All 2800 x 5 person scores equal ``psych::scoreItems(keys, bfi, totals = FALSE,
    impute = "none", min = 1, max = 6)`` (psych 2.2.9, R 4.2.2; tests/reference/r/bfi.R,
    expected/bfi_scores_none.json) to 1e-9 (STATISTICS.md)."""
    ref = load_expected("bfi_scores_none")
    assert list(ref["id"]) == sorted(ref["id"])
    assert len(ref["id"]) == 2800
    for scale in BFI_SCALES:
        got = bfi_scores.loc[ref["id"], scale].to_numpy()
        want = np.array(ref["scores"][scale], dtype="float64")
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9, err_msg=scale)


def test_bfi_summary_and_first_50_match_psych(bfi_scores: pd.DataFrame) -> None:
    """Summary (mean, sd, n) over all rows and the first 50 ids of bfi.json
    ``scoreItems_none`` (psych 2.2.9) to 1e-9; no NA scores (no one misses a whole scale)."""
    block = load_expected("bfi")["scoreItems_none"]
    for scale, summ in block["summary_all_rows"].items():
        col = bfi_scores[scale]
        assert col.notna().sum() == summ["n_non_na"] and col.isna().sum() == summ["n_na"]
        assert abs(col.mean() - summ["mean"]) < 1e-9
        assert abs(col.std(ddof=1) - summ["sd"]) < 1e-9
    for rec in block["first_50"]:
        for scale in BFI_SCALES:
            assert abs(bfi_scores.loc[rec["id"], scale] - rec[scale]) < 1e-9, (rec["id"], scale)


def test_bfi_n_answered_counts_items(bfi: pd.DataFrame) -> None:
    """``n_answered`` is the number of non-missing items of the scale, ``n_items`` is 5."""
    out = score(bfi, BFI, id_columns=["id"], scales=["agree"])
    want = bfi[["A1", "A2", "A3", "A4", "A5"]].notna().sum(axis=1).to_numpy()
    np.testing.assert_array_equal(out[C.N_ANSWERED].to_numpy(), want)
    assert (out[C.N_ITEMS] == 5).all()
    assert out[C.PRORATED].to_numpy().tolist() == (want < 5).tolist()


# --------------------------------------------------------------------------------------
# golden: the prepost reference scoring rules
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("instrument", "scale", "n_column"),
    [("resilience", "resilience", "n_brs_answered"), ("confidence", "confidence", None),
     ("burnout", "burnout", "n_burn_answered")],
)
def test_prepost_scores_exactly_as_reference(prepost_long: pd.DataFrame, instrument: str, scale: str,
                                             n_column: str | None) -> None:
    """Scores of the 295 long rows equal expected/prepost_scores.json EXACTLY (R 4.2.2,
    tests/reference/r/prepost.R): resilience = mean with brs_2/4/6 reversed as 6 - x, if >= 4 of
    6 answered; confidence = conf_error as is; burnout = 10 x mean of answered items (prorated
    sum) if >= 8 of 10 answered. The number of answered items matches too."""
    ref = pd.DataFrame(load_expected("prepost_scores")["scores"])
    got = score(prepost_long, TEST_INSTRUMENTS / f"prepost_{instrument}.yaml", id_columns=["id", "time"])
    assert len(got) == len(ref) == 295
    merged = ref.merge(got, on=["id", "time"], how="left", validate="one_to_one")
    want = merged[scale].to_numpy(dtype="float64")
    have = merged[C.SCORE].to_numpy()
    assert np.array_equal(have, want, equal_nan=True)
    assert np.isnan(want).sum() == np.isnan(have).sum()
    if n_column is not None:
        assert (merged[C.N_ANSWERED] == merged[n_column]).all()


def test_score_output_columns_pinned(prepost_long: pd.DataFrame) -> None:
    """The id columns, then exactly ``SCORES_COLUMNS``; one row per response x scale."""
    got = score(prepost_long, TEST_INSTRUMENTS / "prepost_resilience.yaml", id_columns=["id", "time"])
    assert tuple(got.columns) == ("id", "time", *C.SCORES_COLUMNS)
    assert C.SCORES_COLUMNS == (
        "instrument", "scale", "score", "n_answered", "n_items", "n_invalid", "prorated", "band",
    )


def test_long_responses_score_like_wide(prepost_long: pd.DataFrame) -> None:
    """Tidy long Responses (participant_id, timepoint, item, value) give the same scores."""
    items = [f"brs_{i}" for i in range(1, 7)]
    wide = prepost_long.rename(columns={"id": C.PARTICIPANT_ID, "time": C.TIMEPOINT})
    long = wide.melt(id_vars=[C.PARTICIPANT_ID, C.TIMEPOINT], value_vars=items,
                     var_name=C.ITEM, value_name=C.VALUE)
    inst = TEST_INSTRUMENTS / "prepost_resilience.yaml"
    a = score(wide, inst).sort_values([C.PARTICIPANT_ID, C.TIMEPOINT]).reset_index(drop=True)
    b = score(long, inst).sort_values([C.PARTICIPANT_ID, C.TIMEPOINT]).reset_index(drop=True)
    np.testing.assert_array_equal(a[C.SCORE].to_numpy(), b[C.SCORE].to_numpy())


def test_text_answers_and_labels(prepost_long: pd.DataFrame) -> None:
    """Exports read as text (Arrow strings, the CLI's way) give the same scores as numbers, and
    answer labels are matched case-insensitively (BRS 'Strongly agree' = 5)."""
    inst = TEST_INSTRUMENTS / "prepost_resilience.yaml"
    as_text = prepost_long.astype({f"brs_{i}": "str" for i in range(1, 7)})
    a = score(prepost_long, inst, id_columns=["id", "time"])[C.SCORE].to_numpy()
    b = score(as_text, inst, id_columns=["id", "time"])[C.SCORE].to_numpy()
    assert np.array_equal(a, b, equal_nan=True)
    labelled = pd.DataFrame({"brs_1": ["strongly AGREE", " 4 "], "brs_2": ["1", "Disagree"],
                             "brs_3": [5, 4], "brs_4": [1, 2], "brs_5": [5, 4], "brs_6": [1, 2]})
    got = score(labelled, "brs")[C.SCORE].to_numpy()
    np.testing.assert_array_equal(got, [5.0, 4.0])


# --------------------------------------------------------------------------------------
# properties (Hypothesis; STYLE.md 16)
# --------------------------------------------------------------------------------------
def _codes(inst: Instrument, item_id: str) -> list[float]:
    rs = inst.response_sets[inst.item(item_id).response_set]
    codes = rs.codes()
    return codes if codes else [rs.min, (rs.min + rs.max) / 2, rs.max]


@st.composite
def answers(draw: st.DrawFn, inst: Instrument, missing: bool = True) -> pd.DataFrame:
    """Valid answers to every item of ``inst`` (some missing unless ``missing=False``)."""
    n = draw(st.integers(1, 12))
    cols = {}
    for it in inst.items:
        cell = st.sampled_from(_codes(inst, it.id))
        if missing:
            cell = st.one_of(st.none(), cell, cell, cell)
        cols[it.id] = draw(st.lists(cell, min_size=n, max_size=n))
    return pd.DataFrame(cols, dtype="float64")


PROPERTY = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize("path", all_instruments(), ids=lambda p: p.stem)
def test_reverse_twice_is_identity(path: Path) -> None:
    """Reversing twice gives back every allowed code of every response set."""
    inst = load_instrument(path)
    for rs in inst.response_sets.values():
        x = np.array(list(rs.recode.values()) if rs.recode else (rs.codes() or [rs.min, rs.max]))
        np.testing.assert_allclose(reverse_items(reverse_items(x, rs), rs), x, rtol=0, atol=1e-12)


@pytest.mark.parametrize("path", all_instruments(), ids=lambda p: p.stem)
@PROPERTY
@given(data=st.data())
def test_scores_lie_within_score_range(path: Path, data: st.DataObject) -> None:
    """Every score lies inside ``Instrument.score_range(scale)``; n_answered <= n_items."""
    inst = load_instrument(path)
    frame = data.draw(answers(inst))
    out = score(frame, inst)
    for scale in inst.scales:
        lo, hi = inst.score_range(scale)
        s = out.loc[out[C.SCALE] == scale.id, C.SCORE].to_numpy()
        s = s[~np.isnan(s)]
        assert np.all(s >= lo - 1e-9) and np.all(s <= hi + 1e-9), (scale.id, s, lo, hi)
    assert (out[C.N_ANSWERED] <= out[C.N_ITEMS]).all()


@pytest.mark.parametrize("path", all_instruments(), ids=lambda p: p.stem)
@PROPERTY
@given(data=st.data())
def test_item_column_order_does_not_matter(path: Path, data: st.DataObject) -> None:
    """Permuting the item columns leaves every score (and count) unchanged."""
    inst = load_instrument(path)
    frame = data.draw(answers(inst))
    order = data.draw(st.permutations(list(frame.columns)))
    a = score(frame, inst)
    b = score(frame[order], inst)
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("path", all_instruments(), ids=lambda p: p.stem)
@PROPERTY
@given(data=st.data())
def test_nothing_missing_means_no_proration(path: Path, data: st.DataObject) -> None:
    """With every item answered, ``prorated`` is all False, ``n_answered == n_items`` and a
    ``prorated_sum`` scale equals the plain sum of its (recoded, reversed) items."""
    inst = load_instrument(path)
    frame = data.draw(answers(inst, missing=False))
    out = score(frame, inst)
    assert not out[C.PRORATED].any()
    assert (out[C.N_ANSWERED] == out[C.N_ITEMS]).all()
    for scale in inst.scales:
        if scale.method != "prorated_sum":
            continue
        plain = np.zeros(len(frame))
        for item_id in scale.items:
            rs = inst.response_sets[inst.item(item_id).response_set]
            x = frame[item_id].to_numpy()
            if rs.recode:
                x = np.array([rs.recode[v] for v in x])
            plain += reverse_items(x, rs) if inst.is_reversed(scale, item_id) else x
        got = out.loc[out[C.SCALE] == scale.id, C.SCORE].to_numpy()
        np.testing.assert_allclose(got, plain, rtol=1e-12, atol=1e-12)


@PROPERTY
@given(data=st.data())
def test_out_of_range_reported_never_clipped(data: st.DataObject) -> None:
    """Out-of-range answers are all reported (row and column) and never clipped: with
    invalid='missing' the scores equal those of the data with the bad cells blanked."""
    inst = load_instrument(TEST_INSTRUMENTS / "prepost_burnout.yaml")
    frame = data.draw(answers(inst))
    n, items = len(frame), list(frame.columns)
    cells = data.draw(st.sets(st.tuples(st.integers(0, n - 1), st.sampled_from(items)), min_size=1, max_size=6))
    bad_values = data.draw(st.lists(st.sampled_from([-1.0, 5.0, 2.5, 99.0, 4.000001]),
                                    min_size=len(cells), max_size=len(cells)))
    dirty = frame.copy()
    for (r, c), v in zip(sorted(cells), bad_values, strict=True):
        dirty.loc[r, c] = v
    with pytest.raises(DataProblemsError) as info:
        score(dirty, inst)
    probs = info.value.problems
    assert tuple(probs.columns) == C.PROBLEM_COLUMNS
    assert set(zip(probs[C.ROW], probs[C.COLUMN], strict=True)) == set(cells)
    assert set(probs[C.RULE]) == {"out_of_range"}
    lenient = score(dirty, inst, invalid="missing")
    blanked = frame.copy()
    for r, c in cells:
        blanked.loc[r, c] = np.nan
    expected = score(blanked, inst)
    np.testing.assert_array_equal(lenient[C.SCORE].to_numpy(), expected[C.SCORE].to_numpy())
    per_row = pd.Series([r for r, _ in cells]).value_counts().reindex(range(n), fill_value=0)
    np.testing.assert_array_equal(lenient[C.N_INVALID].to_numpy(), per_row.to_numpy())


@pytest.mark.parametrize("path", [BFI, scales_dir() / "brs.yaml"], ids=lambda p: p.stem)
@PROPERTY
@given(data=st.data())
def test_scoring_does_not_mutate_input(path: Path, data: st.DataObject) -> None:
    """score() and check_items() leave the input frame exactly as it was (numbers and text)."""
    inst = load_instrument(path)
    frame = data.draw(answers(inst))
    frame.insert(0, C.PARTICIPANT_ID, [f"p{i}" for i in range(len(frame))])
    text = frame.astype({it.id: "str" for it in inst.items[:2]})
    for df in (frame, text):
        before = df.copy(deep=True)
        score(df, inst)
        score(df, inst, invalid="missing")
        check_items(df, inst)
        pd.testing.assert_frame_equal(df, before)


# --------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------
def _brs_frame(**cells: object) -> pd.DataFrame:
    base: dict[str, list[object]] = {f"brs_{i}": [4, 2, 3] for i in range(1, 7)}
    for col, values in cells.items():
        base[col] = list(values)  # type: ignore[call-overload]
    return pd.DataFrame({C.PARTICIPANT_ID: ["a", "b", "c"], C.ROW: [2, 3, 4], **base})


def test_every_bad_cell_reported_with_row_and_column() -> None:
    """Non-numeric text, an unknown label and out-of-range numbers are all collected into one
    problems table (row from the 'row' column, the column name, rule, message and fix)."""
    df = _brs_frame(brs_1=[4, "x?", 7], brs_3=["Agree", "Sometimes", 0], brs_6=[1.5, 2, 3])
    with pytest.raises(DataProblemsError) as info:
        score(df, "brs")
    err = info.value
    probs = err.problems
    got = sorted(zip(probs[C.ROW], probs[C.COLUMN], probs[C.RULE], strict=True))
    assert got == [
        (2, "brs_6", "out_of_range"), (3, "brs_1", "not_numeric"), (3, "brs_3", "not_numeric"),
        (4, "brs_1", "out_of_range"), (4, "brs_3", "out_of_range"),
    ]
    assert "5 answer(s)" in str(err) and "invalid='missing'" in str(err)
    assert probs[C.FIX].str.contains("allowed: 1..5").all()
    assert probs[C.FIX].str.contains("never clipped").all()
    assert "x?" not in str(err) and "Sometimes" not in str(err)  # no answers in the message
    pd.testing.assert_frame_equal(check_items(df, "brs"), probs)


def test_missing_item_columns_listed_with_fix() -> None:
    df = _brs_frame().drop(columns=["brs_2", "brs_5"])
    with pytest.raises(ParameterError, match=r"no column for BRS item\(s\) \['brs_2', 'brs_5'\]") as info:
        score(df, "brs")
    assert "column map" in str(info.value) and "Columns present" in str(info.value)


def test_column_map_renames_export_columns() -> None:
    df = _brs_frame().rename(columns={f"brs_{i}": f"Q{i}" for i in range(1, 7)})
    got = score(df, "brs", columns={f"brs_{i}": f"Q{i}" for i in range(1, 7)})
    want = score(_brs_frame(), "brs")
    np.testing.assert_array_equal(got[C.SCORE].to_numpy(), want[C.SCORE].to_numpy())
    with pytest.raises(ParameterError, match="not items of BRS"):
        score(df, "brs", columns={"brs_99": "Q1"})


def test_unknown_instrument_scale_and_option() -> None:
    with pytest.raises(InstrumentError, match="unknown instrument 'brz'.*Did you mean 'brs'") as info:
        score(_brs_frame(), "brz")
    assert "use one of" in str(info.value)
    with pytest.raises(ParameterError, match=r"BRS has no scale\(s\) \['total'\].*choose from"):
        score(_brs_frame(), "brs", scales=["total"])
    with pytest.raises(ParameterError, match="The 'invalid' parameter of score\\(\\) must be one of"):
        score(_brs_frame(), "brs", invalid="clip")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="must be a pandas DataFrame"):
        score([[1, 2]], "brs")  # type: ignore[arg-type]


def test_top_level_namespace_exports_score() -> None:
    assert evaltool.score is score


# --------------------------------------------------------------------------------------
# the command line
# --------------------------------------------------------------------------------------
def _run(*args: str) -> object:
    from evaltool.cli import app

    return CliRunner().invoke(app, list(args))


def test_cli_scores_good_file_and_writes_csv(tmp_path: Path) -> None:
    src = tmp_path / "survey.csv"
    src.write_text("participant_id,brs_1,brs_2,brs_3,brs_4,brs_5,brs_6\n"
                   "p1,4,2,4,2,4,2\np2,Strongly agree,1,5,,4,2\n", encoding="utf-8")
    out = tmp_path / "scores.csv"
    res = _run("score", str(src), "--instrument", "brs", "--out", str(out))
    assert res.exit_code == 0, res.output
    assert "brs" in res.stdout and "4.3" in res.stdout  # summary table: mean of 4.0 and 4.6
    written = pd.read_csv(out)
    assert written[C.SCORE].tolist() == [4.0, 4.6]
    assert written[C.N_ANSWERED].tolist() == [6, 5]
    assert written[C.PRORATED].tolist() == [False, True]


def test_cli_bad_answers_exit_1_without_values(tmp_path: Path) -> None:
    src = tmp_path / "survey.csv"
    src.write_text("participant_id,brs_1,brs_2,brs_3,brs_4,brs_5,brs_6,comment\n"
                   "p1,4,2,4,2,4,2,fine\n"
                   "p2,97,1,5,zzsecret,4,2,my name is Alice Example\n", encoding="utf-8")
    res = _run("score", str(src), "-i", "brs")
    assert res.exit_code == 1
    assert str(src) in res.output  # the file is named ...
    text = res.output.replace(str(src), "<file>")  # ... and its folder's name (pytest-397) may hold "97"
    assert "row 3, column 'brs_1'" in text and "row 3, column 'brs_4'" in text
    assert "out_of_range" in text and "not_numeric" in text
    assert "--invalid missing" in text
    assert "Traceback" not in text
    for secret in ("97", "zzsecret", "Alice", "p2"):
        assert secret not in text


def test_cli_refuses_to_overwrite_input(tmp_path: Path) -> None:
    src = tmp_path / "survey.csv"
    src.write_text("brs_1,brs_2,brs_3,brs_4,brs_5,brs_6\n4,2,4,2,4,2\n", encoding="utf-8")
    before = src.read_bytes()
    res = _run("score", str(src), "-i", "brs", "--out", str(src))
    assert res.exit_code == 1
    assert "overwrite an input" in res.output
    assert src.read_bytes() == before


def test_cli_unknown_instrument_and_missing_items(tmp_path: Path) -> None:
    src = tmp_path / "survey.csv"
    src.write_text("brs_1,brs_2\n4,2\n", encoding="utf-8")
    res = _run("score", str(src), "-i", "nosuch")
    assert res.exit_code == 1 and "'nosuch' is not a packaged instrument" in res.output
    res = _run("score", str(src), "-i", "brs")
    assert res.exit_code == 1 and "no column for BRS item(s)" in res.output
    assert "Traceback" not in res.output


def test_reference_files_present() -> None:
    """The vendored R reference the golden tests use (see tests/reference/README.md)."""
    meta = json.loads((REFERENCE / "expected" / "bfi.json").read_text(encoding="utf-8"))
    assert meta["packages"]["psych"] == "2.2.9"
