"""APA-style result tables, shared by the HTML/PDF study report and the DOCX export.

Each builder returns an :class:`ApaTable` (title, a frame of display strings, a note) or None
when the results do not have what it needs. Numbers are rounded here and only here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..analysis import names as N
from . import _fmt as F
from ._context import Ctx, table

__all__ = [
    "ApaTable", "attrition_table", "descriptives_table", "effect_size_table", "flow_table", "model_fit_table",
    "model_table",
    "prepost_table", "reliability_table", "reliable_change_table", "study_tables", "wilcoxon_table",
]


@dataclass(frozen=True)
class ApaTable:
    key: str
    title: str
    frame: pd.DataFrame
    note: str = ""


def _mask(frame: pd.DataFrame, source: pd.DataFrame, keep: tuple[str, ...]) -> pd.DataFrame:
    """Rows the disclosure decision hides read "hidden" (identifying columns kept, and a count
    kept when the decision shows it)."""
    if "shown" not in source.columns:
        return frame
    hide = ~source["shown"].astype(bool).to_numpy()
    if not hide.any():
        return frame
    out = frame.copy()
    for c in out.columns:
        if c in keep:
            continue
        counts = c.startswith("n")
        out[c] = [F.HIDDEN if h and not (counts and v not in ("–", "")) else v
                  for h, v in zip(hide, out[c], strict=True)]
    return out


_CORRECTION = {"holm": "Holm", "bh": "Benjamini–Hochberg", "fdr": "Benjamini–Hochberg",
               "bonferroni": "Bonferroni", "none": "none"}


def correction_name(ctx: Ctx) -> str:
    pp = table(ctx.results, N.PREPOST)
    vals = [] if pp is None or "correction" not in pp else [
        v for v in pp["correction"].dropna().unique() if str(v).casefold() != "none"]
    raw = str(vals[0]) if vals else str(ctx.options.correction)
    return _CORRECTION.get(raw.casefold(), raw)


def flow_table(ctx: Ctx) -> ApaTable | None:
    flow = table(ctx.results, N.FLOW)
    if flow is None:
        return None
    rows, reasons = [], []
    for t in [t for t in ctx.tps if (flow["timepoint"] == t).any()]:
        f = flow[flow["timepoint"] == t]

        def tot(stage: str, f: pd.DataFrame = f) -> int | None:
            v = f.loc[f["stage"] == stage, "n"]
            return int(v.sum()) if len(v) else None

        ex = f[f["stage"] == "excluded"]
        reasons += [f"{t}: {F.n(r.n)} {r.detail}" for r in ex.itertuples()]
        rows.append({"Timepoint": ctx.tp_id(t), "Responses received": F.n(tot("received")),
                     "Excluded": F.n(tot("excluded") or 0), "Analysed": F.n(tot("responded")),
                     "Not seen since previous": F.n(tot("lost since previous")),
                     "Returned after a gap": F.n(tot("returned"))})
    note = ("Analysed = responses kept after exclusions; every excluded response is listed with its "
            "reason in the exclusions table.")
    if reasons:
        note += " Excluded: " + "; ".join(reasons) + "."
    return ApaTable("flow", "Participant flow by timepoint", pd.DataFrame(rows), note)


def attrition_table(ctx: Ctx) -> ApaTable | None:
    att = table(ctx.results, N.ATTRITION)
    if att is None:
        return None
    sc = att[att["variable"].isin(list(ctx.labels))].copy()
    if sc.empty:
        return None
    sc = ctx.order_scales(sc, "variable")
    last = ctx.tps[-1] if ctx.tps else ""
    frame = pd.DataFrame({
        "Scale": sc["variable"].map(ctx.short),
        "n stayed": sc["n_stayed"].map(F.n), "M (SD) stayed": [F.m_sd(m, s) for m, s in zip(sc["mean_stayed"], sc["sd_stayed"], strict=True)],
        "n lost": sc["n_lost"].map(F.n), "M (SD) lost": [F.m_sd(m, s) for m, s in zip(sc["mean_lost"], sc["sd_lost"], strict=True)],
        "SMD": sc["smd"].map(F.num),
    })
    frame = _mask(frame, sc, ("Scale",))
    method = "; ".join(sorted(set(map(str, sc["method"].dropna()))))
    note = (f"{ctx.tp_id(ctx.baseline)} scores of participants seen at {ctx.tp_id(last)} (stayed) and not seen "
            f"then (lost). SMD = standardised mean difference ({method}); |SMD| > 0.1 is often read "
            "as a meaningful imbalance.")
    return ApaTable("attrition", f"Baseline comparison of participants retained and lost by {ctx.tp_plain(last)}",
                    frame.reset_index(drop=True), note)


def reliability_table(ctx: Ctx) -> ApaTable | None:
    rel = table(ctx.results, N.RELIABILITY)
    if rel is None:
        return None
    rel = ctx.order_scales(rel)
    lv = ctx.level
    frame = pd.DataFrame({
        "Scale": rel["scale"].map(ctx.short), "Items": rel["n_items"].map(F.n),
        "n": rel["n"].map(F.n), "Complete cases": rel["n_complete"].map(F.n),
        f"α [{lv} CI]": [F.est_ci(a, lo, hi, lead=False) for a, lo, hi in
                       zip(rel["alpha"], rel["alpha_ci_low"], rel["alpha_ci_high"], strict=True)],
        "ω_t": rel["omega_total"].map(F.nolead),
    })
    tp = str(rel["timepoint"].dropna().iloc[0]) if "timepoint" in rel and rel["timepoint"].notna().any() else ctx.baseline
    note = (f"Responses at {ctx.tp_id(tp)}. α = Cronbach's alpha from pairwise-complete covariances "
            f"(as psych::alpha); {lv} CI by Feldt (1965) with n = complete cases; ω_t = omega total from "
            "a one-factor minres solution (as psych::omega).")
    return ApaTable("reliability", "Internal consistency of the scales", frame.reset_index(drop=True), note)


def descriptives_table(ctx: Ctx) -> ApaTable | None:
    d = table(ctx.results, N.DESCRIPTIVES)
    if d is None:
        return None
    d = d[d["n"].fillna(0) > 0]
    d = ctx.order_scales(d)
    frame = pd.DataFrame({
        "Scale": d["scale"].map(ctx.short), "Timepoint": d["timepoint"].map(ctx.tp_id),
        "n": d["n"].map(F.n), "M (SD)": [F.m_sd(m, s) for m, s in zip(d["mean"], d["sd"], strict=True)],
        "Mdn [Q1, Q3]": [f"{F.num(m)} {F.ci(a, b)}" for m, a, b in zip(d["median"], d["q1"], d["q3"], strict=True)],
    })
    frame = _mask(frame, d, ("Scale", "Timepoint"))
    note = ("Quartiles by R's type 7 rule. Only timepoints at which a scale was given are shown. The lowest and "
            "highest scores are not shown in shareable outputs (each is one person's score).")
    if "shown" in d.columns and not d["shown"].all():
        note += f" {F.HIDDEN}: withheld so that no one's score can be worked out from the published numbers."
    return ApaTable("descriptives", "Scale scores by timepoint", frame.reset_index(drop=True), note)


def prepost_table(ctx: Ctx) -> ApaTable | None:
    pp = table(ctx.results, N.PREPOST)
    if pp is None:
        return None
    pp = ctx.order_scales(pp)
    corr = correction_name(ctx)
    frame = pd.DataFrame({
        "Scale": pp["scale"].map(ctx.short), "Contrast": pp["contrast"].astype(str).str.replace("-", "−"),
        "n": pp["n_pairs"].map(F.n),
        f"M_diff [{ctx.level} CI]": [F.est_ci(*v) for v in zip(pp["mean_diff"], pp["mean_diff_ci_low"], pp["mean_diff_ci_high"], strict=True)],
        "t": pp["t"].map(F.num), "df": pp["df"].map(_df),
        "p": pp["p_t"].map(F.p), f"p ({corr})": pp["p_t_adj"].map(F.p),
    })
    frame = _mask(frame, pp, ("Scale", "Contrast"))
    fam = int(pp["p_t_adj"].notna().sum())
    note = (f"Complete pairs; M_diff = mean of later − earlier. Paired t-tests, two-sided. p ({corr}): adjusted "
            f"over the family of {fam} primary-scale comparisons; – = outside the family (not adjusted).")
    return ApaTable("prepost", "Pre/post comparisons: paired t-tests", frame.reset_index(drop=True), note)


def effect_size_table(ctx: Ctx) -> ApaTable | None:
    pp = table(ctx.results, N.PREPOST)
    if pp is None or "d_av" not in pp:
        return None
    pp = ctx.order_scales(pp)
    lv = ctx.level
    head = ctx.options.effect_size
    other = "d_z" if head == "d_av" else "d_av"

    def cols(es: str) -> dict[str, list[str]]:
        g = "g" + es[1:]
        return {f"{es} [{lv} CI]": [F.est_ci(*v) for v in zip(pp[es], pp[f"{es}_ci_low"], pp[f"{es}_ci_high"],
                                                            strict=True)],
                g: pp[g].map(F.num).tolist()}

    frame = pd.DataFrame({
        "Scale": pp["scale"].map(ctx.short), "Contrast": pp["contrast"].astype(str).str.replace("-", "−"),
        "n": pp["n_pairs"].map(F.n), **cols(head), **cols(other),
    })
    frame = _mask(frame, pp, ("Scale", "Contrast"))
    note = ("d_av = M_diff / mean of the two SDs (Cumming 2012; Lakens 2013), CI = d_av ± z·SE; "
            "d_z = M_diff / SD of the differences, CI from the noncentral t distribution; g = d × Hedges' J "
            f"(exact). The headline effect size (the study's choice) is {head}; {other} is shown beside it.")
    return ApaTable("effect_sizes", "Pre/post effect sizes", frame.reset_index(drop=True), note)


def _df(v: float) -> str:
    if F.isna(v):
        return "–"
    return F.n(v) if abs(float(v) - round(float(v))) < 1e-9 else F.num(v, 1)


def _wmethod(m: object) -> str:
    s = str(m).casefold()
    if F.isna(m):
        return "–"
    return "exact" if "exact" in s else ("normal, cc" if "continuity" in s else "normal")


def wilcoxon_table(ctx: Ctx) -> ApaTable | None:
    pp = table(ctx.results, N.PREPOST)
    if pp is None or "wilcoxon_v" not in pp:
        return None
    pp = ctx.order_scales(pp)
    corr = correction_name(ctx)
    frame = pd.DataFrame({
        "Scale": pp["scale"].map(ctx.short), "Contrast": pp["contrast"].astype(str).str.replace("-", "−"),
        "n": pp["n_pairs"].map(F.n), "V": pp["wilcoxon_v"].map(lambda v: F.num(v, 1)),
        "p": pp["p_wilcoxon"].map(F.p), f"p ({corr})": pp["p_wilcoxon_adj"].map(F.p),
        f"r_rb [{ctx.level} CI]": [F.est_ci(*v) for v in zip(pp["rank_biserial"], pp["rank_biserial_ci_low"], pp["rank_biserial_ci_high"], strict=True)],
        "p method": pp["wilcoxon_method"].map(_wmethod),
    })
    frame = _mask(frame, pp, ("Scale", "Contrast"))
    methods = "; ".join(sorted(set(map(str, pp["wilcoxon_method"].dropna()))))
    note = ("V = sum of the ranks of positive differences (as R's wilcox.test); zero differences dropped. "
            f"p method: exact, or normal approximation with continuity (cc) and tie correction ({methods}). "
            "r_rb = matched-pairs rank-biserial correlation with its Fisher-z CI.")
    if "note" in pp.columns:
        warned = [f"{ctx.short(str(r.scale))} {str(r.contrast).replace('-', '−')}" for r in pp.itertuples()
                  if "cannot compute exact" in str(r.note)]
        if warned:
            note += (" Ties or zero differences (R warns \u201ccannot compute exact p-value with ties/zeroes\u201d), "
                     "so p is the normal approximation, for: " + "; ".join(warned) + ".")
    return ApaTable("wilcoxon", "Pre/post comparisons: Wilcoxon signed-rank tests", frame.reset_index(drop=True), note)


def model_table(ctx: Ctx, scales: list[str] | None = None) -> ApaTable | None:
    m = table(ctx.results, N.CHANGE_VS_BASELINE)
    if m is None:
        return None
    if scales is not None:
        m = m[m["scale"].isin(scales)]
    m = ctx.order_scales(m)
    lv = ctx.level
    has_dci = "d_ci_low" in m.columns
    frame = pd.DataFrame({
        "Scale": m["scale"].map(ctx.short), "Timepoint": m["timepoint"].map(ctx.tp_id),
        f"β [{lv} CI]": [F.est_ci(*v) for v in zip(m["beta"], m["ci_low"], m["ci_high"], strict=True)],
        f"d [{lv} CI]": ([F.est_ci(*v) for v in zip(m["d"], m["d_ci_low"], m["d_ci_high"], strict=True)]
                         if has_dci else m["d"].map(F.num)),
        "p": m["p"].map(F.p), "df": m["df"].map(lambda v: F.num(v, 1)),
        "n": m["n_timepoint"].map(F.n),
    })
    models = "; ".join(sorted(set(map(str, m["model"].dropna()))))
    dfm = "; ".join(sorted(set(map(str, m["df_method"].dropna()))))
    sing = m.loc[m["singular"].astype(str).isin(["True", "true"]), "scale"].map(ctx.short).unique().tolist() \
        if "singular" in m else []
    fit = table(ctx.results, N.MODEL_FIT)
    sizes = ""
    if fit is not None:
        sizes = " Observations (participants): " + "; ".join(
            f"{ctx.short(str(r.scale))} {F.n(r.n_obs)} ({F.n(r.n_participants)})"
            for r in ctx.order_scales(fit).itertuples()) + "."
    note = (f"Linear mixed model {models}, fitted by REML on all available data; β = change from "
            f"baseline ({ctx.baseline}); {dfm} degrees of freedom for t-based p and {lv} CI. These p-values "
            "are not adjusted for multiplicity (the confirmatory family is the pre/post comparisons). "
            "d = β / SD of all baseline scores, its CI = the CI of β / the same SD; n = scores at the "
            f"timepoint.{sizes}")
    if sing:
        note += " Singular (boundary) fit for: " + ", ".join(sing) + "."
    return ApaTable("model", "Change against baseline (linear mixed model)", frame.reset_index(drop=True), note)


def model_fit_table(ctx: Ctx) -> ApaTable | None:
    fit = table(ctx.results, N.MODEL_FIT)
    if fit is None:
        return None
    fit = ctx.order_scales(fit)
    frame = pd.DataFrame({
        "Scale": fit["scale"].map(ctx.short), "Observations": fit["n_obs"].map(F.n),
        "Participants": fit["n_participants"].map(F.n),
        "REML criterion": fit["reml_criterion"].map(lambda v: F.num(v, 1)),
        "logLik (df)": [f"{F.num(a, 1)} ({F.n(b)})" for a, b in zip(fit["loglik"], fit["loglik_df"], strict=True)],
        "AIC": fit["aic"].map(lambda v: F.num(v, 1)), "BIC": fit["bic"].map(lambda v: F.num(v, 1)),
        "Variance (participant)": fit["var_random"].map(lambda v: F.num(v, 3)),
        "Variance (residual)": fit["var_residual"].map(lambda v: F.num(v, 3)),
        "ICC": fit["icc_adjusted"].map(F.nolead),
        "R² marginal": fit["r2_marginal"].map(lambda v: F.nolead(v, 3)),
        "R² conditional": fit["r2_conditional"].map(lambda v: F.nolead(v, 3)),
    })
    note = ("REML fits (as lme4::lmer). logLik, AIC and BIC of the REML fit with R's parameter count (df); "
            "ICC (adjusted) and Nakagawa's marginal and conditional R² as performance::icc and "
            "performance::r2_nakagawa; variance components: random intercept per participant and residual.")
    notes = [str(x) for x in fit.get("note", pd.Series(dtype=object)).dropna() if str(x).strip()]
    if notes:
        note += " " + " ".join(sorted(set(notes)))
    return ApaTable("model_fit", "Mixed models: fit and variance explained", frame.reset_index(drop=True), note)


def reliable_change_table(ctx: Ctx) -> ApaTable | None:
    rc = table(ctx.results, N.RELIABLE_CHANGE_SUMMARY)
    if rc is None:
        return None
    rc = ctx.order_scales(rc)

    def npct(nv: float, pv: float) -> str:
        return F.HIDDEN if F.isna(nv) else f"{F.n(nv)} ({F.pct(pv)})"

    frame = pd.DataFrame({
        "Scale": rc["scale"].map(ctx.short),
        "Contrast": [f"{b} − {a}" for a, b in zip(rc["time_from"], rc["time_to"], strict=True)],
        "n": rc["n_pairs"].map(F.n),
        "Improved": [npct(a, b) for a, b in zip(rc["n_improved"], rc["pct_improved"], strict=True)],
        "Unchanged": [npct(a, b) for a, b in zip(rc["n_unchanged"], rc["pct_unchanged"], strict=True)],
        "Deteriorated": [npct(a, b) for a, b in zip(rc["n_deteriorated"], rc["pct_deteriorated"], strict=True)],
        "r_xx": rc["r_xx"].map(F.nolead), "SE_diff": rc["se_diff"].map(F.num),
    })
    sources = []
    for s, src in rc[["scale", "reliability_source"]].drop_duplicates("scale").itertuples(index=False):
        sources.append(f"{ctx.label(s)}: {_short_source(src).rstrip('.')}")
    note = ("Jacobson & Truax (1991): SE_diff = SD_pre·√2·√(1 − r_xx), SD_pre = SD of all baseline scores; "
            "|RCI| > 1.96 = reliable change, direction from the instrument. Reliability used: "
            + "; ".join(sources) + ".")
    return ApaTable("reliable_change", "Reliable change (Jacobson–Truax)", frame.reset_index(drop=True), note)


def _short_source(src: object) -> str:
    """The reliability source as given (a full citation is never cut)."""
    return " ".join(str(src).split()) if not F.isna(src) and str(src).strip() else "not stated"


def study_tables(ctx: Ctx) -> list[ApaTable]:
    """The APA tables of the study report, in order (absent ones left out); made once per
    context (the study report and its Word tables share them within a
    :func:`~evaltool.report._context.sharing` block)."""
    return list(ctx.view("study_tables", lambda: _study_tables(ctx)))


def _study_tables(ctx: Ctx) -> list[ApaTable]:
    out = [flow_table(ctx), attrition_table(ctx), reliability_table(ctx), descriptives_table(ctx),
           prepost_table(ctx), effect_size_table(ctx), wilcoxon_table(ctx), model_table(ctx),
           model_fit_table(ctx), reliable_change_table(ctx)]
    return [t for t in out if t is not None]


def as_float(x: pd.Series) -> np.ndarray:
    return pd.to_numeric(x, errors="coerce").to_numpy(dtype=float)
