"""Microsoft Forms reader: response workbook with quiz columns and a multi-select question."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evaltool.io import read_export, read_msforms

EXPORTS = Path(__file__).parent / "data" / "exports"
Q2 = "Which of these is a strategy from the workshop?"
Q3 = "Which sessions did you find useful?"
Q4 = "How confident are you in coping with adverse events? (0-10)"


def test_quiz_workbook():
    exp = read_msforms(EXPORTS / "msforms_quiz.xlsx")
    data, info = exp.data, exp.info
    assert info.format == "msforms" and info.encoding is None and info.sheet == "Sheet1"
    assert data["row"].tolist() == [2, 3, 4]
    assert data["ID"].tolist() == [1, 2, 3]
    assert pd.api.types.is_datetime64_any_dtype(data["Start time"])
    assert data.loc[0, "Start time"] == pd.Timestamp("2024-03-01 09:00:00")
    assert data[Q4].tolist() == [7, 5, 8]
    assert data[Q3].tolist() == ["Reframing;Peer support;", "Peer support;", "Reframing;"]
    assert data["Name"].isna().all()
    for col in ("ID", "Start time", "Completion time", "Email", "Name", "Total points",
                "Quiz feedback", f"Points - {Q2}", f"Feedback - {Q2}"):
        assert col in info.metadata_columns
    assert Q2 not in info.metadata_columns and info.question_text[Q2] == Q2
    assert info.column_groups == {Q2: (Q2, f"Points - {Q2}", f"Feedback - {Q2}")}
    assert info.multi_select == {Q3: ";"}
    assert info.id_column_candidates[0] == "Email"
    assert info.choice_text is True


def test_detected():
    assert read_export(EXPORTS / "msforms_quiz.xlsx").info.format == "msforms"
