"""The shareable view of a table: private columns dropped, cells the disclosure decision hides
blanked.

The decision itself is made once by the pipeline (the ``disclosure`` table and the count
suppression of the summary tables); this module only applies it, so every shareable output —
reports, ``tables/*.csv``, ``results.xlsx`` — shows the same cells. A blanked row keeps its
identifying columns and says ``shown = False``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from . import names as N

__all__ = ["shareable_view"]

_KEYS = {
    N.DESCRIPTIVES: ("scale", "timepoint"),
    N.PREPOST: ("scale", "contrast"),
}
_ATTRITION_STATS = ("mean_stayed", "sd_stayed", "mean_lost", "sd_lost", "smd")


def _study_flags(decided: pd.DataFrame, statistic: str, key: str) -> dict[tuple[str, str], tuple[bool, bool]]:
    d = decided[(decided["level"] == "study") & (decided["statistic"] == statistic)]
    return {(str(s), str(k)): (bool(a), bool(b))
            for s, k, a, b in zip(d["scale"], d[key], d["shown"], d["n_shown"], strict=True)}


def _blank(frame: pd.DataFrame, keys: tuple[str, ...], flags: Mapping[tuple[str, str], tuple[bool, bool]],
           n_col: str) -> pd.DataFrame:
    out = frame.copy()
    idx = [(str(a), str(b)) for a, b in zip(out[keys[0]], out[keys[1]].astype(object), strict=True)]
    shown = np.array([flags.get(i, (True, True))[0] for i in idx], dtype=bool)
    n_shown = np.array([flags.get(i, (True, True))[1] for i in idx], dtype=bool)
    ident = set(keys) | {"time_from", "time_to", "quantile_method", "correction", "effect_size", "wilcoxon_method"}
    for c in out.columns:
        if c in ident or c == n_col:
            continue
        if pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c]):
            out[c] = out[c].astype(float).where(shown)
        elif c == "note":
            out[c] = out[c].where(shown, "")
    if n_col in out.columns:
        out[n_col] = out[n_col].astype("Float64").where(n_shown).astype("Int64")
    out["shown"] = shown
    return out


def _attrition(frame: pd.DataFrame, decided: pd.DataFrame) -> pd.DataFrame:
    d = decided[decided["group"] == "attrition"]
    hidden = set(d.loc[~d["shown"].astype(bool), "scale"].astype(str))
    n_hidden = set(d.loc[~d["n_shown"].astype(bool), "scale"].astype(str))
    out = frame.copy()
    hide = out["variable"].astype(str).isin(hidden).to_numpy()
    for c in _ATTRITION_STATS:
        if c in out.columns:
            out[c] = out[c].astype(float).where(~hide)
    nh = out["variable"].astype(str).isin(n_hidden).to_numpy()
    for c in ("n_stayed", "n_lost"):
        if c in out.columns:
            out[c] = out[c].astype("Float64").where(~nh).astype("Int64")
    out["shown"] = ~hide
    return out


_PCT = {"n_improved": "pct_improved", "n_unchanged": "pct_unchanged", "n_deteriorated": "pct_deteriorated",
        "n_recovered": "pct_recovered", "n": "percent"}


def _hide_counts(frame: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col, grp in cells.groupby("column"):
        rows = grp["row"].to_numpy(dtype=int)
        rows = rows[rows < len(out)]
        for c in (col, _PCT.get(str(col))):
            if c is not None and c in out.columns:
                out[c] = out[c].astype("Float64")
                out.loc[rows, c] = pd.NA
    return out


def shareable_view(name: str, frame: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The table as shareable outputs show it (``frame`` is not modified).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"scale": ["brs"], "timepoint": ["T4"], "n": [6], "mean": [3.1], "min": [1.0]})
    >>> dec = pd.DataFrame({"level": ["study"], "group": [None], "statistic": ["mean"], "scale": ["brs"],
    ...                     "timepoint": ["T4"], "contrast": [None], "shown": [False], "n_shown": [True]})
    >>> shareable_view("descriptives", d, {"disclosure": dec}).to_dict("records")
    [{'scale': 'brs', 'timepoint': 'T4', 'n': 6, 'mean': nan, 'shown': False}]
    """
    drop = [c for c in N.private_columns(name) if c in frame.columns]
    out = frame.drop(columns=drop) if drop else frame
    hidden = tables.get(N.HIDDEN_COUNTS)
    if hidden is not None and len(hidden) and name in set(hidden["table"]):
        out = _hide_counts(out.reset_index(drop=True), hidden[hidden["table"] == name])
    decided = tables.get(N.DISCLOSURE)
    if decided is None or len(decided) == 0:
        return out
    if name == N.DESCRIPTIVES:
        return _blank(out, _KEYS[name], _study_flags(decided, "mean", "timepoint"), "n")
    if name == N.PREPOST:
        return _blank(out, _KEYS[name], _study_flags(decided, "mean_change", "contrast"), "n_pairs")
    if name == N.ATTRITION and "variable" in out.columns:
        return _attrition(out, decided)
    return out
