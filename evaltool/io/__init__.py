"""Reading survey exports: one reader per platform and a dispatcher, :func:`read_export`.

Every reader returns an :class:`Export`: ``data`` (a DataFrame with one row per record, a
first column ``row`` giving the row a spreadsheet shows for the record, header rows counted,
then every column as read) and ``info`` (an :class:`ExportInfo`: format, encoding, header
rows, question text, value labels, metadata and id columns, status rules for test and
incomplete responses, repairs and warnings). Readers never drop a record and never change
the file; problems with the file raise :class:`~evaltool.errors.InputError` naming the file,
the row where known, and the fix.

=======================  ==============================================================
``read_export``          detect the format (or take ``format=``) and read
``read_qualtrics``       Qualtrics CSV/TSV/XLSX, three header rows (legacy: two)
``read_redcap``          REDCap CSV, raw or labels, with an optional data dictionary
``read_surveymonkey``    SurveyMonkey CSV/XLSX, two header rows
``read_msforms``         Microsoft Forms response workbook
``read_googleforms``     Google Forms responses CSV
``read_spss``            SPSS .sav with variable and value labels (pyreadstat)
``read_plain``           any CSV/TSV/XLSX with one header row
``flag_status``          rows the export marks as test, spam or incomplete
=======================  ==============================================================
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import ParameterError, one_of
from ._base import (
    FLAG_COLUMNS,
    FORMATS,
    NOT_COMPLETED,
    Export,
    ExportFormat,
    ExportInfo,
    StatusRule,
    code_key,
    flag_status,
    open_source,
)
from .detect import detect_format, is_spss_file, source_format
from .googleforms import read_googleforms
from .msforms import read_msforms
from .plain import read_plain
from .qualtrics import read_qualtrics
from .redcap import parse_choices, read_redcap
from .spss import read_spss
from .surveymonkey import read_surveymonkey

__all__ = [
    "FLAG_COLUMNS",
    "FORMATS",
    "NOT_COMPLETED",
    "Export",
    "ExportFormat",
    "ExportInfo",
    "StatusRule",
    "code_key",
    "detect_format",
    "flag_status",
    "parse_choices",
    "read_export",
    "read_googleforms",
    "read_msforms",
    "read_plain",
    "read_qualtrics",
    "read_redcap",
    "read_spss",
    "read_surveymonkey",
]


def read_export(path: str | Path, *, format: ExportFormat | None = None,  # noqa: A002
                encoding: str | None = None, sheet: str | int | None = None,
                dictionary: str | Path | pd.DataFrame | None = None) -> Export:
    """Read a survey export of any supported platform.

    Parameters
    ----------
    path
        The export (``.csv``, ``.tsv``, ``.txt``, ``.xlsx``, ``.sav``). Never modified.
    format
        Skip detection: one of ``qualtrics``, ``qualtrics_legacy``, ``redcap``,
        ``surveymonkey``, ``msforms``, ``googleforms``, ``spss``, ``plain``.
    encoding
        Text encoding of a CSV/TSV; default: detected (UTF-8 with or without BOM, UTF-16
        with BOM, cp1252), with double-encoded UTF-8 repaired.
    sheet
        Worksheet name or 0-based position of an XLSX (default: the first).
    dictionary
        A REDCap data dictionary (CSV path or DataFrame); implies ``format="redcap"``.

    Returns
    -------
    Export
        ``data`` (``row`` then the columns as read) and ``info``; see :class:`ExportInfo`
        and the platform readers for what each format adds.

    Notes
    -----
    Detection: ``.sav``/``.zsav`` (or the SPSS signature) → SPSS; otherwise the first rows
    decide (:func:`evaltool.io.detect.format_of_head`): Qualtrics ImportId row, legacy
    ``V1`` header, SurveyMonkey ``Respondent ID`` with a second header row, Microsoft Forms
    ``ID``/``Start time``/``Completion time``, Google Forms ``Timestamp``, REDCap columns
    (``redcap_*``, ``_complete``, ``___``) or a dictionary; else plain.

    Examples
    --------
    >>> exp = read_export("tests/reference/real-exports/qualtrics/sample.csv")
    >>> exp.info.format, exp.info.header_rows, exp.data.loc[0, "row"]
    ('qualtrics', 3, np.int64(4))
    """
    if format is not None and format not in FORMATS:
        raise ParameterError(
            f"The 'format' parameter of read_export() must be one of {one_of(FORMATS)} or None. "
            f"Got {format!r} instead."
        )
    if dictionary is not None and format not in (None, "redcap"):
        raise ParameterError(
            f"The 'dictionary' parameter of read_export() is only for REDCap exports. Got "
            f"format={format!r} with a dictionary.",
            fix="leave dictionary= out, or use format='redcap'.",
        )
    path = Path(path)
    if format == "spss" or (format is None and (
            path.suffix.lower() in (".sav", ".zsav") or is_spss_file(path))):
        return read_spss(path, encoding=encoding)
    src = open_source(path, encoding=encoding, sheet=sheet)
    fmt = format or source_format(src, has_dictionary=dictionary is not None)
    if fmt in ("qualtrics", "qualtrics_legacy"):
        from .qualtrics import from_source as qualtrics

        return qualtrics(src, legacy=True if format == "qualtrics_legacy" else None)
    if fmt == "redcap":
        from .redcap import from_source as redcap

        return redcap(src, dictionary)
    from .googleforms import from_source as googleforms
    from .msforms import from_source as msforms
    from .plain import from_source as plain
    from .surveymonkey import from_source as surveymonkey

    readers = {"surveymonkey": surveymonkey, "msforms": msforms, "googleforms": googleforms}
    return readers.get(fmt, plain)(src)
