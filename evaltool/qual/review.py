"""A spreadsheet a person can use to check (and correct) codings — making them a second coder.

:func:`export_review_sheet` writes an XLSX with one row per answer and one 0/1 column per code,
pre-filled from existing codings (the rule coder's, say) with their evidence; the reviewer
changes cells and saves. :func:`read_review_sheet` turns the edited sheet back into a codings
table with the reviewer as coder, ready for :func:`evaltool.qual.intercoder.agreement`.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import columns as C
from .._version import __version__
from ..errors import DataProblemsError, EvaltoolWarning, InputError, OutputError, ParameterError

__all__ = ["REVIEW_CODINGS_COLUMNS", "REVIEW_SHEET", "VALENCE_COLUMN", "export_review_sheet",
           "read_review_sheet", "read_review_table"]

REVIEW = "review"
REVIEW_CODINGS_COLUMNS = (*C.CODINGS_COLUMNS, REVIEW)
"""Columns of :func:`read_review_sheet`: the Codings table plus ``review`` (kept / added)."""
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


def export_review_sheet(answers: pd.DataFrame, codings: pd.DataFrame, codebook: Any,
                        path: str | Path, *, valence: pd.DataFrame | pd.Series | None = None) -> Path:
    """Write an XLSX on which a person reviews (and corrects) the coding of every answer.

    Parameters
    ----------
    answers
        Free text: ``response_id, text`` (``participant_id``, ``timepoint``, ``question``
        shown when present).
    codings
        Existing codings (``response_id, code``; ``start, end, evidence`` kept when present),
        for example from :func:`evaltool.qual.code`. May be empty.
    codebook
        A Codebook (its codable codes become columns; the 'codes' sheet shows labels and
        definitions), a list of code ids, or ``None`` for the codes used in ``codings``.
    path
        The ``.xlsx`` file to write.
    valence
        Optional first-pass valence per answer to prefill the ``valence`` column: the output
        of :func:`evaltool.qual.code_valence` (``response_id, valence``) or a Series indexed
        by response_id. Without it the column is empty for the reviewer to fill.

    Returns
    -------
    pathlib.Path
        The file written.

    Notes
    -----
    Sheet ``coding``: ``response_id, participant_id, timepoint, question, text``, one 0/1
    column per code (data validation allows only 0 or 1), ``valence`` (a list: positive,
    negative, mixed, neutral), ``evidence`` ("code: evidence" per
    coding, one per line) and ``reviewer_note``; header frozen, ids and text locked (sheet
    protected without password; sorting, filtering and resizing allowed). Sheets
    ``instructions`` and ``codes``; hidden sheets keep the original codings so that a kept
    1 keeps its original spans. Text is written as text, never as a formula. Inputs are not
    modified.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> answers = pd.DataFrame({"response_id": ["r1", "r2"], "text": ["Too busy.", "Fine."]})
    >>> codings = pd.DataFrame({"response_id": ["r1"], "code": ["workload"], "start": [4],
    ...                         "end": [8], "evidence": ["busy"], "coder": ["rules"]})
    >>> p = export_review_sheet(answers, codings, ["workload", "culture"],
    ...                         pathlib.Path(tempfile.mkdtemp()) / "review.xlsx")
    >>> read_review_sheet(p)[["response_id", "code", "start", "end", "coder", "review"]]
      response_id      code  start  end     coder review
    0          r1  workload      4    8  reviewer   kept
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    for what, frame, cols in (("answers", answers, (C.RESPONSE_ID, C.TEXT)),
                              ("codings", codings, (C.RESPONSE_ID, C.CODE))):
        if not isinstance(frame, pd.DataFrame):
            raise ParameterError(f"The '{what}' parameter of export_review_sheet() must be a "
                                 f"DataFrame. Got {type(frame).__name__} instead.")
        miss = [c for c in cols if c not in frame.columns]
        if miss:
            raise ParameterError(f"The '{what}' frame lacks the column(s) {miss}.",
                                 fix=f"columns present: {list(frame.columns)}.")
    keys = answers[C.RESPONSE_ID].astype(str)
    if keys.duplicated().any():
        raise ParameterError("response_id is not unique in the answers.",
                             fix="give every answer its own response_id.")
    texts = answers[C.TEXT].fillna("").astype(str)
    if (texts.str.len() > _MAX_CELL).any():
        raise ParameterError(f"{int((texts.str.len() > _MAX_CELL).sum())} answer(s) are longer "
                             f"than an Excel cell holds ({_MAX_CELL} characters).",
                             fix="export these answers to REFI-QDA (to_qdpx) instead.")
    codes = _code_list(codebook, codings)[C.CODE].tolist()
    cod = codings.assign(_key=codings[C.RESPONSE_ID].astype(str), _code=codings[C.CODE].astype(str))
    unknown = sorted(set(cod["_code"]) - set(codes))
    if unknown:
        raise ParameterError(f"the codings use code(s) {unknown} that are not (codable) codes of "
                             "the codebook.", fix="pass the codebook the codings were made with.")
    outside = ~cod["_key"].isin(keys)
    if outside.any():
        raise ParameterError(f"{int(outside.sum())} coding(s) refer to answers that are not in "
                             "the answers.", fix="export codings together with their answers.")

    counts = pd.crosstab(cod["_key"], cod["_code"]).reindex(index=keys, columns=codes, fill_value=0)
    present = (counts.to_numpy() > 0).astype(int)
    if C.EVIDENCE in cod.columns and len(cod):
        ev = (cod["_code"] + ": " + cod[C.EVIDENCE].fillna("").astype(str)).groupby(cod["_key"]).agg("\n".join)
        evidence = ev.reindex(keys).to_numpy(dtype=object)
    else:
        evidence = np.full(len(keys), None, dtype=object)

    wb = Workbook()
    ws = wb.active
    ws.title = REVIEW_SHEET
    id_cols = [c for c in _ID_COLUMNS if c in answers.columns or c in (C.RESPONSE_ID, C.TEXT)]
    header = [*id_cols, *codes, VALENCE_COLUMN, C.EVIDENCE, _NOTE, _LENGTH]
    val = _valence_for(valence, keys)
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
    if n_code and len(keys):
        dv = DataValidation(type="whole", operator="between", formula1="0", formula2="1",
                            allow_blank=True, showErrorMessage=True, errorTitle="0 or 1",
                            error="Type 1 if the code applies to this answer, 0 if it does not.")
        dv.add(f"{get_column_letter(n_id + 1)}2:{get_column_letter(n_id + n_code)}{len(keys) + 1}")
        ws.add_data_validation(dv)
    if len(keys):
        vl = get_column_letter(n_id + n_code + 1)
        dvv = DataValidation(type="list", formula1='"' + ",".join(_VALENCES) + '"', allow_blank=True,
                             showErrorMessage=True, errorTitle="valence",
                             error="positive, negative, mixed or neutral (or leave it empty).")
        dvv.add(f"{vl}2:{vl}{len(keys) + 1}")
        ws.add_data_validation(dvv)
    ws.freeze_panes = ws.cell(2, n_id + 1)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header) - 1)}{len(keys) + 1}"
    ws.protection.sheet = True
    for opt in ("formatColumns", "formatRows", "formatCells", "sort", "autoFilter"):
        setattr(ws.protection, opt, False)

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
            val = rec["_key"] if name == C.RESPONSE_ID else rec.get(name)
            _set(orig.cell(row, j), val)
    meta = wb.create_sheet(_META)
    meta.sheet_state = "hidden"
    meta.append(["evaltool_version", __version__])
    meta.append(["codes", *codes])
    try:
        wb.save(Path(path))
    except OSError as exc:
        raise OutputError(f"cannot write the review sheet ({exc.strerror}).", file=path,
                          fix="choose a folder you can write to, and close the file in Excel.") from None
    return Path(path)


def read_review_sheet(path: str | Path, coder: str = "reviewer") -> pd.DataFrame:
    """Read a review sheet back as the reviewer's codings.

    Parameters
    ----------
    path
        An ``.xlsx`` written by :func:`export_review_sheet` and edited by a person.
    coder
        Name recorded in the ``coder`` column.

    Returns
    -------
    pandas.DataFrame
        Columns ``response_id, code, start, end, evidence, coder, review``
        (``REVIEW_CODINGS_COLUMNS``). A code left at 1 keeps its original span(s)
        (``review = "kept"``); a code changed from 0 to 1 becomes a whole-answer coding with
        ``start = 0``, ``end = len(text)`` and the answer as evidence (``review = "added"``).
        A kept code whose original coding had no span is also whole-answer. Codes set to 0
        are absent. ``response_id`` is returned as text.

    Raises
    ------
    InputError
        If the file is not a review sheet made by evaltool.
    DataProblemsError
        If code cells hold anything but 0, 1 or nothing (the table lists sheet row and code).

    Notes
    -----
    Every answer on the sheet counts as seen by the reviewer, so pass the same answers to
    :func:`~evaltool.qual.intercoder.agreement` (``answers=``). An empty code cell counts as
    0, with a warning.

    Examples
    --------
    The reviewer keeps the rule coder's "workload" on r1 and adds it to r2 (here with
    openpyxl; a person would do it in Excel):

    >>> import tempfile, pathlib, pandas as pd
    >>> from openpyxl import load_workbook
    >>> answers = pd.DataFrame({"response_id": ["r1", "r2"],
    ...                         "text": ["Too busy.", "Short-staffed again."]})
    >>> codings = pd.DataFrame({"response_id": ["r1"], "code": ["workload"], "start": [4],
    ...                         "end": [8], "evidence": ["busy"], "coder": ["rules"]})
    >>> path = export_review_sheet(answers, codings, ["workload"],
    ...                            pathlib.Path(tempfile.mkdtemp()) / "review.xlsx")
    >>> wb = load_workbook(path)
    >>> ws = wb["coding"]
    >>> header = [c.value for c in ws[1]]
    >>> ws.cell(3, header.index("workload") + 1).value = 1  # row 3 is r2
    >>> wb.save(path)
    >>> read_review_sheet(path)[["response_id", "code", "start", "end", "review"]]
      response_id      code  start  end review
    0          r1  workload      4    8   kept
    1          r2  workload      0   20  added
    """
    from openpyxl import load_workbook

    path = Path(path)
    try:
        wb = load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises several types for non-xlsx files
        raise InputError(f"cannot open the review sheet ({type(exc).__name__}).", file=path,
                         fix="give the .xlsx written by export_review_sheet(), saved as .xlsx.") from None
    if _META not in wb.sheetnames or REVIEW_SHEET not in wb.sheetnames or _ORIGINAL not in wb.sheetnames:
        raise InputError("is not a review sheet written by evaltool (hidden sheets missing).",
                         file=path, fix="start from a sheet made by export_review_sheet().")
    meta = {row[0]: list(row[1:]) for row in wb[_META].iter_rows(values_only=True) if row and row[0]}
    codes = [str(c) for c in meta.get("codes", []) if c is not None]
    rows = list(wb[REVIEW_SHEET].iter_rows(values_only=True))
    header = [None if h is None else str(h) for h in rows[0]]
    miss = [c for c in (C.RESPONSE_ID, C.TEXT, _LENGTH, *codes) if c not in header]
    if miss:
        raise InputError(f"the sheet '{REVIEW_SHEET}' lacks the column(s) {miss}.", file=path,
                         fix="do not rename or delete columns; start again from the exported sheet.")
    sheet = pd.DataFrame(rows[1:], columns=header, dtype=object)
    sheet = sheet[sheet[C.RESPONSE_ID].notna()].reset_index(drop=True)
    sheet_rows = sheet.index.to_numpy() + 2
    keys = sheet[C.RESPONSE_ID].map(_key_text).to_numpy(dtype=object)
    problems, blanks = [], 0
    values = np.zeros((len(sheet), len(codes)), dtype=bool)
    for k, code in enumerate(codes):
        col = sheet[code]
        num = pd.to_numeric(col.map(lambda v: v.strip() if isinstance(v, str) else v), errors="coerce")
        blank = col.isna() | col.map(lambda v: isinstance(v, str) and not v.strip())
        bad = ~blank & ~num.isin([0, 1])
        blanks += int(blank.sum())
        for i in np.flatnonzero(bad.to_numpy()):
            problems.append({C.SOURCE: str(path), C.ROW: int(sheet_rows[i]), C.COLUMN: code,
                             C.VALUE: str(col.iloc[i]), C.RULE: "not_0_or_1",
                             C.MESSAGE: "a code cell must be 0 or 1",
                             C.FIX: "type 1 if the code applies, 0 if not", C.SEVERITY: "error"})
        values[:, k] = (num == 1).to_numpy()
    if problems:
        raise DataProblemsError(f"{len(problems)} code cell(s) of the review sheet are not 0 or 1.",
                                pd.DataFrame(problems, columns=list(C.PROBLEM_COLUMNS)),
                                fix="see the problems table.")
    if blanks:
        warnings.warn(f"{blanks} empty code cell(s) in the review sheet were read as 0.",
                      EvaltoolWarning, stacklevel=2)
    orig_rows = list(wb[_ORIGINAL].iter_rows(values_only=True))
    orig = pd.DataFrame(orig_rows[1:], columns=list(orig_rows[0]), dtype=object)
    orig[C.RESPONSE_ID] = orig[C.RESPONSE_ID].map(_key_text)
    orig[C.CODE] = orig[C.CODE].astype(str)

    ri, ci = np.nonzero(values)
    chosen = pd.DataFrame({C.RESPONSE_ID: keys[ri], C.CODE: np.array(codes, dtype=object)[ci],
                           "_row": ri})
    orig = orig.drop(columns=[C.CODER]).drop_duplicates([C.RESPONSE_ID, C.CODE, C.START, C.END])
    merged = chosen.merge(orig, on=[C.RESPONSE_ID, C.CODE], how="left",
                          indicator=True)
    text = sheet[C.TEXT].fillna("").astype(str).to_numpy(dtype=object)[merged["_row"]]
    length = pd.to_numeric(sheet[_LENGTH]).to_numpy()[merged["_row"]]
    kept = (merged["_merge"] == "both").to_numpy()
    has_span = kept & merged[C.START].notna().to_numpy() & merged[C.END].notna().to_numpy()
    start = np.where(has_span, pd.to_numeric(merged[C.START]).fillna(0).to_numpy(), 0)
    end = np.where(has_span, pd.to_numeric(merged[C.END]).fillna(0).to_numpy(), length)
    evidence = np.where(has_span, merged[C.EVIDENCE].to_numpy(dtype=object), text)
    out = pd.DataFrame({
        C.RESPONSE_ID: merged[C.RESPONSE_ID].to_numpy(dtype=object),
        C.CODE: merged[C.CODE].to_numpy(dtype=object),
        C.START: start.astype("int64"), C.END: end.astype("int64"),
        C.EVIDENCE: pd.Series(evidence, dtype=object), C.CODER: coder,
        REVIEW: np.where(kept, "kept", "added"),
    })
    out[C.CODER] = out[C.CODER].astype(object)
    out[REVIEW] = out[REVIEW].astype(object)
    return out.loc[:, list(REVIEW_CODINGS_COLUMNS)].reset_index(drop=True)


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


def read_review_table(path: str | Path) -> pd.DataFrame:
    """A review sheet as one row per answer on it: the team's whole coding, for learning.

    Parameters
    ----------
    path
        An ``.xlsx`` written by :func:`export_review_sheet` and coded by the team.

    Returns
    -------
    pandas.DataFrame
        ``response_id`` (text), ``question`` (when on the sheet), ``text``, one 0/1 column per
        code — every answer of the sheet, an answer without a code being a negative example
        of every code — and ``valence`` when the sheet has a valence column with at least one
        value (empty = not valued). This is what :func:`evaltool.qual.train_coder` learns
        from (``evaltool themes code --learn``).

    Raises
    ------
    InputError, DataProblemsError
        As :func:`read_review_sheet`; a valence cell that is not one of positive, negative,
        mixed, neutral is a problem too.
    """
    from openpyxl import load_workbook

    codings = read_review_sheet(path)
    wb = load_workbook(Path(path), data_only=True, read_only=True)
    meta = {row[0]: list(row[1:]) for row in wb[_META].iter_rows(values_only=True) if row and row[0]}
    codes = [str(c) for c in meta.get("codes", []) if c is not None]
    rows = list(wb[REVIEW_SHEET].iter_rows(values_only=True))
    wb.close()
    header = [None if h is None else str(h) for h in rows[0]]
    sheet = pd.DataFrame(rows[1:], columns=header, dtype=object)
    sheet = sheet[sheet[C.RESPONSE_ID].notna()].reset_index(drop=True)
    keys = sheet[C.RESPONSE_ID].map(_key_text)
    out = pd.DataFrame({C.RESPONSE_ID: keys.to_numpy(dtype=object)})
    if C.QUESTION in sheet.columns:
        out[C.QUESTION] = sheet[C.QUESTION].to_numpy(dtype=object)
    out[C.TEXT] = sheet[C.TEXT].fillna("").astype(str).to_numpy(dtype=object)
    have = set(zip(codings[C.RESPONSE_ID], codings[C.CODE], strict=True))
    for code in codes:
        out[code] = [int((k, code) in have) for k in keys]
    if VALENCE_COLUMN in sheet.columns:
        raw = sheet[VALENCE_COLUMN].map(lambda v: v.strip().lower() if isinstance(v, str) else v)
        bad = raw.notna() & ~raw.isin(_VALENCES)
        if bad.any():
            problems = [{C.SOURCE: str(path), C.ROW: int(i) + 2, C.COLUMN: VALENCE_COLUMN,
                         C.VALUE: str(sheet[VALENCE_COLUMN].iloc[i]), C.RULE: "not_a_valence",
                         C.MESSAGE: "a valence cell must be positive, negative, mixed or neutral",
                         C.FIX: "choose from the list, or leave it empty", C.SEVERITY: "error"}
                        for i in np.flatnonzero(bad.to_numpy())]
            raise DataProblemsError(f"{len(problems)} valence cell(s) of the review sheet are not a valence.",
                                    pd.DataFrame(problems, columns=list(C.PROBLEM_COLUMNS)),
                                    fix="see the problems table.")
        if raw.notna().any():
            out[VALENCE_COLUMN] = raw.fillna("").to_numpy(dtype=object)
    return out


def _key_text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
