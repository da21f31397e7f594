"""Every cohort's rows of the cohort tables, sliced once for all the cohort reports of a run.

A run with hundreds of cohorts writes hundreds of reports from the same six tables. Filtering
each table with a boolean mask per cohort (and per scale) costs a scan of the whole table per
report, so the work grows with cohorts × rows. Here each table is read once (as shareable
outputs show it), split by cohort (and scale) in one grouped pass, and the study-wide rows
("all participants") are kept once; a report looks its rows up in a dict. Nothing is computed:
the rows are the analysis's, in the analysis's order.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import columns as C
from ..analysis import names as N
from ._context import Ctx, make_ctx, table

__all__ = ["CohortTables", "Scoped"]

_EMPTY_ROWS = ("cohort", "kind", "shown")


def _by_cohort(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """``frame``'s rows per cohort id (as a string), each in the table's order."""
    key = frame["cohort"].astype(object).map(str)
    return {str(c): g for c, g in frame.groupby(key.to_numpy(), sort=False)}


class Scoped:
    """One ``scope``-ed cohort table (``cohort_scales``, ``cohort_changes``, ``cohort_themes``):
    each cohort's rows and everyone's rows, by scale when the table has one."""

    def __init__(self, frame: pd.DataFrame | None) -> None:
        self.frame = frame
        if frame is None:
            return
        self.none = frame.iloc[:0]
        mine = frame[frame["scope"] == "cohort"]
        self.every = frame[frame["scope"] == "all"]
        self.mine = _by_cohort(mine)
        self.by_scale = C.SCALE in frame.columns
        if self.by_scale:
            cohort = mine["cohort"].astype(object).map(str).to_numpy()
            scale = mine[C.SCALE].astype(object).map(str).to_numpy()
            self.mine_s = {(str(c), str(s)): g for (c, s), g in mine.groupby([cohort, scale], sort=False)}
            es = self.every[C.SCALE].astype(object).map(str).to_numpy()
            self.every_s = {str(s): g for s, g in self.every.groupby(es, sort=False)}

    def scope(self, cohort: str, scale: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(this cohort's rows, everyone's rows), of one scale when ``scale`` is given."""
        if self.frame is None:
            return pd.DataFrame(), pd.DataFrame()
        if scale is None:
            return self.mine.get(cohort, self.none), self.every
        return self.mine_s.get((cohort, str(scale)), self.none), self.every_s.get(str(scale), self.none)

    def flags(self, cohort: str) -> list[bool]:
        """The ``shown`` flags of this cohort's rows."""
        if self.frame is None or cohort not in self.mine:
            return []
        return [bool(v) for v in self.mine[cohort]["shown"]]


class CohortTables:
    """What every cohort report of one set of results shares, read and split once.

    ``ctx`` (labels, timepoints, options), the ``cohorts`` table indexed by id, each scale's
    score range, and the cohort tables split by cohort (see :class:`Scoped`).
    """

    def __init__(self, results: Any, ctx: Ctx | None = None) -> None:
        self.results = results
        self.ctx = ctx if ctx is not None else make_ctx(results)
        self.info = results.tables[N.COHORTS].set_index("cohort")
        res = self.ctx.results
        self.responses = self._rows(table(res, N.COHORT_RESPONSES))
        self.quotes = self._rows(table(res, N.COHORT_QUOTES))
        self.levels = Scoped(table(res, N.COHORT_SCALES))
        self.changes = Scoped(table(res, N.COHORT_CHANGES))
        self.themes = Scoped(table(res, N.COHORT_THEMES))
        sc: Any = self.ctx.scales.set_index("scale") if len(self.ctx.scales) else None
        self.ranges: dict[str, tuple[float, float]] = {}
        if sc is not None:
            for s, lo, hi in zip(sc.index, sc["score_min"], sc["score_max"], strict=True):
                try:
                    self.ranges[str(s)] = (float(lo), float(hi))
                except (TypeError, ValueError):
                    pass
        self._partners: dict[str, list[str]] | None = None

    @staticmethod
    def _rows(frame: pd.DataFrame | None) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
        if frame is None:
            return {}, pd.DataFrame(columns=list(_EMPTY_ROWS))
        return _by_cohort(frame), frame.iloc[:0]

    def rows(self, which: str, cohort: str) -> pd.DataFrame:
        """This cohort's rows of ``responses`` or ``quotes`` (empty when it has none)."""
        split, none = getattr(self, which)
        return split.get(cohort, none)

    def reportable(self, cohort: str) -> bool:
        return bool(self.info.loc[cohort, "reportable"])
