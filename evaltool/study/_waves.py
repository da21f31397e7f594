"""One export file of a study, row by row: timepoint, platform status, participant id, item
answers, free text and groups. Each row ends kept or with the reason it was set aside.

The platform's own rules (what a test, spam or unfinished response is) come from the reader
(:func:`evaltool.io.flag_status`); this module applies the study's choices to them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

from .. import columns as C
from .._files import sha256_file
from .._yaml import FileProblem
from ..scoring.answers import coerce_answers
from .columns_map import match_items
from .ids import normalise_ids

if TYPE_CHECKING:
    from ..instruments.schema import ResponseSet
    from ..io import Export, ExportFormat
    from .load import StudyFile
    from .model import ExportSpec
    from .resolve import StudyInstrument

PLATFORM = {"qualtrics": "Qualtrics", "qualtrics_legacy": "Qualtrics", "redcap": "REDCap",
            "surveymonkey": "SurveyMonkey", "msforms": "Microsoft Forms", "googleforms": "Google Forms",
            "spss": "SPSS", "plain": "export"}


def problem(source: object, row: object, column: object, value: object, rule: str, message: str,
            fix: str, severity: str = "error") -> dict:
    return {C.SOURCE: source, C.ROW: row, C.COLUMN: column, C.VALUE: value, C.RULE: rule,
            C.MESSAGE: message, C.FIX: fix, C.SEVERITY: severity}


@dataclass
class Wave:
    """One export file as read, and what linking learns about its rows."""

    index: int
    source: str
    path: Path
    export: Export
    spec: ExportSpec
    reason: np.ndarray = field(init=False)
    problems: list[dict] = field(default_factory=list)
    item_map: list[dict] = field(default_factory=list)
    values: dict[str, np.ndarray] = field(default_factory=dict)
    texts: dict[str, pd.Series] = field(default_factory=dict)
    tp: np.ndarray = field(init=False)
    pid: pd.Series = field(init=False)
    id_column: str = ""
    n_rows: int = field(init=False)

    def __post_init__(self) -> None:
        self.n_rows = len(self.data)
        self.reason = np.full(self.n_rows, None, dtype=object)

    def release(self) -> None:
        """Drop the rows as read and the per-row work (once they are in the linking frame):
        a study's waves are then held once, in the linked tables, not twice."""
        from dataclasses import replace

        self.export = replace(self.export, data=self.data.iloc[:0].copy())
        self.values, self.texts = {}, {}
        self.pid = self.pid.iloc[:0]
        self.tp = self.tp[:0]

    @property
    def data(self) -> pd.DataFrame:
        return self.export.data

    @property
    def rows(self) -> np.ndarray:
        return self.data[C.ROW].to_numpy()

    def exclude(self, mask: np.ndarray, why: str) -> None:
        """Set rows aside with a reason (the first reason a row gets is kept)."""
        sel = mask & pd.isna(self.reason)
        self.reason[sel] = why

    @property
    def live(self) -> np.ndarray:
        return pd.isna(self.reason)


def read_waves(study: StudyFile, say: Callable[[str], None]) -> tuple[list[Wave], list[dict]]:
    """Read every export file of the study (never modifying one); the inputs table rows."""
    from ..io import read_export

    waves, inputs = [], []
    for i, spec in enumerate(study.spec.exports):
        for rel in spec.paths:
            say(f"reading {rel}")
            path = study.resolve(rel)
            fmt = cast("ExportFormat | None", spec.format or None)
            exp = read_export(path, format=fmt, encoding=spec.encoding or None, sheet=spec.sheet or None,
                              dictionary=study.resolve(spec.dictionary) if spec.dictionary else None)
            waves.append(Wave(i, rel, path, exp, spec))
            inputs.append({"source": rel, "path": str(path), "format": exp.info.format,
                           "encoding": exp.info.encoding, "rows": len(exp.data),
                           "sha256": sha256_file(path), "repairs": "; ".join(exp.info.repairs)})
    return waves, inputs


# ------------------------------------------------------------------------------------------
# columns the study names: found, and not ambiguous
# ------------------------------------------------------------------------------------------
def find_column(data: pd.DataFrame, name: str) -> str | None:
    if name in data.columns:
        return name
    low = {str(c).casefold(): c for c in data.columns if c != C.ROW}
    return low.get(name.casefold())


def column_letters(n: int) -> str:
    """A spreadsheet's letters for column ``n`` (1 → A, 27 → AA)."""
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def ambiguous(wave: Wave, column: str, field_name: str) -> FileProblem | None:
    """A problem when ``column`` is a name the file uses more than once."""
    where = wave.export.info.duplicate_columns.get(column)
    if not where or len(where) < 2:
        return None
    cols = " and ".join(f"{j} ({column_letters(j)})" for j in where)
    return FileProblem(str(wave.path), field_name, f"columns {cols} are both named '{column}', so "
                       "evaltool cannot tell which one holds the answers",
                       "rename one of them in a copy of the export (or delete the one that is not "
                       "used) and point the study file at the copy")


def candidates_text(wave: Wave) -> str:
    """Candidate id columns by header only (never values; nothing if the header is data)."""
    from ..io._checks import header_like

    info = wave.export.info
    if info.first_row_is_data:
        return (f"the first row seems to hold answers, not column names ({info.first_row_is_data}); "
                "export the file with its header row")
    from .ids import rank_id_columns

    ranked = [c.column for c in rank_id_columns(wave.data, info)]
    cands = [c for c in dict.fromkeys(ranked + list(info.id_column_candidates)) if header_like(c)][:5]
    return f"candidates, best first: {', '.join(repr(c) for c in cands)}" if cands else "no column looks like an id"


# ------------------------------------------------------------------------------------------
# row steps
# ------------------------------------------------------------------------------------------
def assign_timepoints(wave: Wave, tps: list[str]) -> FileProblem | None:
    spec, n = wave.spec, len(wave.data)
    if spec.timepoint is not None:
        wave.tp = np.full(n, spec.timepoint, dtype=object)
        return None
    col = find_column(wave.data, spec.timepoint_column or "")
    if col is None:
        wave.tp = np.full(n, None, dtype=object)
        return FileProblem(str(wave.path), f"exports[{wave.index}].timepoint_column",
                           f"the export has no column '{spec.timepoint_column}'",
                           "write the name of the column that says which wave a row belongs to")
    raw = wave.data[col].astype("string").str.strip()
    mapping = spec.timepoint_values or {t: t for t in tps}
    wave.tp = raw.map(mapping).astype(object).to_numpy(dtype=object)
    return ambiguous(wave, col, f"exports[{wave.index}].timepoint_column")


def _exclusion_reason(kind: str, column: object, reason: str, fmt: str) -> str:
    platform = PLATFORM.get(fmt, "export")
    if reason.startswith(("test response", "progress below")):
        return reason
    label = {"test": "preview or test response", "spam": "spam response",
             "incomplete": "unfinished response"}[kind]
    return f"{label} ({platform} {column})"


def platform_status(wave: Wave, study: StudyFile) -> None:
    """Apply the reader's status rules with the study's exclusion choices."""
    from ..io import flag_status

    rules = study.spec.exclusions
    flags = flag_status(wave.export, id_column=wave.id_column or None, launch_date=wave.spec.launch_date,
                        min_progress=rules.min_progress)
    if flags.empty:
        return
    pos = pd.Series(np.arange(len(wave.data)), index=wave.rows)
    setting = {"test": rules.preview, "spam": rules.preview, "incomplete": rules.unfinished}
    fmt = str(wave.export.info.format)
    for rec in flags.to_dict("records"):
        i = int(pos[rec[C.ROW]])
        if rec["kind"] == "check":
            if wave.live[i]:
                wave.problems.append(problem(wave.source, rec[C.ROW], rec[C.COLUMN], rec[C.VALUE],
                                             "marked_incomplete", rec[C.REASON],
                                             "check the answers; set the row aside in a copy of the "
                                             "export if it is not a real response", "warning"))
            continue
        if setting[rec["kind"]] != "exclude":
            continue
        mask = np.zeros(len(wave.data), dtype=bool)
        mask[i] = True
        wave.exclude(mask, _exclusion_reason(rec["kind"], rec[C.COLUMN], rec[C.REASON], fmt))


def participant_ids(wave: Wave, study: StudyFile, widths: dict[str, int] | None,
                    links: dict[str, str]) -> None:
    pid = normalise_ids(wave.data[wave.id_column], study.spec.participant_id, widths)
    if links:
        pid = pid.map(lambda x: links.get(x, x) if isinstance(x, str) else x)
    wave.pid = pid
    wave.exclude(pd.isna(pid.to_numpy(dtype=object)), "no participant id")


def control_problems(wave: Wave) -> None:
    for row, col in wave.export.info.control_cells:
        wave.problems.append(problem(
            wave.source, row, col, None, "control_characters",
            "the answer held control characters (such as Word's vertical tab); line breaks were "
            "kept as line breaks and the others removed", "nothing to do; check the text reads as meant",
            "warning"))


# ------------------------------------------------------------------------------------------
# items
# ------------------------------------------------------------------------------------------
def _here(inst: StudyInstrument, wave: Wave, tps: list[str]) -> set[str]:
    given = set(inst.administered_at or tps)
    return {t for t in set(wave.tp) if isinstance(t, str)} & given


def match_instrument(wave: Wave, inst: StudyInstrument, tps: list[str]) -> tuple[list[dict], list[FileProblem]]:
    """Which column holds each item of ``inst`` in this export; structural problems."""
    cols = [str(c) for c in wave.data.columns if c != C.ROW]
    explicit = dict(inst.item_columns) if isinstance(inst.item_columns, dict) else {}
    explicit.update({k: v for k, v in wave.spec.columns.items() if k in inst.item_ids})
    qtext = dict(wave.export.info.question_text or {})
    matches, missing = match_items(inst, cols, qtext, explicit, auto=inst.item_columns == "auto")
    where = f"instruments[{inst.entry}].columns"
    problems = [p for m in matches if (p := ambiguous(wave, m["column"], where)) is not None]
    bad = [explicit[m] for m in missing if m in explicit]
    if matches and bad:
        problems.append(FileProblem(str(wave.path), where, f"the export has no column(s) {bad} mapped to "
                                    f"{inst.short_name} items", "check the column names in the export"))
    here = _here(inst, wave, tps)
    if not matches and inst.administered_at is not None and here and wave.spec.timepoint is not None:
        problems.append(FileProblem(str(wave.path), where, f"the export has none of the {inst.short_name} "
                                    f"items, but the study says it was given at {', '.join(sorted(here))}",
                                    f"map its columns under {where} or exports[{wave.index}].columns"))
    return matches, problems


def item_values(wave: Wave, inst: StudyInstrument, matches: list[dict], policy: str) -> None:
    """Answers as numeric codes (invalid ones missing, each in problems), per item."""
    info = wave.export.info
    missing = [i for i in inst.item_ids if i not in {m["item"] for m in matches}
               and any(i in s.items for s in inst.scales)]
    if matches and missing:
        wave.problems.append(problem(
            wave.source, None, None, None, "missing_items",
            f"{inst.short_name}: {len(matches)} of {len(matches) + len(missing)} items found; no column for {missing}",
            f"map them in the study file (instruments[{inst.entry}].columns), or check the export"))
    given = np.isin(wave.tp, list(inst.administered_at)) if inst.administered_at is not None else None
    for m in matches:
        col = m["column"]
        wave.item_map.append({"source": wave.source, "instrument": inst.id, "item": m["item"], "column": col,
                              "how": m["how"], "similarity": m["similarity"],
                              "question_text": (info.question_text or {}).get(col, "")})
        rs = inst.response_sets[inst.item(m["item"]).response_set]
        vals, nonnum, outset = coerce_answers(wave.data[col], rs)
        _answer_problems(wave, inst, m["item"], col, rs, nonnum, outset, policy)
        wave.values[m["item"]] = compact(vals if given is None else np.where(given, vals, np.nan))


def compact(values: np.ndarray) -> np.ndarray:
    """``values`` (float64 answers) as float16 or float32 when that holds every value exactly
    (answer codes are small whole numbers: float16 holds them in a quarter of the memory),
    else as they are. Widening back to float64 gives the same numbers, NaN included."""
    for small in (np.float16, np.float32):
        with np.errstate(over="ignore"):
            narrow = values.astype(small)
        if np.array_equal(narrow.astype(np.float64), values, equal_nan=True):
            return narrow
    return values


def _answer_problems(wave: Wave, inst: StudyInstrument, item: str, col: str, rs: ResponseSet,
                     nonnum: np.ndarray, outset: np.ndarray, policy: str) -> None:
    lo, hi = rs.min, rs.max
    severity = "error" if policy == "error" else "warning"
    tail = "" if policy == "error" else "; counted as missing (scoring.out_of_range: missing)"
    fix = ("correct the answer in a copy of the export (or blank it) and re-run, or set "
           "scoring.out_of_range: missing" if policy == "error" else "nothing to do, or correct the answer in a copy of the export")
    for mask, rule, what in ((nonnum, "not_numeric", "is not a number or a known answer label"),
                             (outset, "out_of_range", f"is outside {lo:g}..{hi:g}")):
        for i in np.flatnonzero(mask & wave.live):
            wave.problems.append(problem(wave.source, int(wave.rows[i]), col, str(wave.data[col].iloc[i]),
                                         rule, f"{inst.short_name} item '{item}' {what}{tail}", fix, severity))


# ------------------------------------------------------------------------------------------
# free text, empty rows, the frame of kept and excluded rows
# ------------------------------------------------------------------------------------------
def free_text(wave: Wave, study: StudyFile) -> list[FileProblem]:
    problems = []
    present = {t for t in set(wave.tp) if isinstance(t, str)}
    for i, fspec in enumerate(study.spec.free_text):
        name = fspec.column
        if fspec.columns is not None:
            cands = [fspec.columns[t] for t in sorted(present) if t in fspec.columns]
            name = cands[0] if cands else None
        if name is None:
            continue
        col = find_column(wave.data, name)
        if col is None:
            if fspec.columns is not None and wave.spec.timepoint is not None:
                problems.append(FileProblem(str(wave.path), f"free_text[{i}].columns",
                                            f"the export has no column '{name}'", "correct the column name"))
            continue
        amb = ambiguous(wave, col, f"free_text[{i}]")
        if amb is not None:
            problems.append(amb)
        wave.texts[fspec.id] = wave.data[col].astype("string")
    return problems


def exclude_empty(wave: Wave, study: StudyFile) -> np.ndarray:
    answered = np.zeros(len(wave.data), dtype="int32")
    for v in wave.values.values():
        answered += ~np.isnan(v)
    has_text = np.zeros(len(wave.data), dtype=bool)
    for s in wave.texts.values():
        has_text |= (s.str.strip().fillna("") != "").to_numpy(dtype=bool)
    if study.spec.exclusions.empty == "exclude":
        wave.exclude((answered == 0) & ~has_text, "empty response (no answers)")
    return answered


def _groups(wave: Wave, study: StudyFile, frame: pd.DataFrame) -> None:
    labels_of = wave.export.info.value_labels or {}
    for g in study.spec.groups:
        col = find_column(wave.data, g.column)
        if col is None:
            continue
        values = wave.data[col].astype("string").str.strip()
        labels = g.labels or {str(k).removesuffix(".0"): v for k, v in labels_of.get(col, {}).items()}
        if labels:
            values = values.map(lambda x, lab=labels: lab.get(str(x).removesuffix(".0"), x) if pd.notna(x) else x)
        frame["_g_" + g.name] = values.to_numpy(dtype=object)


def frame_of(wave: Wave, study: StudyFile, answered: np.ndarray, offset: int = 0) -> pd.DataFrame:
    """Every row of the wave: ids, timepoint, groups, texts and its reason (if set aside).

    The answers stay in ``wave.values`` (one array per item): ``_pos`` (``offset`` + the
    row's position in the wave) says where a row's answers are once the waves' arrays are
    joined end to end, so sorting and filtering rows never copies the answers."""
    frame = pd.DataFrame({
        C.SOURCE: wave.source, C.ROW: wave.rows,
        "_raw_id": wave.data[wave.id_column].astype("string").to_numpy(),
        C.PARTICIPANT_ID: wave.pid.to_numpy(dtype=object), C.TIMEPOINT: wave.tp,
        "_answered": answered, "_order": np.arange(wave.n_rows), "_reason": wave.reason,
        "_pos": np.arange(offset, offset + wave.n_rows),
    })
    _groups(wave, study, frame)
    for k, s in wave.texts.items():
        frame["_t_" + k] = s.to_numpy(dtype=object)
    return frame
