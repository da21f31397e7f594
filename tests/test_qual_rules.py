"""Tests for the rule features of issue 13: named vocabularies, context a rule requires
(clause, window, answer), clause-start position and question-restricted rules."""

from __future__ import annotations

import pandas as pd
import pytest
from pydantic import ValidationError

from evaltool import columns as C
from evaltool.qual import code
from evaltool.qual.codebook import Codebook


def _book(**code_fields) -> Codebook:
    base = {"id": "c", "label": "C", "definition": "d"}
    return Codebook.model_validate({
        "id": "t", "name": "t", "version": "1",
        "vocab": {"role": ["physio*", "OT", "band (5|6)"], "feeling": ["guilt*", "upset", "my fault"]},
        "codes": [{**base, **code_fields}],
    })


def _coded(book: Codebook, texts: list[str], questions: list[str] | None = None) -> list[tuple[int, str]]:
    df = pd.DataFrame({"response_id": range(len(texts)), "text": texts})
    if questions is not None:
        df["question"] = questions
    out = code(df, book)
    return list(zip(out[C.RESPONSE_ID], out[C.EVIDENCE], strict=True))


def test_vocab_expands_in_phrases_and_context():
    book = _book(rules=[{"name": "as-role", "phrases": ["as (a|an) {role}"]}])
    assert book.codes[0].rules[0].phrases == ["as (a|an) (physio*|OT|band (5|6))"]
    assert _coded(book, ["As a physiotherapist I liked it", "as a band 6 nurse", "as a nurse"]) == [
        (0, "As a physiotherapist"), (1, "as a band 6")]


def test_unknown_vocab_is_a_schema_error():
    with pytest.raises(ValidationError, match="not in vocab"):
        _book(rules=[{"phrases": ["as a {roles}"]}])


@pytest.mark.parametrize(("scope", "expected"), [
    ("clause", [0]),
    ("window", [0, 1]),
    ("answer", [0, 1, 2]),
])
def test_requires_scopes(scope, expected):
    book = _book(rules=[{"name": "incident", "phrases": ["incident*"],
                         "requires": {"phrases": ["{feeling}"], "scope": scope, "within": 3}}])
    texts = ["I felt guilt after the incident",           # same clause
             "The incident. Still upset",                 # next clause, 1 word away
             "The incident was in May, the ward was busy, the rota was awful, I was upset",
             "The incident reporting system is slow"]     # no context at all
    assert [r for r, _ in _coded(book, texts)] == expected


def test_requires_regex_on_original_text():
    book = _book(rules=[{"phrases": ["call"], "requires": {"regex": [r"\b1:1\b"], "scope": "answer"}}])
    assert [r for r, _ in _coded(book, ["The 1:1 call", "The call"])] == [0]


def test_clause_start_position():
    book = _book(rules=[{"name": "imperative", "position": "clause_start",
                         "phrases": ["(maybe)? (start|cut|make) (it|the)?"]}])
    texts = ["Start later please", "good day but cut the intro", "I would make it shorter",
             "- maybe make it shorter", "Loved it. Make it mandatory"]
    assert _coded(book, texts) == [(0, "Start"), (1, "cut the"), (3, "maybe make it"), (4, "Make it")]


def test_question_restricted_rules():
    book = _book(rules=[{"name": "short", "phrases": ["shorter"], "questions": ["change"]},
                        {"name": "always", "phrases": ["refresher"]}])
    texts = ["shorter", "shorter", "a refresher"]
    assert [r for r, _ in _coded(book, texts, ["fb_change", "fb_useful", "fb_useful"])] == [0, 2]
    # without a question column the restricted rule never fires
    assert [r for r, _ in _coded(book, texts)] == [2]


def test_question_rules_need_a_unique_name():
    with pytest.raises(ValidationError, match="needs a 'name'"):
        _book(rules=[{"phrases": ["x"], "questions": ["q"]}])
    with pytest.raises(ValidationError, match="used twice"):
        _book(rules=[{"name": "a", "phrases": ["x"], "questions": ["q"]}, {"name": "a", "phrases": ["y"]}])
