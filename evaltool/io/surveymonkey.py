"""SurveyMonkey exports (CSV or XLSX, "expanded"): two header rows.

Row 1 holds the metadata column names (``Respondent ID``, ``Collector ID``, ``Start Date`` …)
and the question text, written once above the first column of a question and left blank
above its continuation columns; row 2 holds ``Response`` / ``Open-Ended Response`` for
one-column questions and the answer option or matrix row for the columns of multi-column
questions (multi-select options, matrix rows, "Other (please specify)").
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ._base import Export, Source, load_grid, open_source, start_draft

__all__ = ["SURVEYMONKEY_METADATA", "read_surveymonkey"]

SURVEYMONKEY_METADATA = (
    "Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
    "First Name", "Last Name", "Custom Data", "Custom Data 1",
)
"""Columns SurveyMonkey puts before the questions."""

_SINGLE = ("", "Response", "Open-Ended Response")
_CUSTOM_RE = re.compile(r"^Custom Data( \d+)?$")


def _is_meta(name: str | None) -> bool:
    return bool(name) and (name in SURVEYMONKEY_METADATA or bool(_CUSTOM_RE.match(str(name))))


def read_surveymonkey(path: str | Path, *, encoding: str | None = None,
                      sheet: str | int | None = None) -> Export:
    """Read a SurveyMonkey export (CSV or XLSX with two header rows).

    Parameters
    ----------
    path
        The export; never modified.
    encoding, sheet
        As in :func:`read_export`.

    Returns
    -------
    Export
        ``data``: ``row`` (the first response is row 3) then the metadata columns under their
        own names and one column per answer column named ``Q<n>`` (one-column questions) or
        ``Q<n> - <row-2 text>`` (columns of a multi-column question, e.g. ``Q3 - Workload``
        for a matrix row), ``n`` counting questions from 1 in file order. Values as text.
        ``info``: ``question_text`` (question, and `` - <option>`` for multi-column
        questions), ``header_cells`` (both header cells as in the file), ``column_groups``
        (``Q<n>`` → its columns), ``choice_text``.

    Notes
    -----
    Layout from SurveyMonkey's export documentation and public parsers (question text
    forward-filled across continuation columns). Short ``Q<n>`` names are used because
    row-1 texts are long and repeat; the study file can map items by question text.

    Examples
    --------
    >>> exp = read_surveymonkey("tests/data/exports/surveymonkey.csv")
    >>> [c for c in exp.data.columns if c.startswith("Q2")]
    ['Q2 - Workload', 'Q2 - Support from my team']
    """
    return from_source(open_source(path, encoding=encoding, sheet=sheet))


def from_source(src: Source) -> Export:
    grid, fixed = load_grid(src, 2)
    top = list(grid.header[0])
    sub = list(grid.header[1]) if len(grid.header) > 1 else [None] * len(top)
    names: list[str | None] = []
    qtext: dict[int, str] = {}
    members: dict[int, list[int]] = {}
    owner: list[int | None] = []
    qn = 0
    in_questions = False
    # columns after the last header cell (trailing separators) belong to no question
    last = max((j for j, (t, s) in enumerate(zip(top, sub, strict=True))
                if (t or "").strip() or (s or "").strip()), default=-1)
    for j, (t, s) in enumerate(zip(top, sub, strict=True)):
        t = (t or "").strip()
        if j > last:
            owner.append(None)
        elif t and _is_meta(t) and not (s or "").strip() and not in_questions:
            owner.append(None)
        elif t:
            in_questions = True
            qn += 1
            qtext[qn] = t
            members[qn] = [j]
            owner.append(qn)
        elif qn:
            members[qn].append(j)
            owner.append(qn)
        else:
            owner.append(None)
    question_text: dict[int, str] = {}
    for j, q in enumerate(owner):
        if q is None:
            names.append(top[j])
            continue
        s = (sub[j] or "").strip()
        if len(members[q]) == 1 and s in _SINGLE:
            names.append(f"Q{q}")
            question_text[j] = qtext[q]
        else:
            label = s or str(members[q].index(j) + 1)
            names.append(f"Q{q} - {label}")
            question_text[j] = f"{qtext[q]} - {label}"
    draft = start_draft(src, grid, names, "surveymonkey", 2, fixed)
    data = draft.data
    final = [c for c in data.columns if c != "row"]
    draft.question_text = {final[j]: t for j, t in question_text.items() if j < len(final)}
    draft.metadata_columns = [final[j] for j, q in enumerate(owner)
                              if q is None and j < len(final) and j <= last]
    draft.column_groups = {
        f"Q{q}": tuple(final[j] for j in js if j < len(final)) for q, js in members.items() if len(js) > 1
    }
    custom = [c for c in draft.metadata_columns if _CUSTOM_RE.match(c)]
    draft.id_preferred = custom + ["Email Address", "Respondent ID"]
    draft.date_columns = ["Start Date", "End Date"]
    closed = [final[j] for j, q in enumerate(owner)
              if q is not None and j < len(final)
              and (sub[j] or "").strip() not in ("Open-Ended Response",)
              and "specify" not in (sub[j] or "").lower()]
    draft.choice_text = _choice_text(data, closed)
    return draft.finish()


def _choice_text(data: pd.DataFrame, cols: list[str]) -> bool | None:
    seen = False
    for c in cols:
        s = data[c].dropna()
        if not len(s):
            continue
        seen = True
        num = pd.to_numeric(s.astype(str).str.strip(), errors="coerce")
        if num.isna().any():
            return True
    return False if seen else None
