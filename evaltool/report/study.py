"""The study report: methods, flow, reliability, descriptives, pre/post, model, reliable change,
figures, qualitative themes, joint displays and reporting-checklist appendices."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .. import columns as C
from ..analysis import names as N
from . import _fmt as F
from ._cohort_view import join_words
from ._context import Ctx, check_results, make_ctx, table
from ._tables import ApaTable, study_tables
from .headline import problem_counts
from .model import Callout, FigureBlock, QuoteBlock, Report, Section, TableBlock, TextBlock

__all__ = ["SYNTHETIC_BANNER", "build_study_report"]

SYNTHETIC_BANNER = ("SYNTHETIC EXAMPLE DATA — made up to show what evaltool does. "
                    "Not real participants; do not cite these numbers.")


_SVG_LIMIT = 400_000
"""Figures whose SVG is larger than this are embedded as PNG (keeps reports light at scale)."""


def figure_block(fig: Any, caption: str) -> FigureBlock:
    """A report block for a :class:`~evaltool.analysis.Figure` (SVG inline, or PNG when large)."""
    if len(fig.svg) <= _SVG_LIMIT:
        return FigureBlock(svg=fig.svg, caption=caption, alt=fig.alt)
    return FigureBlock(png=fig.png, caption=caption, alt=fig.alt)


class _Numbering:
    """Numbers tables and figures in order; titles and captions the study file gives win."""

    def __init__(self, wording: Any = None) -> None:
        self.tables = 0
        self.figures = 0
        wording = wording or {}
        self.titles = dict(wording.get("table_titles", {}))
        self.captions = dict(wording.get("captions", {}))

    def table(self, t: ApaTable) -> TableBlock:
        self.tables += 1
        return TableBlock(t.frame, caption=f"Table {self.tables}. {self.titles.get(t.key, t.title)}", note=t.note)

    def tb(self, frame: pd.DataFrame, title: str, note: str = "", key: str = "") -> TableBlock:
        return self.table(ApaTable(key, title, frame, note))

    def figure(self, fig: Any) -> FigureBlock:
        self.figures += 1
        return figure_block(fig, f"Figure {self.figures}. {self.captions.get(fig.name, fig.caption)}")


def build_study_report(results: Any, *, template_dirs: Sequence[str | Path] = ()) -> Report:
    """Build the study report (researchers; APA-style tables) from analysis results.

    Parameters
    ----------
    results
        :class:`evaltool.analysis.Results` from ``analyse()`` or ``load_results()``. Not modified.
    template_dirs
        Folders searched first for templates and reporting checklists.

    Returns
    -------
    Report
        Sections: Summary, Methods, Participant flow, Reliability, Descriptive statistics,
        Pre/post comparisons, Change against baseline, Reliable change, Figures, Qualitative
        findings, Joint displays, Appendix A (reporting checklists), Appendix B (software).
        Sections whose tables are absent are left out or say why. Save with ``.save("x.html")``
        or ``.save("x.pdf")``; shows itself in Jupyter.

    Notes
    -----
    No participant-level table is shown: no ids, no raw free text. Quotes are redacted, and
    joint-display groups and quote groups below the study's suppression threshold are hidden.

    Examples
    --------
    >>> from evaltool.analysis import analyse
    >>> from evaltool.examples import example_study_path
    >>> rep = build_study_report(analyse(example_study_path()))
    >>> [s.title for s in rep.sections][:3]
    ['Summary', 'Methods', 'Participant flow']
    >>> "SYNTHETIC EXAMPLE DATA" in rep.to_html()
    True
    """
    check_results(results, "build_study_report")
    from .methods import methods_text

    ctx = make_ctx(results)
    wording = dict(results.study.report or {})
    num = _Numbering(wording)
    tabs = {t.key: t for t in study_tables(ctx)}
    meth = methods_text(ctx)
    rep = _cover(ctx, wording)
    rep = rep.add_section(_summary(ctx))
    rep = rep.add_section(_methods(meth))
    figs = {k: f for k, f in results.figures.items() if f.shareable}  # no individual scores in reports
    rep = rep.add_section(_flow(tabs, figs, num))
    for sec in _results_sections(results, tabs, figs, num):
        rep = rep.add_section(sec)
    heat = figs.pop("theme_heatmap", None)
    rest = [f for f in figs.values() if f.scale is None or f.scale in ctx.primary]
    if rest:
        rep = rep.add_section(Section("Figures").add(TextBlock("Figures for the primary outcomes."),
                                                     *[num.figure(fig) for fig in rest]))
    rep = rep.add_section(_qualitative(ctx, num, heat))
    rep = rep.add_section(_joint(ctx, num))
    from ..privacy import explain_rule

    rep = rep.add_section(Section("How numbers are protected").add(TextBlock(explain_rule(ctx.k))))
    rep = rep.add_section(_checklists(ctx, num, template_dirs))
    rep = rep.add_section(_software(ctx, num))
    return rep


def _cover(ctx: Ctx, wording: dict[str, Any]) -> Report:
    """The empty report: title, subtitle, generation date, the timepoints and any synthetic-data banner."""
    results = ctx.results
    tpl = "; ".join(f"{t} = {ctx.tp(t)}" for t in ctx.tps)
    rep = Report(title=wording.get("title") or results.study.name or "Evaluation",
                 subtitle=wording.get("subtitle") or "Study report", template="study_report.html.j2")
    rep = rep.with_meta(generated=_dt.date.today().isoformat(), study_line=f"Timepoints: {tpl}.")
    return rep.with_banner(SYNTHETIC_BANNER) if results.synthetic else rep


def _methods(meth: dict[str, str]) -> Section:
    """Methods: one paragraph for each part the methods text has."""
    sec = Section("Methods")
    for key, head in (("design", "Design and participants"), ("measures", "Measures"),
                      ("statistics", "Statistical analysis"), ("qualitative", "Qualitative analysis"),
                      ("integration", "Integration"), ("software", "Software")):
        if meth.get(key):
            sec = sec.add(TextBlock(f"{head}. {meth[key]}"))
    return sec


def _flow(tabs: dict[str, ApaTable], figs: dict[str, Any], num: _Numbering) -> Section:
    """Participant flow: the flow and attrition tables, then the flow figure (taken from ``figs``)."""
    sec = Section("Participant flow")
    for key in ("flow", "attrition"):
        if key in tabs:
            sec = sec.add(num.table(tabs[key]))
    if "flow" in figs:  # after the tables: a tall figure that cannot break goes to the next page whole
        sec = sec.add(num.figure(figs.pop("flow")))
    return sec


def _results_sections(results: Any, tabs: dict[str, ApaTable], figs: dict[str, Any],
                      num: _Numbering) -> Iterator[Section]:
    """Reliability, descriptives, pre/post (with the forest plot, taken from ``figs``), the
    model and reliable change; each only when it has a table or more than its intro."""
    forest = f"forest_{results.options.effect_size}"
    for key, title, intro in (
        ("reliability", "Reliability", ""),
        ("descriptives", "Descriptive statistics", ""),
        ("prepost", "Pre/post comparisons",
         f"Headline effect size: {results.options.effect_size} (the study's choice), with the other d beside it."),
        ("model", "Change against baseline", "All available data, so participants lost to follow-up still count."),
        ("reliable_change", "Reliable change", ""),
    ):
        sec = Section(title)
        if intro:
            sec = sec.add(TextBlock(intro))
        if key in tabs:
            sec = sec.add(num.table(tabs[key]))
        if key == "model" and "model_fit" in tabs:
            sec = sec.add(num.table(tabs["model_fit"]))
        if key == "prepost":
            for extra in ("effect_sizes", "wilcoxon"):
                if extra in tabs:
                    sec = sec.add(num.table(tabs[extra]))
            if forest in figs:
                sec = sec.add(num.figure(figs.pop(forest)))
        if key in tabs or len(sec.blocks) > 1:
            yield sec


def _count(n: int, word: str) -> str:
    """``1 warning``, ``4 warnings``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def _summary(ctx: Ctx) -> Section:
    res = ctx.results
    c = res.study.counts
    lines = []
    if c.get("participants") is not None:
        per = join_words([f"{c[f'participants_at_{t}']} {ctx.tp_at(t)}" for t in ctx.tps if f"participants_at_{t}" in c])
        lines.append(f"{c['participants']} participants took part; responses analysed: {per}.")
    errors, warnings = problem_counts(res)
    if warnings:
        lines.append(f"The checks of the data left {_count(warnings, 'warning')} for the research team to review "
                     "(possible participant-code typos, straight-lining …); they do not change these numbers.")
    m = table(res, N.CHANGE_VS_BASELINE)
    bullets = []
    if m is not None:
        for s in ctx.primary:
            sub = m[m["scale"] == s]
            if sub.empty:
                continue
            parts = [f"{ctx.tp_plain(r.timepoint)} β {F.est_ci(r.beta, r.ci_low, r.ci_high)}, d {F.num(r.d)}, "
                     f"p {F.p(r.p)}" for r in sub.itertuples() if not F.isna(r.beta)]
            if parts:
                bullets.append(f"- {ctx.label(s)}, change from {ctx.tp_plain(ctx.baseline)}: " + "; ".join(parts) + ".")
    sec = Section("Summary")
    if lines:
        sec = sec.add(TextBlock(" ".join(lines)))
    if bullets:
        sec = sec.add(TextBlock(f"Change against baseline (mixed model, {ctx.level} CI):\n\n" + "\n".join(bullets)))
    counts = table(res, N.CODE_COUNTS)
    if counts is not None:
        top = counts[counts["shown"].astype(bool) & (counts["n_participants"] > 0)].head(3)
        if len(top):
            sec = sec.add(TextBlock("Themes mentioned by most respondents: " + join_words([
                f"{r.label} ({F.n(r.n_participants)} participants)" for r in top.itertuples()]) + "."))
    for note in res.notes:
        if "failed" in note:
            sec = sec.add(Callout(note, level="warning"))
    sec = sec.add(Callout("This report shows no participant identifiers and no raw free text; quotes are "
                          f"redacted, and numbers from groups of fewer than {ctx.k} people (but more than none) are hidden.",
                          level="privacy"))
    return sec


def _qualitative(ctx: Ctx, num: _Numbering, heat: Any = None) -> Section:
    sec = Section("Qualitative findings")
    res = ctx.results
    counts = table(res, N.CODE_COUNTS)
    if counts is None:
        return sec.add(Callout("No coded free text is available (no free-text questions, or no codebook).",
                               level="note"))
    first = counts.iloc[0]
    sec = sec.add(TextBlock(
        f"{F.n(first['n_answers_total'])} free-text answers; {F.n(first['n_empty'])} were empty or “n/a”. "
        f"{F.n(first['n_respondents'])} participants gave at least one non-empty answer."))
    shown = counts["shown"].astype(bool).to_numpy()
    frame = pd.DataFrame({
        "Code": counts["label"],
        "Answers": [F.n(v) if s else F.HIDDEN for v, s in zip(counts["n_answers"], shown, strict=True)],
        "Participants": [F.n(v) if s else F.HIDDEN for v, s in zip(counts["n_participants"], shown, strict=True)],
        "% of respondents": [F.pct(v) if s else F.HIDDEN for v, s in zip(counts["percent"], shown, strict=True)],
    })
    sec = sec.add(num.tb(frame, "Codes in the free-text answers", key="codes", note=
                         f"Respondents = {F.n(first['n_respondents'])} participants with at least one non-empty "
                         f"answer. An answer can carry several codes. {F.HIDDEN}: mentioned by at least one but "
                         f"fewer than {ctx.k} people."))
    tt = table(res, N.THEMES_BY_TIMEPOINT)
    if tt is not None:
        labels = dict(zip(counts[C.CODE], counts["label"], strict=True))
        tps = list(dict.fromkeys(tt[C.TIMEPOINT]))
        cell = [F.HIDDEN if s else (F.pct(p) if not F.isna(p) else "–")
                for s, p in zip(tt["suppressed"], tt["percent"], strict=True)]
        wide = tt.assign(cell=cell).pivot(index=C.CODE, columns=C.TIMEPOINT, values="cell")
        wide = wide.reindex([c for c in counts[C.CODE] if c in wide.index])[tps]
        wide.insert(0, "Code", [labels.get(c, c) for c in wide.index])
        resp = tt.drop_duplicates(C.TIMEPOINT).set_index(C.TIMEPOINT)["n_respondents"]
        wide.columns = ["Code"] + [f"{ctx.tp(t)}, n = {F.n(resp[t])}" for t in tps]
        sec = sec.add(num.tb(wide.reset_index(drop=True), "Codes by timepoint (% of respondents)", key="codes_by_timepoint",
                             note=
                             f"{F.HIDDEN}: mentioned by at least one but fewer than {ctx.k} participants. Codes are not exclusive, so "
                             "the columns do not add up to 100%."))
    if heat is not None:
        sec = sec.add(TextBlock(
            "Where themes cluster: the figure shows, for everyone and for each group of the study, the share of "
            "respondents whose answers carried each code, with the codes about the person, the programme and the "
            "system around the person apart. Its numbers are in the table theme_heatmap (tables/theme_heatmap.csv)."),
            num.figure(heat))
    quotes = table(res, N.QUOTES)
    if quotes is not None:
        labels = dict(zip(counts[C.CODE], counts["label"], strict=True))
        blocks: list[Any] = [TextBlock("Exemplar quotes (redacted), two for each code most often mentioned:")]
        for code, grp in quotes.groupby(C.CODE, sort=False):
            blocks.append(TextBlock(f"{labels.get(code, code)}:"))
            blocks += [QuoteBlock(str(r.quote), str(r.source)) for r in grp.itertuples()]
        sec = sec.add(*blocks)
    return sec


def _joint(ctx: Ctx, num: _Numbering) -> Section:
    sec = Section("Joint displays")
    res = ctx.results
    if N.JOINT_DISPLAY in res.tables:
        sec = sec.add(Callout(
            "The joint display (change in each primary scale among participants who mentioned each theme and "
            "among those who did not) is in the research team's files (research/tables/joint_display.csv): "
            "together with the cohort reports, its groups could single out individual people, so it is not "
            "part of this shareable report.", level="note"))
    qb = table(res, N.QUOTES_BY_CHANGE)
    if qb is None:
        if N.JOINT_DISPLAY not in res.tables:
            sec = sec.add(Callout("Joint displays need coded free text and per-person change in a primary scale; "
                                  "one of them is missing.", level="note"))
        return sec
    for (scale, t1), by_scale in qb.groupby([C.SCALE, "time_to"], sort=False):
        sec = sec.add(TextBlock(f"Quotes by reliable change in {ctx.label(str(scale))} ({ctx.tp(ctx.baseline)} to "
                                f"{ctx.tp(t1)}), redacted; categories of fewer than {ctx.k} people show no quotes:"))
        for cat, grp in by_scale.groupby("rci_category", sort=False):
            if grp["suppressed"].iloc[0]:
                sec = sec.add(TextBlock(f"{str(cat).capitalize()}: too few people to show quotes."))
                continue
            sec = sec.add(TextBlock(f"{str(cat).capitalize()}:"))
            for r in grp.itertuples():
                sec = sec.add(QuoteBlock(str(r.quote), str(r.source)))
    return sec


def _checklists(ctx: Ctx, num: _Numbering, template_dirs: Sequence[str | Path]) -> Section:
    from .checklists import checklist_frame, list_checklists, load_checklist

    sec = Section("Appendix A. Reporting checklists", id="appendix-checklists")
    sec = sec.add(TextBlock("Items evaltool can answer from the results are pre-filled (check them); the rest are "
                            "listed as to do. TREND suits uncontrolled pre/post evaluations, GRAMMS the mixed-methods "
                            "design, COREQ the qualitative strand."))
    for name in [n for n in ("trend", "gramms", "coreq") if n in list_checklists(template_dirs)] + \
            [n for n in list_checklists(template_dirs) if n not in ("trend", "gramms", "coreq")]:
        cl = load_checklist(name, template_dirs)
        fr = checklist_frame(cl, ctx)
        done = int((fr["status"] == "pre-filled").sum())
        frame = pd.DataFrame({
            "Item": fr["item"], "Topic": fr["topic"],
            "Pre-filled from the results / to do": [a if s == "pre-filled" else f"To do: {t}" for s, a, t in
                                                    zip(fr["status"], fr["answer"], fr["text"], strict=True)],
        })
        sec = sec.add(num.tb(frame, f"{cl.name} checklist ({done} of {len(fr)} items pre-filled)",
                             f"{cl.title}. {cl.citation}"))
    return sec


def _software(ctx: Ctx, num: _Numbering) -> Section:
    from .methods import software_versions

    vers = software_versions(ctx.results)
    frame = pd.DataFrame({"Software": list(vers), "Version": list(vers.values())})
    sec = Section("Appendix B. Software and reproducibility", id="appendix-software")
    txt = ("Every number in this report is in the results folder (tables/*.csv and *.parquet, results.xlsx) "
           "with full precision; manifest.json records input-file hashes, the options, the seed and versions, "
           "and reproduce.ipynb re-runs the analysis and checks every table.")
    return sec.add(TextBlock(txt), num.tb(frame, "Software versions"))
