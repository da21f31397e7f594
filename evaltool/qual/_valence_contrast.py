"""Reservations after approval: "helpful overall, though it felt a bit scripted" is mixed
(private; used by :func:`evaltool.qual._valence.answer_valence`).

docs/codebook.md: an answer is ``mixed`` when it carries "both approval and criticism or a wish for
change". The lexicons find criticism they know ("too long", "rushed"); a reservation often
uses words no lexicon lists ("the slides need updating", "it was hard to find a quiet room",
"could be spread over two half days"). What marks it is the structure: approval, then a
contrast word ("but", "though", "if anything", "the only thing") opening a clause that says
something of its own and does not approve. Such an answer is mixed.

Not a reservation (the answer stays positive):

* the contrast opens the answer or comes before the approval ("I was sceptical but it was
  great": the approval is what the answer ends on);
* the clause after it approves ("simple but effective", "long but worth it"), adds
  ("but also", "but overall"), is a circumstance or an administrative request ("brilliant, but
  I've been on mat leave since"; "great day, but could we have the slides?"), is introduced
  by "even though" (a concession: "glad I went even though I didn't want to"), or says nearly
  nothing ("good though");
* "nothing but praise", "all but".

The contrast words are English conventions of the answer's language, like the clause
boundaries of :mod:`evaltool.qual._patterns`, not facts about any code; the polarity terms,
circumstances and administrative terms that decide come from the codebook's lexicons.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["RESERVATION", "attempts", "reservations"]

RESERVATION = re.compile(
    r"\b(?:but|though|tho|although|altho|however|that said|having said that|saying that|if anything|"
    r"(?:the|my|one|only) (?:only |one )?(?:thing|criticism|downside|down side|issue|complaint|negative|"
    r"gripe|niggle|problem|drawback|suggestion)s?\b(?: (?:i'd|id|i would) (?:say|change|add))?|"
    r"just wish|i just wish|only wish)\b", re.IGNORECASE)
"""A contrast that can open a reservation after approval."""

_NOT_AFTER = re.compile(
    r"^[\W_]*(?:also|overall|still (?:good|great|useful|worth|really|very|enjoyed|loved|helpful)|"
    r"worth|in a good way|all in all|on the whole|otherwise|definitely|totally|honestly worth|"
    r"it was worth|it's worth|its worth|that's (?:fine|ok|okay)|thats (?:fine|ok|okay)|it works|"
    r"it worked|i (?:loved|enjoyed|liked) it)\b", re.IGNORECASE)
_NOT_BEFORE = re.compile(r"\b(?:nothing|all|anything|everything|even|sorry)\W*$", re.IGNORECASE)
_REQUEST = re.compile(r"\b(?:could|can|please|pls|send|sent|email|e-mail|emailed|share|shared|copy|copies|"
                      r"access|receive|upload|uploaded|circulate|circulated|available|pass on)\b", re.IGNORECASE)
_TRAILING = re.compile(r"[,\s]+(?:though|tho|mind you|mind|however)\W*$", re.IGNORECASE)
_OPENS = 24   # a circumstance this close after the contrast word is what its clause says
_SENTENCE_END = re.compile(r"[.!?\n]")
_WORD = re.compile(r"[^\W\d_]{2,}")


def reservations(texts: list[str], label: np.ndarray, basis: np.ndarray,
                 approvals: list[list[tuple[int, int]]],
                 blockers: list[list[tuple[int, int, str]]]) -> list[tuple[int, str]]:
    """(answer, evidence) for each positive answer whose approval is followed by a reservation.

    ``approvals``: per answer, the (start, end) offsets of the counted positive terms;
    ``blockers``: per answer, the (start, end, kind) of circumstance and administrative terms
    (kind ``circumstance`` or ``administrative``; the latter blocks only in a clause that asks
    for something: "could we have the slides" does, "the slides need updating" does not). Only answers
    labelled ``positive`` on the evidence of terms are read.
    """
    out: list[tuple[int, str]] = []
    for i in np.flatnonzero((label == "positive") & (basis == "terms")).tolist():
        pos = approvals[i]
        if not pos:
            continue
        found = _reservation(texts[i], pos, blockers[i])
        if found is not None:
            out.append((i, found))
    return out


def _reservation(text: str, pos: list[tuple[int, int]], blockers: list[tuple[int, int, str]]) -> str | None:
    """The reservation (from its contrast word to the end of its sentence) or None."""
    first_end = min(e for _, e in pos)
    trailing = _trailing(text, pos, blockers, first_end)
    if trailing is not None:
        return trailing
    for m in RESERVATION.finditer(text, first_end):
        if _NOT_BEFORE.search(text, 0, m.start()):
            continue
        stop = _SENTENCE_END.search(text, m.end())
        end = stop.start() if stop else len(text)
        after = text[m.end():end]
        if _NOT_AFTER.match(after) or len(_WORD.findall(after)) < 2:
            continue
        if any(m.end() <= s < end for s, _ in pos):
            continue   # the clause after the contrast approves
        if any(s < end and m.end() < e and (kind == "circumstance" and s - m.end() <= _OPENS
                                            or kind == "administrative" and _REQUEST.search(after))
               for s, e, kind in blockers):
            continue   # the clause is a circumstance, or a request for materials
        return text[m.start():end].strip()
    return None


def attempts(texts: list[str], label: np.ndarray, approvals: list[list[tuple[int, int]]],
             attempt_start: re.Pattern[str] | None, clause: re.Pattern[str]) -> list[int]:
    """Answers that are mixed only because an attempt reads as a use: "tried the app but it
    didn't do anything for me" and "I tried the breathing but it's not really my thing" are
    negative (the codebook's ``valence.attempts`` open the answer, and every approval lies
    in that opening clause)."""
    if attempt_start is None:
        return []
    out = []
    for i in np.flatnonzero(label == "mixed").tolist():
        pos = approvals[i]
        if not pos or attempt_start.match(texts[i]) is None:
            continue
        bound = clause.search(texts[i])
        if bound is not None and all(e <= bound.start() for _, e in pos):
            out.append(i)
    return out


def _trailing(text: str, pos: list[tuple[int, int]], blockers: list[tuple[int, int, str]],
              first_end: int) -> str | None:
    """A later sentence that ends on "though" ("I got a lot from it. The venue was hard to
    find though"): the whole sentence is the reservation, if it does not approve."""
    start = first_end
    for stop in list(_SENTENCE_END.finditer(text, first_end)) + [None]:
        end = stop.start() if stop is not None else len(text)
        sentence = text[start:end]
        m = _TRAILING.search(sentence)
        if (m is not None and len(_WORD.findall(sentence[:m.start()])) >= 2
                and not any(start <= s < end for s, _ in pos)
                and not any(s < end and start < e and kind == "circumstance" for s, e, kind in blockers)):
            return sentence.strip()
        if stop is None:
            break
        start = stop.end()
    return None
