"""The qualitative tables a report needs, taken from the results or computed from the free text.

Reports never show the raw free text: only counts, and quotes that went through redaction.
Every qualitative section skips itself (with a short note) when what it needs is missing.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import columns as C

__all__ = ["QualTables", "pick_quotes", "qual_tables", "study_options"]


@dataclass(frozen=True)
class QualTables:
    answers: pd.DataFrame | None = None        # raw free text: never displayed
    codings: pd.DataFrame | None = None
    code_matrix: pd.DataFrame | None = None    # participant_id + one 0/1 column per code
    exemplars: pd.DataFrame | None = None      # redacted: code, quote, participant_id, timepoint, question
    valence: pd.DataFrame | None = None
    codebook: Any = None
    labels: dict[str, str] = field(default_factory=dict)
    code_order: tuple[str, ...] = ()
    questions: dict[str, str] = field(default_factory=dict)   # question id -> question text
    redactor: Any = None                       # text -> redacted text (None: quotes unavailable)
    note: str = ""                             # why something is missing
    redact_options: dict[str, list[str]] = field(default_factory=dict)

    @property
    def available(self) -> bool:
        return self.answers is not None and self.codings is not None

    def label(self, code: str) -> str:
        return self.labels.get(code, str(code).replace("_", " ").capitalize())


_CACHE: dict[int, tuple[Any, QualTables]] = {}


def study_options(results: Any) -> Any:
    """The study file's ``analysis`` options (None when the study file cannot be found)."""
    from pathlib import Path

    from ..study import load_study

    candidates = []
    if getattr(results, "out_dir", None) is not None:
        candidates.append(Path(results.out_dir) / "study.yaml")
    if results.meta.get("study_file"):
        candidates.append(Path(str(results.meta["study_file"])))
    for p in candidates:
        if p.is_file():
            try:
                return load_study(p).spec
            except Exception:  # noqa: BLE001 - a moved study file must not stop a report
                continue
    return None


def qual_tables(results: Any) -> QualTables:
    """Collect (or compute once per Results object) what the qualitative sections need."""
    key = id(results)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is results:
        return hit[1]
    out = _build(results)
    try:
        def forget(_r: Any, key: int = key) -> None:
            _CACHE.pop(key, None)

        _CACHE[key] = (weakref.ref(results, forget), out)
    except TypeError:  # pragma: no cover - objects without weak references are not cached
        pass
    return out


def _build(results: Any) -> QualTables:
    tables = results.tables
    answers = tables.get("free_text")
    if answers is None or len(answers) == 0:
        return QualTables(note="No free-text answers are in these results, so there is no qualitative section.")
    spec = study_options(results)
    codebook_name = results.meta.get("codebook") or (spec.analysis.codebook if spec is not None else None)
    codebook = None
    labels: dict[str, str] = {}
    order: tuple[str, ...] = ()
    try:
        from ..qual.codebook import load_codebook

        codebook = load_codebook(codebook_name or "resilience_training")
        labels = {c.id: c.label for c in codebook.flat_codes()}
        order = tuple(codebook.code_ids)
    except Exception:  # noqa: BLE001 - labels are a nicety; ids still work
        codebook = None
    codings = tables.get("codings")
    if codings is None:
        try:
            from ..qual.coder import code

            codings = code(answers, codebook if codebook is not None else "resilience_training")
        except Exception:  # noqa: BLE001
            return QualTables(answers=answers, note="The free text could not be coded, so there is no qualitative section.")
    if not order:
        order = tuple(pd.unique(codings[C.CODE].astype(object)))
    book = codebook if codebook is not None else "resilience_training"
    matrix = tables.get("code_matrix")
    if matrix is None:
        try:
            from ..qual.outputs import code_matrix

            matrix = code_matrix(codings, answers, codebook=book)
        except Exception:  # noqa: BLE001 - the integration sections then say why they are missing
            matrix = _code_matrix(codings, answers, order)
    names = list(spec.analysis.redact_names) if spec is not None else []
    places = list(spec.analysis.redact_places) if spec is not None else []
    redactor = None
    note = ""
    try:
        from ..integrate.redaction import default_redactor

        redactor = default_redactor(names, places)
    except Exception:  # noqa: BLE001 - no redaction, no quotes
        note = "Quotes are not shown because the redaction step is not available."
    exemplars = tables.get("exemplar_quotes")
    questions = {f.id: (f.label or f.id) for f in spec.free_text} if spec is not None else {}
    return QualTables(answers=answers, codings=codings, code_matrix=matrix, exemplars=exemplars,
                      valence=tables.get("valence"), codebook=codebook, labels=labels,
                      code_order=order, questions=questions, redactor=redactor, note=note,
                      redact_options={"names": names, "places": places})


def _code_matrix(codings: pd.DataFrame, answers: pd.DataFrame, order: tuple[str, ...]) -> pd.DataFrame:
    """participant_id × code (0/1), every participant who answered a free-text question."""
    who = answers[[C.RESPONSE_ID, C.PARTICIPANT_ID]].astype(object)
    has = codings[[C.RESPONSE_ID, C.CODE]].astype(object).merge(who, on=C.RESPONSE_ID)
    m = pd.crosstab(has[C.PARTICIPANT_ID], has[C.CODE]).clip(upper=1)
    people = pd.Index(pd.unique(who[C.PARTICIPANT_ID]), name=C.PARTICIPANT_ID)
    codes = [c for c in order if c in m.columns] + [c for c in m.columns if c not in order]
    m = m.reindex(index=people, columns=codes, fill_value=0)
    return m.reset_index()


def pick_quotes(q: QualTables, code: str, *, response_ids: Any = None, n: int = 2,
                max_chars: int = 160, min_chars: int = 20, extra: Any = None,
                used: set[str] | None = None) -> list[tuple[str, str]]:
    """Up to ``n`` redacted quotes for a code: ``(text, source)``, each from a different person.

    Uses :func:`evaltool.qual.outputs.exemplar_quotes` (redaction on the whole answer, then the
    sentence around the evidence) on the answers in ``response_ids`` (default: all). ``extra``
    is a further text filter applied after redaction (e.g. masking job titles). Quotes shorter
    than ``min_chars`` and (near-)duplicates of quotes in ``used`` are skipped; ``used`` is
    updated. Nothing is returned without the redaction step.
    """
    import re

    used = set() if used is None else used
    if q.redactor is None or q.codings is None or q.answers is None:
        return []
    from ..qual.outputs import exemplar_quotes

    cod = q.codings[q.codings[C.CODE].astype(object) == code]
    ans = q.answers
    if response_ids is not None:
        keep = set(response_ids)
        ans = ans[ans[C.RESPONSE_ID].isin(keep)]
        cod = cod[cod[C.RESPONSE_ID].isin(keep)]
    if cod.empty:
        return []
    book = q.codebook if q.codebook is not None else "resilience_training"
    ex = exemplar_quotes(cod, ans, n=n + 6, redact={k: v for k, v in q.redact_options.items() if v} or True,
                         codebook=book, max_chars=max_chars)
    where = ans.set_index(C.RESPONSE_ID)
    out: list[tuple[str, str]] = []
    for r in ex.itertuples(index=False):
        t = str(r.quote)
        if extra is not None:
            t = extra(t)
        key = re.sub(r"\W+", " ", t.casefold()).strip()
        if len(t) < min_chars or key in used:
            continue
        if len(out) >= n:
            break
        used.add(key)
        src = ""
        rid: Any = r.response_id
        if rid in where.index:
            w: Any = where.loc[rid]
            qid = str(w[C.QUESTION]) if C.QUESTION in where.columns else ""
            src = f"{w[C.TIMEPOINT]}, answer to “{q.questions.get(qid, qid)}”"
        out.append((t, src))
    return out
