"""From kept rows to participants: duplicates, near-miss ids held back, who took part when.

A participant's first appearance after the first timepoint is "joined at T2" (never
"returned"). An id first seen after the first timepoint that is a near miss of an id seen
earlier (O/0, I/1, a missing separator or zero, two digits swapped) is *held back*: its rows
are set aside with the reason "unmatched: near miss of …" until the study links it
(``participant_id.links``) or allows new participants at that timepoint.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from .. import columns as C
from ._waves import problem
from .ids import near_misses, typo_matches_by_rank
from .load import StudyFile
from .model import GroupSpec

EXCLUDED = [C.SOURCE, C.ROW, C.PARTICIPANT_ID, C.TIMEPOINT, "_reason"]
_WHY = {"first": "duplicate (kept the first response)", "last": "duplicate (kept the last response)",
        "most_complete": "duplicate (kept the most complete response)"}


def resolve_duplicates(kept: pd.DataFrame, rule: str, problems: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep one response per participant × timepoint by the study's rule; the others excluded."""
    kept = kept.assign(_file_order=np.arange(len(kept)))
    pair = _pair_codes(kept)  # participant × timepoint as one integer (no second hashing of the ids)
    dup = pd.Series(pair, index=kept.index).duplicated(keep=False)
    none = pd.DataFrame(columns=EXCLUDED)
    if not dup.any():
        return kept, none
    if rule == "error":
        d = kept[dup]
        sizes = d.groupby([C.PARTICIPANT_ID, C.TIMEPOINT])[C.ROW].transform("size")
        for (_, r), n in zip(d.iterrows(), sizes, strict=True):
            problems.append(problem(r[C.SOURCE], int(r[C.ROW]), None, None, "duplicate",
                                    f"participant has {int(n)} responses at {r[C.TIMEPOINT]}",
                                    "remove the extra submission, or choose exclusions.duplicates: "
                                    "first, last or most_complete"))
        return kept, none
    # only the columns that decide are sorted (the rows' order is all that is needed; the
    # file order is unique, so the order is the one of sorting the whole frame)
    keys = kept[["_answered", "_file_order"]].assign(_pair=pair)
    if rule == "first":
        order = keys.sort_values("_file_order")
    elif rule == "last":
        order = keys.sort_values("_file_order", ascending=False)
    else:
        order = keys.sort_values(["_answered", "_file_order"], ascending=[False, False])
    keep_idx = order.drop_duplicates("_pair", keep="first").index
    drop = kept.index.difference(keep_idx)
    removed = kept.loc[drop, EXCLUDED[:-1]].assign(_reason=_WHY[rule])
    return kept.loc[kept.index.isin(keep_idx)], removed


def _pair_codes(kept: pd.DataFrame) -> np.ndarray:
    """One integer per (participant id, timepoint) pair, equal exactly when both are (a
    missing value equal to a missing value, as ``duplicated`` takes them)."""
    pid, _ = pd.factorize(kept[C.PARTICIPANT_ID])
    tp, tps = pd.factorize(kept[C.TIMEPOINT])
    return (pid.astype(np.int64) + 1) * (len(tps) + 1) + (tp + 1)


def _first_seen(kept: pd.DataFrame, order: dict[str, int]) -> pd.Series:
    codes, uniques = pd.factorize(kept[C.TIMEPOINT])  # the map by distinct value (no string per row)
    of = [order.get(u, np.nan) for u in uniques]
    of_codes = np.array(of, dtype=np.float64 if np.isnan(of).any() or (codes < 0).any() else np.int64)
    rank = pd.Series(np.append(of_codes, np.nan)[codes] if (codes < 0).any() else of_codes[codes], index=kept.index)
    return rank.groupby(kept[C.PARTICIPANT_ID]).min()


def hold_back_near_misses(kept: pd.DataFrame, study: StudyFile, problems: list[dict],
                          id_columns: dict[str, str] | None = None
                          ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, list[str]]]:
    """Set aside the rows of ids first seen after the first timepoint that are near misses of
    an id seen earlier (unless new participants are allowed there); ``{id: [near ids]}``."""
    tps = study.spec.timepoint_ids
    order = {t: i for i, t in enumerate(tps)}
    first = _first_seen(kept, order)
    allowed = {order[t] for t in study.spec.participant_id.new_participants_at}
    ids = first.index.to_numpy(dtype=object).tolist()  # Python strings once (not an Arrow scan per rank)
    is_late = ((first > 0) & ~first.isin(list(allowed))).to_numpy(dtype=bool)
    held = typo_matches_by_rank(ids, first.to_numpy(), is_late)
    if not held:
        return kept, pd.DataFrame(columns=EXCLUDED), held
    mask = kept[C.PARTICIPANT_ID].isin(list(held)).to_numpy(dtype=bool)
    out = kept.loc[mask, EXCLUDED[:-1]].copy()
    # the reason says what happened, not whose id: reports count reasons; the pair is in the
    # match report and the problems table (research-only tables)
    out["_reason"] = "unmatched: near miss of an earlier id"
    # each held id's first row (in the rows' order), found once for all of them
    firsts = kept.loc[mask, [C.PARTICIPANT_ID, C.SOURCE, C.ROW]].drop_duplicates(C.PARTICIPANT_ID)
    first_row = {p: (src, row) for p, src, row in zip(firsts[C.PARTICIPANT_ID], firsts[C.SOURCE], firsts[C.ROW],
                                                     strict=True)}
    for p_id, near in held.items():
        rec = dict(zip((C.SOURCE, C.ROW), first_row[p_id], strict=True))
        tp = tps[int(first[p_id])]
        problems.append(problem(
            rec[C.SOURCE], int(rec[C.ROW]), (id_columns or {}).get(rec[C.SOURCE], study.spec.participant_id.column),
            f"{p_id} → {' or '.join(near)}",
            "near_miss_id", f"an id first seen at {tp} is a near miss of {' or '.join(near)}, seen earlier; "
            "its responses are held back (not linked, not counted as a new participant)",
            f"if it is the same person, add '{p_id}: {near[0]}' under participant_id.links; if it is a "
            f"new person, add {tp} under participant_id.new_participants_at", "warning"))
    return kept.loc[~mask], out, held


def participants_table(kept: pd.DataFrame, study: StudyFile, problems: list[dict]) -> pd.DataFrame:
    """One row per participant: one boolean per timepoint, groups, ``joined``, ``n_timepoints``."""
    tps = study.spec.timepoint_ids
    codes, uniques = pd.factorize(kept[C.PARTICIPANT_ID], sort=True)
    mat = np.zeros((len(uniques), len(tps)), dtype=bool)
    mat[codes, kept[C.TIMEPOINT].cat.codes.to_numpy()] = True
    present = pd.DataFrame(mat, columns=tps, index=pd.Index(uniques, name=C.PARTICIPANT_ID))
    out = present.reset_index().rename_axis(columns=None)
    for g in study.spec.groups:
        out[g.name] = _group_values(kept, out, g, problems, codes)
    out["n_timepoints"] = present.sum(axis=1).to_numpy()
    first = np.where(mat.any(axis=1), mat.argmax(axis=1), 0)
    out["joined"] = pd.Categorical.from_codes(first, dtype=pd.CategoricalDtype(tps, ordered=True))
    return out


def _group_values(kept: pd.DataFrame, parts: pd.DataFrame, g: GroupSpec, problems: list[dict],
                  pcodes: np.ndarray) -> Any:
    """Each participant's group: the value at their first timepoint with one (or at
    ``g.timepoint``); a warning per participant whose waves disagree (at their last such row).

    ``pcodes``: each kept row's participant as a row number of ``parts``. Computed on integer
    codes in one pass (no copy of the rows, no per-participant lookups)."""
    gcol = "_g_" + g.name
    if gcol not in kept.columns:
        return pd.NA
    gcodes, uniques = pd.factorize(kept[gcol], use_na_sentinel=True)
    tcodes = kept[C.TIMEPOINT].cat.codes.to_numpy()
    mask = gcodes >= 0
    if g.timepoint is not None:
        mask &= (kept[C.TIMEPOINT] == g.timepoint).to_numpy(dtype=bool)
    rows = np.flatnonzero(mask)
    by_time = rows[np.argsort(tcodes[rows], kind="stable")]
    who = pcodes[by_time]
    _, first_at = np.unique(who, return_index=True)
    first = np.full(len(parts), -1, dtype=np.int64)
    first[who[first_at]] = gcodes[by_time[first_at]]
    clash = np.unique(pcodes[rows][gcodes[rows] != first[pcodes[rows]]])
    if len(clash):
        in_clash = rows[np.isin(pcodes[rows], clash)]
        last = np.sort(len(in_clash) - 1 - np.unique(pcodes[in_clash][::-1], return_index=True)[1])
        src, rw = kept[C.SOURCE].to_numpy(), kept[C.ROW].to_numpy()
        for i in in_clash[last]:
            problems.append(problem(src[i], int(rw[i]), g.column, None, "group_conflict",
                                    f"a participant has different '{g.name}' values at different waves "
                                    "(the first wave's value is used)",
                                    "correct the group value in the export or the linking table", "warning"))
    values = np.asarray(uniques, dtype=object)
    out = np.full(len(parts), None, dtype=object)
    has = first >= 0
    out[has] = values[first[has]]
    series = pd.Series(out, index=parts.index)
    return series.astype(kept[gcol].dtype) if len(values) else series


def _typed_ids(kept: pd.DataFrame) -> pd.Series:
    typed = pd.DataFrame({C.PARTICIPANT_ID: kept[C.PARTICIPANT_ID].to_numpy(),
                          "raw": kept["_raw_id"].astype("string").str.strip().to_numpy()}).drop_duplicates()
    multi = typed.duplicated(C.PARTICIPANT_ID, keep=False).to_numpy()
    out = pd.Series(typed.loc[~multi, "raw"].to_numpy(), index=typed.loc[~multi, C.PARTICIPANT_ID].to_numpy())
    if multi.any():  # some participants typed their code in more than one way
        out = pd.concat([out, _joined_ways(typed[multi])])
    return out


def _joined_ways(typed: pd.DataFrame) -> pd.Series:
    """Per participant id, the ways it was typed, sorted and joined by ", " (one sort of the
    rows, then one join per participant: no per-group pandas objects at national scale)."""
    pid = typed[C.PARTICIPANT_ID].to_numpy(dtype=object)
    raw = typed["raw"].to_numpy(dtype=object)
    if pd.isna(raw).any() or pd.isna(pid).any():  # pragma: no cover - ids are never missing here
        return typed.sort_values("raw").groupby(C.PARTICIPANT_ID)["raw"].agg(", ".join)
    order = sorted(range(len(pid)), key=lambda i: (pid[i], raw[i]))
    keys: list[str] = []
    ways: list[str] = []
    for key, grp in itertools.groupby(order, key=lambda i: pid[i]):
        keys.append(key)
        ways.append(", ".join(raw[i] for i in grp))
    return pd.Series(ways, index=pd.Index(keys, name=C.PARTICIPANT_ID), name="raw", dtype=typed["raw"].dtype)


def match_report(kept: pd.DataFrame, parts: pd.DataFrame, study: StudyFile, dups: pd.DataFrame,
                 held: dict[str, list[str]], held_rows: pd.DataFrame, problems: list[dict]) -> pd.DataFrame:
    """Who was found at which timepoint; ids held back as near misses are listed too."""
    tps = study.spec.timepoint_ids
    mr = parts[[C.PARTICIPANT_ID, *tps, "n_timepoints"]].copy()
    joined = parts["joined"].astype(str)
    mr["status"] = np.select(
        [mr["n_timepoints"] == len(tps), joined != tps[0], mr["n_timepoints"] == 1],
        ["all timepoints", "joined at " + joined, f"{tps[0]} only"], default="some timepoints")
    if len(dups):
        counts = dups.groupby(C.PARTICIPANT_ID).size()
        mr["duplicates_removed"] = mr[C.PARTICIPANT_ID].map(counts).fillna(0).astype(int)
    else:
        mr["duplicates_removed"] = np.zeros(len(mr), dtype=int)
    mr["typed_ids"] = mr[C.PARTICIPANT_ID].map(_typed_ids(kept))
    late_ids = list(mr.loc[joined != tps[0], C.PARTICIPANT_ID])
    weak = near_misses(late_ids, list(mr.loc[joined == tps[0], C.PARTICIPANT_ID])) if late_ids else {}
    mr["suggestion"] = (np.full(len(mr), "", dtype=object) if not weak else
                        [("may be " + " or ".join(weak[p])) if p in weak else "" for p in mr[C.PARTICIPANT_ID]])
    if held:
        rows = pd.DataFrame({C.PARTICIPANT_ID: list(held)})
        for t in tps:
            rows[t] = False
        rows["n_timepoints"] = 0
        rows["status"] = [f"held back (near miss of {' or '.join(held[p])})" for p in held]
        rows["duplicates_removed"] = 0
        rows["typed_ids"] = ""
        rows["suggestion"] = ["may be " + " or ".join(held[p]) for p in held]
        mr = pd.concat([mr, rows], ignore_index=True)
    late = parts.loc[joined != tps[0], "joined"].astype(str).value_counts().sort_index()
    if len(late):
        by = ", ".join(f"{n} at {t}" for t, n in late.items())
        problems.append(problem(None, None, None, None, "joined_later",
                                f"{int(late.sum())} participant(s) first took part after {tps[0]} ({by})",
                                "check their ids in the match report; if they are new people, nothing to do",
                                "warning"))
    return mr[[C.PARTICIPANT_ID, "status", *tps, "n_timepoints", "duplicates_removed", "typed_ids", "suggestion"]]
