"""The codings joined to their answers once (evaltool.qual._prepared) give every table exactly
what a call on its own gives, and what a plain pandas join of the two tables gives.

The references below are the joins the table functions made before the preparation was
shared (``merge`` on the answer id, ``groupby``/``nunique``): independent of the arrays the
preparation uses.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from evaltool.analysis.steps import qual as S
from evaltool.analysis.steps.quotes import pick_quotes
from evaltool.errors import ParameterError
from evaltool.qual import code, code_frequencies, code_matrix, coding_summary, exemplar_quotes
from evaltool.qual._prepared import prepare
from evaltool.qual.codebook import load_codebook

_TEMPLATES = [
    "The coaching call with Dr Patel helped me a lot. Too long though.",
    "My team debrief after bad shifts is better now, thanks to Sarah Jones.",
    "Please send the slides. The breathing exercise helped.",
    "Too long and too many sessions; more breaks please. The coaching call was useful.",
    "n/a", "-", "Nothing", "Fine",
    "I use the breathing exercise before handover. Shorter sessions please.",
    "The coaching call wasn't useful at all",
]


@pytest.fixture(scope="module")
def book():
    return load_codebook("resilience_training")


def _answers(dtype: str) -> pd.DataFrame:
    n = 90
    return pd.DataFrame({
        "response_id": pd.Series([f"r{i:03d}" for i in range(n)], dtype=dtype),
        "participant_id": pd.Series([f"P{i // 3:02d}" if i % 17 else None for i in range(n)], dtype=dtype),
        "timepoint": pd.Categorical(["T2", "T3", "T4"] * (n // 3), categories=["T1", "T2", "T3", "T4"],
                                    ordered=True),
        "question": pd.Series(["q1", "q2"] * (n // 2), dtype=dtype),
        "text": pd.Series([_TEMPLATES[(i * 7) % len(_TEMPLATES)] if i % 13 else None for i in range(n)],
                          dtype=dtype),
    })


@pytest.fixture(scope="module", params=["str", "object"])
def data(request, book):
    answers = _answers(request.param)
    return answers, code(answers, book)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    assert list(a.dtypes) == list(b.dtypes)
    assert a.equals(b)


def test_every_table_is_the_same_with_a_shared_preparation(data, book):
    answers, codings = data
    prep = prepare(codings, answers, book)
    redact = {"names": ["Patel"]}
    pairs = [
        (code_frequencies(codings, answers, codebook=book), code_frequencies(codings, answers, codebook=book,
                                                                             prepared=prep)),
        (code_frequencies(codings, answers, by="timepoint", codebook=book),
         code_frequencies(codings, answers, by="timepoint", codebook=book, prepared=prep)),
        (code_matrix(codings, answers, codebook=book), code_matrix(codings, answers, codebook=book, prepared=prep)),
        (code_matrix(codings, answers, by_timepoint=True, codebook=book),
         code_matrix(codings, answers, by_timepoint=True, codebook=book, prepared=prep)),
        (exemplar_quotes(codings, answers, redact=redact, codebook=book),
         exemplar_quotes(codings, answers, redact=redact, codebook=book, prepared=prep)),
        (coding_summary(answers, codings, book), coding_summary(answers, codings, book, prepared=prep)),
        (S.code_counts(codings, answers, book, 3), S.code_counts(codings, answers, book, 3, prepared=prep)),
    ]
    for alone, shared in pairs:
        _same(alone, shared)


def test_frequencies_matrix_and_counts_equal_a_plain_join(data, book):
    answers, codings = data
    present = codings[["response_id", "code"]].drop_duplicates().merge(answers, on="response_id")
    f = code_frequencies(codings, answers, by="timepoint", codebook=book)
    ref = present.groupby(["timepoint", "code"], observed=True).size()
    got = f.set_index(["timepoint", "code"])["n_with_code"]
    assert (got[got > 0].sort_index() == ref.sort_index()).all() and got.sum() == ref.sum()
    m = code_matrix(codings, answers, codebook=book)
    ones = m.melt(id_vars="participant_id", var_name="code").query("value == 1")
    ref_ones = present[["participant_id", "code"]].dropna().drop_duplicates()  # no code for a missing person
    def pairs(frame: pd.DataFrame) -> list[tuple[str, str]]:
        return sorted((str(p), str(c)) for p, c in zip(frame["participant_id"], frame["code"], strict=True))

    assert pairs(ones) == pairs(ref_ones) and len(ones) > 10
    counts = S.code_counts(codings, answers, book, 3).set_index("code")
    joined = codings[["response_id", "code"]].merge(answers[["response_id", "participant_id"]], on="response_id")
    people = joined.groupby("code")["participant_id"].nunique()
    for c, n in people.items():
        assert counts.loc[c, "n_participants"] == n


def test_duplicated_answer_ids_count_as_a_join_would(book):
    answers = _answers("object")
    codings = code(answers, book)
    doubled = pd.concat([answers, answers.iloc[:10]], ignore_index=True)
    f = code_frequencies(codings, doubled, by=None, codebook=book)
    ref = codings[["response_id", "code"]].drop_duplicates().merge(doubled, on="response_id").groupby("code").size()
    assert (f.set_index("code")["n_with_code"][ref.index] == ref).all()
    with pytest.raises(ValueError):
        exemplar_quotes(codings, doubled, codebook=book)
    with pytest.raises(ParameterError, match="more than once"):
        coding_summary(doubled, codings, book, prepared=prepare(codings, doubled, book))


def test_a_preparation_of_other_tables_is_refused(data, book):
    answers, codings = data
    prep = prepare(codings, answers, book)
    with pytest.raises(ParameterError, match="prepared"):
        code_frequencies(codings.copy(), answers, codebook=book, prepared=prep)
    with pytest.raises(ParameterError, match="prepared"):
        code_matrix(codings, answers.copy(), codebook=book, prepared=prep)
    with pytest.raises(ParameterError, match="not in 'answers'"):
        prepare(codings, answers.iloc[5:], book)


def test_study_quotes_from_the_shared_source_are_pick_quotes(data, book):
    answers, codings = data
    run = SimpleNamespace(options=SimpleNamespace(min_cell_size=1),
                          spec=SimpleNamespace(free_text=[], timepoints=[]))
    prep = prepare(codings, answers, book)
    counts = S.code_counts(codings, answers, book, 1, prepared=prep)
    redact = {"names": ["Patel"]}
    exemplar_quotes(codings, answers, redact=redact, codebook=book, prepared=prep)  # redacts some answers first
    shared = S.study_quotes(run, codings, answers, counts, book, redact, prepared=prep)
    alone = S.study_quotes(run, codings, answers, counts, book, redact)
    _same(shared, alone)
    codes = counts.loc[counts["n_participants"] >= 1, "code"].head(8).tolist()
    rows = pick_quotes(codings, answers, codes, codebook=book, redact=redact, per_code=2)
    assert shared["quote"].tolist() == [r["quote"] for r in rows] and len(rows) > 0
    assert not np.any(shared["quote"].str.contains("Patel"))


def test_the_answers_part_read_beforehand_gives_the_same_tables(data, book):
    from evaltool.qual._prepared import prepare_answers

    answers, codings = data
    part = prepare_answers(answers, book)
    early = prepare(codings, answers, book, answers_part=part)
    assert early._cache["empty"] is part["cache"]["empty"]
    _same(code_frequencies(codings, answers, codebook=book, prepared=early),
          code_frequencies(codings, answers, codebook=book))
    _same(S.code_counts(codings, answers, book, 3, prepared=early), S.code_counts(codings, answers, book, 3))
    _same(exemplar_quotes(codings, answers, codebook=book, prepared=early), exemplar_quotes(codings, answers, codebook=book))
    other = prepare(codings, answers, book, answers_part=prepare_answers(answers.copy(), book))
    assert "empty" not in other._cache   # a part read from other answers is not used
