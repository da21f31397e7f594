"""Score questionnaires from instrument files, vectorised over whole frames.

The rules (STATISTICS.md, "Scoring and reliability"; INSTRUMENTS.md §3):

* answers are checked against the item's response set: a value outside it, a non-numeric
  value or an unknown label is a *problem* (never clipped);
* codes are recoded where the response set says so (CBI 1..5 → 100..0);
* reverse-keyed items become ``min + max - x`` with ``min``/``max`` of the response set's
  scored range — never of the data;
* a scale score is computed only when at least the scale's ``min_answered`` items are
  answered (default: all); ``mean`` averages the answered items (``psych::scoreItems(impute =
  "none")``), ``prorated_sum`` is ``n_items x mean``, ``lookup`` converts the (rounded)
  prorated sum with the instrument's table (SWEMWBS), knowledge tests count correct answers;
* ``n_answered``, ``n_items``, ``n_invalid`` and ``prorated`` are always reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import DataProblemsError, ParameterError
from ..instruments import Instrument, load_instrument
from ..instruments.schema import ResponseSet, Scale

__all__ = ["check_items", "reverse_items", "score"]

InvalidPolicy = Literal["raise", "missing"]

_DEFAULT_ID_COLUMNS = (C.PARTICIPANT_ID, C.TIMEPOINT, C.RESPONSE_ID, C.COHORT)


# --------------------------------------------------------------------------------------
# input preparation
# --------------------------------------------------------------------------------------
def _as_wide(data: pd.DataFrame, id_columns: Sequence[str] | None) -> tuple[pd.DataFrame, list[str]]:
    """Accept a wide frame (items as columns) or tidy long Responses; return wide + id cols."""
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


def _item_columns(data: pd.DataFrame, inst: Instrument, scales: Sequence[Scale],
                  columns: Mapping[str, str] | None) -> dict[str, str]:
    """Map each needed item id to the data column holding it."""
    rename = dict(columns or {})
    item_to_col = {v: k for k, v in rename.items()}
    unknown_targets = [v for v in rename.values() if v not in inst.item_ids]
    if unknown_targets:
        raise ParameterError(
            f"the column map points at {unknown_targets}, which are not items of {inst.short_name}.",
            fix=f"map columns to item ids: {inst.item_ids}.",
        )
    needed = list(dict.fromkeys(i for s in scales for i in s.items))
    out, missing = {}, []
    for item in needed:
        col = item_to_col.get(item, item)
        if col in data.columns:
            out[item] = col
        else:
            missing.append(item)
    if missing:
        raise ParameterError(
            f"the data have no column for {inst.short_name} item(s) {missing}.",
            fix=(
                "name the columns after the item ids, or pass a column map "
                f"(--columns / columns={{'Q1': '{missing[0]}'}}). Columns present: "
                f"{list(data.columns)[:30]}"
            ),
        )
    return out


def _label_lookup(rs: ResponseSet) -> dict[str, float]:
    return {str(label).strip().casefold(): float(code) for code, label in rs.labels.items()}


def _to_numeric(col: pd.Series, rs: ResponseSet) -> tuple[np.ndarray, np.ndarray]:
    """Values as floats, plus a mask of cells that were present but not a number or label."""
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        arr = col.to_numpy(dtype="float64", na_value=np.nan)
        return arr, np.zeros(arr.shape, dtype=bool)
    text = col.astype("string").str.strip()
    present = (text.notna() & (text != "")).to_numpy(dtype=bool, na_value=False)
    arr = pd.to_numeric(text.where(present, None), errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan
    )
    needs_label = present & np.isnan(arr)
    if needs_label.any() and rs.labels:
        lookup = _label_lookup(rs)
        labels = text.to_numpy(dtype=object, na_value=None)[needs_label]
        arr[needs_label] = [lookup.get(str(v).casefold(), np.nan) for v in labels]
    bad = present & np.isnan(arr)
    return arr, bad


def _out_of_set(x: np.ndarray, rs: ResponseSet) -> np.ndarray:
    """Cells holding a number that is not an allowed code of the response set."""
    finite = ~np.isnan(x)
    bad = finite & ((x < rs.min - 1e-9) | (x > rs.max + 1e-9))
    if rs.step is not None:
        k = (x - rs.min) / rs.step
        bad |= finite & (np.abs(k - np.round(k)) > 1e-9)
    return bad


# --------------------------------------------------------------------------------------
# problems
# --------------------------------------------------------------------------------------
def _row_labels(data: pd.DataFrame) -> np.ndarray:
    if C.ROW in data.columns:
        return data[C.ROW].to_numpy()
    return data.index.to_numpy()


def _problems_for(item: str, col: str, values: pd.Series, nonnum: np.ndarray, outset: np.ndarray,
                  rs: ResponseSet, rows: np.ndarray, source: object, inst: Instrument) -> list[dict]:
    out = []
    allowed = f"{rs.min:g}..{rs.max:g}"
    if rs.labels:
        allowed += " or one of the labels " + ", ".join(f"'{v}'" for v in rs.labels.values())
    for mask, rule, msg in (
        (nonnum, "not_numeric", "is not a number or a known answer label"),
        (outset, "out_of_range", f"is outside the {inst.short_name} response scale {rs.min:g}..{rs.max:g}"),
    ):
        idx = np.flatnonzero(mask)
        for i in idx:
            out.append({
                C.SOURCE: source, C.ROW: rows[i], C.COLUMN: col, C.VALUE: str(values.iloc[i]),
                C.RULE: rule, C.MESSAGE: f"{inst.short_name} item '{item}' {msg}",
                C.FIX: f"correct the answer (allowed: {allowed}) or blank it; scores are never clipped",
                C.SEVERITY: "error",
            })
    return out


def _prepare(data: pd.DataFrame, inst: Instrument, scales: Sequence[Scale],
             columns: Mapping[str, str] | None, source: object
             ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], list[dict]]:
    """Numeric (recoded, unreversed) item arrays, invalid masks, and problem records."""
    item_cols = _item_columns(data, inst, scales, columns)
    rows = None
    values: dict[str, np.ndarray] = {}
    invalid: dict[str, np.ndarray] = {}
    problems: list[dict] = []
    for item, col in item_cols.items():
        rs = inst.response_sets[inst.item(item).response_set]
        x, nonnum = _to_numeric(data[col], rs)
        outset = _out_of_set(x, rs)
        bad = nonnum | outset
        if bad.any():
            if rows is None:
                rows = _row_labels(data)
            problems += _problems_for(item, col, data[col], nonnum, outset, rs, rows, source, inst)
            x = np.where(bad, np.nan, x)
        if rs.recode:
            codes = np.array(sorted(rs.recode), dtype="float64")
            mapped = np.array([rs.recode[c] for c in sorted(rs.recode)], dtype="float64")
            pos = np.clip(np.searchsorted(codes, x), 0, len(codes) - 1)
            x = np.where(np.isnan(x), np.nan, mapped[pos])
        values[item] = x
        invalid[item] = bad
    return values, invalid, problems


def _problems_frame(records: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(records, columns=list(C.PROBLEM_COLUMNS))


def check_items(data: pd.DataFrame, instrument: str | Instrument, *,
                columns: Mapping[str, str] | None = None, source: str | None = None) -> pd.DataFrame:
    """Check every answer against its item's response set and return all problems at once.

    Parameters
    ----------
    data
        One row per response, item answers in columns named after the item ids (or mapped
        with ``columns``). Numbers, numeric text and answer labels are accepted. Not modified.
    instrument
        Packaged instrument name, path to a YAML file, or an :class:`~evaltool.instruments.Instrument`.
    columns
        Optional map from data column to item id, e.g. ``{"Q3_1": "brs_1"}``.
    source
        File name to put in the ``source`` column.

    Returns
    -------
    DataFrame
        One row per problem, columns ``source, row, column, value, rule, message, fix,
        severity``; ``row`` is the data's ``row`` column if it has one, else its index. Rules:
        ``not_numeric`` (neither a number nor a known label), ``out_of_range`` (not an allowed
        code). Empty when every answer is valid.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"brs_1": [4, 9], "brs_2": [2, 2], "brs_3": [3, 3],
    ...                    "brs_4": [2, 2], "brs_5": [4, 4], "brs_6": [1, "often"]})
    >>> check_items(df, "brs")[["row", "column", "rule"]].to_dict("records")
    [{'row': 1, 'column': 'brs_1', 'rule': 'out_of_range'}, {'row': 1, 'column': 'brs_6', 'rule': 'not_numeric'}]
    """
    inst = load_instrument(instrument)
    wide, _ = _as_wide(data, None)
    _, _, problems = _prepare(wide, inst, inst.scales, columns, source)
    frame = _problems_frame(problems)
    return frame.sort_values([C.ROW, C.COLUMN], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------
# scoring
# --------------------------------------------------------------------------------------
def reverse_items(values: np.ndarray, response_set: ResponseSet) -> np.ndarray:
    """Reverse-key answers on the response set's scored range: ``min + max - x``.

    The range always comes from the instrument, never from the data (STATISTICS.md).

    Examples
    --------
    >>> import numpy as np
    >>> from evaltool.instruments import load_instrument
    >>> rs = load_instrument("brs").response_sets["agree5"]
    >>> reverse_items(np.array([1.0, 5.0, np.nan]), rs)
    array([ 5.,  1., nan])
    """
    return (response_set.scored_min + response_set.scored_max) - np.asarray(values, dtype="float64")


def _band_codes(score: np.ndarray, scale: Scale) -> np.ndarray:
    """Index of the band each score falls in (-1 = none / missing)."""
    out = np.full(score.shape, -1, dtype="int16")
    for i, b in enumerate(scale.bands):
        ok = ~np.isnan(score)
        if b.lower is not None:
            ok &= (score >= b.lower) if b.contains_lower() else (score > b.lower)
        if b.upper is not None:
            ok &= (score <= b.upper) if b.contains_upper() else (score < b.upper)
        out[ok & (out < 0)] = i
    return out


def _score_scale(inst: Instrument, scale: Scale, values: Mapping[str, np.ndarray],
                 invalid: Mapping[str, np.ndarray], n_rows: int) -> dict[str, np.ndarray]:
    k = len(scale.items)
    X = np.empty((n_rows, k), dtype="float64")
    n_invalid = np.zeros(n_rows, dtype="int32")
    for j, item_id in enumerate(scale.items):
        item = inst.item(item_id)
        rs = inst.response_sets[item.response_set]
        x = values[item_id]
        if scale.method in ("correct_count", "correct_percent"):
            assert item.correct is not None
            x = np.where(np.isnan(x), np.nan, np.isin(x, item.correct).astype("float64"))
        elif inst.is_reversed(scale, item_id):
            x = reverse_items(x, rs)
        X[:, j] = x
        n_invalid += invalid[item_id]
    answered = ~np.isnan(X)
    n_answered = answered.sum(axis=1).astype("int32")
    with np.errstate(invalid="ignore", divide="ignore"):
        total = np.where(answered, X, 0.0).sum(axis=1)
        mean = total / n_answered
    ok = n_answered >= max(scale.min_answered(), 1)
    if scale.method == "mean":
        s = mean
    elif scale.method == "sum":
        s = np.where(n_answered == k, total, np.nan)
    elif scale.method in ("prorated_sum", "correct_count"):
        s = k * mean
    elif scale.method == "correct_percent":
        s = 100.0 * mean
    elif scale.method == "lookup":
        assert scale.conversion is not None
        raw = k * mean
        if scale.conversion.round_before_lookup:
            raw = np.floor(raw + 0.5)
        keys = np.array(sorted(scale.conversion.table), dtype="float64")
        vals = np.array([scale.conversion.table[int(c)] for c in keys], dtype="float64")
        pos = np.clip(np.searchsorted(keys, raw), 0, len(keys) - 1)
        hit = ~np.isnan(raw) & (keys[pos] == raw)
        s = np.where(hit, vals[pos], np.nan)
    else:  # pragma: no cover - schema forbids it
        raise ParameterError(f"unknown scoring method {scale.method!r}")
    s = np.where(ok, s, np.nan)
    return {
        C.SCORE: s,
        C.N_ANSWERED: n_answered,
        C.N_INVALID: n_invalid,
        C.PRORATED: ~np.isnan(s) & (n_answered < k),
        "_band": _band_codes(s, scale),
    }


def score(
    data: pd.DataFrame,
    instrument: str | Instrument,
    *,
    scales: Sequence[str] | None = None,
    id_columns: Sequence[str] | None = None,
    columns: Mapping[str, str] | None = None,
    invalid: InvalidPolicy = "raise",
    source: str | None = None,
) -> pd.DataFrame:
    """Score an instrument's scales for every response, following the instrument file.

    Parameters
    ----------
    data
        Either wide (one row per response; item answers in columns named after the item ids
        or mapped with ``columns``) or tidy long Responses (``participant_id, timepoint, item,
        value``). Numbers, numeric text and the response set's labels are accepted. The frame
        is not modified.
    instrument
        Packaged instrument name (see :func:`~evaltool.instruments.list_instruments`), path to
        a YAML file, or an :class:`~evaltool.instruments.Instrument`.
    scales
        Scale ids to score (default: all scales of the instrument).
    id_columns
        Columns copied to the output to identify each response. Default: whichever of
        ``participant_id, timepoint, response_id, cohort`` exist (for long input: every column
        except ``item``/``value``).
    columns
        Map from data column to item id, e.g. ``{"Q3_1": "brs_1"}``.
    invalid
        ``"raise"`` (default): any non-numeric, unknown-label or out-of-range answer raises
        :class:`~evaltool.errors.DataProblemsError` whose ``problems`` table lists them all.
        ``"missing"``: such answers count as missing and are counted in ``n_invalid``.
    source
        File name used in the problems table.

    Returns
    -------
    DataFrame
        Tidy Scores, one row per response × scale: the id columns, then ``instrument, scale,
        score, n_answered, n_items, n_invalid, prorated, band``. ``score`` is missing (NaN)
        when fewer than the scale's minimum items were answered. ``prorated`` is true when a
        score was computed with items missing. ``band`` is the instrument's band label (or
        missing).

    Raises
    ------
    DataProblemsError
        With ``invalid="raise"``, when any answer is invalid (all problems in ``.problems``).
    ParameterError
        When item columns are missing or arguments are wrong.

    Notes
    -----
    Reverse keying: ``min + max - x`` on the response set's scored range. ``mean`` reproduces
    ``psych::scoreItems(keys, items, impute = "none", min, max)`` (checked to 1e-12 on
    ``psych::bfi``; the tests name the reference), with the instrument's minimum-answered rule
    applied on top. ``prorated_sum`` = ``n_items × mean(answered)``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"participant_id": ["p1", "p2"], "brs_1": [4, 5], "brs_2": [2, 1],
    ...                    "brs_3": [4, 5], "brs_4": [2, None], "brs_5": [4, 4], "brs_6": [2, 2]})
    >>> score(df, "brs")[["participant_id", "score", "n_answered", "prorated", "band"]]
      participant_id  score  n_answered  prorated   band
    0             p1    4.0           6     False  normal
    1             p2    4.6           5      True    high
    """
    if invalid not in ("raise", "missing"):
        raise ParameterError(
            f"The 'invalid' parameter of score() must be one of {{'raise', 'missing'}}. Got {invalid!r} instead."
        )
    inst = load_instrument(instrument)
    if scales is None:
        chosen = list(inst.scales)
    else:
        known = {s.id for s in inst.scales}
        bad = [s for s in scales if s not in known]
        if bad:
            raise ParameterError(
                f"{inst.short_name} has no scale(s) {bad}.", fix=f"choose from {sorted(known)}."
            )
        chosen = [inst.scale(s) for s in scales]
    wide, ids = _as_wide(data, id_columns)
    values, invalid_mask, problems = _prepare(wide, inst, chosen, columns, source)
    if problems and invalid == "raise":
        frame = _problems_frame(problems).sort_values([C.ROW, C.COLUMN], kind="stable")
        raise DataProblemsError(
            f"{len(frame)} answer(s) are not valid {inst.short_name} answers.",
            frame.reset_index(drop=True),
            fix="correct or blank them (see the problems table), or treat them as missing (invalid='missing'; on the command line --invalid missing).",
        )
    n = len(wide)
    parts = [_score_scale(inst, s, values, invalid_mask, n) for s in chosen]
    m = len(chosen)
    out: dict[str, object] = {}
    for col in ids:
        v = wide[col].to_numpy()
        out[col] = np.tile(v, m) if m > 1 else v
    out[C.INSTRUMENT] = pd.Categorical.from_codes(np.zeros(n * m, dtype="int8"), categories=[inst.id])
    out[C.SCALE] = pd.Categorical.from_codes(
        np.repeat(np.arange(m, dtype="int16"), n), categories=[s.id for s in chosen]
    )
    out[C.SCORE] = np.concatenate([p[C.SCORE] for p in parts])
    out[C.N_ANSWERED] = np.concatenate([p[C.N_ANSWERED] for p in parts])
    out[C.N_ITEMS] = np.repeat(np.array([len(s.items) for s in chosen], dtype="int32"), n)
    out[C.N_INVALID] = np.concatenate([p[C.N_INVALID] for p in parts])
    out[C.PRORATED] = np.concatenate([p[C.PRORATED] for p in parts])
    labels = list(dict.fromkeys(b.label for s in chosen for b in s.bands))
    codes = []
    for s, p in zip(chosen, parts, strict=True):
        remap = np.array([labels.index(b.label) for b in s.bands] + [-1], dtype="int16")
        codes.append(remap[p["_band"]])  # -1 indexes the trailing -1
    out[C.BAND] = pd.Categorical.from_codes(np.concatenate(codes) if codes else [], categories=labels)
    frame = pd.DataFrame(out)
    for col in ids:
        if isinstance(wide[col].dtype, pd.CategoricalDtype):
            frame[col] = pd.Categorical(frame[col], dtype=wide[col].dtype)
    return frame
