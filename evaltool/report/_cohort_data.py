"""Cohort-level numbers for facilitator reports, with suppression decided across ALL cohorts.

Every count a cohort report can show (people responding at each timepoint, scale n, pairs for
a change, people mentioning each theme) is laid out as a cohorts × columns table whose column
totals ("all cohorts") are published in every report. Suppression (primary + complementary) is
decided on the whole table once, so the reports of different cohorts hide consistent cells and
no cohort's hidden value can be recovered as "all cohorts − the other cohorts' reports".
Participants without a cohort are left out of these tables and assumed known to an attacker
(the conservative choice): they are never counted as protection for anyone.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import columns as C
from ._context import Ctx, table
from .suppression import Suppression, suppress_counts

__all__ = ["CohortData", "cohort_data"]

RESPONDENTS = "__respondents__"


@dataclass(frozen=True)
class CohortData:
    group: str
    cohorts: list[str]
    k: int
    participation: Suppression                       # cohorts × timepoints (people responding)
    size: pd.Series                                  # people per cohort (never shown; "too small" rule)
    scale_n: dict[str, Suppression] = field(default_factory=dict)     # cohorts × timepoints
    change_n: dict[str, Suppression] = field(default_factory=dict)    # cohorts × contrasts
    themes: Suppression | None = None                # cohorts × [RESPONDENTS, codes…]
    text_respondents: pd.DataFrame | None = None     # cohorts × timepoints (not shown; quote rule)
    all_code_people: pd.Series | None = None           # code -> people (everyone, shown as "all")
    all_respondents: int = 0


_CACHE: dict[tuple[int, int, str], tuple[Any, CohortData]] = {}


def cohort_data(ctx: Ctx, qual: Any, k: int, group: str = "cohort") -> CohortData:
    """Compute (once per Results object, threshold and group column) the suppressed tables."""
    key = (id(ctx.results), k, group)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is ctx.results:
        return hit[1]
    out = _build(ctx, qual, k, group)
    try:
        def forget(_r: Any, key: tuple[int, int, str] = key) -> None:
            _CACHE.pop(key, None)

        _CACHE[key] = (weakref.ref(ctx.results, forget), out)
    except TypeError:  # pragma: no cover
        pass
    return out


def group_values(values: pd.Series) -> pd.Series:
    """Group labels as strings; missing and blank values (a CSV round trip makes them "") → None."""
    vals = [None if v is None or (isinstance(v, float) and v != v) or str(v).strip() == "" else str(v).strip()
            for v in values.astype(object).tolist()]
    return pd.Series(vals, index=values.index, dtype=object)


def cohorts_of(results: Any, group: str = "cohort") -> list[str]:
    parts = table(results, "participants")
    if parts is None or group not in parts.columns:
        return []
    return sorted({v for v in group_values(parts[group]) if isinstance(v, str)})


def _build(ctx: Ctx, qual: Any, k: int, group: str) -> CohortData:
    res = ctx.results
    cohorts = cohorts_of(res, group)
    parts = table(res, "participants")
    if parts is None:  # pragma: no cover - the caller checks that cohorts exist
        parts = pd.DataFrame(columns=[C.PARTICIPANT_ID, group])
    parts = parts.assign(**{group: group_values(parts[group])})
    parts = parts[parts[group].notna()]
    cols: dict[str, pd.Series] = {}
    for t in ctx.tps:
        if t in parts.columns:
            flag = parts[t].astype(str).str.casefold().isin(["true", "1", "1.0"])
            cols[t] = flag.groupby(parts[group]).sum()
    part = pd.DataFrame(cols).reindex(cohorts).fillna(0).astype(int)
    size = parts.groupby(group).size().reindex(cohorts).fillna(0).astype(int)
    participation = suppress_counts(part, k=k)
    scale_n: dict[str, Suppression] = {}
    change_n: dict[str, Suppression] = {}
    d = table(res, f"descriptives_by_{group}")
    if d is not None:
        d = d.assign(**{group: group_values(d[group])})
        d = d[d[group].notna()]
        for s in ctx.primary:
            sub = d[d["scale"] == s]
            if sub.empty:
                continue
            tab = sub.pivot_table(index=group, columns="timepoint", values="n", aggfunc="sum")
            tab = tab.reindex(index=cohorts, columns=[t for t in ctx.tps if t in tab.columns]).fillna(0).astype(int)
            tab = tab.loc[:, tab.sum(axis=0) > 0]  # timepoints at which the scale was not given
            # n(T) <= people responding at T: hidden there => hidden here (no bound gives it away)
            scale_n[s] = suppress_counts(tab, k=k, hide=participation.mask.reindex(columns=tab.columns))
    pp = table(res, f"prepost_by_{group}")
    if pp is not None:
        pp = pp.assign(**{group: group_values(pp[group])})
        pp = pp[pp[group].notna()]
        for s in ctx.primary:
            sub = pp[pp["scale"] == s]
            if sub.empty:
                continue
            order = list(dict.fromkeys(sub["contrast"]))
            ends = sub.drop_duplicates("contrast").set_index("contrast")[["time_from", "time_to"]]
            tab = sub.pivot_table(index=group, columns="contrast", values="n_pairs", aggfunc="sum")
            tab = tab.reindex(index=cohorts, columns=order).fillna(0).astype(int)
            tab = tab.loc[:, tab.sum(axis=0) > 0]
            order = list(tab.columns)
            # pairs <= n at either end: a hidden n hides the pairs that involve it
            hide = pd.DataFrame(False, index=cohorts, columns=order)
            if s in scale_n:
                nm = scale_n[s].mask
                for con in order:
                    for t in ends.loc[con]:
                        if t in nm.columns:
                            hide[con] |= nm.loc[cohorts, t].to_numpy(dtype=bool)
            change_n[s] = suppress_counts(tab, k=k, hide=hide)
    themes = text_resp = all_people = None
    all_resp = 0
    if qual is not None and qual.available:
        themes, text_resp, all_people, all_resp = _themes(qual, parts, cohorts, group, k, ctx.tps)
    return CohortData(group=group, cohorts=cohorts, k=k, participation=participation, size=size,
                      scale_n=scale_n, change_n=change_n, themes=themes, text_respondents=text_resp,
                      all_code_people=all_people, all_respondents=all_resp)


def _themes(qual: Any, parts: pd.DataFrame, cohorts: list[str], group: str, k: int, tps: list[str]
            ) -> tuple[Suppression, pd.DataFrame, pd.Series, int]:
    from ..qual.coder import empty_mask

    ans = qual.answers[[C.RESPONSE_ID, C.PARTICIPANT_ID, C.TIMEPOINT, C.TEXT]].astype(object)
    book = qual.codebook if qual.codebook is not None else "resilience_training"
    ans = ans[~empty_mask(ans, book)]
    every = qual.codings[[C.RESPONSE_ID, C.CODE]].astype(object).merge(ans[[C.RESPONSE_ID, C.PARTICIPANT_ID]],
                                                                       on=C.RESPONSE_ID)
    all_people = every.groupby(C.CODE)[C.PARTICIPANT_ID].nunique()
    all_resp = int(ans[C.PARTICIPANT_ID].nunique())
    who = parts[[C.PARTICIPANT_ID, group]].astype(object)
    ans = ans.merge(who, on=C.PARTICIPANT_ID, how="inner")
    ans[C.TIMEPOINT] = ans[C.TIMEPOINT].map(str)
    resp = ans.groupby(group)[C.PARTICIPANT_ID].nunique()
    text_resp = (ans.groupby([group, C.TIMEPOINT])[C.PARTICIPANT_ID].nunique().unstack(fill_value=0)
                 .reindex(index=cohorts, columns=[t for t in tps if t in set(ans[C.TIMEPOINT])]).fillna(0).astype(int))
    cod = qual.codings[[C.RESPONSE_ID, C.CODE]].astype(object).merge(ans[[C.RESPONSE_ID, C.PARTICIPANT_ID, group]],
                                                                     on=C.RESPONSE_ID)
    codes = [c for c in qual.code_order]
    people = cod.groupby([group, C.CODE])[C.PARTICIPANT_ID].nunique().unstack(fill_value=0)
    people = people.reindex(index=cohorts, columns=codes).fillna(0).astype(int)
    tab = pd.concat([resp.reindex(cohorts).fillna(0).astype(int).rename(RESPONDENTS), people], axis=1)
    # people mentioning a code <= respondents: a hidden respondent count hides the cohort's row
    hide = pd.DataFrame(False, index=tab.index, columns=tab.columns)
    sup = suppress_counts(tab, k=k)
    for _ in range(len(cohorts) + 1):
        rows = sup.mask.loc[cohorts, RESPONDENTS].to_numpy(dtype=bool)
        want = hide.copy()
        want.loc[rows, :] = True
        if want.equals(hide):
            break
        hide = want
        sup = suppress_counts(tab, k=k, hide=hide)
    return sup, text_resp, all_people, all_resp
