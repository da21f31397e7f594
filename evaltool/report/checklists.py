"""Reporting checklists (TREND, GRAMMS, COREQ …) as data, pre-filled from the results.

Checklists are YAML files in ``reports/checklists/`` (a user's template folder can add or
replace them). An item may name an ``answer``: a fact evaltool can state from the results
(registered below). Every other item, and every item whose fact is not available, is listed as
"to do" for the authors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .._resources import reports_dir
from ..errors import OutputError
from . import _fmt as F
from ._context import Ctx, table

__all__ = ["ANSWERS", "CHECKLIST_COLUMNS", "Checklist", "checklist_frame", "list_checklists", "load_checklist"]

CHECKLIST_COLUMNS = ("item", "section", "topic", "text", "status", "answer")
"""Columns of :func:`checklist_frame`."""


class ChecklistItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    section: str
    topic: str
    text: str
    answer: str | None = None


class Checklist(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    name: str
    title: str
    citation: str
    items: list[ChecklistItem] = Field(min_length=1)


def _dirs(template_dirs: Sequence[str | Path]) -> list[Path]:
    return [Path(d) / "checklists" for d in template_dirs] + [reports_dir() / "checklists"]


def list_checklists(template_dirs: Sequence[str | Path] = ()) -> list[str]:
    """Ids of the available checklists (user folders first)."""
    seen: dict[str, None] = {}
    for d in _dirs(template_dirs):
        if d.is_dir():
            for p in sorted(d.glob("*.yaml")):
                seen.setdefault(p.stem, None)
    return list(seen)


def load_checklist(name: str, template_dirs: Sequence[str | Path] = ()) -> Checklist:
    """Load a checklist by id (``trend``, ``gramms``, ``coreq``) or path; errors name the field."""
    from .._yaml import field_path, read_yaml

    path = Path(name)
    if not path.suffix:
        found = next((d / f"{name}.yaml" for d in _dirs(template_dirs) if (d / f"{name}.yaml").is_file()), None)
        if found is None:
            raise OutputError(f"there is no reporting checklist called '{name}'.",
                              fix=f"choose from {list_checklists(template_dirs)} or give a YAML path.")
        path = found
    data = read_yaml(path, OutputError)
    try:
        cl = Checklist.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise OutputError(f"is not a valid checklist: {err['msg']}.", file=path,
                          field=field_path(tuple(err["loc"]), data),
                          fix="compare it with reports/checklists/trend.yaml.") from None
    unknown = sorted({i.answer for i in cl.items if i.answer and i.answer not in ANSWERS})
    if unknown:
        raise OutputError(f"names answers evaltool does not know: {unknown}.", file=path,
                          fix=f"use one of {sorted(ANSWERS)} or leave 'answer' out.")
    return cl


# --- the facts evaltool can state ------------------------------------------------------------
Answer = Callable[[Ctx, Any], str | None]
ANSWERS: dict[str, Answer] = {}


def _answer(name: str) -> Callable[[Answer], Answer]:
    def deco(fn: Answer) -> Answer:
        ANSWERS[name] = fn
        return fn
    return deco


def _methods(ctx: Ctx, qual: Any) -> dict[str, str]:
    from .methods import methods_text

    return methods_text(ctx, qual)


def _counts_line(ctx: Ctx) -> str:
    c = ctx.results.meta.get("counts", {})
    return ", ".join(f"{c[f'participants_at_{t}']} at {t}" for t in ctx.tps if f"participants_at_{t}" in c)


@_answer("participants")
def _participants(ctx: Ctx, qual: Any) -> str | None:
    parts = table(ctx.results, "participants")
    groups = ctx.results.meta.get("groups", [])
    c = ctx.results.meta.get("counts", {})
    if c.get("participants") is None:
        return None
    txt = f"{c['participants']} participants ({_counts_line(ctx)})."
    if parts is not None:
        for g in groups:
            if g in parts.columns:
                vc = parts[g].value_counts()
                txt += f" {g.capitalize()}: {len(vc)} groups."
    return txt + " Eligibility, recruitment and settings: to add."


@_answer("intervention")
def _intervention(ctx: Ctx, qual: Any) -> str | None:
    from ._qual import study_options

    spec = study_options(ctx.results)
    if spec is None or not spec.description:
        return None
    return "From the study file: " + " ".join(spec.description.split()) + " Deliverers, fidelity and dose: to add."


@_answer("outcomes")
def _outcomes(ctx: Ctx, qual: Any) -> str | None:
    return _methods(ctx, qual).get("measures")


@_answer("assignment")
def _assignment(ctx: Ctx, qual: Any) -> str | None:
    return "Single-group pre/post design: every participant received the intervention (no assignment)."


@_answer("unit_of_analysis")
def _unit(ctx: Ctx, qual: Any) -> str | None:
    m = table(ctx.results, "change_vs_baseline")
    if m is None:
        return None
    models = "; ".join(sorted(set(map(str, m["model"].dropna()))))
    return f"The individual participant, with repeated measures modelled by a random intercept ({models})."


@_answer("statistical_methods")
def _stats(ctx: Ctx, qual: Any) -> str | None:
    t = _methods(ctx, qual)
    return " ".join(x for x in (t.get("statistics"), t.get("software")) if x) or None


@_answer("flow")
def _flow(ctx: Ctx, qual: Any) -> str | None:
    if table(ctx.results, "flow") is None:
        return None
    return f"Responses analysed: {_counts_line(ctx)}. See the participant-flow diagram and table."


@_answer("baseline_data")
def _baseline(ctx: Ctx, qual: Any) -> str | None:
    parts = table(ctx.results, "participants")
    if parts is None or "profession" not in parts.columns:
        return "Baseline scale scores are in the descriptive-statistics table; demographics: to add."
    vc = parts["profession"].value_counts()
    return ("Professions: " + ", ".join(f"{k} {v}" for k, v in vc.items())
            + ". Baseline scale scores are in the descriptive-statistics table.")


@_answer("baseline_equivalence")
def _equivalence(ctx: Ctx, qual: Any) -> str | None:
    att = table(ctx.results, "attrition")
    if att is None:
        return None
    sc = att[att["variable"].isin(ctx.primary)]
    if sc.empty:
        return None
    big = sc.loc[sc["smd"].abs() > 0.1, "variable"].map(ctx.label).tolist()
    return ("Single group (no comparison condition). Retained vs lost at the last timepoint: baseline SMD "
            f"from {F.num(sc['smd'].min())} to {F.num(sc['smd'].max())}"
            + (f"; |SMD| > 0.1 for {', '.join(big)}." if big else "."))


@_answer("numbers_analysed")
def _numbers(ctx: Ctx, qual: Any) -> str | None:
    pp = table(ctx.results, "prepost")
    m = table(ctx.results, "change_vs_baseline")
    if pp is None and m is None:
        return None
    txt = []
    if pp is not None:
        txt.append(f"Pre/post: complete pairs, n = {F.n(pp['n_pairs'].min())}–{F.n(pp['n_pairs'].max())}.")
    if m is not None:
        txt.append("Mixed models: all available observations of every participant "
                   f"(n = {F.n(m['n_participants'].max())} participants).")
    return " ".join(txt)


@_answer("estimation")
def _estimation(ctx: Ctx, qual: Any) -> str | None:
    if table(ctx.results, "prepost") is None:
        return None
    return ("Every outcome and timepoint is reported with an effect size and 95% CI (pre/post and "
            "mixed-model tables), including non-significant results.")


@_answer("ancillary")
def _ancillary(ctx: Ctx, qual: Any) -> str | None:
    groups = [g for g in ctx.results.meta.get("groups", []) if f"prepost_by_{g}" in ctx.results.tables]
    extra = "Reliable change (Jacobson–Truax) for each participant"
    if groups:
        extra += "; subgroup pre/post results by " + ", ".join(groups) + " (not pre-specified unless stated)"
    return extra + "."


@_answer("limitations_data")
def _limits(ctx: Ctx, qual: Any) -> str | None:
    c = ctx.results.meta.get("counts", {})
    if not ctx.tps:
        return None
    first, last = ctx.tps[0], ctx.tps[-1]
    a, b = c.get(f"participants_at_{first}"), c.get(f"participants_at_{last}")
    if not a or b is None:
        return None
    pp = table(ctx.results, "prepost")
    fam = 0 if pp is None else int(pp["p_t_adj"].notna().sum())
    return (f"Retention from {first} to {last}: {b}/{a} ({F.pct(100 * b / a)}); no control group; "
            f"{fam} comparisons in the multiplicity family. Interpretation: to add.")


@_answer("mixed_design")
def _mm_design(ctx: Ctx, qual: Any) -> str | None:
    if qual is None or not qual.available:
        return None
    tps = sorted(set(map(str, qual.answers["timepoint"].astype(object))), key=lambda t: ctx.tps.index(t) if t in ctx.tps else 99)
    return ("Free-text questions were asked in the same survey waves as the questionnaires (" + ", ".join(tps)
            + "): concurrent collection; integration at analysis. Purpose and priority: to add.")


@_answer("each_method")
def _each(ctx: Ctx, qual: Any) -> str | None:
    t = _methods(ctx, qual)
    return " ".join(x for x in (t.get("design"), t.get("qualitative")) if x) or None


@_answer("integration")
def _integration(ctx: Ctx, qual: Any) -> str | None:
    t = _methods(ctx, qual).get("integration")
    return None if t is None else t + " Who took part in integration: to add."


@_answer("joint_insights")
def _insights(ctx: Ctx, qual: Any) -> str | None:
    return None if qual is None or not qual.available else \
        "The joint displays in this report show where the strands agree or diverge; interpretation: to add."


@_answer("theme_derivation")
def _derivation(ctx: Ctx, qual: Any) -> str | None:
    if qual is None or not qual.available:
        return None
    b = qual.codebook
    return ("Deductive coding with codes defined in advance"
            + (f" (codebook “{b.name}”, version {b.version})" if b is not None else "") + ".")


@_answer("qual_sampling")
def _qual_sampling(ctx: Ctx, qual: Any) -> str | None:
    return None if qual is None or not qual.available else \
        "All survey respondents were invited to answer the free-text questions (no separate sampling)."


@_answer("qual_sample")
def _qual_sample(ctx: Ctx, qual: Any) -> str | None:
    if qual is None or not qual.available:
        return None
    a = qual.answers
    return f"{a['participant_id'].nunique()} participants gave {len(a)} free-text answers."


@_answer("nonparticipation")
def _nonpart(ctx: Ctx, qual: Any) -> str | None:
    return _flow(ctx, qual)


@_answer("sample_description")
def _sample(ctx: Ctx, qual: Any) -> str | None:
    return _baseline(ctx, qual)


@_answer("questions")
def _questions(ctx: Ctx, qual: Any) -> str | None:
    if qual is None or not qual.available or not qual.questions:
        return None
    return "Free-text questions: " + "; ".join(f"“{v}”" for v in qual.questions.values()) + ". Piloting: to add."


@_answer("repeat_collection")
def _repeat(ctx: Ctx, qual: Any) -> str | None:
    if qual is None or not qual.available:
        return None
    per = qual.answers.groupby("participant_id")["timepoint"].nunique()
    return f"Free text was collected at up to {int(per.max())} timepoints per participant (survey, not interviews)."


@_answer("coders")
def _coders(ctx: Ctx, qual: Any) -> str | None:
    if qual is None or not qual.available or "coder" not in qual.codings:
        return None
    coders = sorted(set(map(str, qual.codings["coder"].dropna())))
    return f"{len(coders)} coder(s): {', '.join(coders)}. Human checking of automatic codings: to add."


@_answer("coding_tree")
def _tree(ctx: Ctx, qual: Any) -> str | None:
    if qual is None or qual.codebook is None:
        return None
    return "Codes: " + "; ".join(qual.label(c) for c in qual.codebook.code_ids) + "."


@_answer("software")
def _software(ctx: Ctx, qual: Any) -> str | None:
    return _methods(ctx, qual).get("software")


@_answer("quotations")
def _quotations(ctx: Ctx, qual: Any) -> str | None:
    if qual is None or not qual.available:
        return None
    return ("Yes: redacted quotes, each labelled with timepoint and question; participant codes are not "
            "shown, to protect anonymity.")


@_answer("major_themes")
def _major(ctx: Ctx, qual: Any) -> str | None:
    if qual is None or not qual.available:
        return None
    return "Code frequencies and exemplar quotes are in the qualitative section."


def checklist_frame(checklist: Checklist, ctx: Ctx, qual: Any = None) -> pd.DataFrame:
    """One row per item: ``item, section, topic, text, status, answer``.

    ``status`` is ``"pre-filled"`` (evaltool states what the data show; authors check it) or
    ``"to do"``.
    """
    rows = []
    for it in checklist.items:
        ans = None
        if it.answer:
            try:
                ans = ANSWERS[it.answer](ctx, qual)
            except (KeyError, ValueError, TypeError, IndexError):
                ans = None
        rows.append({"item": it.id, "section": it.section, "topic": it.topic, "text": it.text,
                     "status": "pre-filled" if ans else "to do", "answer": ans or ""})
    return pd.DataFrame(rows, columns=list(CHECKLIST_COLUMNS))
