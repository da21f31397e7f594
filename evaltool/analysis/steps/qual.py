"""Qualitative steps: code the free text, count codes, choose redacted quotes, suggest themes."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ... import columns as C
from ...errors import EvaltoolWarning
from .. import names as N
from .quotes import QUOTE_COLUMNS, pick_quotes, redaction_options, source_text, take_quotes

if TYPE_CHECKING:
    from ...qual._prepared import Prepared
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


EARLY_FROM = 2_000
"""Fewest free-text answers for which coding starts right after linking (:func:`start_coding`);
below, coding takes less than forking a process saves."""


def start_coding(run: Run) -> None:
    """Started after linking: the free text coded, and its valence judged, in a forked process
    (with its own workers at scale) while this one computes the statistics, which leave a CPU
    free; :func:`coding` collects the two tables, the same as coding them there. Not started
    with one CPU, a small corpus, or a codebook that does not load (the coding step then
    reports it in its place)."""
    from ..._parallel import n_workers
    from ...qual import code_and_valence
    from ...qual._engine import compile_codebook
    from .._background import Background

    ft = getattr(run.linked, "free_text", None)
    if ft is None or len(ft) < EARLY_FROM or n_workers() <= 1:
        return
    try:
        book = study_codebook(run)
        if book is not None:
            compile_codebook(book)  # here, so that this process has it compiled too
    except Exception:  # noqa: BLE001 - raised again, with its message, by the coding step
        return
    if book is None:
        return
    bg = run.stack.enter_context(Background(lambda: code_and_valence(ft, book, n_jobs=-1)))
    run.early["coding"] = (ft, book, bg)


def coding(run: Run) -> None:
    """Code every answer with the study's codebook; counts, matrix, quotes (redacted)."""
    from ...qual import (
        code_frequencies,
        code_matrix,
        coding_summary,
        exemplar_quotes,
    )
    from ...qual._prepared import prepare

    linked = run.linked
    assert linked is not None
    ft = linked.free_text
    run.tables[N.FREE_TEXT] = ft
    started = run.early.pop("coding", None)
    book = started[1] if started is not None and started[0] is ft else study_codebook(run)
    run.codebook = book
    if book is None or ft.empty:
        run.notes.append("no free-text answers or no codebook: qualitative coding skipped")
        return
    early: dict[str, Any] = {}
    codings, valence = _codings(ft, book, started, early)
    redact = redaction_options(_redaction(run))
    # the codings joined to the answers (ids checked, text read, empty answers found) once
    # for every table below; each gives what it gives on its own
    prep = prepare(codings, ft, book, caller="coding", answers_part=early.get("part"))
    run.tables.update({
        N.CODINGS: codings,
        N.VALENCE: valence,
        N.CODING_SUMMARY: coding_summary(ft, codings, book, prepared=prep),
        N.CODE_FREQUENCIES: code_frequencies(codings, ft, codebook=book, prepared=prep),
        N.CODE_FREQUENCIES_BY_TIMEPOINT: code_frequencies(codings, ft, by=C.TIMEPOINT, codebook=book,
                                                          prepared=prep),
        N.CODE_MATRIX: code_matrix(codings, ft, codebook=book, prepared=prep),
        N.EXEMPLAR_QUOTES: exemplar_quotes(codings, ft, n=3, redact=redact, codebook=book, prepared=prep),
    })
    counts = code_counts(codings, ft, book, run.options.min_cell_size, prepared=prep)
    run.tables[N.CODE_COUNTS] = counts
    run.tables[N.QUOTES] = study_quotes(run, codings, ft, counts, book, redact, prepared=prep)


def _codings(ft: pd.DataFrame, book: Any, started: Any, early: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The codings and valence of ``ft``: collected from :func:`start_coding`'s process when
    it started, else coded here by forked workers at scale (one pool codes and judges each
    chunk; the same tables as one process). Meanwhile this process reads what the step's
    tables need of the answers alone (into ``early``)."""
    from ...qual import code_and_valence
    from ...qual._prepared import prepare_answers
    from ...qual._valence_jobs import meanwhile

    if started is not None and started[0] is ft and started[1] is book:
        early["part"] = prepare_answers(ft, book)
        value: tuple[pd.DataFrame, pd.DataFrame] = started[2].result()
        return value
    with meanwhile(lambda: early.update(part=prepare_answers(ft, book))):
        return code_and_valence(ft, book, n_jobs=-1)


def _redaction(run: Run) -> dict[str, tuple[str, ...]]:
    a = run.spec.analysis
    return {"names": tuple(a.redact_names), "places": tuple(a.redact_places)}


def code_counts(codings: pd.DataFrame, answers: pd.DataFrame, book: Any, k: int, *,
                prepared: Prepared | None = None) -> pd.DataFrame:
    """Per code: answers and people with it, % of respondents (people with a non-empty answer).

    ``shown`` is False for a code mentioned by 1 to k − 1 people (its counts are then missing
    in shareable outputs). ``prepared``: the codings joined to the answers
    (:func:`evaltool.qual._prepared.prepare`, with ``book``), when the caller has it.
    """
    from ...qual._prepared import use_or_prepare

    prep = use_or_prepare(codings, answers, book, prepared, C.TEXT, C.RESPONSE_ID, "code_counts")
    person, _ = pd.factorize(answers[C.PARTICIPANT_ID])   # missing: −1
    n_resp = _distinct(person[~prep.empty()])
    code = prep.code_index()[prep.pos]
    keep = code >= 0
    code, who, ans = code[keep], person[prep.rows[keep]], prep.answer_keys()[keep]
    names = prep.code_order()
    n_answers = _distinct_by(code, ans, len(names))
    n_people = _distinct_by(code, who, len(names))
    out = pd.DataFrame({"n_answers": n_answers, "n_participants": n_people},
                       index=pd.Index(names, dtype=object, name=C.CODE))
    order = [c.id for c in book.flat_codes() if c.codable]
    out = out.reindex(order).fillna(0).astype(int).rename_axis(C.CODE).reset_index()
    out.insert(1, "label", [book.code(c).label if _has(book, c) else c for c in out[C.CODE]])
    out["percent"] = 100.0 * out["n_participants"] / max(n_resp, 1)
    out["n_respondents"] = n_resp
    out["n_answers_total"] = int(len(answers))
    out["n_empty"] = int(prep.empty().sum())
    out["shown"] = ~out["n_participants"].between(1, k - 1)
    out = out.sort_values("n_participants", ascending=False, kind="stable").reset_index(drop=True)
    return out[list(CODE_COUNTS_COLUMNS)]


def _distinct(values: np.ndarray) -> int:
    """How many distinct values ≥ 0 (−1: missing)."""
    values = values[values >= 0]
    return int(np.count_nonzero(np.bincount(values))) if len(values) else 0


def _distinct_by(group: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """How many distinct values ≥ 0 in each group ``0 .. n_groups - 1``."""
    ok = values >= 0
    group, values = group[ok], values[ok]
    if not len(values):
        return np.zeros(n_groups, dtype=np.int64)
    width = int(values.max()) + 1
    mark = np.zeros(n_groups * width, dtype=bool)
    mark[group * width + values] = True
    return mark.reshape(n_groups, width).sum(axis=1).astype(np.int64)


def _has(book: Any, code: str) -> bool:
    try:
        book.code(code)
    except (KeyError, ValueError):
        return False
    return True


def study_quotes(run: Run, codings: pd.DataFrame, answers: pd.DataFrame, counts: pd.DataFrame, book: Any,
                 redact: Any, *, prepared: Prepared | None = None) -> pd.DataFrame:
    """Two redacted quotes for each of the (up to eight) codes mentioned by most people (≥ k).

    With ``prepared`` (the codings joined to ``answers``), its quote source is read: the
    quotes :func:`~evaltool.analysis.steps.quotes.pick_quotes` would pick, from answers
    already redacted for the exemplar quotes."""
    k = run.options.min_cell_size
    codes = counts.loc[counts["n_participants"] >= k, C.CODE].head(8).tolist()
    if prepared is None or not prepared.unique_ids:
        return _with_source(run, pick_quotes(codings, answers, codes, codebook=book, redact=redact, per_code=2))
    if not codes or codings.empty or answers.empty:
        return _with_source(run, [])
    picked = take_quotes(prepared.quote_source(redact), codes, per_code=2)
    rows = prepared.first_rows([rid for *_, rid in picked])
    where = answers.iloc[rows]
    tps = where[C.TIMEPOINT].tolist()
    qs = where[C.QUESTION].tolist() if C.QUESTION in answers.columns else [""] * len(rows)
    return _with_source(run, [{"code": code, "rank": rank, "quote": text, C.TIMEPOINT: str(t), C.QUESTION: str(q)}
                              for (code, rank, text, _), t, q in zip(picked, tps, qs, strict=True)])


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
