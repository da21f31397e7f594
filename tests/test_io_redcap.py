"""REDCap reader: the real survey-project export + dictionary (OuhscBbmc/REDCapR
inst/test-data/projects/survey) and our longitudinal fixtures (raw and label exports).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evaltool.errors import InputError
from evaltool.io import NOT_COMPLETED, flag_status, parse_choices, read_export, read_redcap

HERE = Path(__file__).parent
REAL = HERE / "reference" / "real-exports" / "redcap-survey"
EXPORTS = HERE / "data" / "exports"
AGREE = {"1": "Strongly disagree", "2": "Disagree", "3": "Neutral", "4": "Agree", "5": "Strongly agree"}


def test_real_export_with_dictionary():
    exp = read_redcap(REAL / "data.csv", dictionary=REAL / "dictionary.csv")
    data, info = exp.data, exp.info
    assert info.format == "redcap" and info.header_rows == 1
    assert data["row"].tolist() == [2, 3]
    assert data["participant_id"].tolist() == ["1", "2"]
    assert info.id_column_candidates[0] == "participant_id"  # first field of the dictionary
    assert info.checkbox_groups == {"consent": {"consent___1": "I consent"}}
    assert info.column_groups == {"consent": ("consent___1",)}
    assert info.value_labels["consent___1"] == {"0": "Unchecked", "1": "Checked"}
    assert info.value_labels["ethnicity"] == {
        "0": "Hispanic or Latino", "1": "NOT Hispanic or Latino", "2": "Unknown / Not Reported"}
    assert info.value_labels["pmq3"] == {"1": "Yes", "0": "No"}  # yesno
    assert info.value_labels["has_diabetes"] == {"1": "True", "0": "False"}  # truefalse
    assert info.value_labels["prescreening_survey_complete"] == {
        "0": "Incomplete", "1": "Unverified", "2": "Complete"}
    assert info.question_text["pmq1"] == "On average, how many pills did you take each day last week?"
    assert info.question_text["consent___1"].endswith("(choice=I consent)")
    assert data.loc[0, "participant_morale_questionnaire_timestamp"] == NOT_COMPLETED
    assert NOT_COMPLETED in info.markers
    assert info.choice_text is False
    for col in ("redcap_survey_identifier", "prescreening_survey_timestamp", "completion_data_complete"):
        assert col in info.metadata_columns
    assert "pmq1" not in info.metadata_columns
    flags = flag_status(exp)
    started = flags[flags["column"] == "participant_morale_questionnaire_timestamp"]
    assert started[["row", "kind"]].to_dict("records") == [{"row": 2, "kind": "incomplete"}]


def test_real_export_without_dictionary_is_detected():
    exp = read_export(REAL / "data.csv")
    assert exp.info.format == "redcap"
    assert exp.info.checkbox_groups == {"consent": {"consent___1": "1"}}
    assert exp.info.timepoint_column is None


def test_longitudinal_raw_fixture():
    exp = read_export(EXPORTS / "redcap_raw.csv", dictionary=EXPORTS / "redcap_dictionary.csv")
    data, info = exp.data, exp.info
    assert data["row"].tolist() == [2, 3, 4, 5, 6, 7]  # quoted newline in row 6 counts once
    assert data.loc[4, "feedback"] == "Peer support\nafter a difficult shift"
    assert info.timepoint_column == "redcap_event_name"
    assert info.value_labels["brs_1"] == AGREE
    assert info.question_text["brs_1"] == "I tend to bounce back quickly after hard times"  # <b> stripped
    assert info.checkbox_groups["support"] == {
        "support___1": "Line manager", "support___2": "Peer support",
        "support___3": "Occupational health", "support___99": "Other"}
    assert info.question_text["support___99"] == "Who have you turned to for support? (choice=Other)"
    assert any("repeating instruments" in w for w in info.warnings)
    assert any("checkbox 'support': 2 row(s)" in w for w in info.warnings)
    assert info.choice_text is False
    assert data.loc[2, "wellbeing_survey_timestamp"] == NOT_COMPLETED
    assert info.id_column_candidates[0] == "record_id"


def test_label_export_normalises_marker():
    exp = read_redcap(EXPORTS / "redcap_labels.csv", dictionary=EXPORTS / "redcap_dictionary.csv")
    assert exp.info.choice_text is True
    assert exp.data.loc[2, "wellbeing_survey_timestamp"] == NOT_COMPLETED  # was "[Not Completed]"
    assert any("normalised 1 '[not completed]'" in r for r in exp.info.repairs)
    assert exp.data.loc[0, "redcap_event_name"] == "Baseline (Arm 1: Staff)"
    flags = flag_status(exp)
    # the survey was started and not submitted: the timestamp decides, not the form status
    assert flags.loc[flags["row"] == 4, ["value", "kind"]].values.tolist() == [[NOT_COMPLETED, "incomplete"]]


def test_dictionary_must_match():
    with pytest.raises(InputError) as err:
        read_redcap(REAL / "data.csv", dictionary=EXPORTS / "redcap_dictionary.csv")
    msg = str(err.value)
    assert "redcap_dictionary.csv" in msg and "not in the dictionary" in msg and "Fix:" in msg


def test_dictionary_frame_not_mutated():
    frame = pd.read_csv(EXPORTS / "redcap_dictionary.csv", dtype=str)
    copy = frame.copy()
    exp = read_redcap(EXPORTS / "redcap_raw.csv", dictionary=frame)
    assert exp.info.value_labels["brs_2"] == AGREE
    pd.testing.assert_frame_equal(frame, copy)


def test_not_a_dictionary():
    with pytest.raises(InputError, match="not a REDCap data dictionary"):
        read_redcap(REAL / "data.csv", dictionary=EXPORTS / "plain.csv")


@pytest.mark.parametrize("text,expected", [
    ("1, Yes | 0, No", {"1": "Yes", "0": "No"}),
    ("1, Over 15, or more|2, <i>Less</i>", {"1": "Over 15, or more", "2": "Less"}),
    ("-1, Refused | a, Text code", {"-1": "Refused", "a": "Text code"}),
    ("", {}),
    (None, {}),
])
def test_parse_choices(text, expected):
    """Choices cells as written in REDCap data dictionaries ('code, label | ...')."""
    assert parse_choices(text) == expected
