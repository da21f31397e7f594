"""Joint display: change in each scale by whether participants mentioned each code."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import columns as C
from .._intervals import t_interval
from ..options import (
    DEFAULT_CONFIDENCE,
    DEFAULT_MIN_CELL_SIZE,
    check_confidence,
    check_min_cell_size,
)
from ._common import (
    PRESENT,
    check_frame,
    presence,
    welch_interval,
    wide_flags,
)

__all__ = ["JOINT_DISPLAY_COLUMNS", "joint_display"]

JOINT_DISPLAY_COLUMNS = (
    C.SCALE, "time_from", "time_to", C.CODE,
    "n_with", "mean_with", "ci_low_with", "ci_high_with",
    "n_without", "mean_without", "ci_low_without", "ci_high_without",
    "difference", "difference_ci_low", "difference_ci_high", "df_welch",
    "suppressed", "method",
)
"""Columns of :func:`joint_display`."""

_METHOD = ("mean change (later − earlier) with t-based {level:.0%} CI in each group; difference "
           "= with − without, Welch t interval (R t.test(var.equal = FALSE)); groups below {k} "
           "people suppressed together")


def joint_display(
    code_matrix: pd.DataFrame,
    change: pd.DataFrame,
    *,
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
    codes: Sequence[str] | None = None,
    scales: Sequence[str] | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
) -> pd.DataFrame:
    """Mixed-methods joint display: change in each scale among those who mentioned each code
    and those who did not.

    Parameters
    ----------
    code_matrix
        Who mentioned which code: the code × participant matrix (``participant_id`` plus one
        0/1 column per code, optionally ``timepoint``; codes are pooled over timepoints), or a
        long table ``participant_id, code``. Only participants in this table count (so
        "without" means answered the free-text questions but did not mention the code).
        Not modified.
    change
        Per-person change, e.g. the ``reliable_change`` table: ``participant_id, scale,
        time_from, time_to, change`` (or ``score_from``/``score_to``). Not modified.
    min_cell_size
        Smallest group shown (default 5, at least 3). When either group is smaller (and not
        empty) the whole row is suppressed: both n and every statistic are missing, because
        the other group's n would give the small one away (n_with + n_without is known).
    codes, scales
        Restrict to these codes / scales (default: all).
    confidence
        Level of the confidence intervals.

    Returns
    -------
    DataFrame
        One row per scale × contrast × code, sorted in input order of scale, contrast and code:

        - ``scale, time_from, time_to, code``;
        - ``n_with, mean_with, ci_low_with, ci_high_with``: people who mentioned the code,
          their mean change and its t-based CI;
        - ``n_without, mean_without, ci_low_without, ci_high_without``: the others;
        - ``difference, difference_ci_low, difference_ci_high, df_welch``: mean_with −
          mean_without with Welch's interval and Welch–Satterthwaite df;
        - ``suppressed``: True when a group was below ``min_cell_size`` (all values missing);
        - ``method``: how the numbers were computed.

    Notes
    -----
    Group mean CI: x̄ ± t(1−α/2, n−1)·s/√n (R ``t.test(x)``). Difference: Welch (1947),
    SE = √(s₁²/n₁ + s₂²/n₂), df = SE⁴ / (s₁⁴/(n₁²(n₁−1)) + s₂⁴/(n₂²(n₂−1))) (R
    ``t.test(x, y)``). Checked against R's documented ``t.test(extra ~ group, data = sleep)``
    output. A joint display is descriptive: it shows where the qualitative and quantitative
    strands meet, not a causal effect of mentioning a theme.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"participant_id": list("abcdefghij"),
    ...                   "workload": [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]})
    >>> ch = pd.DataFrame({"participant_id": list("abcdefghij"), "scale": "brs",
    ...                    "time_from": "T1", "time_to": "T2",
    ...                    "change": [0.1, 0.3, 0.2, 0.4, 0.0, 0.5, 0.9, 0.7, 0.6, 0.8]})
    >>> row = joint_display(m, ch).iloc[0]
    >>> int(row.n_with), round(float(row.mean_with), 2), round(float(row.difference), 2)
    (5, 0.2, -0.5)
    """
    caller = "joint_display"
    k = check_min_cell_size(min_cell_size, caller)
    level = check_confidence(confidence, caller)
    ch = _changes(change, scales, caller)
    grid, with_code, without = _moments(ch, _Presence.of(code_matrix, caller, codes))
    return _display(grid, with_code, without, level, k)


_KEYS = [C.SCALE, "time_from", "time_to"]


def _changes(change: pd.DataFrame, scales: Sequence[str] | None, caller: str) -> pd.DataFrame:
    """Each person's change per scale × contrast (later − earlier), without missing values
    (the scales' rows chosen first: only they are converted)."""
    check_frame(change, "change", caller, [C.PARTICIPANT_ID, C.SCALE, "time_from", "time_to"])
    if "change" not in change.columns and not {"score_from", "score_to"} <= set(change.columns):
        check_frame(change, "change", caller, ["change"])
    cols = [C.PARTICIPANT_ID, C.SCALE, "time_from", "time_to"]
    change = change[cols + (["change"] if "change" in change.columns else ["score_from", "score_to"])]
    if scales is not None:
        change = change[change[C.SCALE].astype(object).isin(list(scales)).to_numpy()]
    ch = change[cols].copy()
    ch["change"] = (change["change"] if "change" in change.columns
                    else change["score_to"] - change["score_from"]).astype(float)
    for c in cols:
        ch[c] = ch[c].astype(object)
    return ch.dropna(subset=["change"])


Moments = tuple[np.ndarray, np.ndarray, np.ndarray]
"""n, mean and variance of the change in one group, per row of the grid."""


@dataclass
class _Presence:
    """Who has which code, as a people × codes matrix (``has``; ``known``: the pairs the table
    lists) and, when needed, as :func:`presence`'s long table (``long``, made on demand)."""

    who: np.ndarray
    codes: list[Any]
    has: np.ndarray
    known: np.ndarray
    missing_ids: bool
    make_long: Callable[[], pd.DataFrame]

    @property
    def long(self) -> pd.DataFrame:
        return self.make_long()

    @classmethod
    def of(cls, code_matrix: pd.DataFrame, caller: str, codes: Sequence[str] | None) -> _Presence:
        """A wide matrix with one row per participant read as it is (no long table of every
        person × code); any other table through :func:`presence`."""
        check_frame(code_matrix, "code_matrix", caller, [C.PARTICIPANT_ID])
        wide = wide_flags(code_matrix, caller, codes)
        if wide is None:
            return cls.of_long(presence(code_matrix, caller, codes))
        pid, num = wide
        has = num.to_numpy(dtype=bool)
        return cls(pid.astype(object).to_numpy(), list(num.columns), has, np.ones_like(has), False,
                   lambda: presence(code_matrix, caller, codes))

    @classmethod
    def of_long(cls, pres: pd.DataFrame) -> _Presence:
        code_order = list(pd.unique(pres[C.CODE]))
        missing = bool(pres[C.PARTICIPANT_ID].isna().any())
        people, who = pd.factorize(pres[C.PARTICIPANT_ID])
        code_at, _ = pd.factorize(pres[C.CODE])
        has = np.zeros((len(who), len(code_order)), dtype=bool)
        known = np.zeros((len(who), len(code_order)), dtype=bool)
        if not missing:
            has[people, code_at] = pres[PRESENT].to_numpy(dtype=bool)
            known[people, code_at] = True
        return cls(np.asarray(who, dtype=object), code_order, has, known, missing, lambda: pres)


def _contrasts(ch: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The distinct scale × contrast rows in order of first appearance (missing values count
    as values, as ``drop_duplicates`` does) and each change's row among them (-1 when a key is
    missing)."""
    parts = [pd.factorize(ch[k], use_na_sentinel=False) for k in _KEYS]
    key = np.zeros(len(ch), dtype=np.int64)
    for codes, uni in parts:
        key = key * max(len(uni), 1) + codes
    cid, _ = pd.factorize(key)
    _, first = np.unique(cid, return_index=True)     # codes number first appearances: code c's first row
    order_contrast = ch[_KEYS].iloc[first].reset_index(drop=True)
    cid = cid.astype(np.int64)
    cid[ch[_KEYS].isna().any(axis=1).to_numpy()] = -1
    return order_contrast, cid


def _moments(ch: pd.DataFrame, pres: _Presence | pd.DataFrame) -> tuple[pd.DataFrame, Moments, Moments]:
    """The grid (scale × contrast × code, in input order) and the moments of those with and
    without each code (``pres``: :class:`_Presence`, or :func:`presence`'s long table).

    One grouped pass per code over the changes (contrast × with/without), never a table of
    every change × every code: each group sees its values in the changes' order, as a join of
    the changes with who-has-which-code would give them, so the sums are the same.
    """
    if isinstance(pres, pd.DataFrame):
        pres = _Presence.of_long(pres)
    order_contrast, cid = _contrasts(ch)
    code_order = pres.codes
    grid = order_contrast.merge(pd.DataFrame({C.CODE: code_order}), how="cross")
    out = {(stat, flag): np.full(len(grid), np.nan) for stat in ("count", "mean", "var") for flag in (True, False)}
    pid = ch[C.PARTICIPANT_ID]
    if pid.isna().any() or pres.missing_ids:   # a join matches missing ids: the general path
        return _moments_joined(ch, pres.long, grid)
    has, known = pres.has, pres.known
    row = pd.Index(pres.who, dtype=object).get_indexer(pid.astype(object))
    take = (row >= 0) & (cid >= 0)
    values = ch["change"].to_numpy(dtype=float)[take]
    row, cid = row[take], cid[take]
    for j in range(len(code_order)):
        sel = known[row, j]
        flag = has[row[sel], j]
        key = cid[sel] * 2 + flag
        agg = pd.Series(values[sel]).groupby(key).agg(["count", "mean", "var"])
        at = (agg.index.to_numpy() // 2) * len(code_order) + j
        present = (agg.index.to_numpy() % 2).astype(bool)
        for stat in ("count", "mean", "var"):
            for f in (True, False):
                out[(stat, f)][at[present == f]] = agg[stat].to_numpy(dtype=float)[present == f]
    return (grid, (np.nan_to_num(out[("count", True)]), out[("mean", True)], out[("var", True)]),
            (np.nan_to_num(out[("count", False)]), out[("mean", False)], out[("var", False)]))


def _moments_joined(ch: pd.DataFrame, pres: pd.DataFrame, grid: pd.DataFrame) -> tuple[pd.DataFrame, Moments, Moments]:
    keys = _KEYS
    merged = ch.merge(pres, on=C.PARTICIPANT_ID, how="inner")
    g = merged.groupby([*keys, C.CODE, PRESENT], sort=False)["change"]
    agg = g.agg(["count", "mean", "var"]).reset_index()
    wide = agg.set_index([*keys, C.CODE, PRESENT])[["count", "mean", "var"]].unstack(PRESENT)

    def col(stat: str, flag: bool) -> np.ndarray:
        if (stat, flag) not in wide.columns:
            return np.full(len(grid), np.nan)
        s = wide[(stat, flag)]
        idx = pd.MultiIndex.from_frame(grid[[*keys, C.CODE]])
        return s.reindex(idx).to_numpy(dtype=float)

    return (grid, (np.nan_to_num(col("count", True)), col("mean", True), col("var", True)),
            (np.nan_to_num(col("count", False)), col("mean", False), col("var", False)))


def _display(grid: pd.DataFrame, with_code: Moments, without: Moments, level: float, k: int) -> pd.DataFrame:
    """Intervals of each group and of the difference; rows with a small group suppressed."""
    n1, m1, v1 = with_code
    n0, m0, v0 = without
    lo1, hi1 = t_interval(m1, np.sqrt(v1), n1, level)
    lo0, hi0 = t_interval(m0, np.sqrt(v0), n0, level)
    dlo, dhi, df = welch_interval(m1, v1, n1, m0, v0, n0, level)
    out = grid.copy()
    out["n_with"] = n1.astype(np.int64)
    out["mean_with"], out["ci_low_with"], out["ci_high_with"] = m1, lo1, hi1
    out["n_without"] = n0.astype(np.int64)
    out["mean_without"], out["ci_low_without"], out["ci_high_without"] = m0, lo0, hi0
    out["difference"] = m1 - m0
    out["difference_ci_low"], out["difference_ci_high"], out["df_welch"] = dlo, dhi, df
    small = ((n1 > 0) & (n1 < k)) | ((n0 > 0) & (n0 < k))
    out["suppressed"] = small
    stat_cols = [c for c in JOINT_DISPLAY_COLUMNS[4:16]]
    out[stat_cols] = out[stat_cols].astype(float)
    out.loc[small, stat_cols] = np.nan
    for c in ("n_with", "n_without"):
        out[c] = out[c].astype("Int64")
    out["method"] = _METHOD.format(level=level, k=k)
    return out[list(JOINT_DISPLAY_COLUMNS)].reset_index(drop=True)
