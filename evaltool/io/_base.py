"""What every reader returns (:class:`Export`, :class:`ExportInfo`) and the steps they share.

A reader turns a file into a :class:`Grid` (header rows + body + spreadsheet row numbers,
see ``_text.py`` / ``_sheet.py``), names the columns the way its platform does, and hands a
:class:`Draft` to :meth:`Draft.finish`, which adds the ``row`` column, repairs mojibake,
drops only trailing unnamed empty columns (an artefact of trailing separators), and adds the
checks common to all formats (Excel-mangled ids, repeated header rows, empty rows).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import InputError, ParameterError
from ._sheet import SheetSource, open_sheet, parse_sheet
from ._text import Grid, TextSource, open_text, parse_text, read_bytes
from .encoding import fix_text, has_mojibake, has_mojibake_bytes, repair_mojibake, sniff_binary

__all__ = [
    "FLAG_COLUMNS",
    "FORMATS",
    "NOT_COMPLETED",
    "Export",
    "ExportFormat",
    "ExportInfo",
    "StatusRule",
    "code_key",
    "flag_status",
]

ExportFormat = Literal[
    "qualtrics", "qualtrics_legacy", "redcap", "surveymonkey", "msforms", "googleforms",
    "spss", "plain",
]
FORMATS: tuple[str, ...] = get_args(ExportFormat)
StatusKind = Literal["test", "spam", "incomplete"]

NOT_COMPLETED = "[not completed]"
"""The value REDCap writes in a survey's timestamp column when the survey was started but
not submitted; readers normalise spelling variants to exactly this string."""

FLAG_COLUMNS = (C.ROW, C.COLUMN, C.VALUE, "kind", C.REASON)
"""Columns of :func:`flag_status`."""

Source = TextSource | SheetSource
EXCEL_EXTENSIONS = (".xlsx", ".xlsm")


@dataclass(frozen=True)
class StatusRule:
    """Rows whose ``column`` holds one of ``values`` are test, spam or incomplete responses.

    ``values`` are compared as text after :func:`code_key` (``1.0`` → ``"1"``).

    Examples
    --------
    >>> rule = StatusRule(column="Finished", values=frozenset({"0", "False"}),
    ...                   kind="incomplete", reason="the respondent did not finish the survey")
    >>> code_key(0.0) in rule.values, rule.kind
    (True, 'incomplete')
    """

    column: str
    values: frozenset[str]
    kind: StatusKind
    reason: str


@dataclass(frozen=True)
class ExportInfo:
    """What a reader learned about an export besides the data.

    Attributes
    ----------
    path, format, encoding, header_rows
        The file, its detected format (one of :data:`FORMATS`), the text encoding it was
        written in (None for XLSX) and how many header rows precede the data.
    question_text
        column → question text (Qualtrics row 2, SurveyMonkey rows 1–2, REDCap field
        labels, SPSS variable labels, MS/Google Forms headers).
    import_ids
        column → Qualtrics ImportId (``QID1``, ``_recordId``, ``startDate`` …).
    value_labels
        column → {code: label}, codes as text (``"1"``) — SPSS value labels, the REDCap
        data dictionary, Qualtrics ``Status``/``Finished`` codes.
    choice_text
        True when answers are labels (choice text), False when codes, None when unknown.
    metadata_columns
        Columns the platform adds (dates, status, progress, ids, quiz points …).
    id_column_candidates
        Columns that may identify participants, best first.
    timepoint_column
        A column naming the wave (REDCap ``redcap_event_name``), if any.
    repairs, warnings
        Human-readable notes: what the reader changed (never values, except mojibake and
        documented markers) and what the user should check. They never contain answers.
    delimiter, sheet
        The separator of a text file; the worksheet read from a workbook.
    header_cells
        column → the header cells above it, as in the file (for multi-row headers).
    column_groups
        question → its columns (SurveyMonkey multi-column questions, REDCap checkboxes,
        Qualtrics matrix/multi-select columns sharing a question id).
    checkbox_groups
        REDCap checkbox field → {column: choice label}.
    multi_select
        column → separator, for cells that join several chosen options (Google Forms
        ``", "``, Microsoft Forms ``";"``).
    status_rules
        :class:`StatusRule` objects marking preview/test/spam/incomplete responses; apply
        them with :func:`flag_status`. Readers never drop these rows.
    markers
        Special values the format defines → meaning (e.g. ``"[not completed]"``).
    missing_values
        SPSS user-missing codes per column (set to missing unless kept).

    Examples
    --------
    >>> from evaltool import read_export
    >>> from evaltool.examples import example_study_dir
    >>> info = read_export(example_study_dir() / "qualtrics" / "T1_baseline.csv").info
    >>> info.format, info.encoding, info.header_rows
    ('qualtrics', 'utf-8-sig', 3)
    >>> info.question_text["Q_PID"]
    'Please enter your participant code (from your invitation e-mail)'
    """

    path: str
    format: str
    encoding: str | None
    header_rows: int
    question_text: dict[str, str] = field(default_factory=dict)
    import_ids: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    choice_text: bool | None = None
    metadata_columns: tuple[str, ...] = ()
    id_column_candidates: tuple[str, ...] = ()
    timepoint_column: str | None = None
    repairs: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    delimiter: str | None = None
    sheet: str | None = None
    header_cells: dict[str, tuple[str | None, ...]] = field(default_factory=dict)
    column_groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    checkbox_groups: dict[str, dict[str, str]] = field(default_factory=dict)
    multi_select: dict[str, str] = field(default_factory=dict)
    status_rules: tuple[StatusRule, ...] = ()
    markers: dict[str, str] = field(default_factory=dict)
    missing_values: dict[str, tuple[Any, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Export:
    """A survey export: ``data`` (one row per record, first column ``row``) and ``info``.

    ``row`` is the line number a spreadsheet would show, so problems can point at it.

    Examples
    --------
    >>> from evaltool import read_export
    >>> from evaltool.examples import example_study_dir
    >>> export = read_export(example_study_dir() / "qualtrics" / "T1_baseline.csv")
    >>> export.data.shape, export.data.columns[0], int(export.data["row"].iloc[0])
    ((67, 59), 'row', 4)
    """

    data: pd.DataFrame
    info: ExportInfo

    def __repr__(self) -> str:
        n, m = self.data.shape
        return (f"Export(format={self.info.format!r}, path={self.info.path!r}, "
                f"rows={n}, columns={m - 1})")


def code_key(value: Any) -> str:
    """A code as text, the way :attr:`ExportInfo.value_labels` keys are written.

    Parameters
    ----------
    value
        A code as read from an export (number, boolean or text).

    Returns
    -------
    str
        Whole numbers without a decimal point, other numbers as ``repr``, text stripped.

    Examples
    --------
    >>> code_key(1.0), code_key(2), code_key(" 3 "), code_key(0.5)
    ('1', '2', '3', '0.5')
    """
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return str(value).strip()


def _codes_as_text(s: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("Int64").astype("string")
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s.map(lambda v: None if pd.isna(v) else code_key(v)).astype("string")
    if s.dtype == object:
        return s.map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else code_key(v)).astype("string")
    return s.astype("string").str.strip()


def flag_status(export: Export) -> pd.DataFrame:
    """Rows that the export's :attr:`ExportInfo.status_rules` mark as test, spam or incomplete.

    Parameters
    ----------
    export
        The result of a reader (not modified).

    Returns
    -------
    DataFrame
        One row per flagged record and rule: ``row`` (spreadsheet row), ``column``,
        ``value`` (the status code, never an answer), ``kind`` (``test``, ``spam`` or
        ``incomplete``), ``reason``.

    Examples
    --------
    >>> from evaltool.io import read_export
    >>> exp = read_export("tests/data/exports/qualtrics_numeric.csv")
    >>> flag_status(exp)[["row", "kind"]].head(1).to_dict("records")
    [{'row': 4, 'kind': 'test'}]
    """
    parts = []
    data = export.data
    for rule in export.info.status_rules:
        if rule.column not in data.columns:
            continue
        text = _codes_as_text(data[rule.column])
        mask = text.isin(list(rule.values)).to_numpy(dtype=bool, na_value=False)
        if mask.any():
            parts.append(pd.DataFrame({
                C.ROW: data[C.ROW].to_numpy()[mask], C.COLUMN: rule.column,
                C.VALUE: np.asarray(text.astype(object).where(text.notna(), None))[mask],
                "kind": rule.kind, C.REASON: rule.reason,
            }))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FLAG_COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values([C.ROW, "kind"], kind="stable").reset_index(drop=True)[list(FLAG_COLUMNS)]


# --------------------------------------------------------------------------------------
# shared steps
# --------------------------------------------------------------------------------------
def load_grid(src: Source, header_rows: int) -> tuple[Grid, int]:
    """Parse the source; repair mojibake in header cells. Returns (grid, cells repaired)."""
    grid = parse_text(src, header_rows) if isinstance(src, TextSource) else parse_sheet(src, header_rows)
    fixed = 0
    if any(has_mojibake(v) for r in grid.header for v in r if v):
        for r in grid.header:
            for j, v in enumerate(r):
                if v:
                    new = fix_text(v)
                    if new != v:
                        r[j] = new
                        fixed += 1
    return grid, fixed


def unique_names(names: list[str | None]) -> tuple[list[str], list[str]]:
    """Blank names become ``Unnamed: i``; repeats get ``.1``, ``.2`` (as pandas does)."""
    out: list[str] = []
    seen: dict[str, int] = {}
    dupes: list[str] = []
    taken = {C.ROW}
    for i, nm in enumerate(names):
        base = (nm or "").strip() or f"Unnamed: {i}"
        name = base
        if name in taken:
            k = seen.get(base, 0)
            while name in taken:
                k += 1
                name = f"{base}.{k}"
            seen[base] = k
            dupes.append(base)
        taken.add(name)
        out.append(name)
    return out, dupes


_ID_RE = re.compile(
    r"^((participant|subject|respondent|person|staff|employee|study|record|pseudonym|anon|user|"
    r"external)_?)?(id|code|number|no|nr|identifier|key|reference|ref)$|"
    r"^(pid|sid|uid|participant|pseudonym)$|(^|_)e_?mail(_address)?$"
)
_TIMEPOINT_RE = re.compile(r"^(timepoint|time_point|wave|visit|time|event|occasion|phase|redcap_event_name)$")


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def guess_id_columns(columns: list[str], preferred: list[str] | tuple[str, ...] = ()) -> tuple[str, ...]:
    """Preferred columns that exist, then columns whose names look like ids or e-mails."""
    cols = [c for c in columns if c != C.ROW]
    out = list(dict.fromkeys(c for c in preferred if c in cols))
    out += [c for c in cols if c not in out and _ID_RE.search(_norm(c))]
    return tuple(out)


def guess_timepoint_column(columns: list[str]) -> str | None:
    for c in columns:
        if c != C.ROW and _TIMEPOINT_RE.match(_norm(c)):
            return c
    return None


_SCI = r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$"


def excel_id_warnings(data: pd.DataFrame, columns: tuple[str, ...]) -> list[str]:
    """Ids a spreadsheet probably changed: scientific notation, ``.0`` suffix, lost zeros."""
    out = []
    for col in columns[:3]:
        s = data[col]
        if not (pd.api.types.is_string_dtype(s.dtype) or s.dtype == object):
            continue
        t = s.astype("string")
        # one pass first: only columns with number-like values can have been mangled
        if not t.str.match(r"^[+-]?\d[\d.]*([eE][+-]?\d+)?$").any():
            continue
        rows = data[C.ROW].to_numpy()

        def first(mask: np.ndarray, rows: np.ndarray = rows) -> int:
            return int(rows[np.flatnonzero(mask)[0]])

        sci = t.str.match(_SCI).to_numpy(dtype=bool, na_value=False)
        if sci.any():
            out.append(
                f"column '{col}': {int(sci.sum())} value(s) are in scientific notation (first at row "
                f"{first(sci)}), as Excel writes long numbers; the original ids cannot be recovered "
                "from this file. Fix: export again and do not open and save the CSV in Excel, or "
                "format the column as Text."
            )
        dot0 = t.str.match(r"^\d+\.0$").to_numpy(dtype=bool, na_value=False)
        if dot0.any():
            out.append(
                f"column '{col}': {int(dot0.sum())} value(s) end in '.0' (first at row {first(dot0)}): "
                "ids were stored as numbers somewhere; check that they match the other waves."
            )
        digits = t.str.match(r"^\d+$").to_numpy(dtype=bool, na_value=False)
        if digits.any():
            lead = digits & t.str.startswith("0").to_numpy(dtype=bool, na_value=False)
            if lead.any():
                lengths = t.str.len().to_numpy(dtype="float64", na_value=np.nan)
                width = np.nanmax(np.where(lead, lengths, np.nan))
                short = digits & ~lead & (lengths < width)
                if short.any():
                    out.append(
                        f"column '{col}': some ids have leading zeros and {int(short.sum())} are "
                        f"shorter without them (first at row {first(short)}): a spreadsheet may have "
                        "removed leading zeros. Fix: restore them (e.g. zero-pad to the same width) "
                        "before linking waves."
                    )
    return out


@dataclass
class Draft:
    """A reader's result under construction; :meth:`finish` makes the :class:`Export`."""

    src: Any  # a TextSource, SheetSource or spss._SavSource
    fmt: str
    header_rows: int
    data: pd.DataFrame
    header_cells: dict[str, tuple[str | None, ...]] = field(default_factory=dict)
    question_text: dict[str, str] = field(default_factory=dict)
    import_ids: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    choice_text: bool | None = None
    metadata_columns: list[str] = field(default_factory=list)
    id_preferred: list[str] = field(default_factory=list)
    timepoint_column: str | None = None
    column_groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    checkbox_groups: dict[str, dict[str, str]] = field(default_factory=dict)
    multi_select: dict[str, str] = field(default_factory=dict)
    status_rules: list[StatusRule] = field(default_factory=list)
    markers: dict[str, str] = field(default_factory=dict)
    missing_values: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    repairs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def finish(self) -> Export:
        data = self.data
        cols = [c for c in data.columns if c != C.ROW]
        ids = guess_id_columns(cols, self.id_preferred)
        warnings = list(self.warnings) + excel_id_warnings(data, ids)
        warnings += _repeated_header_warnings(data, self.header_cells)
        empty = data[cols].isna().all(axis=1).to_numpy(dtype=bool) if cols else np.zeros(len(data), bool)
        if empty.any():
            first = int(data[C.ROW].to_numpy()[np.flatnonzero(empty)[0]])
            warnings.append(f"{int(empty.sum())} row(s) are completely empty (kept; first at row {first}).")
        timepoint = self.timepoint_column or guess_timepoint_column(cols)
        info = ExportInfo(
            path=str(self.src.path), format=self.fmt, encoding=self.src.encoding,
            header_rows=self.header_rows, question_text=self.question_text,
            import_ids=self.import_ids, value_labels=self.value_labels,
            choice_text=self.choice_text,
            metadata_columns=tuple(c for c in self.metadata_columns if c in data.columns),
            id_column_candidates=ids, timepoint_column=timepoint,
            repairs=tuple(self.repairs), warnings=tuple(warnings),
            delimiter=self.src.delimiter,
            sheet=self.src.sheet if isinstance(self.src, SheetSource) else None,
            header_cells=self.header_cells, column_groups=self.column_groups,
            checkbox_groups=self.checkbox_groups, multi_select=self.multi_select,
            status_rules=tuple(self.status_rules), markers=self.markers,
            missing_values=self.missing_values,
        )
        return Export(data, info)


def _repeated_header_warnings(data: pd.DataFrame, header_cells: dict[str, tuple[str | None, ...]]) -> list[str]:
    cols = [c for c in list(header_cells)[:5] if c in data.columns and header_cells[c] and header_cells[c][0]]
    if len(cols) < 2 or len(data) == 0:
        return []
    mask = np.ones(len(data), dtype=bool)
    for c in cols:
        s = data[c]
        if not (pd.api.types.is_string_dtype(s.dtype) or s.dtype == object):
            return []
        mask &= (s.astype("string") == header_cells[c][0]).to_numpy(dtype=bool, na_value=False)
    if not mask.any():
        return []
    first = int(data[C.ROW].to_numpy()[np.flatnonzero(mask)[0]])
    return [
        f"{int(mask.sum())} row(s) repeat the header (first at row {first}): two exports may have "
        "been pasted together. Fix: remove the extra header rows, or read the exports separately."
    ]


def start_draft(src: Source, grid: Grid, names: list[str | None], fmt: str, header_rows: int,
                header_fixed: int = 0) -> Draft:
    """Name the columns, drop trailing unnamed empty columns, repair mojibake, add ``row``."""
    path = src.path
    body = grid.body
    n = body.shape[1]
    repairs: list[str] = []
    keep = n
    while keep > 1 and not (names[keep - 1] or "").strip() and body[keep - 1].isna().all():
        keep -= 1
    if keep < n:
        repairs.append(f"dropped {n - keep} unnamed empty column(s) at the end (trailing separators).")
        body = body.iloc[:, :keep]
        names = names[:keep]
    final, dupes = unique_names(names)
    warnings = list(getattr(src, "warnings", [])) + list(grid.warnings)
    if dupes:
        shown = ", ".join(f"'{d}'" + (" (evaltool's own row-number column)" if d == C.ROW else "")
                          for d in dict.fromkeys(dupes))
        warnings.append(f"repeated column name(s) {shown} were made unique with .1, .2 suffixes.")
    if len(body) == 0:
        raise InputError(
            f"has only the header row(s) ({header_rows}) and no responses.", file=path,
            fix="check that the export includes responses (filters, date range) and export again.",
        )
    body.columns = final
    fixed = header_fixed
    check = True
    if isinstance(src, TextSource):
        check = not src.decoded.data.isascii() and has_mojibake_bytes(src.decoded.data)
    if check:
        body, n_fixed = repair_mojibake(body)
        fixed += n_fixed
    if fixed:
        repairs.append(f"repaired double-encoded UTF-8 (mojibake such as 'â€™' for '’') in {fixed} cell(s).")
    data = body
    data.insert(0, C.ROW, grid.rows)
    data.index = pd.RangeIndex(len(data))
    header_cells = {
        name: tuple(grid.header[r][j] for r in range(len(grid.header))) for j, name in enumerate(final)
    }
    return Draft(src=src, fmt=fmt, header_rows=header_rows, data=data, header_cells=header_cells,
                 repairs=repairs, warnings=warnings)



def open_source(path: str | Path, *, encoding: str | None = None,
                sheet: str | int | None = None) -> Source:
    """Open a CSV/TSV (text) or XLSX (sheet) export; refuse other binary files clearly."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext in EXCEL_EXTENSIONS:
        return open_sheet(path, sheet)
    if ext == ".xls":
        return open_sheet(path, sheet)  # explains that .xls is not read (or that it is text)
    raw = read_bytes(path)
    kind = sniff_binary(raw[:16])
    if kind == "zip":
        src = open_sheet(path, sheet)
        src.warnings.insert(0, f"the file is an Excel workbook with a '{ext}' name; it was read as XLSX.")
        return src
    if kind == "sav":
        raise InputError(
            f"is an SPSS data file with a '{ext}' name.", file=path,
            fix="rename it to .sav, or use read_export() / read_spss().",
        )
    if kind is not None:
        what = {"ole": "an old Excel (.xls) or other Office", "pdf": "a PDF", "image": "an image",
                "gzip": "a compressed (gzip)", "archive": "an archive"}.get(kind, "a binary")
        raise InputError(
            f"is not a CSV/TSV file: it is {what} file.", file=path,
            fix="export the survey as CSV, TSV or XLSX and pass that file.",
        )
    if sheet is not None:
        raise ParameterError(
            f"The 'sheet' parameter only applies to Excel workbooks (.xlsx). Got sheet={sheet!r} "
            "for a text file.", file=path, fix="leave sheet= out for CSV/TSV files.",
        )
    return open_text(path, raw, encoding)
