"""Google Forms responses (CSV download, or the linked Google Sheet saved as XLSX).

One header row: ``Timestamp``, ``Email Address`` (when collected), ``Score`` (quizzes), then
one column per question headed by its text; grid questions give one column per row headed
``Question [Row]``. Checkbox answers are joined in one cell with ``", "``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ._base import Export, Source, load_grid, open_source, start_draft

__all__ = ["GOOGLEFORMS_METADATA", "read_googleforms"]

GOOGLEFORMS_METADATA = ("Timestamp", "Email Address", "Email address", "Username", "Score", "Total score")
"""Columns Google Forms adds before the questions."""

_GRID_RE = re.compile(r"^(.*\S)\s*\[(.+)\]$")


def read_googleforms(path: str | Path, *, encoding: str | None = None,
                     sheet: str | int | None = None) -> Export:
    """Read Google Forms responses.

    Parameters
    ----------
    path
        The CSV downloaded from the form's Responses tab (or the Sheet as XLSX).
    encoding, sheet
        As in :func:`read_export`.

    Returns
    -------
    Export
        ``data``: ``row`` (the first response is row 2) then every column as read (text).
        ``info``: ``format`` ``"googleforms"``; ``question_text`` (the headers of question
        columns); ``column_groups`` (grid question → its ``Question [Row]`` columns);
        ``multi_select`` (checkbox questions: cells joined with ``", "``, detected from the
        answers: few distinct options that recur); ``choice_text`` True.

    Notes
    -----
    A checkbox question cannot be told from a free-text question whose answers contain
    commas by the layout alone; the detection needs options that recur across respondents,
    so check ``info.multi_select`` for small samples.

    Examples
    --------
    >>> exp = read_googleforms("tests/data/exports/googleforms.csv")
    >>> exp.info.multi_select
    {'Which sessions did you attend?': ', '}
    """
    return from_source(open_source(path, encoding=encoding, sheet=sheet))


def from_source(src: Source) -> Export:
    grid, fixed = load_grid(src, 1)
    draft = start_draft(src, grid, list(grid.header[0]), "googleforms", 1, fixed)
    data = draft.data
    cols = [c for c in data.columns if c != "row"]
    meta = [c for c in cols if c in GOOGLEFORMS_METADATA]
    questions = [c for c in cols if c not in meta]
    draft.metadata_columns = meta
    draft.question_text = {c: c for c in questions}
    groups: dict[str, list[str]] = {}
    for c in questions:
        m = _GRID_RE.match(c)
        if m:
            groups.setdefault(m.group(1), []).append(c)
    draft.column_groups = {g: tuple(cs) for g, cs in groups.items() if len(cs) > 1}
    draft.multi_select = {c: ", " for c in questions if _looks_multi_select(data[c])}
    draft.choice_text = True
    draft.id_preferred = ["Email Address", "Email address", "Username"]
    draft.date_columns = ["Timestamp"]
    return draft.finish()


def _looks_multi_select(s: pd.Series) -> bool:
    """Cells joined with ", " from a small set of options that recur across respondents."""
    if not (pd.api.types.is_string_dtype(s.dtype) or s.dtype == object):
        return False
    t = s.dropna().astype(str)
    if len(t) < 3 or not t.str.contains(", ", regex=False).any():
        return False
    parts = t.str.split(", ").explode().str.strip()
    counts = parts.value_counts()
    if len(counts) > 30 or (parts.str.len() > 120).any():
        return False
    return bool((counts >= 2).mean() >= 0.6 and len(counts) <= 0.5 * len(parts))
