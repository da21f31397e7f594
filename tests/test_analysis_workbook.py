"""The results' workbooks (evaltool.analysis.workbook, written by evaltool.analysis._xlsx)
against the same workbook built cell by cell with openpyxl (the writer they replaced): every
worksheet, the workbook and the styles are the same XML, and openpyxl reads back the same
cells, values, styles, widths, panes, filters and links."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from evaltool.analysis import workbook as W
from evaltool.output import safe_frame


def _reference(tables, path, *, title, banner="", descriptions=None, elsewhere=None):
    """The openpyxl implementation write_formatted_workbook had (the oracle)."""
    descriptions, elsewhere = descriptions or {}, elsewhere or {}
    bounded = [n for n, t in tables.items() if not W.fits_in_sheet(t)]
    sheets = W._sheet_names(list(tables))
    wb = Workbook()
    idx = wb.active
    idx.title = "index"
    idx.append([title])
    idx["A1"].font = Font(bold=True, size=14)
    if banner:
        idx.append([banner])
        idx["A2"].font = Font(bold=True, color="C00000")
    idx.append([])
    idx.append(["sheet", "table", "rows", "what it holds"])
    for cell in idx[idx.max_row]:
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F4E79")
    notes = {n: W._pointer_text(n, tables[n], elsewhere.get(n))[0] for n in bounded}
    for name in tables:
        idx.append([sheets[name], name, len(tables[name]), notes.get(name, descriptions.get(name, ""))])
        link = idx.cell(row=idx.max_row, column=1)
        link.hyperlink = f"#'{sheets[name]}'!A1"
        link.font = Font(color="0563C1", underline="single")
    for col, width in zip("ABCD", (28, 30, 8, 90), strict=True):
        idx.column_dimensions[col].width = width
    for name, frame in tables.items():
        ws = wb.create_sheet(sheets[name])
        if name in bounded:
            for line in W._pointer_text(name, frame, elsewhere.get(name)):
                ws.append([line])
            ws["A1"].font = Font(bold=True)
            ws.column_dimensions["A"].width = 100
            continue
        safe = safe_frame(frame)
        cols = [str(c) for c in safe.columns]
        ws.append(cols)
        for cell in ws[1]:
            cell.font, cell.fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F4E79")
            cell.alignment = Alignment(wrap_text=False)
        formats = [W._number_format(c, frame[c]) for c in frame.columns]
        for row in safe.itertuples(index=False, name=None):
            ws.append([W._cell(v) for v in row])
        for j, fmt in enumerate(formats, start=1):
            if fmt:
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.number_format = fmt
        for j, c in enumerate(cols, start=1):
            lengths = safe.iloc[:200, j - 1].astype(str).str.len()
            sample = int(lengths.max()) if len(lengths) and lengths.notna().any() else 0
            ws.column_dimensions[get_column_letter(j)].width = min(60, max(8, len(c) + 2, sample + 2))
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.data_type != "s":
                    cell.data_type = "s"
    wb.save(path)
    return path, bounded


def _tables() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(3)
    n = 40
    mixed = pd.DataFrame({
        "cohort": pd.Categorical(rng.choice(["Ward A", "Ward B & C", "=SUM(A1)"], n)),
        "n": rng.integers(0, 500, n), "n_pairs": rng.integers(0, 9, n).astype(float),
        "mean": rng.normal(30, 5, n), "p": rng.uniform(0, 1, n), "p_holm": rng.uniform(0, 1, n),
        "shown": rng.integers(0, 2, n).astype(bool),
        "big": np.full(n, 12345678901234567, dtype=np.int64),
        "note": ["", " padded ", "line\r\nbreak\ttab", "<b>&amp;</b>", "#N/A", "café ☃ 😀", "-2+3", "@x",
                 None, "x" * 40_000] * 4,
        "when": pd.to_datetime([f"2024-01-0{1 + i % 9}" for i in range(n)]),
    })
    mixed.loc[3, "mean"] = np.nan
    mixed.loc[4, "mean"] = np.inf
    mixed.loc[5, "p"] = np.nan
    return {
        "scales": mixed,
        "empty": pd.DataFrame({"a": pd.Series([], dtype=float), "b": pd.Series([], dtype=object)}),
        "no_columns": pd.DataFrame(index=range(3)),
        "large": pd.DataFrame({"x": np.arange(3000), "y": np.arange(3000) / 7, "z": ["t"] * 3000}),
        "a name that is far longer than thirty-one characters": pd.DataFrame({"k": [1, 2]}),
        "a name that is far longer than thirty-one characters too": pd.DataFrame({"k": [3]}),
        "it's [odd]/name?": pd.DataFrame({"v": ["a"]}),
    }


_NOT_COMPARED = {"docProps/app.xml", "docProps/core.xml", "xl/theme/theme1.xml", "[Content_Types].xml",
                 "xl/_rels/workbook.xml.rels"}
"""Parts that differ by design: the application name, openpyxl's creation times and its theme."""


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist() if n not in _NOT_COMPARED}
    parts["xl/styles.xml"] = re.sub(rb"<colors>.*</colors>", b"", parts["xl/styles.xml"])  # openpyxl's default palette
    return parts


def _cells(path: Path) -> list:
    wb = load_workbook(path)
    out: list = [wb.sheetnames, sorted(wb.defined_names)]
    for ws in wb.worksheets:
        out.append((ws.title, ws.dimensions, ws.freeze_panes, ws.auto_filter.ref,
                    {k: d.width for k, d in ws.column_dimensions.items() if d.customWidth}))
        for row in ws.iter_rows():
            for c in row:
                out.append((c.coordinate, c.value, c.data_type, c.number_format, repr(c.font), repr(c.fill),
                            repr(c.alignment), c.hyperlink.target if c.hyperlink else None))
    return out


@pytest.mark.parametrize("banner", ["", "RESEARCH ONLY — do not share."])
def test_workbook_is_what_openpyxl_wrote(tmp_path, monkeypatch, banner):
    monkeypatch.setattr(W, "MAX_SHEET_CELLS", 5_000)
    tables = _tables()
    kw = {"title": "Study <1> & co: tables", "banner": banner, "descriptions": {"scales": "scale scores"},
          "elsewhere": {n: f"tables/{n}.csv" for n in tables if n != "large"}}
    new, bounded = W.write_formatted_workbook(tables, tmp_path / "new.xlsx", **kw)
    ref, ref_bounded = _reference(tables, tmp_path / "ref.xlsx", **kw)
    assert bounded == ref_bounded == ["large"]
    assert _parts(new) == _parts(ref)
    assert _cells(new) == _cells(ref)
    assert all(c.data_type != "f" for ws in load_workbook(new).worksheets for row in ws.iter_rows() for c in row)


def test_workbook_bytes_are_reproducible(tmp_path):
    tables = _tables()
    a, _ = W.write_formatted_workbook(tables, tmp_path / "a.xlsx", title="t")
    b, _ = W.write_formatted_workbook(tables, tmp_path / "b.xlsx", title="t")
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as zf:
        assert zf.testzip() is None


def test_text_xml_cannot_hold_is_dropped_not_fatal(tmp_path):
    """openpyxl refused a workbook holding a control character; the cell keeps the rest of its text."""
    path, _ = W.write_formatted_workbook({"t": pd.DataFrame({"a": ["bell\x07 here", "ok"]})}, tmp_path / "w.xlsx",
                                         title="t")
    assert [c.value for c in load_workbook(path)["t"]["A"]] == ["a", "bell here", "ok"]
