"""Reporting checklists (TREND, GRAMMS, COREQ …) as data, pre-filled from the results.

Checklists are YAML files in ``reports/checklists/`` (a user's template folder can add or
replace them). An item may name an ``answer``: a fact evaltool can state from the results
(registered below). Every other item, and every item whose fact is not available, is listed as
"to do" for the authors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

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
Answer = Callable[[Ctx], str | None]
ANSWERS: dict[str, Answer] = {}


def _answer(name: str) -> Callable[[Answer], Answer]:
    def deco(fn: Answer) -> Answer:
        ANSWERS[name] = fn
        return fn
    return deco


def _methods(ctx: Ctx) -> dict[str, str]:
    from .methods import methods_text

    return methods_text(ctx)


def _qual(ctx: Ctx) -> pd.DataFrame | None:
    """The code counts table (None without coded free text)."""
    return table(ctx.results, "code_counts")


def _counts_line(ctx: Ctx) -> str:
    c = ctx.results.study.counts
    return ", ".join(f"{c[f'participants_at_{t}']} at {t}" for t in ctx.tps if f"participants_at_{t}" in c)


@_answer("participants")
def _participants(ctx: Ctx) -> str | None:
    c = ctx.results.study.counts
    if c.get("participants") is None:
        return None
    txt = f"{c['participants']} participants ({_counts_line(ctx)})."
    cohorts = table(ctx.results, "cohorts")
    if cohorts is not None:
        txt += f" {len(cohorts)} cohorts."
    return txt + " Eligibility, recruitment and settings: to add."


@_answer("intervention")
def _intervention(ctx: Ctx) -> str | None:
    desc = ctx.results.study.description
    if not desc:
        return None
    return "From the study file: " + " ".join(desc.split()) + " Deliverers, fidelity and dose: to add."


@_answer("outcomes")
def _outcomes(ctx: Ctx) -> str | None:
    return _methods(ctx).get("measures")


@_answer("assignment")
def _assignment(ctx: Ctx) -> str | None:
    return "Single-group pre/post design: every participant received the intervention (no assignment)."


@_answer("unit_of_analysis")
def _unit(ctx: Ctx) -> str | None:
    m = table(ctx.results, "change_vs_baseline")
    if m is None:
        return None
    models = "; ".join(sorted(set(map(str, m["model"].dropna()))))
    return f"The individual participant, with repeated measures modelled by a random intercept ({models})."


@_answer("statistical_methods")
def _stats(ctx: Ctx) -> str | None:
    t = _methods(ctx)
    return " ".join(x for x in (t.get("statistics"), t.get("software")) if x) or None


@_answer("flow")
def _flow(ctx: Ctx) -> str | None:
    if table(ctx.results, "flow") is None:
        return None
    return f"Responses analysed: {_counts_line(ctx)}. See the participant-flow diagram and table."


@_answer("baseline_data")
def _baseline(ctx: Ctx) -> str | None:
    return "Baseline scale scores are in the descriptive-statistics table; demographics: to add."


@_answer("baseline_equivalence")
def _equivalence(ctx: Ctx) -> str | None:
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
def _numbers(ctx: Ctx) -> str | None:
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
def _estimation(ctx: Ctx) -> str | None:
    if table(ctx.results, "prepost") is None:
        return None
    return (f"Every outcome and timepoint is reported with an effect size and {ctx.level} CI (pre/post and "
            "mixed-model tables), including non-significant results.")


@_answer("ancillary")
def _ancillary(ctx: Ctx) -> str | None:
    extra = "Reliable change (Jacobson–Truax) for each participant"
    if table(ctx.results, "cohort_changes") is not None:
        extra += "; cohort-level change for facilitators (descriptive, not pre-specified)"
    return extra + "."


@_answer("limitations_data")
def _limits(ctx: Ctx) -> str | None:
    c = ctx.results.study.counts
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
def _mm_design(ctx: Ctx) -> str | None:
    tt = table(ctx.results, "themes_by_timepoint")
    if _qual(ctx) is None or tt is None:
        return None
    tps = sorted(set(map(str, tt["timepoint"])), key=lambda t: ctx.tps.index(t) if t in ctx.tps else 99)
    return ("Free-text questions were asked in the same survey waves as the questionnaires (" + ", ".join(tps)
            + "): concurrent collection; integration at analysis. Purpose and priority: to add.")


@_answer("each_method")
def _each(ctx: Ctx) -> str | None:
    t = _methods(ctx)
    return " ".join(x for x in (t.get("design"), t.get("qualitative")) if x) or None


@_answer("integration")
def _integration(ctx: Ctx) -> str | None:
    t = _methods(ctx).get("integration")
    return None if t is None else t + " Who took part in integration: to add."


@_answer("joint_insights")
def _insights(ctx: Ctx) -> str | None:
    return None if _qual(ctx) is None else \
        "The joint displays in this report show where the strands agree or diverge; interpretation: to add."


@_answer("theme_derivation")
def _derivation(ctx: Ctx) -> str | None:
    if _qual(ctx) is None:
        return None
    b = ctx.results.codebook
    return ("Deductive coding with codes defined in advance"
            + (f" (codebook “{b.name}”, version {b.version})" if b is not None else "") + ".")


@_answer("qual_sampling")
def _qual_sampling(ctx: Ctx) -> str | None:
    return None if _qual(ctx) is None else \
        "All survey respondents were invited to answer the free-text questions (no separate sampling)."


@_answer("qual_sample")
def _qual_sample(ctx: Ctx) -> str | None:
    q = _qual(ctx)
    if q is None:
        return None
    return (f"{F.n(q['n_respondents'].iloc[0])} participants gave {F.n(q['n_answers_total'].iloc[0])} "
            "free-text answers.")


@_answer("nonparticipation")
def _nonpart(ctx: Ctx) -> str | None:
    return _flow(ctx)


@_answer("sample_description")
def _sample(ctx: Ctx) -> str | None:
    return _baseline(ctx)


@_answer("questions")
def _questions(ctx: Ctx) -> str | None:
    qs = ctx.results.study.questions
    if _qual(ctx) is None or not qs:
        return None
    return "Free-text questions: " + "; ".join(f"“{v}”" for v in qs.values()) + ". Piloting: to add."


@_answer("repeat_collection")
def _repeat(ctx: Ctx) -> str | None:
    tt = table(ctx.results, "themes_by_timepoint")
    if _qual(ctx) is None or tt is None:
        return None
    return (f"Free text was collected at {tt['timepoint'].nunique()} timepoints (survey questions, "
            "not interviews).")


@_answer("coders")
def _coders(ctx: Ctx) -> str | None:
    if _qual(ctx) is None:
        return None
    return "evaltool's rule coder (automatic). Human checking of automatic codings: to add."


@_answer("coding_tree")
def _tree(ctx: Ctx) -> str | None:
    b = ctx.results.codebook
    if b is None:
        return None
    return "Codes: " + "; ".join(c.label for c in b.flat_codes()) + "."


@_answer("software")
def _software(ctx: Ctx) -> str | None:
    return _methods(ctx).get("software")


@_answer("quotations")
def _quotations(ctx: Ctx) -> str | None:
    if _qual(ctx) is None:
        return None
    return ("Yes: redacted quotes, each labelled with timepoint and question; participant codes are not "
            "shown, to protect anonymity.")


@_answer("major_themes")
def _major(ctx: Ctx) -> str | None:
    if _qual(ctx) is None:
        return None
    return "Code frequencies and exemplar quotes are in the qualitative section."


def checklist_frame(checklist: Checklist, ctx: Ctx) -> pd.DataFrame:
    """One row per item: ``item, section, topic, text, status, answer``.

    ``status`` is ``"pre-filled"`` (evaltool states what the data show; authors check it) or
    ``"to do"``.
    """
    rows = []
    for it in checklist.items:
        ans = None
        if it.answer:
            try:
                ans = ANSWERS[it.answer](ctx)
            except (KeyError, ValueError, TypeError, IndexError):
                ans = None
        rows.append({"item": it.id, "section": it.section, "topic": it.topic, "text": it.text,
                     "status": "pre-filled" if ans else "to do", "answer": ans or ""})
    return pd.DataFrame(rows, columns=list(CHECKLIST_COLUMNS))
