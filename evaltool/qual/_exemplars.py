"""Exemplar quotes cut and redacted on demand (private; see :func:`evaltool.qual.exemplar_quotes`).

:class:`QuoteSource` holds a set of codings in quoting order and yields each code's quotes
one at a time, so that a caller who keeps only a few of them (``pick_quotes``: two per theme
in a cohort report) redacts only those it reads, not the ``n`` the table would hold. Each
answer is redacted at most once per source, however many of its codings are quoted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import columns as C
from ._redact_detect import _resolve, _spans_one
from ._redact_patterns import _lists
from .redact import _apply

Span = tuple[int, int, str, str]

_SENT_END = re.compile(r"[.!?\n]+\s*")


class QuoteSource:
    """The codings of ``answers`` in quoting order (non-negated first, then by answer and
    start), each code's quotes cut and redacted lazily.

    ``redaction`` is ``(name patterns, place patterns, tags, use word lists)`` as
    :func:`evaltool.qual.redact`'s options. The codings must all refer to answers in
    ``answers`` (checked by the callers); ``rows`` gives each coding's row in ``answers`` when
    the caller has looked them up already. ``by`` (a label per coding, or the name of a column
    of ``answers``: the label of each coding's answer) splits the codings into groups quoted
    separately (``quotes(code, n, group)``), as if each group had a source of its own: the
    order within a group is the order of the whole restricted to it.
    """

    def __init__(self, codings: pd.DataFrame, answers: pd.DataFrame, redaction: tuple[Any, Any, Any, bool], *,
                 max_chars: int, text: str, id: str, participant: str, by: Sequence[Any] | str | None = None,
                 rows: np.ndarray | None = None, texts: list[Any] | None = None,
                 people: list[Any] | None = None) -> None:
        self.texts = answers[text].tolist() if texts is None else texts
        self.people = (people if people is not None else answers[participant].tolist()
                       if participant in answers.columns else list(range(len(answers))))
        self.max_chars = max_chars
        self.redaction = redaction
        self._spans: dict[int, list[Span]] = {}
        if redaction[3]:
            _lists()  # the word lists, loaded once here rather than in each forked worker
        rows = _answer_rows(codings, answers, id) if rows is None else np.asarray(rows)
        order = _quoting_order(codings, rows)
        self.rows = rows[order].tolist()
        self.response_ids = codings[C.RESPONSE_ID].to_numpy(dtype=object)[order].tolist()
        if C.START in codings.columns:
            self.starts = codings[C.START].to_numpy()[order].tolist()
            self.ends = codings[C.END].to_numpy()[order].tolist()
        else:
            self.starts = self.ends = [0] * len(order)
        # each code's (each group's) candidates: positions in quoting order, ascending
        codes = codings[C.CODE].to_numpy(dtype=object)[order]
        if isinstance(by, str):
            by = answers[by].to_numpy(dtype=object)[rows]
        self.of_code: dict[Any, Any] = _positions_of(codes, None if by is None else np.asarray(by, dtype=object)[order])

    def quotes(self, code: Any, n: int, group: Any = None) -> Iterator[tuple[int, Any, str]]:
        """``(rank, response_id, quote)`` for up to ``n`` quotes of ``code`` (in ``group``
        when the source was split ``by``), each from a different answer and participant, in
        quoting order; redacted only when read."""
        used_people: set[Any] = set()
        used_rows: set[int] = set()
        rank = 0
        for i in self.of_code.get(code if group is None else (group, code), ()):
            if rank >= n:
                return
            row = int(self.rows[i])
            who = self.people[row]
            if row in used_rows or who in used_people:
                continue
            t = self.texts[row] if isinstance(self.texts[row], str) else ""
            quote = self._quote(row, t, int(self.starts[i]), int(self.ends[i]))
            if not quote:
                continue
            rank += 1
            used_people.add(who)
            used_rows.add(row)
            yield rank, self.response_ids[i], quote

    def _quote(self, row: int, t: str, s: int, e: int) -> str:
        if not t.strip():
            return ""
        spans = self._spans.get(row)
        if spans is None:
            name_rx, place_rx, tags, use_lists = self.redaction
            spans = self._spans[row] = _resolve(_spans_one(t, name_rx, place_rx, tags, use_lists))
        return cut_quote(t, s, e, self.max_chars, spans)


def _positions_of(codes: np.ndarray, groups: np.ndarray | None) -> dict[Any, np.ndarray]:
    """Positions of each code (each ``(group, code)`` pair), ascending: what a pandas
    ``groupby(...).indices`` of the positions gives (missing keys kept), from one stable sort
    of integer codes."""
    if not len(codes):
        return {}
    at, labels = pd.factorize(codes, use_na_sentinel=False)
    glabels: Any = None
    if groups is not None:
        g, glabels = pd.factorize(groups, use_na_sentinel=False)
        at = g.astype(np.int64) * len(labels) + at
    order = np.argsort(at, kind="stable")
    cuts = np.flatnonzero(np.diff(at[order])) + 1
    firsts = at[order[np.concatenate([[0], cuts])]].tolist()
    keys = ([labels[k] for k in firsts] if glabels is None
            else [(glabels[k // len(labels)], labels[k % len(labels)]) for k in firsts])
    return dict(zip(keys, np.split(order, cuts), strict=True))


def _answer_rows(codings: pd.DataFrame, answers: pd.DataFrame, id: str) -> np.ndarray:
    """Each coding's row in ``answers``."""
    pos = pd.Series(np.arange(len(answers)), index=pd.Index(answers[id]))
    rows = pos.loc[codings[C.RESPONSE_ID]].to_numpy()
    if len(rows) != len(codings):
        raise ValueError("Length of values does not match length of index")  # a duplicated answer id
    return rows


def _quoting_order(codings: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """Positions of ``codings`` in quoting order: non-negated first, then by answer row
    (``rows``) and start, ties in ``codings`` order (a stable sort)."""
    neg = (codings["negated"].astype(bool).to_numpy() if "negated" in codings.columns
           else np.zeros(len(codings), dtype=bool))
    start = codings[C.START].to_numpy() if C.START in codings.columns else np.zeros(len(codings), dtype=np.int64)
    return np.lexsort((start, rows, neg))


def cut_quote(t: str, s: int, e: int, max_chars: int, spans: Sequence[Span]) -> str:
    """The sentence of ``t`` around [s, e), cut to ``max_chars`` around the evidence, with the
    resolved redaction ``spans`` of the whole of ``t`` applied (a span crossing an edge
    widens the quote)."""
    starts = [0] + [m.end() for m in _SENT_END.finditer(t) if m.end() <= s]
    a = max(starts)
    nxt = _SENT_END.search(t, max(e, a))
    b = nxt.end() if nxt else len(t)
    if b - a > max_chars:
        half = max(0, (max_chars - (e - s)) // 2)
        a, b = max(a, s - half), min(b, e + half)
        a = t.rfind(" ", 0, a) + 1 if a > 0 and t[a - 1] != " " else a
        b = t.find(" ", b) if b < len(t) and t.find(" ", b) != -1 and t[b:b + 1] != " " else b
    for sa, sb, _, _ in spans:  # never cut through a redacted span
        if sa < a < sb:
            a = sa
        if sa < b < sb:
            b = sb
    inside = [(max(sa, a) - a, min(sb, b) - a, tag, rule) for sa, sb, tag, rule in spans if sa >= a and sb <= b]
    quote = _apply(t[a:b], inside).strip()
    prefix = "…" if a > 0 and t[:a].strip() and not _SENT_END.search(t[max(0, a - 3):a]) else ""
    suffix = "…" if b < len(t) and t[b:].strip() and not _SENT_END.match(t[b - 1:b + 2] or "") and not quote.endswith((".", "!", "?")) else ""
    return (prefix + quote + suffix).strip()
