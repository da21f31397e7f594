"""Plain tables: CSV/TSV/XLSX with one header row and one row per response."""

from __future__ import annotations

import re
from pathlib import Path

from ._base import Export, Source, load_grid, open_source, start_draft

__all__ = ["read_plain"]


def read_plain(path: str | Path, *, encoding: str | None = None,
               sheet: str | int | None = None) -> Export:
    """Read a plain CSV, TSV or XLSX table (one header row, one row per response).

    Parameters
    ----------
    path
        The file (``.csv``, ``.tsv``, ``.txt`` or ``.xlsx``). It is never modified.
    encoding
        Text encoding; default: detected (UTF-8, UTF-8/16 with BOM, cp1252).
    sheet
        Worksheet name or 0-based position for workbooks (default: the first).

    Returns
    -------
    Export
        ``data``: ``row`` (the spreadsheet row of the record, header counted) then every
        column as read — text files give text (empty cells missing), workbooks give the
        cell types. ``info``: see :class:`ExportInfo`; ``format`` is ``"plain"``.

    Notes
    -----
    The separator (comma, semicolon or tab) is sniffed from the first records. Nothing is
    dropped except unnamed empty columns at the end (trailing separators), which is noted
    in ``info.repairs``.

    Examples
    --------
    >>> exp = read_plain("tests/data/exports/plain.csv")
    >>> list(exp.data.columns)[:3], exp.data["row"].tolist()[:2]
    (['row', 'participant_id', 'timepoint'], [2, 3])
    """
    return from_source(open_source(path, encoding=encoding, sheet=sheet))


def from_source(src: Source) -> Export:
    grid, fixed = load_grid(src, 1)
    draft = start_draft(src, grid, list(grid.header[0]) if grid.header else [], "plain", 1, fixed)
    draft.date_columns = [c for c in draft.data.columns if c != "row" and _DATE_NAME.search(str(c))]
    return draft.finish()


_DATE_NAME = re.compile(r"(?i)(start|submit|complet|record|response).*(date|time)|^(date|timestamp|submitted)$")
