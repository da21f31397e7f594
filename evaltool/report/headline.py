"""The headline findings in a few lines: for ``repr(results)``, the console and the index page."""

from __future__ import annotations

from typing import Any

from . import _fmt as F

__all__ = ["headline_lines", "problem_counts"]


def problem_counts(results: Any) -> tuple[int, int]:
    """(errors, warnings) in the problems table (0, 0 without one)."""
    p = results.tables.get("problems")
    if p is None or len(p) == 0 or "severity" not in p.columns:
        return 0, 0
    sev = p["severity"].astype(str)
    return int((sev == "error").sum()), int((sev == "warning").sum())


def headline_lines(results: Any) -> list[str]:
    """One line each: who took part, the change in each primary scale, the top themes, warnings.

    Examples
    --------
    >>> import pandas as pd
    >>> from evaltool.analysis.results import Results, StudySummary
    >>> res = Results(tables={}, study=StudySummary(name="x", timepoints=("T1", "T2"),
    ...               counts={"participants": 12, "participants_at_T1": 12, "participants_at_T2": 9}))
    >>> headline_lines(res)
    ['12 participants; answered at T1: 12, T2: 9.']
    """
    out: list[str] = []
    s = results.study
    c = s.counts
    if c.get("participants") is not None:
        per = ", ".join(f"{t}: {c[f'participants_at_{t}']}" for t in s.timepoints if f"participants_at_{t}" in c)
        line = f"{c['participants']} participants" + (f"; answered at {per}" if per else "")
        if c.get("rows_excluded"):
            line += f"; {c['rows_excluded']} responses set aside (exclusions table)"
        out.append(line + ".")
    out += _changes(results)
    counts = results.tables.get("code_counts")
    if counts is not None and len(counts):
        top = counts[counts["shown"].astype(bool) & (counts["n_participants"] > 0)].head(3)
        if len(top):
            out.append("Themes mentioned most: " + "; ".join(
                f"{r.label} ({int(r.n_participants)} people)" for r in top.itertuples()) + ".")
    errors, warnings = problem_counts(results)
    if warnings:
        out.append(f"{warnings} warning(s) in the problems table (e.g. possible id typos): check them.")
    if results.notes:
        out.append(f"{len(results.notes)} note(s) from the analysis (results.notes).")
    return out


def _changes(results: Any) -> list[str]:
    m = results.tables.get("change_vs_baseline")
    scales = results.tables.get("scales")
    if m is None or len(m) == 0 or scales is None:
        return []
    o = results.options
    labels = dict(zip(scales["scale"], scales["label"], strict=True))
    primary = scales.loc[scales["primary"].astype(bool), "scale"].tolist()
    pp = results.tables.get("prepost")
    out = []
    for sc in primary:
        sub = m[(m["scale"] == sc) & m["beta"].notna()]
        if sub.empty:
            continue
        r = sub.iloc[-1]
        line = (f"{labels.get(sc, sc)}: {F.signed(r['beta'])} {F.ci(r['ci_low'], r['ci_high'])} from "
                f"{o.baseline} to {r['timepoint']} (mixed model, {o.level} CI)")
        if pp is not None and o.effect_size in pp.columns:
            e = pp[(pp["scale"] == sc) & (pp["time_to"].astype(str) == str(r["timepoint"]))]
            if len(e) and not F.isna(e[o.effect_size].iloc[0]):
                line += f", {o.effect_size} {F.num(e[o.effect_size].iloc[0])}"
        out.append(line + ".")
    return out
