"""Which platform wrote an export: by extension and by the first rows of the file."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ._base import Source, open_source
from .qualtrics import is_legacy

__all__ = ["detect_format", "format_of_head", "is_spss_file"]


def is_spss_file(path: Path) -> bool:
    """The file starts with the SPSS signature (``$FL2``/``$FL3``), whatever its name."""
    try:
        with open(path, "rb") as fh:
            return fh.read(4) in (b"$FL2", b"$FL3")
    except OSError:
        return False


def format_of_head(head: list[list[str]], *, has_dictionary: bool = False,
                   path: str | Path | None = None) -> str:
    """The format whose layout matches the first records of a file.

    Parameters
    ----------
    head
        The first records (lists of cell texts), header rows first.
    has_dictionary
        A REDCap data dictionary was given.
    path
        For error messages only.

    Returns
    -------
    str
        One of ``qualtrics``, ``qualtrics_legacy``, ``surveymonkey``, ``msforms``,
        ``googleforms``, ``redcap``, ``plain``.

    Notes
    -----
    Rules, in order: a third row of ``{"ImportId": ...}`` JSON → Qualtrics; ``V1, V2, …``
    then ``ResponseID`` → legacy Qualtrics; ``Respondent ID`` and a second header row →
    SurveyMonkey; ``ID``, ``Start time``, ``Completion time`` → Microsoft Forms; first
    column ``Timestamp`` → Google Forms; a dictionary, ``redcap_*`` columns, or
    ``_complete`` columns with ``___`` checkbox/``_timestamp`` columns or ``record_id`` →
    REDCap; anything else → plain.

    Examples
    --------
    >>> format_of_head([["ID", "Start time", "Completion time", "Email", "Name", "Q1"]])
    'msforms'
    """
    r0 = [(c or "").strip() for c in head[0]]
    r1 = [(c or "").strip() for c in head[1]] if len(head) > 1 else []
    r2 = [(c or "").strip() for c in head[2]] if len(head) > 2 else []
    if r0 and r0[0].lower() == "variable / field name":
        raise InputError(
            "is a REDCap data dictionary, not exported data.", file=path,
            fix="pass the data export as the file and this file as dictionary=.",
        )
    filled = [c for c in r2 if c]
    if filled and sum(c.startswith('{"ImportId"') for c in filled) >= max(1, len(filled) // 2):
        return "qualtrics"
    if len(head) > 1 and is_legacy(head) and {"ResponseID", "ResponseSet"} & set(r1):
        return "qualtrics_legacy"
    if "Respondent ID" in r0 and r1:
        j = r0.index("Respondent ID")
        if not r1[j] or {"Response", "Open-Ended Response"} & set(r1):
            return "surveymonkey"
    if {"ID", "Start time", "Completion time"} <= set(r0):
        return "msforms"
    if r0 and r0[0] == "Timestamp":
        return "googleforms"
    names = set(r0)
    if has_dictionary or any(c.startswith("redcap_") for c in r0):
        return "redcap"
    if any(c.endswith("_complete") for c in r0) and (
        any("___" in c for c in r0) or any(c.endswith("_timestamp") for c in r0)
        or (r0 and r0[0] == "record_id")
    ):
        return "redcap"
    if r0 and r0[0] == "Record ID" and ("Complete?" in names or "Event Name" in names):
        return "redcap"
    return "plain"


def detect_format(path: str | Path, *, encoding: str | None = None,
                  sheet: str | int | None = None, has_dictionary: bool = False) -> str:
    """Detect the format of an export file (see :func:`format_of_head` for the rules).

    Parameters
    ----------
    path
        The export; read, never modified.
    encoding, sheet
        As in :func:`evaltool.io.read_export`.
    has_dictionary
        A REDCap data dictionary will be given (makes an otherwise plain file REDCap).

    Returns
    -------
    str
        One of :data:`evaltool.io.FORMATS`.

    Examples
    --------
    >>> detect_format("tests/reference/real-exports/qualtrics/sample_legacy.csv")
    'qualtrics_legacy'
    """
    path = Path(path)
    if path.suffix.lower() in (".sav", ".zsav") or is_spss_file(path):
        return "spss"
    return source_format(open_source(path, encoding=encoding, sheet=sheet), has_dictionary)


def source_format(src: Source, has_dictionary: bool = False) -> str:
    return format_of_head(src.head, has_dictionary=has_dictionary, path=src.path)
