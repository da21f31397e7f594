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

from . import _engine as E
from ._question_rules import question_mask, rule_questions
from ._valence_contrast import attempts, reservations

__all__ = ["FEATURES", "QUESTION_CONTEXT", "AnswerValence", "ValenceScan", "answer_valence", "question_mask", "question_rules", "rule_questions", "scan_valence",
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
    gs, ge, pol, cue_end = E.lexicon_terms(corpus, comp)
    keep = (pol != "administrative") & (pol != "circumstance")
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


def valence_labels(v: ValenceScan) -> np.ndarray:
    """positive / negative / mixed / neutral per answer."""
    both = v.mixed | (v.positive & v.negative)
    return np.where(both, "mixed", np.where(v.positive, "positive",
                                            np.where(v.negative, "negative", "neutral")))


QUESTION_CONTEXT = "question context"


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
            n_codes = len(comp.codes)
            have = rows["row"].astype(np.int64) * n_codes + rows["code"]   # (answer, code) pairs coded
            for ci, mask, when in masks:
                ok = np.flatnonzero(mask & nonempty & (evaluates if when == "evaluation" else True))
                ok = ok[~np.isin(ok * n_codes + ci, have)]
                add.extend((r, ci) for r in ok.tolist())
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


# ------------------------------------------------------------------------------------------
# the valence of each answer (docs/codebook.md, "Valence", read with the question)
# ------------------------------------------------------------------------------------------
@dataclass
class AnswerValence:
    """Per answer: the valence, the evidence that decided it and how it was decided."""

    label: np.ndarray      # positive / negative / mixed / neutral
    evidence: list[str]    # terms, proposals, or the question rule, joined by " | "
    basis: np.ndarray      # "terms", "question default", "denial", "empty", "none"
    features: np.ndarray   # (n, 6) counts: positive, negative, mixed, sarcasm, proposal, administrative


FEATURES = ("positive", "negative", "mixed", "sarcasm", "proposal", "administrative")


def _question_rule(questions: list[str] | None, comp: E.Compiled) -> list[int]:
    """Index of the first ``valence.questions`` entry matching each answer's question (-1)."""
    if questions is None or not comp.valence_questions:
        return [-1] * (0 if questions is None else len(questions))
    out = np.full(len(questions), -1, dtype=np.int64)
    for k in range(len(comp.valence_questions) - 1, -1, -1):
        out[question_mask(questions, comp.valence_questions[k][0])] = k
    return out.tolist()


def _names_before(text: str, first: int, comp: E.Compiled) -> bool:
    """Whether ``text`` opens with a clause of its own, before the clause of its first
    counted term (offset ``first``), that names something: words, not a denial or a doubt
    ("no, too busy" and "not really, forgot" do not)."""
    if first <= 0:
        return False
    bounds = [m.start() for m in comp.clause.finditer(text, 0, first)]
    if not bounds:
        return False
    opening = text[:bounds[-1]]
    norm = E._normalise_empty(opening)
    if not re.search(r"[^\W\d_]{2,}", norm) or norm in comp.denials or norm in comp.empty:
        return False
    if re.search(r"\b(?:sure|know|idk|dunno|unsure|maybe|perhaps)\b", norm):
        return False  # a doubt names nothing
    if re.fullmatch(r"(?:sorry|honestly|tbh|to be honest|hmm+|um+|erm+|well|truthfully|genuinely|in all honesty|"
                    r"if i'?m honest|i'?m afraid|afraid)(?: \w+)?", norm):
        return False  # a preface ("sorry, but...") names nothing
    for pattern in (comp.denial_start, comp.attempt_start):
        if pattern is not None and pattern.match(opening) is not None:
            return False
    return True


def answer_valence(texts: list[str], questions: list[str] | None, comp: E.Compiled,
                   proposal_hits: dict[str, np.ndarray] | None = None) -> AnswerValence:
    """Valence of each answer by the codebook's lexicons, proposals and question defaults.

    1. Lexicon terms (leftmost, longest; ``neutral`` phrases mask what they cover) count as
       positive, negative, mixed or sarcasm; a negation cue before a positive or negative term
       in its clause flips it (``flip_negated``). Sarcasm makes positive terms not count.
    2. Evidence of ``valence.proposal_codes`` (a proposal for the intervention) counts as a
       wish for change, except where it overlaps a positive term ("more of these please") or
       shares its clause with an ``administrative`` term ("could we get the slides?").
    3. Positive and negative (or a wish for change) together are mixed; a ``mixed`` term is
       mixed by itself.
    4. With a question column: an answer that is only a denial ("no", "nothing") takes the
       question's ``denial`` value; a non-empty answer with no lexicon term, proposal or
       administrative term at all takes the question's ``default``. Everything else is neutral.

    ``proposal_hits``: the proposal codes' matches when the caller has them already, as
    :func:`evaltool.qual._engine.code_corpus` gives them for these texts but with ``row`` (the
    input row) instead of ``ans`` (the same result, without scanning those codes again).
    """
    n = len(texts)
    counts = np.zeros((n, len(FEATURES)), dtype=np.int64)
    evidence: list[list[str]] = [[] for _ in range(n)]
    any_term = np.zeros(n, dtype=bool)
    corpus = E.build_corpus(texts, comp)
    corpus_index = np.full(n, -1, dtype=np.int64)   # input row -> kept answer
    corpus_index[corpus.rows] = np.arange(len(corpus.rows))
    term = _terms(corpus, comp, n, any_term)
    proposals = _proposals(corpus, comp, questions, proposal_hits, corpus_index)
    admin_request = np.zeros(n, dtype=bool)
    first_term = np.full(n, -1, dtype=np.int64)   # local offset of the first counted term
    pos_mask = _count(corpus, term, proposals, counts, evidence, first_term, admin_request, corpus_index)
    pos = counts[:, 0] > 0
    neg = (counts[:, 1] > 0) | (counts[:, 3] > 0) | (counts[:, 4] > 0)
    mixed = (counts[:, 2] > 0) | (pos & neg)
    label = np.where(mixed, "mixed", np.where(pos, "positive", np.where(neg, "negative", "neutral"))).astype(object)
    basis = np.where(pos | neg | mixed, "terms", "none").astype(object)
    basis[corpus.empty] = "empty"
    if questions is not None:
        circumstance = np.zeros(n, dtype=bool)
        if term is not None:
            circumstance[term["rows"][term["circ"]]] = True
        _by_question(texts, questions, comp, corpus.empty, label, basis, evidence, any_term,
                     admin_request, counts, first_term, circumstance)
    _reservations(texts, corpus, term, pos_mask, corpus_index, label, basis, evidence, comp)
    return AnswerValence(label=label, evidence=[" | ".join(e) for e in evidence], basis=basis,
                         features=counts)


def _terms(corpus: E.Corpus, comp: E.Compiled, n: int, any_term: np.ndarray) -> dict[str, np.ndarray] | None:
    """Lexicon terms with their effective polarity (negation, sarcasm); marks ``any_term``."""
    term: dict[str, np.ndarray] | None = None
    if comp.valence is not None and len(corpus.rows):
        gs, ge, pol, cue_end = E.lexicon_terms(corpus, comp)
        if len(gs):
            negd = E.negated(corpus, gs, comp.window, cue_end) if len(gs) else np.zeros(0, bool)
            ans, _ = E.locate(corpus, gs)
            rows = corpus.rows[ans]
            # a circumstance stops the question default only where it opens the answer ("on
            # mat leave since"; not "the thought diary when I'm on nights")
            circ = pol == "circumstance"
            opening = np.ones(len(gs), dtype=bool)
            if circ.any():
                opening[circ] = E.clause_of(corpus, gs[circ]) == corpus.starts[ans[circ]]
                for k in np.flatnonzero(circ & ~opening).tolist():   # "N/A - left the trust"
                    before = E._normalise_empty(corpus.big_orig[int(corpus.starts[ans[k]]):int(gs[k])])
                    opening[k] = before == "" or before in comp.empty or before in comp.denials
            any_term[rows[(pol != "administrative") & opening]] = True
            is_pos, is_neg = pol == "positive", pol == "negative"
            if comp.flip_negated:
                eff_pos = (is_pos & ~negd) | (is_neg & negd)
                eff_neg = (is_neg & ~negd) | (is_pos & negd)
            else:
                eff_pos, eff_neg = is_pos & ~negd, is_neg & ~negd
            sarc = pol == "sarcasm"
            sarcastic = np.zeros(n, dtype=bool)
            sarcastic[rows[sarc]] = True
            eff_pos &= ~sarcastic[rows]
            term = {"gs": gs, "ge": ge, "rows": rows, "pos": eff_pos, "neg": eff_neg,
                    "mixed": pol == "mixed", "sarc": sarc, "admin": pol == "administrative",
                    "circ": pol == "circumstance"}
    return term


def _proposals(corpus: E.Corpus, comp: E.Compiled, questions: list[str] | None,
               given: dict[str, np.ndarray] | None, corpus_index: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(global start, global end, input row) of the proposal codes' evidence (``given``: see
    :func:`answer_valence`)."""
    proposals = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))
    if comp.proposal_codes and len(corpus.rows):
        if given is None:
            hits = E.code_corpus(corpus, comp, only=set(comp.proposal_codes))
        else:
            hits = {k: v for k, v in given.items() if k != "row"}
            hits["ans"] = corpus_index[given["row"]]
        if len(hits["ans"]):
            ans = np.asarray(hits["ans"])
            rows_d = {"row": corpus.rows[ans], "code": np.asarray(hits["code"]),
                      "s": np.asarray(hits["s"]), "e": np.asarray(hits["e"]),
                      "rule": np.array(hits["rule"], dtype=object), "neg": np.asarray(hits["neg"]),
                      "ans": ans}
            rows_d = rule_questions(rows_d, questions, comp)
            a = rows_d["ans"]
            proposals = (corpus.starts[a] + rows_d["s"], corpus.starts[a] + rows_d["e"], rows_d["row"])
    return proposals


def _contained(s: np.ndarray, e: np.ndarray, outer_s: np.ndarray, outer_e: np.ndarray,
               strictly: bool = False) -> np.ndarray:
    """Whether each span [s, e) lies inside some span [outer_s, outer_e) (global positions);
    ``strictly``: inside one that is not the same span. One sort and one binary search per
    span (linear at 400,000 answers): the outer spans sorted by start with a running maximum
    of their ends; a span is inside one exactly when an outer span starting at or before it
    reaches its end."""
    s, e = np.asarray(s, dtype=np.int64), np.asarray(e, dtype=np.int64)
    if len(s) == 0 or len(outer_s) == 0:
        return np.zeros(len(s), dtype=bool)
    order = np.argsort(outer_s, kind="stable")
    os_, oe = np.asarray(outer_s, dtype=np.int64)[order], np.asarray(outer_e, dtype=np.int64)[order]
    run = np.maximum.accumulate(oe)
    if not strictly:
        j = np.searchsorted(os_, s, side="right") - 1
        return (j >= 0) & (run[np.clip(j, 0, None)] >= e)
    # an outer span starting strictly before s and reaching e, or one starting at s and longer
    j = np.searchsorted(os_, s, side="left") - 1
    before = (j >= 0) & (run[np.clip(j, 0, None)] >= e)
    starts, first = np.unique(os_, return_index=True)
    longest = np.maximum.reduceat(oe, first)
    k = np.searchsorted(starts, s)
    kk = np.clip(k, 0, len(starts) - 1)
    same = (k < len(starts)) & (starts[kk] == s) & (longest[kk] > e)
    return before | same


def _count(corpus: E.Corpus, term: dict[str, np.ndarray] | None,
           proposals: tuple[np.ndarray, np.ndarray, np.ndarray], counts: np.ndarray,
           evidence: list[list[str]], first_term: np.ndarray, admin_request: np.ndarray,
           corpus_index: np.ndarray) -> np.ndarray | None:
    """Count terms and proposals per answer, with their evidence (into the arrays given);
    return which lexicon terms counted as approval (None without terms)."""
    big = corpus.big_orig
    if term is not None:
        gs, ge, rows = term["gs"], term["ge"], term["rows"]
        ps, pe, prow = proposals
        pos_mask = term["pos"].copy()
        keep_p = np.ones(len(ps), dtype=bool)
        if len(ps):
            # a positive term strictly inside a proposal is its object ("more practical, less
            # theory"); a proposal inside (or equal to) a positive term approves ("more of
            # these please", "every band 5 should do this")
            approves = _contained(ps, pe, gs[pos_mask], ge[pos_mask])
            inside = _contained(gs, ge, ps, pe, strictly=True)
            pos_mask &= ~inside
            keep_p &= ~approves
            facts = term["admin"] | term["circ"]   # a proposal in a clause stating a fact is part of it
            if facts.any():
                admin_clauses = E.clause_of(corpus, gs[facts])
                in_admin = np.isin(E.clause_of(corpus, ps), admin_clauses)
                admin_request[prow[keep_p & in_admin]] = True
                keep_p &= ~in_admin
        sarc, mixed_t, neg_t = term["sarc"], term["mixed"], term["neg"]
        for col, mask in ((0, pos_mask), (1, neg_t), (2, mixed_t), (3, sarc), (5, term["admin"])):
            np.add.at(counts[:, col], rows[mask], 1)
        for i in np.flatnonzero(pos_mask | neg_t | mixed_t | sarc).tolist():
            r = int(rows[i])
            evidence[r].append(big[int(gs[i]):int(ge[i])])
            local = int(gs[i] - corpus.starts[corpus_index[r]])
            if first_term[r] < 0 or local < first_term[r]:
                first_term[r] = local
        proposals = (ps[keep_p], pe[keep_p], prow[keep_p])
    ps, pe, prow = proposals
    for p_start, p_end, r in zip(ps.tolist(), pe.tolist(), prow.tolist(), strict=True):
        counts[r, 4] += 1
        evidence[r].append("proposal: " + big[p_start:p_end])
        local = int(p_start - corpus.starts[corpus_index[r]])
        if first_term[r] < 0 or local < first_term[r]:
            first_term[r] = local
    return None if term is None else pos_mask


def _reservations(texts: list[str], corpus: E.Corpus, term: dict[str, np.ndarray] | None,
                  pos_mask: np.ndarray | None, corpus_index: np.ndarray, label: np.ndarray,
                  basis: np.ndarray, evidence: list[list[str]], comp: E.Compiled) -> None:
    """Approval followed by a reservation is mixed; an attempt followed by criticism is
    negative (:mod:`evaltool.qual._valence_contrast`)."""
    if term is None or pos_mask is None or not pos_mask.any():
        return
    n = len(texts)
    approvals: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    blockers: list[list[tuple[int, int, str]]] = [[] for _ in range(n)]
    off = corpus.starts[corpus_index[term["rows"]]]
    local_s, local_e = (term["gs"] - off).tolist(), (term["ge"] - off).tolist()
    for k, r in enumerate(term["rows"].tolist()):
        if pos_mask[k]:
            approvals[r].append((local_s[k], local_e[k]))
        elif term["admin"][k] or term["circ"][k]:
            kind = "administrative" if term["admin"][k] else "circumstance"
            blockers[r].append((local_s[k], local_e[k], kind))
    for i, span in reservations(texts, label, basis, approvals, blockers):
        label[i] = "mixed"
        evidence[i].append("reservation: " + span)
    for i in attempts(texts, label, approvals, comp.attempt_start, comp.clause):
        label[i] = "negative"
        evidence[i].append("an attempt, not a use")


def _by_question(texts: list[str], questions: list[str], comp: E.Compiled, empty: np.ndarray,
                 label: np.ndarray, basis: np.ndarray, evidence: list[list[str]], any_term: np.ndarray,
                 admin_request: np.ndarray, counts: np.ndarray, first_term: np.ndarray,
                 circumstance: np.ndarray) -> None:
    """Denials, opening denials and question defaults (into ``label``, ``basis``, ``evidence``).
    An opening denial explained only by a circumstance ("not yet, been off sick since") is
    neutral (docs/codebook.md: a circumstance such as leave)."""
    rule = _question_rule(questions, comp)
    opening = comp.denial_start
    for i in range(len(texts)):
        k = rule[i]
        norm = E._normalise_empty(texts[i]) if (empty[i] or len(texts[i]) < 60) else None
        whole = norm is not None and norm in comp.denials
        opens = not whole and opening is not None and opening.match(texts[i]) is not None
        if k < 0 or basis[i] == "empty" and not whole:
            continue
        _, default, denial, opening_value = comp.valence_questions[k]
        if whole or (opens and basis[i] != "terms" and not admin_request[i] and opening_value is None):
            if basis[i] == "terms" and not whole:
                continue   # a whole denial ("not much") decides even if it holds a term
            label[i] = denial
            basis[i] = "denial"
            evidence[i].append(f"denial ({label[i]})")
        elif opens and circumstance[i] and basis[i] != "terms":
            label[i] = "neutral"
            basis[i] = "denial"
            evidence[i].append("opening denial with a circumstance (neutral)")
        elif opens and opening_value is not None:
            has_pos = label[i] in ("positive", "mixed")
            has_neg = label[i] in ("negative", "mixed")
            has_pos |= opening_value == "positive"
            has_neg |= opening_value == "negative"
            label[i] = "mixed" if has_pos and has_neg else ("positive" if has_pos else "negative")
            basis[i] = "denial" if basis[i] != "terms" else "terms"
            evidence[i].append(f"opening denial ({opening_value})")
        elif (basis[i] == "none" and not any_term[i] and not admin_request[i]
              and default is not None):
            label[i] = default
            basis[i] = "question default"
            evidence[i].append(f"question default ({label[i]})")
        elif (default == "positive" and label[i] == "negative" and basis[i] == "terms"
              and counts[i, 4] == 0 and _names_before(texts[i], int(first_term[i]), comp)):
            # "the breathing stuff, although the rest went over old ground" asked what was
            # most useful: the first clause names something (the question's approval),
            # the criticism comes after it
            label[i] = "mixed"
            evidence[i].append("question default (positive) before the criticism")
