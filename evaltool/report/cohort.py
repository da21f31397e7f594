"""The facilitator's cohort report: one cohort beside everyone, in plain language.

A view of the ``cohorts``, ``cohort_responses``, ``cohort_scales``, ``cohort_changes``,
``cohort_themes`` and ``cohort_quotes`` tables, where the analysis already decided (across all
cohorts at once) which numbers may be shown and redacted every quote. Nothing is computed here.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .. import columns as C
from ..analysis import names as N
from ..errors import EvaltoolError
from . import _fmt as F
from ._context import Ctx, check_results, make_ctx, table
from ._svg import means_svg
from .model import Callout, FigureBlock, QuoteBlock, Report, Section, TableBlock, TextBlock
from .study import SYNTHETIC_BANNER

__all__ = ["build_cohort_report", "list_cohorts"]

_VALUES = ("These results describe the group, not individual people. Resilience depends on workload, "
           "staffing, culture and support as much as on each person, so please do not use this report to "
           "judge or compare individual staff.")


def list_cohorts(results: Any) -> list[str]:
    """The cohort ids in the results (sorted); empty when the study has no cohort group.

    Parameters
    ----------
    results
        :class:`evaltool.analysis.Results` (its ``cohorts`` table is used).

    Returns
    -------
    list of str
        The cohort ids as the study spells them.

    Examples
    --------
    >>> import pandas as pd
    >>> from evaltool.analysis import Results
    >>> cohorts = pd.DataFrame({"cohort": ["C01", "C02"], "reportable": [True, False],
    ...                         "reason": ["", "fewer than 5 people took part"], "file": ["C01", "C02"]})
    >>> list_cohorts(Results(tables={"cohorts": cohorts}))
    ['C01', 'C02']
    """
    t = results.tables.get(N.COHORTS)
    return [] if t is None else sorted(map(str, t["cohort"]))


def resolve_cohort(results: Any, cohort: str) -> str:
    """The cohort id as the results spell it (matched case-insensitively), or a clear error."""
    known = list_cohorts(results)
    if not known:
        raise EvaltoolError("these results have no cohorts, so there are no cohort reports.",
                            fix="add a 'cohort' group to the study file (groups: - name: cohort) and re-run analyse.")
    if str(cohort) in known:
        return str(cohort)
    folded = [c for c in known if c.casefold() == str(cohort).strip().casefold()]
    if len(folded) == 1:
        return folded[0]
    raise EvaltoolError(f"there is no cohort '{cohort}' in these results.", fix=f"choose one of: {', '.join(known)}.")


def build_cohort_report(results: Any, cohort: str, *, template_dirs: Sequence[str | Path] = ()) -> Report:
    """Build the facilitator report for one cohort.

    Parameters
    ----------
    results
        :class:`evaltool.analysis.Results` (from ``analyse()`` or ``load_results()``). Not modified.
    cohort
        The cohort id (see :func:`list_cohorts`; matched case-insensitively).
    template_dirs
        Folders searched first for templates.

    Returns
    -------
    Report
        Summary (page one, plain language), What changed, What participants said, What they
        suggested, About this report. A cohort with fewer people than the study's smallest
        reportable group gets a report that says so and shows no numbers about it.

    Raises
    ------
    EvaltoolError
        When the cohort is not in the results (the message lists the cohorts that are).

    Notes
    -----
    Shows only what the analysis's disclosure control allowed (the same decision for every
    cohort report and the study report), and quotes redacted with role words masked.

    Examples
    --------
    >>> from evaltool.analysis import analyse
    >>> from evaltool.examples import example_study_path
    >>> rep = build_cohort_report(analyse(example_study_path()), "C03")
    >>> [s.title for s in rep.sections][:2], rep.sections[-1].title
    (['Summary', 'What changed'], 'About this report')
    """
    check_results(results, "build_cohort_report")
    cohort = resolve_cohort(results, cohort)
    ctx = make_ctx(results)
    info = results.tables[N.COHORTS].set_index("cohort")
    rep = Report(title=f"Cohort {cohort}: feedback report", subtitle=results.study.name,
                 template="cohort_report.html.j2")
    rep = rep.with_meta(generated=_dt.date.today().isoformat(), threshold=ctx.k, cohort=cohort)
    if results.synthetic:
        rep = rep.with_banner(SYNTHETIC_BANNER)
    if not bool(info.loc[cohort, "reportable"]):
        return _too_small(rep, cohort, ctx.k)
    view = _View(ctx, cohort)
    rep = rep.add_section(view.summary())
    for sec in (*view.changes(), view.said(), view.suggested(), view.about()):
        rep = rep.add_section(sec)
    return rep


def _too_small(rep: Report, cohort: str, k: int) -> Report:
    sec = Section("Summary").add(
        Callout(f"Cohort {cohort} is too small for a report of its own: fewer than {k} people took part. "
                "To protect their anonymity this report shows no results, no counts and no quotes for this "
                "cohort.", level="warning"),
        TextBlock("What you can do instead:\n\n"
                  "- Use the study report, which shows everyone's results together.\n"
                  f"- Ask the evaluation team for a report that pools this cohort with another one "
                  f"(evaltool report cohort RESULTS --cohort {cohort} --with <other cohort>)."),
        Callout(_VALUES, level="privacy"),
    )
    return rep.add_section(sec)


def _join(items: list[str]) -> str:
    items = [i for i in items if i]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


class _View:
    """Formats one cohort's rows of the cohort tables."""

    def __init__(self, ctx: Ctx, cohort: str) -> None:
        self.ctx, self.cohort, self.k = ctx, cohort, ctx.k
        self.name = f"Cohort {cohort}"
        res = ctx.results
        self.responses = _rows(table(res, N.COHORT_RESPONSES), cohort)
        self.levels = table(res, N.COHORT_SCALES)
        self.changes_t = table(res, N.COHORT_CHANGES)
        self.themes = table(res, N.COHORT_THEMES)
        self.quotes = _rows(table(res, N.COHORT_QUOTES), cohort)
        self.figures = 0
        self.hidden_any = False

    def _scope(self, frame: pd.DataFrame | None, scale: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        if frame is None:
            return pd.DataFrame(), pd.DataFrame()
        f = frame if scale is None else frame[frame[C.SCALE] == scale]
        return f[(f["scope"] == "cohort") & (f["cohort"] == self.cohort)], f[f["scope"] == "all"]

    def _change_words(self, scale: str, diff: float, lo: float, hi: float) -> str:
        """Plain words for a change; "improvement"/"worsening" only when the interval excludes zero."""
        size = abs(diff)
        if size < 0.05:
            return "stayed about the same"
        words = f"{'went up' if diff > 0 else 'went down'} by {F.num(size, 1)} points"
        if F.isna(lo) or F.isna(hi):
            return words
        if lo <= 0 <= hi:
            return words + " (this could be chance)"
        d = self.ctx.directions.get(scale, "")
        if d not in ("higher_better", "higher_worse"):
            return words
        good = (diff > 0) == (d == "higher_better")
        return words + (" (an improvement)" if good else " (a worsening)")

    def _scale_intro(self, s: str) -> str:
        rng = self.ctx.units.get(s, "")
        better = {"higher_better": "higher is better", "higher_worse": "lower is better"}.get(self.ctx.directions.get(s, ""), "")
        bits = ", ".join(x for x in (f"scores {rng}" if rng else "", better) if x)
        return self.ctx.label(s) + (f" ({bits})" if bits else "")

    # --- sections ---------------------------------------------------------------------------
    def summary(self) -> Section:
        ctx = self.ctx
        waves = []
        for r in self.responses.itertuples():
            n = F.n(r.n) if bool(r.shown) else F.HIDDEN
            waves.append(f"{n} {ctx.tp_at(r.timepoint)}")
        text = f"People in {self.name} who answered each survey: {_join(waves)}."
        c = ctx.results.study.counts
        alls = [f"{c[f'participants_at_{t}']} {ctx.tp_at(t)}" for t in ctx.tps if f"participants_at_{t}" in c]
        if alls:
            text += f" Across the whole study, {_join(alls)}."
        sec = Section("Summary").add(TextBlock(text))
        bullets = [f"- {line}" for line in (self._headline(s) for s in ctx.primary) if line]
        if bullets:
            sec = sec.add(TextBlock("What changed:\n\n" + "\n".join(bullets)))
        top = [r for r in self._theme_rows() if r[1] is not None and r[1] > 0][:3]
        if top:
            sec = sec.add(TextBlock("What participants talked about most: "
                                    + "; ".join(f"{lab} ({n} people)" for lab, n, _ in top) + "."))
        sug = self.quotes[self.quotes["kind"] == "suggestion"].head(2) if len(self.quotes) else self.quotes
        if len(sug):
            sec = sec.add(TextBlock("Two of their suggestions:"),
                          *[QuoteBlock(str(r.quote), str(r.source)) for r in sug.itertuples()])
        if self.hidden_any or (len(self.responses) and not self.responses["shown"].all()):
            sec = sec.add(Callout(
                f"Some of this cohort's numbers are marked “{F.HIDDEN}”: fewer than {self.k} people are behind them, "
                "or showing them would let a hidden number of this or another group be worked out from the "
                "totals. Reports do not say which, since that too could narrow a hidden number down.",
                level="note"))
        sec = sec.add(Callout(
            f"How to read this report: it shows the group only. Quotes have names, contact details, places and job "
            f"titles removed. Intervals are {ctx.level} confidence intervals. " + _VALUES, level="privacy"))
        return sec

    def _headline(self, s: str) -> str | None:
        mine, every = self._scope(self.changes_t, s)
        if mine.empty:
            return None
        r: Any
        for r in mine.iloc[::-1].itertuples():
            if not bool(r.shown) or F.isna(r.mean_diff):
                continue
            txt = (f"{self.ctx.label(s)}: from {self.ctx.tp_plain(r.time_from)} to {self.ctx.tp_plain(r.time_to)} "
                   f"the group's average {self._change_words(s, r.mean_diff, r.ci_low, r.ci_high)}")
            a = every[every["contrast"] == r.contrast]
            if len(a):
                x = a.iloc[0]
                txt += (f"; across all participants it "
                        f"{self._change_words(s, x['mean_diff'], x['ci_low'], x['ci_high'])}")
            return txt + "."
        self.hidden_any = True
        return (f"{self.ctx.label(s)}: this group's change is {F.HIDDEN} (see the note below); everyone's results are "
                "in the tables.")

    def changes(self) -> list[Section]:
        ctx = self.ctx
        out = [Section("What changed").add(TextBlock(
            "For each questionnaire: the group's average at each survey next to everyone's, and the change over "
            f"the people who answered both surveys. The bracket gives the {ctx.level} confidence interval: the range "
            "the true average probably lies in. Small groups have wide ranges, so small differences between a "
            "cohort and everyone may be chance."))]
        for s in ctx.primary:
            mine, every = self._scope(self.levels, s)
            if every.empty:
                continue
            mine = mine.set_index(C.TIMEPOINT)
            rows, pts_c, pts_a = [], {}, {}
            r: Any
            for r in every.itertuples():
                t: Any = r.timepoint
                lab = ctx.tp(t)
                pts_a[lab] = (r.mean, r.ci_low, r.ci_high)
                shown = t in mine.index and bool(mine.loc[t, "shown"])
                if shown:
                    pts_c[lab] = (mine.loc[t, "mean"], mine.loc[t, "ci_low"], mine.loc[t, "ci_high"])
                else:
                    self.hidden_any = True
                rows.append({
                    "Survey": lab,
                    f"{self.name}: people": F.n(mine.loc[t, "n"]) if shown else F.HIDDEN,
                    f"{self.name}: average [{ctx.level} CI]": F.est_ci(*pts_c[lab]) if shown else F.HIDDEN,
                    "All participants: people": F.n(r.n),
                    f"All participants: average [{ctx.level} CI]": F.est_ci(r.mean, r.ci_low, r.ci_high)})
            sub = Section(self._scale_intro(s), level=3, id=f"change-{s}")
            if pts_c:
                sub = sub.add(self._figure(s, list(pts_a), pts_c, pts_a))
            else:
                sub = sub.add(TextBlock(f"{self.name}'s averages are {F.HIDDEN} for this questionnaire; everyone's "
                                        "results are in the table."))
            sub = sub.add(TableBlock(pd.DataFrame(rows), caption=f"{ctx.label(s)}: average score at each survey"))
            ch = self._change_table(s)
            if ch is not None:
                sub = sub.add(ch)
            out.append(sub)
        return out

    def _figure(self, s: str, levels: list[str], pts_c: dict, pts_a: dict) -> FigureBlock:
        info: Any = self.ctx.scales.set_index("scale")
        rng = (float(info.loc[s, "score_min"]), float(info.loc[s, "score_max"]))
        self.figures += 1
        cap = (f"Figure {self.figures}. {self.ctx.label(s)}: average with {self.ctx.level} confidence interval at each "
               f"survey, {self.name} (blue) and all participants (grey). Group averages only.")
        svg = means_svg(levels, pts_c, pts_a, score_range=rng, cohort_name=self.name,
                        scale_label=self.ctx.label(s), level=self.ctx.level)
        return FigureBlock(svg=svg, caption=cap, alt=cap)

    def _change_table(self, s: str) -> TableBlock | None:
        mine, every = self._scope(self.changes_t, s)
        if every.empty:
            return None
        mine = mine.set_index("contrast")
        lv = self.ctx.level
        rows = []
        a: Any
        for a in every.itertuples():
            shown = a.contrast in mine.index and bool(mine.loc[a.contrast, "shown"])
            r = mine.loc[a.contrast] if shown else None
            rows.append({
                "Change": f"{self.ctx.tp(a.time_from)} → {self.ctx.tp(a.time_to)}",
                f"{self.name}: people": F.n(r["n_pairs"]) if r is not None else F.HIDDEN,
                f"{self.name}: change [{lv} CI]": F.est_ci(r["mean_diff"], r["ci_low"], r["ci_high"])
                if r is not None else F.HIDDEN,
                "All participants: people": F.n(a.n_pairs),
                f"All participants: change [{lv} CI]": F.est_ci(a.mean_diff, a.ci_low, a.ci_high)})
        return TableBlock(pd.DataFrame(rows), caption=f"{self.ctx.label(s)}: change since the first survey",
                          note="People who answered both surveys; change = later − earlier.")

    def _theme_rows(self) -> list[tuple[str, int | None, str]]:
        """(label, this cohort's people or None if hidden, all participants' %), shown ones first
        (largest first), hidden ones after in codebook order, so the order never depends on a
        hidden value."""
        mine, every = self._scope(self.themes)
        if mine.empty:
            return []
        share = dict(zip(every[C.CODE], every["percent"], strict=True))
        shown_all = dict(zip(every[C.CODE], every["shown"], strict=True))
        out = []
        r: Any
        for i, r in enumerate(mine.itertuples()):
            n = int(r.n_people) if bool(r.shown) else None
            pct = F.pct(share.get(r.code)) if shown_all.get(r.code, False) else F.HIDDEN
            out.append((str(r.label), n, pct, i))
        out.sort(key=lambda r: (r[1] is None, -(r[1] or 0), r[3]))
        return [(lab, n, pct) for lab, n, pct, _ in out]

    def said(self) -> Section:
        sec = Section("What participants said")
        mine, every = self._scope(self.themes)
        if mine.empty:
            return sec.add(Callout("There are no coded free-text answers to summarise.", level="note"))
        n_resp = mine["n_respondents"].iloc[0]
        n_all = every["n_respondents"].iloc[0] if len(every) else None
        intro = (f"{F.n(n_resp)} people in {self.name} answered at least one open question. " if not F.isna(n_resp)
                 else f"The number of people in {self.name} who answered open questions is {F.HIDDEN}. ")
        intro += "Their answers were sorted into themes (an answer can touch several themes)."
        rows = [{"Theme": lab,
                 f"{self.name}: people who mentioned it (of {F.n(n_resp) if not F.isna(n_resp) else F.HIDDEN})":
                     F.HIDDEN if n is None else str(n),
                 f"All participants: % who mentioned it (of {F.n(n_all)})": pct}
                for lab, n, pct in self._theme_rows()]
        if any(n is None for _, n, _ in self._theme_rows()):
            self.hidden_any = True
        sec = sec.add(TextBlock(intro), TableBlock(
            pd.DataFrame(rows), caption="Themes in the open answers",
            note=f"{F.HIDDEN}: mentioned by at least one but fewer than {self.k} people, or needed to protect another hidden number. "
                 "A 0 means nobody in the group mentioned it."))
        q = self.quotes[self.quotes["kind"] == "theme"] if len(self.quotes) else self.quotes
        if len(q):
            labels = dict(zip(every[C.CODE], every["label"], strict=True))
            blocks: list[Any] = [TextBlock("In their own words (redacted):")]
            for code, grp in q.groupby(C.CODE, sort=False):
                blocks.append(TextBlock(f"{labels.get(code, code)}:"))
                blocks += [QuoteBlock(str(r.quote), str(r.source)) for r in grp.itertuples()]
            sec = sec.add(*blocks)
        else:
            sec = sec.add(TextBlock(self._no_quotes()))
        return sec

    def suggested(self) -> Section:
        sec = Section("What they suggested")
        q = self.quotes[self.quotes["kind"] == "suggestion"] if len(self.quotes) else self.quotes
        if len(q):
            return sec.add(*[QuoteBlock(str(r.quote), str(r.source)) for r in q.itertuples()])
        return sec.add(TextBlock("No suggestions can be shown: none were identified in this group's open answers, "
                                 f"or fewer than {self.k} people made one, or too few people answered in their "
                                 "own words at each survey."))

    def _no_quotes(self) -> str:
        return (f"No quotes are shown: quotes appear only from surveys that at least {self.k} people in "
                f"{self.name} answered in their own words, and only for themes at least {self.k} of them mentioned.")

    def about(self) -> Section:
        k = self.k
        return Section("About this report").add(TextBlock(
            "- Group results only: no names, participant codes or individual scores.\n"
            f"- Any number based on fewer than {k} people (but more than none) is hidden, and so is any other number that would let a "
            "hidden one be worked out by subtraction (for example from the all-participants totals and other "
            "cohorts' reports). All cohort reports and the study report hide consistently.\n"
            f"- Quotes are shown only from surveys that at least {k} people in this cohort answered; names, contact "
            "details, places and job titles are removed.\n"
            f"- Averages: mean score with a {self.ctx.level} confidence interval from the t distribution. Change: "
            "people who answered both surveys.\n"
            "- Themes were found by evaltool's automatic coding with the study's codebook; a researcher "
            "checks the coding."), Callout(_VALUES, level="privacy"))


def _rows(frame: pd.DataFrame | None, cohort: str) -> pd.DataFrame:
    if frame is None:
        return pd.DataFrame(columns=["cohort", "kind", "shown"])
    return frame[frame["cohort"].astype(str) == cohort]
