"""The rule engine behind :func:`evaltool.qual.code` (compiled codebooks and corpus scans).

All answers are lower-cased (keeping every offset) and joined into one string with a
separator that no phrase can cross. For each code,

1. a prefilter (RE2 through ``pyarrow.compute``, over all answers at once) keeps the answers
   that contain at least one *fragment* — a word or two adjacent words, with their word
   boundaries, that every match of some phrase must contain
   (:func:`evaltool.qual._prefilter.phrase_fragments`);
2. the code's phrases, merged into one regular expression (a trie on their first words), scan
   the joined candidate answers; ``Match.lastgroup`` names the phrase that fired;
3. exclusion patterns scan only the answers that had a match.

Positions are mapped back to (answer, offset) with ``numpy.searchsorted``; clause membership
and negation are decided with sorted position arrays. Python work is per *match*, never per
rule × answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from . import _patterns as P
from . import _prefilter as F
from .codebook import Code, Codebook

# Separator between answers in the scanned corpus. "\x00" is excluded from every separator
# class the phrase compiler emits, so no phrase can run from one answer into the next;
# matches from user regexes that still do are dropped afterwards.
JOIN = "\n\x00\n"
_WORD = re.compile(r"\w+")
NEVER = re.compile(r"(?!x)x")
FACTOR_CHARS = 3000
"""A phrase whose trie form would add more regex than this (a long rest copied for every
alternative of its first words, typically a vocabulary) is compiled as one factored
expression instead; such phrases of a code share a unit of their own."""
STRONG_ANCHOR = float("inf")
"""Phrases whose fragments cost at most this (see ``_prefilter.fragments_cost``) form the prefiltered unit;
the others (and phrases without anchors) form a second unit. Splitting at lower values was
measured on the benchmark corpus and was slower (two scans cost more than they save)."""


def _trie(alternatives: Sequence[tuple[Sequence[object], str]]) -> re.Pattern[str] | None:
    if not alternatives:
        return None
    return re.compile(P.compile_trie(alternatives))


@dataclass
class CodeMatcher:
    code: str
    units: list[tuple[re.Pattern[str], str | None]]  # (phrase pattern on lower-cased text, prefilter)
    regex: re.Pattern[str] | None            # user regex rules: original text, IGNORECASE
    rule_of: dict[str, int]                  # marker -> index into labels
    labels: list[str]
    sensitive: np.ndarray                    # per label: negation-sensitive
    excludes: list[tuple[re.Pattern[str], bool, str, str | None]] = field(default_factory=list)
    # (pattern, scans original text, scope, RE2 prefilter)
    context_of: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # per label, -1: none
    contexts: list[ContextMatcher] = field(default_factory=list)
    start_only: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))      # per label
    question_of: dict[str, re.Pattern[str]] = field(default_factory=dict)          # label -> questions
    question_rule: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))   # per label
    # per unit: a second prefilter every candidate must also pass (a rule's context), or None
    unit_context: list[str | None] = field(default_factory=list)


@dataclass
class ContextMatcher:
    """What a rule's match needs around it (``Rule.requires``)."""

    phrases: re.Pattern[str] | None   # on lower-cased text
    prefilter: str | None
    regex: re.Pattern[str] | None     # on original text
    scope: str
    within: int


@dataclass
class Compiled:
    codes: list[CodeMatcher]
    negation: re.Pattern[str]
    clause: re.Pattern[str]
    window: int
    valence: re.Pattern[str] | None
    polarity_of: dict[str, str]
    valence_mask: re.Pattern[str] | None
    empty: frozenset[str]
    min_letters: int
    flip_negated: bool
    # question context: (code id, question pattern, "evaluation" | "any"), in code order
    question_context: list[tuple[str, re.Pattern[str], str]] = field(default_factory=list)
    # question vetoes: (code id, question pattern)
    question_veto: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)
    # rules restricted to some questions: (code index, rule label, question pattern)
    rule_questions: list[tuple[int, str, re.Pattern[str]]] = field(default_factory=list)
    # valence: per-question defaults (pattern, default, denial), denial answers, proposal codes
    valence_questions: list[tuple[re.Pattern[str], str | None, str, str | None]] = field(default_factory=list)
    denials: frozenset[str] = frozenset()
    denial_start: re.Pattern[str] | None = None
    proposal_codes: list[int] = field(default_factory=list)


def _any_regex(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def _phrase_alts(phrases: list[str], prefix: str, counter: list[int]) -> list[tuple[tuple[object, ...], str]]:
    out = []
    for p in phrases:
        for atoms in P.phrase_atoms(p):
            out.append((atoms, f"{prefix}{counter[0]}"))
            counter[0] += 1
    return out


def _prefilter(frags: set[tuple[str, float]] | None) -> str | None:
    """An RE2 pattern matching every text in which one of the phrases can match."""
    if not frags:
        return None
    return "|".join(sorted({f for f, _ in frags}))


def _compile_code(code: Code) -> CodeMatcher:
    # Unconditional rules share one expression per code (a trie on their first words);
    # phrases with anchors are scanned only in answers that contain one (a second unit holds
    # phrases without usable anchors; see STRONG_ANCHOR). A rule with a context, a position or
    # a question restriction gets units of its own, so that a phrase it shares with another
    # rule is matched (and then kept or dropped) independently.
    groups: dict[object, dict[bool, list[tuple[tuple[object, ...], str]]]] = {}
    anchors: dict[object, dict[bool, set[tuple[str, float]] | None]] = {}
    factored: dict[object, list[str]] = {}
    factored_anchors: dict[object, list[str] | None] = {}
    group_context: dict[object, str | None] = {}
    regex_parts: list[str] = []
    rule_of: dict[str, int] = {}
    labels: list[str] = []
    sensitive: list[bool] = []
    context_of: list[int] = []
    start_only: list[bool] = []
    contexts: list[ContextMatcher] = []
    question_of: dict[str, re.Pattern[str]] = {}
    counter = [0]
    current: dict[str, object] = {"ctx": -1, "start": False, "group": None}

    def label(name: str, sens: bool) -> int:
        labels.append(name)
        sensitive.append(sens)
        context_of.append(int(current["ctx"]))  # type: ignore[call-overload]
        start_only.append(bool(current["start"]))
        return len(labels) - 1

    def add(name: str, sens: bool, phrases: list[str]) -> None:
        k = label(name, sens)
        g = current["group"]
        alts = groups.setdefault(g, {True: [], False: []})
        anch = anchors.setdefault(g, {True: set(), False: set()})
        for p in phrases:
            found = F.phrase_fragments(p)
            if P.trie_chars(p) > FACTOR_CHARS:
                name = f"m{counter[0]}"
                counter[0] += 1
                factored.setdefault(g, []).append(f"(?:{P.phrase_regex(p)})(?P<{name}>)")
                rule_of[name] = k
                have_f = factored_anchors.get(g, [])
                pf = F.ordered_prefilter(p) or (None if found is None else _prefilter(set(found)))
                factored_anchors[g] = None if (pf is None or have_f is None) else [*have_f, pf]
                continue
            strong = found is not None and F.fragments_cost(found) <= STRONG_ANCHOR
            for a in _phrase_alts([p], "m", counter):
                alts[strong].append(a)
                rule_of[a[1]] = k
            have = anch[strong]
            anch[strong] = None if (found is None or have is None) else have | found

    for n, rule in enumerate(code.rules):
        sens = rule.negation_sensitive
        current["ctx"] = -1
        if rule.requires is not None:
            contexts.append(_compile_context(rule.requires))
            current["ctx"] = len(contexts) - 1
        current["start"] = rule.position == "clause_start"
        conditional = rule.requires is not None or rule.position != "any" or bool(rule.questions)
        current["group"] = n if conditional else None
        if rule.requires is not None:
            # every match needs its context in the same answer: scan only answers with one
            group_context[n] = contexts[-1].prefilter if not rule.requires.regex else None
        if rule.questions and rule.name:
            question_of[rule.name] = _any_regex(rule.questions)
        for p in rule.phrases:
            add(rule.name or f"phrase:{p}", sens, [p])
        for st in rule.stems:
            st = st.strip()
            st = st if st.endswith("*") else st + "*"
            add(rule.name or f"stem:{st}", sens, [st])
        if rule.near is not None:
            add(rule.name or rule.near.label(), sens, rule.near.phrases())
        for rx in rule.regex:
            k = label(rule.name or f"regex:{rx}", sens)
            name = f"x{counter[0]}"
            counter[0] += 1
            regex_parts.append(f"(?:{rx})(?P<{name}>)")
            rule_of[name] = k
    excludes: list[tuple[re.Pattern[str], bool, str, str | None]] = []
    for ex in code.exclude_patterns:
        if ex.questions:  # applied per answer by the coder (needs the question column)
            continue
        if ex.phrases:
            pat = _trie(_phrase_alts(ex.phrases, "e", [0]))
            assert pat is not None
            ex_anchors: set[tuple[str, float]] | None = set()
            for p in ex.phrases:
                found = F.phrase_fragments(p)
                ex_anchors = None if (found is None or ex_anchors is None) else ex_anchors | found
            excludes.append((pat, False, str(ex.scope), _prefilter(ex_anchors)))
        if ex.regex:
            excludes.append((re.compile("|".join(f"(?:{r})" for r in ex.regex), re.IGNORECASE),
                             True, str(ex.scope), None))
    units = []
    unit_context: list[str | None] = []
    for g, alts in groups.items():
        for strong in (True, False):
            pattern = _trie(alts[strong])
            if pattern is not None:
                units.append((pattern, _prefilter(anchors[g][strong])))
                unit_context.append(group_context.get(g))
    for g, parts in factored.items():
        fa = factored_anchors[g]
        units.append((re.compile("|".join(parts)), None if fa is None else "|".join(f"(?:{x})" for x in fa)))
        unit_context.append(group_context.get(g))
    return CodeMatcher(
        code=code.id, units=units, unit_context=unit_context,  # regex rules scan every answer
        regex=re.compile("|".join(regex_parts), re.IGNORECASE) if regex_parts else None,
        rule_of=rule_of, labels=labels,
        sensitive=np.array(sensitive, dtype=bool), excludes=excludes,
        context_of=np.array(context_of, dtype=np.int64), contexts=contexts,
        start_only=np.array(start_only, dtype=bool), question_of=question_of,
        question_rule=np.array([lab in question_of for lab in labels], dtype=bool),
    )


def _compile_context(ctx: object) -> ContextMatcher:
    phrases: list[str] = list(getattr(ctx, "phrases", []))
    regex: list[str] = list(getattr(ctx, "regex", []))
    pat = _trie(_phrase_alts(phrases, "q", [0])) if phrases else None
    anchors: set[tuple[str, float]] | None = set()
    for p in phrases:
        found = F.phrase_fragments(p)
        anchors = None if (found is None or anchors is None) else anchors | found
    return ContextMatcher(
        phrases=pat, prefilter=_prefilter(anchors) if phrases else None,
        regex=re.compile("|".join(f"(?:{r})" for r in regex), re.IGNORECASE) if regex else None,
        scope=str(getattr(ctx, "scope", "clause")), within=int(getattr(ctx, "within", 6)),
    )


_OPENERS = r"(?:(?:honestly|tbh|to be honest|um+|erm+|hmm+|sadly|unfortunately|well|oh|ah|no|so|ok|okay)\W+)?"


def _denial_start(denials: list[str]) -> re.Pattern[str] | None:
    """An answer that opens with a denial ("Honestly no. ...", "Nothing, it was great")."""
    # "not sure", "don't know" are doubt, not a denial that approves or disapproves
    words = sorted({_normalise_empty(d) for d in denials if _normalise_empty(d)
                    and not re.search(r"\b(?:sure|know|idk|dunno|unsure)\b", _normalise_empty(d))},
                   key=len, reverse=True)
    if not words:
        return None
    alts = "|".join(r"\W+".join(re.escape(w) for w in d.split()) for d in words)
    return re.compile(r"^\W*" + _OPENERS + r"(?:" + alts + r")(?![\w'’])", re.IGNORECASE)


def _normalise_empty(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.lower()).strip()


_CACHE: dict[int, tuple[Codebook, Compiled]] = {}


def compile_codebook(book: Codebook) -> Compiled:
    """Compile (and cache) every pattern a codebook needs."""
    hit = _CACHE.get(id(book))
    if hit is not None and hit[0] is book:
        return hit[1]
    codes = [_compile_code(c) for c in book.flat_codes()
             if c.codable and (c.rules or c.question_context is not None)]
    question_context: list[tuple[str, re.Pattern[str], str]] = []
    question_veto: list[tuple[str, re.Pattern[str]]] = []
    rule_questions = [(ci, label, pat) for ci, cm in enumerate(codes) for label, pat in cm.question_of.items()]
    for c in book.flat_codes():
        if not c.codable:
            continue
        if c.question_context is not None:
            qc = c.question_context
            question_context.append((c.id, _any_regex(qc.questions), str(qc.when)))
        question_veto.extend((c.id, _any_regex(ex.questions)) for ex in c.exclude_patterns if ex.questions)
    neg_alts = _phrase_alts(book.negation.cues, "c", [0]) + _phrase_alts(book.negation.pseudo, "p", [0])
    negation = _trie(neg_alts) or NEVER
    contrast = _trie(_phrase_alts(book.clauses.contrast, "k", [0]))
    clause_src = f"[{book.clauses.punctuation}\\x00]+"
    if book.clauses.spaced_dash:
        clause_src += r"|(?<=\s)[-–—~]{1,2}(?=\s)"
    if contrast is not None:
        clause_src += "|" + contrast.pattern
    clause = re.compile(clause_src)
    polarity_of: dict[str, str] = {}
    val_alts: list[tuple[tuple[object, ...], str]] = []
    lex = book.valence.lexicon
    counter = [0]
    for pol, phrases in (("positive", lex.positive), ("negative", lex.negative),
                         ("mixed", lex.mixed),
                         ("evaluative", lex.evaluative), ("sarcasm", lex.sarcasm),
                         ("administrative", lex.administrative)):
        for a in _phrase_alts(phrases, "v", counter):
            val_alts.append(a)
            polarity_of[a[1]] = pol
    valence = _trie(val_alts) if book.valence.enabled else None
    # neutral phrases are scanned on their own and mask every term they overlap
    mask_alts = _phrase_alts(lex.neutral, "n", [0]) + _phrase_alts(lex.circumstance, "c", [0])
    valence_mask = _trie(mask_alts) if book.valence.enabled else None
    compiled = Compiled(
        codes=codes, negation=negation, clause=clause, window=book.negation.window,
        valence=valence, polarity_of=polarity_of, valence_mask=valence_mask,
        empty=frozenset(_normalise_empty(e) for e in book.empty_answers),
        min_letters=book.min_letters, flip_negated=book.valence.flip_negated,
        question_context=question_context, question_veto=question_veto,
        rule_questions=rule_questions,
        valence_questions=[(_any_regex(q.questions), q.default, q.denial, q.opening_denial)
                           for q in book.valence.questions],
        denials=frozenset(_normalise_empty(d) for d in book.valence.denials),
        denial_start=_denial_start(book.valence.denials),
        proposal_codes=[i for i, cm in enumerate(codes) if cm.code in set(book.valence.proposal_codes)],
    )
    if len(_CACHE) > 16:
        _CACHE.clear()
    _CACHE[id(book)] = (book, compiled)
    return compiled


# ------------------------------------------------------------------------------------------
# corpus
# ------------------------------------------------------------------------------------------
@dataclass
class Corpus:
    """Non-empty answers, lower-cased and joined; positions map back with ``starts``."""

    rows: np.ndarray          # input row of each kept (non-empty) answer
    low: list[str]            # lower-cased kept answers
    orig: list[str]           # original kept answers
    starts: np.ndarray        # start of each kept answer in ``big``
    lengths: np.ndarray
    big: str                  # lower-cased, joined
    big_orig: str             # original, joined
    empty: np.ndarray         # bool per input row
    clause_bounds: dict[int, list[int]] | None = None  # per answer, on first use
    cue_start: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    cue_end: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    _arrow: object = None
    _clause: re.Pattern[str] = NEVER


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def empty_flags(texts: list[str], comp: Compiled) -> np.ndarray:
    """Which answers are empty-ish: listed in ``empty_answers`` or with too few letters."""
    out = np.zeros(len(texts), dtype=bool)
    for i, t in enumerate(texts):
        if len(t) >= 40:
            continue
        norm = _normalise_empty(t)
        if norm in comp.empty or _letters(norm) < comp.min_letters:
            out[i] = True
    return out


def _starts(lengths: np.ndarray) -> np.ndarray:
    starts = np.zeros(len(lengths), dtype=np.int64)
    if len(lengths) > 1:
        starts[1:] = np.cumsum(lengths[:-1] + len(JOIN))
    return starts


def build_corpus(texts: list[str], comp: Compiled, *, negation: bool = True) -> Corpus:
    empty = empty_flags(texts, comp)
    rows = np.flatnonzero(~empty).astype(np.int64)
    orig = [texts[i] for i in rows.tolist()]
    low = [P.lower_same_length(t).replace("\x00", " ") for t in orig]
    lengths = np.fromiter((len(t) for t in orig), dtype=np.int64, count=len(orig))
    corpus = Corpus(rows=rows, low=low, orig=orig, starts=_starts(lengths), lengths=lengths,
                    big=JOIN.join(low), big_orig=JOIN.join(orig), empty=empty)
    if negation:
        cs, ce = [], []
        for m in comp.negation.finditer(corpus.big):
            if m.lastgroup and m.lastgroup[0] == "c":
                cs.append(m.start())
                ce.append(m.end())
        corpus.cue_start = np.array(cs, dtype=np.int64)
        corpus.cue_end = np.array(ce, dtype=np.int64)
    corpus._clause = comp.clause
    return corpus


def clause_of(corpus: Corpus, pos: np.ndarray) -> np.ndarray:
    """Clause of global positions, given as the position where that clause starts (the start
    of its answer or of the boundary that opens it): equal values = same clause.

    Clause boundaries are found only in the answers that hold ``pos`` (and cached), so a
    clause-scoped rule costs in proportion to the answers it touches.
    """
    if corpus.clause_bounds is None:
        corpus.clause_bounds = {}
    cache: dict[int, list[int]] = corpus.clause_bounds
    ans, _ = locate(corpus, pos)
    finditer = corpus._clause.finditer
    bounds: list[int] = []
    for a in np.unique(ans).tolist():
        got = cache.get(a)
        if got is None:
            start = int(corpus.starts[a])
            got = cache[a] = [start] + [m.start() for m in finditer(corpus.big, start, start + int(corpus.lengths[a]))]
        bounds.extend(got)
    arr = np.array(sorted(bounds), dtype=np.int64)
    return arr[np.searchsorted(arr, pos, side="right") - 1]  # where the clause starts


def negated(corpus: Corpus, start: np.ndarray, window: int,
            cue_end: np.ndarray | None = None) -> np.ndarray:
    """Whether a negation cue ends before ``start``, in its clause, within ``window`` words.

    ``cue_end``: sorted end positions of the cues to use (default: every cue of the corpus).
    """
    out = np.zeros(len(start), dtype=bool)
    cues = corpus.cue_end if cue_end is None else cue_end
    if len(start) == 0 or len(cues) == 0:
        return out
    k = np.searchsorted(cues, start, side="right") - 1
    has = k >= 0
    kk = np.where(has, k, 0)
    # the cue must be in the same answer and close: at most ~12 characters per word
    ce = cues[kk]
    near = has & (start - ce <= 12 * (window + 1))
    big = corpus.big
    findall = _WORD.findall
    boundary = corpus._clause.search
    for i in np.flatnonzero(near).tolist():
        a, b = int(ce[i]), int(start[i])
        if len(findall(big, a, b)) <= window and boundary(big, a, b) is None:
            out[i] = True
    return out


def scan(pattern: re.Pattern[str], text: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    spans: list[tuple[int, int]] = []
    groups: list[str] = []
    add_span, add_group = spans.append, groups.append
    for m in pattern.finditer(text):
        add_span(m.span())
        add_group(m.lastgroup or "")
    if not spans:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), []
    arr = np.array(spans, dtype=np.int64)
    return arr[:, 0].copy(), arr[:, 1].copy(), groups


def scan_subset(
    corpus: Corpus, pattern: re.Pattern[str], idx: np.ndarray, original: bool
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Scan only the answers ``idx`` (indices into the kept answers); global positions back.

    Matches that run past the end of their answer are dropped.
    """
    if len(idx) == len(corpus.low):
        s, e, g = scan(pattern, corpus.big_orig if original else corpus.big)
        if len(s) == 0:
            return s, e, g
        ans = np.searchsorted(corpus.starts, s, side="right") - 1
        ok = e <= corpus.starts[ans] + corpus.lengths[ans]
        return s[ok], e[ok], [m for m, k in zip(g, ok.tolist(), strict=True) if k]
    if len(idx) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), []
    source = corpus.orig if original else corpus.low
    il = idx.tolist()
    sub = JOIN.join([source[i] for i in il])
    sub_starts = _starts(corpus.lengths[idx])
    s, e, g = scan(pattern, sub)
    if len(s) == 0:
        return s, e, g
    k = np.searchsorted(sub_starts, s, side="right") - 1
    ok = e <= sub_starts[k] + corpus.lengths[idx[k]]
    shift = corpus.starts[idx[k]] - sub_starts[k]
    return (s + shift)[ok], (e + shift)[ok], [m for m, keep in zip(g, ok.tolist(), strict=True) if keep]


def candidates(corpus: Corpus, anchors: str | None) -> np.ndarray:
    """Indices of kept answers containing an anchor (all answers when there is no prefilter)."""
    n = len(corpus.low)
    if anchors is None or n == 0:
        return np.arange(n, dtype=np.int64)
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        if corpus._arrow is None:
            corpus._arrow = pa.array(corpus.low, type=pa.large_string())
        mask = pc.match_substring_regex(corpus._arrow, anchors)
        return np.flatnonzero(mask.to_numpy(zero_copy_only=False)).astype(np.int64)
    except Exception:  # pragma: no cover - pyarrow missing or RE2 refused the pattern
        return np.arange(n, dtype=np.int64)


def locate(corpus: Corpus, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kept-answer index and local offset of global positions."""
    idx = np.searchsorted(corpus.starts, start, side="right") - 1
    return idx, start - corpus.starts[idx]


# ------------------------------------------------------------------------------------------
# coding a corpus
# ------------------------------------------------------------------------------------------
def code_corpus(corpus: Corpus, comp: Compiled, only: set[int] | None = None) -> dict[str, np.ndarray | list]:
    """All kept matches: code index, answer index, local start/end, rule label, negated.

    ``only``: indices of the codes to scan (default every code).
    """
    parts: dict[str, list] = {k: [] for k in ("code", "ans", "s", "e", "rule", "neg")}
    for ci, cm in enumerate(comp.codes):
        if only is not None and ci not in only:
            continue
        found = []
        for u, (pattern, prefilter) in enumerate(cm.units):
            cand = candidates(corpus, prefilter)
            if cm.unit_context and cm.unit_context[u] is not None and len(cand):
                cand = np.intersect1d(cand, candidates(corpus, cm.unit_context[u]), assume_unique=True)
            found.append(scan_subset(corpus, pattern, cand, original=False))
        if cm.regex is not None:
            found.append(scan_subset(corpus, cm.regex, np.arange(len(corpus.low)), original=True))
        found = [f for f in found if len(f[0])]
        if not found:
            continue
        gs = np.concatenate([f[0] for f in found])
        ge = np.concatenate([f[1] for f in found])
        marks = [m for f in found for m in f[2]]
        rule_idx = np.fromiter((cm.rule_of[m] for m in marks), dtype=np.int64, count=len(marks))
        order = np.lexsort((-(ge - gs), gs))
        gs, ge, rule_idx = gs[order], ge[order], rule_idx[order]
        # every candidate match is judged alone first: rule conditions (negation-sensitive
        # rules, context, position) ...
        neg = negated(corpus, gs, comp.window)
        keep = ~(cm.sensitive[rule_idx] & neg) & (ge > gs)
        if cm.contexts:
            ctx_idx = cm.context_of[rule_idx]
            for k, ctx in enumerate(cm.contexts):
                sel = np.flatnonzero(keep & (ctx_idx == k))
                if len(sel):
                    keep[sel[~context_ok(corpus, ctx, gs[sel], ge[sel])]] = False
        if cm.start_only.any():
            sel = np.flatnonzero(keep & cm.start_only[rule_idx])
            if len(sel):
                keep[sel[~at_clause_start(corpus, gs[sel])]] = False
        ans, ls = locate(corpus, gs)
        if cm.excludes and keep.any():
            hit_answers = np.unique(ans[keep])
            for ex_pat, original, scope, ex_filter in cm.excludes:
                where = hit_answers
                if ex_filter is not None:
                    where = np.intersect1d(where, candidates(corpus, ex_filter), assume_unique=True)
                xs, xe, _ = scan_subset(corpus, ex_pat, where, original=original)
                if len(xs) == 0:
                    continue
                if scope == "overlap":
                    o = np.argsort(xs, kind="stable")
                    xs, xe = xs[o], np.maximum.accumulate(xe[o])
                    j = np.searchsorted(xs, ge, side="left") - 1
                    keep &= ~((j >= 0) & (xe[np.clip(j, 0, None)] > gs))
                elif scope == "clause":
                    # only matches in answers with an exclusion hit can share its clause
                    near = np.flatnonzero(np.isin(ans, locate(corpus, xs)[0]))
                    veto = np.isin(clause_of(corpus, gs[near]), clause_of(corpus, xs))
                    keep[near[veto]] = False
                else:
                    keep &= ~np.isin(ans, locate(corpus, xs)[0])
        # ... and exclusions, then matches of one code never overlap: keep the earliest (then
        # longest), apart for question-restricted rules (resolved once the question is known)
        qr = cm.question_rule[rule_idx]
        for group in (keep & ~qr, keep & qr):
            idx = np.flatnonzero(group)
            if len(idx) > 1:
                prev_end = np.maximum.accumulate(ge[idx])
                drop = np.zeros(len(idx), dtype=bool)
                drop[1:] = gs[idx[1:]] < prev_end[:-1]
                keep[idx[drop]] = False
        gs, ge, rule_idx, neg, keep = gs[keep], ge[keep], rule_idx[keep], neg[keep], keep[keep]
        ans, ls = locate(corpus, gs)
        parts["code"].append(np.full(int(keep.sum()), ci, dtype=np.int64))
        parts["ans"].append(ans[keep])
        parts["s"].append(ls[keep])
        parts["e"].append((ls + (ge - gs))[keep])
        parts["rule"].extend(cm.labels[r] for r in rule_idx[keep].tolist())
        parts["neg"].append(neg[keep])
    out: dict[str, np.ndarray | list] = {}
    for key, v in parts.items():
        if key == "rule":
            out[key] = v
        else:
            out[key] = np.concatenate(v) if v else np.zeros(0, dtype=bool if key == "neg" else np.int64)
    return out


def lexicon_terms(corpus: Corpus, comp: Compiled) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Valence lexicon terms (global start, end, polarity) not covered by a ``neutral`` or
    ``circumstance`` phrase (circumstances are returned too, with polarity
    ``"circumstance"``), and the end positions of the negation cues free to negate them (a cue
    inside any lexicon term, neutral ones included, is used up by it: "never got", "no
    problem")."""
    empty = np.zeros(0, np.int64)
    if comp.valence is None or len(corpus.rows) == 0:
        return empty, empty, np.zeros(0, dtype=object), corpus.cue_end
    gs, ge, marks = scan(comp.valence, corpus.big)
    pol = np.array([comp.polarity_of[m] for m in marks], dtype=object)
    ns, ne = empty, empty
    circ = np.zeros(0, dtype=bool)
    if comp.valence_mask is not None:
        ns, ne, nmarks = scan(comp.valence_mask, corpus.big)
        circ = np.array([m[0] == "c" for m in nmarks], dtype=bool)
    spans_s, spans_e = np.concatenate([gs, ns]), np.concatenate([ge, ne])
    o = np.argsort(spans_s, kind="stable")
    cue_end = free_cues(corpus, spans_s[o], spans_e[o])
    if len(ns) and len(gs):
        ne_max = np.maximum.accumulate(ne)
        j = np.searchsorted(ns, ge, side="left") - 1
        masked = (j >= 0) & (ne_max[np.clip(j, 0, None)] > gs)
        gs, ge, pol = gs[~masked], ge[~masked], pol[~masked]
    if circ.any():
        gs = np.concatenate([gs, ns[circ]])
        ge = np.concatenate([ge, ne[circ]])
        pol = np.concatenate([pol, np.full(int(circ.sum()), "circumstance", dtype=object)])
        o = np.argsort(gs, kind="stable")
        gs, ge, pol = gs[o], ge[o], pol[o]
    return gs, ge, pol, cue_end


def free_cues(corpus: Corpus, gs: np.ndarray, ge: np.ndarray) -> np.ndarray:
    """End positions of the negation cues that are not part of a lexicon term (``gs``
    sorted)."""
    cs, ce = corpus.cue_start, corpus.cue_end
    if len(cs) == 0 or len(gs) == 0:
        return ce
    ge_max = np.maximum.accumulate(ge)
    j = np.searchsorted(gs, cs, side="right") - 1   # last term starting at or before the cue
    inside = (j >= 0) & (ce <= ge_max[np.clip(j, 0, None)])  # the whole cue lies in a term
    return ce[~inside]


# ------------------------------------------------------------------------------------------
# rule context (requires) and position
# ------------------------------------------------------------------------------------------
def _context_hits(corpus: Corpus, ctx: ContextMatcher, answers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Global (start, end) of the context's matches in the given kept answers."""
    starts, ends = [], []
    if ctx.phrases is not None:
        where = answers
        if ctx.prefilter is not None:
            where = np.intersect1d(where, candidates(corpus, ctx.prefilter), assume_unique=True)
        s, e, _ = scan_subset(corpus, ctx.phrases, where, original=False)
        starts.append(s)
        ends.append(e)
    if ctx.regex is not None:
        s, e, _ = scan_subset(corpus, ctx.regex, answers, original=True)
        starts.append(s)
        ends.append(e)
    if not starts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    s, e = np.concatenate(starts), np.concatenate(ends)
    o = np.argsort(s, kind="stable")
    return s[o], e[o]


def context_ok(corpus: Corpus, ctx: ContextMatcher, gs: np.ndarray, ge: np.ndarray) -> np.ndarray:
    """Whether each match (global start/end) has the context it requires.

    ``clause``: a context match in the same clause; ``answer``: anywhere in the same answer;
    ``window``: a context match (not the match itself) at most ``within`` words before the
    match's start or after its end, in the same answer.
    """
    out = np.zeros(len(gs), dtype=bool)
    if len(gs) == 0:
        return out
    ans, _ = locate(corpus, gs)
    xs, xe = _context_hits(corpus, ctx, np.unique(ans))
    if len(xs) == 0:
        return out
    if ctx.scope == "answer":
        return np.isin(ans, locate(corpus, xs)[0])
    if ctx.scope == "clause":
        return np.isin(clause_of(corpus, gs), clause_of(corpus, xs))
    xans = locate(corpus, xs)[0]
    big = corpus.big
    findall = _WORD.findall
    for i in range(len(gs)):
        a, s, e = ans[i], int(gs[i]), int(ge[i])
        lo = np.searchsorted(xans, a, side="left")
        hi = np.searchsorted(xans, a, side="right")
        for j in range(lo, hi):
            cs, ce = int(xs[j]), int(xe[j])
            if cs >= s and ce <= e:
                continue  # the match itself
            if ce <= s:
                gap = len(findall(big, ce, s))
            elif cs >= e:
                gap = len(findall(big, e, cs))
            else:
                gap = 0  # overlapping but not inside: adjacent enough
            if gap <= ctx.within:
                out[i] = True
                break
    return out


_HAS_WORD = re.compile(r"\w")


def at_clause_start(corpus: Corpus, gs: np.ndarray) -> np.ndarray:
    """Whether each match opens its clause: only punctuation, spaces or the clause's opening
    boundary (a contrast word) stand between the clause start and the match."""
    out = np.zeros(len(gs), dtype=bool)
    if len(gs) == 0:
        return out
    cs = clause_of(corpus, gs)
    big = corpus.big
    match = corpus._clause.match
    for i in range(len(gs)):
        a, b = int(cs[i]), int(gs[i])
        m = match(big, a, b)
        if m is not None and m.end() > a:
            a = m.end()
        out[i] = _HAS_WORD.search(big, a, b) is None
    return out
