"""Tests for evaltool.qual.themes (inductive theme suggestions).

Synthetic answers made here, deterministically, from three disjoint vocabularies plus shared
filler, so the "true" themes are known.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaltool.errors import EvaltoolWarning, ParameterError
from evaltool.qual.themes import THEMES_COLUMNS, suggest_themes

VOCAB = {
    "staffing": ["rota", "staffing", "shifts", "understaffed", "overtime", "workload", "breaks"],
    "family": ["family", "children", "partner", "home", "weekend", "kids", "husband"],
    "sleep": ["sleep", "tired", "insomnia", "nightmares", "rest", "exhausted", "bedtime"],
}
FILLER = ["really", "quite", "think", "helped", "felt", "course", "session"]


def _answers(n_per: int = 30, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    rows, truth = [], []
    for t, words in enumerate(VOCAB.values()):
        for _ in range(n_per):
            text = " ".join([*rng.choice(words, 4, replace=False), *rng.choice(FILLER, 2)])
            rows.append(text.capitalize() + ".")
            truth.append(t)
    order = rng.permutation(len(rows))
    answers = pd.DataFrame({"response_id": [f"r{i}" for i in range(len(rows))],
                            "text": np.array(rows, dtype=object)[order]})
    return answers, np.array(truth)[order]


def test_columns_pinned():
    assert THEMES_COLUMNS == ("theme", "label", "top_terms", "n_answers", "share", "stability",
                              "overlap", "example_ids", "examples", "method")


def test_recovers_three_themes_and_chooses_k():
    """Each theme has seven words; with filler removed (DOMAIN_STOP_WORDS) an eighth top term
    would be noise, so stability is judged on seven."""
    answers, truth = _answers()
    res = suggest_themes(answers, seed=0, n_terms=7)
    assert list(res.columns) == list(THEMES_COLUMNS)
    assert len(res) == 3 and res["theme"].tolist() == [1, 2, 3]
    assert "k=3 chosen by top-term stability" in res.loc[0, "method"]
    found = set()
    for r in res.itertuples():
        top = r.top_terms.split(", ")[:5]
        which = {name for name, words in VOCAB.items() if set(top) <= set(words)}
        assert len(which) == 1, top
        found |= which
        # every example answer belongs to the theme's vocabulary
        for rid in r.example_ids.split(" | "):
            i = int(rid[1:])
            assert list(VOCAB)[truth[i]] in which
    assert found == set(VOCAB)
    assert res["n_answers"].sum() == 90 and res["share"].sum() == pytest.approx(1.0)
    assert (res["n_answers"] == 30).all()
    assert (res["stability"] > 0.9).all()


def test_deterministic_and_not_applied():
    answers, _ = _answers()
    a0 = answers.copy()
    r1 = suggest_themes(answers, n_themes=4, seed=3)
    r2 = suggest_themes(answers, n_themes=4, seed=3)
    pd.testing.assert_frame_equal(r1, r2)
    pd.testing.assert_frame_equal(answers, a0)          # nothing added to the data
    assert len(r1) == 4 and "k=4 given" in r1.loc[0, "method"]


def test_uncoded_only():
    answers, truth = _answers()
    coded = answers.loc[truth == 0, ["response_id"]].assign(code="workload")
    res = suggest_themes(answers, uncoded_only=True, codings=coded, n_themes=2)
    assert res["n_answers"].sum() == 60
    terms = set(", ".join(res["top_terms"]).split(", "))
    assert not terms & set(VOCAB["staffing"])


def test_quotes_are_short():
    answers, _ = _answers()
    long = answers.copy()
    long.loc[:, "text"] = long["text"] + " " + "and then some more words " * 20
    res = suggest_themes(long, n_themes=3, n_examples=2)
    for quotes in res["examples"]:
        parts = quotes.split(" | ")
        assert len(parts) == 2
        assert all(len(q) <= 142 and q.endswith("…") for q in parts)


def test_errors():
    answers, _ = _answers()
    with pytest.raises(ParameterError, match="needs the codings"):
        suggest_themes(answers, uncoded_only=True)
    with pytest.raises(ParameterError, match="'n_themes'"):
        suggest_themes(answers, n_themes=1)
    with pytest.warns(EvaltoolWarning, match="at least"):
        assert suggest_themes(answers.iloc[:5]).empty
    with pytest.raises(ParameterError, match="'text'"):
        suggest_themes(answers.drop(columns="text"))


def test_quotes_are_redacted():
    answers, _ = _answers()
    answers = answers.copy()
    answers["text"] = answers["text"] + " Ask Mrs Okafor on 07700 900123."
    res = suggest_themes(answers, n_themes=3, n_examples=3)
    joined = " ".join(res["examples"])
    assert "Okafor" not in joined and "900123" not in joined
    assert "[name]" in joined
    # a name in every answer is too common (max_df) to become a theme word
    assert "okafor" not in " ".join(res["top_terms"]).lower()



def test_never_raises_on_short_repetitive_answers():
    """Short repetitive answers give a clear warning and no suggestion, not an error."""
    for texts in (["good"] * 30, ["n/a", "-", "ok", "fine"] * 10, ["really good thanks tbh"] * 25):
        answers = pd.DataFrame({"response_id": range(len(texts)), "text": texts})
        with pytest.warns(EvaltoolWarning, match="no theme suggestions"):
            assert suggest_themes(answers).empty


def test_filler_is_gone_labels_overlap_and_a_few_dozen_answers():
    """A few dozen uncoded answers get suggestions; no filler word among the terms; each has
    a label and says how it overlaps the codebook."""
    from evaltool.qual import load_codebook

    rng = np.random.default_rng(5)
    a = ["the rota gaps and night shifts tbh", "rota gaps every weekend really", "night shifts and rota gaps again"]
    b = ["the parking charges at the venue", "parking charges were a bit steep", "venue parking charges really"]
    texts = [rng.choice(a) + " " + rng.choice(["", "thanks", "I think"]) for _ in range(14)]
    texts += [rng.choice(b) + " " + rng.choice(["", "lol", "really"]) for _ in range(14)]
    answers = pd.DataFrame({"response_id": [f"u{i}" for i in range(len(texts))], "text": texts})
    res = suggest_themes(answers, codebook=load_codebook("resilience_training"), seed=0)
    assert len(res) >= 2
    terms = set(", ".join(res["top_terms"]).replace(",", " ").split())
    assert not terms & {"bit", "tbh", "really", "thank", "thanks", "think", "ve", "lol"}
    assert {"rota gaps", "parking charges"} & set(res["label"])
    assert all(res["overlap"].str.len() > 0)
    assert any("system_context" in o for o in res["overlap"])


def test_terms_and_labels_are_redacted():
    texts = ([f"Sister Okafor on Larkspur Ward was kind {i}" for i in range(12)]
             + [f"Parking at Castlebridge General Hospital was awful {i}" for i in range(12)])
    answers = pd.DataFrame({"response_id": range(len(texts)), "text": texts})
    res = suggest_themes(answers, n_themes=2, redact={"places": ["Larkspur Ward"]})
    blob = " ".join(res["top_terms"].tolist() + res["label"].tolist() + res["examples"].tolist()).lower()
    assert "okafor" not in blob and "larkspur" not in blob and "castlebridge" not in blob


def test_large_corpus_is_sampled_and_says_so():
    answers, truth = _answers(n_per=60)
    with pytest.warns(EvaltoolWarning, match="random sample of 90 of the 180 answers"):
        res = suggest_themes(answers, seed=0, n_terms=7, max_answers=90)
    assert res["n_answers"].sum() == 90  # counts are of the sample
    assert res["method"].str.contains("random sample of 90 of the 180 answers").all()
    # the sample still finds the three themes, and the same seed gives the same sample
    tops = {frozenset(t.split(", ")[:5]) for t in res["top_terms"]}
    assert {name for name, words in VOCAB.items() for top in tops if top <= set(words)} == set(VOCAB)
    with pytest.warns(EvaltoolWarning):
        again = suggest_themes(answers, seed=0, n_terms=7, max_answers=90)
    pd.testing.assert_frame_equal(res, again)
    whole = suggest_themes(answers, seed=0, n_terms=7, max_answers=None)
    assert whole["n_answers"].sum() == 180 and not whole["method"].str.contains("sample").any()
    with pytest.raises(ParameterError, match="max_answers"):
        suggest_themes(answers, max_answers=3)
