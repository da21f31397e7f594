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

import numpy as np
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
    """Coded answers of moderate length, one row per answer (raw text: redacted downstream).

    Sorted by how far the length is from 90 characters, then by answer id. Each answer's
    first coding found, its spaces normalised (``" ".join(text.split())``), its length checked
    and the rows sorted before any other column is converted, so only the rows kept are."""
    at = _first_coding(codings[C.RESPONSE_ID], answers[C.RESPONSE_ID])
    rows = np.flatnonzero(at >= 0)
    text = _normalised(answers[C.TEXT].iloc[rows])
    ln = text.str.len().to_numpy()
    keep = np.flatnonzero((ln >= 25) & (ln <= 220))
    dist = np.abs(ln[keep] - 90)
    order = _sorted_by(dist, answers[C.RESPONSE_ID].iloc[rows[keep]])
    take = rows[keep[order]]
    pool = answers[[C.RESPONSE_ID, C.PARTICIPANT_ID, C.TIMEPOINT, C.QUESTION]].iloc[take].astype(object)
    pool.index = keep[order]        # positions among the coded answers
    pool[C.TEXT] = pd.Series(text.array.take(keep[order]), index=pool.index, dtype="str")
    pool[C.CODE] = pd.Series(codings[C.CODE].astype(object).to_numpy()[at[take]], index=pool.index, dtype=object)
    return pool


def _first_coding(coded: pd.Series, ids: pd.Series) -> np.ndarray:
    """Per answer id, the row of its first coding (-1: none); by Arrow's hashing when both
    columns are strings, else by a pandas index of the distinct coded ids."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(ids.dtype, pd.StringDtype) and len(coded):
        try:
            got = pc.index_in(pa.array(ids.array), value_set=pa.array(coded.to_numpy(dtype=object), pa.large_string()))
            return np.asarray(pc.fill_null(got, -1), dtype=np.int64)
        except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeError):   # ids that are not all (valid) strings
            pass
    first = np.flatnonzero(~coded.duplicated().to_numpy())
    at = pd.Index(coded.iloc[first].astype(object)).get_indexer(ids.astype(object))
    return np.where(at >= 0, first[np.maximum(at, 0)], -1)


def _sorted_by(dist: np.ndarray, ids: pd.Series) -> np.ndarray:
    """Positions in stable order of (``dist``, id): Arrow's stable sort when the ids are
    strings (UTF-8 byte order is code point order, as Python compares), else pandas'."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(ids.dtype, pd.StringDtype):
        t = pa.table({"d": pa.array(dist), "i": pa.array(ids.array)})
        return np.asarray(pc.sort_indices(t, sort_keys=[("d", "ascending"), ("i", "ascending")]), dtype=np.int64)
    key = pd.DataFrame({"d": dist, "i": ids.astype(object).to_numpy()})
    return key.sort_values(["d", "i"]).index.to_numpy()


def _normalised(text: pd.Series) -> pd.Series:
    """``" ".join(str(t).split())`` of each text (missing: ""), as a ``str`` column. Of a string
    column, only texts that could change are split in Python: printable ASCII without a double,
    leading or trailing space is already normal (Arrow kernels find them; 97% of answers)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not isinstance(text.dtype, pd.StringDtype) or not len(text):
        return pd.Series([" ".join(str(t).split()) for t in text.fillna("").tolist()], dtype="str", index=text.index)
    arr = pa.array(text.array)
    arr = pc.fill_null(arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr, "")
    same = pc.and_(pc.and_(pc.string_is_ascii(arr), pc.ascii_is_printable(arr)),
                   pc.invert(pc.or_(pc.or_(pc.match_substring(arr, "  "), pc.starts_with(arr, " ")),
                                    pc.ends_with(arr, " "))))
    change = ~np.asarray(same, dtype=bool)
    if change.any():
        fixed = [" ".join(t.split()) for t in arr.filter(pa.array(change)).to_pylist()]
        arr = pc.replace_with_mask(arr, pa.array(change), pa.array(fixed, arr.type))
    return pd.Series(arr, dtype="str", index=text.index)
