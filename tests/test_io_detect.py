"""Format detection by extension and content, format= override, and the io doctests."""

from __future__ import annotations

import dataclasses
import doctest
import importlib
import importlib.util
import zipfile
from pathlib import Path

import pytest

from evaltool.errors import InputError, ParameterError
from evaltool.io import FLAG_COLUMNS, FORMATS, detect_format, flag_status, read_export
from evaltool.io.detect import format_of_head

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT / "tests" / "data" / "exports"
REAL = ROOT / "tests" / "reference" / "real-exports"


@pytest.mark.parametrize("path,fmt", [
    (REAL / "qualtrics" / "sample.csv", "qualtrics"),
    (REAL / "qualtrics" / "sample_legacy.csv", "qualtrics_legacy"),
    (REAL / "redcap-survey" / "data.csv", "redcap"),
    (EXPORTS / "qualtrics_numeric.csv", "qualtrics"),
    (EXPORTS / "qualtrics_choice.tsv", "qualtrics"),
    (EXPORTS / "qualtrics_numeric.xlsx", "qualtrics"),
    (EXPORTS / "redcap_raw.csv", "redcap"),
    (EXPORTS / "redcap_labels.csv", "redcap"),
    (EXPORTS / "surveymonkey.csv", "surveymonkey"),
    (EXPORTS / "msforms_quiz.xlsx", "msforms"),
    (EXPORTS / "googleforms.csv", "googleforms"),
    (EXPORTS / "spss_labels.sav", "spss"),
    (EXPORTS / "plain.csv", "plain"),
    (EXPORTS / "plain.xlsx", "plain"),
    (EXPORTS / "cp1252.csv", "plain"),
])
def test_detect(path, fmt):
    assert detect_format(path) == fmt
    assert read_export(path).info.format == fmt


def test_rules_on_heads():
    assert format_of_head([["Respondent ID", "Q"], ["", "Response"]]) == "surveymonkey"
    assert format_of_head([["record_id", "redcap_event_name", "q1"]]) == "redcap"
    assert format_of_head([["Record ID", "Event Name", "Complete?"]]) == "redcap"
    assert format_of_head([["id", "q1"]], has_dictionary=True) == "redcap"
    assert format_of_head([["Timestamp", "Email Address", "Q"]]) == "googleforms"
    assert format_of_head([["record_id", "q1"]]) == "plain"
    with pytest.raises(InputError, match="data dictionary"):
        format_of_head([["Variable / Field Name", "Form Name"]])


def test_format_override():
    exp = read_export(EXPORTS / "googleforms.csv", format="plain")
    assert exp.info.format == "plain" and exp.info.multi_select == {}
    exp = read_export(EXPORTS / "plain.csv", dictionary=None, format="redcap")
    assert exp.info.format == "redcap"


def test_parameter_errors():
    with pytest.raises(ParameterError, match="'format' parameter of read_export"):
        read_export(EXPORTS / "plain.csv", format="excel")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="only for REDCap"):
        read_export(EXPORTS / "plain.csv", format="plain", dictionary=EXPORTS / "redcap_dictionary.csv")
    assert set(FORMATS) == {"qualtrics", "qualtrics_legacy", "redcap", "surveymonkey", "msforms",
                            "googleforms", "spss", "plain"}


def test_dictionary_given_as_data():
    with pytest.raises(InputError, match="pass the data export as the file"):
        read_export(EXPORTS / "redcap_dictionary.csv")


def test_workbook_with_csv_name(tmp_path):
    path = tmp_path / "responses.csv"
    path.write_bytes((EXPORTS / "msforms_quiz.xlsx").read_bytes())
    exp = read_export(path)
    assert exp.info.format == "msforms"
    assert "Excel workbook with a '.csv' name" in exp.info.warnings[0]


def _content(path: Path) -> object:
    """Bytes of text files; zip members of workbooks and data + labels of .sav files, so that
    a different zlib or pyreadstat build does not make the comparison fail."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            return {n: z.read(n) for n in sorted(z.namelist())}
    if path.suffix == ".sav":
        import pyreadstat

        df, meta = pyreadstat.read_sav(str(path), user_missing=True)
        return (df.to_dict("list").__repr__(), meta.column_names_to_labels,
                meta.variable_value_labels, meta.missing_ranges)
    return path.read_bytes()


def test_fixtures_are_current(tmp_path):
    """make_fixtures.py is deterministic and the committed files are what it writes
    (regenerate with: .venv/bin/python tests/data/exports/make_fixtures.py)."""
    spec = importlib.util.spec_from_file_location("make_fixtures", EXPORTS / "make_fixtures.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.main(tmp_path)
    for name in mod.FILES:
        assert _content(tmp_path / name) == _content(EXPORTS / name), name


def test_contract_pins():
    """Output columns of flag_status, the leading ``row`` column, and a frozen ExportInfo."""
    assert FLAG_COLUMNS == ("row", "column", "value", "kind", "reason")
    exp = read_export(EXPORTS / "qualtrics_numeric.csv")
    assert tuple(flag_status(exp).columns) == FLAG_COLUMNS
    assert tuple(flag_status(read_export(EXPORTS / "plain.csv")).columns) == FLAG_COLUMNS
    assert exp.data.columns[0] == "row" and exp.data["row"].dtype == "int64"
    with pytest.raises(dataclasses.FrozenInstanceError):
        exp.info.format = "plain"  # type: ignore[misc]


@pytest.mark.parametrize("module", [
    "evaltool.io", "evaltool.io._base", "evaltool.io.encoding", "evaltool.io.plain",
    "evaltool.io.qualtrics", "evaltool.io.redcap", "evaltool.io.surveymonkey",
    "evaltool.io.msforms", "evaltool.io.googleforms", "evaltool.io.spss", "evaltool.io.detect",
])
def test_doctests(module, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
