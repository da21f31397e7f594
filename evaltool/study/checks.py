"""Data checks beyond single answers: straight-lining and impossible dates."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .. import columns as C
from ..instruments import Instrument

__all__ = ["date_problems", "straightlining"]

_DATE_PAIRS = (("StartDate", "EndDate"), ("Start time", "Completion time"))


def straightlining(wide: pd.DataFrame, instruments: Mapping[str, Instrument], min_items: int = 5,
                   values: Mapping[str, np.ndarray] | None = None, take: np.ndarray | None = None) -> list[dict]:
    """Rows that gave the same answer to every item of a scale that has reverse-keyed items.

    Only scales with at least ``min_items`` items, all answered, and at least one reverse-keyed
    item are checked: identical answers there contradict themselves. The answers are the
    item columns of ``wide``, or, when ``values`` is given, ``values[item][take]`` (the
    linking step keeps answers apart from the row frame), a chunk of rows at a time.
    """
    out: list[dict] = []
    have = wide.columns if values is None else values
    sources, rows = wide[C.SOURCE].to_numpy(dtype=object), wide[C.ROW].to_numpy()
    for inst in instruments.values():
        for scale in inst.scales:
            items = [i for i in scale.items if i in have]
            if len(items) < min_items or len(items) < len(scale.items):
                continue
            if not any(inst.is_reversed(scale, i) for i in items):
                continue
            for i in _same_answers(wide, items, values, take):
                out.append({
                    "source": sources[i], "row": int(rows[i]),
                    "message": f"same answer to all {len(items)} {inst.short_name} items of '{scale.id}', "
                               "which has reverse-keyed items (straight-lining)",
                })
    return out


_CHUNK = 65_536


def _same_answers(wide: pd.DataFrame, items: list[str], values: Mapping[str, np.ndarray] | None,
                  take: np.ndarray | None) -> np.ndarray:
    """Positions of the rows with every item answered and all answers equal; rows are taken
    in chunks, so the memory used is bounded whatever the number of rows."""
    n = len(wide)
    found = []
    for start in range(0, n, _CHUNK):
        stop = min(n, start + _CHUNK)
        if values is None:
            X = wide[items].iloc[start:stop].to_numpy(dtype="float64")
        else:
            rows = take[start:stop] if take is not None else slice(start, stop)
            X = np.column_stack([values[i][rows] for i in items])
        # a row with a missing answer has NaN as max and min, and NaN == NaN is False
        same = X.max(axis=1) == X.min(axis=1)
        found.append(start + np.flatnonzero(same))
    return np.concatenate(found) if found else np.array([], dtype=np.intp)


def date_problems(data: pd.DataFrame, source: str, rownum: np.ndarray, reason: np.ndarray) -> list[dict]:
    """End before start, or dates that cannot be read, in platform date columns."""
    out: list[dict] = []
    live = pd.isna(reason)
    for start, end in _DATE_PAIRS:
        if start not in data.columns or end not in data.columns:
            continue
        s_raw, e_raw = data[start], data[end]
        s, e = _datetimes(s_raw), _datetimes(e_raw)
        bad_s = (s.isna() & s_raw.notna()).to_numpy(dtype=bool) & live
        bad_e = (e.isna() & e_raw.notna()).to_numpy(dtype=bool) & live
        backwards = (e < s).to_numpy(dtype=bool, na_value=False) & live
        for mask, col, msg in ((bad_s, start, "date cannot be read"), (bad_e, end, "date cannot be read"),
                               (backwards, end, f"'{end}' is before '{start}'")):
            for i in np.flatnonzero(mask):
                out.append({
                    C.SOURCE: source, C.ROW: int(rownum[i]), C.COLUMN: col, C.VALUE: None,
                    C.RULE: "impossible_date", C.MESSAGE: msg,
                    C.FIX: "check the platform export settings (date format, time zone)",
                    C.SEVERITY: "warning",
                })
    return out


def _datetimes(raw: pd.Series) -> pd.Series:
    """``pd.to_datetime(raw, errors="coerce", format="mixed")``; platform exports write ISO
    dates, which pandas' ISO 8601 parser reads in C at twice the speed: it is tried first and
    used when it reads every value (the same instants), else the per-value mixed parser."""
    try:
        return pd.to_datetime(raw, errors="raise", format="ISO8601")
    except (ValueError, TypeError, OverflowError):
        return pd.to_datetime(raw, errors="coerce", format="mixed")
