"""Encodings: UTF-8 with/without BOM, UTF-16, cp1252, latin-1 fallback, mojibake repair."""

from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd
import pytest

from evaltool.errors import InputError, ParameterError
from evaltool.io import read_plain
from evaltool.io.encoding import decode, has_mojibake, repair_mojibake

EXPORTS = Path(__file__).parent / "data" / "exports"
EXPECTED = [["P001", "Zoë", "It’s fine – thanks"], ["P002", "Renée", "Café was closed"]]


def _values(exp):
    return exp.data.drop(columns="row").values.tolist()


def test_cp1252():
    exp = read_plain(EXPORTS / "cp1252.csv")
    assert exp.info.encoding == "cp1252"
    assert _values(exp) == EXPECTED
    assert any("not UTF-8" in w for w in exp.info.warnings)


def test_utf8_bom():
    exp = read_plain(EXPORTS / "utf8_bom.csv")
    assert exp.info.encoding == "utf-8-sig"
    assert exp.data.columns[1] == "participant_id"  # no BOM glued to the first name
    assert _values(exp) == EXPECTED


def test_mojibake_repaired_and_recorded():
    exp = read_plain(EXPORTS / "mojibake.csv")
    assert _values(exp)[:2] == EXPECTED
    assert exp.data.loc[2, "name"] == "São Paulo"  # real accents are left alone
    assert exp.info.repairs == (
        "repaired double-encoded UTF-8 (mojibake such as 'â€™' for '’') in 4 cell(s).",)


def test_mojibake_in_header(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("id,Caf\u00c3\u00a9 rating\nP1,5\n", encoding="utf-8")
    exp = read_plain(path)
    assert list(exp.data.columns) == ["row", "id", "Café rating"]
    assert "in 1 cell(s)" in exp.info.repairs[0]


@pytest.mark.parametrize("encoding,bom,name", [
    ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16-le"),
    ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16-be"),
    ("utf-16-le", b"", "utf-16-le"),
])
def test_utf16(tmp_path, encoding, bom, name):
    path = tmp_path / "u.tsv"
    text = "participant_id\tname\tcomment\r\nP001\tZoë\tIt’s fine – thanks\r\nP002\tRenée\tCafé was closed\r\n"
    path.write_bytes(bom + text.encode(encoding))
    exp = read_plain(path)
    assert exp.info.encoding == name and exp.info.delimiter == "\t"
    assert _values(exp) == EXPECTED
    assert exp.data["row"].tolist() == [2, 3]


def test_latin1_fallback(tmp_path):
    path = tmp_path / "l.csv"
    path.write_bytes(b"id,x\nP1,a\x81b\n")  # 0x81 is undefined in cp1252
    exp = read_plain(path)
    assert exp.info.encoding == "latin-1" and exp.data.loc[0, "x"] == "a\x81b"


def test_forced_encoding(tmp_path):
    assert _values(read_plain(EXPORTS / "cp1252.csv", encoding="cp1252")) == EXPECTED
    with pytest.raises(InputError, match="cannot be read as utf-8") as err:
        read_plain(EXPORTS / "cp1252.csv", encoding="utf-8")
    assert "Zo" not in str(err.value)
    with pytest.raises(ParameterError, match="'encoding' parameter"):
        read_plain(EXPORTS / "cp1252.csv", encoding="no-such-codec")


def test_decode_returns_utf8():
    dec = decode(codecs.BOM_UTF8 + "é".encode(), "x.csv")
    assert dec.data == "é".encode() and dec.encoding == "utf-8-sig"


def test_repair_mojibake_does_not_mutate():
    frame = pd.DataFrame({"a": ["donâ€™t", "ok", None], "b": [1, 2, 3]})
    copy = frame.copy()
    fixed, n = repair_mojibake(frame)
    assert n == 1 and fixed.loc[0, "a"] == "don’t"
    pd.testing.assert_frame_equal(frame, copy)
    assert has_mojibake("Ã©") and not has_mojibake("é")


def test_mojibake_in_workbook(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["id", "comment"])
    wb.active.append(["P1", "donâ€™t"])
    wb.create_sheet("Other")
    path = tmp_path / "m.xlsx"
    wb.save(path)
    exp = read_plain(path)
    assert exp.data.loc[0, "comment"] == "don’t"
    assert "in 1 cell(s)" in exp.info.repairs[0]
    assert any("read sheet 'Sheet', the only one holding a table" in w for w in exp.info.warnings)


@pytest.mark.parametrize("raw, encoding", [
    ("id,q\nP1,It’s fine – thanks 🙂\n".encode(), "utf-8"),
    (codecs.BOM_UTF8 + "id,q\nP1,Zoë\n".encode(), "utf-8-sig"),
    ("id,q\nP1,Zoë\n".encode("cp1252"), "cp1252"),
    (codecs.BOM_UTF16_LE + "id,q\nP1,Zoë\n".encode("utf-16-le"), "utf-16-le"),
])
def test_decode_keeps_bytes_not_a_whole_file_string(raw, encoding):
    """Issue 16: a 250 MB export must not be held as a Python string beside its bytes (a
    string with one '’' takes 2 bytes per character, one with an emoji 4). The text is made
    only when asked for, and is the same text."""
    dec = decode(raw, "x.csv")
    assert dec.encoding == encoding and dec._text is None
    assert dec.text == dec.data.decode("utf-8") and "P1," in dec.text


def test_invalid_utf8_without_bom_falls_back_and_with_bom_names_the_line():
    dec = decode("id,q\nP1,caf\xe9\n".encode("latin-1"), "x.csv")
    assert dec.encoding == "cp1252" and dec.text.endswith("café\n")
    with pytest.raises(InputError, match=r"not valid UTF-8 \(near line 3\)"):
        decode(codecs.BOM_UTF8 + b"id,q\nP1,ok\nP2,\xff\n", "x.csv")
