"""Qualtrics exports: CSV/TSV/XLSX with three header rows (current) or two (legacy).

Current layout (since 2017): row 1 field ids (``StartDate``, ``ResponseId``, ``Q1``,
``Q2_1`` …), row 2 question text, row 3 JSON such as ``{"ImportId":"QID1"}``. Legacy layout:
row 1 ``V1..Vn`` for metadata and question ids for questions, row 2 names/question text.
TSV exports are UTF-16 LE with a BOM. Values are choice text or numeric codes, depending on
the export option.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ._base import Export, Source, StatusRule, load_grid, open_source, start_draft

__all__ = [
    "QUALTRICS_METADATA",
    "QUALTRICS_STATUS_LABELS",
    "read_qualtrics",
]

QUALTRICS_METADATA = (
    "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
    "Finished", "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName",
    "RecipientEmail", "ExternalReference", "LocationLatitude", "LocationLongitude",
    "DistributionChannel", "UserLanguage",
    # legacy (two header rows) names
    "ResponseID", "ResponseSet", "Name", "ExternalDataReference", "EmailAddress",
    "LocationAccuracy",
)
"""Columns Qualtrics adds to every export (current and legacy names)."""

_META_IMPORT_IDS = {
    "startDate", "endDate", "status", "ipAddress", "progress", "duration", "finished",
    "recordedDate", "_recordId", "recipientLastName", "recipientFirstName", "recipientEmail",
    "externalDataReference", "locationLatitude", "locationLongitude", "distributionChannel",
    "userLanguage",
}

QUALTRICS_STATUS_LABELS = {
    "0": "IP Address", "1": "Survey Preview", "2": "Survey Test", "4": "Imported", "8": "Spam",
    "9": "Survey Preview Spam", "12": "Imported Spam", "16": "Offline",
    "17": "Offline Survey Preview", "32": "EX", "40": "EX Spam", "48": "EX Offline",
    "256": "Synthetic",
}
"""Response types in the ``Status`` column: numeric exports hold the code, choice-text
exports the label (the value labels Qualtrics writes into its own SPSS exports)."""

_TEST = ("1", "2", "9", "17", "256")
_SPAM = ("8", "12", "40")
_FINISHED_LABELS = {"0": "False", "1": "True"}
_V_RE = re.compile(r"^V\d+$")
_QID_RE = re.compile(r"^(QID\d+)")


def read_qualtrics(path: str | Path, *, encoding: str | None = None,
                   sheet: str | int | None = None) -> Export:
    """Read a Qualtrics export (CSV, TSV or XLSX; current three-row or legacy two-row header).

    Parameters
    ----------
    path
        The export; never modified.
    encoding
        Text encoding; default: detected (TSV exports are UTF-16 LE with a BOM).
    sheet
        Worksheet of an XLSX export (default: the first).

    Returns
    -------
    Export
        ``data``: ``row`` (spreadsheet row; the first response is row 4, or 3 in the legacy
        layout) then every column, named by the field ids of header row 1 (legacy ``V1..Vn``
        columns by their row-2 names such as ``ResponseID``), values as text.
        ``info``: ``format`` ``"qualtrics"`` or ``"qualtrics_legacy"``; ``question_text``
        from row 2; ``import_ids`` from row 3; ``value_labels`` for ``Status`` (numeric
        exports) and ``Finished``; ``choice_text`` from the ``Status`` values;
        ``status_rules`` marking preview/test (Status 1, 2, 9, 17, 256 or their labels),
        spam (8, 12, 40) and unfinished (Finished 0/False) responses — kept in ``data``.

    Notes
    -----
    Layout as documented by Qualtrics and read by ``qualtRics::read_survey`` (three header
    rows, ``{"ImportId": ...}`` JSON in row 3; ``legacy = TRUE`` for two rows). Checked
    against the real exports in ``tests/reference/real-exports/qualtrics``.

    Examples
    --------
    >>> exp = read_qualtrics("tests/reference/real-exports/qualtrics/sample.csv")
    >>> exp.info.format, exp.data["row"].tolist(), exp.info.import_ids["Q1"]
    ('qualtrics', [4], 'QID1')
    """
    return from_source(open_source(path, encoding=encoding, sheet=sheet))


def is_legacy(head: list[list[str]]) -> bool:
    """Row 1 starts ``V1, V2, …`` (the pre-2017 export)."""
    first = [c.strip() for c in head[0][:3]]
    return len(first) >= 2 and all(_V_RE.match(c) for c in first[:2])


def _import_id(cell: str | None) -> str | None:
    if not cell:
        return None
    try:
        obj = json.loads(cell)
    except ValueError:
        return cell
    if isinstance(obj, dict) and "ImportId" in obj:
        return str(obj["ImportId"])
    return cell


def from_source(src: Source, legacy: bool | None = None) -> Export:
    """Read an opened source; ``legacy`` None = decide from the header."""
    if legacy is None:
        legacy = is_legacy(src.head)
    k = 2 if legacy else 3
    grid, fixed = load_grid(src, k)
    row1 = list(grid.header[0])
    row2 = list(grid.header[1]) if len(grid.header) > 1 else [None] * len(row1)
    if legacy:
        names = [r2 if (r1 and _V_RE.match(r1) and r2) else r1 for r1, r2 in zip(row1, row2, strict=True)]
    else:
        names = row1
    draft = start_draft(src, grid, names, "qualtrics_legacy" if legacy else "qualtrics", k, fixed)
    cols = [c for c in draft.data.columns if c != "row"]
    draft.question_text = {c: t for c, t in zip(cols, row2, strict=False) if t}
    meta = [c for c in cols if c in QUALTRICS_METADATA]
    if not legacy and len(grid.header) > 2:
        ids = {c: _import_id(cell) for c, cell in zip(cols, grid.header[2], strict=False)}
        draft.import_ids = {c: v for c, v in ids.items() if v}
        meta += [c for c, v in draft.import_ids.items() if v in _META_IMPORT_IDS and c not in meta]
        groups: dict[str, list[str]] = {}
        for c, v in draft.import_ids.items():
            m = _QID_RE.match(v)
            if m:
                groups.setdefault(m.group(1), []).append(c)
        draft.column_groups = {q: tuple(cs) for q, cs in groups.items() if len(cs) > 1}
    draft.metadata_columns = meta
    data = draft.data
    people = [c for c in cols if c not in meta]
    draft.id_preferred = [
        c for c in cols if c in people and re.search(r"(?i)(participant|pseudonym|study.?code|staff.?(id|number)|^pid$|^id$|_id$|code$)", c)
    ] + ["ExternalReference", "ExternalDataReference", "RecipientEmail", "EmailAddress",
         "ResponseId", "ResponseID"]
    if "Status" in data.columns:
        status = data["Status"].dropna().astype(str).str.strip()
        numeric = status.str.fullmatch(r"\d+")
        if len(status):
            draft.choice_text = not bool(numeric.all())
        if not draft.choice_text:
            draft.value_labels["Status"] = dict(QUALTRICS_STATUS_LABELS)
        draft.status_rules += [
            StatusRule("Status", frozenset(_TEST) | {QUALTRICS_STATUS_LABELS[c] for c in _TEST},
                       "test", "Qualtrics preview or test response (Status)"),
            StatusRule("Status", frozenset(_SPAM) | {QUALTRICS_STATUS_LABELS[c] for c in _SPAM},
                       "spam", "flagged as spam by Qualtrics (Status)"),
        ]
    if "DistributionChannel" in data.columns:
        draft.status_rules.append(StatusRule(
            "DistributionChannel", frozenset({"preview", "test", "Preview", "Test"}), "test",
            "Qualtrics preview or test response (DistributionChannel)"))
    draft.date_columns = ["StartDate", "RecordedDate", "EndDate"]
    draft.progress_column = "Progress"
    if "Finished" in data.columns:
        fin = data["Finished"].dropna().astype(str).str.strip()
        if draft.choice_text is None and len(fin):
            draft.choice_text = not bool(fin.isin(["0", "1"]).all())
        if not fin.isin(["True", "False", "TRUE", "FALSE"]).any():
            draft.value_labels["Finished"] = dict(_FINISHED_LABELS)
        draft.status_rules.append(StatusRule(
            "Finished", frozenset({"0", "False", "FALSE", "false"}), "incomplete",
            "the respondent did not finish the survey (Finished = 0)",
        ))
    return draft.finish()
