"""Compose varied, human-sounding free-text answers from the phrase templates.

Each answer is built from one to three template sentences (alternatives picked at random),
joined with varied punctuation, then roughened: lower-case starts, missing full stops, typos,
"&", the odd line break. Answers that should be left blank or say "n/a" are decided here too.
Every non-trivial answer in the study is different (the composer retries on a repeat).
"""

from __future__ import annotations

import re

import numpy as np

from . import _phrases as ph

_ALT = re.compile(r"\{([^{}]*)\}")
_SLOT = re.compile(r"<(role|place|event|peers)>")
_WORD = re.compile(r"[A-Za-z]{5,}")


def _pick(rng: np.random.Generator, options: tuple | list):
    return options[int(rng.integers(len(options)))]


def expand(template: str, rng: np.random.Generator, profession: int) -> str:
    """Fill ``{a|b}`` alternatives and ``<slot>`` words of one template."""
    text = _ALT.sub(lambda m: _pick(rng, m.group(1).split("|")), template)
    ctx = ph.CONTEXT[profession]
    text = _SLOT.sub(lambda m: _pick(rng, ctx[m.group(1)]), text)
    return re.sub(r"\s+([,.!?])", r"\1", re.sub(r" {2,}", " ", text)).strip()


def _typo(text: str, rng: np.random.Generator) -> str:
    words = [m for m in _WORD.finditer(text)]
    if not words:
        return text
    for right, wrong in ph.MISSPELLINGS.items():
        if right in text and rng.random() < 0.5:
            return text.replace(right, wrong, 1)
    m = _pick(rng, words)
    w = m.group(0)
    i = int(rng.integers(1, len(w) - 2))
    kind = int(rng.integers(3))
    if kind == 0:
        w2 = w[:i] + w[i + 1] + w[i] + w[i + 2:]
    elif kind == 1:
        w2 = w[:i] + w[i + 1:]
    else:
        w2 = w[:i] + w[i] + w[i:]
    return text[: m.start()] + w2 + text[m.end():]


def _finish(sentence: str, rng: np.random.Generator) -> str:
    if sentence[-1] in ".!?":
        return sentence
    return sentence + _pick(rng, (".", ".", ".", "!", "", ""))


def _join(sentences: list[str], rng: np.random.Generator) -> str:
    parts = [_finish(s, rng) for s in sentences]
    out = parts[0]
    for s in parts[1:]:
        if out[-1] in ".!?":
            out += "\n" if rng.random() < 0.06 else " "
        else:
            sep = _pick(rng, (". ", " - ", ", ", ". "))
            out += sep
            if sep in (" - ", ", ") and not s.startswith(("I ", "I'")):
                s = s[0].lower() + s[1:]
        out += s
    return out


def _roughen(text: str, rng: np.random.Generator) -> str:
    if rng.random() < 0.09:
        text = _typo(text, rng)
    if rng.random() < 0.06:
        text = text.replace(" and ", " & ", 1)
    r = rng.random()
    if r < 0.05:
        text = text.lower()
    elif r < 0.22:
        text = text[0].lower() + text[1:]
    if rng.random() < 0.3:
        text = text.rstrip(".")
    elif rng.random() < 0.05:
        text = text.rstrip(".!") + "!!"
    return text


def _sentences(pool, k: int, rng: np.random.Generator, profession: int) -> list[str]:
    order = rng.permutation(len(pool))
    chosen: list[str] = []
    themes: list[str] = []
    for idx in order:
        theme, template = pool[int(idx)]
        if theme in themes and len(themes) < len({t for t, _ in pool}):
            continue
        chosen.append(expand(template, rng, profession))
        themes.append(theme)
        if len(chosen) == k:
            break
    return chosen


def compose(question: str, valence: str, profession: int, rng: np.random.Generator) -> str:
    """One answer to ``question`` with the given valence (pos, mixed, neg, neutral, no_call)."""
    pools = ph.POOLS[question]
    n_sent = int(rng.choice([1, 2, 3], p=[0.45, 0.38, 0.17]))
    if valence == "mixed":
        pos = _sentences(pools["pos"], 1, rng, profession)[0]
        neg = _sentences(pools.get("crit", pools["neg"]), 1, rng, profession)[0]
        first, second = (pos, neg) if "crit" in pools or rng.random() < 0.8 else (neg, pos)
        first = first[0].upper() + first[1:]
        conn = _pick(rng, ph.CONNECTORS_MIXED)
        if not second.startswith(("I ", "I'")):
            second = second[0].lower() + second[1:]
        text = first.rstrip(".!") + conn + second
        if n_sent == 3:
            text = _join([text, _sentences(pools["pos"], 1, rng, profession)[0]], rng)
    elif valence == "neutral":
        text = _sentences(pools["neutral"], 1, rng, profession)[0]
    else:
        k = 1 if valence == "no_call" or (question == "fb_change" and valence == "pos") else n_sent
        k = min(k, 2) if valence == "neg" else k
        text = _join(_sentences(pools[valence], k, rng, profession), rng)
    return _roughen(text, rng)


def blank_or_token(rng: np.random.Generator, p_blank: float = 0.09, p_token: float = 0.06) -> str | None:
    """None for a real answer; otherwise '' (left blank) or an empty token such as 'n/a'."""
    r = rng.random()
    if r < p_blank:
        return ""
    if r < p_blank + p_token:
        return str(_pick(rng, ph.EMPTY_TOKENS))
    return None


def valence_for(question: str, gain: float, rng: np.random.Generator) -> str:
    """Draw a valence; people whose confidence rose least are a little more negative."""
    p = np.array(ph.VALENCE_P[question], dtype=float)
    if gain < -0.4:
        p = p * np.array([0.6, 1.0, 2.0, 1.0])
    p = p / p.sum()
    return str(rng.choice(["pos", "mixed", "neg", "neutral"], p=p))


def add_pii(text: str, sentence: str, rng: np.random.Generator) -> str:
    """Put a planted identifying sentence before or after an answer."""
    if not text:
        return sentence
    if rng.random() < 0.7:
        sep = " " if text[-1] in ".!?" else ". "
        return text + sep + sentence
    return sentence + ("\n" if rng.random() < 0.5 else " ") + text


def is_trivial(text: str) -> bool:
    return text.strip() == "" or text in ph.EMPTY_TOKENS
