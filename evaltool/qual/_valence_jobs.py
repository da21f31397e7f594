"""Valence of many answers: each distinct (text, question) pair once, in forked workers
(private; used by :func:`evaltool.qual.code_valence`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from . import _engine as E
from . import _valence as V


def distinct(keys: list[str]) -> tuple[list[str], np.ndarray]:
    """Distinct strings (first-seen order) and, per input, the index of its string (one
    hash-table pass in pandas)."""
    import pandas as pd

    arr = np.empty(len(keys), dtype=object)
    arr[:] = keys
    inv, uniques = pd.factorize(arr)
    return list(uniques), inv.astype(np.int64, copy=False)


def distinct_pairs(texts: list[str], questions: list[str]) -> tuple[list[str], list[str], np.ndarray]:
    """Distinct (text, question) pairs (first-seen order) as two lists, and per input the
    index of its pair."""
    import pandas as pd

    t_uniq, t_inv = distinct(texts)
    q_uniq, q_inv = distinct(questions)
    inv, pairs = pd.factorize(t_inv * max(len(q_uniq), 1) + q_inv)
    t_of, q_of = np.divmod(np.asarray(pairs, dtype=np.int64), max(len(q_uniq), 1))
    return ([t_uniq[i] for i in t_of.tolist()], [q_uniq[i] for i in q_of.tolist()],
            inv.astype(np.int64, copy=False))


def valence_rows(texts: list[str], questions: list[str] | None, comp: E.Compiled, n_jobs: int,
                 chunk: Callable[[int, int], int], min_items: int) -> tuple[list[str], list[str]]:
    """(label, evidence) per answer: :func:`evaltool.qual._valence.answer_valence` of each
    distinct (text, question) pair once (an answer's valence depends on nothing else), in
    chunks of ``chunk(n_pairs, n_jobs)`` pairs by ``n_jobs`` forked workers when there are at least
    ``min_items`` pairs; the result does not depend on the split."""
    from .._parallel import fork_map

    u_questions: list[str] | None
    if questions is None:
        u_texts, inv = distinct(texts)
        u_questions = None
    else:
        u_texts, u_questions, inv = distinct_pairs(texts, questions)

    def job(idx: Sequence[int]) -> list[tuple[str, str]]:
        sel = list(idx)
        v = V.answer_valence([u_texts[i] for i in sel],
                             None if u_questions is None else [u_questions[i] for i in sel], comp)
        return list(zip(v.label.tolist(), v.evidence, strict=True))

    if n_jobs > 1 and len(u_texts) >= min_items:
        E.warm_re2(comp)   # compiled once here, inherited by the workers
    parts = fork_map(job, range(len(u_texts)), n_jobs=n_jobs, chunk_size=chunk(len(u_texts), n_jobs),
                     min_items=min_items)
    per = [parts[i] for i in inv.tolist()]
    return [p[0] for p in per], [p[1] for p in per]
