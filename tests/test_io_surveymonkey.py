"""SurveyMonkey reader: two header rows, question text forward-filled, matrix question."""

from __future__ import annotations

from pathlib import Path

from evaltool.io import read_export, read_surveymonkey

EXPORTS = Path(__file__).parent / "data" / "exports"
META = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
        "First Name", "Last Name", "Custom Data 1"]


def test_columns_named_per_question():
    exp = read_surveymonkey(EXPORTS / "surveymonkey.csv")
    assert list(exp.data.columns) == ["row", *META, "Q1", "Q2 - Workload",
                                      "Q2 - Support from my team", "Q3 - Reframing",
                                      "Q3 - Peer support", "Q3 - Other (please specify)", "Q4"]
    info = exp.info
    assert info.format == "surveymonkey" and info.header_rows == 2
    assert info.encoding == "utf-8-sig"  # the file starts with a UTF-8 BOM
    assert exp.data["row"].tolist() == [3, 4, 5]
    assert list(info.metadata_columns) == META
    assert info.question_text["Q1"] == "How would you rate the workshop overall?"
    assert info.question_text["Q2 - Workload"] == (
        "How much do the following affect your resilience at work? - Workload")
    assert info.header_cells["Q2 - Support from my team"] == (None, "Support from my team")
    assert info.column_groups == {
        "Q2": ("Q2 - Workload", "Q2 - Support from my team"),
        "Q3": ("Q3 - Reframing", "Q3 - Peer support", "Q3 - Other (please specify)"),
    }


def test_values_and_ids():
    exp = read_export(EXPORTS / "surveymonkey.csv")
    data = exp.data
    assert exp.info.format == "surveymonkey"
    assert data["Respondent ID"].tolist() == ["114000000000", "114000000001", "114000000002"]
    assert data["Q2 - Support from my team"].tolist() == ["A little", "Not at all", "A lot"]
    assert data.loc[2, "Q4"] == "Too short;\nmore please"
    assert data["Q3 - Peer support"].isna().tolist() == [True, False, True]
    assert exp.info.id_column_candidates[:2] == ("Custom Data 1", "Email Address")
    assert exp.info.choice_text is True


def test_xlsx_export(tmp_path):
    """The same export saved as a workbook reads to the same columns and rows."""
    import openpyxl

    csv_exp = read_surveymonkey(EXPORTS / "surveymonkey.csv")
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in [list(csv_exp.info.header_cells[c][0] for c in csv_exp.data.columns[1:]),
              list(csv_exp.info.header_cells[c][1] for c in csv_exp.data.columns[1:])]:
        ws.append(r)
    for rec in csv_exp.data.drop(columns="row").itertuples(index=False):
        ws.append([None if isinstance(v, float) else v for v in rec])
    path = tmp_path / "sm.xlsx"
    wb.save(path)
    exp = read_export(path)
    assert exp.info.format == "surveymonkey"
    assert list(exp.data.columns) == list(csv_exp.data.columns)
    assert exp.data["row"].tolist() == [3, 4, 5]
    assert exp.data["Q2 - Workload"].tolist() == csv_exp.data["Q2 - Workload"].tolist()


def test_trailing_separators_do_not_extend_the_last_question(tmp_path):
    path = tmp_path / "sm.csv"
    path.write_text("Respondent ID,Comments?,\n,Open-Ended Response,\n1,fine,\n2,,\n", encoding="utf-8")
    exp = read_export(path)
    assert exp.info.format == "surveymonkey"
    assert list(exp.data.columns) == ["row", "Respondent ID", "Q1"]
    assert exp.info.column_groups == {}
