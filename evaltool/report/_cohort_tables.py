"""Every cohort's rows of the cohort tables, sliced once for all the cohort reports of a run.

A run with hundreds of cohorts writes hundreds of reports from the same six tables. Filtering
each table with a boolean mask per cohort (and per scale) costs a scan of the whole table per
report, so the work grows with cohorts × rows. Here each table is read once (as shareable
outputs show it), split by cohort (and scale) in one pass, as plain rows (named tuples: reading single cells
of a DataFrame costs far more than formatting them), and the study-wide rows ("all
participants") are kept once; a report looks its rows up in a dict. Nothing is computed:
the rows are the analysis's, in the analysis's order.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import columns as C
from ..analysis import names as N
from ._context import Ctx, make_ctx, table

__all__ = ["CohortTables", "Row", "Scoped"]

Row = Any
"""A row of a cohort table: a named tuple of its columns (``row.shown``, ``row.mean`` …)."""


def _records(frame: pd.DataFrame) -> list[Row]:
    """The rows of ``frame`` as named tuples, read in one pass over the whole table."""
    return list(frame.itertuples(index=False))


def _by_cohort(rows: list[Row]) -> dict[str, list[Row]]:
    """Rows per cohort id (as a string), each in the table's order."""
    out: dict[str, list[Row]] = {}
    for r in rows:
        out.setdefault(str(r.cohort), []).append(r)
    return out


class Scoped:
    """One ``scope``-ed cohort table (``cohort_scales``, ``cohort_changes``, ``cohort_themes``):
    each cohort's rows and everyone's rows, by scale when the table has one."""

    def __init__(self, frame: pd.DataFrame | None) -> None:
        self.present = frame is not None
        rows = [] if frame is None else _records(frame)
        mine = [r for r in rows if r.scope == "cohort"]
        self.every = [r for r in rows if r.scope == "all"]
        self.mine = _by_cohort(mine)
        self.mine_s: dict[tuple[str, str], list[Row]] = {}
        self.every_s: dict[str, list[Row]] = {}
        if frame is not None and C.SCALE in frame.columns:
            for r in mine:
                self.mine_s.setdefault((str(r.cohort), str(r.scale)), []).append(r)
            for r in self.every:
                self.every_s.setdefault(str(r.scale), []).append(r)

    def scope(self, cohort: str, scale: str | None = None) -> tuple[list[Row], list[Row]]:
        """(this cohort's rows, everyone's rows), of one scale when ``scale`` is given."""
        if scale is None:
            return self.mine.get(cohort, []), self.every
        return self.mine_s.get((cohort, str(scale)), []), self.every_s.get(str(scale), [])

    def flags(self, cohort: str) -> list[bool]:
        """The ``shown`` flags of this cohort's rows."""
        return [bool(r.shown) for r in self.mine.get(cohort, [])]


class CohortTables:
    """What every cohort report of one set of results shares, read and split once.

    ``ctx`` (labels, timepoints, options), the ``cohorts`` table indexed by id, each scale's
    score range, the cohort tables split by cohort (see :class:`Scoped`), and what the reports
    show alike (:meth:`shared`: the all-participants columns, formatted once).
    """

    def __init__(self, results: Any, ctx: Ctx | None = None) -> None:
        self.results = results
        self.ctx = ctx if ctx is not None else make_ctx(results)
        self.info = results.tables[N.COHORTS].set_index("cohort")
        self._reportable = {c: bool(r) for c, r in zip(self.info.index, self.info["reportable"], strict=True)}
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
        self._find: Any = None
        self._shared: dict[Any, Any] = {}

    def shared(self, key: Any, make: Any) -> Any:
        """``make()``, made once for all the reports (the all-participants cells of a table)."""
        if key not in self._shared:
            self._shared[key] = make()
        return self._shared[key]

    @staticmethod
    def _rows(frame: pd.DataFrame | None) -> dict[str, list[Row]]:
        return {} if frame is None else _by_cohort(_records(frame))

    def rows(self, which: str, cohort: str) -> list[Row]:
        """This cohort's rows of ``responses`` or ``quotes`` (empty when it has none)."""
        split: dict[str, list[Row]] = getattr(self, which)
        return split.get(cohort, [])

    def partners(self) -> Any:
        """cohort → the cohorts it pools best with (:func:`~evaltool.analysis.steps.pooled.partner_finder`),
        ranked from the published counts read once."""
        if self._find is None:
            from ..analysis.steps.pooled import partner_finder

            self._find = partner_finder(self.results)
        return self._find

    def reportable(self, cohort: str) -> bool:
        """Whether the analysis gave ``cohort`` a report of its own (a KeyError for an unknown id)."""
        return self._reportable[cohort]
