"""Valence scanning and question context, shared by :func:`evaltool.qual.code` and
:func:`evaltool.qual.code_valence` (private).

One scan of the codebook's valence lexicons over all answers gives, per answer, whether it has
positive, negative, mixed, sarcasm or evaluative terms (after negation), and the words that
decided it. Question context (a code given to evaluating answers to some questions) and
question vetoes are decided per answer from the ``question`` column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import _engine as E

__all__ = ["QUESTION_CONTEXT", "ValenceScan", "question_mask", "question_rules", "rule_questions", "scan_valence",
           "valence_labels"]


@dataclass
class ValenceScan:
    """Per input answer: polarity flags and the terms that counted (in text order)."""

    positive: np.ndarray
    negative: np.ndarray
    mixed: np.ndarray
    sarcasm: np.ndarray
    evaluative: np.ndarray   # any lexicon term other than ``neutral`` (negated or not)
    evidence: list[list[str]]


def scan_valence(texts: list[str], comp: E.Compiled, corpus: E.Corpus | None = None) -> ValenceScan:
    """Scan the valence lexicons over ``texts`` (empty-ish answers get no term).

    A positive or negative term with a negation cue before it in its clause (within the
    negation window) counts with the opposite polarity (``flip_negated``) or not at all.
    A sarcasm marker makes the answer negative and its positive terms do not count.
    """
    n = len(texts)
    flags = {k: np.zeros(n, dtype=bool) for k in ("positive", "negative", "mixed", "sarcasm", "evaluative")}
    evidence: list[list[str]] = [[] for _ in range(n)]
    if corpus is None:
        corpus = E.build_corpus(texts, comp)
    if comp.valence is None or len(corpus.rows) == 0:
        return ValenceScan(**flags, evidence=evidence)
    gs, ge, marks = E.scan(comp.valence, corpus.big)
    pol = np.array([comp.polarity_of[m] for m in marks], dtype=object)
    cue_end = _free_cues(corpus, gs, ge)
    keep = pol != "neutral"
    gs, ge, pol = gs[keep], ge[keep], pol[keep]
    if len(gs) == 0:
        return ValenceScan(**flags, evidence=evidence)
    negd = E.negated(corpus, gs, comp.window, cue_end)
    ans, _ = E.locate(corpus, gs)
    rows = corpus.rows[ans]
    is_pos, is_neg = pol == "positive", pol == "negative"
    if comp.flip_negated:
        eff_pos = (is_pos & ~negd) | (is_neg & negd)
        eff_neg = (is_neg & ~negd) | (is_pos & negd)
    else:
        eff_pos, eff_neg = is_pos & ~negd, is_neg & ~negd
    eff_mix = pol == "mixed"
    eff_sarc = pol == "sarcasm"
    flags["sarcasm"][rows[eff_sarc]] = True
    eff_pos &= ~flags["sarcasm"][rows]          # sarcasm: positive terms do not count
    flags["positive"][rows[eff_pos]] = True
    flags["negative"][rows[eff_neg | eff_sarc]] = True
    flags["mixed"][rows[eff_mix]] = True
    flags["evaluative"][rows] = True
    counted = eff_pos | eff_neg | eff_mix | eff_sarc
    big = corpus.big_orig
    for i in np.flatnonzero(counted).tolist():
        evidence[int(rows[i])].append(big[int(gs[i]):int(ge[i])])
    return ValenceScan(**flags, evidence=evidence)


def _free_cues(corpus: E.Corpus, gs: np.ndarray, ge: np.ndarray) -> np.ndarray:
    """End positions of the negation cues that are not part of a lexicon term.

    A cue inside a term ("never got", "not much", "no problem") is used up by that term and
    does not negate later terms ("never got booked in which was disappointing").
    """
    cs, ce = corpus.cue_start, corpus.cue_end
    if len(cs) == 0 or len(gs) == 0:
        return ce
    j = np.searchsorted(gs, cs, side="right") - 1   # last term starting at or before the cue
    inside = (j >= 0) & (ce <= ge[np.clip(j, 0, None)])  # the whole cue lies in that term
    return ce[~inside]


def valence_labels(v: ValenceScan) -> np.ndarray:
    """positive / negative / mixed / neutral per answer."""
    both = v.mixed | (v.positive & v.negative)
    return np.where(both, "mixed", np.where(v.positive, "positive",
                                            np.where(v.negative, "negative", "neutral")))


def question_mask(questions: list[str], pattern: re.Pattern[str]) -> np.ndarray:
    """Whether each answer's question (id or label) matches ``pattern`` (one search per value)."""
    if not questions:
        return np.zeros(0, dtype=bool)
    codes, values = pd.factorize(pd.Series(questions, dtype=object))
    hit = np.array([pattern.search(q) is not None for q in values.tolist()], dtype=bool)
    return hit[codes]


QUESTION_CONTEXT = "question context"


def rule_questions(rows: dict[str, np.ndarray], questions: list[str] | None,
                   comp: E.Compiled) -> dict[str, np.ndarray]:
    """Drop the matches of question-restricted rules in answers to other questions (all of
    them when there is no question column), then those that overlap another match of the
    same code in the same answer (matches of one code never overlap)."""
    drop = np.zeros(len(rows["row"]), dtype=bool)
    is_q = np.zeros(len(rows["row"]), dtype=bool)
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
        others = ~is_q
        key = rows["row"] * (len(comp.codes) + 1) + rows["code"]
        o_idx = np.flatnonzero(others)
        for i in keep_q.tolist():
            same = o_idx[key[o_idx] == key[i]]
            if len(same) and ((rows["s"][same] < rows["e"][i]) & (rows["s"][i] < rows["e"][same])).any():
                drop[i] = True
    if not drop.any():
        return rows
    return {k: v[~drop] for k, v in rows.items()}


def question_rules(rows: dict[str, np.ndarray], texts: list[str], questions: list[str],
                    comp: E.Compiled) -> dict[str, np.ndarray]:
    """Apply question vetoes, then add question-context codings; keep (answer, start, code) order."""
    index = {cm.code: i for i, cm in enumerate(comp.codes)}
    for code_id, pattern in comp.question_veto:
        if code_id not in index:
            continue
        hit = question_mask(questions, pattern)
        drop = (rows["code"] == index[code_id]) & hit[rows["row"]]
        if drop.any():
            rows = {k: v[~drop] for k, v in rows.items()}
    add: list[tuple[int, int]] = []  # (answer row, code index)
    if comp.question_context:
        masks = [(index[cid], question_mask(questions, pat), when) for cid, pat, when in comp.question_context]
        asked = np.flatnonzero(np.logical_or.reduce([m for _, m, _ in masks]))
        if len(asked):
            sub = [texts[i] for i in asked.tolist()]
            nonempty = np.zeros(len(texts), dtype=bool)
            nonempty[asked] = ~E.empty_flags(sub, comp)
            evaluates = np.zeros(len(texts), dtype=bool)
            if any(when == "evaluation" for _, _, when in masks):
                evaluates[asked] = scan_valence(sub, comp).evaluative
            have = set(zip(rows["row"].tolist(), rows["code"].tolist(), strict=True))
            for ci, mask, when in masks:
                ok = mask & nonempty & (evaluates if when == "evaluation" else True)
                add.extend((r, ci) for r in np.flatnonzero(ok).tolist() if (r, ci) not in have)
    if not add:
        return rows
    r = np.array([a for a, _ in add], dtype=np.int64)
    n = len(r)
    ev = np.empty(n, dtype=object)
    ev[:] = [texts[i] for i in r.tolist()]
    rule = np.empty(n, dtype=object)
    rule[:] = [QUESTION_CONTEXT] * n
    new = {"row": r, "code": np.array([c for _, c in add], dtype=np.int64), "s": np.zeros(n, np.int64),
           "e": np.array([len(texts[i]) for i in r.tolist()], dtype=np.int64), "evidence": ev,
           "rule": rule, "neg": np.zeros(n, dtype=bool)}
    both = {k: np.concatenate([rows[k], new[k]]) for k in rows}
    order = np.lexsort((both["code"], both["s"], both["row"]))
    return {k: v[order] for k, v in both.items()}
