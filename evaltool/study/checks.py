"""Data checks beyond single answers: straight-lining and impossible dates."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .. import columns as C
from ..instruments import Instrument

__all__ = ["date_problems", "straightlining"]

_DATE_PAIRS = (("StartDate", "EndDate"), ("Start time", "Completion time"))


def straightlining(wide: pd.DataFrame, instruments: Mapping[str, Instrument], min_items: int = 5) -> list[dict]:
    """Rows that gave the same answer to every item of a scale that has reverse-keyed items.

    Only scales with at least ``min_items`` items, all answered, and at least one reverse-keyed
    item are checked: identical answers there contradict themselves.
    """
    out: list[dict] = []
    for inst in instruments.values():
        for scale in inst.scales:
            items = [i for i in scale.items if i in wide.columns]
            if len(items) < min_items or len(items) < len(scale.items):
                continue
            if not any(inst.is_reversed(scale, i) for i in items):
                continue
            X = wide[items].to_numpy(dtype="float64")
            complete = ~np.isnan(X).any(axis=1)
            same = complete & (np.nanmax(X, axis=1, initial=-np.inf) == np.nanmin(X, axis=1, initial=np.inf))
            for i in np.flatnonzero(same):
                out.append({
                    "source": wide[C.SOURCE].iloc[i], "row": int(wide[C.ROW].iloc[i]),
                    "message": f"same answer to all {len(items)} {inst.short_name} items of '{scale.id}', "
                               "which has reverse-keyed items (straight-lining)",
                })
    return out


def date_problems(data: pd.DataFrame, source: str, rownum: np.ndarray, reason: np.ndarray) -> list[dict]:
    """End before start, or dates that cannot be read, in platform date columns."""
    out: list[dict] = []
    live = pd.isna(reason)
    for start, end in _DATE_PAIRS:
        if start not in data.columns or end not in data.columns:
            continue
        s_raw, e_raw = data[start], data[end]
        s = pd.to_datetime(s_raw, errors="coerce", format="mixed")
        e = pd.to_datetime(e_raw, errors="coerce", format="mixed")
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
