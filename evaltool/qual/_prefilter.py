"""RE2 prefilters for phrases: which answers can a phrase possibly match? (private)

For each phrase this module finds a small set of RE2 regular expressions (*fragments*) such
that every text the phrase matches contains a match of at least one fragment. The engine ORs
the fragments of all the phrases of a code and keeps, with one vectorised RE2 pass over all
answers (``pyarrow.compute.match_substring_regex``), only the answers worth scanning with the
code's (Python) phrase expression.

A fragment is a whole word of the phrase — its letters, its optional separators and
apostrophes, a word boundary at each end unless the word ends in ``*`` — or two adjacent words
("on with", "the call") when that is rarer than any single word. The fragments are a
*superset* test: RE2's ``\\b`` and ``\\W`` are ASCII-only, which can only let more answers
through (a letter such as "é" counts as a non-word character there), never fewer.
"""

from __future__ import annotations

import re
from itertools import pairwise, product

from . import _patterns as P

__all__ = ["Fragments", "fragments_cost", "ordered_prefilter", "phrase_fragments"]

Fragments = frozenset[tuple[str, float]]
"""(RE2 fragment, estimated share of answers it lets through)."""

MAX_PAIRS = 48
_ASCII_WORD = re.compile(r"[A-Za-z0-9_]")
_APOS_CLASS = "['’‘`´]?"


def _word(word: str) -> tuple[str, str, bool, bool] | None:
    """(fragment, literal letters, ends in a stem, starts with an ASCII word char)."""
    parts: list[str] = []
    lit = ""
    stem = False
    for a in P._word_atoms(word):
        if isinstance(a, str):
            parts.append(re.escape(a))
            lit += a
        elif a == P.STEM:
            stem = True
            break
        elif a == P.SEP:
            parts.append(r"\W+")
        elif a == P.OSEP:
            parts.append(r"\W*")
        else:  # APOS
            parts.append(_APOS_CLASS)
    if not lit:
        return None
    return "".join(parts), lit, stem, bool(_ASCII_WORD.match(lit[0]))


def _share(lit: str, bounded_end: bool) -> float:
    f = 0.5 if lit in P._STOP else {1: 0.5, 2: 0.2, 3: 0.03, 4: 0.01, 5: 0.005}.get(len(lit), 0.003)
    return f if (lit in P._STOP or not bounded_end) else f / 2


def _single(word: str) -> tuple[str, float, str, bool] | None:
    """Fragment and cost of one word; also its body (no boundaries) and whether it ends in a stem."""
    got = _word(word)
    if got is None:
        return None
    body, lit, stem, ascii_start = got
    lead = r"\b" if ascii_start else ""
    trail = "" if stem or not _ASCII_WORD.match(lit[-1]) else r"\b"
    cost = _share(lit, bool(trail))
    if not lead:
        cost = min(1.0, 3 * cost)
    return lead + body + trail, cost, body, stem


def _edge_words(item: object, last: bool) -> list[str] | None:
    """The words an element can end with (``last``) or start with: a word, or the edge words
    of a group whose options are plain word sequences."""
    if isinstance(item, str):
        return [item]
    if isinstance(item, P._Group) and not item.optional and all(
            a and all(isinstance(w, str) for w in a) for a in item.alts):
        return sorted({a[-1] if last else a[0] for a in item.alts})  # type: ignore[misc]
    return None


def _pair(left: list[str], right: list[str]) -> Fragments | None:
    if len(left) * len(right) > MAX_PAIRS:
        return None
    out = set()
    for a, b in product(left, right):
        sa, sb = _single(a), _single(b)
        if sa is None or sb is None:
            return None
        frag_a, cost_a, _, stem_a = sa
        frag_b, cost_b, _, _ = sb
        head = frag_a.removesuffix(r"\b") + (r"\w*" if stem_a else "")
        tail = frag_b.removeprefix(r"\b")
        out.add((head + r"\W+" + tail, cost_a * cost_b))
    return frozenset(out)


def fragments_cost(frags: Fragments) -> float:
    """Estimated share of answers a set of fragments lets through (lower is better)."""
    return sum(c for _, c in frags)


def _seq(seq: list[object] | tuple[object, ...]) -> Fragments | None:
    best: Fragments | None = None

    def consider(cand: Fragments | None) -> None:
        nonlocal best
        if cand and (best is None or fragments_cost(cand) < fragments_cost(best)):
            best = cand

    for item in seq:
        if isinstance(item, str):
            one = _single(item)
            consider(None if one is None else frozenset([(one[0], one[1])]))
        elif isinstance(item, P._Group) and not item.optional:
            parts = [_seq(a) for a in item.alts]
            if all(p is not None for p in parts):
                consider(frozenset().union(*parts))  # type: ignore[arg-type]
    for a, b in pairwise(seq):
        left, right = _edge_words(a, last=True), _edge_words(b, last=False)
        if left is not None and right is not None:
            consider(_pair(left, right))
    return best


def phrase_fragments(phrase: str) -> Fragments | None:
    """RE2 fragments one of which matches inside every match of ``phrase`` (None: no usable one)."""
    return _seq(P.parse_phrase(phrase))


def ordered_prefilter(phrase: str) -> str | None:
    """An RE2 pattern every text the phrase matches must match, built from its first and last
    required elements in order (``first.*last``): far more selective than one fragment when
    the first words are common ("more … examples", "as a … physio"). None: no usable pair."""
    seq = [item for item in P.parse_phrase(phrase)
           if isinstance(item, str) or (isinstance(item, P._Group) and not item.optional)]
    if len(seq) < 2:
        return None
    first, last = _seq([seq[0]]), _seq([seq[-1]])
    if first is None or last is None:
        return None
    a = "|".join(sorted({f for f, _ in first}))
    b = "|".join(sorted({f for f, _ in last}))
    return f"(?s:(?:{a}).*(?:{b}))"
