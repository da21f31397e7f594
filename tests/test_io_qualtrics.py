"""Qualtrics reader: real exports (ropensci/qualtRics inst/extdata) and our fixtures.

Expected values are read off the files themselves (tests/reference/real-exports/README.md;
tests/data/exports/make_fixtures.py), never produced by the reader.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaltool.io import ExportInfo, flag_status, read_export, read_qualtrics
from evaltool.io.qualtrics import QUALTRICS_STATUS_LABELS

HERE = Path(__file__).parent
REAL = HERE / "reference" / "real-exports" / "qualtrics"
EXPORTS = HERE / "data" / "exports"

META_17 = [
    "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
    "Finished", "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName",
    "RecipientEmail", "ExternalReference", "LocationLatitude", "LocationLongitude",
    "DistributionChannel", "UserLanguage",
]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_real_current_export():
    """qualtRics sample.csv: three header rows, German question texts, one response."""
    exp = read_qualtrics(REAL / "sample.csv")
    info = exp.info
    assert isinstance(info, ExportInfo)
    assert info.format == "qualtrics" and info.header_rows == 3 and info.encoding == "utf-8"
    assert list(exp.data.columns) == ["row", *META_17, "Q1", "Q2", "Q2 - Topics"]
    assert exp.data["row"].tolist() == [4]
    rec = exp.data.iloc[0]
    assert rec["Q1"] == "2" and rec["Q2"] == "Hello World!" and rec["ResponseId"] == "R_2YPOQ602ER1jkf1"
    assert pd.isna(rec["RecipientLastName"]) and pd.isna(rec["Q2 - Topics"])
    assert info.question_text["Q1"] == "This is a multiple choice question."
    assert info.question_text["RecipientLastName"] == "Nachname des Empfängers"
    assert info.import_ids["ResponseId"] == "_recordId"
    assert info.import_ids["Q2 - Topics"] == "QID2_TEXT_eae5a8d0e7fd4bd183e983e5Topics"
    assert list(info.metadata_columns) == META_17
    assert info.choice_text is False  # Status 0 is a code
    assert info.value_labels["Status"]["0"] == "IP Address"
    assert flag_status(exp).empty  # finished, not a preview


def test_real_legacy_export():
    """qualtRics sample_legacy.csv: V1..V10 row, then names/question text; UTF-8 BOM."""
    exp = read_qualtrics(REAL / "sample_legacy.csv")
    info = exp.info
    assert info.format == "qualtrics_legacy" and info.header_rows == 2
    assert info.encoding == "utf-8-sig"
    assert list(exp.data.columns) == [
        "row", "ResponseID", "ResponseSet", "Name", "ExternalDataReference", "EmailAddress",
        "IPAddress", "Status", "StartDate", "EndDate", "Finished", "Q1", "Q2",
        "LocationLatitude", "LocationLongitude", "LocationAccuracy",
    ]
    assert exp.data["row"].tolist() == [3]
    assert exp.data.loc[0, "Q2"] == "Hello World!"
    assert info.header_cells["ResponseID"] == ("V1", "ResponseID")
    assert info.question_text["Q1"] == "This is a multiple choice question."
    assert any("trailing" in r for r in info.repairs)  # the empty 16th column
    assert "Q1" not in info.metadata_columns and "Status" in info.metadata_columns


def test_numeric_fixture_rows_and_flags():
    """Quoted newline in row 5 counts once; preview (Status 1) row 4; unfinished row 7."""
    exp = read_export(EXPORTS / "qualtrics_numeric.csv")
    data, info = exp.data, exp.info
    assert info.format == "qualtrics" and info.delimiter == ","
    assert data["row"].tolist() == [4, 5, 6, 7, 8]
    assert data.loc[1, "Q2"] == "Talking to colleagues, and\nasking for help early."
    assert data.loc[2, "Q2"] == "I don’t feel alone now."
    assert data["Q1_1"].tolist() == ["3", "4", "5", "2", "3"]
    assert data["Q1_3"].isna().tolist() == [False, False, False, True, False]
    flags = flag_status(exp)
    assert flags[["row", "column", "kind"]].to_dict("records") == [
        {"row": 4, "column": "Status", "kind": "test"},
        {"row": 7, "column": "Finished", "kind": "incomplete"},
    ]
    assert info.import_ids["Q1_1"] == "QID1_1"
    assert info.import_ids["StartDate"] == "startDate"  # {"ImportId":..., "timeZone":...}
    assert info.column_groups == {"QID1": tuple(f"Q1_{i}" for i in range(1, 7))}
    assert info.question_text["Q1_1"].endswith(" - I tend to bounce back quickly after hard times")
    assert info.id_column_candidates[0] == "participant_code"
    assert "ExternalReference" in info.id_column_candidates
    assert info.choice_text is False
    assert info.value_labels["Status"] == QUALTRICS_STATUS_LABELS
    assert info.repairs == () and info.warnings == ()


def test_choice_text_utf16_tsv_matches_numeric():
    """The UTF-16 LE (BOM) TSV export with labels flags the same rows as the numeric CSV."""
    exp = read_export(EXPORTS / "qualtrics_choice.tsv")
    info = exp.info
    assert info.format == "qualtrics" and info.encoding == "utf-16-le" and info.delimiter == "\t"
    assert info.choice_text is True and "Status" not in info.value_labels
    assert exp.data["Status"].tolist()[:2] == ["Survey Preview", "IP Address"]
    assert exp.data.loc[1, "Q1_1"] == "Agree" and exp.data.loc[1, "Q1_6"] == "Strongly disagree"
    assert exp.data.loc[2, "Q2"] == "I don’t feel alone now."
    assert info.repairs == ()  # real curly apostrophes are not "repaired"
    numeric = flag_status(read_export(EXPORTS / "qualtrics_numeric.csv"))
    labels = flag_status(exp)
    assert labels[["row", "kind"]].equals(numeric[["row", "kind"]])
    assert labels["value"].tolist() == ["Survey Preview", "False"]


def test_xlsx_export_keeps_cell_types():
    exp = read_qualtrics(EXPORTS / "qualtrics_numeric.xlsx")
    assert exp.info.format == "qualtrics" and exp.info.sheet == "Sheet1" and exp.info.encoding is None
    assert exp.data["row"].tolist() == [4, 5, 6, 7, 8]
    assert exp.data["Q1_1"].tolist() == [3, 4, 5, 2, 3]
    assert np.isnan(exp.data.loc[3, "Q1_3"])
    assert flag_status(exp)["row"].tolist() == [4, 7]


def test_format_override_and_input_unchanged():
    path = REAL / "sample_legacy.csv"
    before = _sha(path)
    exp = read_export(path, format="qualtrics")  # either layout is accepted
    assert exp.info.format == "qualtrics_legacy"
    assert read_export(path, format="qualtrics_legacy").info.format == "qualtrics_legacy"
    assert _sha(path) == before


@pytest.mark.parametrize("code,label", [("1", "Survey Preview"), ("2", "Survey Test"), ("8", "Spam")])
def test_status_labels(code, label):
    """Qualtrics' own SPSS export labels the Status codes (see QUALTRICS_STATUS_LABELS)."""
    assert QUALTRICS_STATUS_LABELS[code] == label
