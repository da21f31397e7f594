"""Microsoft Forms response workbooks (.xlsx; a CSV saved from one works too).

One header row: ``ID``, ``Start time``, ``Completion time``, ``Email``, ``Name`` (and
``Last modified time`` in newer workbooks), then one column per question headed by its
text. Quizzes add ``Total points``, ``Quiz feedback`` and, per question, ``Points - <q>`` and
``Feedback - <q>``. Multi-select answers are joined with ``;`` (with a trailing ``;``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ._base import Export, Source, load_grid, open_source, start_draft

__all__ = ["MSFORMS_METADATA", "read_msforms"]

MSFORMS_METADATA = (
    "ID", "Start time", "Completion time", "Email", "Name", "Last modified time",
    "Total points", "Quiz feedback", "Grade posted time",
)
"""Columns Microsoft Forms adds (quiz columns ``Points - <q>``/``Feedback - <q>`` too)."""

_QUIZ_PREFIXES = ("Points - ", "Feedback - ")


def read_msforms(path: str | Path, *, encoding: str | None = None,
                 sheet: str | int | None = None) -> Export:
    """Read a Microsoft Forms response workbook.

    Parameters
    ----------
    path
        The ``.xlsx`` downloaded from Forms ("Open results in Excel"), or a CSV of it.
    encoding, sheet
        As in :func:`read_export`.

    Returns
    -------
    Export
        ``data``: ``row`` (the first response is row 2) then every column with Excel's
        cell types (``ID`` a number, times as datetimes, answers as text).
        ``info``: ``format`` ``"msforms"``; ``question_text`` (the headers of question
        columns); ``metadata_columns`` (ID, times, Email, Name, quiz totals and the
        ``Points - <q>`` / ``Feedback - <q>`` columns); ``column_groups`` (question → its
        quiz columns); ``multi_select`` (columns whose answers are joined with ``;``);
        ``choice_text`` True.

    Notes
    -----
    Microsoft documents that response-workbook columns can come out of question order
    (workaround: "Sync all responses to a new workbook"); columns are read by name, so the
    order does not matter here.

    Examples
    --------
    >>> exp = read_msforms("tests/data/exports/msforms_quiz.xlsx")
    >>> exp.info.format, exp.data["row"].tolist()[:2]
    ('msforms', [2, 3])
    """
    return from_source(open_source(path, encoding=encoding, sheet=sheet))


def from_source(src: Source) -> Export:
    grid, fixed = load_grid(src, 1)
    draft = start_draft(src, grid, list(grid.header[0]), "msforms", 1, fixed)
    data = draft.data
    cols = [c for c in data.columns if c != "row"]
    meta = [c for c in cols if c in MSFORMS_METADATA or c.startswith(_QUIZ_PREFIXES)]
    questions = [c for c in cols if c not in meta]
    draft.metadata_columns = meta
    draft.question_text = {c: c for c in questions}
    groups = {}
    for q in questions:
        quiz = tuple(p + q for p in _QUIZ_PREFIXES if p + q in data.columns)
        if quiz:
            groups[q] = (q, *quiz)
    draft.column_groups = groups
    draft.multi_select = {c: ";" for c in questions if _joined_with_semicolons(data[c])}
    draft.choice_text = True
    draft.id_preferred = ["Email", "Name", "ID"]
    draft.date_columns = ["Start time", "Completion time"]
    return draft.finish()


def _joined_with_semicolons(s: pd.Series) -> bool:
    if not (pd.api.types.is_string_dtype(s.dtype) or s.dtype == object):
        return False
    t = s.dropna().astype(str)
    return bool(len(t)) and bool(t.str.endswith(";").mean() >= 0.5)
