"""Learning curve and active learning on the development sets (issue 13).

Both use the hand-coded development sets (tests/data/qual/dev_coded_answers_2.yaml and _3),
never the blind sets. The coder learns from the text alone here (``codebook=None``): with
the rules as features the curve would start near the rules' agreement (they were tuned on
these answers) and show little. Answers held back for testing are never trained on.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from test_qual_devsets import load_dev

from evaltool.errors import ParameterError
from evaltool.qual.active import REVIEW_NEXT_COLUMNS, select_for_review
from evaltool.qual.learn import (
    LEARNING_CURVE_COLUMNS,
    _kappa,
    _presence,
    apply_coder,
    learning_curve,
    train_coder,
)


@pytest.fixture(scope="module")
def dev():
    a2, h2, _ = load_dev(2)
    a3, h3, _ = load_dev(3)
    answers = pd.concat([a2, a3], ignore_index=True)
    human = pd.concat([h2, h3], ignore_index=True)[["response_id", "code"]]
    return answers, human


def test_learning_curve_rises(dev):
    answers, human = dev
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        curve = learning_curve(answers, human, sizes=(40, 120, 300), codebook=None, repeats=2,
                               test_fraction=0.25, cv=3, seed=1)
    assert tuple(curve.columns) == LEARNING_CURVE_COLUMNS
    mean = curve.groupby("n_coded")["kappa"].mean()
    assert list(mean.index) == [40, 120, 300]
    assert mean.loc[40] < mean.loc[120] < mean.loc[300]
    assert set(curve["repeat"]) == {0, 1} and curve["kappa_rules"].isna().all()


def _simulate(answers: pd.DataFrame, human: pd.DataFrame, strategy: str, seed: int,
              n0: int = 60, step: int = 40, rounds: int = 4) -> list[float]:
    """Macro κ on 160 held-back answers as a team codes ``step`` more answers per round."""
    codes = sorted(set(human["code"]))
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(answers))
    test, pool = order[:160], list(order[160:])
    train, rest = pool[:n0], pool[n0:]
    y = np.zeros((len(answers), len(codes)), dtype=bool)
    pos = {r: i for i, r in enumerate(answers["response_id"])}
    for r, c in zip(human["response_id"], human["code"], strict=True):
        y[pos[r], codes.index(c)] = True
    curve = []
    for r in range(rounds + 1):
        coded = answers.iloc[train]
        learned = train_coder(coded, human[human["response_id"].isin(coded["response_id"])], codes,
                              codebook=None, cv=3, seed=seed)
        got = _presence(apply_coder(learned, answers.iloc[test]), answers.iloc[test], codes)
        curve.append(float(np.mean([_kappa(y[test, k], got[:, k]) for k in range(len(codes))])))
        if r == rounds:
            break
        if strategy == "random":
            new = rest[:step]
        else:
            chosen = set(select_for_review(learned, answers.iloc[rest], step, exclude=[], seed=seed)["response_id"])
            new = [i for i in rest if answers["response_id"].iloc[i] in chosen]
        train = train + new
        rest = [i for i in rest if i not in set(new)]
    return curve


def test_chosen_answers_teach_faster_than_random_ones(dev):
    """Three seeds; mean curves compared where they part (after the first two rounds):
    κ on the held-back answers is higher with the answers select_for_review() picks."""
    answers, human = dev
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        active = np.mean([_simulate(answers, human, "active", s) for s in range(3)], axis=0)
        random = np.mean([_simulate(answers, human, "random", s) for s in range(3)], axis=0)
    assert active[0] == random[0]                  # same start
    assert active[-2:].mean() > random[-2:].mean()
    assert active[-1] - active[0] > random[-1] - random[0]


def test_select_for_review_output_and_errors(dev):
    answers, human = dev
    coded = answers.iloc[:120]
    learned = train_coder(coded, human[human["response_id"].isin(coded["response_id"])],
                          codebook=None, cv=3)
    picked = select_for_review(learned, answers, 12)
    assert tuple(picked.columns) == REVIEW_NEXT_COLUMNS and len(picked) == 12
    assert not set(picked["response_id"]) & set(coded["response_id"])   # never re-picks coded
    assert picked["rank"].tolist() == list(range(1, 13))
    assert picked["text"].str.lower().duplicated().sum() == 0
    assert picked["question"].nunique() >= 3                              # spread over questions
    assert (picked["uncertainty"].between(0, 1)).all()
    again = select_for_review(learned, answers, 12)
    pd.testing.assert_frame_equal(picked, again)
    with pytest.raises(ParameterError, match="'n'"):
        select_for_review(learned, answers, 0)
