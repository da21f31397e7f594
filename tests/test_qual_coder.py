"""Tests for evaltool.qual.coder: rule coding, negation, valence, offsets, empty answers.

Conventions checked are those of shared/design/CODEBOOK.md ("coding conventions the automatic
coder must respect"). The example answers here are development examples written while the
rules were written (they are not a blind agreement set; that one is kept apart).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaltool import columns as C
from evaltool.errors import ParameterError
from evaltool.qual import (
    CODINGS_COLUMNS,
    SUMMARY_COLUMNS,
    VALENCE_COLUMNS,
    code,
    code_valence,
    coding_summary,
    empty_mask,
)
from evaltool.qual.codebook import Code, Codebook, load_codebook


@pytest.fixture(scope="module")
def book() -> Codebook:
    return load_codebook("resilience_training")


def answers_of(*texts: str) -> pd.DataFrame:
    return pd.DataFrame({"response_id": [f"r{i}" for i in range(len(texts))], "text": list(texts)})


def codes_of(text: str, book: Codebook) -> set[str]:
    return set(code(answers_of(text), book)["code"])


def valence_of(text: str, book: Codebook) -> str:
    return code_valence(answers_of(text), book)["valence"].iloc[0]


# --- output shape ----------------------------------------------------------------------------
def test_output_columns_are_pinned(book):
    assert CODINGS_COLUMNS == ("response_id", "code", "start", "end", "evidence", "rule", "negated", "coder")
    assert VALENCE_COLUMNS == ("response_id", "valence", "evidence")
    assert SUMMARY_COLUMNS == ("n_answers", "n_empty", "n_coded", "n_uncoded", "n_codings")
    out = code(answers_of("The call helped", "n/a"), book)
    assert tuple(out.columns) == CODINGS_COLUMNS
    assert out[C.START].dtype == np.int64 and out[C.END].dtype == np.int64
    assert out["negated"].dtype == bool
    assert out[C.CODER].unique().tolist() == ["evaltool-rules/0.1.0"]
    empty = code(answers_of("n/a"), book)
    assert tuple(empty.columns) == CODINGS_COLUMNS and len(empty) == 0
    assert tuple(code_valence(answers_of("n/a"), book).columns) == VALENCE_COLUMNS


def test_coder_name_and_custom_columns(book):
    df = pd.DataFrame({"id": [7], "answer": ["Please send the slides"]})
    out = code(df, book, text="answer", id="id", coder_name="rules-v2")
    assert set(out[C.RESPONSE_ID]) == {7}
    assert set(out[C.CODER]) == {"rules-v2"}


def test_series_input_uses_the_index(book):
    out = code(pd.Series(["More sessions please"], index=["a1"]), book)
    assert set(out[C.RESPONSE_ID]) == {"a1"}


# --- offsets ---------------------------------------------------------------------------------
def test_offsets_slice_back_to_the_evidence_with_non_ascii_and_emoji(book):
    texts = ["The café session 😊 was brilliant and the coaching call 👍🏽 helped",
             "Naïve me thought resilience meant toughing it out — 我 not any more",
             "İstanbul-born nurse: my colleagues 🙌 and our team debrief help",
             "e\u0301 combining accent then the thinking traps"]
    df = answers_of(*texts)
    out = code(df, book)
    assert len(out) >= 4
    for r in out.itertuples():
        original = texts[int(r.response_id[1:])]
        assert original[r.start:r.end] == r.evidence


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    pre=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
    post=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
    phrase=st.sampled_from(["coaching call", "thinking traps", "short-staffed", "my family",
                            "too long", "debrief", "safe space", "refresher"]),
)
def test_offsets_property(book, pre, post, phrase):
    text = f"{pre} {phrase} {post}"
    out = code(pd.Series([text], index=["x"]), book)
    for r in out.itertuples():
        assert text[r.start:r.end] == r.evidence
        assert 0 <= r.start < r.end <= len(text)


# --- conventions: negation, contrast, hedging, several codes ------------------------------------
def test_negated_call_keeps_the_code_and_is_negative(book):
    """CODEBOOK.md: "the call wasn't useful" is coaching_call with negative valence."""
    assert "coaching_call" in codes_of("The call wasn't useful", book)
    assert valence_of("The call wasn't useful", book) == "negative"
    assert valence_of("The call was useful", book) == "positive"
    assert valence_of("The call was not very useful", book) == "negative"
    assert valence_of("I didn't find the coaching call particularly useful", book) == "negative"


def test_hedged_doubt_is_negative(book):
    assert valence_of("Not sure it helped", book) == "negative"
    assert valence_of("I doubt it helped much", book) == "negative"


def test_contrast_gives_mixed(book):
    assert valence_of("Useful but too long", book) == "mixed"
    assert valence_of("Really enjoyed it, however the room was freezing and too small", book) == "mixed"
    assert valence_of("Mixed feelings about it", book) == "mixed"


def test_valence_neutral_and_negated_negative(book):
    assert valence_of("It was ok", book) == "neutral"
    assert valence_of("n/a", book) == "neutral"
    assert valence_of("Not bad at all", book) == "positive"
    assert valence_of("There were no problems", book) == "positive"
    # a proposal implies something missing (CODEBOOK.md): negative, not neutral
    assert valence_of("It would be good to have more sessions", book) == "negative"


def test_valence_evidence_is_the_deciding_words(book):
    v = code_valence(answers_of("Useful but too long"), book)
    assert v["evidence"].iloc[0] == "Useful | too long"


def test_negation_sensitive_rules_drop_negated_matches(book):
    assert "suggestions" not in codes_of("Nothing I would change.", book)
    assert "suggestions" not in codes_of("No improvements needed", book)
    assert "suggestions" in codes_of("I would change the timing", book)
    assert "suggestions" in codes_of("Could be improved by adding a refresher", book)


def test_negated_flag_is_reported(book):
    out = code(answers_of("No course will fix the rota."), book)
    row = out[out.code == "system_context"].iloc[0]
    assert bool(row.negated) is True
    out = code(answers_of("The rota is awful."), book)
    assert not out[out.code == "system_context"]["negated"].any()


def test_negation_stays_in_its_clause(book):
    v = code_valence(answers_of("Not long. Really useful"), book)
    assert v["valence"].iloc[0] == "positive"


def test_an_answer_can_carry_several_codes(book):
    text = ("My coaching call came too late, but hearing that others felt the same in the group "
            "was reassuring. Managers should do this too.")
    assert {"coaching_call", "group_learning", "suggestions", "system_context"} <= codes_of(text, book)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Resilience isn't about toughing it out", "reframing_resilience"),
        ("Bit sceptical of resilience training, feels like it puts it all on us", "reframing_resilience"),
        ("Everyone makes mistakes, I felt less guilty after the SI", "humanising_error"),
        ("it's ok to cry after a traumatic birth", "humanising_error"),
        ("Used it at home with my partner", "beyond_work"),
        ("helped with my exams", "beyond_work"),
        ("I feel more confident and less of a perfectionist", "personal_growth"),
        ("kinder to myself now", "personal_growth"),
        ("We're short staffed and mgmt never listen", "system_context"),
        ("burnt out from the rota", "system_context"),
        ("the thinking traps and box breathing", "techniques_tools"),
        ("did a bit of CBT style reframing", "techniques_tools"),
        ("the 1-2-1 was great", "coaching_call"),
        ("never got my follow up call", "coaching_call"),
        ("hearing others felt the same", "group_learning"),
        ("great mix of midwives and paramedics", "group_learning"),
        ("not relevant to students", "relevance"),
        ("more paramedic examples please", "relevance"),
        ("far too long and the room was cold", "delivery_format"),
        ("zoom kept dropping out, prefer face to face", "delivery_format"),
        ("our team now does a huddle and debrief", "peer_support"),
        ("I talk things through with my crewmate", "peer_support"),
        ("a refresher would be good", "suggestions"),
        ("should be mandatory for managers", "suggestions"),
    ],
)
def test_development_examples(book, text, expected):
    assert expected in codes_of(text, book)


def test_near_misses_go_elsewhere(book):
    assert "techniques_tools" not in codes_of("It was useful", book)
    assert "beyond_work" not in codes_of("The patient's family were upset", book)
    assert "coaching_call" not in codes_of("I was on call all weekend", book)
    assert "personal_growth" not in codes_of("The facilitator was confident and clear", book)
    assert "suggestions" not in codes_of("I would recommend it to everyone", book)


# --- empty answers and the summary ----------------------------------------------------------------
def test_empty_answers_get_no_code_and_are_counted(book):
    empties = ["n/a", "na", "N/A", "-", "nothing", "None", "no comment", ".", "", "  ", "Nothing.",
               "No comments", "n.a.", "??", "x"]
    df = pd.DataFrame({"response_id": range(len(empties) + 3),
                       "text": empties + ["More sessions please", "Fine", None]})
    out = code(df, book)
    assert set(out[C.RESPONSE_ID]) == {len(empties)}
    s = coding_summary(df, out, book)
    assert tuple(s.columns) == SUMMARY_COLUMNS
    assert s.iloc[0].tolist() == [len(df), len(empties) + 1, 1, 1, len(out)]
    assert coding_summary(df, codebook=book).iloc[0].tolist() == s.iloc[0].tolist()
    assert empty_mask(df, book).tolist() == [True] * len(empties) + [False, False, True]


def test_nothing_inside_a_longer_answer_is_not_empty(book):
    s = coding_summary(answers_of("Nothing to add except that the call was great"), codebook=book)
    assert s["n_empty"].iloc[0] == 0


# --- inputs -------------------------------------------------------------------------------------
def test_inputs_are_not_modified(book):
    df = answers_of("The call helped", "n/a")
    before = df.copy(deep=True)
    code(df, book)
    code_valence(df, book)
    coding_summary(df, codebook=book)
    pd.testing.assert_frame_equal(df, before)


def test_parameter_errors(book):
    with pytest.raises(ParameterError, match="'text' parameter of code\\(\\) names column 'txt'") as err:
        code(answers_of("x"), book, text="txt")
    assert "response_id" in str(err.value)
    with pytest.raises(ParameterError, match="more than once"):
        code(pd.DataFrame({"response_id": [1, 1], "text": ["a", "b"]}), book)
    with pytest.raises(ParameterError, match="DataFrame or Series"):
        code(["a list"], book)
    with pytest.raises(ParameterError, match="n_jobs"):
        code(answers_of("x"), book, n_jobs=0)
    with pytest.raises(ParameterError, match="response_id"):
        coding_summary(answers_of("x"), pd.DataFrame({"code": []}), book)


def test_errors_never_show_answer_text(book):
    secret = "Sarah Jones 07700 900123"
    with pytest.raises(ParameterError) as err:
        code(pd.DataFrame({"response_id": [1, 1], "text": [secret, secret]}), book)
    assert "Sarah" not in str(err.value) and "07700" not in str(err.value)


def test_identical_texts_are_coded_for_every_answer(book):
    df = pd.DataFrame({"response_id": ["a", "b", "c"],
                       "text": ["Too long", "The call helped", "Too long"]})
    out = code(df, book)
    assert out[C.RESPONSE_ID].tolist()[0] == "a" and out[C.RESPONSE_ID].tolist()[-1] == "c"
    assert set(out[out.code == "delivery_format"][C.RESPONSE_ID]) == {"a", "c"}


def test_codings_are_ordered_by_answer_then_position(book):
    out = code(answers_of("Please send the slides. The call helped.", "Too long"), book)
    key = list(zip(out[C.RESPONSE_ID], out[C.START], strict=True))
    assert key == sorted(key)


# --- user codebooks: nothing is hard-wired ---------------------------------------------------------
def _user_book(**code_kwargs) -> Codebook:
    return Codebook(id="u", name="U", version="1", codes=[
        Code(id="workload", label="Workload", definition="W.", **code_kwargs)])


def test_a_user_codebook_with_other_codes():
    book = _user_book(rules=[{"phrases": ["too busy", "workload"]}])
    out = code(answers_of("Too busy! Workload is mad"), book)
    assert out["code"].tolist() == ["workload", "workload"]
    assert out["rule"].tolist() == ["phrase:too busy", "phrase:workload"]


def test_regex_rules_run_on_the_original_case():
    book = _user_book(rules=[{"name": "si", "regex": [r"(?-i:\bSI\b)"]}])
    assert code(answers_of("after the SI", "si on the ward"), book)[C.RESPONSE_ID].tolist() == ["r0"]
    assert code(answers_of("after the SI"), book)["rule"].tolist() == ["si"]


def test_near_rules_are_clause_scoped():
    book = _user_book(rules=[{"near": {"a": ["call"], "b": ["help*"], "within": 4}}])
    got = code(answers_of("the call really helped", "helped by the call", "the call, but it helped",
                          "the call. It helped", "the call was long and it never helped"), book)
    assert got[C.RESPONSE_ID].tolist() == ["r0", "r1"]


@pytest.mark.parametrize(("scope", "expected"), [("overlap", ["r1", "r2"]), ("clause", ["r2"]),
                                                 ("answer", [])])
def test_exclude_scopes(scope, expected):
    book = _user_book(rules=[{"phrases": ["family"]}],
                      exclude_patterns=[{"phrases": ["patient's family", "patients"], "scope": scope}])
    texts = ["the patient's family", "my family and the patients", "my family. patients"]
    assert code(answers_of(*texts), book)[C.RESPONSE_ID].tolist() == expected


def test_clause_scope_compares_clauses_of_the_same_answer_only():
    """Clauses are compared within an answer: the same clause number in another answer, or
    another clause of the same answer, does not veto."""
    book = _user_book(rules=[{"phrases": ["family"]}],
                      exclude_patterns=[{"phrases": ["patients"], "scope": "clause"}])
    texts = ["patients. my family", "my family. patients", "so, my family and patients",
             "family", "patients, patients. family"]
    assert code(answers_of(*texts), book)[C.RESPONSE_ID].tolist() == ["r0", "r1", "r3", "r4"]


def test_parallel_coding_gives_the_same_codings(book):
    rng = np.random.default_rng(3)
    pool = ["The call helped", "Too long", "my team debrief", "n/a", "more sessions please",
            "thinking traps", "short staffed again"]
    texts = [f"{rng.choice(pool)} {i}" for i in range(12_000)]
    df = pd.DataFrame({"response_id": range(len(texts)), "text": texts})
    serial = code(df, book)
    parallel = code(df, book, n_jobs=2)
    pd.testing.assert_frame_equal(serial, parallel)
    from evaltool.qual import coder as coder_module

    # three chunks, put back in input order
    assert len(set(texts)) > 2 * coder_module.CHUNK


def test_valence_of_distinct_pairs_in_parallel_equals_answer_by_answer(book):
    """code_valence judges each distinct (text, question) pair once, in forked workers with
    n_jobs: the labels and evidence equal the answer-by-answer judgement, in input order."""
    from bench.bench_qual import make_answers
    from evaltool.qual import _engine as E
    from evaltool.qual import _valence as V

    texts = make_answers(12_000, seed=5)
    rng = np.random.default_rng(5)
    questions = rng.choice(["most_useful", "change", "coaching_call", "other_comments"], len(texts)).tolist()
    df = pd.DataFrame({"response_id": range(len(texts)), "question": questions, "text": texts})
    assert len(set(zip(texts, questions, strict=True))) < len(texts)  # duplicated pairs
    serial = code_valence(df, book)
    parallel = code_valence(df, book, n_jobs=2)
    pd.testing.assert_frame_equal(serial, parallel)
    each = V.answer_valence(texts, questions, E.compile_codebook(book))
    assert serial["valence"].tolist() == each.label.tolist()
    assert serial[C.EVIDENCE].tolist() == each.evidence


def test_code_and_valence_equals_code_and_code_valence(book):
    """code_and_valence (one pool; valence reuses the chunk's proposal matches) gives the
    tables of code and code_valence, serial and in forked workers, with repeated texts and
    (text, question) pairs."""
    from bench.bench_qual import make_answers
    from evaltool.qual import code_and_valence
    from evaltool.qual import coder as coder_module

    base = make_answers(9_000, seed=11)
    texts = [f"{t} {i}" if i % 2 else t for i, t in enumerate(base * 2)]
    rng = np.random.default_rng(11)
    questions = rng.choice(["most_useful", "change", "coaching_call", "other_comments"], len(texts)).tolist()
    df = pd.DataFrame({"response_id": range(len(texts)), "question": questions, "text": texts})
    assert len(set(texts)) > 2 * coder_module.CHUNK and len(set(texts)) < len(texts)
    codings, valence = code(df, book), code_valence(df, book)
    assert (valence["evidence"].str.contains("proposal").any())
    for n_jobs in (None, 2):
        both = code_and_valence(df, book, n_jobs=n_jobs)
        pd.testing.assert_frame_equal(both[0], codings)
        pd.testing.assert_frame_equal(both[1], valence)


def test_performance_smoke(book):
    """Codes 20,000 answers (no timing assertion; bench/bench_qual.py measures speed)."""
    from bench.bench_qual import make_answers

    texts = make_answers(20_000)
    df = pd.DataFrame({"response_id": range(len(texts)), "text": texts})
    out = code(df, book)
    assert len(out) > 10_000
    assert set(out["code"]) == {c.id for c in book.flat_codes()}
    v = code_valence(df, book)
    assert set(v["valence"]) == {"positive", "negative", "mixed", "neutral"}
