"""Question-restricted rules, applied to the matches of :func:`evaltool.qual.code` (private).

A rule with ``questions:`` only counts in answers to those questions; its matches are found
with the other rules of its code (in units of their own) and judged here, once the question
of each answer is known. Linear in the number of matches (one sort and one binary search), so
that coding 400,000 answers costs ten times coding 40,000.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from . import _engine as E


def question_mask(questions: list[str], pattern: re.Pattern[str]) -> np.ndarray:
    """Whether each answer's question (id or label) matches ``pattern`` (one search per value)."""
    if not questions:
        return np.zeros(0, dtype=bool)
    codes, values = pd.factorize(pd.Series(questions, dtype=object))
    hit = np.array([pattern.search(q) is not None for q in values.tolist()], dtype=bool)
    return hit[codes]


def rule_questions(rows: dict[str, np.ndarray], questions: list[str] | None,
                   comp: E.Compiled) -> dict[str, np.ndarray]:
    """Drop the matches of question-restricted rules in answers to other questions (all of
    them when there is no question column), then those that overlap another match of the
    same code in the same answer (matches of one code never overlap).

    ``rows``: per match ``row`` (answer), ``code`` (index), ``s``/``e`` (span), ``rule``
    (label) and any other arrays, kept aligned. Returns the kept matches in the same order.
    """
    n = len(rows["row"])
    drop = np.zeros(n, dtype=bool)
    is_q = np.zeros(n, dtype=bool)
    rule = rows["rule"]
    for ci, label, pattern in comp.rule_questions:
        sel = (rows["code"] == ci) & (rule == label)
        if not sel.any():
            continue
        is_q |= sel
        if questions is None:
            drop |= sel
        else:
            drop |= sel & ~question_mask(questions, pattern)[rows["row"]]
    if not is_q.any():
        return rows
    keep_q = np.flatnonzero(is_q & ~drop)
    if len(keep_q):
        drop[keep_q[_overlaps_other(rows, is_q, keep_q, len(comp.codes) + 1)]] = True
    if not drop.any():
        return rows
    return {k: v[~drop] for k, v in rows.items()}


def _overlaps_other(rows: dict[str, np.ndarray], is_q: np.ndarray, keep_q: np.ndarray,
                    n_codes: int) -> np.ndarray:
    """Whether each match ``keep_q`` overlaps a match of an unrestricted rule (``~is_q``) of the
    same code in the same answer.

    The unrestricted matches are sorted by (answer, code, start) with a running maximum of
    their ends inside each (answer, code): a match [s, e) overlaps one of them exactly when
    the last one starting before ``e`` in its (answer, code) has a running end above ``s``.
    """
    s_all = np.asarray(rows["s"], dtype=np.int64)
    e_all = np.asarray(rows["e"], dtype=np.int64)
    key_all = np.asarray(rows["row"], dtype=np.int64) * n_codes + np.asarray(rows["code"], dtype=np.int64)
    others = np.flatnonzero(~is_q)
    if len(others) == 0:
        return np.zeros(len(keep_q), dtype=bool)
    span = int(max(e_all.max(), s_all.max())) + 1   # positions of one key fit below ``span``
    ok, os_, oe = key_all[others], s_all[others], e_all[others]
    order = np.lexsort((os_, ok))
    ok, os_, oe = ok[order], os_[order], oe[order]
    # ends offset by key*span: the running maximum never carries over from an earlier key
    run_end = np.maximum.accumulate(ok * span + oe)
    qk, qs, qe = key_all[keep_q], s_all[keep_q], e_all[keep_q]
    j = np.searchsorted(ok * span + os_, qk * span + qe, side="left") - 1  # last start < e, same or earlier key
    jj = np.clip(j, 0, None)
    return (j >= 0) & (ok[jj] == qk) & (run_end[jj] - qk * span > qs)
