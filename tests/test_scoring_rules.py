"""Scoring rules real questionnaires need: knowledge tests where an unanswered question is
wrong, labels that carry their code, and the response-set checks they must still pass."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaltool import columns as C
from evaltool.errors import DataProblemsError
from evaltool.instruments import Instrument
from evaltool.scoring import score


def _quiz(unanswered: str = "wrong", all_unanswered: str = "missing", min_answered: int | None = None,
          method: str = "correct_count") -> Instrument:
    missing: dict = {"unanswered": unanswered, "all_unanswered": all_unanswered}
    if min_answered is not None:
        missing["min_answered"] = min_answered
    scale = {"id": "quiz", "label": "Quiz (0-4)", "items": ["k1", "k2", "k3", "k4"],
             "method": method, "direction": "higher_better", "missing": missing}
    return Instrument.model_validate({
        "id": "quiz", "name": "Quiz", "short_name": "Quiz", "measures": "knowledge",
        "citation": "own", "licence": {"tier": "study", "item_text_shippable": True, "terms": "own"},
        "response_sets": {"abcd": {"min": 1, "max": 4}},
        "items": [{"id": f"k{i}", "response_set": "abcd", "correct": c} for i, c in zip(range(1, 5), (2, 4, 1, 3), strict=True)],
        "scales": [scale],
    })


ANSWERS = pd.DataFrame({
    "participant_id": ["a", "b", "c", "d"],
    #        all right      2 right, 2 blank   nothing     1 right 1 wrong 2 blank
    "k1": [2, 2, None, 2],
    "k2": [4, 4, None, 1],
    "k3": [1, None, None, None],
    "k4": [3, None, None, None],
})


def test_unanswered_counts_as_wrong_without_proration():
    got = score(ANSWERS, _quiz()).set_index("participant_id")
    # hand calculation: a 4 correct; b 2 correct + 2 unanswered = 2 (not 4 x 2/2 = 4);
    # c nothing answered -> missing; d 1 correct, 1 wrong, 2 unanswered = 1
    assert got[C.SCORE].tolist()[:2] == [4.0, 2.0]
    assert np.isnan(got.loc["c", C.SCORE]) and got.loc["d", C.SCORE] == 1.0
    assert not got[C.PRORATED].any()
    assert got[C.N_ANSWERED].tolist() == [4, 2, 0, 2]


def test_whole_unanswered_test_scores_zero_when_the_instrument_says_so():
    got = score(ANSWERS, _quiz(all_unanswered="zero")).set_index("participant_id")
    assert got.loc["c", C.SCORE] == 0.0


def test_percent_with_unanswered_wrong():
    got = score(ANSWERS, _quiz(method="correct_percent")).set_index("participant_id")
    assert got.loc["b", C.SCORE] == 50.0 and got.loc["d", C.SCORE] == 25.0


def test_default_prorates_for_comparison():
    got = score(ANSWERS, _quiz(unanswered="missing", min_answered=2)).set_index("participant_id")
    assert got.loc["b", C.SCORE] == 4.0 and bool(got.loc["b", C.PRORATED])


def test_unanswered_wrong_refused_for_a_rating_scale():
    with pytest.raises(ValueError, match="applies only to knowledge tests"):
        Instrument.model_validate({
            **_quiz().model_dump(),
            "scales": [{"id": "s", "label": "s", "items": ["k1"], "method": "mean",
                        "direction": "higher_better", "missing": {"unanswered": "wrong"}}],
        })


@pytest.mark.parametrize("text, code", [
    ("10 - Completely confident", 10.0), ("1 = Strongly disagree", 1.0), ("Agree (4)", 4.0),
    ("0 Not at all confident", 0.0), ("5 – Completely", 5.0), ("Strongly agree [5]", 5.0),
])
def test_labels_with_numbers_give_their_code(text, code):
    inst = Instrument.model_validate({
        "id": "conf", "name": "Confidence", "short_name": "Conf", "measures": "confidence",
        "citation": "own", "licence": {"tier": "study", "item_text_shippable": True, "terms": "own"},
        "response_sets": {"r": {"min": 0, "max": 10, "labels": {1: "Strongly disagree", 4: "Agree"}}},
        "items": [{"id": "c1", "response_set": "r"}],
        "scales": [{"id": "conf", "label": "c", "items": ["c1"], "direction": "higher_better"}],
    })
    got = score(pd.DataFrame({"c1": [text]}), inst)
    assert got[C.SCORE].tolist() == [code]


def test_label_contradicting_its_number_is_a_problem():
    inst = _quiz()
    rs_inst = Instrument.model_validate({
        **inst.model_dump(),
        "response_sets": {"abcd": {"min": 1, "max": 4, "labels": {1: "Never", 2: "Sometimes"}}},
    })
    with pytest.raises(DataProblemsError) as exc:
        score(pd.DataFrame({"k1": ["1 - Sometimes"], "k2": [1], "k3": [1], "k4": [1]}), rs_inst)
    assert exc.value.problems["rule"].tolist() == ["not_numeric"]
