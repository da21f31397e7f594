"""The means and changes a pooled report may show, decided beside everything already published.

The analysis's ``disclosure`` step decided, once, every mean and change of every cohort report
and of the study report (the ``disclosure`` table). A pooled report adds its own: the pool's
mean at each survey and mean change over the people who answered both. This module rebuilds
the published cells exactly as that step did (same people, same scales, same contrasts, the
study report's retained-vs-lost means), checks them against the ``disclosure`` table, and lets
:func:`evaltool.privacy.decide_added` decide the pool's cells with the published decision
fixed: a pooled number is shown only when the linear attacker, given every published number
and the shown pooled ones, recovers no one's score and no hidden number about fewer than
``min_cell_size`` people.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ... import columns as C
from ...errors import EvaltoolError
from .. import names as N

__all__ = ["POOL_GROUP", "decide_pooled", "published_cells"]

POOL_GROUP = "pool"
"""The group name of pooled cells (their ids read ``pool=C04 + C06|brs|T1``)."""


def _setup(results: Any) -> dict[str, Any]:
    """The arguments the ``disclosure`` step gave :func:`summary_cells` (timepoints, baseline,
    contrasts), from the results."""
    tps = [str(t) for t in results.study.timepoints]
    pp = results.tables.get(N.PREPOST)
    contrasts = None
    if pp is not None and len(pp):
        contrasts = [tuple(x) for x in pp[["time_from", "time_to"]].astype(str).drop_duplicates()
                     .itertuples(index=False)]
    return {"timepoints": tps, "baseline": results.options.baseline or None, "contrasts": contrasts}


def _key(f: pd.DataFrame) -> pd.Series:
    when = f["timepoint"].where(f["statistic"] == "mean", f["contrast"]).astype(str)
    gv = f["group_value"].astype(object).where(f["group_value"].notna(), "").astype(str)
    return f["level"].astype(str) + "|" + gv + "|" + f["scale"].astype(str) + "|" + f["statistic"].astype(str) + "|" + when


def published_cells(results: Any, scales: Sequence[str]) -> tuple[Any, np.ndarray]:
    """Every cell the analysis decided for ``scales`` and whether it is shown.

    Parameters
    ----------
    results
        :class:`~evaltool.analysis.Results` with ``scores``, ``participants`` and ``disclosure``.
    scales
        The scales of the pooled report.

    Returns
    -------
    (CellSet, numpy.ndarray)
        The cells (cohorts, all participants, retained vs lost) and their shown flags from the
        ``disclosure`` table.

    Raises
    ------
    EvaltoolError
        When the results have no ``disclosure`` table, or the rebuilt cells do not match it
        (results edited or mixed).

    Examples
    --------
    >>> from evaltool.analysis import analyse
    >>> from evaltool.examples import example_study_path
    >>> cells, shown = published_cells(analyse(example_study_path()), ["brs"])
    >>> len(cells), int(shown.sum())
    (65, 28)
    """
    from ...privacy import CellSet, attrition_cells, summary_cells
    from .cohorts import _labels

    scores, parts = results.tables[N.SCORES], results.tables[N.PARTICIPANTS]
    group = results.study.cohort_group or "cohort"
    setup = _setup(results)
    scales = [s for s in scales if s in set(scores[C.SCALE].astype(str))]
    p = parts.assign(**{group: _labels(parts[group]) if group in parts.columns else None})
    cells = summary_cells(scores, p, group=group, scales=scales, study=True, **setup)
    if len(setup["timepoints"]) > 1:
        ex = attrition_cells(scores, parts, setup["timepoints"], scales=scales)
        cells = cells.concat(CellSet(ex.cells.assign(level="group"), ex.terms))
    d = results.tables.get(N.DISCLOSURE)
    if d is None:
        raise _mismatch()
    d = d[d["scale"].astype(str).isin(scales)]
    have = _key(cells.cells)
    dec = d.assign(_k=_key(d).to_numpy()).drop_duplicates("_k").set_index("_k")
    if not dec.index.isin(set(have)).all():
        raise _mismatch()
    got = dec.reindex(have)
    shown = got["shown"].fillna(False).to_numpy(dtype=bool)
    est = cells.cells["estimate"].to_numpy(dtype=float)
    mean = got["mean"].to_numpy(dtype=float)
    if not np.allclose(mean[shown], est[shown], rtol=1e-9, atol=1e-9):
        raise _mismatch()
    return cells, shown


def _mismatch() -> EvaltoolError:
    return EvaltoolError("the results' disclosure table is missing or does not match their participant-level "
                         "tables, so a pooled report cannot be checked against what was published.",
                         fix="re-run 'evaltool analyse' and make the pooled report from its results folder.")


def decide_pooled(results: Any, members: pd.DataFrame, label: str, scales: Sequence[str],
                  candidates: dict[tuple[str, str], bool]) -> dict[tuple[str, str], bool]:
    """Which of the pool's means and changes may be shown (module docstring).

    Parameters
    ----------
    results
        The results (as for :func:`published_cells`).
    members
        ``participant_id`` and ``cohort`` of the pool's people.
    label
        The pool's id (``C04 + C06``).
    scales
        The scales of the pooled report.
    candidates
        ``{(scale, timepoint or contrast): bool}``: numbers whose counts may be shown.

    Returns
    -------
    dict
        ``{(scale, timepoint or contrast): shown}`` for every pooled mean and change.

    Examples
    --------
    >>> from evaltool.analysis import analyse
    >>> from evaltool.examples import example_study_path
    >>> res = analyse(example_study_path())
    >>> p = res["participants"]
    >>> who = p.loc[p["cohort"].isin(["C04", "C06"]), ["participant_id", "cohort"]]
    >>> got = decide_pooled(res, who, "C04 + C06", ["brs"], {("brs", "T1"): True})
    >>> got[("brs", "T1")], got[("brs", "T2")]
    (True, False)
    """
    from ...privacy import decide_added, summary_cells

    pub, shown = published_cells(results, scales)
    scales = sorted(set(map(str, pub.cells["scale"])))
    who = members[[C.PARTICIPANT_ID]].assign(**{POOL_GROUP: label})
    scores = results.tables[N.SCORES]
    mine = scores[scores[C.PARTICIPANT_ID].isin(set(who[C.PARTICIPANT_ID]))]
    new = summary_cells(mine, who, group=POOL_GROUP, scales=scales, study=False, **_setup(results))
    when = new.cells["timepoint"].where(new.cells["statistic"] == "mean", new.cells["contrast"]).astype(str)
    keys = list(zip(new.cells["scale"].astype(str), when, strict=True))
    want = np.array([bool(candidates.get(key, False)) for key in keys], dtype=bool)
    k = int(results.options.min_cell_size)
    d = decide_added(pub, new, scores, results.tables[N.SCALES], shown=shown, candidates=want, min_cell_size=k)
    return dict(zip(keys, d["shown"].astype(bool), strict=True))
