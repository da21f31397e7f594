"""Broken inputs give one InputError naming the file (and row), with a fix; never a
traceback, never cell contents; the file is never changed."""

from __future__ import annotations

import codecs
import hashlib
import zipfile
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from evaltool.cli import app
from evaltool.errors import InputError
from evaltool.io import read_export, read_msforms, read_plain, read_redcap

EXPORTS = Path(__file__).parent / "data" / "exports"
SECRET = "SECRET-7731"  # a participant answer placed in every broken row; must never be shown

QUALTRICS_HEAD = (
    'StartDate,ResponseId,Q1,Q2\n'
    'Start Date,Response ID,"How are you?\nPlease say",Comment\n'
    '{"ImportId":"startDate"},{"ImportId":"_recordId"},{"ImportId":"QID1"},{"ImportId":"QID2_TEXT"}\n'
)

CASES = {
    # name: (file name, bytes, expected message part, expected row)
    "empty": ("empty.csv", b"", "is empty", None),
    "bom only": ("bom.csv", codecs.BOM_UTF8 + b"\r\n", "is empty", None),
    "whitespace": ("blank.csv", b" \n\n \n", "is empty", None),
    "only header": ("header.csv", b"participant_id,q1,q2\n", "only the header row(s) (1)", None),
    "qualtrics only headers": ("q.csv", QUALTRICS_HEAD.encode(), "only the header row(s) (3)", None),
    "binary junk": ("junk.csv", np.random.default_rng(1).integers(0, 256, 4000, dtype=np.uint8).tobytes(),
                    "not a text (CSV/TSV) file", None),
    "pdf": ("report.csv", b"%PDF-1.7\n" + bytes(range(256)), "it is a PDF file", None),
    "pipe separated": ("pipe.csv", f"id|q1\nP1|{SECRET}\nP2|3\n".encode(), "separated by pipe", None),
    "quoted lines": ("quoted.csv", f'"id,q1"\n"P1,{SECRET}"\n"P2,3"\n'.encode(),
                     "each whole line is inside quotes", None),
    "short row": ("short.csv", f"id,q1,q2\nP1,1,2\nP2,{SECRET}\nP3,1,2\n".encode(), "has 2 values but the header has 3", 3),
    "long row": ("long.csv", f"id,q1,q2\nP1,1,2\nP2,1,{SECRET},9\n".encode(), "has 4 values but the header has 3", 3),
    "truncated quote": ("cut.csv", f'id,q1\nP1,1\nP2,"{SECRET} and then\n'.encode(), "never closed", 3),
    "qualtrics ragged": ("qr.csv", (QUALTRICS_HEAD + f'2024-01-01,R_1,1,"two\nlines"\n2024-01-02,R_2,{SECRET}\n').encode(),
                         "has 3 values but the header has 4", 5),
    "bad utf-8 after bom": ("badbom.csv", codecs.BOM_UTF8 + b"id,q\nP1,\xff\xfe\xfa\n", "not valid UTF-8", None),
    "text named xlsx": ("t.xlsx", f"id,q1\nP1,{SECRET}\n".encode(), "not an Excel workbook", None),
    "zip named xlsx": ("z.xlsx", b"PK\x03\x04" + b"\x00" * 60, "not a valid Excel workbook", None),
    "old xls": ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old-style Excel workbook (.xls, 108 bytes)", None),
    "corrupt sav": ("c.sav", b"$FL2" + b"\x00" * 100, "damaged or incomplete", None),
}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("case", list(CASES))
def test_broken_input(tmp_path, case):
    name, content, expected, row = CASES[case]
    path = tmp_path / name
    path.write_bytes(content)
    before = _sha(path)
    with pytest.raises(InputError) as err:
        read_export(path)
    exc = err.value
    msg = str(exc)
    assert expected in msg
    assert str(path) in msg and exc.file == str(path)
    assert "Fix:" in msg and exc.fix
    assert exc.row == row
    if row is not None:  # "data row N (file line M)": the record among the responses, the line in the file
        assert f"data row {exc.data_row} (file line {exc.line})" in msg
    assert SECRET not in msg
    assert _sha(path) == before


def test_missing_and_folder(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_export(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="is a folder"):
        read_export(tmp_path)


def test_wrong_forced_encoding(tmp_path):
    path = tmp_path / "w.csv"
    path.write_bytes("id,name\nP1,Zoë\n".encode("cp1252"))
    with pytest.raises(InputError, match="cannot be read as utf-8") as err:
        read_plain(path, encoding="utf-8")
    assert "line 2" in str(err.value)


def test_workbook_without_rows(tmp_path):
    import openpyxl

    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(InputError, match="sheet is empty"):
        read_msforms(path)
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(broken, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    with pytest.raises(InputError, match="not a valid Excel workbook"):
        read_export(broken)


def test_dictionary_mismatch_names_dictionary():
    with pytest.raises(InputError) as err:
        read_redcap(EXPORTS / "plain.csv", dictionary=EXPORTS / "redcap_dictionary.csv")
    assert err.value.file == str(EXPORTS / "redcap_dictionary.csv")
    assert "'participant_id'" in str(err.value)


def test_cli_reports_one_line(tmp_path):
    path = tmp_path / "short.csv"
    path.write_bytes(CASES["short row"][1])
    result = CliRunner().invoke(app, ["score", str(path), "--instrument", "brs"])
    assert result.exit_code == 1
    out = result.output
    assert "Error:" in out and "data row 2 (file line 3)" in out
    assert "Traceback" not in out and SECRET not in out
