"""Drafting, steps 2 and 5: participant ids, group columns and free-text questions."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from ..ids import normalise_ids, rank_id_columns, typo_matches
from ..model import IdSpec
from ._common import Guess, Loaded, one_line, slug

_GROUP_WORDS = {
    "cohort": r"cohort|workshop group|training group|\bgroup\b|session date|course date|\bcourse\b",
    "profession": r"profession|\brole\b|job title|occupation|staff group|discipline|\bgrade\b|\bband\b",
    "site": r"\bsite\b|hospital|\btrust\b|organi[sz]ation|department|\bteam\b|\bward\b|\bunit\b",
}


# ------------------------------------------------------------------------------------------
# participant ids
# ------------------------------------------------------------------------------------------
def _overlap(a: pd.Series, b: pd.Series) -> float:
    spec = IdSpec()
    x, y = set(normalise_ids(a, spec).dropna()), set(normalise_ids(b, spec).dropna())
    return len(x & y) / max(min(len(x), len(y)), 1)


def choose_ids(waves: list[Loaded]) -> tuple[str | None, list[Guess]]:
    """The participant-id column of each wave (``wave.id_column``) and the study's default."""
    ranked = {w.rel: rank_id_columns(w.data, w.info) for w in waves}
    linkable = {rel: [c for c in cands if not c.per_response or len(waves) == 1] for rel, cands in ranked.items()}
    first = waves[0]
    if not linkable[first.rel]:
        return None, [Guess(3, "participant_id.column", "no column looks like a participant code (set it "
                            "to the column holding the codes people typed)")]
    best = linkable[first.rel][0]
    first.id_column = best.column
    guesses = [Guess(2 if best.named else 3, "participant_id.column",
                     f"'{one_line(best.column, 60)}' in {first.label}: {best.why}")]
    for w in waves[1:]:
        cands = linkable[w.rel]
        same = next((c for c in cands if c.column == best.column), None)
        pick = same or max(cands, key=lambda c: _overlap(w.data[c.column], first.data[best.column]), default=None)
        w.id_column = pick.column if pick else None
        if pick is None:
            guesses.append(Guess(3, f"{w.label}: id_column", "no column looks like a participant code"))
        elif pick.column != best.column:
            share = _overlap(w.data[pick.column], first.data[best.column])
            guesses.append(Guess(2 if share >= 0.5 else 3, f"{w.label}: id_column",
                                 f"'{one_line(pick.column, 60)}' ({share:.0%} of its codes are also in "
                                 f"{first.label})"))
    return best.column, guesses + _typo_guesses(waves)


def _typo_guesses(waves: list[Loaded]) -> list[Guess]:
    """Codes first typed after the first wave that look like slips of an earlier code."""
    seen: set[str] = set()
    n_slips = 0
    spec = IdSpec()
    for w in waves:
        if not w.id_column:
            continue
        ids = set(normalise_ids(w.data[w.id_column], spec).dropna())
        if seen:
            n_slips += len(typo_matches(sorted(ids - seen), sorted(seen)))
        seen |= ids
    if not n_slips:
        return []
    return [Guess(3, "participant_id.links", f"{n_slips} code(s) first typed after the first wave look like "
                  "typing slips of an earlier code; 'evaltool validate' holds them back and lists them: "
                  "add each pair under participant_id.links if it is the same person")]


# ------------------------------------------------------------------------------------------
# groups
# ------------------------------------------------------------------------------------------
@dataclass
class GroupGuess:
    name: str
    column: str
    labels: dict[str, str] | None
    n_values: int


def _group_like(e: Loaded, col: str) -> int | None:
    s = e.data[col].dropna().astype("string").str.strip()
    s = s[s != ""]
    n = s.nunique()
    if not 1 < n <= 60 or (len(s) >= 10 and n > 0.5 * len(s)) or s.str.len().max() > 60:
        return None
    return n


def find_groups(waves: list[Loaded], skip: dict[str, set[str]], *, by_text: bool,
                found: tuple[str, ...] = ()) -> list[GroupGuess]:
    """Group columns: named like one (or, with ``by_text``, a short question that says so)."""
    out: list[GroupGuess] = []
    for gname, pat in _GROUP_WORDS.items():
        if gname in found:
            continue
        for e in waves:
            hit = None
            for c in e.columns:
                text = c if not by_text else str(e.qtext.get(c, ""))
                if not by_text and (len(c) > 40 or "?" in c):
                    continue  # a question as a header: decided after the answer blocks are known
                if c in skip[e.rel] or (by_text and len(text) > 250) or not re.search(pat, text, re.I):
                    continue
                n = _group_like(e, c)
                if n:
                    hit = GroupGuess(gname, c, _labels_from_text(e, c), n)
                    break
            if hit:
                out.append(hit)
                for w in waves:
                    skip[w.rel].add(hit.column)
                break
    return out


def _labels_from_text(e: Loaded, col: str) -> dict[str, str] | None:
    labels = dict(re.findall(r"(\d+)\s*=\s*([^,;()\n]+?)\s*(?=[,;)]|$)", str(e.qtext.get(col, ""))))
    codes = {str(v).strip().removesuffix(".0") for v in e.data[col].dropna()}
    return {k: one_line(v, 80) for k, v in labels.items()} if len(labels) >= 2 and codes <= set(labels) else None


# ------------------------------------------------------------------------------------------
# free text
# ------------------------------------------------------------------------------------------
def _texty(s: pd.Series) -> bool:
    s = s.dropna().astype("string").str.strip()
    s = s[s != ""]
    if len(s) < 3 or pd.to_numeric(s, errors="coerce").notna().mean() > 0.2:
        return False
    words = s.str.split().map(len).mean()
    return bool(words >= 3 and s.nunique() / len(s) > 0.5)


def find_free_text(waves: list[Loaded], skip: dict[str, set[str]]) -> list[dict]:
    """Free-text questions: mostly sentences, mostly different; one entry per question."""
    texts: dict[str, dict[str, str]] = {}
    label: dict[str, str] = {}
    for e in waves:
        for c in e.columns:
            if c not in skip[e.rel] and _texty(e.data[c]):
                texts.setdefault(c, {}).update({t: c for t in e.timepoints})
                label.setdefault(c, str(e.qtext.get(c) or c))
    out, used = [], set()
    n_tps = len({t for e in waves for t in e.timepoints})
    for col, per_tp in texts.items():
        fid = slug(col, "text")
        while fid in used:
            fid += "_"
        used.add(fid)
        entry: dict = {"id": fid, "label": one_line(label[col], 200)}
        if len(per_tp) == n_tps or len(waves) == 1:
            entry["column"] = col
        else:
            entry["columns"] = dict(per_tp)
        out.append(entry)
    return out
