"""SPSS data files (.sav, .zsav) through pyreadstat: values, labels, user-missing codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import InputError
from ._base import Draft, Export, StatusRule, code_key
from ._text import read_bytes
from .qualtrics import QUALTRICS_METADATA, QUALTRICS_STATUS_LABELS

__all__ = ["read_spss"]


@dataclass
class _SavSource:
    path: Path
    encoding: str | None
    delimiter: str | None = None
    warnings: list[str] = field(default_factory=list)


def _check_magic(path: Path) -> None:
    if not path.exists() or path.is_dir():
        read_bytes(path)  # raises the usual "not found" / "is a folder"
    with open(path, "rb") as fh:
        head = fh.read(4)
    if not head:
        raise InputError("is empty.", file=path, fix="export the data again from SPSS.")
    if head not in (b"$FL2", b"$FL3"):
        raise InputError(
            "is not an SPSS data file (.sav): it does not start like one.", file=path,
            fix="save the data from SPSS as .sav, or export the survey as CSV/XLSX.",
        )


def read_spss(path: str | Path, *, encoding: str | None = None,
              keep_user_missing: bool = False) -> Export:
    """Read an SPSS ``.sav``/``.zsav`` file with its variable and value labels.

    Parameters
    ----------
    path
        The file; never modified.
    encoding
        Only for old files whose text encoding is not recorded (passed to pyreadstat).
    keep_user_missing
        Keep user-missing codes (e.g. 99 "refused") as values. Default False: they become
        missing, as in SPSS analyses, and are listed in ``info.missing_values``.

    Returns
    -------
    Export
        ``data``: ``row`` (the case number, 1-based; SPSS has no header row) then every
        variable: numbers as floats, text as text (empty → missing), dates as datetimes.
        ``info``: ``format`` ``"spss"``; ``question_text`` (variable labels);
        ``value_labels`` ({code: label}, codes as text, e.g. ``"1"``); ``missing_values``
        (declared user-missing codes and ranges per variable); ``choice_text`` False when
        value labels exist (values are codes); for Qualtrics SPSS exports, the ``Status``
        and ``Finished`` status rules.

    Notes
    -----
    Uses ``pyreadstat.read_sav(user_missing=True)`` and applies the missing-value
    declarations itself, so the count of cells set to missing can be reported in
    ``info.repairs``. pyreadstat says of itself that it "is not a validated package".

    Examples
    --------
    >>> exp = read_spss("tests/data/exports/spss_labels.sav")
    >>> exp.info.value_labels["brs_1"]["1"], exp.data["row"].tolist()[:2]
    ('Strongly disagree', [1, 2])
    """
    path = Path(path)
    df, meta = _read_sav(path, encoding)
    missing = _missing_declarations(meta)
    repairs = _apply_user_missing(df, missing) if missing and not keep_user_missing else []
    _blank_text_is_missing(df)
    if len(df) == 0:
        raise InputError("has variables but no cases (no responses).", file=path,
                         fix="check that the file holds the responses and save it again.")
    df.insert(0, C.ROW, np.arange(1, len(df) + 1, dtype="int64"))
    src = _SavSource(path, getattr(meta, "file_encoding", None) or encoding)
    draft = Draft(src=src, fmt="spss", header_rows=0, data=df)  # type: ignore[arg-type]
    draft.repairs = repairs
    draft.question_text = {k: v for k, v in (meta.column_names_to_labels or {}).items() if v}
    draft.value_labels = {
        col: {code_key(k): str(v) for k, v in labels.items()}
        for col, labels in (meta.variable_value_labels or {}).items()
    }
    draft.missing_values = {
        col: tuple(code_key(v) for v in values) + tuple(f"{lo:g} thru {hi:g}" for lo, hi in ranges)
        for col, (values, ranges) in missing.items()
    }
    draft.choice_text = False if draft.value_labels else None
    draft.metadata_columns = [c for c in df.columns if c != C.ROW and c in QUALTRICS_METADATA]
    _qualtrics_rules(draft, df)
    draft.id_preferred = ["ExternalReference", "RecipientEmail", "ResponseId"]
    draft.date_columns = ["StartDate", "RecordedDate", "EndDate"]
    return draft.finish()


def _read_sav(path: Path, encoding: str | None) -> tuple[pd.DataFrame, Any]:
    import pyreadstat

    _check_magic(path)
    try:
        return pyreadstat.read_sav(str(path), user_missing=True, encoding=encoding)
    except Exception as exc:  # pyreadstat raises its own and several builtin errors
        if type(exc).__name__ not in ("ReadstatError", "PyreadstatError") and not isinstance(
                exc, (OSError, ValueError, UnicodeError, LookupError)):
            raise
        raise InputError(
            "cannot be read as an SPSS data file: it is damaged or incomplete.", file=path,
            fix="save the data from SPSS again as .sav, or export the survey as CSV/XLSX.",
        ) from None


def _apply_user_missing(df: pd.DataFrame, missing: dict[str, tuple[list, list[tuple[float, float]]]]) -> list[str]:
    """Set the codes the file declares user-missing to missing (in place); the repair note."""
    n = 0
    for col, (values, ranges) in missing.items():
        s = df[col]
        if pd.api.types.is_numeric_dtype(s.dtype):
            x = s.to_numpy(dtype="float64", na_value=np.nan)
            mask = np.isin(x, np.asarray([v for v in values if isinstance(v, (int, float))], dtype="float64"))
            for lo, hi in ranges:
                mask |= (x >= lo) & (x <= hi)
        else:
            mask = s.isin(values).to_numpy(dtype=bool)
        if mask.any():
            n += int(mask.sum())
            df[col] = s.mask(mask)
    if not n:
        return []
    return [f"set {n} user-missing cell(s) to missing (codes the file declares missing; see "
            "info.missing_values; pass keep_user_missing=True to keep them)."]


def _blank_text_is_missing(df: pd.DataFrame) -> None:
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_string_dtype(s.dtype):
            blank = s.astype("string").str.strip().eq("").to_numpy(dtype=bool, na_value=False)
            if blank.any():
                df[col] = s.mask(blank)


def _qualtrics_rules(draft: Draft, df: pd.DataFrame) -> None:
    """A Qualtrics export saved as SPSS keeps its Status and Finished codes (and labels)."""
    status_labels = draft.value_labels.get("Status", {})
    if "Survey Preview" not in status_labels.values():
        return
    test = {k for k in status_labels if k in ("1", "2", "9", "17", "256")}
    spam = {k for k in status_labels if k in ("8", "12", "40")}
    draft.status_rules += [
        StatusRule("Status", frozenset(test | {QUALTRICS_STATUS_LABELS[k] for k in test}),
                   "test", "Qualtrics preview or test response (Status)"),
        StatusRule("Status", frozenset(spam | {QUALTRICS_STATUS_LABELS[k] for k in spam}),
                   "spam", "flagged as spam by Qualtrics (Status)"),
    ]
    if "Finished" in df.columns:
        draft.status_rules.append(StatusRule(
            "Finished", frozenset({"0"}), "incomplete",
            "the respondent did not finish the survey (Finished = 0)"))
    draft.progress_column = "Progress"


def _missing_declarations(meta: object) -> dict[str, tuple[list, list[tuple[float, float]]]]:
    """column → (discrete user-missing values, [(lo, hi) ranges])."""
    out: dict[str, tuple[list, list[tuple[float, float]]]] = {}
    for col, specs in (getattr(meta, "missing_ranges", None) or {}).items():
        values: list = []
        ranges: list[tuple[float, float]] = []
        for spec in specs:
            lo, hi = spec.get("lo"), spec.get("hi")
            if lo == hi:
                values.append(lo)
            elif isinstance(lo, (int, float)) and isinstance(hi, (int, float)):
                ranges.append((float(lo), float(hi)))
        if values or ranges:
            out[col] = (values, ranges)
    for col, vals in (getattr(meta, "missing_user_values", None) or {}).items():
        if col not in out and vals:
            out[col] = (list(vals), [])
    return out
