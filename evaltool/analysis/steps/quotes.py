"""Choosing redacted quotes for shareable outputs (study report, joint displays, cohorts).

Quotes are cut from coded answers around the coder's evidence and redacted on the whole
answer first (:func:`evaltool.qual.exemplar_quotes`); the redaction options are the study's
lists. Only the resulting text and where it came from (timepoint, question) leave this
module: never a participant id.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from ... import columns as C

if TYPE_CHECKING:
    from ...qual._exemplars import QuoteSource

__all__ = ["QUOTE_COLUMNS", "pick_quotes", "quote_pool", "redaction_options", "source_text", "take_quotes"]

QUOTE_COLUMNS = ("code", "rank", "quote", C.TIMEPOINT, C.QUESTION, "source")
"""Columns of the shareable quote tables (no participant id)."""


def redaction_options(redaction: dict[str, tuple[str, ...]]) -> dict[str, list[str]] | bool:
    """The study's redaction lists as :func:`evaltool.qual.exemplar_quotes` options."""
    opts = {k: list(v) for k, v in redaction.items() if v and k in ("names", "places")}
    return opts or True


def source_text(timepoint: Any, question: Any, questions: dict[str, str], labels: dict[str, str]) -> str:
    """``After the workshop, answer to “What would you change…”`` (no identifiers)."""
    t = str(timepoint)
    q = str(question)
    return f"{labels.get(t, t)}, answer to “{questions.get(q, q)}”"


def _key(text: str) -> str:
    return re.sub(r"\W+", " ", text.casefold()).strip()


def pick_quotes(codings: pd.DataFrame, answers: pd.DataFrame, codes: Iterable[str], *, codebook: Any,
                redact: dict[str, list[str]] | bool, per_code: int = 2, max_chars: int = 160,
                min_chars: int = 20, extra: Callable[[str], str] | None = None,
                used: set[str] | None = None, limits: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """Up to ``per_code`` redacted quotes for each code, each from a different person.

    ``extra`` is a further text filter applied after redaction (masking roles in small groups);
    ``limits`` caps the number of quotes of a code (never more quotes than people, so a quote
    count cannot hint at a hidden count); ``used`` holds quotes already taken (near-duplicates
    are skipped) and is updated. ``codebook`` is not needed any more (the quotes come in
    the codings' order per code) and kept for callers.

    The quotes are :func:`evaltool.qual.exemplar_quotes`'s (``n = per_code + 6`` per code, the
    same order and outcome), but read one at a time: an answer is redacted only when its quote
    is looked at, so a code whose cap is filled costs no more redaction.
    """
    from ...qual.outputs import quote_source

    used = set() if used is None else used
    codes = list(codes)
    if not codes or codings.empty or answers.empty:
        return []
    cod = codings[codings[C.CODE].astype(object).isin(codes)]
    ids = set(answers[C.RESPONSE_ID])
    cod = cod[cod[C.RESPONSE_ID].isin(ids)]
    if cod.empty:
        return []
    src = quote_source(cod, answers, n=per_code + 6, redact=redact, max_chars=max_chars)
    picked = take_quotes(src, codes, per_code=per_code, min_chars=min_chars, extra=extra, used=used, limits=limits)
    where = _sources(answers, {rid for *_, rid in picked})
    return [{"code": code, "rank": rank, "quote": text, C.TIMEPOINT: str(where[rid][0]),
             C.QUESTION: str(where[rid][1])} for code, rank, text, rid in picked]


def take_quotes(src: QuoteSource, codes: Iterable[str], *, group: Any = None, per_code: int = 2, min_chars: int = 20,
                extra: Callable[[str], str] | None = None, used: set[str] | None = None,
                limits: dict[str, int] | None = None) -> list[tuple[str, int, str, Any]]:
    """:func:`pick_quotes` from a :class:`~evaltool.qual._exemplars.QuoteSource` (from one
    ``group`` of it): ``(code, rank, quote, response_id)`` per quote taken. A code's quotes are
    read until its cap is filled (``per_code``, lowered by ``limits``), skipping those shorter
    than ``min_chars`` after ``extra`` and near-duplicates of ``used`` (which is updated)."""
    used = set() if used is None else used
    picked: list[tuple[str, int, str, Any]] = []
    for code in codes:
        cap = per_code if limits is None else min(per_code, limits.get(code, 0))
        taken = 0
        for _, rid, quote in src.quotes(code, per_code + 6, group) if cap > 0 else ():
            text = str(quote)
            if extra is not None:
                text = extra(text)
            key = _key(text)
            if len(text) < min_chars or key in used:
                continue
            used.add(key)
            taken += 1
            picked.append((code, taken, text, rid))
            if taken >= cap:
                break
    return picked


def _sources(answers: pd.DataFrame, ids: set[Any]) -> dict[Any, tuple[Any, Any]]:
    """``response_id → (timepoint, question)`` for the answers in ``ids`` (first row of each
    id; question ``""`` when ``answers`` has none)."""
    rid = answers[C.RESPONSE_ID].tolist()
    tps = answers[C.TIMEPOINT].tolist()
    qs = answers[C.QUESTION].tolist() if C.QUESTION in answers.columns else [""] * len(rid)
    out: dict[Any, tuple[Any, Any]] = {}
    for i, t, q in zip(rid, tps, qs, strict=True):
        if i in ids and i not in out:
            out[i] = (t, q)
    return out


def quote_pool(codings: pd.DataFrame, answers: pd.DataFrame) -> pd.DataFrame:
    """Coded answers of moderate length, one row per answer (raw text: redacted downstream)."""
    first = codings.drop_duplicates(C.RESPONSE_ID)[[C.RESPONSE_ID, C.CODE]].astype(object)
    a = answers[[C.RESPONSE_ID, C.PARTICIPANT_ID, C.TIMEPOINT, C.QUESTION, C.TEXT]].astype(object)
    at = pd.Index(first[C.RESPONSE_ID]).get_indexer(a[C.RESPONSE_ID])   # = an inner merge (ids unique)
    pool = a.loc[at >= 0].reset_index(drop=True)
    pool[C.CODE] = pd.Series(first[C.CODE].to_numpy()[at[at >= 0]], dtype=object)
    text = pd.Series([" ".join(str(s).split()) for s in pool[C.TEXT].fillna("").tolist()], dtype="str")
    ln = text.str.len()
    pool = pool.assign(text=text)[(ln >= 25) & (ln <= 220)]
    return pool.assign(_l=(pool[C.TEXT].str.len() - 90).abs()).sort_values(["_l", C.RESPONSE_ID]).drop(columns="_l")
