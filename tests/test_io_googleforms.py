"""Google Forms reader: Timestamp/Email Address, checkbox answers joined with ', ', grid."""

from __future__ import annotations

from pathlib import Path

from evaltool.io import read_export, read_googleforms

EXPORTS = Path(__file__).parent / "data" / "exports"
SESSIONS = "Which sessions did you attend?"


def test_responses():
    exp = read_googleforms(EXPORTS / "googleforms.csv")
    data, info = exp.data, exp.info
    assert info.format == "googleforms"
    assert data["row"].tolist() == [2, 3, 4, 5]
    assert data[SESSIONS].tolist()[0] == "Reframing, Peer support"
    assert list(info.metadata_columns) == ["Timestamp", "Email Address"]
    assert info.question_text[SESSIONS] == SESSIONS
    # a checkbox question is detected; free text with commas is not
    assert info.multi_select == {SESSIONS: ", "}
    assert info.column_groups == {
        "Rate each session": ("Rate each session [Reframing]", "Rate each session [Peer support]")}
    assert info.id_column_candidates[0] == "Email Address"
    assert info.choice_text is True


def test_detected():
    assert read_export(EXPORTS / "googleforms.csv").info.format == "googleforms"
