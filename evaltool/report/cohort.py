"""The facilitator's cohort report: one cohort against everyone, in plain language, with
small-cell suppression (primary + complementary) on every number and redacted quotes only."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import EvaltoolError, ParameterError
from . import _fmt as F
from ._cohort_data import RESPONDENTS, CohortData, cohort_data, cohorts_of, group_values
from ._context import Ctx, at, make_ctx, table
from ._qual import QualTables, pick_quotes, qual_tables
from .model import Callout, FigureBlock, QuoteBlock, Report, Section, TableBlock, TextBlock
from .study import SYNTHETIC_BANNER, _check_results
from .suppression import MIN_THRESHOLD

__all__ = ["build_cohort_report", "list_cohorts"]

_VALUES = ("These results describe the group, not individual people. Resilience depends on workload, "
           "staffing, culture and support as much as on each person, so please do not use this report to "
           "judge or compare individual staff.")


def list_cohorts(results: Any, group: str = "cohort") -> list[str]:
    """The cohort ids in the results (sorted).

    Parameters
    ----------
    results
        :class:`evaltool.analysis.Results` (its ``participants`` table is used).
    group
        The participants' column that names the cohort.

    Returns
    -------
    list of str
        Distinct non-blank values, sorted; empty when there is no such column.

    Examples
    --------
    >>> import pandas as pd
    >>> from evaltool.analysis import Results
    >>> parts = pd.DataFrame({"participant_id": ["P1", "P2", "P3", "P4"],
    ...                       "cohort": ["C02", "C01", "C01", ""]})
    >>> list_cohorts(Results(tables={"participants": parts}))
    ['C01', 'C02']
    """
    return cohorts_of(results, group)


def build_cohort_report(results: Any, cohort: str, *, threshold: int = 5, group: str = "cohort",
                        suggestion_codes: Sequence[str] | None = None,
                        template_dirs: Sequence[str | Path] = ()) -> Report:
    """Build the facilitator report for one cohort.

    Parameters
    ----------
    results
        :class:`evaltool.analysis.Results` (from ``analyse()`` or ``load_results()``). Not modified.
    cohort
        The cohort id (see :func:`list_cohorts`).
    threshold
        Smallest group shown (default 5, at least 3). Every count below it is hidden, plus the
        complementary cells (decided across all cohorts) that would let it be worked out from
        the totals; statistics of hidden groups are hidden too. Quotes appear only from
        timepoints at which at least this many people of the cohort answered in free text.
    group
        The participants' column that names the cohort.
    suggestion_codes
        Codes whose quotes go under "What they suggested" (default: codes whose id or label
        mentions "suggest").
    template_dirs
        Folders searched first for templates and ``identifying_terms.yaml``.

    Returns
    -------
    Report
        Summary (page one, plain language), What changed, What participants said, What they
        suggested, About this report. A cohort with fewer than ``threshold`` participants gets a
        report that says so and shows no numbers about it.

    Raises
    ------
    EvaltoolError
        When the cohort is not in the results (the message lists the cohorts that are).

    Notes
    -----
    No participant ids, no individual scores, no individual points or lines in figures. Quotes
    are redacted (names, contact details, places) and words naming a role or setting (from
    ``identifying_terms.yaml``) are replaced by "[role]", since in a small group a profession
    can identify someone.

    Examples
    --------
    >>> from evaltool.analysis import analyse
    >>> from evaltool.examples import example_study_path
    >>> rep = build_cohort_report(analyse(example_study_path()), "C03")
    >>> [s.title for s in rep.sections][:2], rep.sections[-1].title
    (['Summary', 'What changed'], 'About this report')
    """
    _check_results(results, "build_cohort_report")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)) or threshold < MIN_THRESHOLD:
        raise ParameterError(
            f"The 'threshold' parameter of build_cohort_report() must be an integer >= {MIN_THRESHOLD}. "
            f"Got {threshold!r} instead.", fix="use the default 5 (never below 3).")
    known = list_cohorts(results, group)
    if not known:
        raise EvaltoolError(f"these results have no '{group}' groups, so there are no cohort reports.",
                            fix="add a 'cohort' group to the study file (groups: - name: cohort).")
    if str(cohort) not in known:
        raise EvaltoolError(f"there is no cohort '{cohort}' in these results.",
                            fix=f"choose one of: {', '.join(known)}.")
    cohort = str(cohort)
    ctx = make_ctx(results)
    qual = qual_tables(results)
    data = cohort_data(ctx, qual, int(threshold), group)
    rep = Report(title=f"Cohort {cohort}: feedback report",
                 subtitle=str(results.meta.get("study_name", "")), template="cohort_report.html.j2")
    rep = rep.with_meta(generated=_dt.date.today().isoformat(), threshold=int(threshold), cohort=cohort)
    if results.synthetic:
        rep = rep.with_banner(SYNTHETIC_BANNER)
    if data.size.loc[cohort] < threshold:
        return _too_small(rep, cohort, int(threshold))
    view = _View(ctx, qual, data, cohort, int(threshold), template_dirs, suggestion_codes)
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
                  "- Ask the evaluation team to report this cohort together with another small cohort."),
        Callout(_VALUES, level="privacy"),
    )
    return rep.add_section(sec)


class _View:
    """Everything one cohort's report may show, already suppressed."""

    def __init__(self, ctx: Ctx, qual: QualTables, data: CohortData, cohort: str, k: int,
                 template_dirs: Sequence[str | Path], suggestion_codes: Sequence[str] | None) -> None:
        self.ctx, self.qual, self.data, self.cohort, self.k = ctx, qual, data, cohort, k
        self.template_dirs = template_dirs
        self.suggestion_codes = suggestion_codes
        self.name = f"Cohort {cohort}"
        self.figures = 0

    # --- helpers ---------------------------------------------------------------------------
    def shown(self, sup: Any, col: str) -> int | None:
        """This cohort's count in ``col``, or None when it is hidden (or absent)."""
        if sup is None or col not in sup.counts.columns or sup.is_hidden(self.cohort, col):
            return None
        return int(sup.counts.loc[self.cohort, col])

    def count_text(self, v: int | None) -> str:
        return F.HIDDEN if v is None else str(v)

    def _desc(self, scale: str, by_group: bool) -> pd.DataFrame:
        name = f"descriptives_by_{self.data.group}" if by_group else "descriptives"
        d = table(self.ctx.results, name)
        if d is None:
            return pd.DataFrame()
        d = d[d["scale"] == scale]
        if by_group:
            d = d[group_values(d[self.data.group]) == self.cohort]
        return d.set_index("timepoint")

    def _pp(self, scale: str, by_group: bool) -> pd.DataFrame:
        name = f"prepost_by_{self.data.group}" if by_group else "prepost"
        d = table(self.ctx.results, name)
        if d is None:
            return pd.DataFrame()
        d = d[d["scale"] == scale]
        if by_group:
            d = d[group_values(d[self.data.group]) == self.cohort]
        return d.set_index("contrast")

    def _direction(self, scale: str) -> str:
        info = self.ctx.scales.set_index("scale")
        return str(info.loc[scale, "direction"]) if scale in info.index and "direction" in info else ""

    def _change_words(self, scale: str, diff: float, lo: float = float("nan"), hi: float = float("nan")) -> str:
        """Plain words for a change; "improvement"/"worsening" only when the CI excludes zero."""
        size = abs(diff)
        if size < 0.05:
            return "stayed about the same"
        way = "went up" if diff > 0 else "went down"
        words = f"{way} by {F.num(size, 1)} points"
        if F.isna(lo) or F.isna(hi):
            return words
        if lo <= 0 <= hi:
            return words + " (this could be chance)"
        d = self._direction(scale)
        if d not in ("higher_better", "lower_better"):
            return words
        good = (diff > 0) == (d == "higher_better")
        return words + (" (an improvement)" if good else " (a worsening)")

    def _scale_intro(self, s: str) -> str:
        import re

        label = self.ctx.label(s)
        rng = self.ctx.units.get(s, "")
        d = self._direction(s)
        better = {"higher_better": "higher is better", "lower_better": "lower is better"}.get(d, "")
        has_range = bool(re.search(r"\d\s*[-–]\s*\d", label))
        bits = ", ".join(x for x in ("" if has_range or not rng else f"scores {rng}", better) if x)
        return label + (f" ({bits})" if bits else "")

    # --- sections ----------------------------------------------------------------------------
    def summary(self) -> Section:
        ctx, data = self.ctx, self.data
        part = data.participation
        everyone = ctx.results.meta.get("counts", {})
        waves, alls = [], []
        for t in ctx.tps:
            if t in part.counts.columns:
                waves.append(f"{self.count_text(self.shown(part, t))} {ctx.tp_at(t)}")
                if everyone.get(f"participants_at_{t}") is not None:
                    alls.append(str(everyone[f"participants_at_{t}"]))
        text = f"People in {self.name} who answered each survey: " + "; ".join(waves) + "."
        if alls:
            text += f" Across the whole study: {', '.join(alls)}."
        sec = Section("Summary").add(TextBlock(text))
        bullets = []
        for s in ctx.primary:
            line = self._headline(s)
            if line:
                bullets.append(f"- {line}")
        if bullets:
            sec = sec.add(TextBlock("What changed:\n\n" + "\n".join(bullets)))
        top = self._theme_rows()
        shown = [r for r in top if r[1]][:3]
        if shown:
            sec = sec.add(TextBlock("What participants talked about most: "
                                    + "; ".join(f"{self.qual.label(c)} ({n} people)" for c, n, _ in shown) + "."))
        sug = self._suggestion_quotes(limit=2)
        if sug:
            sec = sec.add(TextBlock("Two of their suggestions:"), *[QuoteBlock(t, src) for t, src in sug])
        sec = sec.add(Callout(
            f"How to read this report: it shows the group only. A value marked “{F.HIDDEN}” is not shown "
            f"because fewer than {self.k} people are behind it, or because it could otherwise be worked out "
            "from the totals. Quotes have names, contact details, places and job titles removed. " + _VALUES,
            level="privacy"))
        return sec

    def _headline(self, s: str) -> str | None:
        sup = self.data.change_n.get(s)
        mine, allpp = self._pp(s, True), self._pp(s, False)
        if sup is None or mine.empty:
            return None
        for contrast in reversed(list(sup.counts.columns)):
            n = self.shown(sup, contrast)
            if n is None or contrast not in mine.index or F.isna(mine.loc[contrast, "mean_diff"]):
                continue
            r = mine.loc[contrast]
            t0, t1 = str(r["time_from"]), str(r["time_to"])
            txt = (f"{self.ctx.label(s)}: from {self.ctx.tp_plain(t0)} to {self.ctx.tp_plain(t1)} the group's "
                   f"average {self._change_words(s, *_diff(r))}")
            if contrast in allpp.index:
                txt += f"; across all participants it {self._change_words(s, *_diff(allpp.loc[contrast]))}"
            return txt + "."
        return f"{self.ctx.label(s)}: too few people answered at two timepoints to show this group's change."

    def changes(self) -> list[Section]:
        ctx = self.ctx
        out = [Section("What changed").add(TextBlock(
            "For each questionnaire: the group's average at each survey, next to everyone's, and the change "
            "from the first survey. The bracket gives the 95% confidence interval: the range the true "
            "average probably lies in. Small groups have wide ranges, so small differences between a "
            "cohort and everyone may be chance."))]
        for s in ctx.primary:
            sup = self.data.scale_n.get(s)
            if sup is None:
                continue
            mine, every = self._desc(s, True), self._desc(s, False)
            rows, pts_c, pts_a = [], {}, {}
            for t in [t for t in ctx.tps if t in sup.counts.columns]:
                if t not in every.index or F.isna(every.loc[t, "n"]) or every.loc[t, "n"] == 0:
                    continue  # not asked at this survey
                n = self.shown(sup, t)
                cm = (_mean_ci(mine, t) if n is not None else None)
                am = _mean_ci(every, t)
                if cm is not None:
                    pts_c[t] = (n, *cm)
                if am is not None:
                    pts_a[t] = (int(at(every, t, "n")), *am)
                rows.append({"Survey": f"{t} ({ctx.tp_labels.get(t, t)})",
                             f"{self.name}: people": self.count_text(n),
                             f"{self.name}: average [95% CI]": F.HIDDEN if cm is None else F.est_ci(*cm),
                             "All participants: people": F.n(every.loc[t, "n"]) if t in every.index else "–",
                             "All participants: average [95% CI]": "–" if am is None else F.est_ci(*am)})
            sub = Section(self._scale_intro(s), level=3, id=f"change-{s}")
            if pts_c:
                sub = sub.add(self._figure(s, pts_c, pts_a))
            else:
                sub = sub.add(TextBlock(f"Too few people in {self.name} answered at each survey to show the "
                                        "group's averages; everyone's results are in the table."))
            sub = sub.add(TableBlock(pd.DataFrame(rows), caption=f"{ctx.label(s)}: average score at each survey"))
            ch = self._change_table(s)
            if ch is not None:
                sub = sub.add(ch)
            out.append(sub)
        return out

    def _figure(self, s: str, pts_c: dict, pts_a: dict) -> FigureBlock:
        from ._figures import cohort_means_figure

        info = self.ctx.scales.set_index("scale")
        rng = None
        if s in info.index:
            try:
                rng = (float(at(info, s, "score_min")), float(at(info, s, "score_max")))
            except (TypeError, ValueError):
                rng = None
        levels = [t for t in self.ctx.tps if t in pts_c or t in pts_a]
        fig = cohort_means_figure(levels, pts_c, pts_a, label=self.ctx.short(s), cohort_name=self.name,
                                  score_range=rng)
        self.figures += 1
        cap = (f"Figure {self.figures}. {self.ctx.label(s)}: average with 95% confidence interval at each survey, "
               f"{self.name} (blue) and all participants (grey). Group averages only.")
        return FigureBlock.from_matplotlib(fig, caption=cap, alt=cap)

    def _change_table(self, s: str) -> TableBlock | None:
        sup = self.data.change_n.get(s)
        if sup is None:
            return None
        mine, allpp = self._pp(s, True), self._pp(s, False)
        rows = []
        for contrast in sup.counts.columns:
            if contrast == "Total":
                continue
            n = self.shown(sup, contrast)
            r = mine.loc[contrast] if contrast in mine.index else None
            a = allpp.loc[contrast] if contrast in allpp.index else None
            ref = r if r is not None else a
            if ref is None:
                continue
            label = f"{ctx_plain(self.ctx, ref['time_from'])} → {ctx_plain(self.ctx, ref['time_to'])}"
            rows.append({"Change": label, f"{self.name}: people": self.count_text(n),
                         f"{self.name}: change [95% CI]": F.HIDDEN if n is None or r is None else
                         F.est_ci(r["mean_diff"], r["mean_diff_ci_low"], r["mean_diff_ci_high"]),
                         "All participants: people": "–" if a is None else F.n(a["n_pairs"]),
                         "All participants: change [95% CI]": "–" if a is None else
                         F.est_ci(a["mean_diff"], a["mean_diff_ci_low"], a["mean_diff_ci_high"])})
        if not rows:
            return None
        return TableBlock(pd.DataFrame(rows), caption=f"{self.ctx.label(s)}: change since the first survey",
                          note="People who answered both surveys; change = later − earlier.")

    def _theme_rows(self) -> list[tuple[str, int | None, str]]:
        """(code, this cohort's people or None if hidden, all participants' share), sorted for display.

        Shown counts first (largest first); hidden ones after them in codebook order, so the order
        never depends on a hidden value.
        """
        th = self.data.themes
        if th is None:
            return []
        every = self.data.all_code_people if self.data.all_code_people is not None else pd.Series(dtype=float)
        out = []
        for i, c in enumerate(self.qual.code_order):
            if c not in th.counts.columns:
                continue
            n = self.shown(th, c)
            tot = every.get(c, 0)
            share = F.pct(100.0 * tot / self.data.all_respondents) if self.data.all_respondents else "–"
            out.append((c, n, share, i))
        out.sort(key=lambda r: (r[1] is None, -(r[1] or 0), r[3]))
        return [(c, n, sh) for c, n, sh, _ in out]

    def said(self) -> Section:
        sec = Section("What participants said")
        if not self.qual.available or self.data.themes is None:
            return sec.add(Callout(self.qual.note or "There are no free-text answers to summarise.", level="note"))
        th = self.data.themes
        n_resp = self.shown(th, RESPONDENTS)
        intro = (f"{n_resp} people in {self.name} answered at least one open question. " if n_resp is not None
                 else f"The number of people in {self.name} who answered open questions is {F.HIDDEN}. ")
        intro += "Their answers were sorted into themes (an answer can touch several themes)."
        rows = [{"Theme": self.qual.label(c), f"{self.name}: people who mentioned it": self.count_text(n),
                 "All participants: % who mentioned it": share} for c, n, share in self._theme_rows()]
        sec = sec.add(TextBlock(intro), TableBlock(pd.DataFrame(rows), caption="Themes in the open answers",
                                                   note=f"{F.HIDDEN}: fewer than {self.k} people, or needed to protect another hidden value."))
        quotes = []
        used: set[str] = set()
        for c, n, _ in self._theme_rows():
            if not n or c in set(self._suggestion_code_ids()):
                continue
            qs = self._quotes(c, 2, used)
            if qs:
                quotes.append((c, qs))
            if len(quotes) >= 4:
                break
        if quotes:
            blocks: list[Any] = [TextBlock("In their own words (redacted):")]
            for c, qs in quotes:
                blocks.append(TextBlock(f"{self.qual.label(c)}:"))
                blocks += [QuoteBlock(t, src) for t, src in qs]
            sec = sec.add(*blocks)
        else:
            sec = sec.add(TextBlock(self._no_quotes_reason()))
        return sec

    def suggested(self) -> Section:
        sec = Section("What they suggested")
        codes = self._suggestion_code_ids()
        if not self.qual.available or not codes:
            return sec.add(TextBlock("No suggestions were identified in the open answers."))
        th = self.data.themes
        ns = {c: self.shown(th, c) for c in codes if th is not None and c in th.counts.columns}
        if len(ns) == 1:
            n = next(iter(ns.values()))
            sec = sec.add(TextBlock(f"{n} people in {self.name} made a suggestion." if n is not None else
                                    f"The number of people in {self.name} who made a suggestion is {F.HIDDEN}."))
        quotes = self._suggestion_quotes(limit=6)
        if quotes:
            sec = sec.add(*[QuoteBlock(t, src) for t, src in quotes])
        elif ns and not any(ns.values()):
            sec = sec.add(TextBlock(f"No quotes are shown: fewer than {self.k} people made a suggestion, or "
                                    "the number is hidden."))
        else:
            sec = sec.add(TextBlock(self._no_quotes_reason()))
        return sec

    def about(self) -> Section:
        k = self.k
        return Section("About this report").add(TextBlock(
            f"- Group results only: no names, participant codes or individual scores.\n"
            f"- Any number based on fewer than {k} people is hidden, and so is any other number that would let "
            "a hidden one be worked out by subtraction (for example from the all-participants total and other "
            "cohorts' reports). All cohort reports hide the same cells.\n"
            f"- Quotes are shown only from surveys that at least {k} people in this cohort answered; names, contact "
            "details, places and job titles are removed.\n"
            "- Averages: mean score; 95% confidence interval from the t distribution. Change: people who "
            "answered both surveys.\n"
            "- Themes were found by evaltool's automatic coding with the study's codebook; a researcher "
            "checks the coding."), Callout(_VALUES, level="privacy"))

    # --- quotes ----------------------------------------------------------------------------
    def _suggestion_code_ids(self) -> list[str]:
        if self.suggestion_codes is not None:
            return [c for c in self.suggestion_codes if c in self.qual.code_order]
        return [c for c in self.qual.code_order
                if "suggest" in c.casefold() or "suggest" in self.qual.label(c).casefold()]

    def _quotable_ids(self) -> list[Any]:
        """Answers of this cohort at timepoints where at least k of its members answered."""
        tr = self.data.text_respondents
        if tr is None or self.cohort not in tr.index:
            return []
        ok = [t for t in tr.columns if int(at(tr, self.cohort, t)) >= self.k]
        parts = table(self.ctx.results, "participants")
        a = self.qual.answers
        if parts is None or a is None or not ok:
            return []
        members = set(parts.loc[group_values(parts[self.data.group]) == self.cohort, C.PARTICIPANT_ID].astype(str))
        mask = a[C.PARTICIPANT_ID].astype(str).isin(members) & a[C.TIMEPOINT].astype(str).isin(ok)
        return list(a.loc[mask, C.RESPONSE_ID])

    def _mask(self) -> Any:
        from ..integrate.redaction import load_identifying_terms, role_masker

        terms = list(load_identifying_terms([str(d) for d in self.template_dirs]))
        parts = table(self.ctx.results, "participants")
        for g in self.ctx.results.meta.get("groups", []):
            if g != self.data.group and parts is not None and g in parts.columns:
                terms += [str(v) for v in parts[g].dropna().unique()]
        return role_masker(terms)

    def _quotes(self, code: str, n: int, used: set[str]) -> list[tuple[str, str]]:
        """Up to n quotes for a code from this cohort, skipping (near-)duplicates of ``used``."""
        return pick_quotes(self.qual, code, response_ids=self._quotable_ids(), n=n, extra=self._mask(), used=used)

    def _suggestion_quotes(self, limit: int) -> list[tuple[str, str]]:
        """Quotes for the suggestion codes whose count for this cohort is shown (>= k): the number
        of quotes (each from a different person) must not hint at a hidden count."""
        out: list[tuple[str, str]] = []
        used: set[str] = set()
        th = self.data.themes
        for c in self._suggestion_code_ids():
            if th is None or c not in th.counts.columns or not self.shown(th, c):
                continue
            out += self._quotes(c, min(limit - len(out), self.shown(th, c) or 0), used)
            if len(out) >= limit:
                break
        return out

    def _no_quotes_reason(self) -> str:
        if self.qual.redactor is None:
            return self.qual.note or "Quotes are not available."
        return (f"No quotes are shown: quotes appear only from surveys that at least {self.k} people in "
                f"{self.name} answered in their own words.")


def _mean_ci(d: pd.DataFrame, t: str) -> tuple[float, float, float] | None:
    if d.empty or t not in d.index or F.isna(d.loc[t, "mean"]):
        return None
    from scipy import stats

    n, m, sd = float(at(d, t, "n")), float(at(d, t, "mean")), float(at(d, t, "sd"))
    if n < 2 or F.isna(sd):
        return (m, float("nan"), float("nan"))
    half = float(stats.t.ppf(0.975, n - 1)) * sd / np.sqrt(n)
    return (m, m - half, m + half)


def _diff(r: Any) -> tuple[float, float, float]:
    return float(r["mean_diff"]), float(r["mean_diff_ci_low"]), float(r["mean_diff_ci_high"])


def ctx_plain(ctx: Ctx, t: Any) -> str:
    return ctx.tp_plain(str(t))

