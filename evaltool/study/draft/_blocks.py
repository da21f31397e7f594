"""Drafting, step 3: blocks of answer columns (a rating scale or a quiz), found from the
layout and the answers, and what their answers mean (codes, labels, range)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._common import Loaded

_NUMBERED = re.compile(r"^\s*([+-]?\d+)\s*(?:[-\u2013\u2014=:.)]\s*|\s+(?=[^\W\d_]))(.*\S.*)$")
_SUFFIXED = re.compile(r"^(.*?\S)\s*\(\s*([+-]?\d+)\s*\)$")
_IN_TEXT = re.compile(r"([+-]?\d+)\s*=\s*([^,;()\n]+?)\s*(?=[,;)]|$)")

ORDINAL = [
    ["strongly disagree", "disagree", "somewhat disagree", "slightly disagree",
     "neither agree nor disagree", "neutral", "undecided", "neither", "slightly agree", "somewhat agree",
     "agree", "strongly agree"],
    ["never", "almost never", "rarely", "seldom", "sometimes", "occasionally", "fairly often", "often",
     "very often", "almost always", "always"],
    ["none of the time", "rarely", "a little of the time", "some of the time", "often",
     "a good part of the time", "most of the time", "all of the time"],
    ["not at all", "a little", "a little bit", "slightly", "somewhat", "moderately", "quite a bit",
     "very", "very much", "extremely", "completely"],
    ["very poor", "poor", "fair", "good", "very good", "excellent"],
    ["not at all confident", "slightly confident", "somewhat confident", "moderately confident",
     "very confident", "extremely confident", "completely confident"],
]
"""Answer words whose order is known (the codes follow it)."""


@dataclass
class Block:
    """Answer columns that belong together, with what their answers look like."""

    wave: Loaded
    columns: list[str]
    stem: str
    texts: list[str]
    kind: str  # "rating" or "quiz"
    how: str
    codes: dict[float, str] = field(default_factory=dict)  # code → label (rating scales)
    observed: tuple[float, float] | None = None
    order_known: bool = True
    options: dict[str, dict[float, str]] = field(default_factory=dict)  # quiz: column → code → label


def _values(s: pd.Series) -> pd.Series:
    v = s.dropna()
    if v.dtype == object or pd.api.types.is_string_dtype(v.dtype):
        v = v.astype("string").str.strip()
        v = v[v != ""]
    return v


def _numeric(v: pd.Series) -> pd.Series | None:
    num = pd.to_numeric(v, errors="coerce")
    if num.isna().any() or len(num) == 0:
        return None
    return num


def itemish(e: Loaded, col: str) -> bool:
    """A column of answers chosen from a few options (numbers, or short labels)."""
    v = _values(e.data[col])
    if len(v) == 0 or col in e.info.multi_select:
        return False
    distinct = v.unique()
    if len(distinct) > 12:
        return False
    num = _numeric(v)
    if num is not None:
        return bool(((num == num.round()) & (num >= -1) & (num <= 100)).all())
    text = pd.Series(distinct).astype(str)
    return bool(text.str.len().max() <= 80 and not text.str.contains(r"@|\d{4}-\d{2}-\d{2}").any())


# ------------------------------------------------------------------------------------------
# grouping columns into blocks
# ------------------------------------------------------------------------------------------
def _stem_and_items(e: Loaded, cols: list[str]) -> tuple[str, list[str]]:
    texts = [str(e.qtext.get(c) or c) for c in cols]
    split = [re.split(r"\s+[-\u2013]\s+|\s*\[", t, maxsplit=1) for t in texts]
    heads = {p[0].strip() for p in split if len(p) == 2}
    if len(heads) == 1 and all(len(p) == 2 for p in split):
        return heads.pop(), [p[1].rstrip("]").strip() for p in split]
    common = os.path.commonprefix(texts)
    cut = common.rfind(" ") if len(common) < min(len(t) for t in texts) else len(common)
    if cut >= 15 and len(cols) > 1:
        return common[:cut].strip(" -:?"), [t[cut:].strip(" -:") or t for t in texts]
    return "", texts


def _label_sets(e: Loaded, cols: list[str]) -> list[frozenset[str]]:
    return [frozenset(_values(e.data[c]).astype(str)) for c in cols]


def _same_shape(e: Loaded, a: str, b: str) -> bool:
    va, vb = _values(e.data[a]), _values(e.data[b])
    na, nb = _numeric(va), _numeric(vb)
    if (na is None) != (nb is None):
        return False
    if na is not None and nb is not None:
        return True
    la, lb = set(va.astype(str)), set(vb.astype(str))
    return len(la & lb) >= min(2, len(la), len(lb))


def _distinct_questions(e: Loaded, cols: list[str]) -> bool:
    """Each column asks its own question (no shared stem), most of them ending like one."""
    texts = [str(e.qtext.get(c) or c).strip() for c in cols]
    stem, _ = _stem_and_items(e, cols)
    asked = sum(t.endswith(("?", ":", "...", "…")) for t in texts)
    return not stem and len(set(texts)) == len(texts) and asked >= len(texts) / 2


def _is_quiz(e: Loaded, cols: list[str]) -> bool:
    if any(_numeric(_values(e.data[c])) is not None for c in cols):
        if any(f"Points - {c}" in e.data.columns for c in cols):
            return True
        labelled = [frozenset((e.info.value_labels or {}).get(c, {}).values()) for c in cols]
        if not all(labelled):  # codes without labels: separate questions, or a rating scale
            return _distinct_questions(e, cols)
        sets = labelled
    else:
        sets = _label_sets(e, cols)
    distinct = len(set(sets)) == len(sets)
    questions = sum(str(e.qtext.get(c, c)).rstrip().endswith(("?", "...", "…", ":")) for c in cols)
    overlap = max((len(a & b) / max(len(a | b), 1) for i, a in enumerate(sets) for b in sets[i + 1:]), default=0)
    return distinct and overlap < 0.5 and questions >= len(cols) / 2


def _runs(e: Loaded, cols: list[str]) -> list[list[str]]:
    """Consecutive item-like columns of one shape (same labels or numbers), or a quiz run."""
    runs: list[list[str]] = []
    for c in cols:
        if runs and runs[-1] and (_same_shape(e, runs[-1][-1], c) or _quiz_pair(e, runs[-1][-1], c)):
            runs[-1].append(c)
        else:
            runs.append([c])
    return runs


def _quiz_pair(e: Loaded, a: str, b: str) -> bool:
    qa, qb = str(e.qtext.get(a, a)).rstrip(), str(e.qtext.get(b, b)).rstrip()
    return qa.endswith("?") and qb.endswith("?") and _numeric(_values(e.data[a])) is None \
        and _numeric(_values(e.data[b])) is None


def find_blocks(e: Loaded, skip: set[str], min_items: int = 3) -> list[Block]:
    """Blocks of answer columns in one export, from its layout: the platform's question
    groups (matrix questions), columns named ``prefix_1 .. prefix_k``, and runs of
    neighbouring columns with the same answers."""
    cand = [c for c in e.columns if c not in skip and itemish(e, c)]
    order = {c: i for i, c in enumerate(e.columns)}
    blocks: list[tuple[list[str], str]] = []
    taken: set[str] = set()
    for _q, members in (e.info.column_groups or {}).items():
        m = [c for c in members if c in cand and c not in taken]
        if len(m) >= min_items and len(m) == len([c for c in members if c not in skip]):
            blocks.append((m, "one question of the export (a matrix)"))
            taken.update(m)
    by_prefix: dict[str, list[str]] = {}
    for c in cand:
        mm = re.match(r"^(.*?[A-Za-z][^\d]*?)[_.\s-]*(\d+)$", c)
        if mm and c not in taken:
            by_prefix.setdefault(mm.group(1), []).append(c)
    for m in by_prefix.values():
        if len(m) >= min_items:
            blocks.append((m, f"columns {m[0]}..{m[-1]}"))
            taken.update(m)
    left = [c for c in cand if c not in taken]
    runs: list[list[str]] = []
    for c in left:  # neighbouring columns only
        if runs and order[c] == order[runs[-1][-1]] + 1:
            runs[-1].append(c)
        else:
            runs.append([c])
    for run in runs:
        for part in _runs(e, run):
            if len(part) >= min_items:
                blocks.append((part, f"neighbouring columns {part[0]}..{part[-1]} with the same kind of answers"))
    return [_describe(e, cols, how) for cols, how in sorted(blocks, key=lambda b: order[b[0][0]])]


# ------------------------------------------------------------------------------------------
# what the answers mean
# ------------------------------------------------------------------------------------------
def numbered(label: str) -> tuple[float, str] | None:
    m = _NUMBERED.match(label) or None
    if m:
        return float(m.group(1)), m.group(2).strip()
    m = _SUFFIXED.match(label)
    if m:
        return float(m.group(2)), m.group(1).strip()
    return None


def _ordinal_codes(labels: list[str]) -> dict[float, str] | None:
    low = {lab.casefold().strip(): lab for lab in labels}
    for scale in ORDINAL:
        if set(low) <= set(scale):
            ranked = sorted(low, key=scale.index)
            return {float(i + 1): low[w] for i, w in enumerate(ranked)}
    return None


def _rating_codes(b: Block) -> None:
    e = b.wave
    values = pd.concat([_values(e.data[c]) for c in b.columns])
    num = _numeric(values)
    labels_of = {}
    for c in b.columns:
        labels_of.update({float(k): v for k, v in (e.info.value_labels or {}).get(c, {}).items()
                          if re.fullmatch(r"[+-]?\d+(\.0)?", str(k))})
    if num is not None:
        b.observed = (float(num.min()), float(num.max()))
        stem_labels = {float(k): v.strip() for k, v in _IN_TEXT.findall(b.stem or e.qtext.get(b.columns[0], ""))}
        b.codes = labels_of or stem_labels
        return
    texts = sorted(set(values.astype(str)))
    parsed = [numbered(t) for t in texts]
    if all(p is not None for p in parsed):
        b.codes = {p[0]: p[1] for p in parsed if p is not None}
        return
    if any(p is not None for p in parsed):  # endpoints labelled, middle numbers ("10 - Completely")
        b.codes = {p[0]: p[1] for p in parsed if p is not None}
        plain = [float(t) for t, p in zip(texts, parsed, strict=True) if p is None and re.fullmatch(r"[+-]?\d+", t)]
        b.observed = (min([*b.codes, *plain]), max([*b.codes, *plain]))
        b.order_known = len(plain) + len(b.codes) == len(texts)
        return
    digits = [float(t) for t in texts if re.fullmatch(r"[+-]?\d+(\.\d+)?", t)]
    if digits:  # numbers in one wave, words in another: which word is which code is not known
        b.codes, b.observed, b.order_known = {}, (min(digits), max(digits)), False
        return
    ordinal = _ordinal_codes(texts)
    b.codes = ordinal or {float(i + 1): t for i, t in enumerate(texts)}
    b.order_known = ordinal is not None


def _quiz_options(b: Block) -> None:
    e = b.wave
    for c in b.columns:
        labels = {float(k): v for k, v in (e.info.value_labels or {}).get(c, {}).items()
                  if re.fullmatch(r"[+-]?\d+(\.0)?", str(k))}
        if not labels:
            vals = _values(e.data[c]).astype(str)
            digits = sorted({float(t) for t in vals if re.fullmatch(r"[+-]?\d+(\.\d+)?", t)})
            if digits:  # codes (perhaps beside labels of another wave, whose codes are not known)
                labels = {x: f"option {x:g}" for x in digits}
                b.order_known = b.order_known and len(digits) == vals.nunique()
            else:
                labels = {float(i + 1): t for i, t in enumerate(sorted(set(vals)))}
        b.options[c] = labels


def _describe(e: Loaded, cols: list[str], how: str) -> Block:
    stem, texts = _stem_and_items(e, cols)
    kind = "quiz" if _is_quiz(e, cols) else "rating"
    b = Block(e, cols, stem, texts, kind, how)
    if kind == "quiz":
        _quiz_options(b)
    else:
        _rating_codes(b)
    return b


def pooled(b: Block, extra: list[tuple[Loaded, list[str]]]) -> Block:
    """The block with the answers of the same items in other waves added, so that answer
    options seen only at a later wave are in the drafted response sets too."""
    if not extra:
        return b
    e = b.wave
    cols = {c: [e.data[c]] for c in b.columns}
    for wave, columns in extra:
        for c, other in zip(b.columns, columns, strict=True):
            cols[c].append(wave.data[other])
    data = pd.DataFrame({c: pd.concat(parts, ignore_index=True) for c, parts in cols.items()})
    for pts in (f"Points - {c}" for c in b.columns):
        if pts in e.data.columns:
            data[pts] = pd.concat([e.data[pts], pd.Series([None] * (len(data) - len(e.data)))], ignore_index=True)
    merged = Loaded(e.rel, e.path, data, e.info, e.sheet, e.timepoints, e.id_column)
    out = Block(merged, b.columns, b.stem, b.texts, b.kind, b.how)
    if out.kind == "quiz":
        _quiz_options(out)
    else:
        _rating_codes(out)
    return out


def correct_answers(b: Block) -> dict[str, float]:
    """Quiz answers a platform marked correct (Microsoft Forms ``Points - <question>``)."""
    e = b.wave
    out: dict[str, float] = {}
    for c in b.columns:
        pts = f"Points - {c}"
        if pts not in e.data.columns:
            continue
        got = pd.to_numeric(e.data[pts], errors="coerce").to_numpy(dtype="float64", na_value=np.nan) > 0
        right = _values(e.data.loc[got, c]).astype(str).unique()
        if len(right) == 1:
            code = next((k for k, v in b.options[c].items() if v == right[0] or f"{k:g}" == right[0]), None)
            if code is not None:
                out[c] = code
    return out
