"""Tests for evaltool.qual.outputs: code frequencies, the participant × code matrix, quotes.

Expected counts are worked by hand from the small answer sets below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaltool.errors import ParameterError
from evaltool.qual import (
    EXEMPLAR_COLUMNS,
    FREQUENCY_COLUMNS,
    code,
    code_frequencies,
    code_matrix,
    exemplar_quotes,
)
from evaltool.qual.codebook import load_codebook


@pytest.fixture(scope="module")
def book():
    return load_codebook("resilience_training")


@pytest.fixture()
def answers() -> pd.DataFrame:
    return pd.DataFrame({
        "response_id": ["a", "b", "c", "d", "e", "f"],
        "participant_id": ["P1", "P1", "P2", "P2", "P3", "P3"],
        "timepoint": pd.Categorical(["T2", "T3", "T2", "T3", "T2", "T3"], categories=["T2", "T3", "T4"],
                                    ordered=True),
        "question": ["q1"] * 6,
        "text": ["The coaching call helped", "Too long, but the call was useful", "n/a",
                 "Please send the slides", "-", "My team debrief after bad shifts"],
    })


@pytest.fixture()
def codings(answers, book) -> pd.DataFrame:
    return code(answers, book)


def test_frequency_columns_and_counts(answers, codings, book):
    f = code_frequencies(codings, answers, codebook=book)
    assert tuple(f.columns) == ("timepoint", "question", *FREQUENCY_COLUMNS)
    assert FREQUENCY_COLUMNS == ("code", "label", "n_answers", "n_nonempty", "n_with_code", "percent")
    assert len(f) == 2 * 12  # two timepoints with answers × 12 codes
    call = f[f.code == "coaching_call"].set_index("timepoint")
    # T2: a (call), c (n/a), e (-) → 3 answers, 1 non-empty, 1 with the code
    assert call.loc["T2", ["n_answers", "n_nonempty", "n_with_code", "percent"]].tolist() == [3, 1, 1, 100.0]
    # T3: b (call), d, f → 3 answers, 3 non-empty, 1 with the code
    assert call.loc["T3", "n_with_code"] == 1
    assert call.loc["T3", "percent"] == pytest.approx(100 / 3)
    assert f[f.code == "coaching_call"]["label"].iloc[0] == "The coaching call"


def test_frequencies_overall_and_default_by_skips_missing_columns(answers, codings, book):
    overall = code_frequencies(codings, answers, by=None, codebook=book)
    assert tuple(overall.columns) == FREQUENCY_COLUMNS and len(overall) == 12
    assert overall.set_index("code").loc["coaching_call", "n_with_code"] == 2
    no_q = answers.drop(columns="question")
    f = code_frequencies(codings, no_q, codebook=book)
    assert tuple(f.columns) == ("timepoint", *FREQUENCY_COLUMNS)
    with pytest.raises(ParameterError, match="needs column"):
        code_frequencies(codings, no_q, by=["question"], codebook=book)


def test_percent_is_missing_when_a_group_has_only_empty_answers(book):
    answers = pd.DataFrame({"response_id": [1, 2], "timepoint": ["T2", "T3"], "text": ["n/a", "The call"]})
    f = code_frequencies(code(answers, book), answers, by="timepoint", codebook=book)
    t2 = f[(f.timepoint == "T2")]
    assert t2["n_nonempty"].eq(0).all() and t2["percent"].isna().all()


def test_codings_must_belong_to_the_answers(answers, codings, book):
    stray = pd.concat([codings, pd.DataFrame({"response_id": ["zz"], "code": ["coaching_call"]})])
    with pytest.raises(ParameterError, match="1 coding"):
        code_frequencies(stray, answers, codebook=book)


def test_code_matrix(answers, codings, book):
    m = code_matrix(codings, answers, codebook=book)
    codes = [c.id for c in book.flat_codes()]
    assert m.columns.tolist() == ["participant_id", *codes]
    assert m["participant_id"].tolist() == ["P1", "P2", "P3"]
    assert all(m[c].dtype == np.int64 for c in codes)
    assert m.set_index("participant_id").loc["P1", ["coaching_call", "delivery_format"]].tolist() == [1, 1]
    assert m.set_index("participant_id").loc["P2", "suggestions"] == 1
    assert m.set_index("participant_id").loc["P3", "peer_support"] == 1
    assert m[codes].isin([0, 1]).all().all()


def test_code_matrix_by_timepoint_keeps_every_participant_timepoint(answers, codings, book):
    m = code_matrix(codings, answers, by_timepoint=True, codebook=book)
    assert m[["participant_id", "timepoint"]].astype(str).values.tolist() == [
        ["P1", "T2"], ["P1", "T3"], ["P2", "T2"], ["P2", "T3"], ["P3", "T2"], ["P3", "T3"]]
    row = m[(m.participant_id == "P2") & (m.timepoint == "T2")].iloc[0]
    assert row[[c.id for c in book.flat_codes()]].sum() == 0
    with pytest.raises(ParameterError, match="needs column"):
        code_matrix(codings, answers.drop(columns="timepoint"), by_timepoint=True, codebook=book)


def test_exemplar_quotes_are_redacted_and_short(book):
    answers = pd.DataFrame({
        "response_id": [1, 2, 3, 4],
        "participant_id": ["P1", "P1", "P2", "P3"],
        "text": [
            "Dr Patel's coaching call helped me a lot, ring her on 07700 900123.",
            "The coaching call was good.",
            "I never got my follow up call, email me at jo.bloggs@nhs.net. " + "Filler text. " * 20,
            "Thanks to Sarah for the coaching call which was " + "really " * 40 + "useful.",
        ],
    })
    codings = code(answers, book)
    q = exemplar_quotes(codings, answers, n=5, codebook=book, max_chars=80)
    assert tuple(q.columns) == EXEMPLAR_COLUMNS == ("code", "label", "rank", "response_id", "quote")
    call = q[q.code == "coaching_call"]
    assert call["response_id"].tolist() == [1, 3, 4]  # one quote per participant
    assert call["rank"].tolist() == [1, 2, 3]
    joined = " ".join(q["quote"])
    for secret in ("Patel", "07700", "jo.bloggs", "Sarah"):
        assert secret not in joined
    assert "[name]" in joined and "[phone]" in joined and "[email]" in joined
    assert all(len(x) <= 80 + 40 for x in q["quote"])
    assert any(x.endswith("…") or x.startswith("…") for x in call["quote"])


def test_exemplar_quotes_options(answers, codings, book):
    assert exemplar_quotes(codings, answers, n=1, codebook=book).groupby("code").size().max() == 1
    with pytest.raises(ParameterError, match="always redacts"):
        exemplar_quotes(codings, answers, redact=False, codebook=book)
    with pytest.raises(ParameterError, match="positive integer"):
        exemplar_quotes(codings, answers, n=0, codebook=book)
    with pytest.raises(ParameterError, match="accepts the options"):
        exemplar_quotes(codings, answers, redact={"colour": 1}, codebook=book)
    q = exemplar_quotes(codings, answers, redact={"names": ["debrief"]}, codebook=book)
    assert "[name]" in q[q.code == "peer_support"]["quote"].iloc[0]


def test_inputs_are_not_modified(answers, codings, book):
    a0, c0 = answers.copy(deep=True), codings.copy(deep=True)
    code_frequencies(codings, answers, codebook=book)
    code_matrix(codings, answers, by_timepoint=True, codebook=book)
    exemplar_quotes(codings, answers, codebook=book)
    pd.testing.assert_frame_equal(answers, a0)
    pd.testing.assert_frame_equal(codings, c0)
