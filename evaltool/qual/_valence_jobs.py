"""Valence of many answers: each distinct (text, question) pair once, in forked workers
(private; used by :func:`evaltool.qual.code_valence`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import _engine as E
from . import _valence as V


def distinct(keys: list[Any]) -> tuple[list[Any], np.ndarray]:
    """Distinct keys (first-seen order) and, per input, the index of its key."""
    index: dict[Any, int] = {}
    inv = np.fromiter((index.setdefault(t, len(index)) for t in keys), dtype=np.int64,
                      count=len(keys))
    return list(index), inv


def valence_rows(texts: list[str], questions: list[str] | None, comp: E.Compiled, n_jobs: int,
                 chunk: Callable[[int, int], int], min_items: int) -> tuple[list[str], list[str]]:
    """(label, evidence) per answer: :func:`evaltool.qual._valence.answer_valence` of each
    distinct (text, question) pair once (an answer's valence depends on nothing else), in
    chunks of ``chunk(n_pairs, n_jobs)`` pairs by ``n_jobs`` forked workers when there are at least
    ``min_items`` pairs; the result does not depend on the split."""
    from .._parallel import fork_map

    keys: list[Any] = texts if questions is None else list(zip(texts, questions, strict=True))
    unique, inv = distinct(keys)
    u_texts = unique if questions is None else [k[0] for k in unique]
    u_questions = None if questions is None else [k[1] for k in unique]

    def job(idx: Sequence[int]) -> list[tuple[str, str]]:
        sel = list(idx)
        v = V.answer_valence([u_texts[i] for i in sel],
                             None if u_questions is None else [u_questions[i] for i in sel], comp)
        return list(zip(v.label.tolist(), v.evidence, strict=True))

    if n_jobs > 1 and len(unique) >= min_items:
        E.warm_re2(comp)   # compiled once here, inherited by the workers
    parts = fork_map(job, range(len(unique)), n_jobs=n_jobs, chunk_size=chunk(len(unique), n_jobs), min_items=min_items)
    per = [parts[i] for i in inv.tolist()]
    return [p[0] for p in per], [p[1] for p in per]
