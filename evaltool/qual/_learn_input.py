"""Reading a team's coding for coding by example (private): long, wide, files, REFI-QDA.

:func:`coded_answers` returns the coded answers (``response_id, text`` and ``question`` when
known), an answers × codes 0/1 matrix and, when the coding carries it, each answer's valence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import DataProblemsError, InputError, ParameterError

__all__ = ["CodedAnswers", "coded_answers", "key_of"]

VALENCE = "valence"
VALUE = "value"
_VALENCES = ("positive", "negative", "mixed", "neutral")
_NOT_CODES = {C.RESPONSE_ID, C.PARTICIPANT_ID, C.TIMEPOINT, C.QUESTION, C.TEXT, C.EVIDENCE,
              C.CODER, C.COHORT, "profession", "reviewer_note", "row", "_n_chars", VALENCE}


def key_of(v: Any) -> str:
    """An answer id as text (12, 12.0 and "12" are the same answer)."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


@dataclass
class CodedAnswers:
    frame: pd.DataFrame            # response_id (original), text, question (if known)
    texts: list[str]
    questions: list[str] | None
    y: np.ndarray                  # (n, k) bool
    codes: list[str]
    valence: np.ndarray | None     # (n,) str, "" = not valued

    def long_codings(self, rows: np.ndarray) -> pd.DataFrame:
        """The coding of the answers ``rows`` as long codings (valence as ``value`` rows)."""
        ids = self.frame[C.RESPONSE_ID].to_numpy(dtype=object)
        out = [(ids[i], c) for i in rows for k, c in enumerate(self.codes) if self.y[i, k]]
        frame = pd.DataFrame(out, columns=[C.RESPONSE_ID, C.CODE])
        if self.valence is not None:
            vals = [(ids[i], VALENCE, self.valence[i]) for i in rows if self.valence[i]]
            frame = pd.concat([frame.assign(**{VALUE: None}),
                               pd.DataFrame(vals, columns=[C.RESPONSE_ID, C.CODE, VALUE])],
                              ignore_index=True)
        return frame


def _read_table(path: Path) -> pd.DataFrame:
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return pd.read_excel(path, dtype=object)
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("file not found.", file=path, fix="check the path.") from None
    except Exception as exc:  # pandas/openpyxl raise many types
        raise InputError(f"cannot read the human coding ({type(exc).__name__}).", file=path,
                         fix="give a CSV/XLSX (one row per answer, a 0/1 column per code, or "
                             "response_id + code rows) or a .qdpx project.") from None


def _code_ids(codes: Any) -> list[str]:
    if hasattr(codes, "flat_codes"):
        return [c.id for c in codes.flat_codes() if getattr(c, "codable", True)]
    if isinstance(codes, str):
        return [codes]
    return [str(c) for c in codes]


def _wide(table: pd.DataFrame, codes: list[str] | None, source: str) -> tuple[pd.Index, np.ndarray, list[str]]:
    if codes is None:
        codes = []
        for col in table.columns:
            if str(col) in _NOT_CODES:
                continue
            vals = pd.to_numeric(table[col], errors="coerce")
            if vals.isna().all() or not vals.dropna().isin([0, 1]).all():
                continue
            codes.append(str(col))
    missing = [c for c in codes if c not in table.columns]
    if missing or not codes:
        raise ParameterError(
            f"the human coding table has no 0/1 column for code(s) {missing or '(none found)'}.",
            fix=f"one column per code holding 0 or 1; columns present: {list(table.columns)}.")
    problems = []
    y = np.zeros((len(table), len(codes)), dtype=bool)
    for k, code in enumerate(codes):
        raw = table[code]
        num = pd.to_numeric(raw, errors="coerce")
        bad = raw.notna() & ~num.isin([0, 1])
        for i in np.flatnonzero(bad.to_numpy()):
            problems.append({C.SOURCE: source, C.ROW: int(i) + 2, C.COLUMN: code,
                             C.VALUE: str(raw.iloc[i]), C.RULE: "not_0_or_1",
                             C.MESSAGE: "a code cell must be 0 or 1 (empty = 0)",
                             C.FIX: "type 1 if the code applies, 0 if not", C.SEVERITY: "error"})
        y[:, k] = (num == 1).to_numpy()
    if problems:
        raise DataProblemsError(f"{len(problems)} cell(s) of the human coding are not 0 or 1.",
                                pd.DataFrame(problems, columns=list(C.PROBLEM_COLUMNS)),
                                fix="see the problems table.")
    return pd.Index(table[C.RESPONSE_ID].map(key_of), dtype=object), y, codes


def _valence_values(values: pd.Series) -> np.ndarray:
    v = values.fillna("").astype(str).str.strip().str.lower().to_numpy(dtype=object)
    bad = sorted({x for x in v if x and x not in _VALENCES})
    if bad:
        raise ParameterError(f"valence values {bad[:5]} are not one of {list(_VALENCES)}.",
                             fix="code valence as positive, negative, mixed or neutral (or leave it empty).")
    return v


def coded_answers(answers: pd.DataFrame | None, human: Any, codes: Sequence[str] | Any | None,
                  question: str | None) -> CodedAnswers:
    """The coded answers, their 0/1 coding per code and (if given) their valence."""
    code_list = None if codes is None else _code_ids(codes)
    if isinstance(human, str | Path):
        path = Path(human)
        if path.suffix.lower() == ".qdpx":
            from .qdpx import read_qdpx

            proj = read_qdpx(path)
            human = proj.codings
            answers = proj.answers if answers is None else answers
        else:
            human = _read_table(path)
    if not isinstance(human, pd.DataFrame):
        raise ParameterError("The 'human_codings' parameter of train_coder() must be a DataFrame "
                             f"or a path. Got {type(human).__name__} instead.")
    if C.RESPONSE_ID not in human.columns:
        raise ParameterError("The human coding lacks a 'response_id' column.",
                             fix=f"columns present: {list(human.columns)}.")
    if answers is None:
        if C.TEXT not in human.columns or C.CODE in human.columns:
            raise ParameterError("train_coder() needs the answers (response_id, text).",
                                 fix="pass answers=, or a wide coding table with a 'text' column.")
        answers = human[[c for c in (C.RESPONSE_ID, C.QUESTION, C.TEXT) if c in human.columns]]
    for col in (C.RESPONSE_ID, C.TEXT):
        if col not in answers.columns:
            raise ParameterError(f"The answers lack the column '{col}'.",
                                 fix=f"columns present: {list(answers.columns)}.")
    keys = pd.Index(answers[C.RESPONSE_ID].map(key_of), dtype=object)
    if keys.duplicated().any():
        raise ParameterError("response_id is not unique in the answers.",
                             fix="give every answer its own response_id.")
    has_q = question is not None and question in answers.columns
    valence: np.ndarray | None = None
    if C.CODE in human.columns:  # long codings: every answer given is a coded answer
        hk = human[C.RESPONSE_ID].map(key_of)
        outside = ~hk.isin(keys)
        if outside.any():
            raise ParameterError(f"{int(outside.sum())} human coding(s) refer to answers that are "
                                 "not in the answers.", fix="pass the answers the person coded.")
        is_val = (human[C.CODE].astype(str) == VALENCE).to_numpy().copy()
        if VALUE in human.columns:
            is_val &= human[VALUE].notna().to_numpy()
        if is_val.any():
            valence = np.array([""] * len(keys), dtype=object)
            vi = keys.get_indexer(pd.Index(hk[is_val]))
            valence[vi] = _valence_values(human.loc[is_val, VALUE])
        coded = human[~is_val]
        code_list = code_list or sorted(set(coded[C.CODE].astype(str)))
        y = np.zeros((len(keys), len(code_list)), dtype=bool)
        ci = pd.Index(code_list).get_indexer(pd.Index(coded[C.CODE].astype(str)))
        ui = keys.get_indexer(pd.Index(coded[C.RESPONSE_ID].map(key_of)))
        ok = ci >= 0
        y[ui[ok], ci[ok]] = True
        frame = answers.reset_index(drop=True)
    else:
        ids, y, code_list = _wide(human, code_list, "human_codings")
        known = ids.isin(keys)
        if not known.all():
            raise ParameterError(f"{int((~known).sum())} row(s) of the human coding table refer to "
                                 "answers that are not in the answers.",
                                 fix="pass the answers the person coded.")
        if ids.duplicated().any():
            raise ParameterError("response_id appears twice in the human coding table.",
                                 fix="one row per answer.")
        frame = answers.iloc[keys.get_indexer(ids)].reset_index(drop=True)
        if VALENCE in human.columns:
            valence = _valence_values(human[VALENCE].reset_index(drop=True))
            if not (valence != "").any():  # an empty valence column: nobody valued an answer
                valence = None
    keep = [c for c in (C.RESPONSE_ID, C.QUESTION, C.TEXT) if c in frame.columns]
    frame = frame[keep].copy()
    frame[C.TEXT] = frame[C.TEXT].fillna("").astype(str)
    questions = frame[question].fillna("").astype(str).tolist() if has_q else None
    if not has_q and C.QUESTION in frame.columns:
        frame = frame.drop(columns=C.QUESTION)
    return CodedAnswers(frame=frame, texts=frame[C.TEXT].tolist(), questions=questions, y=y,
                        codes=list(code_list), valence=valence)
