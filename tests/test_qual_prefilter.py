"""Tests for evaltool.qual._prefilter: the RE2 prefilter never drops an answer a phrase matches.

The prefilter is a speed device only: the codings must be exactly those found when every
answer is scanned. Checked three ways: per phrase on generated examples (with pyarrow's RE2,
the engine that runs it), on word-boundary edge cases with non-ASCII letters, and end to end
(code() with and without the prefilter on the development set and generated answers).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
import yaml

from evaltool.qual import _engine as E
from evaltool.qual import _patterns as P
from evaltool.qual import code, load_codebook
from evaltool.qual._prefilter import fragments_cost, phrase_fragments
from evaltool.qual.codebook import Code, Codebook

DEV = Path(__file__).parent / "data" / "qual" / "dev_coded_answers_2.yaml"


def _emit(seq: tuple[object, ...] | list[object], rng: random.Random, words: list[str]) -> None:
    for item in seq:
        if isinstance(item, str):
            w = item.rstrip("*") + (rng.choice(["", "ed", "s"]) if item.endswith("*") else "")
            words.append(w.replace("-", rng.choice(["-", " ", ""])))
        elif isinstance(item, P._Gap):
            words.extend(["really"] * rng.randint(0, item.n))
        elif isinstance(item, P._Group):
            if item.optional and rng.random() < 0.5:
                continue
            _emit(rng.choice(item.alts), rng, words)


def _examples_of(phrase: str, rng: random.Random) -> list[str]:
    """Strings built from a phrase's alternatives, with punctuation and case variations."""
    out = []
    for _ in range(6):
        words: list[str] = []
        _emit(P.parse_phrase(phrase), rng, words)
        sep = rng.choice([" ", ", ", " - ", "  "])
        out.append(rng.choice(["", "Well ", "(", "“"]) + sep.join(words) + rng.choice(["", ".", "!", "”"]))
    return out


def _phrases(book: Codebook) -> list[str]:
    out = []
    for c in book.flat_codes():
        for r in c.rules:
            out += list(r.phrases) + [s if s.endswith("*") else s + "*" for s in r.stems]
            if r.near is not None:
                out += r.near.phrases()
        for ex in c.exclude_patterns:
            out += list(ex.phrases)
    return out


def test_every_match_passes_the_prefilter():
    """Every example a phrase matches (Python re, as the coder) is kept by its RE2 fragments."""
    rng = random.Random(7)
    book = load_codebook("resilience_training")
    checked = 0
    for p in _phrases(book):
        frags = phrase_fragments(p)
        assert frags, p
        rx = re.compile(P.compile_trie([(a, f"m{i}") for i, a in enumerate(P.phrase_atoms(p))]))
        texts = [t.lower() for t in _examples_of(p, rng)]
        matched = [t for t in texts if rx.search(t)]
        if not matched:
            continue
        keep = pc.match_substring_regex(pa.array(matched), "|".join(f for f, _ in frags))
        missed = [t for t, k in zip(matched, keep.to_pylist(), strict=True) if not k]
        assert missed == [], (p, missed)
        checked += len(matched)
    assert checked > 3000


@pytest.mark.parametrize(
    ("phrase", "text"),
    [
        ("café", "the café was cold"),
        ("naïve", "naïve me"),
        ("resilience", "résumé: resilience"),
        ("didn't help", "it didn’t help"),
        ("short-staffed", "always shortstaffed"),
        ("1:1", "my 1-1 call"),
        ("stress*", "so stressful"),
        ("(coaching|phone) call", "the phone  call"),
        ("thinking trap*", "thinking-traps"),
        ("on with it", "get on, with it"),
    ],
)
def test_fragments_keep_edge_cases(phrase, text):
    rx = re.compile(P.compile_trie([(a, f"m{i}") for i, a in enumerate(P.phrase_atoms(phrase))]))
    assert rx.search(text.lower())
    frags = phrase_fragments(phrase)
    assert frags
    assert pc.match_substring_regex(pa.array([text.lower()]), "|".join(f for f, _ in frags))[0].as_py()


def test_fragment_choice():
    """Two adjacent common words make one fragment; the cheapest set is chosen; a word
    ending in '*' gets no closing boundary."""
    assert phrase_fragments("(just|simply) (get|got) on with it") == frozenset({(r"\bon\W+with\b", 0.25)})
    assert {f for f, _ in phrase_fragments("the thinking traps")} == {r"\bthinking\W+traps\b"}
    assert {f for f, _ in phrase_fragments("stress*")} == {r"\bstress"}
    assert {f for f, _ in phrase_fragments("didn't help")} == {"\\bdidn['’‘`´]?t\\W+help\\b"}
    both = phrase_fragments("(coaching|phone) call")
    assert fragments_cost(both) == sum(c for _, c in both)


def _all_candidates(corpus: E.Corpus, anchors: str | None) -> np.ndarray:
    return np.arange(len(corpus.low), dtype=np.int64)


def test_codings_are_the_same_without_the_prefilter(monkeypatch):
    """End to end: code() with the prefilter equals code() scanning every answer."""
    from bench.bench_qual import make_answers

    dev = yaml.safe_load(DEV.read_text(encoding="utf-8"))["answers"]
    texts = [a["text"] for a in dev] + make_answers(3000, seed=11)
    df = pd.DataFrame({"response_id": range(len(texts)), "text": texts})
    book = load_codebook("resilience_training")
    fast = code(df, book)
    monkeypatch.setattr(E, "candidates", _all_candidates)
    slow = code(df, book)
    pd.testing.assert_frame_equal(fast, slow)


def test_user_codebook_phrases_are_prefiltered_safely():
    book = Codebook(id="u", name="U", version="1", codes=[
        Code(id="c", label="C", definition="C.", rules=[{"phrases": ["on with it", "f-2-f", "(a|the) call"]}])])
    texts = ["just get on with it", "prefer f2f", "the call", "a  call!", "recall", "on without"]
    got = code(pd.Series(texts, index=range(len(texts))), book)
    assert sorted(got["response_id"].tolist()) == [0, 1, 2, 3]


def test_codings_are_the_same_with_and_without_re2(monkeypatch):
    """RE2 scans the units with word gaps (and user regexes) where google-re2 is installed; the
    codings must equal the Python engine's, answers with non-ASCII letters (scanned by Python)
    and curly apostrophes or emoji (mapped to ASCII for RE2) included."""
    from bench.bench_qual import make_answers

    if E._re2 is None:  # pragma: no cover
        pytest.skip("google-re2 not installed")
    dev = yaml.safe_load(DEV.read_text(encoding="utf-8"))["answers"]
    extra = ["Zoë said the café was useful but far too long", "It’s ok to cry after a mistake ’cause we’re human 😊",
             "the call – honestly – helped… loads", "résumé: resilience isn’t about toughing it out",
             "Not very relevant to paramedics — more examples from our area please"]
    texts = [a["text"] for a in dev] + extra + make_answers(3000, seed=12)
    df = pd.DataFrame({"response_id": range(len(texts)), "text": texts})
    book = load_codebook("resilience_training")
    fast = code(df, book)
    assert E.USE_RE2 and any(E.re2_pattern(p.pattern) is not None
                             for cm in E.compile_codebook(book).codes for p, _ in cm.units)
    monkeypatch.setattr(E, "USE_RE2", False)
    slow = code(df, book)
    pd.testing.assert_frame_equal(fast, slow)


def test_not_in_words_regex():
    rx = re.compile(r"^" + E._not_in(("but", "yet", "though")) + r"$")
    for w in ("but", "yet", "though"):
        assert not rx.match(w)
    for w in ("butter", "bu", "b", "yes", "yeti", "tho", "thoughts", "although", "x", "9"):
        assert rx.match(w), w
