"""Published cells: each number a report shows, and exactly whose values are behind it.

A *cell* is one published statistic: the mean of scale *s* at timepoint *T* over a set of
people *S*, or the mean change from *T1* to *T2* over the people *P* who answered both. Every
such number is a linear equation an attacker can write down (``n × mean = Σ coef · x``), so the
model keeps, besides the cells themselves, their *terms*: one row per person and variable with
the coefficient (+1 for a mean; +1 at *T2* and −1 at *T1* for a change). The decider
(:func:`evaltool.privacy.decide_cells`) and the attacker (:func:`evaltool.privacy.audit_disclosure`)
both work on this model, so any number a report shows can be added to it.

Counts of people (who answered a survey) are not cells here: an attacker who knows who took
part knows them already; they go through :func:`evaltool.privacy.suppress_counts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import ParameterError

__all__ = ["CELL_COLUMNS", "TERM_COLUMNS", "CellSet", "group_labels", "summary_cells"]

CELL_COLUMNS = ("cell", "level", "group", "group_value", "scale", "statistic", "timepoint",
                "time_from", "time_to", "contrast", "n", "estimate", "sd", "label")
"""Columns of :attr:`CellSet.cells` (one row per published number)."""

TERM_COLUMNS = ("cell", C.PARTICIPANT_ID, C.SCALE, C.TIMEPOINT, "coef")
"""Columns of :attr:`CellSet.terms` (one row per person × variable behind a cell)."""

STUDY = "study"
GROUP = "group"
MEAN = "mean"
CHANGE = "mean_change"
ALL = "All participants"


@dataclass(frozen=True)
class CellSet:
    """Published cells and the people behind each (what an attacker may know).

    Attributes
    ----------
    cells
        One row per cell, columns :data:`CELL_COLUMNS`: ``cell`` (unique id), ``level``
        (``"group"`` for a cohort's number, ``"study"`` for a number about all participants),
        ``group``, ``group_value``, ``scale``, ``statistic`` (``"mean"`` or ``"mean_change"``),
        ``timepoint`` (means), ``time_from``/``time_to``/``contrast`` (changes), ``n`` (people),
        ``estimate`` (the mean or mean change), ``sd`` and ``label`` (plain words).
    terms
        One row per person and variable in a cell, columns :data:`TERM_COLUMNS`: the published
        sum is ``Σ coef · value`` over the cell's terms, equal to ``n × estimate``.

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"participant_id": ["a", "b", "a", "b"], "timepoint": ["T1", "T1", "T2", "T2"],
    ...                        "scale": "brs", "score": [3.0, 4.0, 4.0, 4.0], "cohort": "C1"})
    >>> cs = summary_cells(scores, study=False)
    >>> cs.cells[["cell", "n", "estimate"]]
                         cell  n  estimate
    0     cohort=C1|brs|T1  2       3.5
    1     cohort=C1|brs|T2  2       4.0
    2  cohort=C1|brs|T2 - T1  2       0.5
    >>> len(cs.terms)
    8
    """

    cells: pd.DataFrame
    terms: pd.DataFrame

    def __post_init__(self) -> None:
        for name, frame, cols in (("cells", self.cells, CELL_COLUMNS), ("terms", self.terms, TERM_COLUMNS)):
            if not isinstance(frame, pd.DataFrame):
                raise ParameterError(f"CellSet.{name} must be a pandas DataFrame. Got {type(frame).__name__} instead.")
            missing = [c for c in cols if c not in frame.columns]
            if missing:
                raise ParameterError(f"CellSet.{name} lacks the column(s) {missing}.",
                                     fix=f"build cells with summary_cells(), or give the columns {list(cols)}.")
        if self.cells["cell"].duplicated().any():
            raise ParameterError("CellSet.cells has duplicate cell ids.", fix="give every cell its own id.")

    def __len__(self) -> int:
        return len(self.cells)

    def concat(self, *others: CellSet) -> CellSet:
        """This set with the cells of ``others`` added (ids must stay unique)."""
        sets = [self, *others]
        cells = pd.concat([s.cells for s in sets], ignore_index=True)
        return CellSet(cells, _concat_terms([s.terms for s in sets]))

    def subset(self, keep: Any) -> CellSet:
        """Only the cells where ``keep`` (booleans aligned with :attr:`cells`) is true."""
        mask = np.asarray(keep, dtype=bool)
        cells = self.cells.loc[mask].reset_index(drop=True)
        terms = _plain_terms(self.terms)
        terms = terms[terms["cell"].isin(set(cells["cell"]))].reset_index(drop=True)
        return CellSet(cells, terms)


def _concat_terms(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The terms of several sets in one table. A column that is categorical in every set stays
    categorical (over the union of the labels: national-scale sets have millions of terms, and
    the decider codes them without a string per row); other columns as plain values."""
    from pandas.api.types import union_categoricals

    out: dict[str, Any] = {}
    for col in TERM_COLUMNS:     # column by column: no plain copy of a column that stays categorical
        parts = [f[col] for f in frames]
        if all(isinstance(p.dtype, pd.CategoricalDtype) for p in parts):
            try:
                out[col] = union_categoricals(parts, ignore_order=True)
                continue
            except TypeError:   # labels of different kinds: left as plain values
                pass
        if col == "cell":
            parts = [p.astype(object) if isinstance(p.dtype, pd.CategoricalDtype) else p for p in parts]
        out[col] = pd.concat(parts, ignore_index=True)
    return pd.DataFrame(out, index=pd.RangeIndex(sum(len(f) for f in frames)))


def _plain_terms(terms: pd.DataFrame) -> pd.DataFrame:
    """Terms with the cell id as plain values (not a categorical bound to one cells table)."""
    out = terms.loc[:, list(TERM_COLUMNS)]
    return out.assign(cell=out["cell"].astype(object)) if isinstance(out["cell"].dtype, pd.CategoricalDtype) else out


def group_labels(values: pd.Series) -> pd.Series:
    """Group labels as strings; missing and blank values (a CSV round trip makes them "") → None.

    Examples
    --------
    >>> group_labels(pd.Series(["C1", " ", None, 3])).tolist()
    ['C1', None, None, '3']
    """
    if is_text(values):     # each distinct label cleaned once
        codes, uni = pd.factorize(values)
        labels = [None if str(v).strip() == "" else str(v).strip() for v in np.asarray(uni, dtype=object)]
        return pd.Series(np.array([*labels, None], dtype=object)[codes], index=values.index, dtype=object)
    text = values.astype(object).where(values.notna(), None)
    out = [None if v is None or str(v).strip() == "" else str(v).strip() for v in text.tolist()]
    return pd.Series(out, index=values.index, dtype=object)


def is_text(values: pd.Series) -> bool:
    """Whether every value is a string (a string column, or categories that are strings), so
    that equal values are equal strings and each distinct one may be handled once."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return pd.api.types.is_string_dtype(dtype.categories) and dtype.categories.inferred_type == "string"
    return isinstance(dtype, pd.StringDtype)


def text_codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes of ``values.astype(str)`` (-1 where missing) and the distinct strings, converting
    each distinct value once."""
    raw, uni = pd.factorize(values)
    text = pd.Index(np.asarray(uni, dtype=object), dtype=object).astype(str)
    codes, strings = pd.factorize(text)
    return np.where(raw >= 0, codes[np.maximum(raw, 0)] if len(codes) else -1, -1), pd.Index(strings, dtype=object)


def _order(scores: pd.DataFrame, timepoints: Sequence[str] | None) -> list[str]:
    if timepoints is not None:
        return [str(t) for t in timepoints]
    tp = scores[C.TIMEPOINT]
    if isinstance(tp.dtype, pd.CategoricalDtype):
        return [str(t) for t in tp.cat.categories]
    return sorted(map(str, tp.dropna().unique()))


@dataclass
class _Coded:
    """Scores as integer codes (one grouped pass per kind of cell works on these)."""

    frame: pd.DataFrame       # pid, sc, tp, g (-1: no group), score
    pids: pd.Index
    scales: pd.Index
    tps: list[str]
    groups: pd.Index


def _codes(values: pd.Series, categories: Sequence[str] | None = None) -> tuple[np.ndarray, pd.Index]:
    """Codes of the values as strings (sorted, or positions in ``categories``; -1 missing)."""
    codes, text = text_codes(values)
    if categories is None:
        order = np.argsort(np.asarray(text, dtype=object), kind="stable")
        rank = np.empty(len(text), dtype=np.int64)
        rank[order] = np.arange(len(text))
        return np.where(codes >= 0, rank[np.maximum(codes, 0)] if len(text) else -1, -1).astype(np.int64), \
            pd.Index(np.asarray(text, dtype=object)[order], dtype=object)
    idx = pd.Index(list(categories), dtype=object)
    where = idx.get_indexer(text)
    return np.where(codes >= 0, where[np.maximum(codes, 0)] if len(text) else -1, -1).astype(np.int64), idx


def _prepare(scores: pd.DataFrame, participants: pd.DataFrame | None, group: str,
             scales: Sequence[str] | None, order: list[str]) -> _Coded:
    need = [C.PARTICIPANT_ID, C.TIMEPOINT, C.SCALE, C.SCORE]
    if not isinstance(scores, pd.DataFrame):
        raise ParameterError(f"The 'scores' parameter must be a pandas DataFrame. Got {type(scores).__name__} instead.")
    missing = [c for c in need if c not in scores.columns]
    if missing:
        raise ParameterError(f"The 'scores' table lacks the column(s) {missing}.",
                             fix=f"pass tidy Scores; columns given: {list(map(str, scores.columns))}.")
    keep = need + ([group] if participants is None and group in scores.columns and group not in need else [])
    s = scores.loc[scores[C.SCORE].notna().to_numpy(), keep]     # only the columns used: no copy of the rest
    if scales is not None:
        codes, text = text_codes(s[C.SCALE])
        wanted = np.append(text.isin([str(x) for x in scales]), False)
        s = s[wanted[codes]]
    pid, pids = _codes(s[C.PARTICIPANT_ID])
    sc, scs = _codes(s[C.SCALE])
    tp, _ = _codes(s[C.TIMEPOINT], order)
    if participants is not None:
        if group not in participants.columns or C.PARTICIPANT_ID not in participants.columns:
            raise ParameterError(f"The 'participants' table needs the columns 'participant_id' and {group!r}.",
                                 fix=f"columns given: {list(map(str, participants.columns))}.")
        who = pd.Series(group_labels(participants[group]).to_numpy(),
                        index=participants[C.PARTICIPANT_ID].astype(str))
        who = who[~who.index.duplicated()]
        g, groups = _person_groups(pd.Series(who.reindex(pids).to_numpy(), dtype=object), pid)
    else:
        g_text = (group_labels(s[group]).reset_index(drop=True) if group in scores.columns
                  else pd.Series([None] * len(s), dtype=object))
        known = g_text.notna().to_numpy()
        g = np.full(len(s), -1, dtype=np.int64)
        g_codes, groups = pd.factorize(g_text[known].astype(str), sort=True)
        g[known] = g_codes
    frame = pd.DataFrame({"pid": pid, "sc": sc, "tp": tp, "g": g, C.SCORE: s[C.SCORE].to_numpy(dtype=float)})
    if (tp < 0).any():
        raise ParameterError("The 'scores' table has timepoints that are not in 'timepoints'.",
                             fix=f"list every timepoint: {sorted(set(map(str, s[C.TIMEPOINT])))}.")
    key = ((pid + 1) * (len(order) + 1) + tp) * (len(scs) + 1) + sc + 1    # one number per (pid, tp, sc)
    if pd.Index(key).has_duplicates:
        raise ParameterError("The 'scores' table has more than one score per participant, timepoint and scale.",
                             fix="pass one row per participant × timepoint × scale.")
    return _Coded(frame, pids, scs, order, pd.Index(groups, dtype=object))


def _person_groups(labels: pd.Series, pid: np.ndarray) -> tuple[np.ndarray, pd.Index]:
    """Each row's group code from each person's group label (None: no group), the groups
    sorted; every person has a row, so the groups are those of the rows."""
    known = labels.notna().to_numpy()
    per_person = np.full(len(labels), -1, dtype=np.int64)
    codes, groups = pd.factorize(labels[known].astype(str), sort=True)
    per_person[known] = codes
    return per_person[pid], groups


def _cells_frame(keys: pd.DataFrame, data: _Coded, level: str, group: str, statistic: str) -> pd.DataFrame:
    n = len(keys)
    gv = data.groups.to_numpy()[keys["g"].to_numpy()] if level == GROUP else np.full(n, None, dtype=object)
    scale = data.scales.to_numpy()[keys["sc"].to_numpy()]
    tps = np.asarray(data.tps, dtype=object)
    out = pd.DataFrame({
        "level": level, "group": group if level == GROUP else None, "group_value": gv, "scale": scale,
        "statistic": statistic,
        "timepoint": tps[keys["tp"].to_numpy()] if statistic == MEAN else None,
        "time_from": tps[keys["t0"].to_numpy()] if statistic == CHANGE else None,
        "time_to": tps[keys["t1"].to_numpy()] if statistic == CHANGE else None,
        "n": keys["n"].to_numpy(dtype=np.int64), "estimate": keys["mean"].to_numpy(dtype=float),
        "sd": keys["sd"].to_numpy(dtype=float),
    }, index=range(n))
    at = int(list(out.columns).index("time_to")) + 1
    if statistic == CHANGE:
        out.insert(at, "contrast", out["time_to"] + " - " + out["time_from"])
    else:
        out.insert(at, "contrast", None)
    who = (group + "=" + out["group_value"].astype(str)) if level == GROUP else pd.Series("all", index=out.index)
    when = out["timepoint"] if statistic == MEAN else out["contrast"]
    out.insert(0, "cell", who + "|" + out["scale"].astype(str) + "|" + when.astype(str))
    name = ("people in " + out["group_value"].astype(str)) if level == GROUP else pd.Series("all participants", index=out.index)
    if statistic == MEAN:
        out["label"] = out["scale"].astype(str) + ": " + name + " who answered at " + out["timepoint"].astype(str)
    else:
        out["label"] = (out["scale"].astype(str) + ": " + name + " who answered at both "
                        + out["time_from"].astype(str) + " and " + out["time_to"].astype(str))
    return out


def _aggregate(frame: pd.DataFrame, keys: list[str], value: str) -> tuple[pd.DataFrame, np.ndarray]:
    """n, mean, sd per key (one grouped pass, in sorted key order) and each row's group number.

    The key columns (integer codes) are combined into one integer whose order is theirs, so
    the grouping hashes one column instead of one per key (the same groups, in the same order,
    each seeing its values in row order: the same sums)."""
    cols = [frame[k].to_numpy(dtype=np.int64) for k in keys]
    width = [int(c.max(initial=-1)) + 2 for c in cols]      # codes from -1: shifted by one
    key = np.zeros(len(frame), dtype=np.int64)
    for c, w in zip(cols, width, strict=True):
        key = key * w + (c + 1)
    codes, uni = pd.factorize(key, sort=True)
    g = pd.Series(frame[value].to_numpy(dtype=float)).groupby(codes, sort=True)
    agg = g.agg(n="count", mean="mean", sd="std").reset_index(drop=True)
    rest = np.asarray(uni, dtype=np.int64)
    parts = {}
    for k, w in zip(reversed(keys), reversed(width), strict=True):
        parts[k] = rest % w - 1
        rest = rest // w
    out = pd.DataFrame({k: parts[k] for k in keys})
    return pd.concat([out, agg], axis=1), codes.astype(np.int64)


_Terms = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]   # cell, pid, sc, tp, coef


def _mean_part(data: _Coded, level: str, group: str) -> tuple[pd.DataFrame, _Terms]:
    f = data.frame[data.frame["g"] >= 0] if level == GROUP else data.frame
    keys = (["g"] if level == GROUP else []) + ["sc", "tp"]
    agg, row_cell = _aggregate(f, keys, C.SCORE)
    cells = _cells_frame(agg, data, level, group, MEAN)
    return cells, (row_cell, f["pid"].to_numpy(), f["sc"].to_numpy(), f["tp"].to_numpy(), np.ones(len(f), np.int8))


def _pairs(data: _Coded, contrasts: Sequence[tuple[int, int]]) -> pd.DataFrame:
    """Each person × scale with scores at both ends of a contrast (an inner join on person and
    scale, in the earlier survey's row order: by a table of the (person, scale) key space)."""
    f = data.frame
    pid, sc, tp = f["pid"].to_numpy(), f["sc"].to_numpy(), f["tp"].to_numpy()
    score, g = f[C.SCORE].to_numpy(dtype=float), f["g"].to_numpy()
    n_sc = len(data.scales) + 1
    key = (pid + 1) * n_sc + (sc + 1)            # unique per timepoint (checked by _prepare)
    frames = []
    for t0, t1 in contrasts:
        a, b = np.flatnonzero(tp == t0), np.flatnonzero(tp == t1)
        at = np.full((len(data.pids) + 1) * n_sc, -1, dtype=np.int64)
        at[key[b]] = b
        to = at[key[a]]
        a, to = a[to >= 0], to[to >= 0]
        frames.append(pd.DataFrame({"pid": pid[a], "sc": sc[a], f"{C.SCORE}_from": score[a], "g": g[a],
                                    f"{C.SCORE}_to": score[to], "t0": t0, "t1": t1,
                                    "diff": score[to] - score[a]}))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=np.int64) for c in ("pid", "sc", "g", "t0", "t1")}).assign(diff=0.0)
    return pd.concat(frames, ignore_index=True)


def _change_part(pairs: pd.DataFrame, data: _Coded, level: str, group: str) -> tuple[pd.DataFrame, _Terms]:
    f = pairs[pairs["g"] >= 0] if level == GROUP else pairs
    keys = (["g"] if level == GROUP else []) + ["sc", "t0", "t1"]
    agg, row_cell = _aggregate(f, keys, "diff")
    cells = _cells_frame(agg, data, level, group, CHANGE)
    n = len(f)
    pid, sc = f["pid"].to_numpy(), f["sc"].to_numpy()
    return cells, (np.concatenate([row_cell, row_cell]), np.concatenate([pid, pid]), np.concatenate([sc, sc]),
                   np.concatenate([f["t1"].to_numpy(), f["t0"].to_numpy()]),
                   np.concatenate([np.ones(n, np.int8), -np.ones(n, np.int8)]))


def summary_cells(scores: pd.DataFrame, participants: pd.DataFrame | None = None, *, group: str = C.COHORT,
                  timepoints: Sequence[str] | None = None, baseline: str | None = None,
                  contrasts: Sequence[tuple[str, str]] | None = None, scales: Sequence[str] | None = None,
                  groups: bool = True, study: bool = True) -> CellSet:
    """The cells a cohort report (per group) and the study report (all participants) publish.

    Parameters
    ----------
    scores
        Tidy Scores: ``participant_id, timepoint, scale, score`` (missing scores are left out).
        Not modified.
    participants
        One row per participant with the ``group`` column (cohort). Default: ``scores[group]``.
        Participants without a group count in the study-level cells only.
    group
        Column naming each participant's cohort.
    timepoints
        Study order (default: the categories of ``scores.timepoint``, else sorted).
    baseline
        The first survey (default: the first timepoint).
    contrasts
        ``(time_from, time_to)`` pairs (default: every later timepoint against the baseline, as
        :func:`evaltool.stats.prepost` does).
    scales
        Scales to include (default: all).
    groups, study
        Include the per-group cells, the all-participants cells.

    Returns
    -------
    CellSet
        For each group × scale × timepoint the mean over everyone with a score; for each group ×
        scale × contrast the mean change over everyone with both scores; the same over all
        participants (``level = "study"``). Built in one grouped pass per kind of cell.

    Examples
    --------
    >>> from evaltool import analyse
    >>> from evaltool.examples import example_study_path
    >>> res = analyse(example_study_path())
    >>> cs = summary_cells(res["scores"], res["participants"], scales=["brs"])
    >>> cs.cells.groupby(["level", "statistic"]).size().to_dict()
    {('group', 'mean'): 32, ('group', 'mean_change'): 24, ('study', 'mean'): 4, ('study', 'mean_change'): 3}
    """
    order = _order(scores, timepoints)
    data = _prepare(scores, participants, group, scales, order)
    base = str(baseline) if baseline is not None else (order[0] if order else None)
    if contrasts is None:
        contrasts = [(base, t) for t in order if t != base] if base is not None else []
    rank = {t: i for i, t in enumerate(order)}
    bad = [t for pair in contrasts for t in pair if str(t) not in rank]
    if bad:
        raise ParameterError(f"The 'contrasts' of summary_cells() name timepoints that are not in the study: {bad}.",
                             fix=f"use timepoints from {order}.")
    pairs = _pairs(data, [(rank[str(a)], rank[str(b)]) for a, b in contrasts])
    parts: list[tuple[pd.DataFrame, _Terms]] = []
    for level, on in ((GROUP, groups), (STUDY, study)):
        if on:
            parts.append(_mean_part(data, level, group))
            parts.append(_change_part(pairs, data, level, group))
    return _assemble(parts, data, order)


def _assemble(parts: list[tuple[pd.DataFrame, _Terms]], data: _Coded, order: list[str]) -> CellSet:
    if not parts:
        return CellSet(pd.DataFrame(columns=list(CELL_COLUMNS)), pd.DataFrame(columns=list(TERM_COLUMNS)))
    offsets = np.cumsum([0] + [len(c) for c, _ in parts[:-1]])
    cells = pd.concat([c for c, _ in parts], ignore_index=True)
    terms = [np.concatenate([t[i] + (off if i == 0 else 0) for (_, t), off in zip(parts, offsets, strict=True)])
             for i in range(5)]
    perm = _sort_order(cells, order)
    cells = cells.loc[perm].reset_index(drop=True).loc[:, list(CELL_COLUMNS)]
    new_pos = np.empty(len(perm), dtype=np.int64)
    new_pos[perm] = np.arange(len(perm))
    frame = pd.DataFrame({
        "cell": pd.Categorical.from_codes(new_pos[terms[0]], categories=pd.Index(cells["cell"], dtype=object)),
        C.PARTICIPANT_ID: pd.Categorical.from_codes(terms[1], categories=data.pids),
        C.SCALE: pd.Categorical.from_codes(terms[2], categories=data.scales),
        C.TIMEPOINT: pd.Categorical.from_codes(terms[3], categories=pd.Index(data.tps, dtype=object)),
        "coef": terms[4],
    })
    return CellSet(cells, frame)


def _sort_order(cells: pd.DataFrame, order: list[str]) -> np.ndarray:
    rank = pd.Series({t: i for i, t in enumerate(order)}, dtype=float)
    when = cells["timepoint"].where(cells["statistic"] == MEAN, cells["time_to"])
    key = pd.DataFrame({
        "level": (cells["level"] == STUDY).astype(int), "g": cells["group_value"].astype(str),
        "s": cells["scale"].astype(str), "kind": (cells["statistic"] == CHANGE).astype(int),
        "t": when.map(rank).fillna(len(order)).to_numpy(),
        "f": cells["time_from"].map(rank).fillna(-1).to_numpy(),
    })
    return key.sort_values(["level", "g", "s", "kind", "t", "f"], kind="stable").index.to_numpy()
