r"""Compiling a codebook for the rule engine (:mod:`evaltool.qual._engine`).

Every code's phrases become a few regular expressions (tries on their first words, see
:mod:`evaltool.qual._patterns`) with an RE2 prefilter each; negation cues, clause
boundaries, the valence lexicon and the per-question settings are compiled alongside. A
compiled codebook is cached per process, by object and by content, and on disk
(:mod:`evaltool.qual._compile_cache`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from . import _compile_cache as _cache
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


# ------------------------------------------------------------------------------------------
# RE2 (optional)
# ------------------------------------------------------------------------------------------
def _not_in(words: Sequence[str]) -> str:
    r"""A regular expression for one word (``\w+``, maximal in context) that is none of
    ``words`` — what ``(?!(?:w1|w2)\b)\w+`` says, without a lookahead."""
    trie: dict[str, dict] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node["$"] = {}

    def gen(node: dict, root: bool) -> str:
        kids = sorted(k for k in node if k != "$")
        parts = ["[^\\W" + "".join(re.escape(k) for k in kids) + "]\\w*"] if kids else ["\\w+"]
        parts += [re.escape(k) + gen(node[k], False) for k in kids]
        if not root and "$" not in node:
            parts.append("")
        return "(?:" + "|".join(parts) + ")"

    return gen(trie, True)


_NAMED_GROUP = re.compile(r"(?<!\\)\(\?P<\w+>")


def _re2_source(src: str) -> str | None:
    """``src`` rewritten for RE2, or None when it keeps a construct RE2 lacks."""
    out = re.sub(r"\(\?=\[[^\]]*\]\)", "", src)             # first-character hints
    out = out.replace(P._GAP_WORD, _not_in(P.CLAUSE_BLOCKERS))
    out = out.replace(r"(?!\w)", r"\b")
    # named groups become plain groups: RE2 never captures here (the Python pattern names
    # the phrase), and each named group costs RE2 time on every call (measured: ~24 µs per
    # match for a unit with ~600 phrase markers, 0.6 µs without them)
    out = _NAMED_GROUP.sub("(?:", out)
    for ch in "’‘´":
        out = out.replace(ch, "'")
    if not out.isascii() or "\\x01" in out or "\x01" in out or "(?=" in out or "(?!" in out or "(?<" in out or re.search(r"\\[1-9]", out):
        return None
    return out


try:  # pragma: no cover - depends on the installation
    import re2 as _re2
except ImportError:  # pragma: no cover
    _re2 = None


@lru_cache(maxsize=1024)
def re2_pattern(src: str, ignorecase: bool = False) -> Any:
    """An RE2 pattern (no capture groups) equivalent to ``src`` on ASCII text, or None."""
    if _re2 is None:
        return None
    out = _re2_source(src)
    if out is None:
        return None
    try:
        opts = _re2.Options()
        opts.never_capture = True
        opts.log_errors = False
        opts.case_sensitive = not ignorecase
        opts.max_mem = 256 << 20
        return _re2.compile(out, opts)
    except Exception:  # pragma: no cover - RE2 refused it: the Python pattern scans
        return None


def _trie(alternatives: Sequence[tuple[Sequence[object], str]]) -> re.Pattern[str] | None:
    if not alternatives:
        return None
    return _cache.compile_re(P.compile_trie(alternatives))


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
    attempt_start: re.Pattern[str] | None = None
    proposal_codes: list[int] = field(default_factory=list)


def _any_regex(patterns: list[str]) -> re.Pattern[str]:
    return _cache.compile_re("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


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


class _CodeBuilder:
    """Collects one code's rules into units, labels and conditions (see :func:`_compile_code`)."""

    def __init__(self) -> None:
        self.groups: dict[object, dict[bool, list[tuple[tuple[object, ...], str]]]] = {}
        self.anchors: dict[object, dict[bool, set[tuple[str, float]] | None]] = {}
        self.factored: dict[object, list[str]] = {}
        self.factored_anchors: dict[object, list[str] | None] = {}
        self.group_context: dict[object, str | None] = {}
        self.regex_parts: list[str] = []
        self.rule_of: dict[str, int] = {}
        self.labels: list[str] = []
        self.sensitive: list[bool] = []
        self.context_of: list[int] = []
        self.start_only: list[bool] = []
        self.contexts: list[ContextMatcher] = []
        self.question_of: dict[str, re.Pattern[str]] = {}
        self.counter = [0]
        self.ctx, self.start = -1, False
        self.group: int | None = None

    def label(self, name: str, sens: bool) -> int:
        self.labels.append(name)
        self.sensitive.append(sens)
        self.context_of.append(self.ctx)
        self.start_only.append(self.start)
        return len(self.labels) - 1

    def add(self, name: str, sens: bool, phrases: list[str]) -> None:
        k = self.label(name, sens)
        g = self.group
        alts = self.groups.setdefault(g, {True: [], False: []})
        anch = self.anchors.setdefault(g, {True: set(), False: set()})
        for p in phrases:
            found = F.phrase_fragments(p)
            if P.trie_chars(p) > FACTOR_CHARS:
                name = f"m{self.counter[0]}"
                self.counter[0] += 1
                self.factored.setdefault(g, []).append(f"(?:{P.phrase_regex(p)})(?P<{name}>)")
                self.rule_of[name] = k
                have_f = self.factored_anchors.get(g, [])
                pf = F.ordered_prefilter(p) or (None if found is None else _prefilter(set(found)))
                self.factored_anchors[g] = None if (pf is None or have_f is None) else [*have_f, pf]
                continue
            strong = found is not None and F.fragments_cost(found) <= STRONG_ANCHOR
            for a in _phrase_alts([p], "m", self.counter):
                alts[strong].append(a)
                self.rule_of[a[1]] = k
            have = anch[strong]
            anch[strong] = None if (found is None or have is None) else have | found

    def rule(self, n: int, rule: Any) -> None:
        sens = rule.negation_sensitive
        self.ctx = -1
        if rule.requires is not None:
            self.contexts.append(_compile_context(rule.requires))
            self.ctx = len(self.contexts) - 1
        self.start = rule.position == "clause_start"
        conditional = rule.requires is not None or rule.position != "any" or bool(rule.questions)
        self.group = n if conditional else None
        if rule.requires is not None:
            # every match needs its context in the same answer: scan only answers with one
            self.group_context[n] = self.contexts[-1].prefilter if not rule.requires.regex else None
        if rule.questions and rule.name:
            self.question_of[rule.name] = _any_regex(rule.questions)
        for p in rule.phrases:
            self.add(rule.name or f"phrase:{p}", sens, [p])
        for st in rule.stems:
            st = st.strip()
            st = st if st.endswith("*") else st + "*"
            self.add(rule.name or f"stem:{st}", sens, [st])
        if rule.near is not None:
            self.add(rule.name or rule.near.label(), sens, rule.near.phrases())
        for rx in rule.regex:
            k = self.label(rule.name or f"regex:{rx}", sens)
            name = f"x{self.counter[0]}"
            self.counter[0] += 1
            self.regex_parts.append(f"(?:{rx})(?P<{name}>)")
            self.rule_of[name] = k

    def units(self) -> tuple[list[tuple[re.Pattern[str], str | None]], list[str | None]]:
        """(pattern, prefilter) per unit, and each unit's context prefilter."""
        units = []
        unit_context: list[str | None] = []
        for g, alts in self.groups.items():
            for strong in (True, False):
                pattern = _trie(alts[strong])
                if pattern is not None:
                    units.append((pattern, _prefilter(self.anchors[g][strong])))
                    unit_context.append(self.group_context.get(g))
        for g, parts in self.factored.items():
            fa = self.factored_anchors[g]
            units.append((_cache.compile_re("|".join(parts)), None if fa is None else "|".join(f"(?:{x})" for x in fa)))
            unit_context.append(self.group_context.get(g))
        return units, unit_context


def _compile_code(code: Code) -> CodeMatcher:
    # Unconditional rules share one expression per code (a trie on their first words);
    # phrases with anchors are scanned only in answers that contain one (a second unit holds
    # phrases without usable anchors; see STRONG_ANCHOR). A rule with a context, a position or
    # a question restriction gets units of its own, so that a phrase it shares with another
    # rule is matched (and then kept or dropped) independently.
    b = _CodeBuilder()
    for n, rule in enumerate(code.rules):
        b.rule(n, rule)
    units, unit_context = b.units()
    return CodeMatcher(
        code=code.id, units=units, unit_context=unit_context,  # regex rules scan every answer
        regex=_cache.compile_re("|".join(b.regex_parts), re.IGNORECASE) if b.regex_parts else None,
        rule_of=b.rule_of, labels=b.labels,
        sensitive=np.array(b.sensitive, dtype=bool), excludes=_excludes(code),
        context_of=np.array(b.context_of, dtype=np.int64), contexts=b.contexts,
        start_only=np.array(b.start_only, dtype=bool), question_of=b.question_of,
        question_rule=np.array([lab in b.question_of for lab in b.labels], dtype=bool),
    )


def _excludes(code: Code) -> list[tuple[re.Pattern[str], bool, str, str | None]]:
    """(pattern, scans original text, scope, prefilter) of a code's exclusions."""
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
            excludes.append((_cache.compile_re("|".join(f"(?:{r})" for r in ex.regex), re.IGNORECASE),
                             True, str(ex.scope), None))
    return excludes


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
        regex=_cache.compile_re("|".join(f"(?:{r})" for r in regex), re.IGNORECASE) if regex else None,
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
    return _cache.compile_re(r"^\W*" + _OPENERS + r"(?:" + alts + r")(?![\w'’])", re.IGNORECASE)


def _normalise_empty(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.lower()).strip()


_CACHE: dict[int, tuple[Codebook, Compiled]] = {}
_BY_CONTENT: dict[str, Compiled] = {}


def _content_key(book: Codebook) -> str:
    import hashlib

    return hashlib.sha256(book.model_dump_json().encode("utf-8")).hexdigest()


def compile_codebook(book: Codebook) -> Compiled:
    """Compile (and cache) every pattern a codebook needs.

    Cached by object and by content (a SHA-256 of the codebook's JSON), so an equal codebook
    loaded again, or copied, is compiled once per process; and on disk, so that it is compiled
    once per machine (:mod:`evaltool.qual._compile_cache`: the user's cache folder, keyed by
    the codebook's content and the evaltool and Python versions; best effort)."""
    hit = _CACHE.get(id(book))
    if hit is not None and hit[0] is book:
        return hit[1]
    key = _content_key(book)
    compiled = _BY_CONTENT.get(key)
    if compiled is None:
        compiled = _cache.load(key)
    if compiled is None:
        compiled = _compile(book)
        _cache.save(key, compiled)
        if len(_BY_CONTENT) > 8:
            _BY_CONTENT.clear()
        _BY_CONTENT[key] = compiled
    if len(_CACHE) > 16:
        _CACHE.clear()
    _CACHE[id(book)] = (book, compiled)
    return compiled


def _compile(book: Codebook) -> Compiled:
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
    clause = _cache.compile_re(clause_src)
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
        attempt_start=_denial_start(book.valence.attempts),
        proposal_codes=[i for i, cm in enumerate(codes) if cm.code in set(book.valence.proposal_codes)],
    )
    return compiled
