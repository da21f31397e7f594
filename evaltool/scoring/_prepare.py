"""Turn item answers into checked, recoded numbers (shared by scoring and reliability).

Every step works on whole columns: a value is parsed (numbers, numeric text, answer labels),
checked against its item's response set (a problem if it is not an allowed code; never
clipped), recoded where the response set says so, and the problems are collected into one
table (``evaltool.columns.PROBLEM_COLUMNS``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import ParameterError
from ..instruments import Instrument
from ..instruments.schema import ResponseSet, Scale

_DEFAULT_ID_COLUMNS = (C.PARTICIPANT_ID, C.TIMEPOINT, C.RESPONSE_ID, C.COHORT)
_STEP_TOLERANCE = 1e-9


@dataclass(frozen=True)
class PreparedItem:
    """One item's answers as numbers: ``values`` (recoded, not reversed; NaN = missing or
    invalid), ``answered`` (``~isnan(values)``) and ``invalid`` (cells that held a value that
    is not an allowed answer; ``None`` when there are none)."""

    values: np.ndarray
    answered: np.ndarray
    invalid: np.ndarray | None


# --------------------------------------------------------------------------------------
# shape and columns
# --------------------------------------------------------------------------------------
def as_wide(data: pd.DataFrame, id_columns: Sequence[str] | None) -> tuple[pd.DataFrame, list[str]]:
    """Accept a wide frame (items as columns) or tidy long Responses; return wide + id cols."""
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(
            f"The 'data' parameter must be a pandas DataFrame. Got {type(data).__name__} instead.",
            fix="read the export first, e.g. evaltool.io.read_export(path).data.",
        )
    if {C.ITEM, C.VALUE} <= set(data.columns):
        ids = list(id_columns) if id_columns is not None else [
            c for c in data.columns if c not in (C.ITEM, C.VALUE, C.ROW, C.SOURCE)
        ]
        if not ids:
            raise ParameterError(
                "long Responses data need identifying columns besides 'item' and 'value'.",
                fix=f"add e.g. '{C.PARTICIPANT_ID}' and '{C.TIMEPOINT}' columns.",
            )
        dup = data.duplicated(ids + [C.ITEM])
        if dup.any():
            raise ParameterError(
                f"{int(dup.sum())} item(s) appear twice for the same {ids}.",
                fix="remove duplicate responses first (evaltool validate reports them).",
            )
        wide = data.pivot(index=ids, columns=C.ITEM, values=C.VALUE).reset_index()
        wide.columns.name = None
        return wide, ids
    if id_columns is None:
        ids = [c for c in _DEFAULT_ID_COLUMNS if c in data.columns]
    else:
        missing = [c for c in id_columns if c not in data.columns]
        if missing:
            raise ParameterError(
                f"id_columns {missing} are not columns of the data.",
                fix=f"choose from the columns that exist: {list(data.columns)}.",
            )
        ids = list(id_columns)
    return data, ids


def item_columns(data: pd.DataFrame, inst: Instrument, scales: Sequence[Scale],
                 columns: Mapping[str, str] | None) -> dict[str, str]:
    """Map each needed item id to the data column holding it (all missing ones reported).

    ``columns`` maps item ids to data columns (``{"brs_1": "Q3_1"}``), the same direction as
    the study file's ``columns:``; unmapped items are looked for under their own id.
    """
    item_to_col = dict(columns or {})
    unknown = [k for k in item_to_col if k not in inst.item_ids]
    if unknown:
        reversed_map = [v for v in item_to_col.values() if v in inst.item_ids]
        fix = (f"write the map as item: column (e.g. {{'{reversed_map[0]}': "
               f"'{next(k for k, v in item_to_col.items() if v == reversed_map[0])}'}}): "
               "the item id comes first" if reversed_map else
               f"map item ids to columns; the items are {inst.item_ids}")
        raise ParameterError(
            f"the column map names {unknown}, which are not items of {inst.short_name}.", fix=fix)
    needed = list(dict.fromkeys(i for s in scales for i in s.items))
    out, missing = {}, []
    for item in needed:
        col = item_to_col.get(item, item)
        if col in data.columns:
            out[item] = col
        else:
            missing.append(item)
    if missing:
        shown = [str(c) for c in data.columns if c != C.ROW][:30]
        raise ParameterError(
            f"the data have no column for {inst.short_name} item(s) {missing}.",
            fix=(
                "name the columns after the item ids, or pass a column map "
                f"(--columns / columns={{'{missing[0]}': 'Q1'}}). Columns present: {shown}"
            ),
        )
    return out


# --------------------------------------------------------------------------------------
# parsing and checking one column
# --------------------------------------------------------------------------------------
def _normalise_label(text: str) -> str:
    """Labels match ignoring case and runs of spaces ("Strongly  AGREE" = "Strongly agree")."""
    return " ".join(text.split()).casefold()


def _label_lookup(rs: ResponseSet) -> dict[str, float]:
    return {_normalise_label(str(label)): float(code) for code, label in rs.labels.items()}


def _arrow_float(col: pd.Series) -> np.ndarray | None:
    """Fast path for Arrow-backed text columns that hold only numbers (or nulls)."""
    arr = col.array
    if not hasattr(arr, "__arrow_array__"):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        chunked = arr.__arrow_array__()
        if not (pa.types.is_string(chunked.type) or pa.types.is_large_string(chunked.type)):
            return None
        as_float = pc.cast(chunked, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError):
        return None
    return np.asarray(as_float.to_numpy(zero_copy_only=False), dtype="float64")


def _parse_answer(value: object, labels: dict[str, float]) -> tuple[float, bool]:
    """One distinct cell value as (number, not_numeric). Missing/blank is (NaN, False)."""
    if isinstance(value, bool | np.bool_):
        return np.nan, True
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value), False  # NaN here was a missing numeric cell
    text = str(value).strip()
    if not text:
        return np.nan, False
    if "_" not in text:  # Python's float() accepts "1_000"; an export does not mean that
        try:
            number = float(text)
        except ValueError:
            pass
        else:
            if not np.isnan(number):
                return number, False
    code = labels.get(_normalise_label(text))
    if code is not None:
        return code, False
    return _numbered_label(text, labels)


_NUMBER = r"[+-]?\d+(?:\.\d+)?"
_PREFIXED = re.compile(rf"^({_NUMBER})\s*(?:[-\u2013\u2014=:.)]\s*|\s+(?=[^\W\d_]))(.*\S.*)$")
_SUFFIXED = re.compile(rf"^(.*?\S)\s*(?:\(\s*({_NUMBER})\s*\)|\[\s*({_NUMBER})\s*\]|[-\u2013\u2014=:]\s*({_NUMBER}))$")


def _numbered_label(text: str, labels: dict[str, float]) -> tuple[float, bool]:
    """A label that carries its code: "10 - Completely confident", "1 = Strongly disagree",
    "Agree (4)". The number is the code; if the words are another code's label, the answer
    contradicts itself and is not valid."""
    m = _PREFIXED.match(text)
    if m:
        number, words = m.group(1), m.group(2)
    else:
        m = _SUFFIXED.match(text)
        if not m:
            return np.nan, True
        words = m.group(1)
        number = next(g for g in m.groups()[1:] if g is not None)
    if not re.search(r"[^\W\d_]", words):
        return np.nan, True  # "1 - 2" is not a label
    code = float(number)
    named = labels.get(_normalise_label(words))
    if named is not None and named != code:
        return np.nan, True
    return code, False


def to_numeric(col: pd.Series, rs: ResponseSet) -> tuple[np.ndarray, np.ndarray | None]:
    """Values as floats, plus a mask of cells that were present but neither a number nor a
    label (``None`` when there are none). Never modifies ``col``.

    Text is parsed once per *distinct* value (exports have few), so labelled columns of a
    million rows cost one factorisation, not a million Python calls.
    """
    dtype = col.dtype
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        return col.to_numpy(dtype="float64", na_value=np.nan), None
    fast = _arrow_float(col)
    if fast is not None:
        nan = np.isnan(fast)
        # numbers only: nulls are missing answers; a literal "nan" text is not (slow path)
        if not nan.any() or np.array_equal(nan, col.isna().to_numpy(dtype=bool)):
            return fast, None
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    labels = _label_lookup(rs)
    parsed = [_parse_answer(u, labels) for u in uniques]
    values = np.array([v for v, _ in parsed] + [np.nan], dtype="float64")
    bad_unique = np.array([b for _, b in parsed] + [False], dtype=bool)
    arr = values.take(codes)  # code -1 (missing) takes the trailing NaN
    bad = bad_unique.take(codes)
    return arr, (bad if bad.any() else None)


def _codes(x: np.ndarray, rs: ResponseSet) -> tuple[np.ndarray | None, np.ndarray]:
    """Index of each value among the response set's codes (``None`` for a continuous set) and
    a mask of valid cells (a number that is an allowed code; NaN is not valid)."""
    with np.errstate(invalid="ignore", over="ignore"):
        if rs.step is None:
            return None, (x >= rs.min - _STEP_TOLERANCE) & (x <= rs.max + _STEP_TOLERANCE)
        n_codes = len(rs.codes())
        k = x - rs.min
        if rs.step == 1 and float(rs.min).is_integer():
            idx = k.astype(np.intp)
            ok = idx == k  # False for NaN, fractions and anything too large to be an index
        else:
            k = k / rs.step
            r = np.rint(k)
            ok = np.abs(k - r) <= _STEP_TOLERANCE
            idx = r.astype(np.intp)
        ok &= idx.view(np.uintp) < n_codes  # negative indices wrap to huge unsigned values
    return idx, ok


def check_and_recode(x: np.ndarray, rs: ResponseSet) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Recoded values (NaN where missing or invalid), the answered mask and the out-of-set mask
    (``None`` when every present value is allowed)."""
    idx, ok = _codes(x, rs)
    n_ok = int(np.count_nonzero(ok))
    missing = np.isnan(x)
    outset = None
    if n_ok + int(np.count_nonzero(missing)) != x.shape[0]:
        outset = ~(ok | missing)
    if rs.recode is not None and idx is not None:
        codes = rs.codes()
        lut = np.array([rs.recode[c] for c in codes] + [np.nan], dtype="float64")
        values = lut.take(np.where(ok, idx, len(codes)))
    elif outset is not None:
        values = np.where(ok, x, np.nan)
    else:
        values = x
    return values, ok, outset


# --------------------------------------------------------------------------------------
# problems
# --------------------------------------------------------------------------------------
def row_labels(data: pd.DataFrame) -> np.ndarray:
    if C.ROW in data.columns:
        return data[C.ROW].to_numpy()
    return data.index.to_numpy()


def _problem_block(item: str, col: str, values: pd.Series, mask: np.ndarray, rule: str,
                   rs: ResponseSet, rows: np.ndarray, source: object, inst: Instrument) -> pd.DataFrame:
    idx = np.flatnonzero(mask)
    allowed = f"{rs.min:g}..{rs.max:g}"
    if rs.labels:
        allowed += " or one of the labels " + ", ".join(f"'{v}'" for v in rs.labels.values())
    if rule == "not_numeric":
        msg = "is not a number or a known answer label"
    else:
        msg = f"is outside the {inst.short_name} response scale {rs.min:g}..{rs.max:g}"
        if rs.step is not None:
            msg += f" (allowed codes step {rs.step:g})" if rs.step != 1 else " (whole numbers)"
    shown = values.iloc[idx].astype(object).map(str).to_numpy(dtype=object)
    return pd.DataFrame({
        C.SOURCE: source, C.ROW: rows[idx], C.COLUMN: col, C.VALUE: shown, C.RULE: rule,
        C.MESSAGE: f"{inst.short_name} item '{item}' {msg}",
        C.FIX: f"correct the answer (allowed: {allowed}) or blank it; scores are never clipped",
        C.SEVERITY: "error",
    }, columns=list(C.PROBLEM_COLUMNS))


def problems_frame(blocks: list[pd.DataFrame]) -> pd.DataFrame:
    """All problem blocks as one table sorted by row then column."""
    blocks = [b for b in blocks if len(b)]
    if not blocks:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in C.PROBLEM_COLUMNS})
    frame = pd.concat(blocks, ignore_index=True) if len(blocks) > 1 else blocks[0]
    return frame.sort_values([C.ROW, C.COLUMN], kind="stable").reset_index(drop=True)


def prepare(data: pd.DataFrame, inst: Instrument, scales: Sequence[Scale],
            columns: Mapping[str, str] | None, source: object
            ) -> tuple[dict[str, PreparedItem], list[pd.DataFrame]]:
    """Parse, check and recode every item the scales need; collect problem blocks."""
    item_cols = item_columns(data, inst, scales, columns)
    rows = None
    out: dict[str, PreparedItem] = {}
    problems: list[pd.DataFrame] = []
    for item, col in item_cols.items():
        rs = inst.response_sets[inst.item(item).response_set]
        x, nonnum = to_numeric(data[col], rs)
        values, answered, outset = check_and_recode(x, rs)
        invalid = None
        if nonnum is not None or outset is not None:
            if rows is None:
                rows = row_labels(data)
            for mask, rule in ((nonnum, "not_numeric"), (outset, "out_of_range")):
                if mask is not None:
                    problems.append(_problem_block(item, col, data[col], mask, rule, rs, rows, source, inst))
            invalid = nonnum if outset is None else (outset if nonnum is None else nonnum | outset)
        out[item] = PreparedItem(values, answered, invalid)
    return out, problems
