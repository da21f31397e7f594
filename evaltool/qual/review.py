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
from ..errors import DataProblemsError, EvaltoolWarning, InputError, OutputError, ParameterError
from ._review_xlsx import (
    _LENGTH,
    _MAX_CELL,
    _META,
    _ORIGINAL,
    _VALENCES,
    REVIEW_SHEET,
    VALENCE_COLUMN,
    _code_list,
    _key_text,
    _valence_for,
    workbook,
)

__all__ = ["REVIEW_CODINGS_COLUMNS", "REVIEW_SHEET", "VALENCE_COLUMN", "export_review_sheet",
           "read_review_sheet", "read_review_table"]

REVIEW = "review"
REVIEW_CODINGS_COLUMNS = (*C.CODINGS_COLUMNS, REVIEW)
"""Columns of :func:`read_review_sheet`: the Codings table plus ``review`` (kept / added)."""


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
    keys, texts = _checked_answers(answers, codings)
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
    present, evidence = _present_and_evidence(cod, keys, codes)
    wb = workbook(answers, keys, texts, codes, present, evidence, _valence_for(valence, keys), cod, codebook)
    try:
        wb.save(Path(path))
    except OSError as exc:
        raise OutputError(f"cannot write the review sheet ({exc.strerror}).", file=path,
                          fix="choose a folder you can write to, and close the file in Excel.") from None
    return Path(path)


def _checked_answers(answers: Any, codings: Any) -> tuple[pd.Series, pd.Series]:
    """The answers' keys and texts, once the inputs are checked."""
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
    return keys, texts


def _present_and_evidence(cod: pd.DataFrame, keys: pd.Series, codes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per answer × code 0/1, and per answer its "code: evidence" lines."""
    counts = pd.crosstab(cod["_key"], cod["_code"]).reindex(index=keys, columns=codes, fill_value=0)
    present = (counts.to_numpy() > 0).astype(int)
    if C.EVIDENCE in cod.columns and len(cod):
        ev = (cod["_code"] + ": " + cod[C.EVIDENCE].fillna("").astype(str)).groupby(cod["_key"]).agg("\n".join)
        evidence = ev.reindex(keys).to_numpy(dtype=object)
    else:
        evidence = np.full(len(keys), None, dtype=object)
    return present, evidence


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
    wb = _open_review(path)
    codes, sheet = _coding_sheet(wb, Path(path))
    values = _code_values(sheet, codes, Path(path))
    return _reviewed_codings(wb, sheet, codes, values, coder)


def _open_review(path: str | Path) -> Any:
    """The workbook of a review sheet written by evaltool (an InputError otherwise)."""
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
    return wb


def _coding_sheet(wb: Any, path: Path) -> tuple[list[str], pd.DataFrame]:
    """The codes of the sheet and its rows with an answer id."""
    meta = {row[0]: list(row[1:]) for row in wb[_META].iter_rows(values_only=True) if row and row[0]}
    codes = [str(c) for c in meta.get("codes", []) if c is not None]
    rows = list(wb[REVIEW_SHEET].iter_rows(values_only=True))
    header = [None if h is None else str(h) for h in rows[0]]
    miss = [c for c in (C.RESPONSE_ID, C.TEXT, _LENGTH, *codes) if c not in header]
    if miss:
        raise InputError(f"the sheet '{REVIEW_SHEET}' lacks the column(s) {miss}.", file=path,
                         fix="do not rename or delete columns; start again from the exported sheet.")
    sheet = pd.DataFrame(rows[1:], columns=header, dtype=object)
    return codes, sheet[sheet[C.RESPONSE_ID].notna()].reset_index(drop=True)


def _code_values(sheet: pd.DataFrame, codes: list[str], path: Path) -> np.ndarray:
    """(answers, codes) booleans: code cells set to 1; a problem table unless all are 0, 1 or
    empty (empty read as 0, with a warning)."""
    sheet_rows = sheet.index.to_numpy() + 2
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
                      EvaltoolWarning, stacklevel=3)
    return values


def _reviewed_codings(wb: Any, sheet: pd.DataFrame, codes: list[str], values: np.ndarray,
                      coder: str) -> pd.DataFrame:
    """The codes set to 1: with their original spans when kept, whole-answer when added."""
    keys = sheet[C.RESPONSE_ID].map(_key_text).to_numpy(dtype=object)
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
