r"""The scanned corpus of the rule engine (:mod:`evaltool.qual._engine`).

Non-empty answers are lower-cased (keeping every offset) and joined into one string; scans
return global positions, mapped back to (answer, offset) with ``numpy.searchsorted``.
Clauses and negation are decided on sorted position arrays.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import numpy as np

from . import _patterns as P
from ._compile import _WORD, JOIN, NEVER, Compiled, _normalise_empty


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
    _re2_view: tuple[bytes, bytes, np.ndarray] | None = None

    def re2_view(self) -> tuple[bytes, bytes, np.ndarray]:
        """(lower-cased, original) joined texts for RE2, as ASCII bytes with the same offsets:
        answers with a non-ASCII letter or digit (RE2's ``\\w`` is ASCII) are blanked to
        spaces and their indices returned (Python scans them); other non-ASCII characters
        become ``'`` (apostrophes) or ``\\x01`` (a non-word character no pattern names)."""
        if self._re2_view is None:
            bad: list[int] = []
            low, orig = list(self.low), list(self.orig)
            for i, t in enumerate(self.orig):
                if t.isascii():
                    continue
                if _unicode_word(t):
                    bad.append(i)
                    low[i] = orig[i] = " " * len(t)
                else:
                    low[i], orig[i] = low[i].translate(_ASCII), t.translate(_ASCII)
            self._re2_view = (JOIN.join(low).encode("ascii"), JOIN.join(orig).encode("ascii"),
                              np.array(bad, dtype=np.int64))
        return self._re2_view


class _AsciiTable(dict):
    """``str.translate`` table: apostrophes to ``'``, any other non-ASCII character to
    ``\\x01``."""

    def __missing__(self, key: int) -> str:
        value = chr(key) if key < 128 else ("'" if chr(key) in _APOSTROPHES else "\x01")
        self[key] = value
        return value


_APOSTROPHES = "’‘´"
_ASCII = _AsciiTable()


def _unicode_word(text: str) -> bool:
    """Whether a text has a non-ASCII character that Python's ``\\w`` counts as a word character."""
    return any(not ch.isascii() and (ch.isalnum() or ch == "_") for ch in text)


def _letters(text: str) -> int:
    return sum(map(str.isalpha, text))


def empty_flags(texts: list[str], comp: Compiled) -> np.ndarray:
    """Which answers are empty-ish: listed in ``empty_answers`` or with too few letters.

    Only answers shorter than 40 characters can be; each distinct short text is judged once
    (short answers repeat: "n/a", "Nothing")."""
    out = np.zeros(len(texts), dtype=bool)
    seen: dict[str, bool] = {}
    empty, min_letters = comp.empty, comp.min_letters
    for i, t in enumerate(texts):
        if len(t) >= 40:
            continue
        flag = seen.get(t)
        if flag is None:
            norm = _normalise_empty(t)
            flag = seen[t] = norm in empty or _letters(norm) < min_letters
        if flag:
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
    corpus._clause = comp.clause
    if negation:
        s, e, groups = scan_all(corpus, comp.negation)
        cue = np.fromiter((g[:1] == "c" for g in groups), dtype=bool, count=len(groups))
        corpus.cue_start, corpus.cue_end = s[cue], e[cue]
    return corpus


def scan_all(corpus: Corpus, pattern: re.Pattern[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Matches of ``pattern`` over the whole lower-cased corpus (global spans, the name of the
    group that fired): by RE2 where it is installed and accepts the pattern (the same matches,
    see :func:`scan_re2`), else by ``pattern`` alone."""
    fast = _re2_for(pattern.pattern)
    if fast is None or len(corpus.low) == 0:
        return scan(pattern, corpus.big)
    return scan_re2(corpus, pattern, fast, original=False)


def _re2_for(src: str) -> Any:
    from . import _engine as E

    return E.re2_pattern(src) if E.USE_RE2 else None


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


def scan_re2(corpus: Corpus, pattern: re.Pattern[str], fast: Any, original: bool,
             where: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Matches of ``pattern`` in every kept answer: RE2 (``fast``) finds the spans in the
    answers it may scan, ``pattern`` anchored at each start names the phrase; the other
    answers are scanned by ``pattern`` alone. Same result as :func:`scan_subset` on all
    answers. ``where`` (sorted indices of kept answers): only the matches in those answers,
    as :func:`scan_subset` on them gives (a match never crosses the separator of two
    answers, so an answer's matches do not depend on its neighbours)."""
    low_view, orig_view, rest = corpus.re2_view()  # ASCII bytes: byte offsets = str offsets
    text = corpus.big_orig if original else corpus.big
    view = orig_view if original else low_view
    starts = _re2_starts(fast, view)
    if where is not None:
        rest = np.intersect1d(rest, where, assume_unique=True)
        if len(starts):
            at = np.asarray(starts, dtype=np.int64)
            inside = np.zeros(len(corpus.low), dtype=bool)
            inside[where] = True
            starts = at[inside[np.searchsorted(corpus.starts, at, side="right") - 1]].tolist()
    # the Python pattern anchored at each start names the phrase (None: the two engines
    # disagree, which the tests rule out; trust Python)
    matched = list(map(pattern.match, repeat(text, len(starts)), starts))
    found = [m for m in matched if m is not None]
    if len(found) < len(matched):
        starts = [p for p, m in zip(starts, matched, strict=True) if m is not None]
    groups = [m.lastgroup or "" for m in found]
    if found:   # an anchored match starts where it was asked to: only its end is read
        s = np.array(starts, dtype=np.int64)
        e = np.fromiter(map(_END, found), dtype=np.int64, count=len(found))
        ans = np.searchsorted(corpus.starts, s, side="right") - 1
        ok = e <= corpus.starts[ans] + corpus.lengths[ans]
        s, e, groups = s[ok], e[ok], [g for g, k in zip(groups, ok.tolist(), strict=True) if k]
    else:
        s, e = np.zeros(0, np.int64), np.zeros(0, np.int64)
    if len(rest):
        s2, e2, g2 = scan_subset(corpus, pattern, rest, original=original)
        if len(s2):
            s, e, groups = np.concatenate([s, s2]), np.concatenate([e, e2]), groups + g2
            o = np.argsort(s, kind="stable")
            s, e, groups = s[o], e[o], [groups[i] for i in o.tolist()]
    return s, e, groups


def scan_where(corpus: Corpus, pattern: re.Pattern[str], where: np.ndarray, original: bool,
               share: float = 0.0) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """:func:`scan_subset` of the kept answers ``where`` (sorted), by RE2 over the whole
    corpus where it is installed and accepts the pattern (one linear pass in C++, the Python
    pattern run only at the matches in ``where``), else by the Python pattern on them. A
    pattern of the original text is case-insensitive (exclusion and context regexes)."""
    fast = where_re2(corpus, pattern, where, share)
    if fast is None:
        return scan_subset(corpus, pattern, where, original=original)
    return scan_re2(corpus, pattern, fast, original, where=where)


def where_re2(corpus: Corpus, pattern: re.Pattern[str], where: np.ndarray, share: float = 0.0) -> Any:
    """The RE2 pattern :func:`scan_where` scans with (None: the Python pattern): RE2 when it
    accepts the pattern and ``where`` holds at least ``share`` of the answers (a rule's
    context, 0.25: below that, RE2's matches in the other answers cost more than Python's
    scan of these; exclusions, 0: measured faster by RE2 at any share)."""
    from . import _engine as E

    if not E.USE_RE2 or len(where) == 0 or len(where) < share * len(corpus.low):
        return None
    return E.re2_pattern(pattern.pattern, bool(pattern.flags & re.IGNORECASE))


_END = operator.methodcaller("end")


def _re2_starts(fast: Any, view: bytes) -> list[int]:
    """Start of each match of the RE2 pattern ``fast`` in ``view`` (leftmost-first,
    non-overlapping, as ``finditer``), calling the compiled RE2 object directly where the
    binding exposes it (``finditer`` builds a match object per hit: a third of the scan)."""
    rx = getattr(fast, "_regexp", None)
    unanchored = getattr(getattr(_re2_module(), "_Anchor", None), "UNANCHORED", None)
    if rx is None or unanchored is None or not hasattr(rx, "Match"):  # pragma: no cover - other bindings
        return [m.start() for m in fast.finditer(view)]
    out: list[int] = []
    add, call, pos, end = out.append, rx.Match, 0, len(view)
    while pos <= end:
        s, e = call(unanchored, view, pos, end)[0]
        if s < 0:
            break
        add(s)
        pos = e if e > pos else pos + 1
    return out


def _re2_module() -> Any:
    import re2

    return re2


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
