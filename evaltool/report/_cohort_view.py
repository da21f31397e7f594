"""The sections of a facilitator's report: one group's rows of the cohort tables, in words.

The group is one cohort or several pooled ones (the pooled rows come from
:func:`evaltool.analysis.steps.pooled.pooled_summaries`); this module only formats them.
"""

from __future__ import annotations

from typing import Any

from .. import columns as C
from . import _fmt as F
from ._cohort_tables import CohortTables, Row, Scoped
from ._svg import means_svg
from .model import Callout, FigureBlock, QuoteBlock, Section, TextBlock, TextTable

__all__ = ["VALUES", "CohortView", "join_words"]

VALUES = ("These results describe the group, not individual people. Resilience depends on workload, "
          "staffing, culture and support as much as on each person, so please do not use this report to "
          "judge or compare individual staff.")


def join_words(items: list[str], last: str = "and") -> str:
    """``a, b and c``.

    Examples
    --------
    >>> join_words(["12 at baseline", "11 after the workshop", "5 at follow-up"])
    '12 at baseline, 11 after the workshop and 5 at follow-up'
    """
    items = [i for i in items if i]
    if not items:
        return ""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {last} " + items[-1]


def _keyed(rows: list[Row], key: str) -> dict[Any, Row]:
    """Rows by the value of their column ``key``."""
    return {getattr(r, key): r for r in rows}


class CohortView:
    """Formats one group's rows of the cohort tables (``cohort`` is its id in the tables).

    ``tables`` holds every cohort's rows, split once for all the reports of a run
    (:class:`~evaltool.report._cohort_tables.CohortTables`); this view only looks its own up.
    """

    def __init__(self, tables: CohortTables, cohort: str, name: str, *, pooled: bool = False) -> None:
        ctx = tables.ctx
        self.ctx, self.cohort, self.k, self.name, self.pooled = ctx, cohort, ctx.k, name, pooled
        self.responses = tables.rows("responses", cohort)
        self.levels, self.changes_t, self.themes = tables.levels, tables.changes, tables.themes
        self.quotes = tables.rows("quotes", cohort)
        self.ranges = tables.ranges
        self.tables = tables
        self.figures = 0
        self._flag_list: list[bool] | None = None

    # --- what is hidden ---------------------------------------------------------------------
    def _scope(self, frame: Scoped, scale: str | None = None) -> tuple[list[Row], list[Row]]:
        return frame.scope(self.cohort, scale)

    def _flags(self) -> list[bool]:
        """The shown flags of every number about this group (responses, levels, changes, themes)."""
        if self._flag_list is None:
            flags = [bool(r.shown) for r in self.responses]
            for frame in (self.levels, self.changes_t, self.themes):
                flags += frame.flags(self.cohort)
            self._flag_list = flags
        return self._flag_list

    def everything_hidden(self) -> bool:
        """True when no number about this group can be shown."""
        return not any(self._flags())

    def mostly_hidden(self) -> bool:
        """True when more than half of the numbers about this group are hidden."""
        flags = self._flags()
        return sum(flags) < len(flags) / 2

    def some_hidden(self) -> bool:
        """True when at least one number about this group is hidden."""
        return not all(self._flags())

    # --- words ------------------------------------------------------------------------------
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
        better = {"higher_better": "higher is better", "higher_worse": "lower is better"}.get(
            self.ctx.directions.get(s, ""), "")
        bits = ", ".join(x for x in (f"scores {rng}" if rng else "", better) if x)
        return self.ctx.label(s) + (f": {bits}" if bits else "")

    def _answered(self) -> str:
        ctx = self.ctx
        rows = self.responses
        if rows and not any(bool(r.shown) for r in rows):
            text = f"How many people in {self.name} answered each survey is {F.HIDDEN} (see the note below)."
        else:
            waves = []
            for r in rows:
                if bool(r.shown):
                    waves.append(f"{F.n(r.n)} {ctx.tp_at(r.timepoint)}")
                else:
                    waves.append(f"a {F.HIDDEN} number {ctx.tp_at(r.timepoint)}")
            text = f"People in {self.name} who answered each survey: {join_words(waves)}."
        c = ctx.results.study.counts
        alls = [f"{c[f'participants_at_{t}']} {ctx.tp_at(t)}" for t in ctx.tps if f"participants_at_{t}" in c]
        if alls:
            text += f" Across the whole study, {join_words(alls)} answered."
        return text

    # --- sections ---------------------------------------------------------------------------
    def summary(self, advice: Callout | None = None) -> Section:
        ctx = self.ctx
        sec = Section("Summary").add(TextBlock(self._answered()))
        bullets = [f"- {line}" for line in (self._headline(s) for s in ctx.primary) if line]
        if bullets:
            sec = sec.add(TextBlock("What changed:\n\n" + "\n".join(bullets)))
        top = [r for r in self._theme_rows() if r[1] is not None and r[1] > 0][:3]
        if top:
            sec = sec.add(TextBlock("What participants talked about most: "
                                    + join_words([f"{lab} ({pct} of those who answered)" for lab, _, pct, _ in top])
                                    + "."))
        sug = [r for r in self.quotes if r.kind == "suggestion"][:2]
        if sug:
            sec = sec.add(TextBlock("Two of their suggestions:"),
                          *[QuoteBlock(str(r.quote), str(r.source)) for r in sug])
        if self.some_hidden():
            sec = sec.add(self.hidden_note())
        if advice is not None:
            sec = sec.add(advice)
        sec = sec.add(Callout(
            f"How to read this report: it shows the group only. Quotes have names, contact details, places and job "
            f"titles removed. Intervals are {ctx.level} confidence intervals. " + VALUES, level="privacy"))
        return sec

    def hidden_note(self) -> Callout:
        everything = self.everything_hidden()
        who = f"{self.name}'s" if not self.pooled else "the pooled group's"
        start = (f"Every number about {self.name} is marked “{F.HIDDEN}”. That can happen to a group of any size: "
                 if everything else f"Some of {who} numbers are marked “{F.HIDDEN}”: ")
        text = (start + f"fewer than {self.k} people may be behind a number, or showing it would let a hidden number "
                "of this or another group be worked out from the totals and the other reports. Reports do not say "
                "which, since that too could narrow a hidden number down.")
        return Callout(text, level="note")

    def _headline(self, s: str) -> str | None:
        mine, every = self._scope(self.changes_t, s)
        if not every:
            return None
        r: Any
        for r in reversed(mine):
            if not bool(r.shown) or F.isna(r.mean_diff):
                continue
            txt = (f"{self.ctx.label(s)}: from {self.ctx.tp_plain(r.time_from)} to {self.ctx.tp_plain(r.time_to)} "
                   f"the group's average {self._change_words(s, r.mean_diff, r.ci_low, r.ci_high)}")
            a = [x for x in every if x.contrast == r.contrast]
            if a:
                x = a[0]
                txt += f"; across all participants it {self._change_words(s, x.mean_diff, x.ci_low, x.ci_high)}"
            return txt + "."
        x = every[-1]
        return (f"{self.ctx.label(s)}: this group's change is {F.HIDDEN}; across all participants, from "
                f"{self.ctx.tp_plain(x.time_from)} to {self.ctx.tp_plain(x.time_to)}, the average "
                f"{self._change_words(s, x.mean_diff, x.ci_low, x.ci_high)}.")

    def changes(self) -> list[Section]:
        ctx = self.ctx
        out = [Section("What changed").add(TextBlock(
            "For each questionnaire: the group's average at each survey next to everyone's, and the change over "
            f"the people who answered both surveys. The bracket gives the {ctx.level} confidence interval: the range "
            "the true average probably lies in. Small groups have wide ranges, so small differences between a "
            "group and everyone may be chance."))]
        for s in ctx.primary:
            mine, every = self._scope(self.levels, s)
            if not every:
                continue
            at = _keyed(mine, C.TIMEPOINT)
            rows, pts_c, pts_a = [], {}, {}
            for t, lab, pts, n_all, ci_all in self._everyone_levels(s, every):
                pts_a[lab] = pts
                m: Any = at.get(t)
                shown = m is not None and bool(m.shown)
                n_shown = m is not None and bool(m.n_shown)
                if shown:
                    pts_c[lab] = (m.mean, m.ci_low, m.ci_high)
                rows.append({
                    "Survey": lab,
                    f"{self.name}: people": F.n(m.n) if n_shown else F.HIDDEN,
                    f"{self.name}: average [{ctx.level} CI]": F.est_ci(*pts_c[lab]) if shown else F.HIDDEN,
                    "All participants: people": n_all,
                    f"All participants: average [{ctx.level} CI]": ci_all})
            sub = Section(self._scale_intro(s), level=3, id=f"change-{s}")
            if pts_c:
                sub = sub.add(self._figure(s, list(pts_a), pts_c, pts_a))
            else:
                sub = sub.add(TextBlock(f"{self.name}'s averages are {F.HIDDEN} for this questionnaire; everyone's "
                                        "are in the table."))
            sub = sub.add(TextTable.of(rows, caption=f"{ctx.label(s)}: average score at each survey"))
            ch = self._change_table(s)
            if ch is not None:
                sub = sub.add(ch)
            out.append(sub)
        return out

    def _everyone_levels(self, s: str, every: list[Row]) -> list[tuple[Any, str, tuple, str, str]]:
        """Everyone's rows of scale ``s`` in the levels table, formatted once for all reports:
        (timepoint, its label, (mean, ci_low, ci_high), people, average [CI])."""
        ctx = self.ctx
        return self.tables.shared(("levels", s), lambda: [
            (r.timepoint, ctx.tp(r.timepoint), (r.mean, r.ci_low, r.ci_high), F.n(r.n),
             F.est_ci(r.mean, r.ci_low, r.ci_high)) for r in every])

    def _everyone_changes(self, s: str, every: list[Row]) -> list[tuple[Any, str, str, str]]:
        """Everyone's rows of scale ``s`` in the changes table, formatted once for all reports:
        (contrast, "Baseline to after the workshop", people, change [CI])."""
        ctx = self.ctx
        return self.tables.shared(("changes", s), lambda: [
            (a.contrast, f"{ctx.tp(a.time_from)} to {ctx.tp_plain(a.time_to)}", F.n(a.n_pairs),
             F.est_ci(a.mean_diff, a.ci_low, a.ci_high)) for a in every])

    def _figure(self, s: str, levels: list[str], pts_c: dict, pts_a: dict) -> FigureBlock:
        rng = self.ranges[s]
        self.figures += 1
        cap = (f"Figure {self.figures}. {self.ctx.label(s)}: average with {self.ctx.level} confidence interval at each "
               f"survey, {self.name} (blue) and all participants (grey). Group averages only.")
        svg = means_svg(levels, pts_c, pts_a, score_range=rng, cohort_name=self.name,
                        scale_label=self.ctx.label(s), level=self.ctx.level)
        return FigureBlock(svg=svg, caption=cap, alt=cap)

    def _change_table(self, s: str) -> TextTable | None:
        mine, every = self._scope(self.changes_t, s)
        if not every:
            return None
        at = _keyed(mine, "contrast")
        lv = self.ctx.level
        rows = []
        for contrast, change, n_all, ci_all in self._everyone_changes(s, every):
            m: Any = at.get(contrast)
            shown = m is not None and bool(m.shown)
            n_shown = m is not None and bool(m.n_shown)
            rows.append({
                "Change": change,
                f"{self.name}: people": F.n(m.n_pairs) if n_shown else F.HIDDEN,
                f"{self.name}: change [{lv} CI]": F.est_ci(m.mean_diff, m.ci_low, m.ci_high)
                if shown else F.HIDDEN,
                "All participants: people": n_all,
                f"All participants: change [{lv} CI]": ci_all})
        return TextTable.of(rows, caption=f"{self.ctx.label(s)}: change since the first survey",
                          note="People who answered both surveys; change = later − earlier.")

    def _theme_rows(self) -> list[tuple[str, int | None, str, str]]:
        """(label, this group's people or None if hidden, this group's %, all participants' %),
        shown ones first (largest first), hidden ones after in codebook order, so the order
        never depends on a hidden value."""
        mine, every = self._scope(self.themes)
        if not mine:
            return []
        pct_all = self.tables.shared("themes", lambda: {
            x.code: F.pct(x.percent) if x.shown else F.HIDDEN for x in every})  # the last row of a code wins
        out = []
        r: Any
        for i, r in enumerate(mine):
            ok = bool(r.shown) and not F.isna(r.percent)
            n = int(r.n_people) if ok else None
            out.append((str(r.label), n, F.pct(r.percent) if ok else F.HIDDEN, pct_all.get(r.code, F.HIDDEN), i))
        out.sort(key=lambda r: (r[1] is None, -(r[1] or 0), r[4]))
        return [(lab, n, pct, pct_all) for lab, n, pct, pct_all, _ in out]

    def said(self) -> Section:
        sec = Section("What participants said")
        mine, every = self._scope(self.themes)
        if not mine:
            return sec.add(Callout("There are no coded free-text answers to summarise.", level="note"))
        n_resp = mine[0].n_respondents
        n_all = every[0].n_respondents if every else None
        of = F.n(n_resp) if not F.isna(n_resp) else F.HIDDEN
        intro = (f"{F.n(n_resp)} people in {self.name} answered at least one open question. " if not F.isna(n_resp)
                 else f"The number of people in {self.name} who answered open questions is {F.HIDDEN}. ")
        intro += ("Their answers were sorted into themes (an answer can touch several themes). The table gives the "
                  "share of those who answered who mentioned each theme, for this group and for everyone.")
        rows = [{"Theme": lab, f"{self.name}: % who mentioned it (of {of} people)": pct,
                 f"All participants: % who mentioned it (of {F.n(n_all)} people)": pct_all}
                for lab, _, pct, pct_all in self._theme_rows()]
        sec = sec.add(TextBlock(intro), TextTable.of(
            rows, caption="Themes in the open answers",
            note=f"{F.HIDDEN}: mentioned by at least one but fewer than {self.k} people, or needed to protect another "
                 "hidden number. 0% means nobody in the group mentioned it."))
        q = [r for r in self.quotes if r.kind == "theme"]
        if q:
            labels = {x.code: x.label for x in every}
            by_code: dict[Any, list[Any]] = {}
            for r in q:
                by_code.setdefault(r.code, []).append(r)
            blocks: list[Any] = [TextBlock("In their own words (redacted):")]
            for code, grp in by_code.items():
                blocks.append(TextBlock(f"{labels.get(code, code)}:"))
                blocks += [QuoteBlock(str(r.quote), str(r.source)) for r in grp]
            sec = sec.add(*blocks)
        else:
            sec = sec.add(TextBlock(self._no_quotes()))
        return sec

    def suggested(self) -> Section:
        sec = Section("What they suggested")
        q = [r for r in self.quotes if r.kind == "suggestion"]
        if q:
            return sec.add(*[QuoteBlock(str(r.quote), str(r.source)) for r in q])
        return sec.add(TextBlock("No suggestions can be shown: none were identified in this group's open answers, "
                                 f"or fewer than {self.k} people made one, or too few people answered in their "
                                 "own words at each survey."))

    def _no_quotes(self) -> str:
        where = (f"that at least {self.k} people of one cohort answered in their own words" if self.pooled
                 else f"that at least {self.k} people in {self.name} answered in their own words")
        return f"No quotes are shown: quotes appear only from surveys {where}, and only for themes shown above."

    def about(self) -> Section:
        k = self.k
        quotes = (f"Quotes are shown only from a cohort's surveys that at least {k} of its own people answered, "
                  "so pooling never makes a quote easier to trace"
                  if self.pooled else f"Quotes are shown only from surveys that at least {k} people in this cohort "
                  "answered")
        lines = [
            "Group results only: no names, participant codes or individual scores.",
            f"Any number based on fewer than {k} people (but more than none) is hidden, and so is any other number "
            "that would let a hidden one, or one person's score, be worked out by combining numbers (for example "
            "from the all-participants figures and other cohorts' reports). All cohort reports and the study report "
            "hide consistently.",
            f"{quotes}; names, contact details, places and job titles are removed.",
            f"Averages: mean score with a {self.ctx.level} confidence interval from the t distribution. Change: "
            "people who answered both surveys.",
            "Themes were found by evaltool's automatic coding with the study's codebook; a researcher checks the "
            "coding.",
        ]
        if self.pooled:
            lines.insert(1, "This report pools several cohorts into one group: every number is about their people "
                            "together, checked against what the cohorts' own reports and the study report show.")
        from ..privacy import explain_rule

        return Section("About this report").add(TextBlock("\n".join(f"- {ln}" for ln in lines)),
                                                 TextBlock(explain_rule(k)), Callout(VALUES, level="privacy"))
