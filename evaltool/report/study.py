"""The study report: methods, flow, reliability, descriptives, pre/post, model, reliable change,
figures, qualitative themes, joint displays and reporting-checklist appendices."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .. import columns as C
from ..errors import ParameterError
from . import _fmt as F
from ._context import Ctx, make_ctx, table
from ._qual import QualTables, pick_quotes, qual_tables
from ._tables import ApaTable, study_tables
from .model import Callout, FigureBlock, QuoteBlock, Report, Section, TableBlock, TextBlock

__all__ = ["SYNTHETIC_BANNER", "build_study_report"]

SYNTHETIC_BANNER = ("SYNTHETIC EXAMPLE DATA — made up to show what evaltool does. "
                    "Not real participants; do not cite these numbers.")


class _Numbering:
    def __init__(self) -> None:
        self.tables = 0
        self.figures = 0

    def table(self, t: ApaTable) -> TableBlock:
        self.tables += 1
        return TableBlock(t.frame, caption=f"Table {self.tables}. {t.title}", note=t.note)

    def tb(self, frame: pd.DataFrame, title: str, note: str = "") -> TableBlock:
        return self.table(ApaTable("", title, frame, note))

    def figure(self, fig: Any, caption: str) -> FigureBlock:
        self.figures += 1
        cap = f"Figure {self.figures}. {caption}"
        return FigureBlock.from_matplotlib(fig, caption=cap, alt=caption)


def _check_results(results: Any, caller: str) -> None:
    if not hasattr(results, "tables") or not hasattr(results, "meta"):
        raise ParameterError(
            f"The 'results' parameter of {caller}() must be evaltool Results. Got "
            f"{type(results).__name__} instead.",
            fix="pass the return value of evaltool.analyse() or evaltool.load_results(folder).")


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
    _check_results(results, "build_study_report")
    from .methods import methods_text

    ctx = make_ctx(results)
    qual = qual_tables(results)
    num = _Numbering()
    tabs = {t.key: t for t in study_tables(ctx)}
    meth = methods_text(ctx, qual)
    meta = results.meta
    tpl = "; ".join(f"{t} = {ctx.tp_labels.get(t, t)}" for t in ctx.tps)
    rep = Report(title=str(meta.get("study_name", "Evaluation")), subtitle="Study report",
                 template="study_report.html.j2")
    rep = rep.with_meta(generated=_dt.date.today().isoformat(), study_line=f"Timepoints: {tpl}.")
    if results.synthetic:
        rep = rep.with_banner(SYNTHETIC_BANNER)
    rep = rep.add_section(_summary(ctx, qual))
    sec = Section("Methods")
    for key, head in (("design", "Design and participants"), ("measures", "Measures"),
                      ("statistics", "Statistical analysis"), ("qualitative", "Qualitative analysis"),
                      ("integration", "Integration"), ("software", "Software")):
        if meth.get(key):
            sec = sec.add(TextBlock(f"{head}. {meth[key]}"))
    rep = rep.add_section(sec)
    figs = {k: (f, c) for k, f, c in _figures(ctx)}
    sec = Section("Participant flow")
    if "flow" in figs:
        sec = sec.add(num.figure(*figs.pop("flow")))
    for key in ("flow", "attrition"):
        if key in tabs:
            sec = sec.add(num.table(tabs[key]))
    rep = rep.add_section(sec)
    for key, title, intro in (
        ("reliability", "Reliability", ""),
        ("descriptives", "Descriptive statistics", ""),
        ("prepost", "Pre/post comparisons", "Headline effect size: d_av (with g_av); d_z beside it."),
        ("model", "Change against baseline", "All available data, so participants lost to follow-up still count."),
        ("reliable_change", "Reliable change", ""),
    ):
        sec = Section(title)
        if intro:
            sec = sec.add(TextBlock(intro))
        if key in tabs:
            sec = sec.add(num.table(tabs[key]))
        if key == "prepost":
            for extra in ("effect_sizes", "wilcoxon"):
                if extra in tabs:
                    sec = sec.add(num.table(tabs[extra]))
        if key == "prepost" and "forest_d_av" in figs:
            sec = sec.add(num.figure(*figs.pop("forest_d_av")))
        if key in tabs or len(sec.blocks) > 1:
            rep = rep.add_section(sec)
    if figs:
        sec = Section("Figures").add(TextBlock("Figures for the primary outcomes."))
        for fig, cap in figs.values():
            sec = sec.add(num.figure(fig, cap))
        rep = rep.add_section(sec)
    rep = rep.add_section(_qualitative(ctx, qual, num))
    rep = rep.add_section(_joint(ctx, qual, num))
    rep = rep.add_section(_checklists(ctx, qual, num, template_dirs))
    rep = rep.add_section(_software(ctx, num))
    return rep


def _figures(ctx: Ctx) -> list[tuple[str, Any, str]]:
    from ._figures import study_figures

    return study_figures(ctx)


def _summary(ctx: Ctx, qual: QualTables) -> Section:
    res = ctx.results
    c = res.meta.get("counts", {})
    lines = []
    if c.get("participants") is not None:
        per = ", ".join(f"{c[f'participants_at_{t}']} at {t}" for t in ctx.tps if f"participants_at_{t}" in c)
        lines.append(f"{c['participants']} participants took part; responses analysed: {per}.")
    m = table(res, "change_vs_baseline")
    bullets = []
    if m is not None:
        for s in ctx.primary:
            sub = m[m["scale"] == s]
            if sub.empty:
                continue
            parts = [f"{r.timepoint} β {F.est_ci(r.beta, r.ci_low, r.ci_high)}, d\u00a0{F.num(r.d)}, p\u00a0{F.p(r.p)}"
                     for r in sub.itertuples() if not F.isna(r.beta)]
            if parts:
                bullets.append(f"- {ctx.label(s)} (change from {ctx.baseline}): " + "; ".join(parts) + ".")
    sec = Section("Summary")
    if lines:
        sec = sec.add(TextBlock(" ".join(lines)))
    if bullets:
        sec = sec.add(TextBlock("Change against baseline (mixed model):\n\n" + "\n".join(bullets)))
    if qual.available:
        top = _code_counts(qual).head(3)
        if len(top):
            sec = sec.add(TextBlock("Themes mentioned by most respondents: " + "; ".join(
                f"{qual.label(str(r.code))} ({r.n_participants} participants)" for r in top.itertuples()) + "."))
    sec = sec.add(Callout("This report shows no participant identifiers and no raw free text; quotes are "
                          f"redacted and groups of fewer than {ctx.k} people in joint displays are hidden.",
                          level="privacy"))
    return sec


def _code_counts(q: QualTables) -> pd.DataFrame:
    """Per code: answers and participants with the code, % of respondents (non-empty answers)."""
    from ..qual.coder import empty_mask

    ans, codings = q.answers, q.codings
    if ans is None or codings is None:
        return pd.DataFrame(columns=[C.CODE, "n_answers", "n_participants", "percent"])
    book = q.codebook if q.codebook is not None else "resilience_training"
    nonempty = ans[~empty_mask(ans, book)]
    n_resp = nonempty[C.PARTICIPANT_ID].nunique()
    cod = codings[[C.RESPONSE_ID, C.CODE]].astype(object).merge(
        ans[[C.RESPONSE_ID, C.PARTICIPANT_ID]].astype(object), on=C.RESPONSE_ID)
    g = cod.groupby(C.CODE)
    out = pd.DataFrame({"n_answers": g[C.RESPONSE_ID].nunique(), "n_participants": g[C.PARTICIPANT_ID].nunique()})
    order = [c for c in q.code_order if c in out.index]
    out = out.reindex(order).fillna(0).astype(int).reset_index().rename(columns={"index": C.CODE})
    out["percent"] = 100.0 * out["n_participants"] / max(n_resp, 1)
    out.attrs["n_respondents"] = n_resp
    out.attrs["n_empty"] = int(len(ans) - len(nonempty))
    return out.sort_values("n_participants", ascending=False, kind="stable").reset_index(drop=True)


def _qualitative(ctx: Ctx, q: QualTables, num: _Numbering) -> Section:
    sec = Section("Qualitative findings")
    answers, codings = q.answers, q.codings
    if answers is None or codings is None:
        return sec.add(Callout(q.note or "No coded free text is available.", level="note"))
    from ..integrate import themes_by_timepoint

    counts = _code_counts(q)
    n_resp = counts.attrs["n_respondents"]
    n_coded = codings[C.RESPONSE_ID].nunique()
    sec = sec.add(TextBlock(
        f"{len(answers)} free-text answers from {answers[C.PARTICIPANT_ID].nunique()} participants; "
        f"{counts.attrs['n_empty']} were empty or “n/a”; {n_coded} carried at least one code."))
    frame = pd.DataFrame({
        "Code": counts[C.CODE].map(q.label), "Answers": counts["n_answers"].map(F.n),
        "Participants": counts["n_participants"].map(F.n), "% of respondents": counts["percent"].map(lambda v: F.pct(v)),
    })
    sec = sec.add(num.tb(frame, "Codes in the free-text answers",
                         f"Respondents = {n_resp} participants with at least one non-empty answer. An answer can carry several codes."))
    book = q.codebook if q.codebook is not None else "resilience_training"
    tt = themes_by_timepoint(codings, answers, min_n=ctx.k, codes=list(counts[C.CODE]), codebook=book)
    if len(tt):
        tps = list(dict.fromkeys(tt[C.TIMEPOINT]))
        cell = [f"<{ctx.k}" if s else (F.pct(p) if not F.isna(p) else "–") for s, p in zip(tt["suppressed"], tt["percent"], strict=True)]
        wide = tt.assign(cell=cell).pivot(index=C.CODE, columns=C.TIMEPOINT, values="cell").reindex(list(counts[C.CODE]))
        wide = wide[tps]
        wide.insert(0, "Code", [q.label(c) for c in wide.index])
        resp = tt.drop_duplicates(C.TIMEPOINT).set_index(C.TIMEPOINT)["n_respondents"]
        wide.columns = ["Code"] + [f"{t} (n = {F.n(resp[t])})" for t in tps]
        sec = sec.add(num.tb(wide.reset_index(drop=True), "Codes by timepoint (% of respondents)",
                             f"<{ctx.k}: fewer than {ctx.k} participants (not shown). Codes are not exclusive, "
                             "so the columns do not add up to 100%."))
    quotes = []
    used: set[str] = set()
    for code in counts.loc[counts["n_participants"] >= ctx.k, C.CODE].head(8):
        for text, src in pick_quotes(q, code, n=2, used=used):
            quotes.append((code, text, src))
    if quotes:
        sec_blocks: list[Any] = [TextBlock("Exemplar quotes (redacted), two for each code most often mentioned:")]
        last = None
        for code, text, src in quotes:
            if code != last:
                sec_blocks.append(TextBlock(f"{q.label(code)}:"))
                last = code
            sec_blocks.append(QuoteBlock(text, src))
        sec = sec.add(*sec_blocks)
    elif q.note:
        sec = sec.add(Callout(q.note, level="note"))
    return sec


def _joint(ctx: Ctx, q: QualTables, num: _Numbering) -> Section:
    sec = Section("Joint displays")
    rc = table(ctx.results, "reliable_change")
    if not q.available or q.code_matrix is None or rc is None:
        return sec.add(Callout("Joint displays need coded free text and per-person change; "
                               + (q.note or "one of them is missing."), level="note"))
    from ..integrate import joint_display, quotes_by_change

    last = ctx.tps[-1] if ctx.tps else None
    jd = joint_display(q.code_matrix, rc, min_n=ctx.k, scales=ctx.primary)
    sec = sec.add(TextBlock(
        f"Change from {ctx.baseline} to {last} among participants whose free-text answers carried each code "
        "and among those whose answers did not. These are descriptive: mentioning a theme is not a cause of change."))
    for s in ctx.primary:
        sub = jd[(jd[C.SCALE] == s) & (jd["time_to"] == last)]
        if sub.empty:
            continue
        sub = sub.assign(_o=sub[C.CODE].map({c: i for i, c in enumerate(q.code_order)})).sort_values("_o")
        hid = sub["suppressed"].to_numpy()
        frame = pd.DataFrame({
            "Code": sub[C.CODE].map(q.label),
            "n with": [F.HIDDEN if h else F.n(v) for h, v in zip(hid, sub["n_with"], strict=True)],
            "Change with [95% CI]": [F.HIDDEN if h else F.est_ci(*v) for h, *v in zip(hid, sub["mean_with"], sub["ci_low_with"], sub["ci_high_with"], strict=True)],
            "n without": [F.HIDDEN if h else F.n(v) for h, v in zip(hid, sub["n_without"], strict=True)],
            "Change without [95% CI]": [F.HIDDEN if h else F.est_ci(*v) for h, *v in zip(hid, sub["mean_without"], sub["ci_low_without"], sub["ci_high_without"], strict=True)],
            "Difference [95% CI]": [F.HIDDEN if h else F.est_ci(*v) for h, *v in zip(hid, sub["difference"], sub["difference_ci_low"], sub["difference_ci_high"], strict=True)],
        })
        sec = sec.add(num.tb(frame.reset_index(drop=True),
                             f"Joint display: change in {ctx.label(s)} ({ctx.baseline} to {last}) by code",
                             f"Mean change (later − earlier) with t-based 95% CI; difference = with − without, Welch "
                             f"interval. hidden: a group had fewer than {ctx.k} people (both groups are hidden, "
                             "since their sizes add up to a published total)."))
    if q.redactor is None:
        return sec.add(Callout(q.note, level="note"))
    pool = _quote_pool(q)
    qb = quotes_by_change(pool, rc, scales=ctx.primary, min_n=ctx.k, per_category=6,
                          text=C.TEXT, redactor=q.redactor)
    seen: set[str] = set()
    keep: list[tuple[Any, Any, Any, Any]] = []
    for r in qb.itertuples():  # two quotes per category, none repeated across scales
        key = str(r.quote).casefold()
        taken = sum(x[:3] == (r.scale, r.time_to, r.rci_category) for x in keep)
        if r.suppressed or (key not in seen and taken < 2):
            keep.append((r.scale, r.time_to, r.rci_category, r.Index))
            seen.add(key)
    qb = qb.loc[[x[3] for x in keep]]
    for (scale, t1), by_scale in qb.groupby([C.SCALE, "time_to"], sort=False):
        sec = sec.add(TextBlock(f"Quotes by reliable change in {ctx.label(str(scale))} ({ctx.baseline} to {t1}), "
                                f"redacted; categories with fewer than {ctx.k} people show no quotes:"))
        for cat, grp in by_scale.groupby("rci_category", sort=False):
            if grp["suppressed"].iloc[0]:
                sec = sec.add(TextBlock(f"{str(cat).capitalize()}: fewer than {ctx.k} people."))
                continue
            sec = sec.add(TextBlock(f"{str(cat).capitalize()}:"))
            for r in grp.itertuples():
                qid = str(r.question)
                sec = sec.add(QuoteBlock(str(r.quote), f"{r.timepoint}, answer to “{q.questions.get(qid, qid)}”"))
    return sec


def _quote_pool(q: QualTables) -> pd.DataFrame:
    """Coded answers of moderate length, one row per answer (raw text; redacted downstream)."""
    codings, answers = q.codings, q.answers
    if codings is None or answers is None:
        return pd.DataFrame(columns=[C.PARTICIPANT_ID, C.TEXT])
    first = codings.drop_duplicates(C.RESPONSE_ID)[[C.RESPONSE_ID, C.CODE]].astype(object)
    a = answers[[C.RESPONSE_ID, C.PARTICIPANT_ID, C.TIMEPOINT, C.QUESTION, C.TEXT]].astype(object)
    pool = a.merge(first, on=C.RESPONSE_ID)
    text = pool[C.TEXT].fillna("").map(lambda s: " ".join(str(s).split()))
    ln = text.str.len()
    pool = pool.assign(text=text)[(ln >= 25) & (ln <= 220)]
    return pool.assign(_l=(pool[C.TEXT].str.len() - 90).abs()).sort_values(["_l", C.RESPONSE_ID]).drop(columns="_l")


def _checklists(ctx: Ctx, q: QualTables, num: _Numbering, template_dirs: Sequence[str | Path]) -> Section:
    from .checklists import checklist_frame, list_checklists, load_checklist

    sec = Section("Appendix A. Reporting checklists", id="appendix-checklists")
    sec = sec.add(TextBlock("Items evaltool can answer from the results are pre-filled (check them); the rest are "
                            "listed as to do. TREND suits uncontrolled pre/post evaluations, GRAMMS the mixed-methods "
                            "design, COREQ the qualitative strand."))
    for name in [n for n in ("trend", "gramms", "coreq") if n in list_checklists(template_dirs)] + \
            [n for n in list_checklists(template_dirs) if n not in ("trend", "gramms", "coreq")]:
        cl = load_checklist(name, template_dirs)
        fr = checklist_frame(cl, ctx, q)
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
    txt = ("Every number in this report is in the results folder (tables/*.csv, results.xlsx) with full "
           "precision; manifest.json records input-file hashes, the study file, the seed and versions.")
    return sec.add(TextBlock(txt), num.tb(frame, "Software versions"))
