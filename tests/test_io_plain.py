"""Plain CSV/TSV/XLSX reader: row numbers, separators, names, Excel-mangled ids, round trip."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaltool.errors import ParameterError
from evaltool.io import Export, read_export, read_plain

EXPORTS = Path(__file__).parent / "data" / "exports"


def test_plain_csv():
    exp = read_plain(EXPORTS / "plain.csv")
    assert isinstance(exp, Export)
    assert list(exp.data.columns) == ["row", "participant_id", "timepoint"] + [f"brs_{i}" for i in range(1, 7)]
    assert exp.data["row"].tolist() == [2, 3, 4]
    assert exp.data["brs_1"].tolist() == ["4", "5", "5"]  # text files give text
    assert exp.info.format == "plain" and exp.info.header_rows == 1
    assert exp.info.id_column_candidates == ("participant_id",)
    assert exp.info.timepoint_column == "timepoint"


def test_plain_xlsx_and_sheet_choice():
    exp = read_plain(EXPORTS / "plain.xlsx")
    assert exp.info.sheet == "Responses" and exp.info.delimiter is None
    assert exp.data["brs_1"].tolist() == [4, 5, 5]  # workbooks give numbers
    assert read_plain(EXPORTS / "plain.xlsx", sheet="Responses").data.equals(exp.data)
    assert read_plain(EXPORTS / "plain.xlsx", sheet=0).data.equals(exp.data)
    with pytest.raises(ParameterError, match="'sheet' parameter"):
        read_plain(EXPORTS / "plain.xlsx", sheet="Nope")
    with pytest.raises(ParameterError, match="'sheet' parameter"):
        read_plain(EXPORTS / "plain.xlsx", sheet=3)
    with pytest.raises(ParameterError, match="only applies to Excel"):
        read_plain(EXPORTS / "plain.csv", sheet=0)


def test_semicolon_separator():
    exp = read_plain(EXPORTS / "plain_semicolon.csv")
    assert exp.info.delimiter == ";"
    assert exp.data["score"].tolist() == ["3,5", "4,0"]
    assert exp.data.loc[0, "comment"] == "good, thanks"


def test_blank_lines_count_as_rows():
    """Rows as a spreadsheet shows them: blank lines are rows; a quoted newline is not."""
    exp = read_plain(EXPORTS / "blank_lines.csv")
    assert exp.data["participant_id"].tolist() == ["P001", "P002", "P003"]
    assert exp.data["row"].tolist() == [3, 6, 7]


def test_excel_mangled_ids_are_warned_not_changed():
    exp = read_plain(EXPORTS / "excel_ids.csv")
    ids = exp.data["participant_id"].tolist()
    assert ids == ["P001", "1.20E+05", "012", "12", "0345", "101.0"]
    warnings = " ".join(exp.info.warnings)
    assert "scientific notation (first at data row 2 (file line 3))" in warnings
    assert "end in '.0' (first at data row 6 (file line 7))" in warnings
    assert "leading zeros" in warnings and "first at data row 4 (file line 5)" in warnings
    for value in ids:  # warnings never show participant ids
        assert value not in warnings


def test_names_made_unique_trailing_columns_dropped(tmp_path):
    path = tmp_path / "dupes.csv"
    path.write_text("id,q,q,row,\n1,a,b,c,\n,,,,\n", encoding="utf-8")
    exp = read_plain(path)
    assert list(exp.data.columns) == ["row", "id", "q", "q.1", "row.1"]
    assert exp.data["row"].tolist() == [2, 3]
    assert any("trailing" in r for r in exp.info.repairs)
    assert any("made unique" in w for w in exp.info.warnings)
    assert any("completely empty (kept; first at data row 2 (file line 3))" in w for w in exp.info.warnings)


def test_input_file_unchanged():
    path = EXPORTS / "mojibake.csv"
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    read_export(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


# --------------------------------------------------------------------------------------
# round trip: any table written by Python's csv module reads back unchanged
# --------------------------------------------------------------------------------------
_CHARS = st.sampled_from(list("abcXYZ019 .-_'\"é’ü\n") + ["Ω", "☺"])
_VALUE = st.text(_CHARS, max_size=12)
_ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "cp1252")


@st.composite
def tables(draw):
    ncol = draw(st.integers(2, 5))
    nrow = draw(st.integers(1, 8))
    rows = [[draw(_VALUE) for _ in range(ncol)] for _ in range(nrow)]
    return [f"col{j}" for j in range(ncol)], rows


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=tables(), delimiter=st.sampled_from([",", ";", "\t"]),
       encoding=st.sampled_from(_ENCODINGS), newline=st.sampled_from(["\n", "\r\n"]))
def test_round_trip(tmp_path, table, delimiter, encoding, newline):
    header, rows = table
    if encoding == "cp1252":
        rows = [[v.replace("Ω", "o").replace("☺", ":)") for v in r] for r in rows]
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=newline).writerows([header, *rows])
    path = tmp_path / "t.csv"
    path.write_bytes(buf.getvalue().encode(encoding))
    exp = read_plain(path)
    assert exp.info.delimiter == delimiter
    assert exp.data["row"].tolist() == list(range(2, len(rows) + 2))
    got = exp.data.drop(columns="row").astype(object).where(exp.data.drop(columns="row").notna(), "")
    assert got.values.tolist() == rows
    assert exp.info.repairs == ()
    pd.testing.assert_index_equal(exp.data.columns[1:], pd.Index(header), exact=False)
