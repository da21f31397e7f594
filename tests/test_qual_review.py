"""Tests for evaltool.qual.review: the XLSX review sheet round trip (edits made with openpyxl)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from evaltool.errors import DataProblemsError, EvaltoolWarning, InputError, ParameterError
from evaltool.qual.codebook import Code, Codebook
from evaltool.qual.intercoder import agreement
from evaltool.qual.review import (
    REVIEW_CODINGS_COLUMNS,
    REVIEW_SHEET,
    export_review_sheet,
    read_review_sheet,
)

TEXTS = ["Too busy 😀 on the ward.", "=HYPERLINK(\"http://x\")  the call helped", "n/a",
         "Café staff were kind; the call was short."]
CODES = ["workload", "coaching_call", "peer_support"]


def _answers() -> pd.DataFrame:
    return pd.DataFrame({"response_id": ["r1", "r2", "r3", "r4"],
                         "participant_id": ["P1", "P2", "P3", "P1"],
                         "timepoint": ["T2", "T2", "T3", "T3"], "question": "q", "text": TEXTS})


def _codings() -> pd.DataFrame:
    def span(rid, needle, code):
        t = TEXTS[int(rid[1:]) - 1]
        s = t.index(needle)
        return {"response_id": rid, "code": code, "start": s, "end": s + len(needle),
                "evidence": needle, "rule": "phrase", "negated": False, "coder": "rules"}
    return pd.DataFrame([span("r1", "busy", "workload"), span("r2", "the call", "coaching_call"),
                         span("r4", "the call", "coaching_call"), span("r4", "staff", "peer_support")])


def _cell(ws, rid: str, column: str):
    header = [c.value for c in ws[1]]
    col = header.index(column) + 1
    for row in range(2, ws.max_row + 1):
        if ws.cell(row, 1).value == rid:
            return ws.cell(row, col)
    raise KeyError(rid)


def test_columns_pinned():
    assert REVIEW_CODINGS_COLUMNS == ("response_id", "code", "start", "end", "evidence", "coder",
                                      "review")


def test_sheet_layout(tmp_path):
    path = export_review_sheet(_answers(), _codings(), CODES, tmp_path / "r.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames[:3] == [REVIEW_SHEET, "instructions", "codes"]
    assert wb["_original_codings"].sheet_state == "hidden"
    ws = wb[REVIEW_SHEET]
    header = [c.value for c in ws[1]]
    assert header[:5] == ["response_id", "participant_id", "timepoint", "question", "text"]
    assert header[5:8] == CODES and header[8:11] == ["valence", "evidence", "reviewer_note"]
    assert ws.freeze_panes == "F2"
    assert ws.protection.sheet is True
    assert ws.cell(2, 6).protection.locked is False and ws.cell(2, 5).protection.locked is True
    dv = ws.data_validations.dataValidation
    assert len(dv) == 2 and str(dv[0].sqref) == "F2:H5" and dv[0].type == "whole"
    assert str(dv[1].sqref) == "I2:I5" and dv[1].type == "list"
    assert [_cell(ws, "r4", c).value for c in CODES] == [0, 1, 1]
    assert _cell(ws, "r4", "evidence").value == "coaching_call: the call\npeer_support: staff"
    # text that looks like a formula stays text
    t = _cell(ws, "r2", "text")
    assert t.value == TEXTS[1] and t.data_type == "s"


def test_round_trip_with_edits(tmp_path):
    path = export_review_sheet(_answers(), _codings(), CODES, tmp_path / "r.xlsx")
    wb = load_workbook(path)
    ws = wb[REVIEW_SHEET]
    _cell(ws, "r1", "workload").value = 1          # kept -> original span
    _cell(ws, "r2", "coaching_call").value = 0     # removed
    _cell(ws, "r3", "workload").value = 1          # added -> whole answer
    _cell(ws, "r4", "workload").value = 1          # added
    _cell(ws, "r4", "reviewer_note").value = "staff = colleagues?"
    wb.save(path)
    got = read_review_sheet(path, coder="Ana")
    assert list(got.columns) == list(REVIEW_CODINGS_COLUMNS)
    rows = got.sort_values(["response_id", "code"]).values.tolist()
    assert rows == [
        ["r1", "workload", 4, 8, "busy", "Ana", "kept"],
        ["r3", "workload", 0, 3, "n/a", "Ana", "added"],
        ["r4", "coaching_call", 22, 30, "the call", "Ana", "kept"],
        ["r4", "peer_support", 5, 10, "staff", "Ana", "kept"],
        ["r4", "workload", 0, len(TEXTS[3]), TEXTS[3], "Ana", "added"],
    ]
    # the reviewer is now a second coder. workload: rules {r1}, Ana {r1, r3, r4} over 4 answers:
    # table [[1, 2], [0, 1]] (rows rules 0/1): p_o = 2/4, p_e = .75·.25 + .25·.75 = .375,
    # kappa = (.5 − .375)/(1 − .375) = 0.2.
    res = agreement(_codings(), got, answers=_answers(), codes=CODES).set_index("code")
    assert res.loc["workload", "kappa"] == pytest.approx(0.2, abs=1e-15)
    assert res.loc["peer_support", "kappa"] == 1.0


def test_unchanged_sheet_reproduces_presence(tmp_path):
    path = export_review_sheet(_answers(), _codings(), CODES, tmp_path / "r.xlsx")
    got = read_review_sheet(path)
    want = _codings()[["response_id", "code", "start", "end", "evidence"]]
    pd.testing.assert_frame_equal(
        got[want.columns.tolist()].sort_values(["response_id", "code"]).reset_index(drop=True),
        want.sort_values(["response_id", "code"]).reset_index(drop=True), check_dtype=False)
    assert (got["review"] == "kept").all()


def test_bad_and_blank_cells(tmp_path):
    path = export_review_sheet(_answers(), _codings(), CODES, tmp_path / "r.xlsx")
    wb = load_workbook(path)
    ws = wb[REVIEW_SHEET]
    _cell(ws, "r1", "workload").value = None
    wb.save(path)
    with pytest.warns(EvaltoolWarning, match="1 empty code cell"):
        got = read_review_sheet(path)
    assert "r1" not in set(got["response_id"])
    _cell(ws, "r2", "workload").value = "yes"
    _cell(ws, "r3", "peer_support").value = 2
    wb.save(path)
    with pytest.raises(DataProblemsError) as exc:
        read_review_sheet(path)
    probs = exc.value.problems
    assert probs[["row", "column", "value"]].values.tolist() == [[3, "workload", "yes"],
                                                                 [4, "peer_support", "2"]]


def test_integer_ids_and_codebook(tmp_path):
    book = Codebook(id="b", name="B", version="1", codes=[
        Code(id="workload", label="Workload", definition="Volume of work.", include=["busy"]),
        Code(id="folder", label="Folder", definition="Group.", codable=False),
    ])
    answers = pd.DataFrame({"response_id": [101, 102], "text": ["busy", "calm"]})
    cod = pd.DataFrame({"response_id": [101], "code": ["workload"], "start": [0], "end": [4],
                        "evidence": ["busy"], "coder": ["rules"]})
    path = export_review_sheet(answers, cod, book, tmp_path / "r.xlsx")
    wb = load_workbook(path)
    assert [c.value for c in wb[REVIEW_SHEET][1]][:3] == ["response_id", "text", "workload"]
    assert [c.value for c in wb["codes"][2]][:3] == ["workload", "Workload", "Volume of work."]
    got = read_review_sheet(path)
    assert got[["response_id", "start", "end"]].values.tolist() == [["101", 0, 4]]
    res = agreement(cod, got, answers=answers, codes=book)
    assert res.loc[0, "kappa"] == 1.0


def test_errors_and_no_mutation(tmp_path):
    answers, codings = _answers(), _codings()
    a0, c0 = answers.copy(), codings.copy()
    export_review_sheet(answers, codings, CODES, tmp_path / "r.xlsx")
    pd.testing.assert_frame_equal(answers, a0)
    pd.testing.assert_frame_equal(codings, c0)
    with pytest.raises(ParameterError, match="not \\(codable\\) codes"):
        export_review_sheet(answers, codings, ["workload"], tmp_path / "x.xlsx")
    with pytest.raises(ParameterError, match="not unique"):
        export_review_sheet(pd.concat([answers, answers]), codings, CODES, tmp_path / "x.xlsx")
    (tmp_path / "bad.xlsx").write_text("nope")
    with pytest.raises(InputError):
        read_review_sheet(tmp_path / "bad.xlsx")
    pd.DataFrame({"a": [1]}).to_excel(tmp_path / "plain.xlsx", index=False)
    with pytest.raises(InputError, match="not a review sheet"):
        read_review_sheet(tmp_path / "plain.xlsx")


def test_empty_codings(tmp_path):
    empty = pd.DataFrame({"response_id": pd.Series([], dtype=object),
                          "code": pd.Series([], dtype=object)})
    path = export_review_sheet(_answers(), empty, CODES, tmp_path / "r.xlsx")
    got = read_review_sheet(path)
    assert got.empty and list(got.columns) == list(REVIEW_CODINGS_COLUMNS)
    assert np.all(got.dtypes.index == list(REVIEW_CODINGS_COLUMNS))


def test_valence_column_and_the_table_for_learning(tmp_path):
    """The sheet has a valence column (prefilled from code_valence when given, a list to
    choose from); read_review_table gives every answer of the sheet (no code = 0 everywhere)
    with the reviewer's valence, which train_coder learns from."""
    from openpyxl import load_workbook

    from evaltool.qual import code_valence
    from evaltool.qual.review import read_review_table

    answers = pd.DataFrame({"response_id": ["a", "b", "c"], "question": ["q", "q", "q"],
                            "text": ["The call was useful", "Too long", "was on nights"]})
    codings = pd.DataFrame({"response_id": ["a"], "code": ["coaching_call"], "start": [4], "end": [8],
                            "evidence": ["call"], "coder": ["rules"]})
    path = export_review_sheet(answers, codings, ["coaching_call", "delivery_format"], tmp_path / "r.xlsx",
                               valence=code_valence(answers))
    wb = load_workbook(path)
    ws = wb["coding"]
    header = [c.value for c in ws[1]]
    vcol = header.index("valence") + 1
    assert [ws.cell(r, vcol).value for r in (2, 3, 4)] == ["positive", "negative", "neutral"]
    assert any("positive" in str(dv.formula1) for dv in ws.data_validations.dataValidation)
    ws.cell(4, vcol).value = "Mixed"           # the reviewer changes one (case does not matter)
    ws.cell(3, header.index("delivery_format") + 1).value = 1
    wb.save(path)
    table = read_review_table(path)
    assert table["response_id"].tolist() == ["a", "b", "c"]
    assert table[["coaching_call", "delivery_format"]].values.tolist() == [[1, 0], [0, 1], [0, 0]]
    assert table["valence"].tolist() == ["positive", "negative", "mixed"]
    ws.cell(4, vcol).value = "great"
    wb.save(path)
    with pytest.raises(DataProblemsError, match="valence"):
        read_review_table(path)
