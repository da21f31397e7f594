"""``results/index.html``: the results at a glance, and where everything is.

The headline findings (:func:`~evaltool.report.headline.headline_lines`, the same lines as
``repr(results)`` and the console), the problems counted as errors and warnings, a link to every
report, table and figure, and which files may be shared and which may not. A view: it lists
what the results hold and computes nothing.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

from ..analysis import names as N
from .headline import headline_lines, problem_counts
from .model import Callout, LinkList, Report, Section, TextBlock

__all__ = ["build_index", "write_index"]

DESCRIPTIONS = {
    N.INPUTS: "the input files with their SHA-256", N.EXCLUSIONS: "every response set aside, with its reason",
    N.PROBLEMS: "every data problem (errors and warnings) with file, row, column and fix",
    N.MATCH_REPORT: "who was found at which timepoint, duplicates and near-miss ids",
    N.ITEM_MAP: "which export column is which questionnaire item", N.PARTICIPANTS: "one row per participant",
    N.SCALES: "the scales scored, their ranges and directions", N.SCORES: "every participant's scale scores",
    N.ADMINISTRATION: "which scale was given at which timepoint", N.RELIABILITY: "Cronbach's α and ω per scale",
    N.ITEM_STATISTICS: "item means and item-total correlations", N.FLOW: "participant flow by timepoint",
    N.ATTRITION: "baseline scores of those retained and lost", N.DESCRIPTIVES: "scale scores by timepoint",
    N.BAND_COUNTS: "people in each score band", N.PREPOST: "pre/post t and Wilcoxon tests with effect sizes",
    N.CHANGE_VS_BASELINE: "change from baseline (mixed models)", N.MIXED_FIXED_EFFECTS: "mixed-model fixed effects",
    N.MIXED_VARIANCE: "mixed-model variance components", N.MODEL_FIT: "mixed-model fit, ICC and R²",
    N.EMMEANS: "estimated marginal means", N.EMMEANS_CONTRASTS: "contrasts of estimated marginal means",
    N.ANOVA_GROUP_BY_TIME: "group × time tests", N.RELIABLE_CHANGE: "reliable change per participant",
    N.RELIABLE_CHANGE_SUMMARY: "people improved, unchanged and deteriorated",
    N.FREE_TEXT: "the raw free-text answers", N.CODINGS: "every coding with the words that triggered it",
    N.VALENCE: "the valence of each answer", N.CODING_SUMMARY: "codes per question",
    N.CODE_FREQUENCIES: "how often each code was found", N.CODE_FREQUENCIES_BY_TIMEPOINT: "codes by timepoint",
    N.CODE_MATRIX: "codes per participant", N.CODE_COUNTS: "answers and people per code (disclosure-controlled)",
    N.EXEMPLAR_QUOTES: "candidate quotes (research team)", N.THEME_SUGGESTIONS: "suggested inductive themes",
    N.QUOTES: "redacted quotes for the report", N.JOINT_DISPLAY: "change by code (joint display)",
    N.THEMES_BY_TIMEPOINT: "codes by timepoint (% of respondents)", N.QUOTES_BY_CHANGE: "quotes by reliable change",
    N.THEME_HEATMAP: "share of respondents mentioning each code, by cohort and group",
    N.COHORTS: "the cohorts and whether each has a report of its own",
    N.COHORT_RESPONSES: "people answering each survey, per cohort", N.COHORT_SCALES: "averages per cohort",
    N.COHORT_CHANGES: "change per cohort", N.COHORT_THEMES: "themes per cohort", N.COHORT_QUOTES: "quotes per cohort",
}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def build_index(results: Any) -> Report:
    """The index page of a results folder: headline findings, links to every report, table and
    figure, and what may be shared.

    Parameters
    ----------
    results
        :class:`evaltool.analysis.Results`. Not modified.

    Returns
    -------
    Report
        Sections: At a glance, Reports, Tables, Figures, What may be shared. Links are relative
        to the results folder.

    Examples
    --------
    >>> import pandas as pd
    >>> from evaltool.analysis.results import Results, StudySummary
    >>> res = Results(tables={"prepost": pd.DataFrame({"scale": ["brs"]})}, study=StudySummary(name="Pilot"))
    >>> rep = build_index(res)
    >>> [s.title for s in rep.sections]
    ['At a glance', 'Reports', 'Tables', 'What may be shared']
    >>> 'href="tables/prepost.csv"' in rep.to_html()
    True
    """
    from .study import SYNTHETIC_BANNER

    rep = Report(title=f"{results.study.name or 'Evaluation'}: results", subtitle="What is in this folder",
                 template="index.html.j2").with_meta(generated=_dt.date.today().isoformat())
    if results.synthetic:
        rep = rep.with_banner(SYNTHETIC_BANNER)
    errors, warnings = problem_counts(results)
    glance = Section("At a glance")
    lines = [ln for ln in headline_lines(results) if not ln.startswith("Checks of the data") and " from the analysis" not in ln]
    if lines:
        glance = glance.add(TextBlock("\n".join(f"- {ln}" for ln in lines)))
    checks = (f"Checks of the data: {_plural(errors, 'error')} and {_plural(warnings, 'warning')}"
              + (" (the problems table in research/ lists each with its fix; warnings, such as possible "
                 "participant-code typos, do not change the numbers)." if errors or warnings else "."))
    glance = glance.add(Callout(checks, level="warning" if errors or warnings else "note"))
    for note in results.notes:
        glance = glance.add(Callout(note, level="note"))
    rep = rep.add_section(glance)
    rep = rep.add_section(_reports(results))
    rep = rep.add_section(_tables(results))
    if results.figures:
        rep = rep.add_section(_figures(results))
    return rep.add_section(_sharing())


def _figures(results: Any) -> Section:
    """Figures where analyse writes them: figures/, or research/figures/ for those showing
    individual people's scores (research team only)."""
    from ..analysis.write import figure_folder

    def links(shareable: bool) -> tuple:
        d = figure_folder(shareable)
        return tuple((f"{d}/{n}.png", f"{n} (PNG)", f"{f.caption} SVG: {d}/{n}.svg")
                     for n, f in results.figures.items() if bool(f.shareable) == shareable)

    sec = Section("Figures")
    shared, research = links(True), links(False)
    if shared:
        sec = sec.add(TextBlock("Shareable (group summaries only):"), LinkList(shared))
    if research:
        sec = sec.add(TextBlock("Research team only (they show individual people's scores):"), LinkList(research))
    return sec


def _reports(results: Any) -> Section:
    items = [("report.html", "Study report", "methods, APA tables, figures, themes, joint displays, checklists"),
             ("report.docx", "APA tables (Word)", "the study report's tables for a manuscript")]
    cohorts = results.tables.get(N.COHORTS)
    if cohorts is not None:
        for c, ok, stem in zip(cohorts["cohort"], cohorts["reportable"], cohorts["file"], strict=True):
            note = ("a facilitator's report" if bool(ok) else
                    "too small for a report of its own; the report says what to do instead")
            items.append((f"cohort_reports/{stem}.html", f"Cohort {c}", note))
    items.append(("reproduce.ipynb", "reproduce.ipynb", "re-runs the analysis and checks every table here"))
    return Section("Reports").add(LinkList(tuple(items)))


def _tables(results: Any) -> Section:
    shared, research = [], []
    for name, t in sorted(results.tables.items()):
        what = DESCRIPTIONS.get(name, name.replace("_", " "))
        if N.is_shareable(name):
            shared.append((f"tables/{name}.csv", name, f"{what}; {_plural(len(t), 'row')} (also .parquet)"))
        else:
            research.append((f"research/tables/{name}.csv", name, f"{what}; {_plural(len(t), 'row')}"))
    sec = Section("Tables").add(
        TextBlock("Every table at full precision, as CSV to read and Parquet to compute with. results.xlsx holds "
                  "the shareable ones in one workbook, with an index sheet first."),
        TextBlock("Shareable (cohort- and study-level, disclosure-controlled):"), LinkList(tuple(shared)))
    if research:
        sec = sec.add(TextBlock("Research team only (one row per participant or answer, raw free text):"),
                      LinkList(tuple(research)))
    return sec


def _sharing() -> Section:
    return Section("What may be shared").add(
        TextBlock("- May be shared, as the study's governance allows: the reports (report.html, report.docx, "
                  "cohort_reports/), results.xlsx, tables/, figures/ and definitions/. They hold cohort- and "
                  "study-level numbers that passed disclosure control and redacted quotes only.\n"
                  "- Must not be shared: research/. It holds one row per participant or answer, the raw free-text "
                  "answers (which may name people or give contact details), the study file with its redaction "
                  "lists and the REFI-QDA project. Keep it where the study's data-protection rules allow "
                  "participant data.\n"
                  "- manifest.json records every file's SHA-256; evaltool refuses a folder whose files were "
                  "changed. A copy without research/ still loads, without the research-only tables."),
        Callout("Facilitators get their cohort's report only. A pooled report for a small cohort "
                "(`evaltool report cohort RESULTS --cohort SMALL --with OTHER`) needs the research/ folder and is "
                "made by the research team.", level="privacy"))


def write_index(results: Any, out_dir: str | Path) -> Path:
    """Write ``index.html`` into a results folder (see :func:`build_index`).

    Parameters
    ----------
    results
        :class:`evaltool.analysis.Results`. Not modified.
    out_dir
        The results folder (the links are relative to it).

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> from evaltool.analysis.results import Results, StudySummary
    >>> p = write_index(Results(tables={}, study=StudySummary(name="Pilot")), tempfile.mkdtemp())
    >>> p.name
    'index.html'
    """
    return build_index(results).save(Path(out_dir) / "index.html")
