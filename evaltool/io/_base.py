"""What every reader returns (:class:`Export`, :class:`ExportInfo`) and the steps they share.

A reader turns a file into a :class:`Grid` (header rows + body + spreadsheet row numbers,
see ``_text.py`` / ``_sheet.py``), names the columns the way its platform does, and hands a
:class:`Draft` to :meth:`Draft.finish`, which adds the ``row`` column, repairs mojibake,
drops only trailing unnamed empty columns (an artefact of trailing separators), and adds the
checks common to all formats (Excel-mangled ids, repeated header rows, empty rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import InputError, ParameterError
from ._checks import (
    clean_controls,
    clean_header,
    data_in_header,
    excel_id_warnings,
    file_size,
    first_position,
    guess_id_columns,
    guess_timepoint_column,
    repeated_header_warnings,
)
from ._lean import lean_columns, release_memory
from ._sheet import SheetSource, open_sheet, parse_sheet
from ._text import Grid, TextSource, open_text, parse_text, read_bytes
from .encoding import fix_text, has_mojibake, repair_mojibake, sniff_binary
from .status import FLAG_COLUMNS, StatusRule, code_key, flag_status

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

NOT_COMPLETED = "[not completed]"
"""The value REDCap writes in a survey's timestamp column when the survey was started but
not submitted; readers normalise spelling variants to exactly this string."""


Source = TextSource | SheetSource
EXCEL_EXTENSIONS = (".xlsx", ".xlsm")


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
    date_columns
        Columns holding when a response was started or submitted, best first (used for a
        study's launch date).
    duplicate_columns
        Column names the file uses more than once → their 1-based positions (the later ones
        are read as ``name.1``, ``name.2``); a study must not rely on such a name.
    control_cells
        ``(row, column)`` of every cell whose control characters (vertical tab, NUL ...) were
        replaced at read time.
    first_row_is_data
        Why the header row looks like a row of answers (no header row?), or None.
    progress_column
        A column with the percentage of the survey completed (Qualtrics ``Progress``).

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
    date_columns: tuple[str, ...] = ()
    duplicate_columns: dict[str, tuple[int, ...]] = field(default_factory=dict)
    control_cells: tuple[tuple[int, str], ...] = ()
    first_row_is_data: str | None = None
    progress_column: str | None = None

    @property
    def position_kind(self) -> str:
        """How a row is located in this file: ``file line``, ``sheet row`` or ``case``."""
        return "case" if self.format == "spss" else ("sheet row" if self.sheet is not None else "file line")


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

    date_columns: list[str] = field(default_factory=list)
    duplicate_columns: dict[str, tuple[int, ...]] = field(default_factory=dict)
    progress_column: str | None = None

    @property
    def position_kind(self) -> str:
        if self.fmt == "spss":
            return "case"
        return "sheet row" if isinstance(self.src, SheetSource) else "file line"

    def _warnings(self, data: pd.DataFrame, cols: list[str], ids: tuple[str, ...]) -> list[str]:
        kind = self.position_kind
        warnings = list(self.warnings) + excel_id_warnings(data, ids, kind)
        warnings += repeated_header_warnings(data, self.header_cells, kind)
        empty = data[cols].isna().all(axis=1).to_numpy(dtype=bool) if cols else np.zeros(len(data), bool)
        if empty.any():
            warnings.append(f"{int(empty.sum())} row(s) are completely empty (kept; first at "
                            f"{first_position(data, empty, kind)}).")
        return warnings

    def finish(self) -> Export:
        # a parsed text file whose bytes hold no control character has none in any cell
        no_controls = getattr(self.src, "controls", None) is False
        data, control = (self.data, []) if no_controls else clean_controls(self.data)
        repairs = list(self.repairs)
        if control:
            repairs.append(f"replaced control characters (vertical tab, NUL ...) in {len(control)} cell(s): "
                           "line-break ones by a line break, the others removed.")
        cols = [c for c in data.columns if c != C.ROW]
        ids = guess_id_columns(cols, self.id_preferred)
        info = ExportInfo(
            path=str(self.src.path), format=self.fmt, encoding=self.src.encoding,
            header_rows=self.header_rows, question_text=self.question_text,
            import_ids=self.import_ids, value_labels=self.value_labels,
            choice_text=self.choice_text,
            metadata_columns=tuple(c for c in self.metadata_columns if c in data.columns),
            id_column_candidates=ids, timepoint_column=self.timepoint_column or guess_timepoint_column(cols),
            repairs=tuple(repairs), warnings=tuple(self._warnings(data, cols, ids)),
            delimiter=self.src.delimiter,
            sheet=self.src.sheet if isinstance(self.src, SheetSource) else None,
            header_cells=self.header_cells, column_groups=self.column_groups,
            checkbox_groups=self.checkbox_groups, multi_select=self.multi_select,
            status_rules=tuple(self.status_rules), markers=self.markers,
            missing_values=self.missing_values,
            date_columns=tuple(c for c in self.date_columns if c in data.columns),
            duplicate_columns=self.duplicate_columns, control_cells=tuple(control),
            first_row_is_data=data_in_header(cols) if self.header_rows else None,
            progress_column=self.progress_column if self.progress_column in data.columns else None,
        )
        data = lean_columns(data, skip=(C.ROW,))
        release_memory()
        return Export(data, info)


def _trim_trailing(body: pd.DataFrame, names: list[str | None]) -> tuple[pd.DataFrame, list[str | None], str | None]:
    n = body.shape[1]
    keep = n
    while keep > 1 and not (names[keep - 1] or "").strip() and body[keep - 1].isna().all():
        keep -= 1
    if keep == n:
        return body, names, None
    return (body.iloc[:, :keep], names[:keep],
            f"dropped {n - keep} unnamed empty column(s) at the end (trailing separators).")


def _duplicates(names: list[str | None]) -> dict[str, tuple[int, ...]]:
    """Column names used more than once → their 1-based positions."""
    where: dict[str, list[int]] = {}
    for j, nm in enumerate(names, 1):
        base = (nm or "").strip()
        if base:
            where.setdefault(base, []).append(j)
    return {k: tuple(v) for k, v in where.items() if len(v) > 1 or k == C.ROW}


def start_draft(src: Source, grid: Grid, names: list[str | None], fmt: str, header_rows: int,
                header_fixed: int = 0) -> Draft:
    """Name the columns, drop trailing unnamed empty columns, repair mojibake, add ``row``."""
    names, n_control = clean_header(list(names))
    body, names, trimmed = _trim_trailing(grid.body, names)
    repairs = [trimmed] if trimmed else []
    if n_control:
        repairs.append(f"removed control characters from {n_control} column name(s).")
    final, dupes = unique_names(names)
    warnings = list(getattr(src, "warnings", [])) + list(grid.warnings)
    if dupes:
        shown = ", ".join(f"'{d}'" + (" (evaltool's own row-number column)" if d == C.ROW else "")
                          for d in dict.fromkeys(dupes))
        warnings.append(f"repeated column name(s) {shown} were made unique with .1, .2 suffixes; "
                        "a study that uses one of them is refused until the columns are renamed.")
    if len(body) == 0:
        raise InputError(
            f"has only the header row(s) ({header_rows}) and no responses.", file=src.path,
            fix="check that the export includes responses (filters, date range) and export again.",
        )
    body.columns = final
    fixed = header_fixed
    check = True
    if isinstance(src, TextSource):
        check = bool(src.mojibake)
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
                 repairs=repairs, warnings=warnings, duplicate_columns=_duplicates(names))


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
            f"is not a CSV/TSV file: it is {what} file ({file_size(path)}).", file=path,
            fix="export the survey as CSV, TSV or XLSX and pass that file.",
        )
    if sheet is not None:
        raise ParameterError(
            f"The 'sheet' parameter only applies to Excel workbooks (.xlsx). Got sheet={sheet!r} "
            "for a text file.", file=path, fix="leave sheet= out for CSV/TSV files.",
        )
    return open_text(path, raw, encoding)
