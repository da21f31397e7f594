"""The phrase syntax of codebook rules, and its compilation into fast regular expressions.

A *phrase* is what a codebook author writes; it is matched case-insensitively against the
answer, word by word, tolerant of punctuation:

* words are separated by spaces; in the text any run of spaces or punctuation may stand
  between them (``one to one`` matches "one-to-one", "one to one", "One, to one");
* a hyphen inside a word makes the separator optional (``short-staffed`` matches
  "short staffed", "short-staffed" and "shortstaffed");
* an apostrophe inside a word is optional and may be straight or curly (``didn't`` matches
  "didnt", "didn't", "didn’t");
* other punctuation inside a word needs some separator in the text (``1:1`` matches "1:1",
  "1-1", "1 1" but not "11");
* ``*`` at the end of a word matches any ending (``stress*`` → "stress", "stressed",
  "stressful");
* ``(a|b c|d)`` gives alternatives (each may be several words), ``(...)?`` makes them
  optional;
* ``~N`` stands for up to N other words of the same clause (not across ``. ! ? ;``, a new line
  or a contrast word such as "but").

Phrases match whole words only. They are expanded into literal alternatives and merged into a
character trie, so that one regular expression per code scans all answers at once; which
phrase fired is recovered from an empty named group at the end of each alternative
(``Match.lastgroup``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import cast

from ._trie import _END, STEM, _char_rank, _order, compile_trie

__all__ = ["PhraseError", "check_phrase", "compile_trie", "parse_phrase", "phrase_atoms", "phrase_regex",
           "trie_chars"]

MAX_EXPANSIONS = 5000

# separators never match "\x00", which evaltool uses to join answers into one corpus
SEP = ("SEP", r"[^\w\x00]+")
OSEP = ("OSEP", r"[^\w\x00]*")
APOS = ("APOS", r"['’‘`´]?")
CLAUSE_BLOCKERS = ("but", "however", "although", "though", "whereas", "yet", "except")
_GAP_SEP = r"[^\w.!?;\n\x00]+"
_GAP_WORD = r"(?!(?:" + "|".join(CLAUSE_BLOCKERS) + r")\b)\w+"


def gap_atom(n: int) -> tuple[str, str]:
    return ("GAP", f"(?:{_GAP_SEP}{_GAP_WORD}){{0,{n}}}{_GAP_SEP}")


class PhraseError(ValueError):
    """A phrase does not follow the phrase syntax (message says why)."""


@dataclass(frozen=True)
class _Gap:
    n: int


@dataclass(frozen=True)
class _Group:
    alts: tuple[tuple[object, ...], ...]
    optional: bool


# ------------------------------------------------------------------------------------------
# parsing: phrase -> sequence of words, gaps and groups
# ------------------------------------------------------------------------------------------
def _tokenize(phrase: str) -> list[str]:
    tokens: list[str] = []
    buf = ""
    for ch in phrase:
        if ch in "()|":
            if buf:
                tokens.append(buf)
                buf = ""
            tokens.append(ch)
        elif ch == "?" and tokens and tokens[-1] == ")" and not buf:
            tokens.append("?")
        elif ch.isspace():
            if buf:
                tokens.append(buf)
                buf = ""
        else:
            buf += ch
    if buf:
        tokens.append(buf)
    return tokens


def _parse_seq(tokens: list[str], i: int, depth: int) -> tuple[list[object], int]:
    """Parse a sequence until ')' or '|' (at depth > 0) or the end."""
    seq: list[object] = []
    while i < len(tokens):
        tok = tokens[i]
        if tok in (")", "|"):
            if depth == 0:
                raise PhraseError(f"unbalanced '{tok}'")
            return seq, i
        if tok == "(":
            alts, i = _parse_group(tokens, i + 1, depth + 1)
            optional = i < len(tokens) and tokens[i] == "?"
            if optional:
                i += 1
            alts = [a for a in alts if a]
            if alts:
                seq.append(_Group(tuple(tuple(a) for a in alts), optional))
        elif tok == "?":
            raise PhraseError("'?' must follow a closing parenthesis")
        elif re.fullmatch(r"~\d+", tok):
            n = int(tok[1:])
            if not 1 <= n <= 20:
                raise PhraseError(f"gap '{tok}' must allow 1 to 20 words")
            if depth > 0:
                raise PhraseError("a gap '~N' cannot be inside parentheses")
            seq.append(_Gap(n))
            i += 1
        else:
            if _word_atoms(tok):
                seq.append(tok)
            i += 1
    if depth > 0:
        raise PhraseError("missing ')'")
    return seq, i


def _parse_group(tokens: list[str], i: int, depth: int) -> tuple[list[list[object]], int]:
    options: list[list[object]] = []
    while True:
        seq, i = _parse_seq(tokens, i, depth)
        options.append(seq)
        if i >= len(tokens):
            raise PhraseError("missing ')'")
        if tokens[i] == "|":
            i += 1
            continue
        return options, i + 1  # tokens[i] == ")"


def parse_phrase(phrase: str) -> list[object]:
    """Parse a phrase into a sequence of words, gaps and groups; raise PhraseError."""
    if not isinstance(phrase, str) or not phrase.strip():
        raise PhraseError("is empty")
    seq, _ = _parse_seq(_tokenize(phrase.lower()), 0, 0)
    if not seq:
        raise PhraseError("has no word characters")
    if isinstance(seq[-1], _Gap):
        raise PhraseError("cannot end with a gap '~N'")
    for a, b in itertools.pairwise(seq):
        if isinstance(a, _Gap) and isinstance(b, _Gap):
            raise PhraseError("two gaps in a row; use one larger gap")
    return seq


@cache
def _word_atoms(word: str) -> tuple[object, ...]:
    """Atoms of one word: single characters, optional/required separators, apostrophe, stem
    (cached: a codebook repeats its words thousands of times across phrases)."""
    stem = word.endswith("*")
    core = word.rstrip("*")
    if "*" in core:
        raise PhraseError(f"'*' may only end a word (in '{word}')")
    core = re.sub(r"^[\W_]+|[\W_]+$", "", core)
    atoms: list[object] = []
    pending: tuple[str, str] | None = None
    for ch in core:
        if re.match(r"\w", ch) and ch != "_":
            if pending is not None and atoms:
                atoms.append(pending)
            pending = None
            atoms.append(ch)
        elif ch in "'’‘`´":
            pending = pending if pending in (SEP, OSEP) else APOS
        elif ch == "-":
            pending = SEP if pending == SEP else OSEP
        else:
            pending = SEP
    if stem and atoms:
        atoms.append(STEM)
    return tuple(atoms)


# ------------------------------------------------------------------------------------------
# rendering: the first word of each alternative becomes trie atoms, the rest one regex
# ------------------------------------------------------------------------------------------
def _atoms_regex(atoms: Sequence[object]) -> str:
    return "".join(re.escape(a) if isinstance(a, str) else cast(tuple[str, str], a)[1] for a in atoms)


def _render_seq(seq: list[object] | tuple[object, ...], lead_sep: bool) -> str:
    """Regex for a sequence; ``lead_sep``: a separator precedes its first element."""
    return _render_tuple(tuple(seq), lead_sep)


@cache
def _render_tuple(seq: tuple[object, ...], lead_sep: bool) -> str:
    # cached: phrase expansion renders the same rests and groups over and over
    out = []
    sep_next = lead_sep
    for n, item in enumerate(seq):
        prefix = SEP[1] if sep_next else ""
        if isinstance(item, _Gap):
            out.append(gap_atom(item.n)[1])
            sep_next = False
            continue
        if isinstance(item, str):
            out.append(prefix + _atoms_regex(_word_atoms(item)))
        elif isinstance(item, _Group):
            body = _render_group(item)
            if not item.optional:
                out.append(prefix + body)
            elif prefix or n == len(seq) - 1:
                out.append(f"(?:{prefix}{body})?")
            else:  # optional first element: its separator goes after it
                out.append(f"(?:{body}{SEP[1]})?")
                sep_next = False
                continue
        sep_next = True
    return "".join(out)


GROUP_TRIE = 8
"""A group with more alternatives than this (once nested groups are written out) is rendered
as a character trie: Python's regex engine tries the branches of an alternation one after
the other, a trie branches on one character at a time."""
_FLAT_LIMIT = 2000


def _flat(alt: tuple[object, ...] | list[object], limit: int = _FLAT_LIMIT) -> list[list[str]] | None:
    """The word sequences an alternative stands for (nested groups written out), or None when
    it has a gap or would give more than ``limit`` sequences."""
    out: list[list[str]] = [[]]
    for item in alt:
        if isinstance(item, str):
            out = [w + [item] for w in out]
        elif isinstance(item, _Group):
            options: list[list[str]] = [[]] if item.optional else []
            for a in item.alts:
                sub = _flat(a, limit)
                if sub is None:
                    return None
                options += sub
            out = [w + o for w in out for o in options]
        else:
            return None
        if len(out) > limit:
            return None
    return out


@cache
def _render_group(item: _Group) -> str:
    flat: list[list[str]] = []
    for a in item.alts:
        sub = _flat(a)
        if sub is None:
            flat = []
            break
        flat += sub
    flat = [w for w in flat if w]
    if len(flat) > GROUP_TRIE:
        seqs = []
        for words in flat:
            atoms: list[object] = []
            for n, w in enumerate(words):
                if n:
                    atoms.append(SEP)
                atoms.extend(_word_atoms(w))
            if atoms:
                seqs.append(tuple(atoms))
        return _atoms_trie(seqs, open_end=True)
    alts = sorted({_render_seq(a, False) for a in item.alts}, key=lambda r: (-len(r), r))
    return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"


def _heads(seq: list[object]) -> list[tuple[str, list[object]]]:
    """Split a sequence into (first word, rest) pairs, expanding leading groups."""
    if not seq:
        return []
    first, rest = seq[0], list(seq[1:])
    if isinstance(first, _Gap):
        raise PhraseError("cannot start with a gap '~N' (after leaving out optional words)")
    if isinstance(first, str):
        return [(first, rest)]
    if not isinstance(first, _Group):  # pragma: no cover - parse_phrase yields nothing else
        raise PhraseError("unexpected element")
    out: list[tuple[str, list[object]]] = []
    for alt in first.alts:
        out.extend(_heads(list(alt) + rest))
        if len(out) > MAX_EXPANSIONS:
            raise PhraseError(f"its first word has more than {MAX_EXPANSIONS} alternatives; split it")
    if first.optional:
        out.extend(_heads(rest))
    return out


EXPAND_LIMIT = 60
EXPAND_CHARS = 6000
"""Weak-word expansion also stops when the copies of the rest of the phrase would exceed this
many characters of regex (a long rest, such as a vocabulary, is not copied for every
alternative of a common first word: Python compiles the expression in time proportional to
its length)."""


def _weak(word: str) -> bool:
    """A word too common to end the literal part of an alternative (expand the next word)."""
    core = word.rstrip("*").lower()
    return core in _STOP or len(core) <= 3 or word.endswith("*")


@cache
def phrase_atoms(phrase: str) -> tuple[tuple[object, ...], ...]:
    """Trie input for a phrase: literal atoms of its first word(s) plus one RAW atom.

    Leading words are written out as literal atoms (so that the trie merges them across
    phrases and branches on single characters); while an alternative's last literal word is
    a common word, the next word is written out too, up to ``EXPAND_LIMIT`` alternatives per
    phrase. The RAW atom holds the regex of the rest of the phrase (ending in ``(?!\\w)``).
    """
    entries = [([head], rest) for head, rest in _heads(parse_phrase(phrase))]
    while True:
        grow = [i for i, (w, r) in enumerate(entries)
                if r and not isinstance(r[0], _Gap) and _weak(w[-1])]
        if not grow:
            break
        new: list[tuple[list[str], list[object]]] = []
        grown = False
        for i, (words, rest) in enumerate(entries):
            if i in grow:
                try:  # an optional word followed by a gap cannot be written out
                    heads = _heads(rest)
                except PhraseError:
                    heads = None
                if heads is not None:
                    new.extend((words + [h], r) for h, r in heads)
                    grown = True
                    continue
            new.append((words, rest))
        if not grown:
            break
        if len(new) > EXPAND_LIMIT or _rest_chars(new) > max(EXPAND_CHARS, _rest_chars(entries)):
            break
        entries = new
    out = []
    for words, rest in entries:
        atoms: list[object] = []
        for n, w in enumerate(words):
            if n:
                atoms.append(SEP)
            atoms.extend(_word_atoms(w))
        if rest:
            atoms.append(("RAW", _render_seq(rest, not isinstance(rest[0], _Gap)) + r"(?!\w)"))
        out.append(tuple(atoms))
    if not out:
        raise PhraseError("has no word characters")
    return tuple(out)


def _rest_chars(entries: list[tuple[list[str], list[object]]]) -> int:
    return sum(len(_render_seq(rest, True)) for _, rest in entries if rest)


@cache
def phrase_regex(phrase: str) -> str:
    """The phrase as one factored regular expression: a character trie of its first words
    followed, once, by the rest they share (no copy of the rest per first word). Used for
    phrases whose trie form would copy a long rest (typically a vocabulary) many times."""
    by_rest: dict[str, list[tuple[object, ...]]] = {}
    for head, rest in _heads(parse_phrase(phrase)):
        key = _render_seq(rest, not isinstance(rest[0], _Gap)) if rest else ""
        by_rest.setdefault(key, []).append(tuple(_word_atoms(head)))
    out = []
    for tail, heads in by_rest.items():
        first = "".join(sorted({re.escape(h[0]) for h in heads if h and isinstance(h[0], str)}))
        body = _atoms_trie(heads, open_end=bool(tail))
        out.append(rf"\b(?=[{first}])" + body + tail + (r"(?!\w)" if tail else ""))
    return out[0] if len(out) == 1 else "(?:" + "|".join(out) + ")"


def _atoms_trie(words: list[tuple[object, ...]], open_end: bool) -> str:
    """Regex of a set of atom sequences merged into a trie (no markers). A sequence that ends
    without a stem gets a word boundary unless ``open_end`` (a rest follows)."""
    trie: dict = {}
    for atoms in words:
        node = trie
        for a in atoms:
            node = node.setdefault(a, {})
        node[_END] = {}

    def gen(node: dict, after: object) -> str:
        parts = []
        keys = sorted((k for k in node if k != _END),
                      key=lambda k: (_order(k)[0], _char_rank(k, after is None) if isinstance(k, str) else 0,
                                     _order(k)[1]))
        for key in keys:
            piece = re.escape(key) if isinstance(key, str) else cast(tuple[str, str], key)[1]
            parts.append(piece + gen(node[key], key))
        if _END in node:
            parts.append("" if (open_end or after == STEM) else r"(?!\w)")
        if len(parts) == 1:
            return parts[0]
        return "(?:" + "|".join(parts) + ")"

    return gen(trie, None)


def trie_chars(phrase: str) -> int:
    """Characters of regex the trie form of a phrase adds (its rests, copied per head)."""
    return sum(len(a[-1][1]) for a in phrase_atoms(phrase) if a and isinstance(a[-1], tuple) and a[-1][0] == "RAW")


def check_phrase(phrase: str) -> None:
    """Raise PhraseError if a phrase does not follow the phrase syntax."""
    phrase_atoms(phrase)


def near_phrases(a: list[str], b: list[str], within: int, ordered: bool) -> list[str]:
    """Proximity rule → phrases ``(a…) ~N (b…)`` (and the reverse order unless ``ordered``)."""
    left = "(" + "|".join(a) + ")"
    right = "(" + "|".join(b) + ")"
    out = [f"{left} ~{within} {right}"]
    if not ordered:
        out.append(f"{right} ~{within} {left}")
    return out



# ------------------------------------------------------------------------------------------
# common words (a word is "weak" for trie expansion; prefilter costs in evaltool.qual._prefilter)
# ------------------------------------------------------------------------------------------
_STOP = frozenset(
    "a an the my our your their his her its i me we us you it to and of in on at is was were "
    "are be been for with not no so as or but have has had do did more very really just all "
    "this that d s t m ll re ve about after again also any because before being both by can "
    "could each few from get got how if into like make made many most much must need now off "
    "once only other out over own same should some such than then there these they those "
    "through too under until up what when where which while who why will would good great "
    "nice well help helped time work session sessions workshop training course day people "
    "feel felt think thought way things thing lot bit quite one two know see use used going "
    "love loved liked want able even still back take took "
    "give gave find found say said tell told let keep kept come came go went".split()
)


def lower_same_length(text: str) -> str:
    """``text.lower()`` but never changing the length (so offsets stay valid)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
