"""Which export column holds which instrument item (explicit, by name, or by question text)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence

from ..instruments import Instrument

__all__ = ["ItemMatch", "match_items"]

ItemMatch = dict
"""``{"item", "column", "how", "similarity"}``; ``how`` is explicit / name / question_text."""


def _norm(text: str) -> str:
    text = re.sub(r"<[^>]+>", " ", text)  # Qualtrics keeps HTML in question text
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def match_items(
    inst: Instrument,
    columns: Sequence[str],
    question_text: Mapping[str, str],
    explicit: Mapping[str, str] | None,
    *,
    auto: bool,
    cutoff: float = 0.86,
) -> tuple[list[ItemMatch], list[str]]:
    """Find the column of every item of ``inst`` in one export.

    Order of precedence: an explicit map (``item: column``); a column named after the item id
    (case-insensitive); with ``auto``, a column whose question text matches the item's text
    (difflib ratio ≥ ``cutoff``; every such match is reported with its similarity so the user
    can check it). Returns the matches and the item ids not found.
    """
    lower = {c.casefold(): c for c in columns}
    qt = {c: _norm(t) for c, t in question_text.items() if t}
    matches: list[ItemMatch] = []
    missing: list[str] = []
    taken: set[str] = set()
    for item in inst.items:
        if not item.scored and not any(item.id in s.items for s in inst.scales):
            continue
        col = None
        how = ""
        sim = 1.0
        if explicit and item.id in explicit:
            col, how = explicit[item.id], "explicit"
            if col not in columns:
                missing.append(item.id)
                continue
        elif item.id.casefold() in lower:
            col, how = lower[item.id.casefold()], "name"
        elif auto and item.text:
            target = _norm(item.text)
            best, best_sim = None, 0.0
            for c, t in qt.items():
                if c in taken:
                    continue
                # Qualtrics matrix rows read "Stem - item text": compare the tail too
                tail = t[-len(target) - 5:] if len(t) > len(target) + 5 else t
                s = max(difflib.SequenceMatcher(None, target, x).ratio() for x in (t, tail))
                if s > best_sim:
                    best, best_sim = c, s
            if best is not None and best_sim >= cutoff:
                col, how, sim = best, "question_text", round(best_sim, 3)
        if col is None:
            missing.append(item.id)
            continue
        taken.add(col)
        matches.append({"item": item.id, "column": col, "how": how, "similarity": sim})
    return matches, missing
