r"""The rule engine behind :func:`evaltool.qual.code` (compiled codebooks and corpus scans).

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

Where the ``google-re2`` package is installed, each unit (and each code's user regexes, the
negation cues and the valence mask) is also compiled for RE2 and scanned by it instead of steps
1–2 (:func:`re2_pattern`: the same expression without its lookaheads — the first-character
hints are dropped, ``(?!\w)`` after a word becomes ``\b``, and a gap word that must not be a
contrast word becomes a regular expression for "any word but these"), without capture groups
and without the empty named groups that mark the phrases (RE2 pays for every named group on
every call, ~20 µs per match for a large unit). RE2 finds the match spans over the whole corpus in linear time; the
Python pattern, anchored at each match start, says which phrase fired. RE2's ``\w`` and
``\b`` are ASCII, Python's are Unicode, so answers with a non-ASCII letter or digit are
blanked out of the RE2 scan and scanned by the Python pattern (same results either way:
``tests/test_qual_prefilter.py`` compares the two paths).
"""

from __future__ import annotations

import contextlib
import re
import threading

import numpy as np

from . import _compile as _C
from ._compile import (  # noqa: F401 - the engine's names, used as E.<name> across qual/
    _WORD,
    JOIN,
    NEVER,
    CodeMatcher,
    Compiled,
    ContextMatcher,
    _normalise_empty,
    _not_in,
    _re2,
    compile_codebook,
    re2_pattern,
)
from ._corpus import (  # noqa: F401 - the engine's names, used as E.<name> across qual/
    Corpus,
    build_corpus,
    candidates,
    clause_of,
    empty_flags,
    locate,
    negated,
    scan,
    scan_all,
    scan_re2,
    scan_subset,
    scan_where,
    where_re2,
)

USE_RE2 = _C._re2 is not None
"""Whether units are scanned with RE2 (tests switch it off to compare the two paths)."""
# RE2 for every unit where it is installed (and accepts the unit, see re2_pattern). Once the
# phrase markers are dropped from the RE2 form (each cost RE2 ~20 µs per match), RE2 scans the
# benchmark corpus faster than the prefiltered Python trie for 32 of the 36 units of the
# default codebook, and its state cache makes it cheaper per answer the more answers there are;
# the Python pattern is run only anchored at each match to name the phrase.


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
        found = _scan_code(corpus, cm)
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
        # rules, context, position) and exclusions ...
        neg, keep = _judge(corpus, comp, cm, gs, ge, rule_idx)
        # ... then matches of one code never overlap: keep the earliest (then longest), apart
        # for question-restricted rules (resolved once the question is known)
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


def _re2_sources(comp: Compiled) -> list[tuple[str, bool]]:
    """(source, ignore case) of every pattern the scans of ``comp`` run with RE2."""
    out = [(pattern.pattern, False) for cm in comp.codes for pattern, _ in cm.units]
    for cm in comp.codes:
        if cm.regex is not None:
            out.append((cm.regex.pattern, True))
        out += [(ex.pattern, bool(ex.flags & re.IGNORECASE)) for ex, *_ in cm.excludes]
        for ctx in cm.contexts:
            out += [(p.pattern, bool(p.flags & re.IGNORECASE)) for p in (ctx.phrases, ctx.regex) if p is not None]
    # the corpus-wide scans (negation cues; the valence mask)
    out += [(scan.pattern, False) for scan in (comp.negation, comp.valence_mask) if scan is not None]
    return out


_WARM = threading.Lock()
_WARMING: list[threading.Thread] = []   # the background warm-up started, if any


def warm_re2(comp: Compiled) -> None:
    """Compile every RE2 pattern the scans of ``comp`` will use (cached), forward and reverse
    programs, e.g. before forking workers, which then inherit them instead of each compiling
    them again (~0.5 s forward; the reverse program, which RE2 builds on a pattern's first
    match to find where it starts, ~0.3 s more per worker). Safe to call from several
    threads (:func:`warm_re2_soon`); done once per ``comp``. Called from another thread, it
    also waits for the background thread to end (no thread is left running at a fork)."""
    if not USE_RE2:
        return
    wait_warm()
    with _WARM:
        if getattr(comp, "_re2_warm", False):
            return
        for src, ignorecase in _re2_sources(comp):
            fast = re2_pattern(src, ignorecase)
            size = getattr(getattr(fast, "_regexp", None), "ReverseProgramSize", None)
            if size is not None:
                size()
        comp._re2_warm = True  # type: ignore[attr-defined]


def wait_warm() -> None:
    """Wait for the background warm-up (:func:`warm_re2_soon`) to end, if one runs and this
    is not it."""
    for thread in [t for t in _WARMING if t is not threading.current_thread()]:
        thread.join()
        with contextlib.suppress(ValueError):
            _WARMING.remove(thread)


def warm_re2_soon(comp: Compiled) -> threading.Thread | None:
    """:func:`warm_re2` in a background thread (RE2 compiles without the GIL, so it runs
    beside the caller's work): join it, or call :func:`warm_re2` (which waits for it),
    before forking."""
    if not USE_RE2 or getattr(comp, "_re2_warm", False):
        return None
    thread = threading.Thread(target=warm_re2, args=(comp,), name="evaltool-re2-warm", daemon=True)
    _WARMING.append(thread)
    thread.start()
    return thread


def _scan_code(corpus: Corpus, cm: CodeMatcher) -> list[tuple[np.ndarray, np.ndarray, list[str]]]:
    """Every candidate match of one code's units and user regexes (spans and markers)."""
    found = []
    for u, (pattern, prefilter) in enumerate(cm.units):
        fast = re2_pattern(pattern.pattern) if USE_RE2 else None
        if fast is not None:
            found.append(scan_re2(corpus, pattern, fast, original=False))
            continue
        cand = candidates(corpus, prefilter)
        if cm.unit_context and cm.unit_context[u] is not None and len(cand):
            cand = np.intersect1d(cand, candidates(corpus, cm.unit_context[u]), assume_unique=True)
        found.append(scan_subset(corpus, pattern, cand, original=False))
    if cm.regex is not None:
        fast = re2_pattern(cm.regex.pattern, True) if USE_RE2 else None
        if fast is not None:
            found.append(scan_re2(corpus, cm.regex, fast, original=True))
        else:
            found.append(scan_subset(corpus, cm.regex, np.arange(len(corpus.low)), original=True))
    return found


def _judge(corpus: Corpus, comp: Compiled, cm: CodeMatcher, gs: np.ndarray, ge: np.ndarray,
           rule_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(negated, kept) per candidate match: rule conditions, then the code's exclusions."""
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
    if cm.excludes and keep.any():
        _exclude(corpus, cm, gs, ge, keep)
    return neg, keep


def _exclude(corpus: Corpus, cm: CodeMatcher, gs: np.ndarray, ge: np.ndarray, keep: np.ndarray) -> None:
    """Veto (in ``keep``) the matches an exclusion pattern overlaps, shares a clause or an answer with."""
    ans, _ = locate(corpus, gs)
    hit_answers = np.unique(ans[keep])
    for ex_pat, original, scope, ex_filter in cm.excludes:
        where = hit_answers
        if ex_filter is not None and where_re2(corpus, ex_pat, where) is None:
            where = np.intersect1d(where, candidates(corpus, ex_filter), assume_unique=True)
        xs, xe, _ = scan_where(corpus, ex_pat, where, original=original)
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


def lexicon_terms(corpus: Corpus, comp: Compiled) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Valence lexicon terms (global start, end, polarity) not covered by a ``neutral`` or
    ``circumstance`` phrase (circumstances are returned too, with polarity
    ``"circumstance"``), and the end positions of the negation cues free to negate them (a cue
    inside any lexicon term, neutral ones included, is used up by it: "never got", "no
    problem")."""
    empty = np.zeros(0, np.int64)
    if comp.valence is None or len(corpus.rows) == 0:
        return empty, empty, np.zeros(0, dtype=object), corpus.cue_end
    gs, ge, marks = scan(comp.valence, corpus.big)  # Python: RE2 builds its automaton for the
    # lexicon (500k instructions) slower than Python scans 10k answers; the mask and cues use RE2
    pol = np.array([comp.polarity_of[m] for m in marks], dtype=object)
    ns, ne = empty, empty
    circ = np.zeros(0, dtype=bool)
    if comp.valence_mask is not None:
        ns, ne, nmarks = scan_all(corpus, comp.valence_mask)
        circ = np.array([m[0] == "c" for m in nmarks], dtype=bool)
    spans_s, spans_e = np.concatenate([gs, ns]), np.concatenate([ge, ne])
    o = np.argsort(spans_s, kind="stable")
    cue_end = free_cues(corpus, spans_s[o], spans_e[o])
    if len(ns) and len(gs):
        ne_max = np.maximum.accumulate(ne)
        j = np.searchsorted(ns, ge, side="left") - 1
        masked = (j >= 0) & (ne_max[np.clip(j, 0, None)] > gs)
        # a term that holds a whole neutral phrase and more says more than it ("would love a
        # reunion" is not masked by "would love a"): it is not masked by that phrase
        longest = int((ne - ns).max())
        for i in np.flatnonzero(masked).tolist():
            a, b = int(gs[i]), int(ge[i])
            lo, hi = np.searchsorted(ns, a - longest, side="left"), np.searchsorted(ns, b, side="left")
            s_, e_ = ns[lo:hi], ne[lo:hi]
            over = e_ > a
            if over.any() and ((s_[over] >= a) & (e_[over] <= b) & ((e_[over] - s_[over]) < b - a)).all():
                masked[i] = False
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
CONTEXT_SHARE = 0.25
"""A rule's context is scanned by RE2 over the whole corpus when the answers to check hold
at least this share of them (:func:`evaltool.qual._corpus.where_re2`)."""


def _context_hits(corpus: Corpus, ctx: ContextMatcher, answers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Global (start, end) of the context's matches in the given kept answers."""
    starts, ends = [], []
    if ctx.phrases is not None:
        where = answers
        if ctx.prefilter is not None and where_re2(corpus, ctx.phrases, where, CONTEXT_SHARE) is None:
            where = np.intersect1d(where, candidates(corpus, ctx.prefilter), assume_unique=True)
        s, e, _ = scan_where(corpus, ctx.phrases, where, original=False, share=CONTEXT_SHARE)
        starts.append(s)
        ends.append(e)
    if ctx.regex is not None:
        s, e, _ = scan_where(corpus, ctx.regex, answers, original=True, share=CONTEXT_SHARE)
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
