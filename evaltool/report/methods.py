"""The methods paragraph of the study report, written from what was actually run.

Every statement is read off the result tables (method columns, correction, model formula,
degrees-of-freedom method, reliability sources) or the run manifest (software versions), never
assumed, so the text cannot drift from the numbers.
"""

from __future__ import annotations

from typing import Any

from . import _fmt as F
from ._context import Ctx, table
from ._tables import _short_source, correction_name

__all__ = ["methods_text", "software_versions"]

_PACKAGES = ("evaltool", "numpy", "pandas", "scipy", "statsmodels", "matplotlib", "scikit-learn",
             "jinja2", "weasyprint", "python-docx")


# a scoring method in words (the study file's identifiers never reach the prose)
_METHOD_WORDS = {"mean": "mean score", "sum": "sum score", "prorated_sum": "sum score (prorated)",
                 "lookup": "score from the instrument's table", "correct_count": "number of correct answers",
                 "correct_percent": "percentage of correct answers"}


def software_versions(results: Any) -> dict[str, str]:
    """Python and package versions recorded when the analysis ran (the results' provenance)."""
    prov = results.provenance
    vers = {"python": prov.python} if prov.python else {}
    vers.update({k: v for k, v in prov.packages.items() if k in _PACKAGES or k == "evaltool"})
    return vers


def _join(items: list[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _unanswered_rule(res: Any, scale: str, method: str, n_items: int) -> str:
    """How a test's unanswered questions were scored, in words ("" for other methods): a mean of
    prorated counts is not a whole number, and the reader should know why."""
    if method not in ("correct_count", "correct_percent"):
        return ""
    rule = next((sc.missing for inst in res.instruments.values() for sc in inst.scales if sc.id == scale), None)
    if rule is None:
        return ""
    if rule.unanswered == "wrong":
        return "; an unanswered question counted as wrong"
    need = f"at least {rule.min_answered} of {n_items} questions answered; " if rule.min_answered else ""
    return (f"; {need}unanswered questions prorated (correct answers ÷ questions answered × {n_items}), "
            "so scores need not be whole numbers")


def methods_text(ctx: Ctx) -> dict[str, str]:
    """Paragraphs keyed by topic: design, measures, statistics, qualitative, integration, software
    (written once per context: the study report and its checklists share them)."""
    return dict(ctx.view("methods", lambda: _methods_text(ctx)))


def _methods_text(ctx: Ctx) -> dict[str, str]:
    res = ctx.results
    out: dict[str, str] = {}
    counts = res.study.counts
    tps = ", ".join(ctx.tp_id(t) for t in ctx.tps)
    n_all = counts.get("participants")
    per_tp = _join([f"{counts.get(f'participants_at_{t}')} at {t}" for t in ctx.tps
                    if counts.get(f"participants_at_{t}") is not None])
    out["design"] = (
        f"Uncontrolled longitudinal evaluation with {len(ctx.tps)} survey timepoints: {tps}. "
        + (f"{n_all} participants took part ({per_tp}). " if n_all is not None else "")
        + "Waves were linked by participant code; every response set aside (test, unfinished or "
          "duplicate responses) is listed with its reason.")
    scales = ctx.scales
    rel = table(res, "reliability")
    meas = []
    for r in scales.itertuples():
        if str(r.scale) not in ctx.primary:
            continue
        a = ""
        if rel is not None and (rel["scale"] == r.scale).any():
            a = f", α = {F.nolead(rel.loc[rel['scale'] == r.scale, 'alpha'].iloc[0])}"
        how = _METHOD_WORDS.get(str(r.method), f"{r.method} score")
        meas.append(f"{r.label} ({F.n(r.n_items)} items, {how} {ctx.units.get(str(r.scale), '')}{a}"
                    f"{_unanswered_rule(res, str(r.scale), str(r.method), int(float(str(r.n_items))))})")
    other = [str(r.label) for r in scales.itertuples() if str(r.scale) not in ctx.primary]
    out["measures"] = ("Primary outcomes: " + "; ".join(meas) + "."
                       + (f" Secondary: {_join(other)}." if other else "")
                       + " Scale scores follow each instrument's scoring rules (reverse keys, minimum "
                         "number of answered items); internal consistency was estimated at baseline.")
    out["statistics"] = _statistics(ctx)
    counts = table(res, "code_counts")
    book = res.codebook
    if counts is not None:
        book_txt = (f"the codebook “{book.name}” (version {book.version}, {len(book.code_ids)} codes)"
                    if book is not None else "a codebook")
        n_q = len(res.study.questions)
        out["qualitative"] = (
            f"Free-text answers ({F.n(counts['n_answers_total'].iloc[0])} answers to {n_q} questions) "
            f"were coded deductively with {book_txt} by evaltool's rule coder: "
            "transparent phrase rules, with each coding's text span kept for checking; negation "
            "and very short answers (\"n/a\") were handled by rule. Codes are counted per participant. "
            "Quotes were redacted (names, contact details, places) before display.")
        out["integration"] = (
            "The strands were integrated in joint displays: the change in each primary scale from "
            f"baseline ({ctx.baseline}) among participants whose answers carried a code versus those whose "
            f"answers did not (mean change with t-based {ctx.level} CI per group; difference with Welch's "
            "interval), and redacted quotes grouped by reliable-change category. Groups of fewer than "
            f"{ctx.k} people are suppressed.")
    vers = software_versions(res)
    main = ["python", "evaltool", "numpy", "pandas", "scipy", "statsmodels", "matplotlib"]
    out["software"] = ("Analysed with " + _join([f"{k} {vers[k]}" for k in main if k in vers])
                       + ". Statistics were checked against R (psych, effectsize, lme4/lmerTest) in "
                         "evaltool's test suite.")
    return out


def _statistics(ctx: Ctx) -> str:
    res = ctx.results
    parts = []
    pp = table(res, "prepost")
    if pp is not None:
        contrasts = _join(list(dict.fromkeys(pp["contrast"].astype(str).str.replace("-", "−"))))
        wm = sorted(set(map(str, pp["wilcoxon_method"].dropna()))) if "wilcoxon_method" in pp else []
        headline = ctx.options.effect_size
        other = "d_z" if headline == "d_av" else "d_av"
        corr = correction_name(ctx)
        fam = int(pp["p_t_adj"].notna().sum())
        parts.append(
            f"Pre/post change ({contrasts}; complete pairs, difference = later − earlier) was tested with "
            "paired t-tests and Wilcoxon signed-rank tests"
            + (f" ({'; '.join(wm)})" if wm else "") + ". "
            f"The headline effect size is {_es(headline)}, reported with its Hedges-corrected g_{headline[2:]} "
            f"and with {other}, all with {ctx.level} CIs. "
            + (f"The confirmatory family is {ctx.options.family} ({fam} comparisons): their p-values were "
               f"adjusted with the {corr} method and raw and adjusted p are both reported; every other p-value "
               "(secondary scales, mixed models) is unadjusted and descriptive." if corr != "none" else
               "p-values were not adjusted for multiplicity."))
    m = table(res, "change_vs_baseline")
    if m is not None:
        models = _join(sorted(set(map(str, m["model"].dropna()))))
        dfm = _join(sorted(set(map(str, m["df_method"].dropna()))))
        parts.append(
            f"To use all available data, including participants lost to follow-up, each scale was modelled "
            f"with a linear mixed model with a random intercept per participant ({models}), fitted by "
            f"restricted maximum likelihood (REML), time treatment-coded against baseline ({ctx.baseline}); "
            f"fixed effects were tested with {dfm} degrees of freedom. Change against baseline is reported "
            f"as β with {ctx.level} CI, unadjusted p and d = β / SD of all baseline scores.")
    rc = table(res, "reliable_change_summary")
    if rc is not None:
        src = "; ".join(f"{ctx.label(s)}: {_short_source(x).rstrip('.')}"
                        for s, x in rc[["scale", "reliability_source"]].drop_duplicates("scale").itertuples(index=False)
                        if s in ctx.primary)
        parts.append(
            "Reliable change was classified with the Jacobson–Truax index (|RCI| > 1.96), SE_diff = "
            "SD_pre·√2·√(1 − r_xx) with SD_pre the SD of all baseline scores; reliability used — "
            f"{src}.")
    att = table(res, "attrition")
    if att is not None:
        parts.append("Participants retained and lost at the last timepoint were compared at baseline with "
                     "standardised mean differences (Austin 2009).")
    return " ".join(parts)


def _es(name: str) -> str:
    return {"d_av": "d_av (mean difference / average SD; Cumming 2012, Lakens 2013)",
            "d_z": "d_z (mean difference / SD of differences)"}.get(name, name)
