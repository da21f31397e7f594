"""Drafting, step 4: which questionnaires the exports hold.

A packaged instrument is named only when its items match: columns named after its item ids,
or question texts worded like its items ("7/7 item texts"); or, for instruments whose
wording evaltool may not ship, a matrix question of exactly its size, with answers in its
range, whose question names it (a risky guess, said so). Every other block of answer columns
becomes a drafted instrument file of the study's own, next to the study file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...instruments import Instrument, list_instruments, load_instrument
from ...scoring.answers import coerce_answers
from ..columns_map import match_items
from ._blocks import Block, correct_answers, find_blocks, pooled
from ._common import Guess, Loaded, one_line, slug

_GENERIC = {"scale", "inventory", "index", "questionnaire", "brief", "short", "form", "the", "and",
            "for", "of", "test", "survey", "measure", "version", "item", "items", "revised"}
_STOP = {"how", "much", "you", "your", "the", "each", "with", "please", "what", "which", "this", "that",
         "are", "did", "does", "for", "following", "statement", "statements", "agree", "disagree",
         "about", "have", "feel", "felt", "answer", "choose", "select", "rate", "best"}
_WORSE = re.compile(r"(?i)burn ?out|stress|anxi|depress|distress|exhaust|fatigue|worr|strain|tired|"
                    r"pain|symptom|lonel|cynic|disengag")


@dataclass
class Used:
    """One instrument of the draft: packaged or drafted, and its columns in each wave."""

    entry: str
    inst: Instrument
    why: str
    risk: int
    per_wave: dict[str, dict[str, str]] = field(default_factory=dict)
    draft: dict[str, Any] | None = None  # the drafted instrument file (data), if it is the study's own
    comments: dict[tuple, str] = field(default_factory=dict)

    def claimed(self, rel: str) -> set[str]:
        return set(self.per_wave.get(rel, {}).values())


def _scored(inst: Instrument) -> list[str]:
    return [it.id for it in inst.items if any(it.id in s.items for s in inst.scales)]


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.casefold())


def _family(c: str) -> str:
    return re.sub(r"\d+$", "", _squash(c))


def _more_in_family(matched: Any, free: list[str]) -> bool:
    """The export has more numbered columns of the same name family than the items matched."""
    cols = set(matched)
    families = {_family(c) for c in cols}
    members = [c for c in free if _family(c) in families and re.search(r"\d$", c)]
    return len(members) > len(cols)


def _by_items(inst: Instrument, wave: Loaded, free: list[str]) -> tuple[dict[str, str], str, int] | None:
    """Columns named after the item ids (``brs_1``, ``BRS1``, ``brs-1``), or question texts
    worded like the items."""
    scored = _scored(inst)
    squashed: dict[str, str] = {}
    for c in free:
        squashed.setdefault(_squash(c), c)
    named = {it: squashed[_squash(it)] for it in scored if _squash(it) in squashed}
    if named and _more_in_family(named.values(), free):
        named = {}  # cc1..cc6 is not the 5-item scale whose items are cc_1..cc_5
    matches, _ = match_items(inst, free, wave.qtext, named or None, auto=True)
    for m in matches:
        if m["how"] == "explicit":
            m["how"] = "name"
    matches = [m for m in matches if m["item"] in scored]
    if len(matches) < max(2, int(np.ceil(0.6 * len(scored)))):
        return None
    mapping = {m["item"]: m["column"] for m in matches}
    if {m["how"] for m in matches} == {"name"}:
        return mapping, f"{len(matches)}/{len(scored)} columns are named after its item ids", 1
    low = min(m["similarity"] for m in matches)
    return mapping, (f"{len(matches)}/{len(scored)} item texts match its wording (lowest similarity "
                     f"{low:.2f})"), 1 if low >= 0.95 else 2


def _name_words(inst: Instrument) -> set[str]:
    words = {w for w in re.findall(r"[a-z][a-z-]{4,}", f"{inst.name} {inst.short_name}".casefold())}
    return {w.strip("-") for w in words if w.strip("-") not in _GENERIC} | {inst.short_name.casefold()}


def _by_structure(inst: Instrument, block: Block) -> tuple[dict[str, str], str, int] | None:
    """Only for instruments whose wording evaltool does not ship: with the wording at hand,
    a block that does not match it is not that instrument."""
    scored = _scored(inst)
    if block.kind != "rating" or len(block.columns) != len(scored) or any(inst.item(i).text for i in scored):
        return None
    for item, col in zip(scored, block.columns, strict=True):
        rs = inst.response_sets[inst.item(item).response_set]
        vals, nonnum, outset = coerce_answers(block.wave.data[col], rs)
        if nonnum.any() or outset.any() or np.isnan(vals).all():
            return None
    text = f"{block.stem} {' '.join(block.texts)} {' '.join(block.columns)}".casefold()
    hits = sorted(w for w in _name_words(inst) if re.search(rf"\b{re.escape(w)}\b", text))
    if not hits:
        return None
    return dict(zip(scored, block.columns, strict=True)), (
        f"by structure only: {len(scored)} columns ({block.columns[0]}..{block.columns[-1]}) with answers "
        f"in its range and {', '.join(repr(h) for h in hits)} in the question; its item wording could not "
        f"be compared: check these are the {inst.short_name} items, in its order"), 3


def _catalogue() -> list[Instrument]:
    return sorted((load_instrument(i) for i in list_instruments()["id"]), key=lambda i: -len(i.items))


def _num(x: float) -> float | int:
    return int(x) if float(x).is_integer() else float(x)


def _direction(text: str) -> str:
    return "higher_worse" if _WORSE.search(text) else "higher_better"


# ------------------------------------------------------------------------------------------
# a drafted instrument of the study's own
# ------------------------------------------------------------------------------------------
def _own_id(block: Block, taken: set[str]) -> str:
    prefix = re.match(r"^(.*?[A-Za-z][^\d]*?)[_.\s-]*\d+$", block.columns[0])
    base = slug(prefix.group(1)) if prefix and len(block.columns) > 1 and all(
        c.startswith(prefix.group(1)) for c in block.columns) else ""
    if not base or len(base) < 2:
        words = [w for w in re.findall(r"[a-z]{3,}", block.stem.casefold()) if w not in _STOP][:3]
        base = slug("_".join(words)) if words else ("quiz" if block.kind == "quiz" else "scale")
    base = base if base not in {str(i) for i in list_instruments()["id"]} else f"{base}_own"
    out, n = base, 2
    while out in taken:
        out, n = f"{base}_{n}", n + 1
    return out


def _rating_draft(block: Block, iid: str, items: list[dict[str, Any]]) -> tuple[dict, dict, dict[tuple, str], int]:
    codes = dict(sorted(block.codes.items()))
    lo = min([*codes, *(block.observed or ())])
    hi = max([*codes, *(block.observed or ())])
    one_value = hi <= lo  # every answer the same: the range cannot be read off the file
    hi = lo + 1 if one_value else hi
    rs = {"min": _num(lo), "max": _num(hi), "labels": {_num(k): v for k, v in codes.items() if lo <= k <= hi}}
    if not rs["labels"]:
        del rs["labels"]
    comments: dict[tuple, str] = {("response_sets", "answers"): (
        "guessed: codes and labels from the answers" + ("" if block.order_known else
                                                        "; the order of the labels is NOT known: check the codes")
        + ("" if codes or one_value else f"; range {lo:g}-{hi:g} from the answers seen")
        + (f"; CHANGE: every answer is {lo:g}, so the range is unknown: write the real min and max"
           if one_value else ""))}
    for it in items:
        it["response_set"] = "answers"
    label = one_line(block.stem or f"{iid} ({len(items)} items)", 120)
    direction = _direction(f"{block.stem} {' '.join(block.texts)}")
    scale = {"id": iid, "label": label, "items": [it["id"] for it in items], "method": "mean",
             "direction": direction}
    comments[("scales", 0, "direction")] = ("guessed from the wording: write higher_worse if a higher "
                                            "score is worse (burnout, distress), higher_better if better")
    comments[("scales", 0, "method")] = "guessed: the mean of the answered items; every item needed"
    return {"answers": rs}, scale, comments, 3 if not block.order_known else 2


def _quiz_draft(block: Block, iid: str, items: list[dict[str, Any]]) -> tuple[dict, dict, dict[tuple, str], int]:
    known = correct_answers(block)
    sets: dict[str, dict] = {}
    comments: dict[tuple, str] = {}
    for k, (it, col) in enumerate(zip(items, block.columns, strict=True)):
        opts = block.options[col]
        name = f"{it['id']}_options"
        sets[name] = {"min": _num(min(opts)), "max": _num(max(max(opts), min(opts) + 1)),
                      "labels": {_num(k): v for k, v in sorted(opts.items())}}
        it["response_set"] = name
        it["correct"] = _num(known[col]) if col in known else None
        if col not in known:
            comments[("items", k, "correct")] = "CHANGE: the code of the right answer (see its response set)"
    scale = {"id": iid, "label": one_line(block.stem or f"{iid} (correct answers)", 120),
             "items": [it["id"] for it in items], "method": "correct_count", "direction": "higher_better",
             "missing": {"unanswered": "wrong", "all_unanswered": "missing"}}
    comments[("scales", 0, "missing")] = ("guessed: an unanswered question counts as wrong (write unanswered: "
                                          "missing to prorate); a quiz with no answer at all is missing")
    if not block.order_known:
        comments[("response_sets",)] = ("CHANGE: some waves give codes and others the option texts: give each "
                                        "code its option text (labels) so both can be read")
    return sets, scale, comments, 3


def draft_own(block: Block, taken: set[str], iid: str | None = None) -> Used:
    """A drafted instrument file for a block no packaged instrument matches."""
    iid = iid or _own_id(block, taken)
    items: list[dict[str, Any]] = [{"id": f"{iid}_{k + 1}", "text": one_line(t, 300) or None}
                                   for k, t in enumerate(block.texts)]
    maker = _quiz_draft if block.kind == "quiz" else _rating_draft
    sets, scale, comments, risk = maker(block, iid, items)
    data = {
        "id": iid, "name": one_line(block.stem or (f"Knowledge quiz ({len(items)} questions)" if block.kind == "quiz"
                                                   else f"Questions {block.columns[0]}..{block.columns[-1]}"), 200),
        "short_name": iid.upper()[:24], "measures": one_line(block.stem or "CHANGE: what it measures", 200),
        "citation": "The study's own questionnaire (drafted by evaltool init)",
        "licence": {"tier": "study", "item_text_shippable": True, "terms": "The study's own questionnaire."},
        "response_sets": sets, "items": items, "scales": [scale],
    }
    comments[("measures",)] = "guessed from the question text"
    inst = _as_instrument(data)
    kind = "a quiz" if block.kind == "quiz" else "a rating scale"
    why = (f"not a packaged instrument: drafted as your own ({kind} of {len(items)} questions, "
           f"{block.how}) in {iid}.yaml; check its items, answer codes and direction")
    mapping = {it["id"]: c for it, c in zip(items, block.columns, strict=True)}
    return Used(f"{iid}.yaml", inst, why, risk, {block.wave.rel: mapping}, data, comments)


def _as_instrument(data: dict[str, Any]) -> Instrument:
    """The drafted file as an Instrument (for matching other waves); a quiz without its
    answer key gets a placeholder key here only."""
    copy = {**data, "items": [{**it, "correct": it.get("correct") or 1} if "correct" in it else it
                              for it in data["items"]]}
    copy["items"] = [{k: v for k, v in it.items() if v is not None} for it in copy["items"]]
    return Instrument.model_validate(copy)


# ------------------------------------------------------------------------------------------
def _own_structure(inst: Instrument, block: Block) -> tuple[dict[str, str], str, int] | None:
    """A user's own instrument file (given to init) on a block of its size whose answers fit."""
    scored = _scored(inst)
    if len(block.columns) != len(scored):
        return None
    for item, col in zip(scored, block.columns, strict=True):
        rs = inst.response_sets[inst.item(item).response_set]
        vals, nonnum, outset = coerce_answers(block.wave.data[col], rs)
        if nonnum.any() or outset.any():
            return None
    return dict(zip(scored, block.columns, strict=True)), (
        f"your file, by structure: {len(scored)} columns ({block.columns[0]}..{block.columns[-1]}) whose "
        "answers fit its response sets; check they are its items, in its order"), 2


def find_instruments(waves: list[Loaded], skip: dict[str, set[str]], existing: set[str] | None = None,
                     own: dict[str, Instrument] | None = None) -> tuple[list[Used], list[Guess]]:
    """The user's instrument files and packaged instruments matched in each wave (by item ids
    or wording), then blocks: the user's files by structure, packaged ones whose wording is not
    shipped by structure (risky), and the rest drafted as the study's own."""
    used: dict[str, Used] = {}
    claimed = {w.rel: set(skip[w.rel]) for w in waves}
    catalogue = _catalogue()
    mine = list((own or {}).items())
    for w in waves:
        for key, inst in [*mine, *((i.id, i) for i in catalogue)]:
            free = [c for c in w.columns if c not in claimed[w.rel]]
            hit = _by_items(inst, w, free)
            if hit:
                _record(used, key, inst, w, hit, claimed)
    for w in waves:
        for u in [u for u in used.values() if u.draft is not None and w.rel not in u.per_wave]:
            hit = _by_items(u.inst, w, [c for c in w.columns if c not in claimed[w.rel]])
            if hit:
                _record(used, u.entry, u.inst, w, hit, claimed)
        for block in find_blocks(w, claimed[w.rel]):
            if set(block.columns) & claimed[w.rel]:
                continue
            theirs = next(((k, i, h) for k, i in mine if w.rel not in (used.get(k) or Used("", i, "", 0)).per_wave
                           and (h := _own_structure(i, block))), None)
            if theirs is not None:
                _record(used, theirs[0], theirs[1], w, theirs[2], claimed)
                continue
            named = next(((inst, h) for inst in catalogue
                          if w.rel not in (used.get(inst.id) or Used("", inst, "", 0)).per_wave
                          and (h := _by_structure(inst, block))), None)
            if named is not None:
                _record(used, named[0].id, named[0], w, named[1], claimed)
                continue
            drafted = draft_own(block, {u.inst.id for u in used.values()} | set(existing or ()))
            used[drafted.entry] = drafted
            claimed[w.rel].update(block.columns)
    for key, u in list(used.items()):
        if u.draft is not None and len(u.per_wave) > 1:
            used[key] = _pool_waves(u, waves)
    guesses = [Guess(u.risk, f"instruments: {u.entry}", f"({u.inst.short_name}) {u.why}") for u in used.values()]
    return list(used.values()), guesses


def _pool_waves(u: Used, waves: list[Loaded]) -> Used:
    """Redraft an instrument of the study's own from its answers in every wave it was found in."""
    first = next(w for w in waves if w.rel in u.per_wave)
    items = [it.id for it in u.inst.items]
    cols = [u.per_wave[first.rel][i] for i in items]
    from ._blocks import _describe

    block = _describe(first, cols, u.why)
    extra = [(w, [u.per_wave[w.rel].get(i, cols[k]) for k, i in enumerate(items)]) for w in waves
             if w.rel in u.per_wave and w is not first and set(u.per_wave[w.rel]) == set(items)]
    redone = draft_own(pooled(block, extra), set(), iid=u.inst.id)
    redone.per_wave = u.per_wave
    redone.why = u.why
    return redone


def _record(used: dict[str, Used], key: str, inst: Instrument, w: Loaded, hit: tuple[dict[str, str], str, int],
            claimed: dict[str, set[str]]) -> None:
    mapping, why, risk = hit
    if key not in used:
        used[key] = Used(key, inst, f"in {w.label}: {why}", risk)
    u = used[key]
    u.per_wave[w.rel] = mapping
    u.risk = max(u.risk, risk)
    claimed[w.rel].update(mapping.values())
