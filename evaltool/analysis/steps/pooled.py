"""Pooled cohort summaries: several cohorts summarised as one group, after the fact.

A facilitator of a small cohort gets no numbers of its own; a report that pools it with
another cohort can give some. The analysis has already published every cohort's tables and
the all-participants numbers (every cohort report and the study report show them), so a pooled
number is new information only beside those: it is shown when it cannot be combined with them
to work out anyone's answers or a hidden number, and hidden otherwise (the same word, the same
reason text).

Means, intervals and changes. The pool's mean at each survey and mean change over the people
who answered both are decided by :func:`evaltool.analysis.steps.pooled_cells.decide_pooled`:
with every published mean and change fixed (the ``disclosure`` table: every cohort and all
participants, for every scale), a pooled number is shown only when the linear attacker
(:func:`evaltool.privacy.audit_disclosure`), solving the published numbers and the shown pooled
ones together, recovers no one's score and no hidden number about fewer than the smallest
reportable group; the pooled group itself must pass the rules every published group passes
(enough people, answers not all at one end of the scale or all alike). A mean, interval or
change is also shown only with its count (below).

Counts (people who answered a survey, people with a score, pairs, people mentioning a theme).
Within one column of a published count table the hidden cells have a known sum (the all-cohort
total minus the shown cells). Publishing the pool's count adds one equation: the sum of the
pool's hidden cells (A). Hidden cells outside the pool (B) then have a known sum too. The pooled
count is shown when it is at least the smallest reportable group and either adds nothing (A or
B is empty) or leaves every hidden cell undetermined and every revealed sum large enough: A and
B each hold at least two cells, and each sums to at least the smallest reportable group. A
percentage is shown only with its count. Quotes come only from a member cohort's surveys that
at least that many of its own people answered, so pooling never makes a quote easier to
attribute.

Each pooled report is checked against what the analysis published, not against other pooled
reports: two different pools that share a cohort can together narrow its numbers down, so pool
each small cohort once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ... import columns as C
from ..._intervals import t_interval
from ...errors import EvaltoolError
from ...privacy.paths import safe_name
from .. import names as N
from .cohorts import (
    COHORT,
    COHORT_CHANGES_COLUMNS,
    COHORT_QUOTES_COLUMNS,
    COHORT_RESPONSES_COLUMNS,
    COHORT_SCALES_COLUMNS,
    COHORT_THEMES_COLUMNS,
    COHORTS_COLUMNS,
    EVERYONE,
    _labels,
    hidden_reason,
    suggestion_codes,
)
from .pooled_cells import decide_pooled
from .quotes import pick_quotes, redaction_options, source_text

__all__ = ["POOLED_NEEDS", "partner_finder", "pool_label", "pooled_summaries", "pooling_partners"]

POOLED_NEEDS = (N.PARTICIPANTS, N.SCORES)
"""Research-only tables a pooled summary needs (plus free_text and codings for themes)."""


def _stats(frame: pd.DataFrame, keys: list[str], value: str, confidence: float) -> pd.DataFrame:
    """n, mean, SD and the t interval (:func:`evaltool._intervals.t_interval`) of ``value`` by ``keys``."""
    g = frame.groupby(keys, observed=True, sort=False)[value]
    out = pd.DataFrame({"n": g.count(), "mean": g.mean(), "sd": g.std(ddof=1)}).reset_index()
    lo, hi = t_interval(out["mean"], out["sd"], out["n"], confidence)
    return out.assign(ci_low=lo, ci_high=hi)


def pool_label(cohorts: Sequence[str]) -> str:
    """The pooled group's id in the tables: ``C06 + C07``.

    Examples
    --------
    >>> pool_label(["C06", "C07"])
    'C06 + C07'
    """
    return " + ".join(map(str, cohorts))


def _resolve(results: Any, cohorts: Sequence[str]) -> list[str]:
    info = results.tables.get(N.COHORTS)
    known = [] if info is None else sorted(map(str, info["cohort"]))
    if not known:
        raise EvaltoolError("these results have no cohorts, so there is nothing to pool.",
                            fix="add a 'cohort' group to the study file and re-run analyse.")
    out: list[str] = []
    for c in cohorts:
        hit = [k for k in known if k.casefold() == str(c).strip().casefold()]
        if not hit:
            raise EvaltoolError(f"there is no cohort '{c}' in these results.", fix=f"choose from: {', '.join(known)}.")
        if hit[0] not in out:
            out.append(hit[0])
    if len(out) < 2:
        raise EvaltoolError("a pooled report needs at least two different cohorts.",
                            fix="name the other cohort with --with, e.g. --cohort C06 --with C07.")
    return sorted(out)


def _need_research(results: Any, names: Sequence[str]) -> None:
    missing = [n for n in names if results.tables.get(n) is None]
    if missing:
        raise EvaltoolError(
            "a pooled report is computed from participant-level tables, and these results do not have "
            f"them ({', '.join(missing)} missing: the results folder has no research/ folder, as in a "
            "shared copy).",
            fix="run the pooled report on the research team's copy of the results folder (the one "
                "'evaltool analyse' wrote, with research/), or re-run analyse.")


def pool_shown(true: pd.DataFrame, shown: pd.DataFrame, pool: Sequence[str], k: int,
               hide: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """The pool's count in each column and whether it may be shown (see the module docstring).

    Parameters
    ----------
    true
        cohorts × columns: the true counts (every cohort of the published table).
    shown
        cohorts × columns: True where the published cohort table shows the count.
    pool
        The cohorts pooled.
    k
        The smallest reportable group.
    hide
        Columns that must be hidden whatever the counts (a count they are bounded by is hidden).

    Returns
    -------
    (pd.Series, pd.Series)
        The pooled counts and the shown flags, indexed by column.

    Examples
    --------
    C06 (4) is hidden at T1 and C07 (8) is shown: pooling them would reveal C06 by subtraction.
    At T4 both are hidden with two other small cohorts: the pool (6) may be shown.

    >>> import pandas as pd
    >>> true = pd.DataFrame({"T1": [4, 8, 10, 9], "T4": [2, 4, 3, 5]}, index=["C06", "C07", "C08", "C09"])
    >>> shown = pd.DataFrame({"T1": [False, True, True, False], "T4": [False, False, False, False]},
    ...                      index=true.index)
    >>> n, ok = pool_shown(true, shown, ["C06", "C07"], k=5)
    >>> n.tolist(), ok.tolist()
    ([12, 6], [False, True])
    """
    true = true.fillna(0).astype(int)
    shown = shown.reindex(index=true.index, columns=true.columns).fillna(False).astype(bool)
    inside = true.index.isin(list(pool))
    counts = true[inside].sum()
    flags = {}
    for col in true.columns:
        p = int(counts[col])
        hidden = ~shown[col].to_numpy()
        a_cells, b_cells = hidden & inside, hidden & ~inside
        a, b = int(true[col][a_cells].sum()), int(true[col][b_cells].sum())
        if hide is not None and bool(hide.get(col, False)):
            ok = False
        elif p == 0:
            ok = not a_cells.any()
        elif p < k:
            ok = False
        elif not a_cells.any() or not b_cells.any():
            ok = True
        else:
            ok = a_cells.sum() >= 2 and b_cells.sum() >= 2 and a >= k and b >= k
        flags[col] = bool(ok)
    return counts, pd.Series(flags)


class _Pool:
    """The pooled group's rows of the six cohort tables."""

    def __init__(self, results: Any, pool: list[str]) -> None:
        self.res, self.pool, self.k = results, pool, int(results.options.min_cell_size)
        self.label = pool_label(pool)
        self.reason = hidden_reason(self.k)
        info = results.tables[N.COHORTS]
        self.cohorts = sorted(map(str, info["cohort"]))
        group = results.study.cohort_group or "cohort"
        parts = results.tables[N.PARTICIPANTS]
        self.members = (parts[[C.PARTICIPANT_ID, group]].assign(cohort=_labels(parts[group]))
                        [[C.PARTICIPANT_ID, "cohort"]].dropna(subset=["cohort"]))
        self.members = self.members[self.members["cohort"].isin(self.cohorts)]
        self.parts = parts.assign(cohort=_labels(parts[group]))
        self.tps = [str(t) for t in results.study.timepoints]

    def _published(self, name: str, col: str, scale: str | None = None) -> pd.DataFrame:
        t = self.res.tables[name]
        t = t[t["cohort"].astype(str).isin(self.cohorts)] if "scope" not in t else t[t["scope"] == COHORT]
        if scale is not None:
            t = t[t[C.SCALE] == scale]
        return t.assign(**{col: t[col].astype(str)}).pivot(index="cohort", columns=col, values="shown")

    def cohort_row(self) -> pd.DataFrame:
        n = int(self.members["cohort"].isin(self.pool).sum())
        ok = n >= self.k
        return pd.DataFrame({"cohort": [self.label], "reportable": [ok],
                             "reason": ["" if ok else f"fewer than {self.k} people took part"],
                             "file": [safe_name(self.label.replace(" + ", "+"))]}, columns=list(COHORTS_COLUMNS))

    def responses(self) -> pd.DataFrame:
        tps = [t for t in self.tps if t in self.parts.columns]
        true = self.parts.groupby("cohort")[tps].sum().reindex(self.cohorts).fillna(0).astype(int)
        counts, ok = pool_shown(true, self._published(N.COHORT_RESPONSES, C.TIMEPOINT), self.pool, self.k)
        self.resp_ok = ok
        return pd.DataFrame({"cohort": self.label, C.TIMEPOINT: tps,
                             "n": [int(counts[t]) if ok[t] else pd.NA for t in tps],
                             "shown": [bool(ok[t]) for t in tps],
                             "reason": ["" if ok[t] else self.reason for t in tps]},
                            columns=list(COHORT_RESPONSES_COLUMNS)).astype({"n": "Int64"})

    def _scores(self) -> pd.DataFrame:
        s = self.res.tables[N.SCORES]
        s = s[[C.PARTICIPANT_ID, C.TIMEPOINT, C.SCALE, C.SCORE]].dropna(subset=[C.SCORE])
        s = s.assign(**{C.TIMEPOINT: s[C.TIMEPOINT].astype(object).map(str)})
        return s.merge(self.members, on=C.PARTICIPANT_ID, how="inner")

    def _counts(self) -> None:
        """Which of the pool's counts may be shown (the count rule), per scale × timepoint and
        scale × contrast; then which means and changes (:func:`decide_pooled`)."""
        pub_l, pub_c = self.res.tables[N.COHORT_SCALES], self.res.tables[N.COHORT_CHANGES]
        s = self._scores()
        self.scales = list(dict.fromkeys(pub_l[C.SCALE]))
        self.count_ok: dict[tuple[str, str], bool] = {}
        self.diffs: dict[str, dict[str, tuple[str, str, pd.Series]]] = {}
        for scale in self.scales:
            d = s[s[C.SCALE] == scale]
            tps = [t for t in self.tps if t in set(pub_l.loc[pub_l[C.SCALE] == scale, C.TIMEPOINT].astype(str))]
            true = d.groupby(["cohort", C.TIMEPOINT]).size().unstack(fill_value=0)
            true = true.reindex(index=self.cohorts, columns=tps).fillna(0).astype(int)
            hide = ~self.resp_ok.reindex(tps).fillna(False).astype(bool)
            _, ok = pool_shown(true, self._published(N.COHORT_SCALES, C.TIMEPOINT, scale), self.pool, self.k, hide)
            self.count_ok.update({(scale, t): bool(ok[t]) for t in tps})
            self.diffs[scale], true_cols, hide_c = {}, {}, {}
            wide = d.pivot_table(index=C.PARTICIPANT_ID, columns=C.TIMEPOINT, values=C.SCORE, aggfunc="first")
            who = d.drop_duplicates(C.PARTICIPANT_ID).set_index(C.PARTICIPANT_ID)["cohort"]
            cons = pub_c[pub_c[C.SCALE] == scale][["contrast", "time_from", "time_to"]].astype(str).drop_duplicates()
            for con, t0, t1 in cons.itertuples(index=False):
                if t0 not in wide or t1 not in wide:
                    continue
                diff = (wide[t1] - wide[t0]).dropna()
                coh = who.reindex(diff.index)
                self.diffs[scale][con] = (t0, t1, diff[coh.isin(self.pool).to_numpy()])
                true_cols[con] = coh.value_counts()
                hide_c[con] = not (self.count_ok.get((scale, t0), False) and self.count_ok.get((scale, t1), False))
            if true_cols:
                true = pd.DataFrame(true_cols).reindex(self.cohorts).fillna(0).astype(int)
                _, ok = pool_shown(true, self._published(N.COHORT_CHANGES, "contrast", scale), self.pool, self.k,
                                   pd.Series(hide_c))
                self.count_ok.update({(scale, con): bool(ok[con]) for con in true_cols})
        mine = self.members[self.members["cohort"].isin(self.pool)]
        self.shown = decide_pooled(self.res, mine, self.label, self.scales, self.count_ok)

    def _row(self, key: tuple[str, str], st: Any) -> dict[str, Any]:
        """n, mean and interval of one pooled number as shown (n with its count, the rest only
        when the number is shown)."""
        n_ok = bool(self.count_ok.get(key, False)) and st is not None
        shown = n_ok and bool(self.shown.get(key, False))
        return {"n": st["n"] if n_ok else np.nan, "mean": st["mean"] if shown else np.nan,
                "ci_low": st["ci_low"] if shown else np.nan, "ci_high": st["ci_high"] if shown else np.nan,
                "shown": shown, "n_shown": n_ok, "reason": "" if shown else self.reason}

    def levels(self) -> pd.DataFrame:
        pub = self.res.tables[N.COHORT_SCALES]
        s = self._scores()
        rows = [pub[pub["scope"] == EVERYONE]]
        for scale in self.scales:
            mine = s[(s[C.SCALE] == scale) & s["cohort"].isin(self.pool)]
            st = _stats(mine.assign(cohort=self.label), ["cohort", C.TIMEPOINT], C.SCORE,
                        self.res.options.confidence).set_index(C.TIMEPOINT)
            tps = [t for t in self.tps if (scale, t) in self.count_ok]
            for t in tps:
                r = self._row((scale, t), st.loc[t] if t in st.index else None)
                rows.append(pd.DataFrame([{"scope": COHORT, "cohort": self.label, C.SCALE: scale, C.TIMEPOINT: t,
                                           **r}]))
        out = pd.concat(rows, ignore_index=True).reindex(columns=list(COHORT_SCALES_COLUMNS))
        return out.astype({"n": "Int64"})

    def changes(self) -> pd.DataFrame:
        pub = self.res.tables[N.COHORT_CHANGES]
        rows = [pub[pub["scope"] == EVERYONE]]
        for scale in self.scales:
            for con, (t0, t1, diff) in self.diffs[scale].items():
                st = _stats(pd.DataFrame({"g": 1, "diff": diff.to_numpy()}), ["g"], "diff",
                            self.res.options.confidence)
                r = self._row((scale, con), st.iloc[0] if len(st) == 1 else None)
                r["n_pairs"], r["mean_diff"] = r.pop("n"), r.pop("mean")
                rows.append(pd.DataFrame([{"scope": COHORT, "cohort": self.label, C.SCALE: scale, "contrast": con,
                                           "time_from": t0, "time_to": t1, **r}]))
        out = pd.concat(rows, ignore_index=True).reindex(columns=list(COHORT_CHANGES_COLUMNS))
        return out.astype({"n_pairs": "Int64"})

    def themes(self) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
        from ...qual.coder import empty_mask

        pub = self.res.tables.get(N.COHORT_THEMES)
        codings, answers = self.res.tables.get(N.CODINGS), self.res.tables.get(N.FREE_TEXT)
        if pub is None or len(pub) == 0 or codings is None or answers is None:
            return None, None
        ans = answers[~empty_mask(answers, self.res.codebook)][[C.RESPONSE_ID, C.PARTICIPANT_ID, C.TIMEPOINT]]
        ans = ans.astype(object).merge(self.members, on=C.PARTICIPANT_ID, how="inner")
        ans[C.TIMEPOINT] = ans[C.TIMEPOINT].map(str)
        every = pub[pub["scope"] == EVERYONE]
        codes = list(every[C.CODE])
        labels = dict(zip(every[C.CODE], every["label"], strict=True))
        resp = ans.groupby("cohort")[C.PARTICIPANT_ID].nunique().reindex(self.cohorts).fillna(0).astype(int)
        cod = codings[[C.RESPONSE_ID, C.CODE]].astype(object).merge(ans, on=C.RESPONSE_ID)
        people = cod.groupby(["cohort", C.CODE])[C.PARTICIPANT_ID].nunique().unstack(fill_value=0)
        people = people.reindex(index=self.cohorts, columns=codes).fillna(0).astype(int)
        mine = pub[pub["scope"] == COHORT]
        shown_codes = mine.pivot(index="cohort", columns=C.CODE, values="shown")
        shown_resp = mine.drop_duplicates("cohort").set_index("cohort")["n_respondents"].notna()
        _, r_ok = pool_shown(resp.to_frame("r"), shown_resp.to_frame("r"), self.pool, self.k)
        n_ok, ok = pool_shown(people, shown_codes, self.pool, self.k,
                              pd.Series(not bool(r_ok["r"]), index=codes))
        n_resp = int(resp[resp.index.isin(self.pool)].sum())
        rows = [every]
        for c in codes:
            shown = bool(ok[c])
            n = int(n_ok[c]) if shown else None
            rows.append(pd.DataFrame([{
                "scope": COHORT, "cohort": self.label, C.CODE: c, "label": labels[c], "n_people": n,
                "n_respondents": n_resp if bool(r_ok["r"]) else None,
                "percent": 100.0 * n / n_resp if n is not None and n_resp else np.nan,
                "shown": shown, "reason": "" if shown else self.reason}]))
        out = pd.concat(rows, ignore_index=True).reindex(columns=list(COHORT_THEMES_COLUMNS))
        out = out.astype({"n_people": "Int64", "n_respondents": "Int64"})
        by_member = ans.groupby(["cohort", C.TIMEPOINT])[C.PARTICIPANT_ID].nunique()
        quotable = by_member[by_member >= self.k].reset_index()
        quotable = quotable[quotable["cohort"].isin(self.pool)][["cohort", C.TIMEPOINT]]
        return out, quotable

    def quotes(self, themes: pd.DataFrame, quotable: pd.DataFrame) -> pd.DataFrame:
        from ...integrate.redaction import load_identifying_terms, role_masker

        res = self.res
        empty = pd.DataFrame(columns=list(COHORT_QUOTES_COLUMNS))
        if quotable.empty:
            return empty
        group = res.study.cohort_group or "cohort"
        parts = res.tables[N.PARTICIPANTS]
        terms = list(load_identifying_terms())
        for g in res.study.groups:
            if g != group and g in parts.columns:
                terms += [str(v) for v in parts[g].dropna().unique()]
        redact = redaction_options({k: tuple(v) for k, v in res.redaction.items()})
        answers = res.tables[N.FREE_TEXT]
        ans = answers.drop(columns=[c for c in ("cohort", group) if c in answers.columns])
        ans = ans.merge(self.members, on=C.PARTICIPANT_ID, how="inner")
        ans = ans.assign(_t=ans[C.TIMEPOINT].map(str)).merge(
            quotable.rename(columns={C.TIMEPOINT: "_t"}), on=["cohort", "_t"], how="inner")
        t = themes[(themes["scope"] == COHORT) & themes["shown"] & (themes["n_people"].fillna(0) > 0)]
        t = t.sort_values("n_people", ascending=False, kind="stable")
        limits = dict(zip(t[C.CODE], t["n_people"].astype(int), strict=True))
        sugg = suggestion_codes(res.codebook, list(themes.loc[themes["scope"] == EVERYONE, C.CODE]))
        used: set[str] = set()
        rows: list[dict[str, Any]] = []
        for kind, codes, per in (("theme", [c for c in t[C.CODE] if c not in sugg][:4], 2),
                                 ("suggestion", [c for c in sugg if c in limits], 6)):
            picked = pick_quotes(res.tables[N.CODINGS], ans, codes, codebook=res.codebook, redact=redact,
                                 per_code=per, extra=role_masker(terms), used=used, limits=limits)
            rows += [{"cohort": self.label, "kind": kind, **r} for r in picked]
        out = pd.DataFrame(rows, columns=[c for c in COHORT_QUOTES_COLUMNS if c != "source"])
        labels = dict(res.study.timepoint_labels)
        out["source"] = [source_text(tp, q, dict(res.study.questions), labels)
                         for tp, q in zip(out[C.TIMEPOINT], out[C.QUESTION], strict=True)]
        return out[list(COHORT_QUOTES_COLUMNS)]


def pooled_summaries(results: Any, cohorts: Sequence[str]) -> dict[str, pd.DataFrame]:
    """The cohort tables for several cohorts pooled into one group, disclosure-controlled.

    Parameters
    ----------
    results
        :class:`~evaltool.analysis.Results` with its research-only tables (``participants``,
        ``scores``; ``free_text`` and ``codings`` for themes and quotes), i.e. from ``analyse()``
        or from a results folder that still has ``research/``. Not modified.
    cohorts
        Two or more cohort ids (matched case-insensitively).

    Returns
    -------
    dict
        ``cohorts``, ``cohort_responses``, ``cohort_scales``, ``cohort_changes``,
        ``cohort_themes`` and ``cohort_quotes`` with the same columns as the analysis's
        tables: the all-participants rows as published, and one group, ``C06 + C07``, in place
        of the cohorts. A pooled number is shown only when, beside everything the analysis
        published, it reveals no hidden number (module docstring); quotes come only from
        member cohorts' surveys answered by at least ``min_cell_size`` of their own people.

    Raises
    ------
    EvaltoolError
        Unknown cohort, fewer than two cohorts, or results without the research-only tables
        (a shared copy of the results folder).

    Examples
    --------
    >>> from evaltool.analysis import analyse
    >>> from evaltool.examples import example_study_path
    >>> pooled = pooled_summaries(analyse(example_study_path()), ["C06", "c04"])
    >>> r = pooled["cohort_responses"]
    >>> r["cohort"].iloc[0], r["shown"].tolist()
    ('C04 + C06', [False, True, True, False])
    """
    pool = _resolve(results, cohorts)
    _need_research(results, POOLED_NEEDS)
    p = _Pool(results, pool)
    out = {N.COHORTS: p.cohort_row(), N.COHORT_RESPONSES: p.responses()}
    p._counts()
    out[N.COHORT_SCALES] = p.levels()
    out[N.COHORT_CHANGES] = p.changes()
    themes, quotable = p.themes()
    if themes is not None and quotable is not None:
        out[N.COHORT_THEMES] = themes
        out[N.COHORT_QUOTES] = p.quotes(themes, quotable)
    return out


def pooling_partners(results: Any, cohort: str) -> list[str]:
    """Cohorts to pool a cohort with: those whose published numbers are hidden where its are.

    Pooling helps only where both cohorts' numbers are hidden; a partner whose numbers are
    shown where this cohort's are hidden gives a pool that must stay hidden (it would reveal
    this cohort by subtraction). Ordered by the number of such shared hidden counts of people
    answering each survey (then by id); uses only the published tables.

    Examples
    --------
    >>> from evaltool.analysis import analyse
    >>> from evaltool.examples import example_study_path
    >>> pooling_partners(analyse(example_study_path()), "C06")[:1]
    ['C04']
    """
    return partner_finder(results)(cohort)


def partner_finder(results: Any) -> Callable[[str], list[str]]:
    """:func:`pooling_partners` for many cohorts: the published counts are read once, and
    each cohort's partners are then ranked in one vectorised pass (not a scan per cohort).

    Examples
    --------
    >>> from evaltool.analysis import analyse
    >>> from evaltool.examples import example_study_path
    >>> partner_finder(analyse(example_study_path()))("C06")[:1]
    ['C04']
    """
    r = results.tables.get(N.COHORT_RESPONSES)
    if r is None or len(r) == 0:
        return lambda cohort: []
    shown = r.assign(timepoint=r[C.TIMEPOINT].astype(str)).pivot(index="cohort", columns=C.TIMEPOINT,
                                                                  values="shown").astype(bool)
    hidden = ~shown.to_numpy(dtype=bool)
    names = [str(c) for c in shown.index]
    row = {c: i for i, c in enumerate(shown.index)}

    def partners(cohort: str) -> list[str]:
        if cohort not in row:
            return []
        i = row[cohort]
        score = (hidden & hidden[i]).sum(axis=1)
        score[i] = 0
        return [names[j] for j in sorted(np.flatnonzero(score > 0), key=lambda j: (-int(score[j]), names[j]))]

    return partners
