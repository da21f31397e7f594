"""Which rows a platform marks as test, spam, unfinished, or worth a check: the readers' rules.

Each reader states its platform's rules as :class:`StatusRule` objects (Qualtrics ``Status``
and ``Finished``; REDCap survey timestamps and form status; ...). :func:`flag_status` applies
them, plus the rules every platform shares: participant ids such as ``TEST`` or ``preview``,
and responses recorded before the survey's launch date. Rows are only *flagged* here; the
study decides what to do with them (exclude, keep, or keep with a warning).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from .. import columns as C

if TYPE_CHECKING:
    from ._base import Export

__all__ = ["FLAG_COLUMNS", "StatusKind", "StatusRule", "code_key", "flag_status", "summary_rows", "test_ids"]

StatusKind = Literal["test", "spam", "incomplete", "check"]
"""``test``/``spam``/``incomplete``: set aside by default; ``check``: kept, with a warning."""

FLAG_COLUMNS = (C.ROW, C.COLUMN, C.VALUE, "kind", C.REASON)
"""Columns of :func:`flag_status`."""


@dataclass(frozen=True)
class StatusRule:
    """Rows whose ``column`` holds one of ``values`` are test, spam, incomplete or to check.

    ``values`` are compared as text after :func:`code_key` (``1.0`` → ``"1"``). A rule can be
    limited to rows where any of ``only_if_answered`` holds a value (a REDCap form with
    answers) and where all of ``only_if_blank`` are empty (no survey timestamp).

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
    only_if_answered: tuple[str, ...] = ()
    only_if_blank: tuple[str, ...] = ()


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


def _filled(data: pd.DataFrame, columns: tuple[str, ...]) -> np.ndarray:
    out = np.zeros(len(data), dtype=bool)
    for c in columns:
        if c in data.columns:
            s = data[c]
            out |= (s.notna() & (s.astype("string").str.strip() != "")).to_numpy(dtype=bool, na_value=False)
    return out


def _rule_mask(data: pd.DataFrame, rule: StatusRule) -> tuple[np.ndarray, pd.Series]:
    text = _codes_as_text(data[rule.column])
    mask = text.isin(list(rule.values)).to_numpy(dtype=bool, na_value=False).copy()
    if rule.only_if_answered:
        mask &= _filled(data, rule.only_if_answered)
    if rule.only_if_blank:
        mask &= ~_filled(data, rule.only_if_blank)
    return mask, text


_TEST_WORDS = r"test|testing|tester|preview|dummy|demo|fake|example|sample|do not use|ignore"
_TEST_ID = re.compile(rf"^\W*(?:{_TEST_WORDS})(?:[\s_.\-#]*\w{{0,4}})?\W*$|^(?:{_TEST_WORDS})@", re.I)


_SUMMARY = re.compile(r"^\W*(mean|average|avg|total|totals|sum|sd|s\.d\.|std|median|min|max|minimum|maximum|"
                      r"count|n|summary|overall)\W*$", re.I)


def summary_rows(ids: pd.Series) -> np.ndarray:
    """Rows whose id is a summary word (``Mean``, ``Total``, ``SD`` ...): a spreadsheet's
    summary row, not a person.

    Examples
    --------
    >>> import pandas as pd
    >>> summary_rows(pd.Series(["Mean", "P01", "TOTAL:", None])).tolist()
    [True, False, True, False]
    """
    s = ids.astype("string").str.strip()
    return s.str.match(_SUMMARY.pattern, case=False).to_numpy(dtype=bool, na_value=False)


def test_ids(ids: pd.Series) -> np.ndarray:
    """Ids that mark a test or preview response on any platform: ``TEST``, ``test1``,
    ``Preview``, ``dummy``, ``demo-2``, ``test@example.org`` ... (vectorised).

    Examples
    --------
    >>> import pandas as pd
    >>> test_ids(pd.Series(["TEST", "test 2", "P012", "preview", "Testa", "dummy@x.org", None])).tolist()
    [True, True, False, True, True, True, False]
    """
    s = ids.astype("string").str.strip()
    # an ASCII id can be a test id only if it holds one of the words (in any case)
    return _match_where(s, _TEST_ID.pattern, lambda arr, pc: pc.match_substring_regex(
        arr, _TEST_WORDS, ignore_case=True))


def _match_where(s: pd.Series, pattern: str, may: Any) -> np.ndarray:
    """``s.str.match(pattern, case=False)`` as booleans (missing: False), the Python pattern
    run only on the ids that ``may(arrow_array, pyarrow.compute)`` cannot rule out and on the
    non-ASCII ones (where case-blind matching reaches beyond ASCII): a per-id Python regex
    over a whole national export costs ~0.4 µs an id, Arrow's pre-check a fraction of that."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = s.to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]
    try:
        arr = pa.array(values, type=pa.string())
    except (pa.ArrowException, TypeError):  # pragma: no cover - ids are text here
        return s.str.match(pattern, case=False).to_numpy(dtype=bool, na_value=False)
    maybe = pc.or_(pc.invert(pc.string_is_ascii(arr)), may(arr, pc))
    check = pc.fill_null(maybe, False).to_numpy(zero_copy_only=False)
    out = np.zeros(len(s), dtype=bool)
    if check.any():
        out[check] = s[check].str.match(pattern, case=False).to_numpy(dtype=bool, na_value=False)
    return out


def _before_launch(export: Export, launch: dt.date) -> tuple[np.ndarray, str | None]:
    data = export.data
    for col in export.info.date_columns:
        if col not in data.columns:
            continue
        when = pd.to_datetime(data[col], errors="coerce", format="mixed")
        if when.notna().sum() == 0:
            continue
        if getattr(when.dt, "tz", None) is not None:
            when = when.dt.tz_convert(None)
        return (when < pd.Timestamp(launch)).to_numpy(dtype=bool, na_value=False), col
    return np.zeros(len(data), dtype=bool), None


def flag_status(export: Export, *, id_column: str | None = None,
                launch_date: dt.date | None = None, min_progress: float | None = None) -> pd.DataFrame:
    """Rows the platform marks as test, spam, incomplete or to check, by the reader's rules.

    Parameters
    ----------
    export
        The result of a reader (not modified).
    id_column
        The participant-id column: ids such as ``TEST``, ``preview`` or ``dummy`` mark test
        responses on every platform (:func:`test_ids`).
    launch_date
        Responses started before this date are test responses (the reader says which
        column holds the start or submission time, :attr:`ExportInfo.date_columns`).
    min_progress
        Responses whose progress (Qualtrics ``Progress``, :attr:`ExportInfo.progress_column`)
        is below this percentage are incomplete.

    Returns
    -------
    DataFrame
        One row per flagged record and rule: ``row`` (spreadsheet row), ``column``,
        ``value`` (the status code, never an answer or an id), ``kind`` (``test``, ``spam``,
        ``incomplete`` or ``check``), ``reason``.

    Examples
    --------
    >>> from evaltool.io import read_export
    >>> exp = read_export("tests/data/exports/qualtrics_numeric.csv")
    >>> flag_status(exp)[["row", "kind"]].head(1).to_dict("records")
    [{'row': 4, 'kind': 'test'}]
    """
    data = export.data
    rows = data[C.ROW].to_numpy()
    parts = []
    for rule in export.info.status_rules:
        if rule.column not in data.columns:
            continue
        mask, text = _rule_mask(data, rule)
        if mask.any():
            parts.append(pd.DataFrame({
                C.ROW: rows[mask], C.COLUMN: rule.column,
                C.VALUE: np.asarray(text.astype(object).where(text.notna(), None))[mask],
                "kind": rule.kind, C.REASON: rule.reason,
            }))
    if id_column is not None and id_column in data.columns:
        for mask, why in ((test_ids(data[id_column]), "test response (the participant id marks a test)"),
                          (summary_rows(data[id_column]), "test response (a summary row such as Mean or "
                                                          "Total, not a participant)")):
            if mask.any():
                parts.append(pd.DataFrame({C.ROW: rows[mask], C.COLUMN: id_column, C.VALUE: None, "kind": "test",
                                           C.REASON: why}))
    if launch_date is not None:
        mask, col = _before_launch(export, launch_date)
        if mask.any():
            parts.append(pd.DataFrame({C.ROW: rows[mask], C.COLUMN: col, C.VALUE: None, "kind": "test",
                                       C.REASON: f"test response (before the launch date {launch_date:%Y-%m-%d})"}))
    col = export.info.progress_column
    if min_progress is not None and col is not None:
        progress = pd.to_numeric(data[col], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        mask = progress < min_progress
        if mask.any():
            parts.append(pd.DataFrame({C.ROW: rows[mask], C.COLUMN: col, C.VALUE: None, "kind": "incomplete",
                                       C.REASON: f"progress below {min_progress:g}%"}))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FLAG_COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values([C.ROW, "kind"], kind="stable").reset_index(drop=True)[list(FLAG_COLUMNS)]
