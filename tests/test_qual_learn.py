"""Tests for evaltool.qual.learn (coding by example).

The data are synthetic and made here, deterministically: answers are assembled from phrases
that express a code (or not), so the "human" coding is known. The metric arithmetic is checked
against scikit-learn (cohen_kappa_score, precision/recall/F1 on the same out-of-fold
predictions).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from evaltool.errors import DataProblemsError, EvaltoolWarning, ParameterError
from evaltool.qual.learn import (
    LEARN_REPORT_COLUMNS,
    LEARNED_CODINGS_COLUMNS,
    LearnedCoder,
    apply_coder,
    train_coder,
)

PHRASES = {
    "workload": ["we are short staffed", "the workload is relentless", "no time for breaks",
                 "rota gaps every week", "too many patients per shift", "constant overtime"],
    "coaching_call": ["the coaching call helped", "my one to one call was useful",
                      "talking with the coach", "the follow up phone call", "the call with the coach"],
    "group_learning": ["hearing others in the group", "the group shared stories",
                       "others felt the same", "a safe space in the group", "mixed professions"],
}
FILLER = ["thank you", "it was fine overall", "the room was warm", "lunch was nice",
          "I would recommend it", "the slides were clear", "parking was easy"]
RARE = "rare_code"


def _make(n: int = 240, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    rows, codings = [], []
    for i in range(n):
        parts, codes = [], []
        for code, phrases in PHRASES.items():
            if rng.random() < 0.3:
                parts.append(phrases[rng.integers(len(phrases))])
                codes.append(code)
        parts += list(rng.choice(FILLER, size=rng.integers(1, 3), replace=False))
        rng.shuffle(parts)
        text = ". ".join(parts).capitalize() + "."
        rid = f"a{i:03d}"
        rows.append({"response_id": rid, "participant_id": f"P{i // 3}", "timepoint": "T2",
                     "question": "feedback", "text": text})
        codings += [{"response_id": rid, "code": c, "coder": "human"} for c in codes]
        if i in (3, 50, 99):
            codings.append({"response_id": rid, "code": RARE, "coder": "human"})
    return pd.DataFrame(rows), pd.DataFrame(codings)


@pytest.fixture(scope="module")
def data():
    return _make()


@pytest.fixture(scope="module")
def learned(data):
    answers, human = data
    return train_coder(answers, human, cv=5, seed=0, codebook=None)


def test_columns_pinned():
    assert LEARN_REPORT_COLUMNS == ("code", "n_answers", "n_positive", "n_folds", "kappa",
                                    "precision", "recall", "f1", "trained", "decision",
                                    "kappa_rules", "kappa_model", "threshold", "note")
    assert LEARNED_CODINGS_COLUMNS == ("response_id", "code", "start", "end", "evidence", "coder",
                                       "probability", "basis", "rule")


def test_report_before_applying(learned, data):
    rep = learned.cv_report.set_index("code")
    assert isinstance(learned, LearnedCoder)
    assert learned.codes == ("coaching_call", "group_learning", "workload")
    for code in learned.codes:
        assert rep.loc[code, "trained"] and rep.loc[code, "n_folds"] == 5
        assert rep.loc[code, "n_answers"] == 240
        assert rep.loc[code, "kappa"] > 0.9          # clearly learnable synthetic codes
        assert rep.loc[code, "decision"] == "model"   # no codebook: no rules to fall back to
        assert 0.05 <= rep.loc[code, "threshold"] <= 0.95
    assert not rep.loc[RARE, "trained"] and rep.loc[RARE, "decision"] == "not trained"
    assert "only 3 positive answer(s) (< 5)" in rep.loc[RARE, "note"]
    assert np.isnan(rep.loc[RARE, "kappa"])
    assert learned.fallback == ()


def test_report_arithmetic_matches_sklearn(learned):
    """κ, precision, recall, F1 equal scikit-learn's on the out-of-fold predictions kept in
    ``cv_predictions``; the decision is the calibrated probability at the reported threshold."""
    from sklearn.metrics import cohen_kappa_score, f1_score, precision_score, recall_score

    rep = learned.cv_report.set_index("code")
    for code in learned.codes:
        p = learned.cv_predictions[learned.cv_predictions.code == code]
        y, pred = p["human"].to_numpy(), p["predicted"].to_numpy()
        assert (pred == (p["probability"] >= rep.loc[code, "threshold"])).all()
        assert rep.loc[code, "n_positive"] == y.sum()
        assert rep.loc[code, "kappa"] == pytest.approx(cohen_kappa_score(y, pred), abs=1e-12)
        assert rep.loc[code, "precision"] == pytest.approx(precision_score(y, pred), abs=1e-12)
        assert rep.loc[code, "recall"] == pytest.approx(recall_score(y, pred), abs=1e-12)
        assert rep.loc[code, "f1"] == pytest.approx(f1_score(y, pred), abs=1e-12)
        assert rep.loc[code, "kappa_model"] == rep.loc[code, "kappa"]


def test_deterministic(data, learned):
    answers, human = data
    again = train_coder(answers, human, cv=5, seed=0, codebook=None)
    pd.testing.assert_frame_equal(again.cv_report, learned.cv_report)
    new, _ = _make(40, seed=99)
    pd.testing.assert_frame_equal(apply_coder(again, new), apply_coder(learned, new))


def test_apply_model_decides_with_rule_spans_as_evidence(learned):
    new = pd.DataFrame({"response_id": ["n1", "n2", "n3", "n4"], "text": [
        "The workload is relentless and we are short staffed.",
        "Parking was easy. Lunch was nice.",
        "I liked that others felt the same.",
        "---",
    ]})
    rules = pd.DataFrame({
        "response_id": ["n2", "n1"], "code": ["workload", "workload"], "start": [0, 4],
        "end": [7, 12], "evidence": ["Parking", "workload"], "rule": ["stem:park", "stem:workload"],
        "negated": [False, False], "coder": "evaltool-rules/0.1.0",
    })
    out = apply_coder(learned, new, rule_codings=rules)
    assert list(out.columns) == list(LEARNED_CODINGS_COLUMNS)
    assert (out["coder"] == learned.coder).all() and learned.coder.startswith("evaltool-learned/")
    rows = {(r.response_id, r.code): r for r in out.itertuples()}
    # the model decides this code: a rule hit it rejects is not kept
    assert ("n2", "workload") not in rows
    # rule and model agree: the rule's span is the evidence
    n1 = rows[("n1", "workload")]
    assert n1.basis == "rule+model" and n1.probability >= learned.thresholds["workload"]
    assert n1.evidence == "workload" and n1.rule == "stem:workload"
    # model only: whole answer as evidence
    n3 = rows[("n3", "group_learning")]
    assert n3.basis == "model" and (n3.start, n3.end) == (0, len(new.text[2]))
    assert n3.evidence == new.text[2] and pd.isna(n3.rule)
    assert "n4" not in set(out["response_id"])       # no letters: never model-coded


def test_codes_with_too_few_examples_fall_back_to_the_rules():
    """A code of the codebook with too few coded examples is decided by its rules, and the
    fitted object says so (``fallback``, ``decision``) so that a report can state it."""
    texts = ([f"The coaching call number {i} was useful" for i in range(3)]
             + [f"Too much workload on shift {i}" for i in range(30)]
             + [f"Lunch was nice on day {i}" for i in range(30)])
    answers = pd.DataFrame({"response_id": range(len(texts)), "text": texts})
    human = pd.DataFrame({"response_id": [0, 1, 2], "code": "coaching_call"})
    learned = train_coder(answers, human, cv=3)
    assert learned.decisions == {"coaching_call": "rules"} and learned.fallback == ("coaching_call",)
    rep = learned.cv_report.set_index("code")
    assert "coded by the codebook's rules" in rep.loc["coaching_call", "note"]
    new = pd.DataFrame({"response_id": ["a", "b"], "text": ["My 1:1 call was late", "Nice lunch"]})
    out = apply_coder(learned, new)
    assert out[["response_id", "code", "basis"]].values.tolist() == [["a", "coaching_call", "rule"]]
    assert out["probability"].isna().all() and out["evidence"].iloc[0] in new.text[0]


def test_inputs_from_files_and_wide(tmp_path, data, learned):
    answers, human = data
    wide = answers[["response_id", "text"]].copy()
    for code in [*PHRASES, RARE]:
        wide[code] = answers["response_id"].isin(human.loc[human.code == code, "response_id"]).astype(int)
    wide.to_csv(tmp_path / "h.csv", index=False)
    wide.to_excel(tmp_path / "h.xlsx", index=False)
    codes = sorted([*PHRASES, RARE])
    for source in (wide, tmp_path / "h.csv", tmp_path / "h.xlsx", str(tmp_path / "h.csv")):
        got = train_coder(None, source, codes=codes, cv=5, seed=0, codebook=None)
        pd.testing.assert_frame_equal(got.cv_report, learned.cv_report)
    # a REFI-QDA project made by a QDA program (here: by evaltool) works as well
    from evaltool.qual.qdpx import to_qdpx

    human_spans = human.assign(start=0, end=answers.set_index("response_id").loc[
        human.response_id, "text"].str.len().to_numpy())
    to_qdpx(answers, human_spans, None, tmp_path / "h.qdpx")
    got = train_coder(None, tmp_path / "h.qdpx", codes=codes, cv=5, seed=0, codebook=None)
    pd.testing.assert_frame_equal(got.cv_report, learned.cv_report)


def test_errors(data):
    answers, human = data
    wide = answers[["response_id", "text"]].assign(workload=pd.Series([1] * len(answers), dtype=object))
    wide.loc[5, "workload"] = "yes"
    with pytest.raises(DataProblemsError) as exc:
        train_coder(None, wide, codes=["workload"])
    assert exc.value.problems[["row", "column", "value"]].values.tolist() == [[7, "workload", "yes"]]
    with pytest.raises(ParameterError, match="'cv'"):
        train_coder(answers, human, cv=1)
    with pytest.raises(ParameterError, match="not in the answers"):
        train_coder(answers.iloc[:10], human)
    with pytest.raises(ParameterError, match="LearnedCoder"):
        apply_coder("model", answers)


def test_weak_code_warns_on_apply():
    rng = np.random.default_rng(3)
    words = ["alpha", "beta", "gamma", "delta", "omega", "sigma"]
    answers = pd.DataFrame({"response_id": range(60), "text": [
        " ".join(rng.choice(words, 4)) for _ in range(60)]})
    human = pd.DataFrame({"response_id": rng.choice(60, 20, replace=False), "code": "noise"})
    learned = train_coder(answers, human, cv=5, seed=0, codebook=None)
    assert "weak cross-validated agreement" in learned.cv_report.loc[0, "note"]
    with pytest.warns(EvaltoolWarning, match="weak cross-validated agreement"):
        apply_coder(learned, answers)


def test_inputs_not_mutated(data, learned):
    answers, human = data
    a0, h0 = answers.copy(), human.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        apply_coder(learned, answers)
    train_coder(answers, human, codes=["workload"], cv=3, codebook=None)
    pd.testing.assert_frame_equal(answers, a0)
    pd.testing.assert_frame_equal(human, h0)


def test_long_csv_and_review_sheet_as_input(tmp_path, data, learned):
    """Long codings in a CSV, and a review sheet a person filled in, both train the same model."""
    from evaltool.qual.review import export_review_sheet

    answers, human = data
    codes = sorted([*PHRASES, RARE])
    human.to_csv(tmp_path / "long.csv", index=False)
    got = train_coder(answers, tmp_path / "long.csv", codes=codes, cv=5, seed=0, codebook=None)
    pd.testing.assert_frame_equal(got.cv_report, learned.cv_report)
    sheet = export_review_sheet(answers, human, codes, tmp_path / "review.xlsx")
    got = train_coder(None, sheet, cv=5, seed=0, codebook=None)
    pd.testing.assert_frame_equal(got.cv_report, learned.cv_report)
