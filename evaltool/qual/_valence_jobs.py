"""Coding and valence of many answers in one pass: each distinct text coded once and each
distinct (text, question) pair judged once, chunk by chunk, in forked workers (private; used by
:func:`evaltool.qual.code`, :func:`evaltool.qual.code_valence` and
:func:`evaltool.qual.code_and_valence`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _engine as E
from . import _valence as V

CHUNK = 5_000
"""Distinct texts per task when coding in several processes (small enough that the workers
stay balanced when the machine is busy, large enough that each task amortises its start of
~30 ms; measured at 100,000 answers, larger chunks were slower)."""
MIN_PARALLEL = 10_000
"""Fewer distinct texts than this are coded in one process."""


def distinct(keys: list[str]) -> tuple[list[str], np.ndarray]:
    """Distinct strings (first-seen order) and, per input, the index of its string (one
    hash-table pass in pandas)."""
    import pandas as pd

    arr = np.empty(len(keys), dtype=object)
    arr[:] = keys
    inv, uniques = pd.factorize(arr)
    return list(uniques), inv.astype(np.int64, copy=False)


@dataclass
class Pairs:
    """Distinct (text, question) pairs (first-seen order): ``text`` indexes the distinct
    texts, ``question`` the distinct questions (None without questions); ``inv`` is the pair of
    each answer."""

    text: np.ndarray
    question: list[str] | None
    inv: np.ndarray


def distinct_pairs(n_texts: int, t_inv: np.ndarray, questions: list[str] | None) -> Pairs:
    """The distinct (text, question) pairs of answers whose distinct text (of ``n_texts``)
    is ``t_inv``; without questions, the distinct texts themselves."""
    import pandas as pd

    if questions is None:
        return Pairs(np.arange(n_texts, dtype=np.int64), None, t_inv)
    q_uniq, q_inv = distinct(questions)
    width = max(len(q_uniq), 1)
    inv, pairs = pd.factorize(t_inv * width + q_inv)
    t_of, q_of = np.divmod(np.asarray(pairs, dtype=np.int64), width)
    return Pairs(t_of, [q_uniq[i] for i in q_of.tolist()], inv.astype(np.int64, copy=False))


def _code(texts: list[str], comp: E.Compiled) -> dict[str, Any]:
    corpus = E.build_corpus(texts, comp)
    hits = E.code_corpus(corpus, comp)
    hits["u"] = corpus.rows[hits.pop("ans")]
    return hits


def _judge(unique: list[str], pairs: Pairs, sel: np.ndarray, comp: E.Compiled,
           hits: dict[str, Any] | None, first: int) -> list[tuple[str, str]]:
    """(label, evidence) of the pairs ``sel``; ``hits``: the codings of ``unique[first:]``
    (``u`` local), whose proposal-code matches are then not scanned again."""
    sl = sel.tolist()
    qs = None if pairs.question is None else [pairs.question[i] for i in sl]
    t_of = pairs.text[sel]
    given = None if hits is None else _proposal_hits(hits, t_of - first, comp)
    v = V.answer_valence([unique[i] for i in t_of.tolist()], qs, comp, given)
    return list(zip(v.label.tolist(), v.evidence, strict=True))


def _proposal_hits(hits: dict[str, Any], text_of_row: np.ndarray, comp: E.Compiled) -> dict[str, np.ndarray]:
    """The proposal codes' matches of each row (a text per row, as an index into the coded
    texts), in :func:`evaltool.qual._engine.code_corpus`'s order: by code, row, start, longest
    first."""
    sel = np.flatnonzero(np.isin(hits["code"], np.asarray(comp.proposal_codes, dtype=np.int64)))
    u = hits["u"][sel]
    by_text = sel[np.argsort(u, kind="stable")]
    counts = np.bincount(u, minlength=int(text_of_row.max(initial=-1)) + 1)
    first = np.cumsum(counts) - counts
    rep = counts[text_of_row]
    row = np.repeat(np.arange(len(text_of_row), dtype=np.int64), rep)
    within = np.arange(int(rep.sum())) - np.repeat(np.cumsum(rep) - rep, rep)
    h = by_text[first[text_of_row[row]] + within]
    code, s, e = hits["code"][h], hits["s"][h], hits["e"][h]
    order = np.lexsort((-(e - s), s, row, code))
    rules = np.array(hits["rule"], dtype=object)
    return {"row": row[order], "code": code[order], "s": s[order], "e": e[order],
            "rule": rules[h[order]] if len(h) else rules[:0], "neg": hits["neg"][h][order]}


def _merge(parts: list[dict[str, Any]], sizes: list[int]) -> dict[str, Any]:
    """One hits dict from the chunks' (``u`` shifted by each chunk's start)."""
    if len(parts) == 1:
        return parts[0]
    starts = np.cumsum([0] + sizes[:-1])
    out: dict[str, Any] = {key: np.concatenate([h[key] for h in parts]) for key in ("code", "s", "e", "neg")}
    out["u"] = np.concatenate([h["u"] + start for start, h in zip(starts.tolist(), parts, strict=True)])
    out["rule"] = [r for h in parts for r in h["rule"]]
    return out


def _bounds(n: int, n_jobs: int) -> list[int]:
    """Chunk bounds: at most :data:`CHUNK` texts each, as many chunks as a multiple of the
    workers and of equal sizes, so that no worker is left with a chunk more than another
    (27,000 texts on 2 workers: 6 chunks of 4,500, not 5 of 5,000 and one of 2,000)."""
    k = n_jobs * -(-n // (CHUNK * n_jobs))
    return [round(i * n / k) for i in range(k + 1)]


_MEANWHILE: ContextVar[Callable[[], Any] | None] = ContextVar("evaltool_qual_meanwhile", default=None)


@contextmanager
def meanwhile(work: Callable[[], Any]) -> Iterator[None]:
    """Within the block, the coders run ``work`` in this process while their workers code
    (:func:`evaltool._parallel.fork_map`'s ``meanwhile``; before coding when one process
    codes): the caller's work that does not need the codings."""
    token = _MEANWHILE.set(work)
    try:
        yield
    finally:
        _MEANWHILE.reset(token)


@contextmanager
def warming(comp: E.Compiled, n_jobs: int, n: int) -> Iterator[None]:
    """Build the RE2 programs the workers will inherit (:func:`evaltool.qual._engine.warm_re2`)
    in a background thread while the block reads the answers, when ``n`` answers may be coded
    by ``n_jobs`` > 1 workers; waits for it at the end."""
    thread = E.warm_re2_soon(comp) if n_jobs > 1 and n >= MIN_PARALLEL else None
    try:
        yield
    finally:
        if thread is not None:
            E.wait_warm()


def code_and_judge(unique: list[str], pairs: Pairs | None, comp: E.Compiled, n_jobs: int, *,
                   codes: bool = True) -> tuple[dict[str, Any] | None, list[tuple[str, str]] | None]:
    """(hits of the distinct texts ``unique``, ``u`` = index into ``unique``; (label, evidence)
    per pair of ``pairs``): with ``codes`` the texts are coded, with ``pairs`` the pairs judged.

    With ``n_jobs`` > 1 and at least :data:`MIN_PARALLEL` distinct texts, the texts are cut
    into chunks of :data:`CHUNK` in input order and each chunk is coded, and its pairs
    judged, by the same forked worker (which inherits the compiled codebook and its RE2
    patterns: one pool, one start per worker for both). The results are put back in order, so
    they do not depend on the split (an answer's codes and valence depend on nothing else).
    Ctrl-C cancels the chunks not started and terminates the workers at once.
    """
    from .._parallel import fork_map

    n = len(unique)
    parallel = n_jobs > 1 and n >= MIN_PARALLEL
    bounds = _bounds(n, n_jobs) if parallel else [0, n]
    if pairs is not None and parallel:
        order = np.argsort(pairs.text, kind="stable")
        cuts = np.searchsorted(pairs.text[order], bounds).tolist()
        sels = [order[cuts[k]:cuts[k + 1]] for k in range(len(bounds) - 1)]
    elif pairs is not None:
        sels = [np.arange(len(pairs.text), dtype=np.int64)]

    def job(chunks: Sequence[int]) -> list[tuple[Any, Any]]:
        out = []
        for k in chunks:
            hits = _code(unique[bounds[k]:bounds[k + 1]], comp) if codes else None
            out.append((hits, None if pairs is None else _judge(unique, pairs, sels[k], comp, hits, bounds[k])))
        return out

    if parallel:
        E.warm_re2(comp)   # compiled once here, inherited by the workers
    parts = fork_map(job, range(len(bounds) - 1), n_jobs=n_jobs if parallel else 1, chunk_size=1, min_items=1,
                     meanwhile=_MEANWHILE.get())
    hits = _merge([h for h, _ in parts], np.diff(bounds).tolist()) if codes else None
    if pairs is None:
        return hits, None
    judged: list[Any] = [None] * len(pairs.text)
    for sel, (_, rows) in zip(sels, parts, strict=True):
        for i, row in zip(sel.tolist(), rows, strict=True):
            judged[i] = row
    return hits, judged
