"""The review sheet as an XLSX workbook (private; see :mod:`evaltool.qual.review`): its
sheets, columns, data validation and protection."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import columns as C
from .._version import __version__
from ..errors import ParameterError

REVIEW_SHEET = "coding"
_META = "_evaltool"
_ORIGINAL = "_original_codings"
_LENGTH = "_n_chars"
VALENCE_COLUMN = "valence"
"""The review sheet's valence column (positive, negative, mixed, neutral; empty = not valued)."""
_VALENCES = ("positive", "negative", "mixed", "neutral")
_NOTE = "reviewer_note"
_ID_COLUMNS = (C.RESPONSE_ID, C.PARTICIPANT_ID, C.TIMEPOINT, C.QUESTION, C.TEXT)
_MAX_CELL = 32767  # Excel's limit on characters in a cell

_INSTRUCTIONS = """\
How to review the coding

1. Each row of the sheet 'coding' is one answer. Each code has its own column: 1 = the code
   applies to this answer, 0 = it does not. The column 'evidence' shows why the automatic
   coder (or the first coder) gave each code: "code: the words that triggered it".
2. Read the answer, then set each code cell to 1 or 0. Only 0 and 1 are accepted; an empty
   cell counts as 0. The codes and their definitions are on the sheet 'codes'.
3. Use 'reviewer_note' for anything you want to say about an answer.
4. Do not change the ids or the text (those cells are locked; the sheet is protected without a
   password only to prevent accidents). You may sort, filter and resize columns.
5. Save the file as .xlsx and give it back; evaltool reads it with read_review_sheet().

A code you keep at 1 keeps the exact words the first coder marked; a code you change from
0 to 1 is recorded for the whole answer. Your coding is compared with the first coder's by
evaltool.qual.agreement(), and every disagreement can be listed for discussion.
"""


def _code_list(codebook: Any, codings: pd.DataFrame) -> pd.DataFrame:
    from .qdpx import codebook_table

    if codebook is None:
        return codebook_table(sorted(set(codings[C.CODE].astype(str))))
    table = codebook_table(codebook)
    return table[table["is_codable"]].reset_index(drop=True)


def _codes_sheet_rows(codebook: Any, codes: list[str]) -> list[list[Any]]:
    items = {}
    if codebook is not None and hasattr(codebook, "flat_codes"):
        items = {c.id: c for c in codebook.flat_codes()}
    rows = [["code", "label", "definition", "include", "exclude"]]
    for code in codes:
        c = items.get(code)
        rows.append([code, getattr(c, "label", ""), getattr(c, "definition", ""),
                     "; ".join(getattr(c, "include", []) or []),
                     "; ".join(getattr(c, "exclude", []) or [])])
    return rows


def _set(cell: Any, value: Any) -> None:
    """Write a value; text is always text (never a formula, even if it starts with '=')."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        cell.value = None
        return
    if isinstance(value, np.generic):
        value = value.item()
    if not isinstance(value, int | float | bool | str):
        value = str(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def _valence_for(valence: pd.DataFrame | pd.Series | None, keys: pd.Series) -> np.ndarray:
    out = np.full(len(keys), None, dtype=object)
    if valence is None:
        return out
    if isinstance(valence, pd.DataFrame):
        if C.RESPONSE_ID not in valence.columns or VALENCE_COLUMN not in valence.columns:
            raise ParameterError("The 'valence' parameter of export_review_sheet() needs columns "
                                 "'response_id' and 'valence' (the output of code_valence()).")
        series = pd.Series(valence[VALENCE_COLUMN].to_numpy(dtype=object),
                           index=valence[C.RESPONSE_ID].map(_key_text))
    else:
        series = pd.Series(valence.to_numpy(dtype=object), index=valence.index.map(_key_text))
    got = series[~series.index.duplicated()].reindex(keys.to_numpy())
    out[:] = [v if isinstance(v, str) and v in _VALENCES else None for v in got.tolist()]
    return out


def workbook(answers: pd.DataFrame, keys: pd.Series, texts: pd.Series, codes: list[str],
             present: np.ndarray, evidence: np.ndarray, val: np.ndarray, cod: pd.DataFrame,
             codebook: Any) -> Any:
    """The review workbook: the coding sheet, instructions, codes and the hidden sheets."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = REVIEW_SHEET
    id_cols = [c for c in _ID_COLUMNS if c in answers.columns or c in (C.RESPONSE_ID, C.TEXT)]
    header = [*id_cols, *codes, VALENCE_COLUMN, C.EVIDENCE, _NOTE, _LENGTH]
    _coding_rows(ws, answers, keys, texts, id_cols, header, codes, present, evidence, val)
    _coding_layout(ws, header, len(id_cols), len(codes), len(keys))
    inst = wb.create_sheet("instructions")
    for line in _INSTRUCTIONS.splitlines():
        inst.append([line])
    inst.column_dimensions["A"].width = 100
    book = wb.create_sheet("codes")
    for row in _codes_sheet_rows(codebook, codes):
        book.append([None] * len(row))
        for j, v in enumerate(row, start=1):
            _set(book.cell(book.max_row, j), v)
    for letter, w in zip("ABCDE", (22, 30, 60, 40, 40), strict=True):
        book.column_dimensions[letter].width = w

    orig = wb.create_sheet(_ORIGINAL)
    orig.sheet_state = "hidden"
    ocols = [C.RESPONSE_ID, C.CODE, C.START, C.END, C.EVIDENCE, C.CODER]
    orig.append(ocols)
    for rec in cod.to_dict("records"):
        row = orig.max_row + 1
        for j, name in enumerate(ocols, start=1):
            _set(orig.cell(row, j), rec["_key"] if name == C.RESPONSE_ID else rec.get(name))
    meta = wb.create_sheet(_META)
    meta.sheet_state = "hidden"
    meta.append(["evaltool_version", __version__])
    meta.append(["codes", *codes])
    return wb


def _coding_rows(ws: Any, answers: pd.DataFrame, keys: pd.Series, texts: pd.Series, id_cols: list[str],
                 header: list[str], codes: list[str], present: np.ndarray, evidence: np.ndarray,
                 val: np.ndarray) -> None:
    from openpyxl.styles import Font, PatternFill, Protection

    ws.append(header)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
    unlocked = Protection(locked=False)
    n_id, n_code = len(id_cols), len(codes)
    id_values = [answers[c].to_numpy(dtype=object) if c != C.TEXT else texts.to_numpy(dtype=object)
                 for c in id_cols]
    lengths = texts.str.len().to_numpy()
    for i in range(len(keys)):
        r = i + 2
        for j, col in enumerate(id_values):
            _set(ws.cell(r, j + 1), col[i])
        for k in range(n_code):
            cell = ws.cell(r, n_id + k + 1, int(present[i, k]))
            cell.protection = unlocked
        _set(ws.cell(r, n_id + n_code + 1), val[i])
        ws.cell(r, n_id + n_code + 1).protection = unlocked
        _set(ws.cell(r, n_id + n_code + 2), evidence[i])
        ws.cell(r, n_id + n_code + 3).protection = unlocked
        ws.cell(r, n_id + n_code + 4, int(lengths[i]))


def _coding_layout(ws: Any, header: list[str], n_id: int, n_code: int, n_rows: int) -> None:
    """Widths, wrapping, 0/1 and valence validation, frozen header, filter, protection."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wrap = Alignment(wrap_text=True, vertical="top")
    widths = {C.RESPONSE_ID: 14, C.PARTICIPANT_ID: 14, C.TIMEPOINT: 10, C.QUESTION: 14, C.TEXT: 60,
              C.EVIDENCE: 40, _NOTE: 30}
    for j, name in enumerate(header, start=1):
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = widths.get(name, max(6, min(len(name) + 2, 24)))
        if name in (C.TEXT, C.EVIDENCE, _NOTE):
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.alignment = wrap
    ws.column_dimensions[get_column_letter(len(header))].hidden = True
    if n_code and n_rows:
        dv = DataValidation(type="whole", operator="between", formula1="0", formula2="1",
                            allow_blank=True, showErrorMessage=True, errorTitle="0 or 1",
                            error="Type 1 if the code applies to this answer, 0 if it does not.")
        dv.add(f"{get_column_letter(n_id + 1)}2:{get_column_letter(n_id + n_code)}{n_rows + 1}")
        ws.add_data_validation(dv)
    if n_rows:
        vl = get_column_letter(n_id + n_code + 1)
        dvv = DataValidation(type="list", formula1='"' + ",".join(_VALENCES) + '"', allow_blank=True,
                             showErrorMessage=True, errorTitle="valence",
                             error="positive, negative, mixed or neutral (or leave it empty).")
        dvv.add(f"{vl}2:{vl}{n_rows + 1}")
        ws.add_data_validation(dvv)
    ws.freeze_panes = ws.cell(2, n_id + 1)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header) - 1)}{n_rows + 1}"
    ws.protection.sheet = True
    for opt in ("formatColumns", "formatRows", "formatCells", "sort", "autoFilter"):
        setattr(ws.protection, opt, False)


def _key_text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
