"""Cohort summaries for facilitator reports: every number decided together, ready to print.

:func:`cohort_summaries` is the pipeline step: from tidy scores it builds each cohort's mean
at each survey and mean change from the baseline (over the same people), the same over all
participants, decides which may be shown (:func:`decide_cells`, all cohorts and the study
report at once), hides the counts that count suppression hides, and adds confidence
intervals. Nothing is computed per cohort: one grouped pass per kind of number.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import ParameterError
from ..options import (
    DEFAULT_CONFIDENCE,
    DEFAULT_MIN_CELL_SIZE,
    check_confidence,
    check_min_cell_size,
)
from .cells import CHANGE, STUDY, CellSet, summary_cells, text_codes
from .counts import suppress_counts
from .decide import decide_cells
from .rule import DEFAULT_PROTECTION

__all__ = ["SUMMARY_COLUMNS", "as_study_cells", "attrition_cells", "cohort_summaries"]

SUMMARY_COLUMNS = ("level", "group", "group_value", C.SCALE, "statistic", C.TIMEPOINT, "time_from", "time_to",
                   "contrast", "n", "mean", "sd", "ci_low", "ci_high", "confidence", "shown", "n_shown", "reason")
"""Columns of :func:`cohort_summaries` (one row per group × scale × timepoint or contrast)."""

HIDDEN_COUNT = ("hidden with its count: fewer than {k} people, or needed so that another hidden count "
                "cannot be worked out")


def cohort_summaries(scores: pd.DataFrame, participants: pd.DataFrame | None = None, *, bounds: object,
                     group: str = C.COHORT, min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
                     confidence: float = DEFAULT_CONFIDENCE, protection: float = DEFAULT_PROTECTION,
                     timepoints: Sequence[str] | None = None, baseline: str | None = None,
                     contrasts: Sequence[tuple[str, str]] | None = None, scales: Sequence[str] | None = None,
                     study: bool = True, extra_cells: CellSet | None = None) -> pd.DataFrame:
    """Per group (cohort) and for all participants: n, mean, CI and change, with what may be shown.

    Parameters
    ----------
    scores
        Tidy Scores (``participant_id, timepoint, scale, score``). Not modified.
    participants
        One row per participant with the ``group`` column (default: ``scores[group]``).
    bounds
        Each scale's possible range: the results' ``scales`` table or ``{scale: (lo, hi)}``.
    group
        The column naming each participant's cohort.
    min_cell_size
        The smallest group any number may describe (at least 3).
    confidence
        Level of the confidence intervals (t distribution).
    protection
        Protection interval as a share of the scale's range (see :data:`DISCLOSURE_RULE`).
    timepoints, baseline, contrasts, scales
        As in :func:`summary_cells` (default: every later timepoint against the first).
    study
        Include the all-participants numbers (the study report's), decided together.
    extra_cells
        Further published cells decided together (e.g. :func:`attrition_cells`); their rows
        are returned too.

    Returns
    -------
    DataFrame
        :data:`SUMMARY_COLUMNS`, one row per group × scale × timepoint (``statistic =
        "mean"``) or contrast (``"mean_change"``, over the people with both scores), groups
        first, then ``level = "study"`` rows. ``shown`` says whether the mean, SD and interval
        may be shown (they are missing otherwise); ``n_shown`` whether the count may (``n``
        missing otherwise); ``reason`` says why something is hidden in words a shareable
        report may print. Safe to share as it stands.

    Notes
    -----
    A number is shown when :func:`decide_cells` allows it *and* its count survives count
    suppression (:func:`suppress_counts` on the groups × timepoints table of counts with the
    all-participants count as its total, and the groups × contrasts table of pairs, where a
    hidden count at either survey hides the pairs; counts whose numbers are hidden anyway are
    used first as complementary cells). A hidden count hides its number too: with the SD and
    interval shown, the count could be worked out from the interval's width. Interval: mean ± t(1 − α/2, n − 1) · SD/√n.

    Examples
    --------
    >>> from evaltool import analyse
    >>> from evaltool.examples import example_study_path
    >>> res = analyse(example_study_path())
    >>> t = cohort_summaries(res["scores"], res["participants"], bounds=res["scales"], scales=["brs"])
    >>> c03 = t[t["group_value"] == "C03"]
    >>> print(c03[["statistic", "timepoint", "contrast", "n", "shown"]].to_string(index=False))
      statistic timepoint contrast  n  shown
           mean        T1     None 12   True
           mean        T2     None 11   True
           mean        T3     None 10   True
           mean        T4     None  5   True
    mean_change      None  T2 - T1 11  False
    mean_change      None  T3 - T1 10  False
    mean_change      None  T4 - T1  5   True

    Twelve people answered at T1 and eleven of them at T2, so the change T1→T2 would differ
    from the mean at T1 by one person; it is hidden.
    """
    k = check_min_cell_size(min_cell_size, "cohort_summaries")
    level = check_confidence(confidence, "cohort_summaries")
    cells = summary_cells(scores, participants, group=group, timepoints=timepoints, baseline=baseline,
                          contrasts=contrasts, scales=scales, study=study)
    if extra_cells is not None:
        cells = cells.concat(extra_cells)
    decided = decide_cells(cells, scores, bounds, min_cell_size=k, protection=protection)
    n_shown = _count_suppression(decided, k)
    return _table(decided, n_shown, k, level)


def _count_suppression(d: pd.DataFrame, k: int) -> np.ndarray:
    """Whether each row's count may be shown (count suppression per scale and kind of number)."""
    ok = d["n"].to_numpy() >= k
    grp = (d["level"] != STUDY).to_numpy() & d["group_value"].notna().to_numpy()
    study_rows = ~grp & d["group"].isna().to_numpy()
    for scale in pd.unique(d["scale"]):
        hidden_means: pd.DataFrame | None = None
        for stat, col in (("mean", "timepoint"), (CHANGE, "contrast")):
            kind = (d["statistic"] == stat).to_numpy() & (d["scale"] == scale).to_numpy()
            rows = np.flatnonzero(grp & kind)
            if not len(rows):
                continue
            sub = d.iloc[rows]
            g = sub["group_value"].astype(object).map(str).to_numpy()
            c = sub[col].astype(object).map(str).to_numpy()
            frame = pd.DataFrame({"g": g, "c": c, "n": sub["n"].to_numpy(), "off": ~sub["shown"].to_numpy(dtype=bool)})
            tab = frame.pivot_table(index="g", columns="c", values="n", aggfunc="sum").fillna(0).astype(int)
            prefer = frame.pivot_table(index="g", columns="c", values="off", aggfunc="max").reindex_like(tab)
            hide = None
            if stat == CHANGE and hidden_means is not None:
                ends = sub.drop_duplicates(col).set_index(col)[["time_from", "time_to"]].astype(object)
                hm = hidden_means.reindex(index=tab.index)
                hide = pd.DataFrame({con: np.column_stack([
                    hm.get(str(t), pd.Series(False, index=tab.index)).fillna(False).to_numpy(dtype=bool)
                    for t in ends.loc[con]]).any(axis=1) for con in tab.columns}, index=tab.index)
            mask = suppress_counts(tab, min_cell_size=k, hide=hide, prefer=prefer.fillna(False).astype(bool)).mask
            cells = mask.iloc[:-1]
            hit = cells.to_numpy(dtype=bool)[cells.index.get_indexer(pd.Index(g)), cells.columns.get_indexer(pd.Index(c))]
            ok[rows] &= ~hit
            if stat == "mean":
                shown = pd.DataFrame({"g": g, "c": c, "hidden": ~ok[rows]})
                hidden_means = shown.pivot_table(index="g", columns="c", values="hidden", aggfunc="max")
            total = mask.iloc[-1]
            srows = np.flatnonzero(study_rows & kind)
            sc = d[col].iloc[srows].astype(object).map(str)
            ok[srows] &= ~total.reindex(sc.to_numpy()).fillna(False).to_numpy(dtype=bool)
    return ok


def _table(d: pd.DataFrame, n_shown: np.ndarray, k: int, confidence: float) -> pd.DataFrame:
    from .._intervals import t_interval

    shown = d["shown"].to_numpy() & n_shown
    n = d["n"].to_numpy(dtype=float)
    sd = d["sd"].to_numpy(dtype=float)
    mean = d["estimate"].to_numpy(dtype=float)
    low, high = t_interval(mean, sd, n, confidence)
    reason = np.where(shown, "", d["note"].astype(str).to_numpy())
    reason = np.where(~n_shown, HIDDEN_COUNT.format(k=k), reason)
    out = pd.DataFrame({
        "level": d["level"], "group": d["group"], "group_value": d["group_value"], C.SCALE: d["scale"],
        "statistic": d["statistic"], C.TIMEPOINT: d["timepoint"], "time_from": d["time_from"],
        "time_to": d["time_to"], "contrast": d["contrast"],
        "n": pd.array(np.where(n_shown, n, np.nan), dtype="Int64"),
        "mean": np.where(shown, mean, np.nan), "sd": np.where(shown, sd, np.nan),
        "ci_low": np.where(shown, low, np.nan), "ci_high": np.where(shown, high, np.nan),
        "confidence": confidence, "shown": shown, "n_shown": n_shown, "reason": reason,
    })
    return out.loc[:, list(SUMMARY_COLUMNS)]


def as_study_cells(cells: CellSet) -> CellSet:
    """The same cells marked as numbers of the study report (hidden only as a last resort)."""
    return CellSet(cells.cells.assign(level=STUDY), cells.terms)


def attrition_cells(scores: pd.DataFrame, participants: pd.DataFrame, timepoints: Sequence[str], *,
                    last: str | None = None, scales: Sequence[str] | None = None) -> CellSet:
    """The study report's baseline means of people who stayed to ``last`` and people lost.

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"participant_id": list("abcdef"), "timepoint": "T1", "scale": "brs",
    ...                        "score": [3.0, 4.0, 5.0, 2.0, 3.0, 4.0]})
    >>> parts = pd.DataFrame({"participant_id": list("abcdef"), "T1": True, "T2": [True] * 3 + [False] * 3})
    >>> attrition_cells(scores, parts, ["T1", "T2"]).cells[["cell", "n", "estimate"]]
                           cell  n  estimate
    0    attrition=lost|brs|T1  3       3.0
    1  attrition=stayed|brs|T1  3       4.0
    """
    base = str(timepoints[0])
    last = str(last or timepoints[-1])
    if last not in participants.columns:
        raise ParameterError(f"The 'participants' table has no column {last!r} saying who was seen then.")
    seen = participants[last].astype(str).str.casefold().isin(["true", "1", "1.0"])
    who = pd.DataFrame({C.PARTICIPANT_ID: participants[C.PARTICIPANT_ID].astype(str),
                        "attrition": np.where(seen, "stayed", "lost")})
    codes, text = text_codes(scores[C.TIMEPOINT])
    at_base = scores[np.append(np.asarray(text == base), False)[codes]]
    cells = summary_cells(at_base, who, group="attrition", timepoints=[base], contrasts=[], scales=scales,
                          study=False)
    table = cells.cells.assign(label=cells.cells["scale"].astype(str) + ": participants "
                               + cells.cells["group_value"].map({"stayed": f"seen at {last}",
                                                                 "lost": f"not seen at {last}"})
                               + f", at {base}")
    return as_study_cells(CellSet(table, cells.terms))
