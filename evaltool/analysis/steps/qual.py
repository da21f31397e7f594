"""Qualitative steps: code the free text, count codes, choose redacted quotes, suggest themes."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import pandas as pd

from ... import columns as C
from ...errors import EvaltoolWarning
from .. import names as N
from .quotes import QUOTE_COLUMNS, pick_quotes, redaction_options, source_text

if TYPE_CHECKING:
    from ..pipeline import Run

CODE_COUNTS_COLUMNS = (C.CODE, "label", "n_answers", "n_participants", "percent", "n_respondents",
                       "n_answers_total", "n_empty", "shown")
"""Columns of the ``code_counts`` table (one row per code, most-mentioned first)."""


def study_codebook(run: Run) -> Any:
    """The study's codebook, resolved once (a packaged id, or a path relative to the study file)."""
    from ...qual import load_codebook

    linked = run.linked
    book = getattr(linked, "codebook", None)
    if book is not None:
        return book
    ref = run.spec.analysis.codebook
    if ref is None:
        return None
    return load_codebook(run.study.resolve(ref) if str(ref).endswith((".yaml", ".yml")) else ref)


def coding(run: Run) -> None:
    """Code every answer with the study's codebook; counts, matrix, quotes (redacted)."""
    from ...qual import (
        code_and_valence,
        code_frequencies,
        code_matrix,
        coding_summary,
        exemplar_quotes,
    )

    linked = run.linked
    assert linked is not None
    ft = linked.free_text
    run.tables[N.FREE_TEXT] = ft
    book = study_codebook(run)
    run.codebook = book
    if book is None or ft.empty:
        run.notes.append("no free-text answers or no codebook: qualitative coding skipped")
        return
    # forked workers at scale (one pool codes and judges each chunk); the same tables as one process
    codings, valence = code_and_valence(ft, book, n_jobs=-1)
    redact = redaction_options(_redaction(run))
    run.tables.update({
        N.CODINGS: codings,
        N.VALENCE: valence,
        N.CODING_SUMMARY: coding_summary(ft, codings, book),
        N.CODE_FREQUENCIES: code_frequencies(codings, ft, codebook=book),
        N.CODE_FREQUENCIES_BY_TIMEPOINT: code_frequencies(codings, ft, by=C.TIMEPOINT, codebook=book),
        N.CODE_MATRIX: code_matrix(codings, ft, codebook=book),
        N.EXEMPLAR_QUOTES: exemplar_quotes(codings, ft, n=3, redact=redact, codebook=book),
    })
    counts = code_counts(codings, ft, book, run.options.min_cell_size)
    run.tables[N.CODE_COUNTS] = counts
    run.tables[N.QUOTES] = study_quotes(run, codings, ft, counts, book, redact)


def _redaction(run: Run) -> dict[str, tuple[str, ...]]:
    a = run.spec.analysis
    return {"names": tuple(a.redact_names), "places": tuple(a.redact_places)}


def code_counts(codings: pd.DataFrame, answers: pd.DataFrame, book: Any, k: int) -> pd.DataFrame:
    """Per code: answers and people with it, % of respondents (people with a non-empty answer).

    ``shown`` is False for a code mentioned by 1 to k − 1 people (its counts are then missing
    in shareable outputs).
    """
    from ...qual.coder import empty_mask

    nonempty = answers[~empty_mask(answers, book)]
    n_resp = int(nonempty[C.PARTICIPANT_ID].nunique())
    cod = codings[[C.RESPONSE_ID, C.CODE]].astype(object).merge(
        answers[[C.RESPONSE_ID, C.PARTICIPANT_ID]].astype(object), on=C.RESPONSE_ID)
    g = cod.groupby(C.CODE)
    out = pd.DataFrame({"n_answers": g[C.RESPONSE_ID].nunique(), "n_participants": g[C.PARTICIPANT_ID].nunique()})
    order = [c.id for c in book.flat_codes() if c.codable]
    out = out.reindex(order).fillna(0).astype(int).rename_axis(C.CODE).reset_index()
    out.insert(1, "label", [book.code(c).label if _has(book, c) else c for c in out[C.CODE]])
    out["percent"] = 100.0 * out["n_participants"] / max(n_resp, 1)
    out["n_respondents"] = n_resp
    out["n_answers_total"] = int(len(answers))
    out["n_empty"] = int(len(answers) - len(nonempty))
    out["shown"] = ~out["n_participants"].between(1, k - 1)
    out = out.sort_values("n_participants", ascending=False, kind="stable").reset_index(drop=True)
    return out[list(CODE_COUNTS_COLUMNS)]


def _has(book: Any, code: str) -> bool:
    try:
        book.code(code)
    except (KeyError, ValueError):
        return False
    return True


def study_quotes(run: Run, codings: pd.DataFrame, answers: pd.DataFrame, counts: pd.DataFrame, book: Any,
                 redact: Any) -> pd.DataFrame:
    """Two redacted quotes for each of the (up to eight) codes mentioned by most people (≥ k)."""
    k = run.options.min_cell_size
    codes = counts.loc[counts["n_participants"] >= k, C.CODE].head(8).tolist()
    rows = pick_quotes(codings, answers, codes, codebook=book, redact=redact, per_code=2)
    return _with_source(run, rows)


def _with_source(run: Run, rows: list[dict[str, Any]]) -> pd.DataFrame:
    spec = run.spec
    questions = {f.id: (f.label or f.id) for f in spec.free_text}
    labels = {t.id: (t.label or t.id) for t in spec.timepoints}
    out = pd.DataFrame(rows, columns=[c for c in QUOTE_COLUMNS if c != "source"])
    out["source"] = [source_text(t, q, questions, labels) for t, q in zip(out[C.TIMEPOINT], out[C.QUESTION],
                                                                          strict=True)]
    return out[list(QUOTE_COLUMNS)]


def theme_suggestions(run: Run) -> None:
    """Suggest themes in the answers no code caught (optional: a failure is recorded, not fatal)."""
    from ...qual import suggest_themes

    ft = run.table(N.FREE_TEXT)
    codings = run.tables.get(N.CODINGS)
    if ft is None or codings is None or len(ft) < 20:
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EvaltoolWarning)
        a = run.spec.analysis
        run.tables[N.THEME_SUGGESTIONS] = suggest_themes(
            ft, uncoded_only=True, codings=codings, seed=run.options.seed, codebook=run.codebook,
            redact={"names": list(a.redact_names), "places": list(a.redact_places)})
    run.notes += [str(w.message) for w in caught]
